// Command pipeline-cpu is the pipeline probe of the benchmark harness: the
// CPU one image costs in this build's pipeline alone, in-process, with no
// HTTP around it. The harness subtracts it from the service's CPU per request
// to show the per-request overhead (HTTP, body, multipart, metrics, logs).
//
//	pipeline-cpu --image photo-hd.jpg --query 'grayscale=true&width=800' --iterations 30 --warmup 5 --rate 22
//
// prints one JSON line: implementation, image, query, iterations, rate,
// cpuMsPerImage (user + system CPU of the process over the measured
// iterations ÷ iterations) and wallMsPerImage (time inside the pipeline per
// image). The images run one after another, as one request at a time would.
// With --rate R they start R per second, on the schedule of the harness's
// fixed load (image i at i/R s; one that would start late starts at once):
// an image that arrives after an idle gap costs more CPU than one run back to
// back (caches gone cold: about 4 ms more on photo-hd at 22 per second,
// measured in the TS pipeline), so the probe and the service are measured at
// the same pace. Without it (or 0) they run back to back.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/handlers"
	"github.com/rtip/go-service/internal/pipeline"
)

type report struct {
	Implementation string  `json:"implementation"`
	Image          string  `json:"image"`
	Query          string  `json:"query"`
	Iterations     int     `json:"iterations"`
	Rate           float64 `json:"rate"`
	CPUMsPerImage  float64 `json:"cpuMsPerImage"`
	WallMsPerImage float64 `json:"wallMsPerImage"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline-cpu:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pipeline-cpu", flag.ContinueOnError)
	image := fs.String("image", "", "the image file")
	query := fs.String("query", "", "the options, as the query of POST /process")
	iterations := fs.Int("iterations", 20, "measured runs")
	warmup := fs.Int("warmup", 3, "unmeasured runs first")
	rate := fs.Float64("rate", 0, "images started per second (0: back to back)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *image == "" || *iterations < 1 || *warmup < 0 || !(*rate >= 0 && *rate <= 10_000) || fs.NArg() > 0 {
		return errors.New("usage: pipeline-cpu --image FILE [--query Q] [--iterations N ≥ 1] [--warmup W ≥ 0] [--rate R ≥ 0]")
	}
	data, err := os.ReadFile(*image)
	if err != nil {
		return err
	}
	opts, err := handlers.ParseOptions(*query)
	if err != nil {
		return fmt.Errorf("--query: %w", err)
	}
	// The service's own limit, from the same environment it would read.
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	if err := pipeline.Init(); err != nil {
		return fmt.Errorf("start the %s pipeline: %w", pipeline.Implementation, err)
	}
	lim := pipeline.Limits{MaxInputPixels: cfg.MaxInputPixels}
	once := func() error {
		res, err := pipeline.Process(context.Background(), data, opts, lim)
		if err != nil {
			return err
		}
		res.Release()
		return nil
	}
	for range *warmup {
		if err := once(); err != nil {
			return err
		}
	}
	var wall time.Duration
	cpu0, start := cpuTime(), time.Now()
	for i := range *iterations {
		if *rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(float64(i) / *rate * float64(time.Second)))))
		}
		began := time.Now()
		if err := once(); err != nil {
			return err
		}
		wall += time.Since(began)
	}
	cpu := cpuTime() - cpu0
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(*iterations) }
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(report{
		Implementation: pipeline.Implementation,
		Image:          filepath.Base(*image),
		Query:          *query,
		Iterations:     *iterations,
		Rate:           *rate,
		CPUMsPerImage:  per(cpu),
		WallMsPerImage: per(wall),
	})
}

// cpuTime is the user + system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
