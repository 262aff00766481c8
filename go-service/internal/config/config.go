// Package config reads and validates the service configuration from env,
// by the contract's rules (contract.Config: names, defaults and ranges, in
// the order the contract's parseConfig reads them).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtip/go-service/internal/contract"
)

// DefaultPort is the Go service's port (the contract's DEFAULT_PORTS["go"]);
// cmd/go-service gives each build its own when PORT is unset.
var DefaultPort = contract.DefaultPorts["go"]

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

// Addr is the host:port to listen on.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

var digits = regexp.MustCompile(`^[0-9]+$`)

// logLevels are the slog levels of the contract's LOG_LEVEL values.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// Load reads the configuration. Every invalid variable is reported, by name,
// so that one failed start says everything that is wrong, in the order of
// the contract's parseConfig and with its words.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	ints := map[string]int64{}
	texts := map[string]string{}
	for _, s := range contract.Config {
		raw := getenv(s.Name)
		switch s.Kind {
		case contract.Integer:
			value := integerDefault(s.Default, ints)
			lo := s.Min
			if s.MinOf != "" {
				lo = ints[s.MinOf]
			}
			if raw != "" {
				n, err := strconv.ParseInt(raw, 10, 64)
				if !digits.MatchString(raw) || err != nil || n < lo || n > s.Max {
					errs = append(errs, fmt.Errorf("%s must be an integer from %d to %d, got %q", s.Name, lo, s.Max, raw))
				} else {
					value = n
				}
			}
			ints[s.Name] = value
		case contract.String:
			texts[s.Name] = s.Default.Text
			if raw != "" {
				texts[s.Name] = raw
			}
		case contract.Enum:
			texts[s.Name] = s.Default.Text
			if raw != "" && !slices.Contains(s.Values, raw) {
				errs = append(errs, fmt.Errorf("%s must be one of %s, got %q", s.Name, strings.Join(s.Values, ", "), raw))
			} else if raw != "" {
				texts[s.Name] = raw
			}
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	ms := func(name string) time.Duration { return time.Duration(ints[name]) * time.Millisecond }
	level, ok := logLevels[texts[contract.EnvLogLevel]]
	if !ok {
		return Config{}, fmt.Errorf("LOG_LEVEL %q has no slog level", texts[contract.EnvLogLevel])
	}
	return Config{
		Port:                   int(ints[contract.EnvPort]),
		Host:                   texts[contract.EnvHost],
		MaxUploadBytes:         ints[contract.EnvMaxUploadBytes],
		MaxInflightUploadBytes: ints[contract.EnvMaxInflightUploadBytes],
		UploadTimeout:          ms(contract.EnvUploadTimeoutMs),
		MaxInputPixels:         ints[contract.EnvMaxInputPixels],
		Concurrency:            int(ints[contract.EnvConcurrency]),
		QueueDepth:             int(ints[contract.EnvQueueDepth]),
		RequestTimeout:         ms(contract.EnvRequestTimeoutMs),
		ShutdownTimeout:        ms(contract.EnvShutdownTimeoutMs),
		LingerTimeout:          ms(contract.EnvLingerTimeoutMs),
		LingerIdle:             ms(contract.EnvLingerIdleMs),
		MaxLingering:           int(ints[contract.EnvMaxLingering]),
		LogLevel:               level,
	}, nil
}

// integerDefault is an integer setting's value when it is unset: the
// contract's number, or its rule applied to the settings read before.
func integerDefault(d contract.Default, read map[string]int64) int64 {
	switch d.Rule {
	case contract.RulePort:
		return int64(DefaultPort)
	case contract.RuleCPUs:
		return int64(max(1, runtime.NumCPU()))
	case contract.RuleTimes:
		return d.Factor * read[d.Of]
	}
	return d.Value
}
