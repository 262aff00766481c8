// Command go-service is the Go reference implementation of the image
// processing HTTP contract v1. `go-service healthcheck` probes a running one.
// Built with -tags vips (bin/go-service-vips) its pipeline runs on libvips.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rtip/go-service/internal/admission"
	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/contract"
	"github.com/rtip/go-service/internal/handlers"
	"github.com/rtip/go-service/internal/pipeline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-service: %v\n", err)
		os.Exit(1)
	}
}

// withDefaultPort gives an unset PORT the default of this build (the
// contract's DEFAULT_PORTS by pipeline.Implementation), so that both
// binaries can run side by side without settings.
func withDefaultPort(getenv func(string) string) func(string) string {
	return func(name string) string {
		if v := getenv(name); v != "" || name != contract.EnvPort {
			return v
		}
		if port, ok := contract.DefaultPorts[pipeline.Implementation]; ok {
			return strconv.Itoa(port)
		}
		return ""
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	getenv = withDefaultPort(getenv)
	if len(args) == 2 && args[1] == "healthcheck" {
		return healthcheck(ctx, getenv)
	}
	if len(args) > 1 {
		return fmt.Errorf("unexpected arguments %q: the configuration is the environment (the one subcommand is healthcheck)", args[1:])
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := pipeline.Init(); err != nil {
		return fmt.Errorf("start the %s pipeline: %w", pipeline.Implementation, err)
	}

	var draining atomic.Bool
	adm := admission.New(cfg.Concurrency, cfg.QueueDepth)
	svc := handlers.New(handlers.Deps{Config: cfg, Logger: logger, Draining: draining.Load, Admission: adm})
	// The contract's edge limits and timeouts (handlers/edge.go); served on
	// svc.Listener, which makes the answers of net/http's parser contract
	// answers.
	srv := svc.HTTPServer()
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "implementation", pipeline.Implementation, "version", handlers.Version,
		"concurrency", cfg.Concurrency, "queueDepth", cfg.QueueDepth,
		"maxInflightUploadBytes", cfg.MaxInflightUploadBytes, "uploadTimeoutMs", cfg.UploadTimeout.Milliseconds())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(svc.Listener(ln)) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Drain: /readyz answers 503 and new images are refused (503 OVERLOADED)
	// while the listener stays open, so that load balancers and clients see
	// why; images being uploaded, queued or processed finish. Then Shutdown
	// closes the listener and the idle connections, all within
	// SHUTDOWN_TIMEOUT_MS.
	draining.Store(true)
	srv.SetKeepAlivesEnabled(false)
	logger.Info("draining", "inflight", adm.Inflight(), "queued", adm.Queued(), "inProgress", svc.InProgress(),
		"timeoutMs", cfg.ShutdownTimeout.Milliseconds())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	for svc.InProgress() > 0 && sctx.Err() == nil {
		select {
		case <-tick.C:
		case <-sctx.Done():
		}
	}
	tick.Stop()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("shutdown deadline passed; closing the remaining connections", "err", err.Error())
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// healthcheck GETs /healthz on the local port: the container's probe, as the
// distroless image has no curl.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	port := getenv("PORT")
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+contract.PathHealthz, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
