package pipeline

// luma is Rec.601 on 8-bit sRGB values, Y = round(0.299 R + 0.587 G +
// 0.114 B) with halves rounded up, exactly: the formula of the TypeScript
// service (apps/ts-service/src/pipeline/luma.ts), so that all three
// implementations compute the same grey from the same colour. (A 16-bit
// fixed-point form, (19595R + 38470G + 7471B + 2^15) >> 16, is one level
// lower on 9040 of the 16.7 M colours: those whose exact value ends in .5.)
// The division by a constant compiles to a multiply and a shift.
func luma(r, g, b uint32) uint8 {
	return uint8((299*r + 587*g + 114*b + 500) / 1000)
}

// lumaInPlace turns packed 8-bit RGB (ch 3) or RGBA (ch 4) pixels into gray
// (1 byte a pixel) or gray+alpha (2), written over the start of pix, and
// returns that part. Pixel i is written at i·(ch-2) or later bytes than it is
// read from, so nothing is overwritten before it is read. The libvips backend
// uses it on its raw decode, which is not needed afterwards (as the
// TypeScript service does with sharp's).
func lumaInPlace(pix []byte, ch int) []byte {
	n := len(pix) / ch
	if ch == 3 {
		for i := range n {
			p := pix[i*3 : i*3+3 : i*3+3]
			pix[i] = luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
		}
		return pix[:n]
	}
	for i := range n {
		p := pix[i*4 : i*4+4 : i*4+4]
		y, a := luma(uint32(p[0]), uint32(p[1]), uint32(p[2])), p[3]
		pix[i*2], pix[i*2+1] = y, a
	}
	return pix[:2*n]
}
