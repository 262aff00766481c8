package jpegdec

// Reduced-size inverse DCTs for decoding at 1/2, 1/4 and 1/8 scale
// (shrink-on-load). Each output sample is the mean of a 2×2, 4×4 or 8×8
// group of the full 8×8 IDCT before clamping, computed straight from the
// coefficients: this is what libjpeg's jidctred.c computes (its derivation:
// "replace each 8-to-8 1-D IDCT step with an 8-to-4 step that produces the
// four averages of two adjacent outputs"), and so what libvips and sharp
// decode when they shrink on load. A box average of the IDCT is a linear map
// of the coefficients; its 1-D matrix is
//
//	A[i][u] = (1/g) Σ_{x in group i} ½ C(u) cos((2x+1)uπ/16),  C(0) = 1/√2,
//
// with g = 8/N samples per group. Its even rows are symmetric and its odd
// rows antisymmetric about the block centre, and several columns vanish
// (u = 4 for N = 4, every even u > 0 for N = 2), which the code below uses.
// The constants are A scaled by 2^13 (libjpeg's CONST_BITS), matching
// jidctred.c's to within its rounding.

const (
	constBits = 13
	pass1Bits = 2
)

// 8-to-4: rows 0 and 1 of A (rows 3 and 2 mirror them).
const (
	a4c0  = 2896 // both rows, u = 0
	a40u1 = 3711
	a40u2 = 2676
	a40u3 = 1303
	a40u5 = -871
	a40u6 = -1108
	a40u7 = -738
	a41u1 = 1537
	a41u2 = -2676
	a41u3 = -3146
	a41u5 = 2102
	a41u6 = 1108
	a41u7 = -306
)

// 8-to-2: row 0 of A (row 1 mirrors it).
const (
	a2u0 = 2896
	a2u1 = 2624
	a2u3 = -922
	a2u5 = 616
	a2u7 = -522
)

// descale divides by 2^n, rounding half up.
func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// level shifts an IDCT output by +128 and clamps it to a byte.
func level(c int32) uint8 {
	c += 128
	if uint32(c) > 255 {
		if c < 0 {
			return 0
		}
		return 255
	}
	return uint8(c)
}

// idct4 writes the 4×4 block of 2×2 means of the IDCT of the dequantized
// coefficients b (natural order) to dst.
func idct4(b *block, dst []byte, stride int) {
	var t [4 * 8]int32 // t[i*8+x]: 8-to-4 of column x, descaled to pass1Bits
	for x := range 8 {
		f0, f1, f2, f3 := b[x], b[8+x], b[16+x], b[24+x]
		f5, f6, f7 := b[40+x], b[48+x], b[56+x]
		if f1|f2|f3|f5|f6|f7 == 0 {
			dc := descale(f0*a4c0, constBits-pass1Bits)
			t[x], t[8+x], t[16+x], t[24+x] = dc, dc, dc, dc
			continue
		}
		e0 := f0*a4c0 + f2*a40u2 + f6*a40u6
		e1 := f0*a4c0 + f2*a41u2 + f6*a41u6
		o0 := f1*a40u1 + f3*a40u3 + f5*a40u5 + f7*a40u7
		o1 := f1*a41u1 + f3*a41u3 + f5*a41u5 + f7*a41u7
		const n = constBits - pass1Bits
		t[x] = descale(e0+o0, n)
		t[8+x] = descale(e1+o1, n)
		t[16+x] = descale(e1-o1, n)
		t[24+x] = descale(e0-o0, n)
	}
	for i := range 4 {
		r := t[i*8 : i*8+8 : i*8+8]
		e0 := r[0]*a4c0 + r[2]*a40u2 + r[6]*a40u6
		e1 := r[0]*a4c0 + r[2]*a41u2 + r[6]*a41u6
		o0 := r[1]*a40u1 + r[3]*a40u3 + r[5]*a40u5 + r[7]*a40u7
		o1 := r[1]*a41u1 + r[3]*a41u3 + r[5]*a41u5 + r[7]*a41u7
		const n = constBits + pass1Bits
		d := dst[i*stride : i*stride+4 : i*stride+4]
		d[0] = level(descale(e0+o0, n))
		d[1] = level(descale(e1+o1, n))
		d[2] = level(descale(e1-o1, n))
		d[3] = level(descale(e0-o0, n))
	}
}

// idct2 writes the 2×2 block of 4×4 means of the IDCT of b to dst.
func idct2(b *block, dst []byte, stride int) {
	var t [2 * 8]int32
	for x := range 8 {
		e := b[x] * a2u0
		o := b[8+x]*a2u1 + b[24+x]*a2u3 + b[40+x]*a2u5 + b[56+x]*a2u7
		const n = constBits - pass1Bits
		t[x] = descale(e+o, n)
		t[8+x] = descale(e-o, n)
	}
	for i := range 2 {
		r := t[i*8 : i*8+8 : i*8+8]
		e := r[0] * a2u0
		o := r[1]*a2u1 + r[3]*a2u3 + r[5]*a2u5 + r[7]*a2u7
		const n = constBits + pass1Bits
		d := dst[i*stride : i*stride+2 : i*stride+2]
		d[0] = level(descale(e+o, n))
		d[1] = level(descale(e-o, n))
	}
}

// idct1 is the mean of the whole IDCT: the DC coefficient over 8.
func idct1(b *block) uint8 { return level(descale(b[0], 3)) }

// flatValue is the sample value of every output of a block whose only
// non-zero coefficient is the dequantized DC dc, as the transform for shift
// computes it (the same integer steps: idct's rows shift it by 17, its
// columns do the rest; idct4 and idct2 share the DC constant).
func flatValue(shift uint, dc int32) uint8 {
	switch shift {
	case 0:
		return level((dc<<17 + 1<<19) >> 2 >> 18)
	case 1, 2:
		return level(descale(descale(dc*a4c0, constBits-pass1Bits)*a4c0, constBits+pass1Bits))
	}
	return level(descale(dc, 3))
}
