// Package config reads and validates the service configuration from env,
// with the names, defaults and ranges of the contract (packages/contract/src/config.ts).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"time"
)

// DefaultPort is the Go service's port; the TypeScript one uses 8081.
const DefaultPort = 8080

// Config is the validated configuration.
type Config struct {
	Port           int
	Host           string
	MaxUploadBytes int64
	// The edge policy (contract README, "Edge policy"): the upload budget,
	// bytes of request bodies held at once (being read, queued or
	// processed), at least MaxUploadBytes; and the bound on reading one
	// body, from the end of its headers (408 UPLOAD_TIMEOUT beyond).
	MaxInflightUploadBytes int64
	UploadTimeout          time.Duration
	MaxInputPixels         int64
	Concurrency            int
	QueueDepth             int
	RequestTimeout         time.Duration // queueing + processing, from admission
	ShutdownTimeout        time.Duration
	// Lingering close after an early answer (contract README, "Early answers").
	LingerTimeout time.Duration // the whole linger
	LingerIdle    time.Duration // without a body byte
	MaxLingering  int           // connections lingering at once
	LogLevel      slog.Level
}

// The contract's linger defaults (LINGER_DEFAULTS in packages/contract/src/config.ts).
const (
	DefaultLingerTimeout = 30 * time.Second
	DefaultLingerIdle    = 5 * time.Second
	DefaultMaxLingering  = 256
)

// DefaultUploadTimeout is UPLOAD_TIMEOUT_MS unset (packages/contract/src/config.ts).
const DefaultUploadTimeout = 30 * time.Second

// Addr is the host:port to listen on.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

var digits = regexp.MustCompile(`^[0-9]+$`)

// Load reads the configuration. Every invalid variable is reported, by name,
// so that one failed start says everything that is wrong.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	integer := func(name string, fallback, lo, hi int64) int64 {
		raw := getenv(name)
		if raw == "" {
			return fallback
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if !digits.MatchString(raw) || err != nil || n < lo || n > hi {
			errs = append(errs, fmt.Errorf("%s must be an integer from %d to %d, got %q", name, lo, hi, raw))
			return fallback
		}
		return n
	}
	const maxInt = 1<<53 - 1     // the largest integer both services read the same way
	const maxTimerMs = 1<<31 - 1 // the longest delay a Node.js timer takes; the TS service reads the same range
	ms := func(name string, fallback time.Duration) time.Duration {
		return time.Duration(integer(name, fallback.Milliseconds(), 1, maxTimerMs)) * time.Millisecond
	}
	concurrency := int(integer("CONCURRENCY", int64(max(1, runtime.NumCPU())), 1, 1024))
	maxUpload := integer("MAX_UPLOAD_BYTES", 26_214_400, 1, maxInt)
	c := Config{
		Port:           int(integer("PORT", DefaultPort, 0, 65535)),
		Host:           getenv("HOST"),
		MaxUploadBytes: maxUpload,
		// At least one body of the largest size must fit.
		MaxInflightUploadBytes: integer("MAX_INFLIGHT_UPLOAD_BYTES", 4*maxUpload, maxUpload, maxInt),
		UploadTimeout:          ms("UPLOAD_TIMEOUT_MS", DefaultUploadTimeout),
		MaxInputPixels:         integer("MAX_INPUT_PIXELS", 50_000_000, 1, maxInt),
		Concurrency:            concurrency,
		QueueDepth:             int(integer("QUEUE_DEPTH", int64(4*concurrency), 0, 1_000_000)),
		RequestTimeout:         time.Duration(integer("REQUEST_TIMEOUT_MS", 30_000, 1, 1<<31)) * time.Millisecond,
		ShutdownTimeout:        time.Duration(integer("SHUTDOWN_TIMEOUT_MS", 10_000, 0, 1<<31)) * time.Millisecond,
		LingerTimeout:          ms("LINGER_TIMEOUT_MS", DefaultLingerTimeout),
		LingerIdle:             ms("LINGER_IDLE_MS", DefaultLingerIdle),
		MaxLingering:           int(integer("MAX_LINGERING", DefaultMaxLingering, 0, 1_000_000)),
		LogLevel:               slog.LevelInfo,
	}
	if c.Host == "" {
		c.Host = "0.0.0.0"
	}
	switch lv := getenv("LOG_LEVEL"); lv {
	case "", "info":
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL must be one of debug, info, warn, error, got %q", lv))
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}
