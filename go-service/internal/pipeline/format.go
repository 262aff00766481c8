package pipeline

import (
	"bytes"
	"encoding/binary"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Sniff decides the container format from magic bytes alone.
func Sniff(b []byte) Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return FormatJPEG
	case bytes.HasPrefix(b, pngSignature):
		return FormatPNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return FormatGIF
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return FormatWebP
	}
	return FormatUnknown
}

// pngInfo reports the IHDR colour type and whether a tRNS chunk precedes the
// image data. It only looks at chunk framing; the decoder validates the rest.
func pngInfo(b []byte) (colorType byte, hasTRNS bool) {
	if len(b) < 8+8+13 {
		return 0, false
	}
	colorType = b[8+8+9]
	off := 8
	for i := 0; i < 1024 && off+8 <= len(b); i++ {
		n := int(binary.BigEndian.Uint32(b[off : off+4]))
		typ := string(b[off+4 : off+8])
		switch typ {
		case "tRNS":
			return colorType, true
		case "IDAT", "IEND":
			return colorType, false
		}
		if n < 0 || n > len(b) {
			break
		}
		off += 12 + n
	}
	return colorType, false
}

// webpHasAlpha reads the alpha flag of an extended (VP8X) or lossless (VP8L)
// WebP header, the same signal libwebp's WebPGetFeatures uses.
func webpHasAlpha(b []byte) bool {
	if len(b) < 21 {
		return false
	}
	switch string(b[12:16]) {
	case "VP8X":
		return b[20]&0x10 != 0
	case "VP8L":
		if len(b) < 25 || b[20] != 0x2f {
			return false
		}
		v := binary.LittleEndian.Uint32(b[21:25])
		return (v>>28)&1 != 0
	}
	return false
}
