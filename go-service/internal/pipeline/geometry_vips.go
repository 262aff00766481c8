//go:build vips

package pipeline

/*
#include <vips/vips.h>
*/
import "C"

// geometry builds the lazy libvips pass that decodes, orients, rotates,
// mirrors, resizes and crops, with the operations, order and shrink-on-load
// that sharp 0.35 (src/pipeline.cc) chooses for the TypeScript service's
// calls: sharp(input, {failOn: 'warning', autoOrient: true, pages: 1})
// .rotate(r).flip().flop().resize(w, h, {fit: 'fill', kernel: 'lanczos3'})
// .extract(crop).flatten(white).toColourspace(…).raw(). Both libvips
// targets then run the same code on the same pixels, and differ only in
// their runtime. Nothing is decoded until the result is written.
func (s *source) geometry(o Options, plan Plan) (*vipsImage, error) {
	img := s.img
	s.img = nil
	if err := s.operations(img, o, plan); err != nil {
		img.release()
		return nil, err
	}
	return img, nil
}

// operations replaces the image in img step by step (on an error img holds
// the last one built, for the caller to release).
func (s *source) operations(img *vipsImage, o Options, plan Plan) error {
	autoRot, autoFlop := exifRotationAndFlop(img.orientation())
	rot, flip, flop := o.Rotate, o.Flip, o.Flop
	// sharp mirrors before it turns, the contract after: for a quarter turn a
	// vertical mirror after it is a horizontal one before it.
	if rot == 90 || rot == 270 {
		flip, flop = flop, flip
	}
	crops := plan.Out() != plan.Scaled
	// sharp moves pixels before resizing when rotate/flip/flop precede a
	// resize (always, here), and applies EXIF orientation first when that
	// happens or when a crop follows; otherwise after resizing.
	userFirst := rot != 0 || flip || flop
	orientFirst := (userFirst || crops) && (autoRot != 0 || autoFlop)
	if orientFirst {
		if err := img.staySequential(autoRot != 0); err != nil {
			return err
		}
		if err := img.rot(autoRot); err != nil {
			return err
		}
		if err := img.mirror(autoFlop, C.VIPS_DIRECTION_HORIZONTAL); err != nil {
			return err
		}
		autoRot, autoFlop = 0, false
	}
	if userFirst {
		if err := img.staySequential(rot != 0 || flip); err != nil {
			return err
		}
		if err := img.mirror(flip, C.VIPS_DIRECTION_VERTICAL); err != nil {
			return err
		}
		if err := img.mirror(flop, C.VIPS_DIRECTION_HORIZONTAL); err != nil {
			return err
		}
		if err := img.rot(rot); err != nil {
			return err
		}
		rot, flip, flop = 0, false, false
	}

	// The resize target in the image's current orientation (EXIF quarter
	// turns still to come swap it), as fit 'fill': each axis on its own.
	tw, th := plan.Scaled.X, plan.Scaled.Y
	if autoRot == 90 || autoRot == 270 {
		tw, th = th, tw
	}
	if !orientFirst && !userFirst {
		if err := s.shrinkOnLoad(img, tw, th); err != nil {
			return err
		}
	}
	hshrink, vshrink := shrinkFactors(img.width(), img.height(), tw, th)

	if err := img.toProcessingSpace(); err != nil {
		return err
	}
	// JPEG has no alpha: composite on white (PNG keeps it).
	if o.Format == FormatJPEG && img.hasAlpha() {
		if err := img.flattenOnWhite(); err != nil {
			return err
		}
	}
	resizes := hshrink != 1 || vshrink != 1
	// Alpha is resampled premultiplied, or transparent pixels would bleed.
	premultiplied := img.hasAlpha() && resizes
	bandFormat := img.format()
	if premultiplied {
		if err := img.premultiply(); err != nil {
			return err
		}
		if err := img.cast(bandFormat); err != nil {
			return err
		}
	}
	if resizes {
		if err := img.resize(1/hshrink, 1/vshrink); err != nil {
			return err
		}
	}

	if err := img.staySequential(autoRot != 0 || flip || rot != 0); err != nil {
		return err
	}
	if err := img.rot(autoRot); err != nil {
		return err
	}
	if err := img.mirror(flip, C.VIPS_DIRECTION_VERTICAL); err != nil {
		return err
	}
	if err := img.mirror(flop != autoFlop, C.VIPS_DIRECTION_HORIZONTAL); err != nil {
		return err
	}
	if err := img.rot(rot); err != nil {
		return err
	}
	if crops {
		if err := img.extract(plan.Crop); err != nil {
			return err
		}
	}
	if premultiplied {
		if err := img.unpremultiply(); err != nil {
			return err
		}
		if err := img.cast(bandFormat); err != nil {
			return err
		}
	}

	// Output space: grey input stays one channel (plus alpha) for grey
	// output; everything else is sRGB, whose luma the transform step takes.
	space := C.VipsInterpretation(C.VIPS_INTERPRETATION_sRGB)
	if o.Grayscale && s.greyInput {
		space = C.VIPS_INTERPRETATION_B_W
	}
	if is16Bit(img.interpretation()) {
		if err := img.cast(C.VIPS_FORMAT_USHORT); err != nil {
			return err
		}
	}
	if err := img.colourspace(space); err != nil {
		return err
	}
	// sharp's raw output keeps only band 0 of a b-w image, which would drop
	// a grey input's alpha; the contract keeps it (2 channels), so no band
	// is dropped here.
	if err := img.cast(C.VIPS_FORMAT_UCHAR); err != nil {
		return err
	}
	return nil
}

// shrinkOnLoad reloads a JPEG or WebP with the decoder doing part of the
// downscale, where sharp does: JPEG by 2, 4 or 8 when the smaller axis
// shrink is at least that (one step less when it is exactly that: known
// libjpeg rounding), WebP by any factor above 1.
func (s *source) shrinkOnLoad(img *vipsImage, tw, th int) error {
	hshrink, vshrink := shrinkFactors(img.width(), img.height(), tw, th)
	shrink := min(hshrink, vshrink)
	factor, scale := 1, 1.0
	switch s.format {
	case FormatJPEG:
		factor = jpegShrinkFactor(shrink)
	case FormatWebP:
		if shrink > 1 {
			scale = 1 / shrink
		}
	}
	if factor == 1 && scale == 1 {
		return nil
	}
	next, err := vipsLoad(s.data, s.format, factor, scale)
	if err != nil {
		return err
	}
	img.release()
	img.p, next.p = next.p, nil
	return nil
}

// exifRotationAndFlop is sharp's CalculateExifRotationAndFlop: the
// clockwise turn, then the horizontal mirror, that display a stored raster
// upright.
func exifRotationAndFlop(orientation int) (int, bool) {
	switch orientation {
	case 2:
		return 0, true
	case 3:
		return 180, false
	case 4:
		return 180, true
	case 5:
		return 90, true
	case 6:
		return 90, false
	case 7:
		return 270, true
	case 8:
		return 270, false
	}
	return 0, false
}
