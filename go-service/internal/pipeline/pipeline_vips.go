//go:build vips

package pipeline

/*
#include <vips/vips.h>
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// The libvips backend: the TypeScript service's pipeline shape
// (apps/ts-service/src/pipeline/process-image.ts) with the same libvips
// build. decode is one libvips pass that decodes (shrinking on load where
// sharp does), orients, rotates, mirrors and resizes into raw 8-bit pixels;
// transform is the exact Rec.601 luma in Go; encode is a second libvips pass
// from the raw pixels to JPEG or PNG.

// Implementation is the name GET /info reports for this build.
const Implementation = "go-vips"

// Init starts libvips (once; Process would otherwise on the first image), so
// that a library that cannot start stops the service before it listens.
func Init() error { return vipsStart() }

// Libraries are the codec libraries GET /info reports.
func Libraries() map[string]string {
	return map[string]string{"libvips": vipsVersion()}
}

// source is an image whose header libvips has read.
type source struct {
	data   []byte
	format Format
	// pin keeps data in place while libvips holds a pointer to it (it
	// decodes lazily, from the caller's buffer, without a copy).
	pin runtime.Pinner
	// img is the header load, reused by the decode when no shrink-on-load
	// reload is needed.
	img *vipsImage
	// greyInput: the input is one grey channel (sharp's metadata space
	// b-w or grey16); it then stays one channel for grey output.
	greyInput bool
}

// open reads the header with libvips' own loader, as sharp's metadata() does:
// size and EXIF orientation (JPEG APP1, PNG eXIf, WebP EXIF) come from the
// same parser the decode will use.
func open(format Format, data []byte) (*source, header, error) {
	if err := vipsStart(); err != nil {
		return nil, header{}, err
	}
	s := &source{data: data, format: format}
	s.pin.Pin(unsafe.SliceData(data))
	img, err := vipsLoad(data, format, 1, 1)
	if err != nil {
		s.close()
		return nil, header{}, errorf(KindUndecodable, err, "cannot read the %s header", format)
	}
	s.img = img
	in := img.interpretation()
	s.greyInput = in == C.VIPS_INTERPRETATION_B_W || in == C.VIPS_INTERPRETATION_GREY16
	return s, header{width: img.width(), height: img.height(), orientation: img.orientation()}, nil
}

func (s *source) close() {
	s.img.release()
	s.pin.Unpin()
}

func (s *source) process(ctx context.Context, o Options, _ orientation, plan Plan) (*Result, error) {
	t0 := time.Now()
	img, err := s.geometry(o, plan)
	if err != nil {
		return nil, errorf(KindUndecodable, err, "cannot decode the %s image: it is corrupt or truncated", s.format)
	}
	raw, err := img.toMemory()
	w, h, ch := img.width(), img.height(), img.bands()
	img.release()
	if err != nil {
		return nil, errorf(KindUndecodable, err, "cannot decode the %s image: it is corrupt or truncated", s.format)
	}
	defer raw.free()
	t1 := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	pix := raw.bytes()
	if o.Grayscale && (ch == 3 || ch == 4) {
		pix = lumaInPlace(pix, ch)
		ch -= 2
	}
	t2 := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	out, err := encodeVips(cBytes{p: raw.p, n: len(pix)}, w, h, ch, o)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", o.Format, err)
	}
	defer out.free()
	// Copied into a pooled Go buffer (a fraction of a millisecond for a
	// photo): the Result then owns no C memory that a forgotten Release
	// could leak.
	buf := getBuf()
	buf.Write(out.bytes())
	return &Result{
		buf: buf, Width: w, Height: h, ContentType: o.Format.ContentType(),
		Decode: t1.Sub(t0), Transform: t2.Sub(t1), Encode: time.Since(t2),
	}, nil
}

// encodeVips is the second libvips pass: raw 8-bit pixels to JPEG or PNG.
func encodeVips(pix cBytes, w, h, ch int, o Options) (cBytes, error) {
	img, err := vipsFromMemory(pix, w, h, ch)
	if err != nil {
		return cBytes{}, err
	}
	defer img.release()
	if o.Format == FormatPNG {
		return img.png()
	}
	return img.jpeg(o.Quality)
}
