package services

import "math"

// A separable resampler on 8-bit planes. x/image/draw's kernel scaler would
// do, but it has no fast path for *image.Gray destinations and buffers a
// float64 [4] per intermediate pixel (77 MB for a 12 MP source scaled to 800
// wide); this one keeps 8-bit intermediates like libvips and fixed-point taps.

const (
	weightBits = 14
	weightOne  = 1 << weightBits
)

// lanczos3 is the windowed sinc with three lobes: sharp's default kernel.
func lanczos3(x float64) float64 {
	const a = 3
	x = math.Abs(x)
	switch {
	case x < 1e-8:
		return 1
	case x >= a:
		return 0
	}
	px := math.Pi * x
	return a * math.Sin(px) * math.Sin(px/a) / (px * px)
}

const lanczosSupport = 3

// taps holds, for each output index, the first source index and n weights.
type taps struct {
	start []int
	n     int
	w     []int32
}

// makeTaps maps a source axis of srcLen onto a scaled axis of dstLen and
// returns the filters for the scaled indices [from, to).
func makeTaps(srcLen, dstLen, from, to int) taps {
	count := to - from
	if srcLen == dstLen {
		t := taps{start: make([]int, count), n: 1, w: make([]int32, count)}
		for i := range count {
			t.start[i], t.w[i] = from+i, weightOne
		}
		return t
	}
	scale := float64(dstLen) / float64(srcLen)
	fscale := max(1, 1/scale) // widen the kernel when shrinking
	support := lanczosSupport * fscale
	n := int(math.Ceil(support))*2 + 1
	t := taps{start: make([]int, count), n: n, w: make([]int32, count*n)}
	fw := make([]float64, n)
	for i := range count {
		center := (float64(from+i) + 0.5) / scale
		left := int(math.Floor(center - support))
		left = max(left, 0)
		right := min(left+n, srcLen)
		if right-left < 1 {
			left = srcLen - 1
			right = srcLen
		}
		var sum float64
		for j := left; j < right; j++ {
			v := lanczos3((float64(j) + 0.5 - center) / fscale)
			fw[j-left] = v
			sum += v
		}
		if sum <= 0 { // degenerate window: nearest neighbour
			clear(fw)
			k := min(max(int(center)-left, 0), right-left-1)
			fw[k], sum = 1, 1
		}
		ws := t.w[i*n : i*n+n]
		var isum int32
		best := 0
		for k := range right - left {
			v := int32(math.Round(fw[k] / sum * weightOne))
			ws[k] = v
			isum += v
			if v > ws[best] {
				best = k
			}
		}
		ws[best] += weightOne - isum // exact unit gain
		t.start[i] = left
	}
	return t
}

func clamp8(v int32) uint8 {
	v = (v + weightOne/2) >> weightBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resize scales b to plan.Scaled and returns only the plan.Crop part of it.
func resize(b *bitmap, plan Plan) *bitmap {
	b = premultiplied(b) // colour and alpha are filtered together
	crop := plan.Crop
	tx := makeTaps(b.W, plan.Scaled.X, crop.Min.X, crop.Max.X)
	ty := makeTaps(b.H, plan.Scaled.Y, crop.Min.Y, crop.Max.Y)
	// Source rows that the vertical pass will read.
	rowLo, rowHi := b.H, 0
	for i, s := range ty.start {
		rowLo = min(rowLo, s)
		last := s
		for k := ty.n - 1; k >= 0; k-- {
			if ty.w[i*ty.n+k] != 0 {
				last = s + k
				break
			}
		}
		rowHi = max(rowHi, last+1)
	}
	rowHi = min(rowHi, b.H)
	cw, ch := crop.Dx(), crop.Dy()
	tmp := newBitmap(cw, rowHi-rowLo, b.Ch)
	horizontal(b, tmp, tx, rowLo)
	out := newBitmap(cw, ch, b.Ch)
	vertical(tmp, out, ty, rowLo)
	return out
}

func horizontal(src, dst *bitmap, t taps, rowLo int) {
	n := t.n
	for y := range dst.H {
		srow := src.Pix[(rowLo+y)*src.Stride : (rowLo+y)*src.Stride+src.W*src.Ch]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+dst.W*dst.Ch]
		if src.Ch == 1 {
			for x := range drow {
				s := t.start[x]
				ws := t.w[x*n : x*n+n]
				px := srow[s:min(s+n, len(srow))]
				ws = ws[:len(px)]
				var acc int32
				for k, p := range px {
					acc += int32(p) * ws[k]
				}
				drow[x] = clamp8(acc)
			}
			continue
		}
		for x := range dst.W {
			s := t.start[x]
			ws := t.w[x*n : x*n+n]
			px := srow[s*4 : min(s+n, src.W)*4]
			var r, g, b, a int32
			for k := 0; k+3 < len(px); k += 4 {
				w := ws[k/4]
				r += int32(px[k]) * w
				g += int32(px[k+1]) * w
				b += int32(px[k+2]) * w
				a += int32(px[k+3]) * w
			}
			storePremul(drow[x*4:x*4+4:x*4+4], r, g, b, a)
		}
	}
}

func vertical(src, dst *bitmap, t taps, rowLo int) {
	n := t.n
	rowLen := dst.W * dst.Ch
	acc := make([]int32, rowLen*4)
	for y := range dst.H {
		s := t.start[y] - rowLo
		ws := t.w[y*n : y*n+n]
		if dst.Ch == 1 {
			a := acc[:rowLen]
			clear(a)
			for k, w := range ws {
				if w == 0 || s+k >= src.H {
					continue
				}
				srow := src.Pix[(s+k)*src.Stride : (s+k)*src.Stride+rowLen]
				a := a[:len(srow)]
				for x, p := range srow {
					a[x] += int32(p) * w
				}
			}
			drow := dst.Pix[y*dst.Stride : y*dst.Stride+rowLen]
			for x := range drow {
				drow[x] = clamp8(a[x])
			}
			continue
		}
		a := acc[:rowLen]
		clear(a)
		for k, w := range ws {
			if w == 0 || s+k >= src.H {
				continue
			}
			srow := src.Pix[(s+k)*src.Stride : (s+k)*src.Stride+rowLen]
			a := a[:len(srow)]
			for x, p := range srow {
				a[x] += int32(p) * w
			}
		}
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+rowLen]
		for x := 0; x+3 < rowLen; x += 4 {
			storePremul(drow[x:x+4:x+4], a[x], a[x+1], a[x+2], a[x+3])
		}
	}
}

// storePremul rounds and clamps one premultiplied pixel; ringing must not
// leave a colour channel above its alpha.
func storePremul(d []byte, r, g, b, a int32) {
	A := clamp8(a)
	d[0], d[1], d[2], d[3] = min(clamp8(r), A), min(clamp8(g), A), min(clamp8(b), A), A
}
