package pipeline

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// image/png cannot write gray+alpha (colour type 4), and it writes RGBA that
// happens to be opaque as RGB. The contract keeps the input's alpha channel,
// so 2- and 4-channel PNGs go through this small writer.

const (
	pngGrayAlpha = 4
	pngRGBA      = 6
)

// writePNG writes 8-bit rows of w×h pixels of ch (2 or 4) channels.
func writePNG(w io.Writer, pix []byte, width, height, ch int) error {
	colorType := byte(pngRGBA)
	if ch == 2 {
		colorType = pngGrayAlpha
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:4], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:8], uint32(height))
	ihdr[8], ihdr[9] = 8, colorType // depth, colour type; compression, filter, interlace 0

	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.DefaultCompression)
	if err != nil {
		return err
	}
	rowLen := width * ch
	prev := make([]byte, rowLen)
	var cand [5][]byte
	for i := range cand {
		cand[i] = make([]byte, 1+rowLen)
		cand[i][0] = byte(i)
	}
	for y := range height {
		cur := pix[y*rowLen : (y+1)*rowLen]
		if _, err := zw.Write(filterRow(cur, prev, ch, &cand)); err != nil {
			return err
		}
		prev = cur
	}
	if err := zw.Close(); err != nil {
		return err
	}

	if _, err := w.Write(pngSignature); err != nil {
		return err
	}
	for _, c := range []struct {
		typ  string
		data []byte
	}{{"IHDR", ihdr[:]}, {"IDAT", idat.Bytes()}, {"IEND", nil}} {
		if err := writeChunk(w, c.typ, c.data); err != nil {
			return err
		}
	}
	return nil
}

func writeChunk(w io.Writer, typ string, data []byte) error {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[0:4], uint32(len(data)))
	copy(hdr[4:8], typ)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:8])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, b := range [][]byte{hdr[:], data, tail[:]} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// filterRow picks the filter with the smallest sum of absolute residuals, the
// heuristic the PNG specification recommends (and image/png uses).
func filterRow(cur, prev []byte, bpp int, cand *[5][]byte) []byte {
	best, bestSum := 0, -1
	for f := range 5 {
		out := cand[f][1:]
		for i := range cur {
			var a, b, c int
			if i >= bpp {
				a = int(cur[i-bpp])
				c = int(prev[i-bpp])
			}
			b = int(prev[i])
			var pred int
			switch f {
			case 1:
				pred = a
			case 2:
				pred = b
			case 3:
				pred = (a + b) / 2
			case 4:
				pred = paeth(a, b, c)
			}
			out[i] = cur[i] - byte(pred)
		}
		sum := 0
		for _, v := range out {
			sum += int(absInt8(int8(v)))
			if bestSum >= 0 && sum >= bestSum {
				break
			}
		}
		if bestSum < 0 || sum < bestSum {
			best, bestSum = f, sum
		}
	}
	return cand[best]
}

func paeth(a, b, c int) int {
	p := a + b - c
	pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func absInt8(v int8) int {
	if v < 0 {
		return -int(v)
	}
	return int(v)
}
