package pipeline

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const fixtures = "../../../packages/contract/fixtures"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

var noLimit = Limits{MaxInputPixels: 50_000_000}

func opts(f func(*Options)) Options {
	o := DefaultOptions()
	if f != nil {
		f(&o)
	}
	return o
}

// channels reads the component count of a JPEG (SOF) or PNG (IHDR colour type).
func channels(t *testing.T, b []byte) int {
	t.Helper()
	switch Sniff(b) {
	case FormatPNG:
		return map[byte]int{0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[b[25]]
	case FormatJPEG:
		for i := 2; i+9 < len(b); {
			m := b[i+1]
			n := int(b[i+2])<<8 | int(b[i+3])
			if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
				return int(b[i+9])
			}
			i += 2 + n
		}
	}
	t.Fatalf("cannot read channels")
	return 0
}

func TestProcessFixtures(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		opts    Options
		w, h    int
		ch      int
		ctype   string
	}{
		{"hd gray", "photo-hd.jpg", opts(nil), 1920, 1080, 1, "image/jpeg"},
		{"hd colour", "photo-hd.jpg", opts(func(o *Options) { o.Grayscale = false }), 1920, 1080, 3, "image/jpeg"},
		{"hd width 800", "photo-hd.jpg", opts(func(o *Options) { o.Width = 800 }), 800, 450, 1, "image/jpeg"},
		{"12mp width 800", "photo-12mp.jpg", opts(func(o *Options) { o.Width = 800 }), 800, 600, 1, "image/jpeg"},
		{"exif 6", "photo-exif-rotate-6.jpg", opts(nil), 400, 600, 1, "image/jpeg"},
		{"exif 6 rotate 90", "photo-exif-rotate-6.jpg", opts(func(o *Options) { o.Rotate = 90 }), 600, 400, 1, "image/jpeg"},
		{"cmyk gray", "photo-cmyk.jpg", opts(nil), 451, 300, 1, "image/jpeg"},
		{"cmyk colour", "photo-cmyk.jpg", opts(func(o *Options) { o.Grayscale = false }), 451, 300, 3, "image/jpeg"},
		{"gray jpeg", "photo-gray.jpg", opts(nil), 512, 512, 1, "image/jpeg"},
		{"gray jpeg in colour", "photo-gray.jpg", opts(func(o *Options) { o.Grayscale = false }), 512, 512, 3, "image/jpeg"},
		{"gray jpeg in colour png", "photo-gray.jpg", opts(func(o *Options) { o.Grayscale = false; o.Format = FormatPNG }), 512, 512, 3, "image/png"},
		{"png", "photo.png", opts(nil), 512, 512, 1, "image/jpeg"},
		{"png colour png", "photo.png", opts(func(o *Options) { o.Grayscale = false; o.Format = FormatPNG }), 512, 512, 3, "image/png"},
		{"alpha to jpeg", "alpha.png", opts(nil), 600, 400, 1, "image/jpeg"},
		{"alpha gray png", "alpha.png", opts(func(o *Options) { o.Format = FormatPNG }), 600, 400, 2, "image/png"},
		{"alpha colour png", "alpha.png", opts(func(o *Options) { o.Format = FormatPNG; o.Grayscale = false }), 600, 400, 4, "image/png"},
		{"alpha colour png resized", "alpha.png", opts(func(o *Options) { o.Format = FormatPNG; o.Grayscale = false; o.Width = 300 }), 300, 200, 4, "image/png"},
		{"webp", "photo.webp", opts(nil), 741, 500, 1, "image/jpeg"},
		{"webp colour resized", "photo.webp", opts(func(o *Options) { o.Grayscale = false; o.Width = 370 }), 370, 250, 3, "image/jpeg"},
		{"gif", "photo.gif", opts(nil), 451, 300, 1, "image/jpeg"},
		{"gif png", "photo.gif", opts(func(o *Options) { o.Format = FormatPNG }), 451, 300, 1, "image/png"},
		{"cover", "photo-medium.jpg", opts(func(o *Options) { o.Width, o.Height, o.Fit = 333, 333, FitCover }), 333, 333, 1, "image/jpeg"},
		{"everything", "photo-medium.jpg", opts(func(o *Options) {
			o.Grayscale, o.Width, o.Height, o.Fit, o.Rotate, o.Flip, o.Quality = false, 200, 150, FitCover, 90, true, 90
		}), 200, 150, 3, "image/jpeg"},
		{"enlarge", "photo-small.jpg", opts(func(o *Options) { o.Width, o.Enlarge = 1280, true }), 1280, 854, 1, "image/jpeg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Process(context.Background(), fixture(t, tt.fixture), tt.opts, noLimit)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			defer res.Release()
			out := res.Bytes()
			img, _, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("decode output: %v", err)
			}
			cfg := img.Bounds().Size()
			if cfg.X != tt.w || cfg.Y != tt.h || res.Width != tt.w || res.Height != tt.h {
				t.Errorf("size = %dx%d (result %dx%d), want %dx%d", cfg.X, cfg.Y, res.Width, res.Height, tt.w, tt.h)
			}
			if got := channels(t, out); got != tt.ch {
				t.Errorf("channels = %d, want %d", got, tt.ch)
			}
			if res.ContentType != tt.ctype {
				t.Errorf("content type = %s, want %s", res.ContentType, tt.ctype)
			}
		})
	}
}

