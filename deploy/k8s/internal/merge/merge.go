// Package merge combines the k6 runners of one distributed run into one result.
//
// A k6 end-of-test summary gives each runner's percentiles, and percentiles of parts do not give the percentile
// of the whole (a p99 of p99s, or their mean, can be far from the p99 of all requests: see the tests). So the
// runners also write every request (k6's CSV output), and the latency figures here are computed from all
// samples of all runners at once, by the definitions of bench/src/stats.ts: nearest-rank percentiles over every
// sent request (failed, shed and timed-out ones included; a request without an answer counts with its
// timeout), the same over 2xx answers only for "accepted", one-second windows for the timeline. Counts that
// do add up exactly (requests, dropped iterations, statuses) are sums; each runner's summary must agree with its
// own CSV, or the merge refuses (a truncated file would bias the figures silently).
package merge

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Sample is one request as a runner's CSV records it.
type Sample struct {
	// AtMs is k6's timestamp of the request, in unix milliseconds.
	AtMs      float64
	LatencyMs float64
	// Status is the HTTP status; 0 when no answer came (connection error, client timeout).
	Status int
	Error  string
}

// ParseCSV reads k6's CSV output: the http_req_duration rows, columns found by the header.
func ParseCSV(r io.Reader) ([]Sample, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, need := range []string{"metric_name", "timestamp", "metric_value", "status"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("CSV header has no %s column", need)
		}
	}
	iErr, hasErr := col["error"]
	var out []Sample
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("CSV line %d: %w", line, err)
		}
		if rec[col["metric_name"]] != "http_req_duration" {
			continue
		}
		ts, err1 := strconv.ParseFloat(rec[col["timestamp"]], 64)
		v, err2 := strconv.ParseFloat(rec[col["metric_value"]], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("CSV line %d: timestamp %q or value %q is not a number", line, rec[col["timestamp"]], rec[col["metric_value"]])
		}
		// k6 writes unix seconds by default and milliseconds with K6_CSV_TIME_FORMAT=unix_milli (what the
		// TestRuns set); a second count stays below 1e11 until the year 5138.
		if ts < 1e11 {
			ts *= 1000
		}
		s := Sample{AtMs: ts, LatencyMs: v}
		if st := rec[col["status"]]; st != "" {
			if s.Status, err = strconv.Atoi(st); err != nil {
				return nil, fmt.Errorf("CSV line %d: status %q", line, st)
			}
		}
		if hasErr {
			s.Error = rec[iErr]
		}
		out = append(out, s)
	}
}

// Summary is what the merge takes from a runner's end-of-test summary (handleSummary's JSON, k6's documented
// summary data: metrics → { type, values }).
type Summary struct {
	Requests int64 `json:"requests"`
	Dropped  int64 `json:"dropped"`
	// StatusCodes are the status_<code> and status_other counters of bench/k6/lib/statuses.js.
	StatusCodes map[string]int64 `json:"statusCodes"`
	// K6P99Ms is k6's own p99 of this runner (interpolated; a cross-check, never merged).
	K6P99Ms   *float64 `json:"k6P99Ms"`
	DurationS float64  `json:"durationS"`
}

