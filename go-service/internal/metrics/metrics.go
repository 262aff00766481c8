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
}

// LingerOutcomes are the ways a lingering close ends (contract README, "Early answers").
var LingerOutcomes = []string{"drained", "timed_out", "capped"}

// New registers the collectors. inflight, queued and lingering are read at
// scrape time.
func New(inflight, queued, lingering func() float64) *Metrics {
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
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.stage, m.rejected, m.bytes, m.lingered,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "image_inflight", Help: "Images being processed now."}, inflight),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "image_queued", Help: "Requests waiting for a processing slot."}, queued),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "http_lingering_connections",
			Help: "Connections reading and discarding the rest of a request body after an early answer.",
		}, lingering),
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

// Lingered counts one lingering close by its outcome.
func (m *Metrics) Lingered(outcome string) { m.lingered.WithLabelValues(outcome).Inc() }
