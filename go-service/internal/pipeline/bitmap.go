package pipeline

import (
	"image"
	"image/color"
	"image/draw"
)

// bitmap is the pipeline's raster: 8-bit gray (Ch 1) or 8-bit RGBA (Ch 4),
// origin at (0, 0). RGBA is premultiplied unless Straight is set: the lossless
// path (PNG with alpha, no resampling) keeps straight alpha, because an 8-bit
// premultiply/unpremultiply round trip loses up to 3 levels at low alpha.
type bitmap struct {
	Pix      []byte
	W, H     int
	Stride   int
	Ch       int
	Straight bool
}

func newBitmap(w, h, ch int) *bitmap {
	return &bitmap{Pix: make([]byte, w*h*ch), W: w, H: h, Stride: w * ch, Ch: ch}
}

func (b *bitmap) gray() *image.Gray {
	return &image.Gray{Pix: b.Pix, Stride: b.Stride, Rect: image.Rect(0, 0, b.W, b.H)}
}

func (b *bitmap) rgba() *image.RGBA {
	return &image.RGBA{Pix: b.Pix, Stride: b.Stride, Rect: image.Rect(0, 0, b.W, b.H)}
}

// toGray returns the Rec.601 luma of an opaque image. A YCbCr image already
// holds it: its Y plane is used in place, without a copy.
func toGray(img image.Image) *bitmap {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		off := m.YOffset(r.Min.X, r.Min.Y)
		return &bitmap{Pix: m.Y[off:], W: w, H: h, Stride: m.YStride, Ch: 1}
	case *image.Gray:
		off := m.PixOffset(r.Min.X, r.Min.Y)
		return &bitmap{Pix: m.Pix[off:], W: w, H: h, Stride: m.Stride, Ch: 1}
	case *image.NYCbCrA:
		off := m.YOffset(r.Min.X, r.Min.Y)
		return &bitmap{Pix: m.Y[off:], W: w, H: h, Stride: m.YStride, Ch: 1}
	}
	out := newBitmap(w, h, 1)
	switch m := img.(type) {
	case *image.RGBA: // opaque here, so premultiplied and straight are the same bytes
		lumaRows(out, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride)
	case *image.NRGBA:
		lumaRows(out, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride)
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			cr, cg, cb, _ := c.RGBA()
			lut[i] = luma(cr>>8, cg>>8, cb>>8)
		}
		for y := range h {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			dst := out.Pix[y*w : y*w+w]
			for x, idx := range src {
				dst[x] = lut[idx]
			}
		}
	case *image.CMYK:
		for y := range h {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:w*4]
			dst := out.Pix[y*w : y*w+w]
			for x := range dst {
				p := src[x*4 : x*4+4 : x*4+4]
				cr, cg, cb := color.CMYKToRGB(p[0], p[1], p[2], p[3])
				dst[x] = luma(uint32(cr), uint32(cg), uint32(cb))
			}
		}
	default:
		i := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				out.Pix[i] = luma(cr>>8, cg>>8, cb>>8)
				i++
			}
		}
	}
	return out
}

// lumaRows fills the gray bitmap out from 4-byte RGBA rows starting at pix.
func lumaRows(out *bitmap, pix []byte, stride int) {
	for y := range out.H {
		src := pix[y*stride:][:out.W*4]
		dst := out.Pix[y*out.Stride : y*out.Stride+out.W]
		for x := range dst {
			p := src[x*4 : x*4+3 : x*4+3]
			dst[x] = luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
		}
	}
}

// toRGBA converts any decoded image to premultiplied 8-bit RGBA.
func toRGBA(img image.Image) *bitmap {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	out := newBitmap(w, h, 4)
	switch m := img.(type) {
	case *image.CMYK:
		// The stdlib has no fast path from CMYK; convert each pixel once.
		for y := range h {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:w*4]
			dst := out.Pix[y*out.Stride : y*out.Stride+w*4]
			for x := 0; x < len(dst); x += 4 {
				p := src[x : x+4 : x+4]
				cr, cg, cb := color.CMYKToRGB(p[0], p[1], p[2], p[3])
				d := dst[x : x+4 : x+4]
				d[0], d[1], d[2], d[3] = cr, cg, cb, 0xff
			}
		}
	case *image.Gray:
		for y := range h {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			dst := out.Pix[y*out.Stride : y*out.Stride+w*4]
			for x, v := range src {
				d := dst[x*4 : x*4+4 : x*4+4]
				d[0], d[1], d[2], d[3] = v, v, v, 0xff
			}
		}
	default:
		// image/draw has fast paths for YCbCr, NRGBA, RGBA and Paletted
		// sources, and a correct (slow) generic one for the rest.
		draw.Draw(out.rgba(), out.rgba().Rect, img, r.Min, draw.Src)
	}
	return out
}

