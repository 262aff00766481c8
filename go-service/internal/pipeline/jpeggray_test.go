package pipeline

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"
)

func psnr(a, b *image.Gray) float64 {
	var se float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := float64(a.GrayAt(x, y).Y) - float64(b.GrayAt(x, y).Y)
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(r.Dx()*r.Dy())/se)
}

// TestGrayJPEGMatchesStdlib: for odd sizes and every kind of quality, our
// stream decodes to the same picture as image/jpeg's, as faithful to the
// source (within 0.1 dB, or above 49.9 dB) and close to its output.
func TestGrayJPEGMatchesStdlib(t *testing.T) {
	src, err := jpeg.Decode(bytes.NewReader(fixture(t, "photo-small.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	full := toGray(src)
	for _, sz := range []image.Point{{640, 427}, {1, 1}, {9, 17}, {333, 8}} {
		for _, q := range []int{1, 30, 80, 100} {
			g := image.NewGray(image.Rect(0, 0, sz.X, sz.Y))
			for y := range sz.Y {
				copy(g.Pix[y*sz.X:(y+1)*sz.X], full.Pix[y*full.Stride:])
			}
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
			ap, bp := a.(*image.Gray), b.(*image.Gray)
			if a.Bounds() != b.Bounds() {
				t.Fatalf("%v q%d: bounds %v, stdlib %v", sz, q, a.Bounds(), b.Bounds())
			}
			ours2src, std2src, ours2std := psnr(ap, g), psnr(bp, g), psnr(ap, bp)
			if ours2src < min(std2src, 50)-0.1 || (sz.X*sz.Y > 64 && q >= 30 && ours2std < 40) {
				t.Errorf("%v q%d: PSNR to source %.2f dB (stdlib %.2f), to stdlib output %.2f dB",
					sz, q, ours2src, std2src, ours2std)
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
