package pipeline

// The floating-point AAN forward DCT (Arai, Agui, Nakajima), as in libjpeg's
// jfdctflt.c: 5 multiplications per 8 points. Its output is the DCT scaled
// per coefficient by aanScale[row]·aanScale[col]·8, a factor that is folded
// into the quantisation multipliers, so quantising costs one multiply.

var aanScale = [8]float64{1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.541196100, 0.275899379}

type fblock [blockSize]float32

// fdctFloat transforms the 8×8 samples at the start of p (row stride
// stride) into b.
func fdctFloat(b *fblock, p []byte, stride int) {
	_ = p[7*stride+7]
	for r := range 8 {
		s := p[r*stride : r*stride+8 : r*stride+8]
		d := b[r*8 : r*8+8 : r*8+8]
		fdct1(d, float32(s[0])-128, float32(s[1])-128, float32(s[2])-128, float32(s[3])-128,
			float32(s[4])-128, float32(s[5])-128, float32(s[6])-128, float32(s[7])-128, 1)
	}
	for c := range 8 {
		fdct1(b[c:], b[c], b[8+c], b[16+c], b[24+c], b[32+c], b[40+c], b[48+c], b[56+c], 8)
	}
}

// fdct1 is one 8-point AAN pass; outputs go to d[0], d[step], ... d[7·step].
func fdct1(d []float32, d0, d1, d2, d3, d4, d5, d6, d7 float32, step int) {
	_ = d[7*step]
	tmp0, tmp7 := d0+d7, d0-d7
	tmp1, tmp6 := d1+d6, d1-d6
	tmp2, tmp5 := d2+d5, d2-d5
	tmp3, tmp4 := d3+d4, d3-d4

	tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
	tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
	d[0] = tmp10 + tmp11
	d[4*step] = tmp10 - tmp11
	z1 := (tmp12 + tmp13) * 0.707106781
	d[2*step] = tmp13 + z1
	d[6*step] = tmp13 - z1

	tmp10 = tmp4 + tmp5
	tmp11 = tmp5 + tmp6
	tmp12 = tmp6 + tmp7
	z5 := (tmp10 - tmp12) * 0.382683433
	z2 := 0.541196100*tmp10 + z5
	z4 := 1.306562965*tmp12 + z5
	z3 := tmp11 * 0.707106781
	z11, z13 := tmp7+z3, tmp7-z3
	d[5*step] = z13 + z2
	d[3*step] = z13 - z2
	d[step] = z11 + z4
	d[7*step] = z11 - z4
}

// quantFloat rounds v·m to the nearest integer, halves up, like libjpeg.
func quantFloat(v, m float32) int32 {
	return int32(v*m+16384.5) - 16384
}
