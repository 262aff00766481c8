package pipeline

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"sync"
)

// Encode buffers are reused: a 2 MP JPEG is a few hundred KB and growing a
// fresh buffer for each request costs several copies.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Buffers larger than this are dropped rather than pooled so that one huge
// output does not pin memory.
const maxPooledBuf = 8 << 20

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuf {
		bufPool.Put(b)
	}
}

// pngBufPool implements png.EncoderBufferPool.
type pngBufPool struct{ p sync.Pool }

func (p *pngBufPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}
func (p *pngBufPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &pngBufPool{}}

// encoded is the pixels ready to encode.
type encoded struct {
	bm        *bitmap
	gray      bool // output is gray (bm may still be RGBA when alpha is kept)
	alpha     bool // the output keeps an alpha channel
	quality   int
	format    Format
	ycbcrJPEG func(buf *bytes.Buffer) error // set when the decoded YCbCr can be encoded as is
}

func encode(e encoded) (*bytes.Buffer, error) {
	buf := getBuf()
	if err := encodeInto(buf, e); err != nil {
		putBuf(buf)
		return nil, err
	}
	return buf, nil
}

func encodeInto(buf *bytes.Buffer, e encoded) error {
	bm := e.bm
	if e.format == FormatJPEG {
		if e.ycbcrJPEG != nil {
			return e.ycbcrJPEG(buf)
		}
		opts := &jpeg.Options{Quality: e.quality}
		if bm.Ch == 4 {
			bm = premultiplied(bm)
			flattenOnWhite(bm)
			if e.gray {
				g := newBitmap(bm.W, bm.H, 1)
				for y := range bm.H {
					row := bm.Pix[y*bm.Stride : y*bm.Stride+bm.W*4]
					for x := range g.W {
						p := row[x*4 : x*4+3 : x*4+3]
						g.Pix[y*g.Stride+x] = luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
					}
				}
				return encodeGrayJPEG(buf, g.Pix, g.W, g.H, g.Stride, e.quality)
			}
			return jpeg.Encode(buf, bm.rgba(), opts)
		}
		return encodeGrayJPEG(buf, bm.Pix, bm.W, bm.H, bm.Stride, e.quality)
	}
	switch {
	case bm.Ch == 1:
		return pngEncoder.Encode(buf, bm.gray())
	case e.alpha && e.gray:
		return writePNG(buf, grayAlpha(bm), bm.W, bm.H, 2)
	case e.alpha:
		return writePNG(buf, straightRGBA(bm), bm.W, bm.H, 4)
	}
	// Opaque RGBA: image/png writes it as 8-bit RGB.
	return pngEncoder.Encode(buf, bm.rgba())
}