// ParseSummary reads one runner's summary JSON.
func ParseSummary(raw []byte) (Summary, error) {
	var data struct {
		Metrics map[string]struct {
			Values map[string]float64 `json:"values"`
		} `json:"metrics"`
		State struct {
			TestRunDurationMs float64 `json:"testRunDurationMs"`
		} `json:"state"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		return Summary{}, err
	}
	reqs, ok := data.Metrics["http_reqs"]
	if !ok {
		return Summary{}, errors.New("no http_reqs metric: not a k6 summary of an HTTP test")
	}
	s := Summary{
		Requests:    int64(reqs.Values["count"]),
		Dropped:     int64(data.Metrics["dropped_iterations"].Values["count"]),
		StatusCodes: map[string]int64{},
		DurationS:   data.State.TestRunDurationMs / 1000,
	}
	if p, ok := data.Metrics["http_req_duration"].Values["p(99)"]; ok {
		s.K6P99Ms = &p
	}
	for name, m := range data.Metrics {
		if code, ok := strings.CutPrefix(name, "status_"); ok && m.Values["count"] > 0 {
			s.StatusCodes[code] = int64(m.Values["count"])
		}
	}
	return s, nil
}

// Runner is one k6 runner pod's output.
type Runner struct {
	Name    string
	Summary Summary
	Samples []Sample
}

// Suffixes of the files a runner writes (SUMMARY_PATH and --out csv= in the TestRun).
const (
	SummarySuffix = ".summary.json"
	CSVSuffix     = ".csv.gz"
)

// LoadDir reads every runner's files from a folder: <name>.summary.json with <name>.csv.gz (or <name>.csv).
func LoadDir(dir string) ([]Runner, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var runners []Runner
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), SummarySuffix)
		if !ok {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		sum, err := ParseSummary(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		samples, err := readSamples(dir, name)
		if err != nil {
			return nil, err
		}
		runners = append(runners, Runner{Name: name, Summary: sum, Samples: samples})
	}
	if len(runners) == 0 {
		return nil, fmt.Errorf("%s holds no *%s", dir, SummarySuffix)
	}
	return runners, nil
}

func readSamples(dir, name string) ([]Sample, error) {
	for _, suffix := range []string{CSVSuffix, ".csv"} {
		f, err := os.Open(filepath.Join(dir, name+suffix))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var r io.Reader = f
		if suffix == CSVSuffix {
			gz, err := gzip.NewReader(f)
			if err != nil {
				return nil, fmt.Errorf("%s%s: %w", name, suffix, err)
			}
			defer gz.Close()
			r = gz
		}
		samples, err := ParseCSV(r)
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", name, suffix, err)
		}
		return samples, nil
	}
	return nil, fmt.Errorf("runner %s wrote a summary but no %s%s: its per-request samples are missing", name, name, CSVSuffix)
}

// Params are the run's settings (the TestRun's env).
type Params struct {
	Target      string  `json:"target"`
	OfferedRate float64 `json:"offeredRate"`
	DurationS   float64 `json:"durationS"`
	SloP99Ms    float64 `json:"sloP99Ms"`
	// Parallelism is how many runners the TestRun had: the merge refuses when fewer reported.
	Parallelism int `json:"parallelism"`
}

// Latency is nearest-rank statistics over a set of requests (null when the set is empty).
type Latency struct {
	Count int      `json:"count"`
	Mean  *float64 `json:"mean"`
	P50   *float64 `json:"p50"`
	P90   *float64 `json:"p90"`
	P99   *float64 `json:"p99"`
	Max   *float64 `json:"max"`
}

// Window is one second of the run, across all runners (their clocks are the nodes' clocks: NTP-synchronised
// nodes are assumed).
type Window struct {
	S      float64  `json:"s"`
	Sent   int      `json:"sent"`
	OK     int      `json:"ok"`
	Failed int      `json:"failed"`
	P99    *float64 `json:"p99"`
}

// RunnerReport is one runner's counts and k6's own p99, kept beside the merged figures for cross-checking.
type RunnerReport struct {
	Name    string `json:"name"`
	Samples int    `json:"samples"`
	Summary
}

// Result is one distributed phase, shaped like the harness's PhaseStats (bench/src/stats.ts) plus the runners.
type Result struct {
	Schema         string           `json:"schema"`
	SchemaVersion  int              `json:"schemaVersion"`
	Method         string           `json:"method"`
	Params         Params           `json:"params"`
	OfferedRate    float64          `json:"offeredRate"`
	DurationS      float64          `json:"durationS"`
	Expected       int64            `json:"expected"`
	Sent           int64            `json:"sent"`
	Dropped        int64            `json:"dropped"`
	OK             int64            `json:"ok"`
	ErrorsByStatus map[string]int64 `json:"errorsByStatus"`
	Errors         int64            `json:"errors"`
	AchievedRate   float64          `json:"achievedRate"`
	Latency        Latency          `json:"latency"`
	Accepted       Latency          `json:"accepted"`
	Timeline       []Window         `json:"timeline"`
	Pass           bool             `json:"pass"`
	Reasons        []string         `json:"reasons"`
	Runners        []RunnerReport   `json:"runners"`
}

// Method says how the figures were computed; it is written into every result.
const Method = "sums of the runners' counts; latency percentiles nearest-rank over the union of every runner's " +
	"per-request samples (k6 CSV), never combined from the runners' own percentiles"

// Percentile is the nearest-rank percentile of sorted values (bench/src/stats.ts percentile()).
func Percentile(sorted []float64, p float64) (float64, bool) {
	n := len(sorted)
	if n == 0 {
		return 0, false
	}
	if p <= 0 {
		return sorted[0], true
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	return sorted[min(n, rank)-1], true
}

func summarize(latencies []float64) Latency {
	s := slices.Clone(latencies)
	slices.Sort(s)
	l := Latency{Count: len(s)}
	if len(s) == 0 {
		return l
	}
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	mean := sum / float64(len(s))
	l.Mean = &mean
	for _, q := range []struct {
		p   float64
		dst **float64
	}{{50, &l.P50}, {90, &l.P90}, {99, &l.P99}, {100, &l.Max}} {
		v, _ := Percentile(s, q.p)
		*q.dst = &v
	}
	return l
}

// Merge combines the runners of one TestRun.
func Merge(runners []Runner, p Params) (*Result, error) {
	if len(runners) == 0 {
		return nil, errors.New("no runner output to merge")
	}
	if p.Parallelism > 0 && len(runners) != p.Parallelism {
		return nil, fmt.Errorf("%d of %d runners left results: the others' requests are unknown, so no figure would be right", len(runners), p.Parallelism)
	}
	if p.OfferedRate <= 0 || p.DurationS <= 0 {
		return nil, errors.New("the offered rate and the duration must be positive")
	}
	r := &Result{
		Schema: "rtip-bench/k8s-phase", SchemaVersion: 1, Method: Method, Params: p,
		OfferedRate: p.OfferedRate, DurationS: p.DurationS,
		ErrorsByStatus: map[string]int64{}, Reasons: []string{},
		// Arrivals at 0, 1/rate, 2/rate, … before the end, as for the harness.
		Expected: int64(math.Ceil(p.OfferedRate*p.DurationS - 1e-9)),
	}
	var all, ok []float64
	var samples []Sample
	for _, rn := range runners {
		if err := consistent(rn); err != nil {
			return nil, err
		}
		r.Runners = append(r.Runners, RunnerReport{Name: rn.Name, Samples: len(rn.Samples), Summary: rn.Summary})
		r.Dropped += rn.Summary.Dropped
		for _, s := range rn.Samples {
			all = append(all, s.LatencyMs)
			if s.Status >= 200 && s.Status < 300 {
				ok = append(ok, s.LatencyMs)
			} else {
				r.ErrorsByStatus[strconv.Itoa(s.Status)]++
			}
		}
		samples = append(samples, rn.Samples...)
	}
	r.Sent = int64(len(all))
	r.OK = int64(len(ok))
	for _, n := range r.ErrorsByStatus {
		r.Errors += n
	}
	r.AchievedRate = float64(r.OK) / p.DurationS
	r.Latency = summarize(all)
	r.Accepted = summarize(ok)
	r.Timeline = windows(samples)
	// The harness's verdict (judge in bench/src/stats.ts).
	if r.Errors > 0 {
		codes, _ := json.Marshal(r.ErrorsByStatus)
		r.Reasons = append(r.Reasons, fmt.Sprintf("%d errors %s", r.Errors, codes))
	}
	if r.Dropped > 0 {
		r.Reasons = append(r.Reasons, fmt.Sprintf("%d dropped", r.Dropped))
	}
	if r.Latency.P99 == nil || *r.Latency.P99 > p.SloP99Ms {
		p99 := "none"
		if r.Latency.P99 != nil {
			p99 = fmt.Sprintf("%.0f ms", *r.Latency.P99)
		}
		r.Reasons = append(r.Reasons, fmt.Sprintf("p99 %s > SLO %.0f ms", p99, p.SloP99Ms))
	}
	r.Pass = len(r.Reasons) == 0
	return r, nil
}

// consistent: a runner's summary and its CSV describe the same requests.
func consistent(rn Runner) error {
	if int64(len(rn.Samples)) != rn.Summary.Requests {
		return fmt.Errorf("runner %s: its summary counts %d requests, its CSV has %d samples (a truncated or foreign file?)",
			rn.Name, rn.Summary.Requests, len(rn.Samples))
	}
	if len(rn.Summary.StatusCodes) == 0 {
		return nil // a summary without bench/k6/lib/statuses.js' counters: nothing more to compare
	}
	csvCounts := map[string]int64{}
	for _, s := range rn.Samples {
		csvCounts[strconv.Itoa(s.Status)]++
	}
	var named int64
	for _, code := range slices.Sorted(maps.Keys(rn.Summary.StatusCodes)) {
		if code == "other" {
			continue
		}
		named += csvCounts[code]
		if csvCounts[code] != rn.Summary.StatusCodes[code] {
			return fmt.Errorf("runner %s: its summary counts %d answers with status %s, its CSV %d", rn.Name, rn.Summary.StatusCodes[code], code, csvCounts[code])
		}
	}
	if other := int64(len(rn.Samples)) - named; other != rn.Summary.StatusCodes["other"] {
		return fmt.Errorf("runner %s: its summary counts %d answers with other statuses, its CSV %d", rn.Name, rn.Summary.StatusCodes["other"], other)
	}
	return nil
}

func windows(samples []Sample) []Window {
	if len(samples) == 0 {
		return []Window{}
	}
	t0 := samples[0].AtMs
	for _, s := range samples {
		t0 = min(t0, s.AtMs)
	}
	buckets := map[int][]Sample{}
	last := 0
	for _, s := range samples {
		k := int((s.AtMs - t0) / 1000)
		buckets[k] = append(buckets[k], s)
		last = max(last, k)
	}
	out := make([]Window, 0, last+1)
	for k := 0; k <= last; k++ {
		w := Window{S: float64(k)}
		var lat []float64
		for _, s := range buckets[k] {
			w.Sent++
			if s.Status >= 200 && s.Status < 300 {
				w.OK++
			}
			lat = append(lat, s.LatencyMs)
		}
		w.Failed = w.Sent - w.OK
		slices.Sort(lat)
		if v, ok := Percentile(lat, 99); ok {
			w.P99 = &v
		}
		out = append(out, w)
	}
	return out
}

// Table is a short human summary of a result.
func (r *Result) Table() string {
	f := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "target %s, %d runners, offered %.1f req/s for %.0f s (%d expected)\n",
		r.Params.Target, len(r.Runners), r.Params.OfferedRate, r.Params.DurationS, r.Expected)
	fmt.Fprintf(&b, "sent %d, dropped %d, ok %d (%.1f req/s), errors %d %v\n", r.Sent, r.Dropped, r.OK, r.AchievedRate, r.Errors, r.ErrorsByStatus)
	fmt.Fprintf(&b, "latency ms, all requests: p50 %s  p90 %s  p99 %s  max %s  mean %s\n",
		f(r.Latency.P50), f(r.Latency.P90), f(r.Latency.P99), f(r.Latency.Max), f(r.Latency.Mean))
	fmt.Fprintf(&b, "latency ms, 2xx only:     p50 %s  p90 %s  p99 %s\n", f(r.Accepted.P50), f(r.Accepted.P90), f(r.Accepted.P99))
	verdict := "within the SLO"
	if !r.Pass {
		verdict = "over capacity: " + strings.Join(r.Reasons, "; ")
	}
	fmt.Fprintf(&b, "verdict: %s\n", verdict)
	return b.String()
}
