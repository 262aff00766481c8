package pipeline

import "image"

// x/image/webp returns lossy WebP as *image.YCbCr (or *image.NYCbCrA), and
// image/color converts that with the full-range JFIF matrix. VP8 stores
// limited-range BT.601 ("video") YCbCr, so that reading is visibly wrong:
// washed-out colours, and a Y plane that is not the picture's luma
// (MAE 7 levels against libwebp on the corpus photo). This is libwebp's own
// conversion (src/dsp/yuv.h) with its default "fancy" chroma upsampling
// (9-3-3-1 weights, src/dsp/upsampling.c).

func multHi(v, c int32) int32 { return (v * c) >> 8 }

func clip8(v int32) uint8 {
	const mask = (256 << 6) - 1
	if v&^mask == 0 {
		return uint8(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}

func vp8ToRGB(y, u, v int32) (r, g, b uint8) {
	yy := multHi(y, 19077)
	r = clip8(yy + multHi(v, 26149) - 14234)
	g = clip8(yy - multHi(u, 6419) - multHi(v, 13320) + 8708)
	b = clip8(yy + multHi(u, 33050) - 17685)
	return r, g, b
}

// webpToRGBA converts a 4:2:0 VP8 picture (with an optional straight alpha
// plane) to premultiplied RGBA. ok is false for any other layout.
func webpToRGBA(img image.Image) (bm *bitmap, ok bool) {
	var m *image.YCbCr
	var alpha []uint8
	var aStride int
	switch t := img.(type) {
	case *image.YCbCr:
		m = t
	case *image.NYCbCrA:
		m, alpha, aStride = &t.YCbCr, t.A, t.AStride
	default:
		return nil, false
	}
	r := m.Rect
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || r.Min != (image.Point{}) {
		return nil, false
	}
	w, h := r.Dx(), r.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	out := newBitmap(w, h, 4)
	for y := range h {
		cy := y / 2
		ny := cy + 1 // the other chroma row nearest to this luma row
		if y%2 == 0 {
			ny = cy - 1
		}
		ny = min(max(ny, 0), ch-1)
		cbRow, cbNear := m.Cb[cy*m.CStride:], m.Cb[ny*m.CStride:]
		crRow, crNear := m.Cr[cy*m.CStride:], m.Cr[ny*m.CStride:]
		yRow := m.Y[y*m.YStride : y*m.YStride+w]
		dst := out.Pix[y*out.Stride : y*out.Stride+w*4]
		for x, yv := range yRow {
			cx := x / 2
			nx := cx + 1
			if x%2 == 0 {
				nx = cx - 1
			}
			nx = min(max(nx, 0), cw-1)
			u := (9*int32(cbRow[cx]) + 3*int32(cbRow[nx]) + 3*int32(cbNear[cx]) + int32(cbNear[nx]) + 8) >> 4
			v := (9*int32(crRow[cx]) + 3*int32(crRow[nx]) + 3*int32(crNear[cx]) + int32(crNear[nx]) + 8) >> 4
			cr, cg, cb := vp8ToRGB(int32(yv), u, v)
			p := dst[x*4 : x*4+4 : x*4+4]
			a := uint8(0xff)
			if alpha != nil {
				a = alpha[y*aStride+x]
			}
			if a == 0xff {
				p[0], p[1], p[2], p[3] = cr, cg, cb, 0xff
			} else {
				A := uint32(a)
				p[0] = uint8((uint32(cr)*A + 127) / 255)
				p[1] = uint8((uint32(cg)*A + 127) / 255)
				p[2] = uint8((uint32(cb)*A + 127) / 255)
				p[3] = a
			}
		}
	}
	return out, true
}

// lumaOf turns an opaque RGBA bitmap into its Rec.601 gray plane.
func lumaOf(b *bitmap) *bitmap {
	out := newBitmap(b.W, b.H, 1)
	for y := range b.H {
		src := b.Pix[y*b.Stride : y*b.Stride+b.W*4]
		dst := out.Pix[y*b.W : (y+1)*b.W]
		for x := range dst {
			p := src[x*4 : x*4+3 : x*4+3]
			dst[x] = luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
		}
	}
	return out
}
