package exif

import (
	"encoding/binary"
	"os"
	"testing"
)

// tiff builds a minimal EXIF payload with one IFD0 entry.
func tiff(bo binary.ByteOrder, tag, typ uint16, count, value uint32) []byte {
	b := make([]byte, 8+2+12+4)
	if bo == binary.LittleEndian {
		copy(b, "II")
	} else {
		copy(b, "MM")
	}
	bo.PutUint16(b[2:], 42)
	bo.PutUint32(b[4:], 8)
	bo.PutUint16(b[8:], 1)
	bo.PutUint16(b[10:], tag)
	bo.PutUint16(b[12:], typ)
	bo.PutUint32(b[14:], count)
	if typ == typeShort {
		bo.PutUint16(b[18:], uint16(value))
	} else {
		bo.PutUint32(b[18:], value)
	}
	return b
}

// jpegWithApp1 wraps a payload in SOI + APP1 + EOI.
func jpegWithApp1(payload []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), payload...)
	b := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	b = append(b, seg...)
	return append(b, 0xFF, 0xD9)
}

func TestParse(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	tests := []struct {
		name string
		in   []byte
		want int
		ok   bool
	}{
		{"little endian 6", tiff(le, tagOrientation, typeShort, 1, 6), 6, true},
		{"big endian 8", tiff(be, tagOrientation, typeShort, 1, 8), 8, true},
		{"long value", tiff(le, tagOrientation, typeLong, 1, 3), 3, true},
		{"out of range 9", tiff(le, tagOrientation, typeShort, 1, 9), 0, false},
		{"zero", tiff(le, tagOrientation, typeShort, 1, 0), 0, false},
		{"other tag", tiff(le, 0x010F, typeShort, 1, 6), 0, false},
		{"bad count", tiff(le, tagOrientation, typeShort, 2, 6), 0, false},
		{"bad type", tiff(le, tagOrientation, 2, 1, 6), 0, false},
		{"empty", nil, 0, false},
		{"bad byte order", []byte("XX\x2a\x00\x08\x00\x00\x00\x00\x00"), 0, false},
		{"offset past end", []byte("II\x2a\x00\xff\xff\xff\xff"), 0, false},
		{"truncated entries", tiff(le, tagOrientation, typeShort, 1, 6)[:15], 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Parse = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestJPEGOrientation(t *testing.T) {
	le := binary.LittleEndian
	fixture, err := os.ReadFile("../../../packages/contract/fixtures/photo-exif-rotate-6.jpg")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("../../../packages/contract/fixtures/photo-small.jpg")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"fixture with orientation 6", fixture, 6},
		{"fixture without EXIF", plain, 1},
		{"synthetic 3", jpegWithApp1(tiff(le, tagOrientation, typeShort, 1, 3)), 3},
		{"invalid value falls back to 1", jpegWithApp1(tiff(le, tagOrientation, typeShort, 1, 200)), 1},
		{"not a jpeg", []byte("hello"), 1},
		{"segment length past end", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E'}, 1},
		{"segment length too small", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0, 0}, 1},
		{"only SOI", []byte{0xFF, 0xD8}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JPEGOrientation(tt.in); got != tt.want {
				t.Errorf("JPEGOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

// pngWith builds a PNG signature followed by one chunk (CRC not checked here).
func pngWith(kind string, data []byte) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(append(b, kind...), data...)
	return append(b, 0, 0, 0, 0)
}

// webpWith builds a RIFF/WEBP header followed by one chunk.
func webpWith(kind string, data []byte) []byte {
	b := append([]byte("RIFF"), 0, 0, 0, 0)
	b = append(b, "WEBP"...)
	b = append(b, kind...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func TestPNGAndWebPOrientation(t *testing.T) {
	le := binary.LittleEndian
	png6, err := os.ReadFile("testdata/exif-rotate-6.png")
	if err != nil {
		t.Fatal(err)
	}
	webp6, err := os.ReadFile("testdata/exif-rotate-6.webp")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  func() int
		want int
	}{
		{"png fixture with eXIf 6", func() int { return PNGOrientation(png6) }, 6},
		{"webp fixture with EXIF 6", func() int { return WebPOrientation(webp6) }, 6},
		{"png eXIf without marker", func() int { return PNGOrientation(pngWith("eXIf", tiff(le, tagOrientation, typeShort, 1, 3))) }, 3},
		{"png eXIf with marker", func() int {
			return PNGOrientation(pngWith("eXIf", append([]byte("Exif\x00\x00"), tiff(le, tagOrientation, typeShort, 1, 8)...)))
		}, 8},
		{"png without eXIf", func() int { return PNGOrientation(pngWith("IEND", nil)) }, 1},
		{"png chunk length past end", func() int { return PNGOrientation(pngWith("eXIf", nil)[:12]) }, 1},
		{"webp EXIF odd size", func() int {
			return WebPOrientation(webpWith("EXIF", append(tiff(le, tagOrientation, typeShort, 1, 5), 0)))
		}, 5},
		{"webp chunk length past end", func() int { return WebPOrientation(webpWith("EXIF", tiff(le, tagOrientation, typeShort, 1, 5))[:24]) }, 1},
		{"not a webp", func() int { return WebPOrientation([]byte("RIFF....WAVE")) }, 1},
		{"png is not webp", func() int { return WebPOrientation(png6) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(); got != tt.want {
				t.Errorf("orientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	le, be := binary.LittleEndian, binary.BigEndian
	f.Add(tiff(le, tagOrientation, typeShort, 1, 6))
	f.Add(tiff(be, tagOrientation, typeLong, 1, 8))
	f.Add(jpegWithApp1(tiff(le, tagOrientation, typeShort, 1, 5)))
	if b, err := os.ReadFile("testdata/exif-rotate-6-head.jpg"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, ok := Parse(b); ok && (v < 1 || v > 8) {
			t.Fatalf("Parse = %d, ok", v)
		}
		if v := JPEGOrientation(b); v < 1 || v > 8 {
			t.Fatalf("JPEGOrientation = %d", v)
		}
		// The same bytes as a whole PNG or WebP file, and inside their chunks.
		for _, v := range []int{PNGOrientation(b), WebPOrientation(b), PNGOrientation(pngWith("eXIf", b)), WebPOrientation(webpWith("EXIF", b))} {
			if v < 1 || v > 8 {
				t.Fatalf("orientation = %d", v)
			}
		}
		// The same bytes behind a JPEG APP1 header exercise the segment walk.
		if len(b) < 60000 {
			if v := JPEGOrientation(jpegWithApp1(b)); v < 1 || v > 8 {
				t.Fatalf("JPEGOrientation(app1) = %d", v)
			}
		}
	})
}
