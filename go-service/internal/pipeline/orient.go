package pipeline

// orientation is an element of the dihedral group of the square: the 8 ways
// to rotate and mirror a raster. EXIF orientation, rotate and flip/flop are
// composed into one so that the pixels move at most once.
//
// It is the matrix m acting on centred, y-down coordinates: dst = m · src.
type orientation [2][2]int

var (
	identity = orientation{{1, 0}, {0, 1}}
	rot90    = orientation{{0, -1}, {1, 0}} // clockwise
	mirrorX  = orientation{{-1, 0}, {0, 1}} // flop: left-right
	mirrorY  = orientation{{1, 0}, {0, -1}} // flip: top-bottom
)

// then returns the transform that applies o first, then n.
func (o orientation) then(n orientation) orientation {
	var r orientation
	for i := range 2 {
		for j := range 2 {
			r[i][j] = n[i][0]*o[0][j] + n[i][1]*o[1][j]
		}
	}
	return r
}

func (o orientation) swapsAxes() bool { return o[0][0] == 0 }

func rotation(deg int) orientation {
	r := identity
	for range (deg / 90) % 4 {
		r = r.then(rot90)
	}
	return r
}

// exifOrientation maps EXIF orientation 1..8 to the transform that displays
// the stored raster upright.
func exifOrientation(v int) orientation {
	switch v {
	case 2:
		return mirrorX
	case 3:
		return rotation(180)
	case 4:
		return mirrorY
	case 5: // transpose
		return orientation{{0, 1}, {1, 0}}
	case 6:
		return rot90
	case 7: // transverse
		return orientation{{0, -1}, {-1, 0}}
	case 8:
		return rotation(270)
	}
	return identity
}

// orientedSize is the size of a w×h raster after o.
func (o orientation) orientedSize(w, h int) (int, int) {
	if o.swapsAxes() {
		return h, w
	}
	return w, h
}

// apply moves the pixels of b. Output (x, y) reads source
// (m00·x + m10·y + cx, m01·x + m11·y + cy), from dst = m · src with m⁻¹ = mᵀ.
func (o orientation) apply(b *bitmap) *bitmap {
	if o == identity {
		return b
	}
	W, H := b.W, b.H
	ow, oh := o.orientedSize(W, H)
	m := o
	cx := (W - 1 - m[0][0]*(ow-1) - m[1][0]*(oh-1)) / 2
	cy := (H - 1 - m[0][1]*(ow-1) - m[1][1]*(oh-1)) / 2
	out := newBitmap(ow, oh, b.Ch)
	out.Straight = b.Straight
	ch := b.Ch
	stepX := m[0][1]*b.Stride + m[0][0]*ch // source bytes per output x
	stepY := m[1][1]*b.Stride + m[1][0]*ch // source bytes per output y
	row := cy*b.Stride + cx*ch
	src := b.Pix
	for y := range oh {
		dst := out.Pix[y*out.Stride : y*out.Stride+ow*ch]
		i := row
		if ch == 1 {
			for x := range dst {
				dst[x] = src[i]
				i += stepX
			}
		} else {
			for x := 0; x < len(dst); x += 4 {
				s := src[i : i+4 : i+4]
				d := dst[x : x+4 : x+4]
				d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
				i += stepX
			}
		}
		row += stepY
	}
	return out
}
