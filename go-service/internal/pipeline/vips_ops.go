//go:build vips

package pipeline

// The geometry pass's libvips operations (vips.go holds the binding itself):
// a C wrapper per operation, whose options are sharp's, and a method that
// replaces the image with the lazy result.

/*
#include <stdlib.h>
#include <vips/vips.h>

// sharp's StaySequential: an image loaded for sequential access is decoded
// into memory before an operation that reads it out of order.
static int rtip_memory(VipsImage *in, VipsImage **out) {
	VipsImage *m = vips_image_copy_memory(in);
	if (m == NULL) return -1;
	int r = vips_copy(m, out, NULL);
	g_object_unref(m);
	if (r == 0) vips_image_remove(*out, VIPS_META_SEQUENTIAL);
	return r;
}

static int rtip_rot(VipsImage *in, VipsImage **out, VipsAngle a) { return vips_rot(in, out, a, NULL); }
static int rtip_flip(VipsImage *in, VipsImage **out, VipsDirection d) { return vips_flip(in, out, d, NULL); }
static int rtip_extract(VipsImage *in, VipsImage **out, int l, int t, int w, int h) {
	return vips_extract_area(in, out, l, t, w, h, NULL);
}
static int rtip_resize(VipsImage *in, VipsImage **out, double h, double v) {
	return vips_resize(in, out, h, "vscale", v, "kernel", VIPS_KERNEL_LANCZOS3, NULL);
}
static int rtip_premultiply(VipsImage *in, VipsImage **out) { return vips_premultiply(in, out, NULL); }
static int rtip_unpremultiply(VipsImage *in, VipsImage **out) { return vips_unpremultiply(in, out, NULL); }
static int rtip_cast(VipsImage *in, VipsImage **out, VipsBandFormat f) { return vips_cast(in, out, f, NULL); }
static int rtip_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation to) {
	return vips_colourspace(in, out, to, "source_space", in->Type, NULL);
}
static int rtip_flatten(VipsImage *in, VipsImage **out, double white) {
	VipsArrayDouble *bg = vips_array_double_newv(3, white, white, white);
	int r = vips_flatten(in, out, "background", bg, NULL);
	vips_area_unref(VIPS_AREA(bg));
	return r;
}
// Colour management as sharp does it: an embedded profile to the processing
// space (perceptual intent), or CMYK through libvips' built-in CMYK profile.
static int rtip_icc_embedded(VipsImage *in, VipsImage **out, const char *to, int depth) {
	return vips_icc_transform(in, out, to, "embedded", TRUE, "depth", depth, "intent", VIPS_INTENT_PERCEPTUAL, NULL);
}
static int rtip_icc_cmyk(VipsImage *in, VipsImage **out, const char *to) {
	return vips_icc_transform(in, out, to, "input_profile", "cmyk", "intent", VIPS_INTENT_PERCEPTUAL, NULL);
}
*/
import "C"

import (
	"image"
	"unsafe"
)

func (im *vipsImage) rot(deg int) error {
	if deg%360 == 0 {
		return nil
	}
	return im.then("rot", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.rtip_rot(in, out, C.VipsAngle(deg/90%4))
	})
}

// mirror flips the image across dir when do is set.
func (im *vipsImage) mirror(do bool, dir C.VipsDirection) error {
	if !do {
		return nil
	}
	return im.then("flip", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_flip(in, out, dir) })
}

// staySequential decodes a sequentially loaded image into memory when cond
// says an out-of-order operation follows (sharp's StaySequential).
func (im *vipsImage) staySequential(cond bool) error {
	if !cond || !im.sequential() {
		return nil
	}
	return im.then("copy_memory", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_memory(in, out) })
}

func (im *vipsImage) resize(hscale, vscale float64) error {
	return im.then("resize", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.rtip_resize(in, out, C.double(hscale), C.double(vscale))
	})
}

func (im *vipsImage) extract(r image.Rectangle) error {
	return im.then("extract_area", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.rtip_extract(in, out, C.int(r.Min.X), C.int(r.Min.Y), C.int(r.Dx()), C.int(r.Dy()))
	})
}

func (im *vipsImage) premultiply() error {
	return im.then("premultiply", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_premultiply(in, out) })
}

func (im *vipsImage) unpremultiply() error {
	return im.then("unpremultiply", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_unpremultiply(in, out) })
}

func (im *vipsImage) cast(f C.VipsBandFormat) error {
	if im.format() == f {
		return nil
	}
	return im.then("cast", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_cast(in, out, f) })
}

func (im *vipsImage) colourspace(to C.VipsInterpretation) error {
	if im.interpretation() == to {
		return nil
	}
	return im.then("colourspace", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_colourspace(in, out, to) })
}

// flattenOnWhite composites the alpha channel away onto white (sharp's
// Flatten: 255, or 255·256 for 16-bit samples).
func (im *vipsImage) flattenOnWhite() error {
	white := 255.0
	if is16Bit(im.interpretation()) {
		white *= 256
	}
	return im.then("flatten", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.rtip_flatten(in, out, C.double(white)) })
}

// toProcessingSpace is sharp's colour management before resizing: an
// embedded ICC profile is applied (to sRGB, or to P3 for 16-bit RGB as sharp
// does; a profile lcms rejects is ignored, as sharp ignores it), and CMYK
// without one goes through libvips' built-in CMYK profile.
func (im *vipsImage) toProcessingSpace() error {
	in := im.interpretation()
	profile := C.CString("srgb")
	if in == C.VIPS_INTERPRETATION_RGB16 {
		profile = C.CString("p3")
	}
	defer C.free(unsafe.Pointer(profile))
	switch {
	case im.hasProfile() && in != C.VIPS_INTERPRETATION_LABS && in != C.VIPS_INTERPRETATION_GREY16:
		depth := 8
		if is16Bit(in) {
			depth = 16
		}
		if err := im.then("icc_transform", func(in *C.VipsImage, out **C.VipsImage) C.int {
			return C.rtip_icc_embedded(in, out, profile, C.int(depth))
		}); err != nil {
			C.vips_error_clear()
		}
		return nil
	case in == C.VIPS_INTERPRETATION_CMYK:
		return im.then("icc_transform", func(in *C.VipsImage, out **C.VipsImage) C.int {
			return C.rtip_icc_cmyk(in, out, profile)
		})
	}
	return nil
}

func is16Bit(in C.VipsInterpretation) bool {
	return in == C.VIPS_INTERPRETATION_RGB16 || in == C.VIPS_INTERPRETATION_GREY16
}
