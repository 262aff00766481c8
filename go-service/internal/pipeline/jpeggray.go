package pipeline

import (
	"bytes"
	"errors"
	"math/bits"
)

// A baseline single-component JPEG encoder with image/jpeg's quantisation and
// Huffman tables, in less than half its time: image/jpeg divides every
// coefficient (an IDIV per pixel), reads pixels through PixOffset and flushes
// bits a byte at a time. Here the DCT is libjpeg's float AAN with its scale
// folded into one multiply per coefficient, blocks are read straight from the
// plane, zero runs are found with bit tricks and bits go out through a 64-bit
// register.

const blockSize = 8 * 8

// Luminance quantisation table of section K.1, in zig-zag order.
var lumaQuant = [blockSize]byte{
	16, 11, 12, 14, 12, 10, 16, 14,
	13, 14, 18, 17, 16, 19, 24, 40,
	26, 24, 22, 22, 24, 49, 35, 37,
	29, 40, 58, 51, 61, 60, 57, 51,
	56, 55, 64, 72, 92, 78, 64, 68,
	87, 69, 55, 56, 80, 109, 81, 87,
	95, 98, 103, 104, 103, 62, 77, 113,
	121, 112, 100, 120, 92, 101, 103, 99,
}

// unzig maps zig-zag order to natural order.
var unzig = [blockSize]int{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// Luminance Huffman tables of section K.3.
var (
	lumaDCCount = [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}
	lumaDCValue = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	lumaACCount = [16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}
	lumaACValue = []byte{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}
	lumaDCLUT = huffLUT(lumaDCCount, lumaDCValue)
	lumaACLUT = huffLUT(lumaACCount, lumaACValue)
)

// huffLUT maps a symbol to its code length (high 8 bits) and code (low 24).
func huffLUT(count [16]byte, values []byte) [256]uint32 {
	var lut [256]uint32
	code, k := uint32(0), 0
	for i, n := range count {
		for range n {
			lut[values[k]] = uint32(i+1)<<24 | code
			code++
			k++
		}
		code <<= 1
	}
	return lut
}

// quantTable scales the luminance table for a quality like libjpeg and
// image/jpeg do.
func quantTable(quality int) [blockSize]byte {
	quality = min(max(quality, 1), 100)
	scale := 200 - quality*2
	if quality < 50 {
		scale = 5000 / quality
	}
	var q [blockSize]byte
	for i, v := range lumaQuant {
		q[i] = byte(min(max((int(v)*scale+50)/100, 1), 255))
	}
	return q
}

// bitWriter appends entropy-coded bits with 0xFF byte stuffing.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) emit(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)
	w.n += n
	if w.n >= 32 {
		for w.n >= 8 {
			w.n -= 8
			b := byte(w.acc >> w.n)
			w.out = append(w.out, b)
			if b == 0xff {
				w.out = append(w.out, 0)
			}
		}
	}
}

func (w *bitWriter) flushBits() {
	w.emit(0x7f, 7) // pad with ones
	for w.n >= 8 {
		w.n -= 8
		b := byte(w.acc >> w.n)
		w.out = append(w.out, b)
		if b == 0xff {
			w.out = append(w.out, 0)
		}
	}
	w.n = 0
}

// emitValue writes a Huffman symbol (run<<4 | size) followed by the size
// low bits of value, in one go.
func (w *bitWriter) emitValue(lut *[256]uint32, run, value int32) {
	sign := value >> 31
	a := (value ^ sign) - sign // |value|
	b := value + sign          // value-1 when negative: the JPEG one's complement
	size := uint(bits.Len32(uint32(a)))
	code := lut[run<<4|int32(size)]
	w.emit((code&(1<<24-1))<<size|uint32(b)&(1<<size-1), uint(code>>24)+size)
}

func (w *bitWriter) emitSymbol(lut *[256]uint32, sym int) {
	code := lut[sym]
	w.emit(code&(1<<24-1), uint(code>>24))
}

// encodeGrayJPEG appends a baseline single-component JPEG of the w×h plane
// pix (row stride stride) to dst.
func encodeGrayJPEG(dst *bytes.Buffer, pix []byte, w, h, stride, quality int) error {
	if w <= 0 || h <= 0 || w >= 1<<16 || h >= 1<<16 {
		return errors.New("jpeg: image size out of range")
	}
	quant := quantTable(quality)
	var mul [blockSize]float32 // quantisation multipliers, in zig-zag order
	for zig, q := range quant {
		k := unzig[zig]
		mul[zig] = float32(1 / (float64(q) * aanScale[k/8] * aanScale[k%8] * 8))
	}

	dst.Grow(w*h/3 + 1024)
	bw := bitWriter{out: dst.AvailableBuffer()}
	out := bw.out
	out = append(out, 0xff, 0xd8) // SOI
	out = append(out, 0xff, 0xdb, 0, 2+1+blockSize, 0)
	out = append(out, quant[:]...)
	out = append(out, 0xff, 0xc0, 0, 11, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 1, 1, 0x11, 0)
	dhtLen := 2 + 2*(1+16) + len(lumaDCValue) + len(lumaACValue)
	out = append(out, 0xff, 0xc4, byte(dhtLen>>8), byte(dhtLen), 0x00)
	out = append(out, lumaDCCount[:]...)
	out = append(out, lumaDCValue...)
	out = append(out, 0x10)
	out = append(out, lumaACCount[:]...)
	out = append(out, lumaACValue...)
	out = append(out, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00) // SOS
	bw.out = out

	var blk fblock
	var edge [blockSize]byte // edge blocks, padded by repeating the last row and column
	var prevDC int32
	for by := 0; by < h; by += 8 {
		for bx := 0; bx < w; bx += 8 {
			if bx+8 <= w && by+8 <= h {
				fdctFloat(&blk, pix[by*stride+bx:], stride)
			} else {
				for j := range 8 {
					row := pix[min(by+j, h-1)*stride:]
					for i := range 8 {
						edge[8*j+i] = row[min(bx+i, w-1)]
					}
				}
				fdctFloat(&blk, edge[:], 8)
			}
			dc := quantFloat(blk[0], mul[0])
			bw.emitValue(&lumaDCLUT, 0, dc-prevDC)
			prevDC = dc
			// Quantise in zig-zag order and note which coefficients are
			// non-zero, then walk the set bits: no branch per zero.
			var zz [blockSize]int32
			var nonzero uint64
			for zig := 1; zig < blockSize; zig++ {
				ac := quantFloat(blk[unzig[zig]&(blockSize-1)], mul[zig])
				zz[zig] = ac
				nz := uint64(0)
				if ac != 0 {
					nz = 1
				}
				nonzero |= nz << zig
			}
			last := 0 // zig index of the previous non-zero coefficient
			for nonzero != 0 {
				zig := bits.TrailingZeros64(nonzero)
				nonzero &= nonzero - 1
				run := int32(zig - last - 1)
				for run > 15 {
					bw.emitSymbol(&lumaACLUT, 0xf0)
					run -= 16
				}
				bw.emitValue(&lumaACLUT, run, zz[zig&(blockSize-1)])
				last = zig
			}
			if last != blockSize-1 {
				bw.emitSymbol(&lumaACLUT, 0x00) // end of block
			}
		}
	}
	bw.flushBits()
	bw.out = append(bw.out, 0xff, 0xd9) // EOI
	_, err := dst.Write(bw.out)
	return err
}
