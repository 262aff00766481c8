package services

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

func TestDividerIsExact(t *testing.T) {
	for q := uint32(1); q <= 255; q++ {
		d := 8 * q
		dv := newDivider(d)
		for a := int32(0); a < 1<<16+1<<14; a++ {
			want := (a + int32(d>>1)) / int32(d)
			if got := dv.div(a); got != want {
				t.Fatalf("div(%d, %d) = %d, want %d", a, d, got, want)
			}
			if got := dv.div(-a); got != -want {
				t.Fatalf("div(%d, %d) = %d, want %d", -a, d, got, -want)
			}
		}
	}
}

// TestGrayJPEGMatchesStdlib: the pixels decoded from our stream equal those
// decoded from image/jpeg's, for odd sizes and every kind of quality.
func TestGrayJPEGMatchesStdlib(t *testing.T) {
	src, err := jpeg.Decode(bytes.NewReader(fixture(t, "photo-small.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	full := toGray(src)
	for _, sz := range []image.Point{{640, 427}, {1, 1}, {9, 17}, {333, 8}} {
		for _, q := range []int{1, 30, 80, 100} {
			g := &image.Gray{Pix: full.Pix, Stride: full.Stride, Rect: image.Rect(0, 0, sz.X, sz.Y)}
			var ours, std bytes.Buffer
			if err := encodeGrayJPEG(&ours, g.Pix, sz.X, sz.Y, g.Stride, q); err != nil {
				t.Fatal(err)
			}
			if err := jpeg.Encode(&std, g, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			a, err := jpeg.Decode(bytes.NewReader(ours.Bytes()))
			if err != nil {
				t.Fatalf("%v q%d: decode ours: %v", sz, q, err)
			}
			b, _ := jpeg.Decode(bytes.NewReader(std.Bytes()))
			if !bytes.Equal(a.(*image.Gray).Pix, b.(*image.Gray).Pix) || a.Bounds() != b.Bounds() {
				t.Errorf("%v q%d: pixels differ from image/jpeg's", sz, q)
			}
		}
	}
}

func BenchmarkEncodeGray(b *testing.B) {
	src, err := jpeg.Decode(bytes.NewReader(fixture(b, "photo-hd.jpg")))
	if err != nil {
		b.Fatal(err)
	}
	g := toGray(src)
	b.Run("ours", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			encodeGrayJPEG(&buf, g.Pix, g.W, g.H, g.Stride, 80)
		}
	})
	b.Run("image-jpeg", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			jpeg.Encode(&buf, g.gray(), &jpeg.Options{Quality: 80})
		}
	})
}
