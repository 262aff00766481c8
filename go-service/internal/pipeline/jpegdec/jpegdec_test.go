package jpegdec

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const fixtures = "../../../../packages/contract/fixtures"

var jpegFixtures = []string{
	"photo-small.jpg", "photo-medium.jpg", "photo-hd.jpg", "photo-progressive.jpg",
	"photo-exif-rotate-6.jpg", "photo-cmyk.jpg", "photo-gray.jpg",
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// At scale 1 the decoder is image/jpeg: the same type, bounds and bytes.
func TestSameAsStdlib(t *testing.T) {
	for _, name := range jpegFixtures {
		data := read(t, name)
		want, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		got, scale, err := Decode(bytes.NewReader(data), Options{Scale: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if scale != 1 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: differs from image/jpeg (%T %v, scale %d)", name, got, got.Bounds(), scale)
		}
	}
}

// LumaOnly gives the Y plane of the full decode, exactly.
func TestLumaOnly(t *testing.T) {
	for _, name := range jpegFixtures {
		data := read(t, name)
		full, _, err := Decode(bytes.NewReader(data), Options{Scale: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := Decode(bytes.NewReader(data), Options{Scale: 1, LumaOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		ycc, ok := full.(*image.YCbCr)
		if !ok {
			if !reflect.DeepEqual(got, full) {
				t.Errorf("%s: a %T decodes differently with LumaOnly", name, full)
			}
			continue
		}
		g, ok := got.(*image.Gray)
		if !ok || g.Bounds() != ycc.Bounds() {
			t.Fatalf("%s: LumaOnly gave %T %v", name, got, got.Bounds())
		}
		r := g.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			if !bytes.Equal(g.Pix[g.PixOffset(0, y):][:r.Dx()], ycc.Y[ycc.YOffset(0, y):][:r.Dx()]) {
				t.Fatalf("%s: row %d of the luma differs from the Y plane", name, y)
			}
		}
	}
}

// A scaled decode is the box average of the full decode: at most a level or
// two apart where the full decode does not clip (the sums are rounded once
// here, per 8×8 pass there) and the size is ceil(W/s) × ceil(H/s).
func TestScaledIsBoxMean(t *testing.T) {
	for _, name := range jpegFixtures {
		data := read(t, name)
		full, _, err := Decode(bytes.NewReader(data), Options{Scale: 1, LumaOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		g, ok := full.(*image.Gray)
		if !ok {
			continue // CMYK: always full size
		}
		W, H := g.Bounds().Dx(), g.Bounds().Dy()
		for _, s := range []int{2, 4, 8} {
			img, scale, err := Decode(bytes.NewReader(data), Options{Scale: s, LumaOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			sg := img.(*image.Gray)
			w, h := (W+s-1)/s, (H+s-1)/s
			if scale != s || sg.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("%s at 1/%d: %v, scale %d; want %dx%d", name, s, sg.Bounds(), scale, w, h)
			}
			var n, off, sumAbs int
			maxDiff := 0
			for y := 0; y < H/s; y++ {
				for x := 0; x < W/s; x++ {
					sum, clipped := 0, false
					for j := range s {
						for i := range s {
							v := g.Pix[g.PixOffset(x*s+i, y*s+j)]
							clipped = clipped || v == 0 || v == 255
							sum += int(v)
						}
					}
					if clipped {
						continue
					}
					d := int(sg.Pix[sg.PixOffset(x, y)])*s*s - sum
					if d < 0 {
						d = -d
					}
					n++
					sumAbs += d
					if d > 2*s*s {
						off++
					}
					maxDiff = max(maxDiff, (d+s*s/2)/(s*s))
				}
			}
			mae := float64(sumAbs) / float64(n*s*s)
			t.Logf("%s 1/%d: mean |scaled − box mean| %.3f, max %d, %d of %d beyond 2", name, s, mae, maxDiff, off, n)
			if mae > 0.6 || off*1000 > n {
				t.Errorf("%s 1/%d: mean error %.3f, %d of %d samples more than 2 levels off", name, s, mae, off, n)
			}
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"photo-hd.jpg", "photo-12mp.jpg"} {
		data := read(b, name)
		b.Run(name+"/stdlib", func(b *testing.B) {
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, o := range []Options{{1, false}, {1, true}, {2, true}, {4, true}, {8, true}} {
			b.Run(name+"/"+o.name(), func(b *testing.B) {
				for b.Loop() {
					if _, _, err := Decode(bytes.NewReader(data), o); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func (o Options) name() string {
	s := []string{"", "1", "2", "", "4", "", "", "", "8"}[o.Scale]
	if o.LumaOnly {
		return "luma-1_" + s
	}
	return "ycbcr-1_" + s
}

// A block with only a DC coefficient is flat, of flatValue: what each
// transform computes for it, for every DC a valid image can have and more.
func TestFlatValue(t *testing.T) {
	for dc := int32(-1 << 14); dc <= 1<<14; dc++ {
		var b block
		b[0] = dc
		full := b
		idct(&full)
		var d4 [4 * 4]byte
		var d2 [2 * 2]byte
		idct4(&b, d4[:], 4)
		idct2(&b, d2[:], 2)
		for shift, got := range []uint8{level(full[0]), d4[0], d2[0], idct1(&b)} {
			if want := flatValue(uint(shift), dc); got != want {
				t.Fatalf("DC %d at shift %d: transform gives %d, flatValue %d", dc, shift, got, want)
			}
		}
		for i, v := range full {
			if level(v) != level(full[0]) {
				t.Fatalf("DC %d: idct output %d differs", dc, i)
			}
		}
		for i := range d4 {
			if d4[i] != d4[0] || d2[i%4] != d2[0] {
				t.Fatalf("DC %d: a reduced block is not flat", dc)
			}
		}
	}
}

// FuzzDecode: on any input, jpegdec at full scale agrees with image/jpeg
// (both fail, or both give the same image), and no option panics.
func FuzzDecode(f *testing.F) {
	// Small seeds (the fixtures are too large to mutate quickly): a colour
	// 4:2:0 and a gray image of 24×17, and the truncated fixture.
	colour := image.NewYCbCr(image.Rect(0, 0, 24, 17), image.YCbCrSubsampleRatio420)
	gray := image.NewGray(colour.Rect)
	for i := range colour.Y {
		colour.Y[i], gray.Pix[i] = uint8(i*7), uint8(i*13)
	}
	for i := range colour.Cb {
		colour.Cb[i], colour.Cr[i] = uint8(i*5), uint8(255-i*3)
	}
	for _, m := range []image.Image{colour, gray} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(read(f, "truncated.jpg"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<22 {
			return
		}
		want, werr := jpeg.Decode(bytes.NewReader(data))
		got, _, gerr := Decode(bytes.NewReader(data), Options{Scale: 1})
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("image/jpeg: %v; jpegdec: %v", werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatal("jpegdec decodes differently from image/jpeg")
		}
		for _, s := range []int{2, 4, 8} {
			_, _, _ = Decode(bytes.NewReader(data), Options{Scale: s, LumaOnly: s == 4})
		}
	})
}
