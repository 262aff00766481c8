// Package exif reads the orientation tag of a JPEG's EXIF block. The standard
// library ignores EXIF; this is the smallest bounds-checked parser that finds
// tag 0x0112 in IFD0 and nothing else.
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
