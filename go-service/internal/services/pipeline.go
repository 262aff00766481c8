package services

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"time"

	"github.com/rtip/go-service/internal/exif"
	"golang.org/x/image/webp"
)

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

// Process runs the pipeline on an encoded image. It checks ctx between steps
// and returns ctx.Err() once the deadline has passed, even after the last step.
func Process(ctx context.Context, data []byte, o Options, lim Limits) (*Result, error) {
	format := Sniff(data)
	if format == FormatUnknown {
		return nil, errorf(KindUnsupported, nil, "the body is not a JPEG, PNG, WebP or GIF image")
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return nil, errorf(KindUndecodable, err, "cannot read the %s header", format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errorf(KindUndecodable, nil, "the %s header declares an empty image", format)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.MaxInputPixels {
		return nil, errorf(KindTooLarge, nil, "input is %dx%d = %d pixels, over the limit of %d",
			cfg.Width, cfg.Height, px, lim.MaxInputPixels)
	}
	orient := identity
	switch format {
	case FormatJPEG:
		orient = exifOrientation(exif.JPEGOrientation(data))
	case FormatPNG:
		orient = exifOrientation(exif.PNGOrientation(data))
	case FormatWebP:
		orient = exifOrientation(exif.WebPOrientation(data))
	}
	orient = orient.then(rotation(o.Rotate))
	if o.Flip {
		orient = orient.then(mirrorY)
	}
	if o.Flop {
		orient = orient.then(mirrorX)
	}
	ow, oh := orient.orientedSize(cfg.Width, cfg.Height)
	plan := PlanGeometry(ow, oh, o)
	// The scaled image counts too: cover + enlarge must not allocate
	// gigapixels for a small crop (the resampler only computes the crop, but
	// the contract bounds the plan, not this implementation's memory).
	for _, sz := range []image.Point{plan.Out(), plan.Scaled} {
		if px := int64(sz.X) * int64(sz.Y); px > lim.MaxInputPixels {
			return nil, errorf(KindTooLarge, nil, "output would be %dx%d = %d pixels, over the limit of %d",
				sz.X, sz.Y, px, lim.MaxInputPixels)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	t0 := time.Now()
	img, err := decode(format, data)
	if err != nil {
		return nil, errorf(KindUndecodable, err, "cannot decode the %s image: it is corrupt or truncated", format)
	}
	hasAlpha := inspect(format, data, img)
	if b := img.Bounds(); b != image.Rect(0, 0, cfg.Width, cfg.Height) {
		// A GIF frame may cover part of the logical screen.
		canvas := image.NewRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
		draw.Draw(canvas, b, img, b.Min, draw.Src)
		img = canvas
	}
	t1 := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	e := encoded{gray: o.Grayscale, alpha: hasAlpha && o.Format == FormatPNG, quality: o.Quality, format: o.Format}
	resizes := plan.Resizes(ow, oh)
	if ycc, ok := img.(*image.YCbCr); ok && format == FormatJPEG && !e.gray && o.Format == FormatJPEG && orient == identity && !resizes {
		// Colour JPEG to colour JPEG with nothing to do: skip RGBA entirely.
		e.ycbcrJPEG = func(buf *bytes.Buffer) error {
			return jpeg.Encode(buf, ycc, &jpeg.Options{Quality: o.Quality})
		}
		e.bm = &bitmap{W: cfg.Width, H: cfg.Height}
	} else {
		var webpRGBA *bitmap
		if format == FormatWebP {
			webpRGBA, _ = webpToRGBA(img)
		}
		switch {
		case webpRGBA != nil && e.gray && !hasAlpha:
			e.bm = lumaOf(webpRGBA)
		case webpRGBA != nil:
			e.bm = webpRGBA
		case e.gray && !hasAlpha:
			e.bm = toGray(img)
		case e.alpha:
			e.bm = toNRGBA(img)
		default:
			e.bm = toRGBA(img)
		}
		img = nil
		e.bm = orient.apply(e.bm)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if resizes {
			e.bm = resize(e.bm, plan)
		}
	}
	t2 := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	buf, err := encode(e)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", o.Format, err)
	}
	res := &Result{
		buf: buf, Width: e.bm.W, Height: e.bm.H, ContentType: o.Format.ContentType(),
		Decode: t1.Sub(t0), Transform: t2.Sub(t1), Encode: time.Since(t2),
	}
	if err := ctx.Err(); err != nil {
		res.Release()
		return nil, err
	}
	return res, nil
}

func decodeConfig(f Format, data []byte) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	r := bytes.NewReader(data)
	switch f {
	case FormatJPEG:
		return jpeg.DecodeConfig(r)
	case FormatPNG:
		return png.DecodeConfig(r)
	case FormatGIF:
		return gif.DecodeConfig(r)
	case FormatWebP:
		return webp.DecodeConfig(r)
	}
	return cfg, fmt.Errorf("unknown format")
}

// decode turns a decoder panic on hostile input into an error: for the
// client it is an undecodable image like any other.
func decode(f Format, data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	r := bytes.NewReader(data)
	switch f {
	case FormatJPEG:
		return jpeg.Decode(r)
	case FormatPNG:
		return png.Decode(r)
	case FormatGIF:
		return gif.Decode(r)
	case FormatWebP:
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("unknown format")
}

// inspect reports whether the input has an alpha channel, by its format's
// signals rather than by its pixel values.
func inspect(f Format, data []byte, img image.Image) (hasAlpha bool) {
	switch f {
	case FormatPNG:
		ct, trns := pngInfo(data)
		return ct == 4 || ct == 6 || trns
	case FormatWebP:
		return webpHasAlpha(data)
	case FormatGIF:
		if m, ok := img.(*image.Paletted); ok {
			for _, c := range m.Palette {
				if _, _, _, a := c.RGBA(); a != 0xffff {
					return true
				}
			}
		}
	}
	return false
}
