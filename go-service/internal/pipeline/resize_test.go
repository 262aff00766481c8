package pipeline

import (
	"image"
	"math/rand/v2"
	"testing"
)

func TestPreShrinkFactor(t *testing.T) {
	for _, tt := range []struct {
		extent float64
		dst    int
		want   int
	}{
		{4032, 800, 2}, {1920, 800, 1}, {1008, 800, 1}, {1600, 800, 1}, {3200, 800, 2}, {3199, 800, 1},
		{4032, 100, 20}, {3024, 1, 1512}, {640, 1280, 1}, {10, 0, 1},
	} {
		if got := preShrinkFactor(tt.extent, tt.dst); got != tt.want {
			t.Errorf("preShrinkFactor(%v, %d) = %d, want %d", tt.extent, tt.dst, got, tt.want)
		}
	}
}

// TestBoxShrinkIsMean: every output sample is the rounded (half up) mean of
// its block, partial blocks at the right and bottom edges included.
func TestBoxShrinkIsMean(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ch := range []int{1, 4} {
		src := newBitmap(37, 23, ch)
		for i := range src.Pix {
			src.Pix[i] = uint8(r.IntN(256))
		}
		for _, k := range []image.Point{{2, 2}, {3, 4}, {1, 5}, {7, 1}, {37, 23}} {
			out := boxShrink(src, k.X, k.Y)
			if out.W != (37+k.X-1)/k.X || out.H != (23+k.Y-1)/k.Y {
				t.Fatalf("%v: %dx%d", k, out.W, out.H)
			}
			for oy := range out.H {
				for ox := range out.W {
					for c := range ch {
						sum, n := 0, 0
						for y := oy * k.Y; y < min(oy*k.Y+k.Y, src.H); y++ {
							for x := ox * k.X; x < min(ox*k.X+k.X, src.W); x++ {
								sum += int(src.Pix[y*src.Stride+x*ch+c])
								n++
							}
						}
						if want, got := (sum+n/2)/n, int(out.Pix[oy*out.Stride+ox*ch+c]); got != want {
							t.Fatalf("ch %d box %v at (%d,%d,%d): %d, want %d", ch, k, ox, oy, c, got, want)
						}
					}
				}
			}
		}
	}
}

// TestTapsInside: every window lies inside the source and has unit gain.
func TestTapsInside(t *testing.T) {
	for _, tt := range []struct {
		src    int
		extent float64
		dst    int
	}{
		{1920, 1920, 800}, {1008, 1008, 800}, {1008, 1007.5, 800}, {3, 3, 1}, {7, 7, 100}, {1, 1, 5}, {500, 250.25, 3},
	} {
		tp := makeTaps(tt.src, tt.extent, tt.dst, 0, tt.dst)
		for i, s := range tp.start {
			if s < 0 || s+tp.n > tt.src {
				t.Fatalf("%+v: window %d at %d+%d outside the source", tt, i, s, tp.n)
			}
			var sum int32
			for _, w := range tp.w[i*tp.n : i*tp.n+tp.n] {
				sum += w
			}
			if sum != weightOne {
				t.Fatalf("%+v: window %d gain %d", tt, i, sum)
			}
		}
	}
}

// TestResizeGrayKeepsFlat: a uniform gray plane stays uniform through the
// box and Lanczos steps, in either pass order.
func TestResizeGrayKeepsFlat(t *testing.T) {
	src := newBitmap(1000, 700, 1)
	for i := range src.Pix {
		src.Pix[i] = 77
	}
	for _, sz := range []image.Point{{10, 7}, {800, 3}, {3, 600}, {333, 333}} {
		out := resize(src, Plan{Scaled: sz, Crop: image.Rectangle{Max: sz}}, 1000, 700)
		for i, v := range out.Pix {
			if v != 77 {
				t.Fatalf("%v: sample %d = %d", sz, i, v)
			}
		}
	}
}
