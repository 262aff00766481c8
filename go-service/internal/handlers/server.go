// Package handlers is the HTTP edge: routes, request parsing, admission and
// the mapping of pipeline results to contract responses. It knows no pixels.
package handlers

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

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
	uploads  *admission.UploadBudget
	// uploading counts the requests reading their body now.
	uploading atomic.Int64
	metrics   *metrics.Metrics
	lingerer  *lingerer
	// headersTimeout is EDGE_LIMITS.headersTimeoutMs; tests shorten it.
	headersTimeout time.Duration
}

// Service is one server: the handler of every route and the connection
// layer that makes the answers of net/http's own parser contract answers
// (edge.go). Serve it with HTTPServer on Listener.
type Service struct {
	s *server
	h http.Handler
}

// New builds a service. It owns its upload budget and metrics registry (and
// its admission controller unless Deps gives one), so two services in one
// process do not share state.
func New(d Deps) *Service {
	s := newServer(d)
	return &Service{s: s, h: s.observe(s.recoverPanics(s.routes()))}
}

// NewServer is New's handler alone, for tests and callers that bring their
// own connections (the edge checks that need the connection then do nothing).
func NewServer(d Deps) http.Handler { return New(d) }

func (v *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { v.h.ServeHTTP(w, r) }

// InProgress is the number of images the service holds: bodies being read,
// queued and processed. Draining waits for it to reach 0.
func (v *Service) InProgress() int64 {
	return v.s.uploading.Load() + v.s.adm.Queued() + v.s.adm.Inflight()
}

func newServer(d Deps) *server {
	s := &server{cfg: d.Config, log: d.Logger, draining: d.Draining, headersTimeout: HeadersTimeout}
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
	s.uploads = admission.NewUploadBudget(s.cfg.MaxInflightUploadBytes)
	s.lingerer = &lingerer{timeout: s.cfg.LingerTimeout, idle: s.cfg.LingerIdle, max: int64(s.cfg.MaxLingering)}
	s.metrics = metrics.New(metrics.Gauges{
		Inflight:       func() float64 { return float64(s.adm.Inflight()) },
		Queued:         func() float64 { return float64(s.adm.Queued()) },
		Uploading:      func() float64 { return float64(s.uploading.Load()) },
		UploadReserved: func() float64 { return float64(s.uploads.Reserved()) },
		Lingering:      func() float64 { return float64(s.lingerer.Active()) },
	})
	return s
}
