package pipeline

import (
	"bytes"
	"testing"
)

// TestLumaIsExactRec601 checks every 8-bit colour against the rational
// definition: round half up of (299R + 587G + 114B) / 1000.
func TestLumaIsExactRec601(t *testing.T) {
	for r := range uint32(256) {
		for g := range uint32(256) {
			for b := range uint32(256) {
				t1000 := 299*r + 587*g + 114*b
				want := t1000 / 1000
				if t1000%1000 >= 500 {
					want++
				}
				if got := luma(r, g, b); uint32(got) != want {
					t.Fatalf("luma(%d, %d, %d) = %d, want %d", r, g, b, got, want)
				}
			}
		}
	}
}

func TestLumaInPlace(t *testing.T) {
	rgb := []byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 250}
	if got := lumaInPlace(rgb, 3); !bytes.Equal(got, []byte{76, 150, 29, 29}) {
		t.Errorf("RGB: got %v", got)
	}
	rgba := []byte{255, 255, 255, 7, 10, 200, 30, 0}
	if got := lumaInPlace(rgba, 4); !bytes.Equal(got, []byte{255, 7, 124, 0}) {
		t.Errorf("RGBA: got %v", got)
	}
}
