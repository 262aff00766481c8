//go:build vips

package pipeline

import (
	"context"
	"testing"
	"time"
)

// TestVipsReleasesEverything runs every fixture, hostile ones included,
// through the libvips pipeline with options that take each branch (shrink
// on load, EXIF orientation first, rotate first, crop, alpha kept and
// flattened, PNG and JPEG), then checks that libvips holds no more objects
// or pixel buffers than before: nothing leaks on success or failure.
func TestVipsReleasesEverything(t *testing.T) {
	names := []string{
		"photo-hd.jpg", "photo-exif-rotate-6.jpg", "photo-exif-rotate-6.png", "photo-exif-rotate-6.webp",
		"photo-cmyk.jpg", "photo-gray.jpg", "photo.png", "alpha.png", "photo.gif", "photo.webp",
		"truncated.jpg", "truncated-half.jpg", "bomb-400mp.png", "header-60000x60000.jpg",
	}
	variants := []func(*Options){
		nil,
		func(o *Options) { o.Width = 200 },
		func(o *Options) { o.Width, o.Height, o.Fit = 150, 150, FitCover },
		func(o *Options) { o.Rotate, o.Flip, o.Width = 90, true, 300 },
		func(o *Options) { o.Format, o.Grayscale, o.Width = FormatPNG, false, 100 },
		func(o *Options) { o.Format = FormatPNG },
	}
	run := func() {
		for _, name := range names {
			data := fixture(t, name)
			for _, v := range variants {
				if res, err := Process(context.Background(), data, opts(v), noLimit); err == nil {
					res.Release()
				}
			}
		}
	}
	run() // libvips creates its per-process objects (types, thread pool) once
	objects, allocs, bytes := settled(-1)
	if allocs != 0 || bytes != 0 {
		t.Fatalf("libvips holds %d pixel buffers (%d bytes) at rest; with the cache off it should hold none", allocs, bytes)
	}
	for range 3 {
		run()
	}
	if o, a, b := settled(objects); o != objects || a != 0 || b != 0 {
		t.Errorf("libvips holds %d objects, %d buffers, %d bytes after 3 more rounds; %d objects and no buffer before",
			o, a, b, objects)
	}
}

// settled is vipsLive once libvips holds no pixel buffer (and, unless
// objects is -1, that many objects), or after a second: a worker thread
// frees its buffers just after the caller has the pixels.
func settled(objects int) (int, int, int64) {
	deadline := time.Now().Add(time.Second)
	for {
		o, a, b := vipsLive()
		if (a == 0 && b == 0 && (objects < 0 || o == objects)) || time.Now().After(deadline) {
			return o, a, b
		}
		time.Sleep(10 * time.Millisecond)
	}
}
