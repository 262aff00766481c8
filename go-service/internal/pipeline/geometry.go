package pipeline

import (
	"image"
	"math"
)

// Plan is the resize geometry: scale the oriented image to Scaled, then keep
// the Crop rectangle of the scaled image (Crop is all of Scaled unless fit is
// cover).
type Plan struct {
	Scaled image.Point
	Crop   image.Rectangle
}

// Out is the output size.
func (p Plan) Out() image.Point { return p.Crop.Size() }

// Resizes reports whether the plan changes the pixels of a w×h image.
func (p Plan) Resizes(w, h int) bool {
	return p.Scaled != image.Pt(w, h) || p.Crop != image.Rect(0, 0, w, h)
}

// PlanGeometry computes the contract geometry for an oriented W×H image.
func PlanGeometry(W, H int, o Options) Plan {
	w, h := o.Width, o.Height
	full := func(sw, sh int) Plan {
		return Plan{Scaled: image.Pt(sw, sh), Crop: image.Rect(0, 0, sw, sh)}
	}
	if w == 0 && h == 0 {
		return full(W, H)
	}
	fit := o.Fit
	if fit == FitCover && (w == 0 || h == 0) {
		fit = FitInside
	}
	switch fit {
	case FitFill:
		if w == 0 {
			w = W
		}
		if h == 0 {
			h = H
		}
		if !o.Enlarge {
			w, h = min(w, W), min(h, H)
		}
		return full(w, h)
	case FitCover:
		sx, sy := float64(w)/float64(W), float64(h)/float64(H)
		sw, sh := scaleBy(W, H, w, h, sx >= sy, max(sx, sy), o.Enlarge)
		cw, ch := min(w, sw), min(h, sh)
		left, top := (sw-cw)/2, (sh-ch)/2
		return Plan{Scaled: image.Pt(sw, sh), Crop: image.Rect(left, top, left+cw, top+ch)}
	default: // inside
		var byWidth bool
		var s float64
		switch {
		case h == 0:
			byWidth, s = true, float64(w)/float64(W)
		case w == 0:
			byWidth, s = false, float64(h)/float64(H)
		default:
			sx, sy := float64(w)/float64(W), float64(h)/float64(H)
			byWidth, s = sx <= sy, min(sx, sy)
		}
		if byWidth {
			h = 0
		} else {
			w = 0
		}
		return full(scaleBy(W, H, w, h, byWidth, s, o.Enlarge))
	}
}

// scaleBy scales W×H by s. The side that decided s gets exactly its requested
// value (w when byWidth, else h) so that float error never costs a pixel.
func scaleBy(W, H, w, h int, byWidth bool, s float64, enlarge bool) (int, int) {
	if !enlarge && s >= 1 {
		return W, H
	}
	sw := max(1, int(math.Round(float64(W)*s)))
	sh := max(1, int(math.Round(float64(H)*s)))
	if byWidth {
		sw = w
	} else {
		sh = h
	}
	return sw, sh
}

// jpegShrinkFactor is sharp's JPEG shrink-on-load for a shrink (the smaller
// of the two axes' ratios): 2, 4 or 8 when the shrink is at least that, one
// step less when its integer part is exactly that ("known libjpeg rounding
// errors", sharp's src/pipeline.cc), else 1. Both backends use it: libvips
// reloads with it, the pure-Go one decodes with it (jpegdec).
func jpegShrinkFactor(shrink float64) int {
	factor := 1
	switch {
	case shrink >= 8:
		factor = 8
	case shrink >= 4:
		factor = 4
	case shrink >= 2:
		factor = 2
	}
	if factor > 1 && int(shrink) == factor {
		factor /= 2
	}
	return factor
}

// shrinkFactors are sharp's ResolveShrink for fit 'fill': each axis's own
// ratio, never so large that an axis would vanish.
func shrinkFactors(w, h, tw, th int) (float64, float64) {
	return min(float64(w)/float64(tw), float64(w)), min(float64(h)/float64(th), float64(h))
}
