// Package metrics holds the Prometheus collectors of one server, on a
// registry the server owns (no global state), with the contract's names.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DurationBuckets are the contract's histogram buckets (seconds).
var DurationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

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
var LingerOutcomes = []string{"drained", "timed_out", "capped"}

// ShedReasons are why a request is answered 503 OVERLOADED (contract
// SHED_REASONS): no admission place, no upload budget, or draining.
var ShedReasons = []string{"queue_full", "upload_budget", "draining"}

// Gauges are the values of the gauges, read at scrape time.
type Gauges struct {
	Inflight       func() float64 // requests holding a processing slot
	Queued         func() float64 // requests with a complete body waiting for a slot
	Uploading      func() float64 // requests reading their body
	UploadReserved func() float64 // bytes of the upload budget in use
	Lingering      func() float64 // connections lingering after an early answer
}

// New registers the collectors; the help texts are the contract's
// (packages/contract/src/metrics.ts).
func New(g Gauges) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests answered.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "Time from request to response.", Buckets: DurationBuckets,
		}, []string{"route", "method", "status"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "image_stage_duration_seconds", Help: "Time spent in each image stage.", Buckets: DurationBuckets,
		}, []string{"stage"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "image_rejected_total", Help: "Requests answered with a contract error, by code.",
		}, []string{"code"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "image_bytes_total", Help: "Image bytes received (in) and sent (out).",
		}, []string{"direction"}),
		lingered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_lingering_closes_total",
			Help: "Connections closed after an early answer, by outcome: drained, timed_out or capped.",
		}, []string{"outcome"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "image_shed_total",
			Help: "Requests answered 503 OVERLOADED, by reason: queue_full, upload_budget or draining.",
		}, []string{"reason"}),
	}
	gauge := func(name, help string, value func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, value)
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.stage, m.rejected, m.bytes, m.lingered, m.shed,
		gauge("image_inflight", "Requests holding a processing slot (decode, transform, encode).", g.Inflight),
		gauge("image_queued", "Requests with their whole body read, waiting for a processing slot.", g.Queued),
		gauge("image_uploading", "Requests reading their body now (they hold upload budget, no processing slot).",
			g.Uploading),
		gauge("image_upload_reserved_bytes",
			"Bytes of MAX_INFLIGHT_UPLOAD_BYTES reserved by bodies being read, queued or processed.", g.UploadReserved),
		gauge("http_lingering_connections",
			"Connections reading and discarding the rest of a request body after an early answer.", g.Lingering),
	)
	// Stages and directions exist from the start so that dashboards see zeros.
	for _, s := range []string{"decode", "transform", "encode"} {
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