func TestProcessErrors(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		opts    Options
		lim     Limits
		kind    Kind
	}{
		{"text", "not-an-image.jpg", opts(nil), noLimit, KindUnsupported},
		{"truncated", "truncated.jpg", opts(nil), noLimit, KindUndecodable},
		{"truncated half", "truncated-half.jpg", opts(nil), noLimit, KindUndecodable},
		{"bomb", "bomb-400mp.png", opts(nil), noLimit, KindTooLarge},
		{"header 60000", "header-60000x60000.jpg", opts(nil), noLimit, KindTooLarge},
		{"output too large", "photo-small.jpg", opts(func(o *Options) {
			o.Width, o.Height, o.Fit, o.Enlarge = 8192, 8192, FitFill, true
		}), noLimit, KindTooLarge},
		{"input over limit", "photo-hd.jpg", opts(nil), Limits{MaxInputPixels: 1_000_000}, KindTooLarge},
		{"cover's scaled image over limit", "photo-hd.jpg", opts(func(o *Options) {
			o.Width, o.Height, o.Fit, o.Enlarge = 8192, 6000, FitCover, true
		}), noLimit, KindTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(context.Background(), fixture(t, tt.fixture), tt.opts, tt.lim)
			var pe *Error
			if !errors.As(err, &pe) || pe.Kind != tt.kind {
				t.Fatalf("err = %v, want kind %d", err, tt.kind)
			}
		})
	}
}

func TestProcessDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := Process(ctx, fixture(t, "photo-12mp.jpg"), opts(nil), noLimit)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

// TestGrayIsRec601 checks the luma of a colour PNG against the formula.
func TestGrayIsRec601(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 4, 1))
	cols := []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {10, 200, 30, 255}}
	for i, c := range cols {
		src.SetNRGBA(i, 0, c)
	}
	var in bytes.Buffer
	if err := png.Encode(&in, src); err != nil {
		t.Fatal(err)
	}
	res, err := Process(context.Background(), in.Bytes(), opts(func(o *Options) { o.Format = FormatPNG }), noLimit)
	if err != nil {
		t.Fatal(err)
	}
	out, err := png.Decode(bytes.NewReader(res.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		want := uint8(0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B) + 0.5)
		if got := out.(*image.Gray).GrayAt(i, 0).Y; got != want {
			t.Errorf("pixel %d: Y = %d, want %d", i, got, want)
		}
	}
}

