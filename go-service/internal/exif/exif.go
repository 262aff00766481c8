// Package exif reads the orientation tag of the EXIF block of a JPEG, PNG or
// WebP file. The standard library ignores EXIF; this is the smallest
// bounds-checked parser that finds tag 0x0112 in IFD0 and nothing else.
package exif

import "encoding/binary"

// JPEGOrientation returns the EXIF orientation (1..8) of a JPEG stream, or 1
// when there is none or it is malformed.
func JPEGOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // no payload
			i += 2
			continue
		case m == 0xD9 || m == 0xDA: // end of image, start of scan: no more APPn
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if m == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if v, ok := Parse(seg[6:]); ok {
				return v
			}
			// Another APP1 (e.g. a second EXIF or XMP) may follow.
		}
		i += 2 + n
	}
	return 1
}

// PNGOrientation returns the orientation in a PNG's eXIf chunk, or 1.
func PNGOrientation(b []byte) int {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return 1
	}
	for i := len(sig); i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i : i+4]))
		kind := string(b[i+4 : i+8])
		if n < 0 || n > len(b)-i-12 {
			return 1
		}
		switch kind {
		case "eXIf":
			return payloadOrientation(b[i+8 : i+8+n])
		case "IEND":
			return 1
		}
		i += 12 + n // length, type, data, CRC
	}
	return 1
}

// WebPOrientation returns the orientation in a WebP's EXIF chunk, or 1.
func WebPOrientation(b []byte) int {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 1
	}
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		if n < 0 || n > len(b)-i-8 {
			return 1
		}
		if string(b[i:i+4]) == "EXIF" {
			return payloadOrientation(b[i+8 : i+8+n])
		}
		i += 8 + n + n&1 // chunks are padded to an even size
	}
	return 1
}

// payloadOrientation parses an EXIF payload that may or may not start with
// the "Exif\0\0" marker JPEG requires (writers differ for PNG and WebP).
func payloadOrientation(p []byte) int {
	if len(p) >= 6 && string(p[:6]) == "Exif\x00\x00" {
		p = p[6:]
	}
	if v, ok := Parse(p); ok {
		return v
	}
	return 1
}

const (
	tagOrientation = 0x0112
	typeShort      = 3
	typeLong       = 4
	maxIFDEntries  = 1024
)

// Parse reads a TIFF-structured EXIF payload (what follows "Exif\0\0") and
// returns its IFD0 orientation when present and in 1..8.
func Parse(t []byte) (orientation int, ok bool) {
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:4]) != 42 {
		return 0, false
	}
	off := uint64(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > uint64(len(t)) {
		return 0, false
	}
	n := uint64(bo.Uint16(t[off : off+2]))
	if n > maxIFDEntries {
		return 0, false
	}
	for k := range n {
		e := off + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 0, false
		}
		entry := t[e : e+12]
		if bo.Uint16(entry[0:2]) != tagOrientation {
			continue
		}
		if bo.Uint32(entry[4:8]) != 1 { // count
			return 0, false
		}
		var v uint32
		switch bo.Uint16(entry[2:4]) {
		case typeShort:
			v = uint32(bo.Uint16(entry[8:10]))
		case typeLong:
			v = bo.Uint32(entry[8:12])
		default:
			return 0, false
		}
		if v < 1 || v > 8 {
			return 0, false
		}
		return int(v), true
	}
	return 0, false
}
