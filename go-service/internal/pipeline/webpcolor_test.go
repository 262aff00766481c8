package pipeline

import (
	"image"
	"testing"
)

// TestVP8ToRGB: limited-range BT.601, as libwebp decodes it.
func TestVP8ToRGB(t *testing.T) {
	tests := []struct {
		y, u, v int32
		r, g, b uint8
	}{
		{16, 128, 128, 0, 0, 0},
		{235, 128, 128, 255, 255, 255},
		{126, 128, 128, 128, 128, 128},
		{82, 90, 240, 255, 0, 0},  // BT.601 red
		{145, 54, 34, 0, 255, 0},  // green
		{41, 240, 110, 0, 0, 255}, // blue
	}
	for _, tt := range tests {
		r, g, b := vp8ToRGB(tt.y, tt.u, tt.v)
		d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
		if d(r, tt.r) > 2 || d(g, tt.g) > 2 || d(b, tt.b) > 2 {
			t.Errorf("vp8ToRGB(%d,%d,%d) = %d,%d,%d, want ≈ %d,%d,%d", tt.y, tt.u, tt.v, r, g, b, tt.r, tt.g, tt.b)
		}
	}
}

func TestWebPToRGBAFlat(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 5, 3), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = 235
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = 128, 128
	}
	bm, ok := webpToRGBA(m)
	if !ok || bm.W != 5 || bm.H != 3 {
		t.Fatalf("ok %v size %dx%d", ok, bm.W, bm.H)
	}
	for i, v := range bm.Pix {
		if v != 255 {
			t.Fatalf("byte %d = %d, want 255", i, v)
		}
	}
	if _, ok := webpToRGBA(image.NewYCbCr(image.Rect(0, 0, 2, 2), image.YCbCrSubsampleRatio444)); ok {
		t.Error("4:4:4 accepted")
	}
}