// TestPNGWithAlphaIsLossless: without resampling, a PNG answer with alpha
// keeps every straight colour value (an 8-bit premultiplied round trip would
// lose up to 3 levels where alpha is low).
func TestPNGWithAlphaIsLossless(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 256, 2))
	for x := range 256 {
		src.SetNRGBA(x, 0, color.NRGBA{uint8(x), uint8(255 - x), uint8(x / 2), 1})
		src.SetNRGBA(x, 1, color.NRGBA{uint8(x), 7, 200, uint8(x)})
	}
	var in bytes.Buffer
	if err := png.Encode(&in, src); err != nil {
		t.Fatal(err)
	}
	res, err := Process(context.Background(), in.Bytes(), opts(func(o *Options) {
		o.Format, o.Grayscale, o.Flop = FormatPNG, false, true
	}), noLimit)
	if err != nil {
		t.Fatal(err)
	}
	out, err := png.Decode(bytes.NewReader(res.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for y := range 2 {
		for x := range 256 {
			want := src.NRGBAAt(255-x, y)
			if got := color.NRGBAModel.Convert(out.At(x, y)).(color.NRGBA); got != want && want.A != 0 {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestOrientation moves a 3×2 image with distinct pixels through every
// rotation and mirror and compares with hand-made answers.
func TestOrientation(t *testing.T) {
	// a b c
	// d e f
	src := &bitmap{Pix: []byte("abcdef"), W: 3, H: 2, Stride: 3, Ch: 1}
	tests := []struct {
		name string
		o    orientation
		w    int
		want string
	}{
		{"identity", identity, 3, "abcdef"},
		{"rotate 90", rotation(90), 2, "daebfc"},
		{"rotate 180", rotation(180), 3, "fedcba"},
		{"rotate 270", rotation(270), 2, "cfbead"},
		{"flop", mirrorX, 3, "cbafed"},
		{"flip", mirrorY, 3, "defabc"},
		{"exif 2", exifOrientation(2), 3, "cbafed"},
		{"exif 3", exifOrientation(3), 3, "fedcba"},
		{"exif 4", exifOrientation(4), 3, "defabc"},
		{"exif 5", exifOrientation(5), 2, "adbecf"},
		{"exif 6", exifOrientation(6), 2, "daebfc"},
		{"exif 7", exifOrientation(7), 2, "fcebda"},
		{"exif 8", exifOrientation(8), 2, "cfbead"},
		{"rotate 90 then flop", rotation(90).then(mirrorX), 2, "adbecf"},
		{"exif 6 then rotate 90", exifOrientation(6).then(rotation(90)), 3, "fedcba"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.o.apply(src)
			if got.W != tt.w || string(got.Pix) != tt.want {
				t.Errorf("got %dx%d %q, want width %d %q", got.W, got.H, got.Pix, tt.w, tt.want)
			}
		})
	}
}

func TestPlanGeometry(t *testing.T) {
	tests := []struct {
		name   string
		W, H   int
		o      func(*Options)
		scaled image.Point
		crop   image.Rectangle
	}{
		{"none", 1920, 1080, nil, image.Pt(1920, 1080), image.Rect(0, 0, 1920, 1080)},
		{"width", 1920, 1080, func(o *Options) { o.Width = 800 }, image.Pt(800, 450), image.Rect(0, 0, 800, 450)},
		{"height", 1920, 1080, func(o *Options) { o.Height = 540 }, image.Pt(960, 540), image.Rect(0, 0, 960, 540)},
		{"inside box", 1920, 1080, func(o *Options) { o.Width, o.Height = 800, 400 }, image.Pt(711, 400), image.Rect(0, 0, 711, 400)},
		{"no enlarge", 640, 427, func(o *Options) { o.Width = 1280 }, image.Pt(640, 427), image.Rect(0, 0, 640, 427)},
		{"enlarge", 640, 427, func(o *Options) { o.Width, o.Enlarge = 1280, true }, image.Pt(1280, 854), image.Rect(0, 0, 1280, 854)},
		{"cover", 1920, 1080, func(o *Options) { o.Width, o.Height, o.Fit = 300, 300, FitCover }, image.Pt(533, 300), image.Rect(116, 0, 416, 300)},
		{"cover one side", 1920, 1080, func(o *Options) { o.Width, o.Fit = 500, FitCover }, image.Pt(500, 281), image.Rect(0, 0, 500, 281)},
		{"cover no enlarge", 640, 427, func(o *Options) { o.Width, o.Height, o.Fit = 1000, 100, FitCover }, image.Pt(640, 427), image.Rect(0, 163, 640, 263)},
		{"fill", 1920, 1080, func(o *Options) { o.Width, o.Height, o.Fit = 300, 200, FitFill }, image.Pt(300, 200), image.Rect(0, 0, 300, 200)},
		{"fill one side", 1920, 1080, func(o *Options) { o.Width, o.Fit = 300, FitFill }, image.Pt(300, 1080), image.Rect(0, 0, 300, 1080)},
		{"fill capped", 640, 427, func(o *Options) { o.Width, o.Height, o.Fit = 1000, 300, FitFill }, image.Pt(640, 300), image.Rect(0, 0, 640, 300)},
		{"tiny side stays 1", 1000, 1, func(o *Options) { o.Width = 10 }, image.Pt(10, 1), image.Rect(0, 0, 10, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PlanGeometry(tt.W, tt.H, opts(tt.o))
			if p.Scaled != tt.scaled || p.Crop != tt.crop {
				t.Errorf("plan = %v %v, want %v %v", p.Scaled, p.Crop, tt.scaled, tt.crop)
			}
		})
	}
}

// TestResizeKeepsFlatColour: a uniform image stays uniform at any scale.
func TestResizeKeepsFlatColour(t *testing.T) {
	src := newBitmap(37, 23, 4)
	for i := 0; i < len(src.Pix); i += 4 {
		copy(src.Pix[i:], []byte{60, 120, 180, 255})
	}
	for _, sz := range []image.Point{{5, 3}, {37, 23}, {100, 7}, {1, 1}} {
		out := resize(src, Plan{Scaled: sz, Crop: image.Rectangle{Max: sz}}, float64(src.W), float64(src.H))
		for i := 0; i < len(out.Pix); i += 4 {
			if !bytes.Equal(out.Pix[i:i+4], []byte{60, 120, 180, 255}) {
				t.Fatalf("%v: pixel %d = %v", sz, i/4, out.Pix[i:i+4])
			}
		}
	}
}

func TestJPEGGrayFastPathMatchesFormula(t *testing.T) {
	data := fixture(t, "photo-small.jpg")
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fast := toGray(img)
	var sum, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			want := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			d := float64(fast.Pix[y*fast.Stride+x]) - float64(want)
			if d < 0 {
				d = -d
			}
			sum += d
			n++
		}
	}
	if mae := sum / n; mae > 1 {
		t.Errorf("Y plane vs Rec.601 of decoded RGB: MAE %.2f levels", mae)
	}
}
