package merge

import (
	"compress/gzip"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fixtureDir copies testdata's runners to a folder as the runners leave them: runner 1's CSV gzipped (what the
// TestRun writes), runner 2's plain (what LoadDir also takes).
func fixtureDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"rtip-load-go-1-x7k2p", "rtip-load-go-2-q9m4d"} {
		sum, err := os.ReadFile(filepath.Join("testdata", name+SummarySuffix))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+SummarySuffix), sum, 0o644); err != nil {
			t.Fatal(err)
		}
		csv, err := os.ReadFile(filepath.Join("testdata", name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, "-1-x7k2p") {
			f, err := os.Create(filepath.Join(dir, name+CSVSuffix))
			if err != nil {
				t.Fatal(err)
			}
			gz := gzip.NewWriter(f)
			if _, err := gz.Write(csv); err != nil {
				t.Fatal(err)
			}
			if err := gz.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(filepath.Join(dir, name+".csv"), csv, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var fixtureParams = Params{Target: "go", OfferedRate: 5, DurationS: 2, SloP99Ms: 500, Parallelism: 2}

func ms(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func TestMergeOfTwoRunnersByHand(t *testing.T) {
	runners, err := LoadDir(fixtureDir(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Merge(runners, fixtureParams)
	if err != nil {
		t.Fatal(err)
	}
	// Counts are sums: 4 + 5 sent, 0 + 1 dropped, 4 + 3 ok, a 503 and a timeout.
	if r.Expected != 10 || r.Sent != 9 || r.Dropped != 1 || r.OK != 7 || r.Errors != 2 {
		t.Fatalf("expected/sent/dropped/ok/errors %d/%d/%d/%d/%d, want 10/9/1/7/2", r.Expected, r.Sent, r.Dropped, r.OK, r.Errors)
	}
	if !reflect.DeepEqual(r.ErrorsByStatus, map[string]int64{"0": 1, "503": 1}) {
		t.Fatalf("errors by status %v", r.ErrorsByStatus)
	}
	if r.AchievedRate != 3.5 {
		t.Fatalf("achieved %v req/s, want 7 ok / 2 s", r.AchievedRate)
	}
	// All 9 latencies sorted: 10 15 20 25 30 35 40 45 10000. Nearest rank: p50 = 5th = 30, p90 = 9th, p99 = 9th.
	if l := r.Latency; l.Count != 9 || ms(l.P50) != 30 || ms(l.P90) != 10000 || ms(l.P99) != 10000 || ms(l.Max) != 10000 ||
		math.Abs(ms(l.Mean)-10220.0/9) > 1e-9 {
		t.Fatalf("latency %+v", fmtLatency(l))
	}
	// 2xx only: 10 15 20 25 30 40 45: p50 = 4th = 25, p90 = p99 = 7th = 45.
	if a := r.Accepted; a.Count != 7 || ms(a.P50) != 25 || ms(a.P90) != 45 || ms(a.P99) != 45 {
		t.Fatalf("accepted %+v", fmtLatency(a))
	}
	// One-second windows over both runners' clocks: 7 requests (2 failed) then 2.
	if len(r.Timeline) != 2 || r.Timeline[0].Sent != 7 || r.Timeline[0].Failed != 2 || ms(r.Timeline[0].P99) != 10000 ||
		r.Timeline[1].Sent != 2 || r.Timeline[1].OK != 2 || ms(r.Timeline[1].P99) != 45 {
		t.Fatalf("timeline %+v", r.Timeline)
	}
	if r.Pass || !reflect.DeepEqual(r.Reasons, []string{`2 errors {"0":1,"503":1}`, "1 dropped", "p99 10000 ms > SLO 500 ms"}) {
		t.Fatalf("verdict %v %q", r.Pass, r.Reasons)
	}
	// The runners' own p99s are kept, not merged: averaging them (4820.95) would report neither runner's truth
	// nor the run's (10000).
	var p99s []float64
	for _, rr := range r.Runners {
		p99s = append(p99s, ms(rr.K6P99Ms))
	}
	if !reflect.DeepEqual(p99s, []float64{39.7, 9602.2}) {
		t.Fatalf("runner p99s %v", p99s)
	}
	if !strings.Contains(r.Table(), "p50 30.0  p90 10000.0  p99 10000.0") || r.Method != Method {
		t.Fatalf("table:\n%s", r.Table())
	}
}

func fmtLatency(l Latency) map[string]float64 {
	return map[string]float64{"count": float64(l.Count), "mean": ms(l.Mean), "p50": ms(l.P50), "p90": ms(l.P90), "p99": ms(l.P99), "max": ms(l.Max)}
}

// Exactness against brute force on many samples, and why summaries could not be combined: a fast and a slow
// runner (e.g. one whose requests landed on a cold pod) have p99s whose mean and maximum both miss the run's p99.
func TestMergeIsExactWherePercentilesOfPartsAreNot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	mk := func(name string, n int, base, spread float64) Runner {
		r := Runner{Name: name, Summary: Summary{Requests: int64(n)}}
		for i := range n {
			r.Samples = append(r.Samples, Sample{AtMs: 1e12 + float64(i)*10, LatencyMs: base + rng.Float64()*spread, Status: 200})
		}
		return r
	}
	fast, slow := mk("fast", 9000, 20, 10), mk("slow", 1000, 200, 1800)
	r, err := Merge([]Runner{fast, slow}, Params{OfferedRate: 100, DurationS: 100, SloP99Ms: 500, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	var all []float64
	for _, rn := range []Runner{fast, slow} {
		for _, s := range rn.Samples {
			all = append(all, s.LatencyMs)
		}
	}
	slices.Sort(all)
	for _, q := range []struct {
		p   float64
		got *float64
	}{{50, r.Latency.P50}, {90, r.Latency.P90}, {99, r.Latency.P99}} {
		rank := int(math.Ceil(q.p / 100 * float64(len(all))))
		if ms(q.got) != all[rank-1] {
			t.Fatalf("p%v = %v, brute force %v", q.p, ms(q.got), all[rank-1])
		}
	}
	p99 := func(rn Runner) float64 {
		var v []float64
		for _, s := range rn.Samples {
			v = append(v, s.LatencyMs)
		}
		slices.Sort(v)
		x, _ := Percentile(v, 99)
		return x
	}
	mean, maxOf := (p99(fast)+p99(slow))/2, math.Max(p99(fast), p99(slow))
	if got := ms(r.Latency.P99); math.Abs(got-mean) < 50 || math.Abs(got-maxOf) < 50 {
		t.Fatalf("p99 %v should be far from both the mean (%v) and the max (%v) of the runners' p99s", got, mean, maxOf)
	}
}

func TestMergeRefusesInconsistentInput(t *testing.T) {
	load := func(t *testing.T) []Runner {
		runners, err := LoadDir(fixtureDir(t))
		if err != nil {
			t.Fatal(err)
		}
		return runners
	}
	cases := []struct {
		name, want string
		mutate     func(rs []Runner) ([]Runner, Params)
	}{
		{"a truncated CSV", "its summary counts 5 requests, its CSV has 4 samples", func(rs []Runner) ([]Runner, Params) {
			rs[1].Samples = rs[1].Samples[:4]
			return rs, fixtureParams
		}},
		{"statuses that disagree", "its summary counts 1 answers with status 503, its CSV 0", func(rs []Runner) ([]Runner, Params) {
			rs[1].Samples[2].Status = 502
			return rs, fixtureParams
		}},
		{"a runner missing", "1 of 2 runners left results", func(rs []Runner) ([]Runner, Params) {
			return rs[:1], fixtureParams
		}},
		{"no duration", "must be positive", func(rs []Runner) ([]Runner, Params) {
			p := fixtureParams
			p.DurationS = 0
			return rs, p
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, p := tc.mutate(load(t))
			if _, err := Merge(rs, p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func TestLoadDirNamesWhatIsMissing(t *testing.T) {
	dir := fixtureDir(t)
	if err := os.Remove(filepath.Join(dir, "rtip-load-go-1-x7k2p"+CSVSuffix)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "runner rtip-load-go-1-x7k2p wrote a summary but no rtip-load-go-1-x7k2p.csv.gz") {
		t.Fatalf("got %v", err)
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no *.summary.json") {
		t.Fatalf("got %v", err)
	}
}

func TestParseCSVTakesSecondsToo(t *testing.T) {
	csv := "metric_name,timestamp,metric_value,status\nhttp_req_duration,1764445000,12.5,200\nhttp_reqs,1764445000,1,200\n"
	s, err := ParseCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s[0].AtMs != 1764445000000 || s[0].LatencyMs != 12.5 || s[0].Status != 200 {
		t.Fatalf("%+v", s)
	}
	if _, err := ParseCSV(strings.NewReader("metric_name,timestamp\n")); err == nil || !strings.Contains(err.Error(), "no metric_value column") {
		t.Fatalf("got %v", err)
	}
}
