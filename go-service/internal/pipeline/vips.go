//go:build vips

package pipeline

// The cgo binding to libvips, as small as the pipeline needs: start-up and
// settings, the four loaders and two savers, raw memory in and out, an image
// handle that owns one reference, and the error buffer (the geometry
// operations are in vips_ops.go). Each libvips call goes through a C wrapper:
// libvips' operations are variadic, which cgo cannot call.
//
// It links the libvips that sharp uses, from the npm packages installed in
// go-service/node_modules (devDependencies of go-service): headers from
// @img/sharp-libvips-dev, libvips-cpp.so.8.18.7 (C API, glib and gobject
// included) from @img/sharp-libvips-linux-x64. The run-time search path is
// relative to the binary first (bin/../node_modules/…, the layout of the
// repository and of the container image), then this source tree (so test
// binaries built in a temporary folder find it too).

/*
#cgo CFLAGS: -I${SRCDIR}/../../node_modules/@img/sharp-libvips-dev/include
#cgo CFLAGS: -I${SRCDIR}/../../node_modules/@img/sharp-libvips-dev/include/glib-2.0
#cgo CFLAGS: -I${SRCDIR}/../../node_modules/@img/sharp-libvips-linux-x64/lib/glib-2.0/include
#cgo LDFLAGS: -L${SRCDIR}/../../node_modules/@img/sharp-libvips-linux-x64/lib -l:libvips-cpp.so.8.18.7
#cgo LDFLAGS: -Wl,-rpath,$ORIGIN/../node_modules/@img/sharp-libvips-linux-x64/lib
#cgo LDFLAGS: -Wl,-rpath,${SRCDIR}/../../node_modules/@img/sharp-libvips-linux-x64/lib
#include <malloc.h>
#include <stdlib.h>
#include <vips/vips.h>

// libvips' warnings go to stderr through g_log. With fail_on=warning every
// loader warning is also an error, which the pipeline reports; sharp drops
// them too (to its debug log).
static void rtip_quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data) {}

// glibc malloc as the TypeScript service runs it (apps/ts-service/start.sh),
// unless the environment says otherwise: two arenas, not one per thread that
// allocates (libvips allocates from many; RSS grows by fragmentation), and
// the ~6 MB raw buffers kept in the heap rather than mmapped and faulted in
// again for every image.
static void rtip_malloc_defaults(void) {
	if (getenv("MALLOC_ARENA_MAX") == NULL) mallopt(M_ARENA_MAX, 2);
	if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL) mallopt(M_MMAP_THRESHOLD, 32 << 20);
	if (getenv("MALLOC_TRIM_THRESHOLD_") == NULL) mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

static int rtip_init(void) {
	rtip_malloc_defaults();
	if (vips_init("go-service-vips") != 0) return -1;
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, rtip_quiet, NULL);
	// One worker thread per image: parallelism comes from CONCURRENCY images
	// at once, as in the TypeScript service (sharp.concurrency(1)).
	vips_concurrency_set(1);
	// No operation cache: every input is new, a cache only holds memory, and
	// a cached operation would keep a pointer to a request's (pinned) bytes
	// (sharp.cache(false)).
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	return 0;
}

// The loaders of the four contract formats, called directly (the format was
// sniffed already): no other libvips loader can see request bytes. Options
// as sharp's: sequential access, fail on the first warning, the first page.
static int rtip_load(void *buf, size_t len, int format, int shrink, double scale, VipsImage **out) {
	VipsAccess seq = VIPS_ACCESS_SEQUENTIAL;
	VipsFailOn fail = VIPS_FAIL_ON_WARNING;
	switch (format) {
	case 1:
		return vips_jpegload_buffer(buf, len, out, "access", seq, "fail_on", fail, "shrink", shrink, NULL);
	case 2:
		return vips_pngload_buffer(buf, len, out, "access", seq, "fail_on", fail, NULL);
	case 3:
		return vips_gifload_buffer(buf, len, out, "access", seq, "fail_on", fail, "n", 1, "page", 0, NULL);
	case 4:
		return vips_webpload_buffer(buf, len, out, "access", seq, "fail_on", fail, "n", 1, "page", 0,
			"scale", scale, NULL);
	}
	vips_error("rtip", "unknown format %d", format);
	return -1;
}

static int rtip_orientation(VipsImage *in) {
	int v = 0;
	if (vips_image_get_typeof(in, VIPS_META_ORIENTATION) != 0 && vips_image_get_int(in, VIPS_META_ORIENTATION, &v) != 0) {
		return 0;
	}
	return v;
}

static int rtip_has_profile(VipsImage *in) {
	return vips_image_get_typeof(in, VIPS_META_ICC_NAME) == VIPS_TYPE_BLOB;
}

// Raw pixels in: packed 8-bit samples in C memory that the caller keeps
// alive until the image is released. Interpreted as sharp does raw input.
static VipsImage *rtip_from_memory(void *data, size_t len, int w, int h, int bands) {
	VipsImage *im = vips_image_new_from_memory(data, len, w, h, bands, VIPS_FORMAT_UCHAR);
	if (im != NULL) im->Type = bands < 3 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
	return im;
}

// Live libvips objects (images, operations, buffers), for the leak test.
static void *rtip_count(VipsObject *o, void *a, void *b) { (*(int *) a)++; return NULL; }
static int rtip_live_objects(void) {
	int n = 0;
	vips_object_map((VipsSListMap2Fn) rtip_count, &n, NULL);
	return n;
}

// The TypeScript service's encoder settings: baseline, 4:2:0, standard
// Huffman tables, none of mozjpeg's extras, no metadata; PNG zlib level 6,
// no filter, no palette, 8 bits.
static int rtip_jpegsave(VipsImage *in, void **buf, size_t *len, int q) {
	return vips_jpegsave_buffer(in, buf, len, "keep", VIPS_FOREIGN_KEEP_NONE, "Q", q, "interlace", FALSE,
		"subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON, "trellis_quant", FALSE, "quant_table", 0,
		"overshoot_deringing", FALSE, "optimize_scans", FALSE, "optimize_coding", FALSE, NULL);
}
static int rtip_pngsave(VipsImage *in, void **buf, size_t *len) {
	return vips_pngsave_buffer(in, buf, len, "keep", VIPS_FOREIGN_KEEP_NONE, "interlace", FALSE,
		"compression", 6, "filter", VIPS_FOREIGN_PNG_FILTER_NONE, "palette", FALSE, "bitdepth", 8, NULL);
}
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"
)

var (
	vipsOnce    sync.Once
	vipsInitErr error
)

// vipsStart initialises libvips once per process.
func vipsStart() error {
	vipsOnce.Do(func() {
		if C.rtip_init() != 0 {
			vipsInitErr = vipsError("vips_init")
		}
	})
	return vipsInitErr
}

// vipsError takes (and clears) libvips' error buffer. The buffer is shared
// by all threads, so with concurrent failures a message may carry another
// request's lines too: it goes to logs only, never to clients.
func vipsError(op string) error {
	s := C.vips_error_buffer_copy()
	defer C.g_free(C.gpointer(s))
	return errors.New(op + ": " + C.GoString(s))
}

// vipsImage holds one reference to a libvips image.
type vipsImage struct{ p *C.VipsImage }

func (im *vipsImage) width() int  { return int(im.p.Xsize) }
func (im *vipsImage) height() int { return int(im.p.Ysize) }
func (im *vipsImage) bands() int  { return int(im.p.Bands) }

func (im *vipsImage) interpretation() C.VipsInterpretation { return im.p.Type }
func (im *vipsImage) format() C.VipsBandFormat             { return im.p.BandFmt }
func (im *vipsImage) hasAlpha() bool                       { return C.vips_image_hasalpha(im.p) != 0 }
func (im *vipsImage) hasProfile() bool                     { return C.rtip_has_profile(im.p) != 0 }
func (im *vipsImage) sequential() bool                     { return C.vips_image_is_sequential(im.p) != 0 }

// orientation is the EXIF orientation libvips read, 0 when there is none.
func (im *vipsImage) orientation() int { return int(C.rtip_orientation(im.p)) }

func (im *vipsImage) release() {
	if im != nil && im.p != nil {
		C.g_object_unref(C.gpointer(im.p))
		im.p = nil
	}
}

// then replaces the image with the result of one operation on it (which
// holds its own reference to its input, so ours is dropped).
func (im *vipsImage) then(name string, op func(in *C.VipsImage, out **C.VipsImage) C.int) error {
	var out *C.VipsImage
	if op(im.p, &out) != 0 {
		return vipsError(name)
	}
	C.g_object_unref(C.gpointer(im.p))
	im.p = out
	return nil
}

// vipsLoad opens an encoded image lazily: the header is read, pixels are
// decoded when the image is written. data must not move or change until the
// image and everything built on it are released (the caller pins it).
func vipsLoad(data []byte, f Format, shrink int, scale float64) (*vipsImage, error) {
	var out *C.VipsImage
	if C.rtip_load(unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)), C.int(f), C.int(shrink), C.double(scale), &out) != 0 {
		return nil, vipsError("load " + f.String())
	}
	return &vipsImage{p: out}, nil
}

// cBytes is memory allocated by glib (libvips' output buffers).
type cBytes struct {
	p unsafe.Pointer
	n int
}

func (b *cBytes) bytes() []byte { return unsafe.Slice((*byte)(b.p), b.n) }

func (b *cBytes) free() {
	if b.p != nil {
		C.g_free(C.gpointer(b.p))
		b.p = nil
	}
}

// toMemory renders the image: this is where pixels are decoded and every
// lazy operation runs.
func (im *vipsImage) toMemory() (cBytes, error) {
	var n C.size_t
	p := C.vips_image_write_to_memory(im.p, &n)
	if p == nil {
		return cBytes{}, vipsError("write to memory")
	}
	return cBytes{p: p, n: int(n)}, nil
}

// vipsFromMemory wraps raw 8-bit pixels (gray, gray+alpha, RGB or RGBA) that
// stay allocated until the image is released.
func vipsFromMemory(pix cBytes, w, h, bands int) (*vipsImage, error) {
	p := C.rtip_from_memory(pix.p, C.size_t(pix.n), C.int(w), C.int(h), C.int(bands))
	if p == nil {
		return nil, vipsError("from memory")
	}
	return &vipsImage{p: p}, nil
}

func (im *vipsImage) jpeg(quality int) (cBytes, error) {
	var p unsafe.Pointer
	var n C.size_t
	if C.rtip_jpegsave(im.p, &p, &n, C.int(quality)) != 0 {
		return cBytes{}, vipsError("jpegsave")
	}
	return cBytes{p: p, n: int(n)}, nil
}

func (im *vipsImage) png() (cBytes, error) {
	var p unsafe.Pointer
	var n C.size_t
	if C.rtip_pngsave(im.p, &p, &n) != 0 {
		return cBytes{}, vipsError("pngsave")
	}
	return cBytes{p: p, n: int(n)}, nil
}

// vipsLive reports what libvips holds: live objects, and the count and size
// of its tracked (pixel buffer) allocations.
func vipsLive() (objects, allocs int, bytes int64) {
	return int(C.rtip_live_objects()), int(C.vips_tracked_get_allocs()), int64(C.vips_tracked_get_mem())
}

// vipsVersion is the version of the libvips linked in, e.g. "8.18.7".
func vipsVersion() string { return C.GoString(C.vips_version_string()) }