// toNRGBA converts an image with alpha to straight 8-bit RGBA, exactly.
func toNRGBA(img image.Image) *bitmap {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	out := newBitmap(w, h, 4)
	out.Straight = true
	if m, ok := img.(*image.NRGBA); ok {
		for y := range h {
			copy(out.Pix[y*out.Stride:y*out.Stride+w*4], m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):])
		}
		return out
	}
	// draw's generic path goes through 16-bit premultiplied colour, which
	// round-trips 8-bit straight values exactly.
	draw.Draw(&image.NRGBA{Pix: out.Pix, Stride: out.Stride, Rect: image.Rect(0, 0, w, h)}, image.Rect(0, 0, w, h), img, r.Min, draw.Src)
	return out
}

// premultiplied returns b with premultiplied alpha (b itself when it has it).
func premultiplied(b *bitmap) *bitmap {
	if b.Ch != 4 || !b.Straight {
		return b
	}
	out := newBitmap(b.W, b.H, 4)
	for y := range b.H {
		src := b.Pix[y*b.Stride : y*b.Stride+b.W*4]
		dst := out.Pix[y*out.Stride : y*out.Stride+b.W*4]
		for x := 0; x < len(src); x += 4 {
			p, d := src[x:x+4:x+4], dst[x:x+4:x+4]
			a := uint32(p[3])
			d[0] = uint8((uint32(p[0])*a + 127) / 255)
			d[1] = uint8((uint32(p[1])*a + 127) / 255)
			d[2] = uint8((uint32(p[2])*a + 127) / 255)
			d[3] = p[3]
		}
	}
	return out
}

// flattenOnWhite composites premultiplied RGBA onto opaque white, in place.
func flattenOnWhite(b *bitmap) {
	for y := range b.H {
		row := b.Pix[y*b.Stride : y*b.Stride+b.W*4]
		for x := 0; x < len(row); x += 4 {
			p := row[x : x+4 : x+4]
			if a := p[3]; a != 0xff {
				k := 0xff - a
				p[0], p[1], p[2], p[3] = sat(p[0], k), sat(p[1], k), sat(p[2], k), 0xff
			}
		}
	}
}

func sat(c, k uint8) uint8 {
	if v := uint16(c) + uint16(k); v < 0xff {
		return uint8(v)
	}
	return 0xff
}

// unpremultiply returns straight-alpha channels of one premultiplied pixel.
func unpremultiply(r, g, b, a uint8) (uint32, uint32, uint32) {
	switch a {
	case 0:
		return 0, 0, 0
	case 0xff:
		return uint32(r), uint32(g), uint32(b)
	}
	A := uint32(a)
	f := func(c uint8) uint32 { return min(0xff, (uint32(c)*0xff+A/2)/A) }
	return f(r), f(g), f(b)
}

// straight returns the straight-alpha channels of one pixel of b.
func (b *bitmap) straight(p []byte) (uint32, uint32, uint32) {
	if b.Straight {
		return uint32(p[0]), uint32(p[1]), uint32(p[2])
	}
	return unpremultiply(p[0], p[1], p[2], p[3])
}

// grayAlpha turns RGBA into straight gray+alpha (2 bytes per pixel), luma
// from the straight colour.
func grayAlpha(b *bitmap) []byte {
	out := make([]byte, b.W*b.H*2)
	i := 0
	for y := range b.H {
		row := b.Pix[y*b.Stride : y*b.Stride+b.W*4]
		for x := 0; x < len(row); x += 4 {
			p := row[x : x+4 : x+4]
			r, g, bl := b.straight(p)
			out[i], out[i+1] = luma(r, g, bl), p[3]
			i += 2
		}
	}
	return out
}

// straightRGBA turns RGBA into straight RGBA rows.
func straightRGBA(b *bitmap) []byte {
	out := make([]byte, b.W*b.H*4)
	i := 0
	for y := range b.H {
		row := b.Pix[y*b.Stride : y*b.Stride+b.W*4]
		for x := 0; x < len(row); x += 4 {
			p := row[x : x+4 : x+4]
			r, g, bl := b.straight(p)
			out[i], out[i+1], out[i+2], out[i+3] = uint8(r), uint8(g), uint8(bl), p[3]
			i += 4
		}
	}
	return out
}
