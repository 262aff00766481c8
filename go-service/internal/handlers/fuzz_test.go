package handlers

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// fuzzQueries are the option sets FuzzProcess drives the pipeline with.
var fuzzQueries = []string{
	"",
	"grayscale=false",
	"width=37",
	"format=png",
	"format=png&grayscale=false",
	"width=20&height=20&fit=cover&rotate=90&flip=1",
	"height=9&fit=fill&flop=true&enlarge=true&grayscale=0",
	"width=64&enlarge=1&rotate=270&format=png",
}

func tinySeeds(t testing.TB) [][]byte {
	rgba := image.NewNRGBA(image.Rect(0, 0, 12, 7))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 37)
	}
	var seeds [][]byte
	enc := func(f func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	enc(func(b *bytes.Buffer) error { return png.Encode(b, rgba) })
	enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, rgba, &jpeg.Options{Quality: 50}) })
	enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, image.NewGray(image.Rect(0, 0, 9, 5)), nil) })
	enc(func(b *bytes.Buffer) error {
		pal := image.NewPaletted(image.Rect(0, 0, 6, 6), color.Palette{color.RGBA{}, color.RGBA{255, 0, 0, 255}})
		pal.Pix[3] = 1
		return gif.Encode(b, pal, nil)
	})
	matches, _ := filepath.Glob("testdata/seeds/*.*")
	for _, m := range matches {
		if filepath.Ext(m) == ".md" {
			continue
		}
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzProcess drives the whole of POST /process with hostile bytes. Whatever
// comes in, the answer is a contract answer: never a panic, never a 500.
func FuzzProcess(f *testing.F) {
	for i, s := range tinySeeds(f) {
		f.Add(s, uint8(i))
	}
	h := newTestServer(f, map[string]string{"MAX_INPUT_PIXELS": "1000000", "REQUEST_TIMEOUT_MS": "60000"})
	f.Fuzz(func(t *testing.T, data []byte, q uint8) {
		query := fuzzQueries[int(q)%len(fuzzQueries)]
		r := httptest.NewRequest("POST", "/process?"+query, bytes.NewReader(data))
		r.Header.Set("Content-Type", "application/octet-stream")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		switch res.StatusCode {
		case 400, 415, 422:
			return
		case 200:
		default:
			t.Fatalf("status %d for %q: %s", res.StatusCode, query, rec.Body.Bytes())
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("200 with an undecodable answer: %v", err)
		}
		if strconv.Itoa(cfg.Width) != res.Header.Get("X-Image-Width") || strconv.Itoa(cfg.Height) != res.Header.Get("X-Image-Height") {
			t.Fatalf("answer is %dx%d, headers say %sx%s", cfg.Width, cfg.Height,
				res.Header.Get("X-Image-Width"), res.Header.Get("X-Image-Height"))
		}
	})
}
