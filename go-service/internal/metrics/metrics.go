// Package metrics holds the Prometheus collectors of one server, on a
// registry the server owns (no global state), with the contract's names.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rtip/go-service/internal/contract"
)

// DurationBuckets are the contract's histogram buckets (seconds).
var DurationBuckets = contract.DurationBuckets

// Metrics are the service's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	stage    *prometheus.HistogramVec
	rejected *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	lingered *prometheus.CounterVec
	shed     *prometheus.CounterVec
}

// LingerOutcomes are the ways a lingering close ends (contract README, "Early answers").
var LingerOutcomes = contract.LingerOutcomes

// ShedReasons are why a request is answered 503 OVERLOADED (contract
// SHED_REASONS): no admission place, no upload budget, or draining.
var ShedReasons = contract.ShedReasons

// Gauges are the values of the gauges, read at scrape time.
type Gauges struct {
	Inflight       func() float64 // requests holding a processing slot
	Queued         func() float64 // requests with a complete body waiting for a slot
	Uploading      func() float64 // requests reading their body
	UploadReserved func() float64 // bytes of the upload budget in use
	Lingering      func() float64 // connections lingering after an early answer
}

// New registers the collectors, with the contract's names, help texts and
// labels (contract.Metrics).
func New(g Gauges) *Metrics {
	c := contract.Metrics
	counter := func(m contract.Metric) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: m.Name, Help: m.Help}, m.Labels)
	}
	histogram := func(m contract.Metric) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: m.Name, Help: m.Help, Buckets: DurationBuckets}, m.Labels)
	}
	gauge := func(m contract.Metric, value func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: m.Name, Help: m.Help}, value)
	}
	m := &Metrics{
		reg:      prometheus.NewRegistry(),
		requests: counter(c.HTTPRequests),
		duration: histogram(c.HTTPDuration),
		stage:    histogram(c.StageDuration),
		rejected: counter(c.Rejected),
		bytes:    counter(c.Bytes),
		lingered: counter(c.LingerCloses),
		shed:     counter(c.Shed),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.stage, m.rejected, m.bytes, m.lingered, m.shed,
		gauge(c.Inflight, g.Inflight),
		gauge(c.Queued, g.Queued),
		gauge(c.Uploading, g.Uploading),
		gauge(c.UploadReserved, g.UploadReserved),
		gauge(c.Lingering, g.Lingering),
	)
	// Stages and directions exist from the start so that dashboards see zeros.
	for _, s := range contract.Stages {
		m.stage.WithLabelValues(s)
	}
	m.bytes.WithLabelValues("in")
	m.bytes.WithLabelValues("out")
	for _, o := range LingerOutcomes {
		m.lingered.WithLabelValues(o)
	}
	for _, r := range ShedReasons {
		m.shed.WithLabelValues(r)
	}
	return m
}

// Handler serves the exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one answered request.
func (m *Metrics) Request(route, method, status string, d time.Duration) {
	m.requests.WithLabelValues(route, method, status).Inc()
	m.duration.WithLabelValues(route, method, status).Observe(d.Seconds())
}

// Stage records the time of one pipeline stage.
func (m *Metrics) Stage(stage string, d time.Duration) {
	m.stage.WithLabelValues(stage).Observe(d.Seconds())
}

// Rejected counts a contract error.
func (m *Metrics) Rejected(code string) { m.rejected.WithLabelValues(code).Inc() }

// Bytes counts image bytes in or out.
func (m *Metrics) Bytes(direction string, n int) {
	m.bytes.WithLabelValues(direction).Add(float64(n))
}

// Shed counts one 503 OVERLOADED by its reason (one of ShedReasons).
func (m *Metrics) Shed(reason string) { m.shed.WithLabelValues(reason).Inc() }

// Lingered counts one lingering close by its outcome.
func (m *Metrics) Lingered(outcome string) { m.lingered.WithLabelValues(outcome).Inc() }
