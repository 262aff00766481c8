//go:build unix

package pipeline

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"
)

// The pipeline against a naive baseline (per-pixel At/Set through
// color.GrayModel, as the original Go service did) and against the codec
// floor (libjpeg-turbo: djpeg -grayscale | cjpeg -quality 80), in one run:
//
//	go test ./internal/pipeline -run='^$' -bench=. -benchmem -cpu=1
//
// With -tags vips, BenchmarkPipeline runs the libvips backend (its name
// says which: BenchmarkPipeline/photo-hd.jpg/gray/go or …/go-vips).

// cpuTime is the CPU time (user + system) this process has used. The
// benchmarks report it per op beside the wall time: on a shared machine the
// wall time of the exec'd floor suffers more from contention than in-process
// work does, and CPU time compares them fairly.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, d time.Duration) {
	b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

var benchImages = []string{"photo-hd.jpg", "photo-12mp.jpg"}

var benchCases = []struct {
	name  string
	width int
}{
	{"gray", 0},
	{"gray-w800", 800},
}

func BenchmarkPipeline(b *testing.B) {
	for _, img := range benchImages {
		data := fixture(b, img)
		for _, c := range benchCases {
			b.Run(img+"/"+c.name+"/"+Implementation, func(b *testing.B) {
				o := opts(func(o *Options) { o.Width = c.width })
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				var decode, transform, encode time.Duration
				start := cpuTime()
				for b.Loop() {
					res, err := Process(context.Background(), data, o, noLimit)
					if err != nil {
						b.Fatal(err)
					}
					decode, transform, encode = decode+res.Decode, transform+res.Transform, encode+res.Encode
					res.Release()
				}
				reportCPU(b, cpuTime()-start)
				// Wall time of each step (Server-Timing's stages), to see where a difference comes from.
				for name, d := range map[string]time.Duration{"decode": decode, "transform": transform, "encode": encode} {
					b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), name+"-ms/op")
				}
			})
		}
	}
}

// naive is the per-pixel baseline: interface calls and a colour model
// conversion per pixel, then draw's CatmullRom for the resize.
func naive(data []byte, width int) ([]byte, error) {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	g := image.NewGray(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	var out image.Image = g
	if width > 0 {
		h := (r.Dy()*width + r.Dx()/2) / r.Dx()
		dst := image.NewGray(image.Rect(0, 0, width, h))
		xdraw.CatmullRom.Scale(dst, dst.Rect, g, r, xdraw.Src, nil)
		out = dst
	}
	var buf bytes.Buffer
	err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: 80})
	return buf.Bytes(), err
}

func BenchmarkNaive(b *testing.B) {
	for _, img := range benchImages {
		data := fixture(b, img)
		for _, c := range benchCases {
			b.Run(img+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				start := cpuTime()
				for b.Loop() {
					if _, err := naive(data, c.width); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpuTime()-start)
			})
		}
	}
}

// BenchmarkFloor is libjpeg-turbo decoding to gray and encoding at q80, the
// least any JPEG→gray JPEG service can spend (plus ~1 ms of process start).
// Without the tools it fails and says what to install: a run that is meant
// to compare with the floor must not end without it unnoticed.
func BenchmarkFloor(b *testing.B) {
	for _, tool := range []string{"djpeg", "cjpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("no codec floor in this run: %s is not installed (Debian: apt-get install -y libjpeg-turbo-progs)", tool)
		}
	}
	for _, img := range benchImages {
		path, err := filepath.Abs(filepath.Join(fixtures, img))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(img+"/gray", func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command("sh", "-c", `djpeg -grayscale "$1" | cjpeg -quality 80`, "sh", path)
				out, err := cmd.Output()
				if err != nil || len(out) == 0 {
					b.Fatalf("floor: %v", err)
				}
				// The shell's usage includes the djpeg and cjpeg it waited for.
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkResize is the resampler alone (box pre-shrink and Lanczos3) on
// the decoded planes of the benchmark images, to width 800: gray (the Y
// plane) and premultiplied RGBA.
func BenchmarkResize(b *testing.B) {
	for _, name := range benchImages {
		img, err := jpeg.Decode(bytes.NewReader(fixture(b, name)))
		if err != nil {
			b.Fatal(err)
		}
		for _, src := range []*bitmap{toGray(img), toRGBA(img)} {
			kind := map[int]string{1: "gray", 4: "rgba"}[src.Ch]
			plan := PlanGeometry(src.W, src.H, opts(func(o *Options) { o.Width = 800 }))
			b.Run(name+"/"+kind+"-w800", func(b *testing.B) {
				start := cpuTime()
				for b.Loop() {
					resize(src, plan, float64(src.W), float64(src.H))
				}
				reportCPU(b, cpuTime()-start)
			})
		}
	}
}
