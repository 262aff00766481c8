// Package handlers is the HTTP edge: routes, request parsing, admission and
// the mapping of pipeline results to contract responses. It knows no pixels.
package handlers

import (
	"log/slog"
	"net/http"

	"github.com/rtip/go-service/internal/admission"
	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/metrics"
)

// Version is the service version reported by /info.
const Version = "0.1.0"

// Deps is what the server needs from its owner.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Draining func() bool // true once shutdown began; nil means never
	// Admission bounds the images in progress; nil makes one from Config.
	// The owner passes its own to learn when in-flight work has drained.
	Admission *admission.Controller
}

type server struct {
	cfg      config.Config
	log      *slog.Logger
	draining func() bool
	adm      *admission.Controller
	metrics  *metrics.Metrics
	lingerer *lingerer
}

// NewServer builds the service's handler. It owns its admission controller
// and metrics registry, so two servers in one process do not share state.
func NewServer(d Deps) http.Handler {
	s := newServer(d)
	mux := http.NewServeMux()
	s.routes(mux)
	return s.observe(s.recoverPanics(mux))
}

func newServer(d Deps) *server {
	s := &server{cfg: d.Config, log: d.Logger, draining: d.Draining}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.draining == nil {
		s.draining = func() bool { return false }
	}
	s.adm = d.Admission
	if s.adm == nil {
		s.adm = admission.New(s.cfg.Concurrency, s.cfg.QueueDepth)
	}
	s.lingerer = &lingerer{timeout: s.cfg.LingerTimeout, idle: s.cfg.LingerIdle, max: int64(s.cfg.MaxLingering)}
	s.metrics = metrics.New(
		func() float64 { return float64(s.adm.Inflight()) },
		func() float64 { return float64(s.adm.Queued()) },
		func() float64 { return float64(s.lingerer.Active()) },
	)
	return s
}
