//go:build !vips

package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/rtip/go-service/internal/exif"
	"github.com/rtip/go-service/internal/pipeline/jpegdec"
	"golang.org/x/image/webp"
)

// The pure-Go backend: standard library decoders (x/image for WebP; for
// JPEG the standard library's decoder extended with shrink-on-load and a
// luma-only mode, jpegdec), one combined orientation move, a box pre-shrink
// and a Go Lanczos3, and the service's own gray JPEG encoder. No cgo: the
// binary is static.

// Implementation is the name GET /info reports for this build.
const Implementation = "go"

// Init prepares the backend; the pure-Go one needs nothing.
func Init() error { return nil }

// Libraries are the codec libraries GET /info reports.
func Libraries() map[string]string {
	return map[string]string{
		"image":              "go stdlib " + runtime.Version(),
		"golang.org/x/image": xImageVersion(),
	}
}

// xImageVersion is the golang.org/x/image version this binary was built
// with, from the build info (go.mod pins it; the constant is the fallback).
func xImageVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "golang.org/x/image" {
				return m.Version
			}
		}
	}
	return "v0.48.0"
}

// source is an image whose header has been read.
type source struct {
	format Format
	data   []byte
	width  int
	height int
}

// open reads the header: size from the decoder's DecodeConfig, orientation
// from the service's own EXIF parser.
func open(format Format, data []byte) (*source, header, error) {
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return nil, header{}, errorf(KindUndecodable, err, "cannot read the %s header", format)
	}
	h := header{width: cfg.Width, height: cfg.Height, orientation: 1}
	switch format {
	case FormatJPEG:
		h.orientation = exif.JPEGOrientation(data)
	case FormatPNG:
		h.orientation = exif.PNGOrientation(data)
	case FormatWebP:
		h.orientation = exif.WebPOrientation(data)
	}
	return &source{format: format, data: data, width: cfg.Width, height: cfg.Height}, h, nil
}

func (s *source) close() {}

// process decodes, converts to grey, orients and resamples, and encodes. The
// stages are the contract's kinds of work (packages/contract README, "Stages"),
// not one interval each: grey runs before the geometry here (one channel to
// resample instead of four, the same picture within the bars), so "decode" is
// the decode plus the geometry and "transform" the luma pass alone, as in the
// libvips targets, where one pass decodes and resizes.
func (s *source) process(ctx context.Context, o Options, orient orientation, plan Plan) (*Result, error) {
	format := s.format
	ow, oh := orient.orientedSize(s.width, s.height)
	resizes := plan.Resizes(ow, oh)
	t0 := time.Now()
	// A JPEG decodes at sharp's shrink-on-load factor (jpegShrinkFactor),
	// and to its Y plane alone when the output is grey (JPEG has no alpha).
	// sharp forgoes the shrink when it rotates or mirrors (or orients before
	// a crop); the decode here does not, as the orientation moves commute
	// with it (the one such vector: 40.6 instead of 40.7 dB against sharp).
	jo := jpegdec.Options{Scale: 1, LumaOnly: o.Grayscale}
	if resizes {
		hshrink, vshrink := shrinkFactors(ow, oh, plan.Scaled.X, plan.Scaled.Y)
		jo.Scale = jpegShrinkFactor(min(hshrink, vshrink))
	}
	img, scale, err := decode(format, s.data, jo)
	if err != nil {
		return nil, errorf(KindUndecodable, err, "cannot decode the %s image: it is corrupt or truncated", format)
	}
	hasAlpha := inspect(format, s.data, img)
	w, h := (s.width+scale-1)/scale, (s.height+scale-1)/scale
	if b := img.Bounds(); b != image.Rect(0, 0, w, h) {
		// A GIF frame may cover part of the logical screen.
		canvas := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(canvas, b, img, b.Min, draw.Src)
		img = canvas
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	e := encoded{gray: o.Grayscale, alpha: hasAlpha && o.Format == FormatPNG, quality: o.Quality, format: o.Format}
	var grey time.Duration // the luma pass, the "transform" stage
	if ycc, ok := img.(*image.YCbCr); ok && format == FormatJPEG && !e.gray && o.Format == FormatJPEG && orient == identity && !resizes {
		// Colour JPEG to colour JPEG with nothing to do: skip RGBA entirely.
		e.ycbcrJPEG = func(buf *bytes.Buffer) error {
			return jpeg.Encode(buf, ycc, &jpeg.Options{Quality: o.Quality})
		}
		e.bm = &bitmap{W: s.width, H: s.height}
	} else {
		var webpRGBA *bitmap
		if format == FormatWebP {
			webpRGBA, _ = webpToRGBA(img)
		}
		tg := time.Now()
		switch {
		case webpRGBA != nil && e.gray && !hasAlpha:
			e.bm = lumaOf(webpRGBA)
			grey = time.Since(tg)
		case webpRGBA != nil:
			e.bm = webpRGBA
		case e.gray && !hasAlpha:
			e.bm = toGray(img)
			grey = time.Since(tg)
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
			// The full image spans W/scale × H/scale of the decoded pixels.
			e.bm = resize(e.bm, plan, float64(ow)/float64(scale), float64(oh)/float64(scale))
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
	return &Result{
		buf: buf, Width: e.bm.W, Height: e.bm.H, ContentType: o.Format.ContentType(),
		Decode: t2.Sub(t0) - grey, Transform: grey, Encode: time.Since(t2),
	}, nil
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
// client it is an undecodable image like any other. A JPEG goes through
// jpegdec (shrink-on-load, luma only), and through image/jpeg if that
// fails, so a broken JPEG gets the standard library's verdict; it returns
// the scale the image was decoded at.
func decode(f Format, data []byte, jo jpegdec.Options) (img image.Image, scale int, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, scale, err = nil, 0, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	if f == FormatJPEG {
		if img, scale, err := decodeJPEG(data, jo); err == nil {
			return img, scale, nil
		}
	}
	r := bytes.NewReader(data)
	switch f {
	case FormatJPEG:
		img, err = jpeg.Decode(r)
	case FormatPNG:
		img, err = png.Decode(r)
	case FormatGIF:
		img, err = gif.Decode(r)
	case FormatWebP:
		img, err = webp.Decode(r)
	default:
		err = fmt.Errorf("unknown format")
	}
	return img, 1, err
}

// decodeJPEG is jpegdec's decode, with its panics as errors too.
func decodeJPEG(data []byte, jo jpegdec.Options) (img image.Image, scale int, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, scale, err = nil, 0, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return jpegdec.Decode(bytes.NewReader(data), jo)
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
