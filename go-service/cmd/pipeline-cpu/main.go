// Command pipeline-cpu is the pipeline probe of the benchmark harness: the
// CPU one image costs in this build's pipeline alone, in-process, with no
// HTTP around it. The harness subtracts it from the service's CPU per request
// to show the per-request overhead (HTTP, body, multipart, metrics, logs).
//
//	pipeline-cpu --image photo-hd.jpg --query 'grayscale=true&width=800' --iterations 30 --warmup 5
//
// prints one JSON line: implementation, image, query, iterations,
// cpuMsPerImage (user + system CPU of the process over the measured
// iterations ÷ iterations) and wallMsPerImage. The images run one after
// another, as one request at a time would.
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *image == "" || *iterations < 1 || *warmup < 0 || fs.NArg() > 0 {
		return errors.New("usage: pipeline-cpu --image FILE [--query Q] [--iterations N ≥ 1] [--warmup W ≥ 0]")
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
	cpu0, wall0 := cpuTime(), time.Now()
	for range *iterations {
		if err := once(); err != nil {
			return err
		}
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(*iterations) }
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(report{
		Implementation: pipeline.Implementation,
		Image:          filepath.Base(*image),
		Query:          *query,
		Iterations:     *iterations,
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
