package pipeline

import (
	"bytes"
	"context"
	"image"
	"time"
)

// The pipeline has two backends, chosen at build time: pure Go
// (pipeline_purego.go, the default) and libvips (pipeline_vips.go, built with
// -tags vips). Each provides the same four things:
//
//	Init() error                                 // once, at start-up
//	open(format, data) (*source, header, error)  // read the header only
//	(*source).process(ctx, o, orient, plan)      // decode, transform, encode
//	(*source).close()
//	Implementation, Libraries()                  // what /info reports
//
// Everything before the first pixel is decoded (format, pixel limits,
// geometry) is decided here, once, for both.

// Result is an encoded image. Call Release when its bytes are written.
type Result struct {
	buf         *bytes.Buffer
	Width       int
	Height      int
	ContentType string
	Decode      time.Duration
	Transform   time.Duration
	Encode      time.Duration
}

// Bytes is the encoded image; valid until Release.
func (r *Result) Bytes() []byte { return r.buf.Bytes() }

// Release returns the buffer for reuse.
func (r *Result) Release() {
	if r.buf != nil {
		putBuf(r.buf)
		r.buf = nil
	}
}

// header is what a backend reads of an image before decoding any pixel.
type header struct {
	width, height int
	orientation   int // EXIF orientation 1..8; anything else means upright
}

// Process runs the pipeline on an encoded image. It checks ctx between steps
// and returns ctx.Err() once the deadline has passed, even after the last step.
func Process(ctx context.Context, data []byte, o Options, lim Limits) (*Result, error) {
	format := Sniff(data)
	if format == FormatUnknown {
		return nil, errorf(KindUnsupported, nil, "the body is not a JPEG, PNG, WebP or GIF image")
	}
	src, h, err := open(format, data)
	if err != nil {
		return nil, err
	}
	defer src.close()
	if h.width <= 0 || h.height <= 0 {
		return nil, errorf(KindUndecodable, nil, "the %s header declares an empty image", format)
	}
	if px := int64(h.width) * int64(h.height); px > lim.MaxInputPixels {
		return nil, errorf(KindTooLarge, nil, "input is %dx%d = %d pixels, over the limit of %d",
			h.width, h.height, px, lim.MaxInputPixels)
	}
	orient := exifOrientation(h.orientation).then(rotation(o.Rotate))
	if o.Flip {
		orient = orient.then(mirrorY)
	}
	if o.Flop {
		orient = orient.then(mirrorX)
	}
	ow, oh := orient.orientedSize(h.width, h.height)
	plan := PlanGeometry(ow, oh, o)
	// The scaled image counts too: cover + enlarge must not allocate
	// gigapixels for a small crop (the contract bounds the plan, not one
	// implementation's memory).
	for _, sz := range []image.Point{plan.Out(), plan.Scaled} {
		if px := int64(sz.X) * int64(sz.Y); px > lim.MaxInputPixels {
			return nil, errorf(KindTooLarge, nil, "output would be %dx%d = %d pixels, over the limit of %d",
				sz.X, sz.Y, px, lim.MaxInputPixels)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := src.process(ctx, o, orient, plan)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		res.Release()
		return nil, err
	}
	return res, nil
}
