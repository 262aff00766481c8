package handlers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/contract"
	"github.com/rtip/go-service/internal/pipeline"
)

var serverTiming = regexp.MustCompile(`^decode;dur=[0-9.]+, transform;dur=[0-9.]+, encode;dur=[0-9.]+$`)

func do(t *testing.T, h http.Handler, r *http.Request) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result(), rec.Body.Bytes()
}

func TestEndpoints(t *testing.T) {
	draining := false
	cfg, _ := config.Load(func(k string) string { return map[string]string{"CONCURRENCY": "3", "QUEUE_DEPTH": "5"}[k] })
	h := NewServer(Deps{Config: cfg, Draining: func() bool { return draining }})
	openapiDoc, err := os.ReadFile(contractDir + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		method   string
		path     string
		draining bool
		status   int
		body     string // exact, when set
		contains string
	}{
		{"healthz", "GET", "/healthz", false, 200, `{"status":"ok"}` + "\n", ""},
		{"healthz while draining", "GET", "/healthz", true, 200, `{"status":"ok"}` + "\n", ""},
		{"readyz", "GET", "/readyz", false, 200, `{"status":"ready"}` + "\n", ""},
		{"readyz draining", "GET", "/readyz", true, 503, `{"status":"draining"}` + "\n", ""},
		{"head healthz", "HEAD", "/healthz", false, 200, "", ""},
		{"openapi", "GET", "/openapi.json", false, 200, string(openapiDoc), ""},
		{"info", "GET", "/info", false, 200, "", `"implementation":"` + pipeline.Implementation + `"`},
		{"metrics", "GET", "/metrics", false, 200, "", "image_inflight 0"},
		{"unknown path", "GET", "/nope", false, 404, "", `"code":"NOT_FOUND"`},
		{"root", "GET", "/", false, 404, "", `"code":"NOT_FOUND"`},
		{"trailing slash", "POST", "/process/", false, 404, "", `"code":"NOT_FOUND"`},
		{"delete info", "DELETE", "/info", false, 405, "", `"code":"METHOD_NOT_ALLOWED"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draining = tt.draining
			res, body := do(t, h, httptest.NewRequest(tt.method, tt.path, nil))
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if tt.body != "" && string(body) != tt.body {
				t.Errorf("body = %.200q, want %.200q", body, tt.body)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("body %.300s does not contain %s", body, tt.contains)
			}
		})
	}

	t.Run("info fields", func(t *testing.T) {
		_, body := do(t, h, httptest.NewRequest("GET", "/info", nil))
		var got info
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Version != Version || got.Runtime.Name != "go" || got.Concurrency.Concurrency != 3 ||
			got.Concurrency.QueueDepth != 5 || got.Limits.MaxUploadBytes != 26214400 ||
			got.Limits.RequestTimeoutMs != 30000 || !maps.Equal(got.Libraries, pipeline.Libraries()) ||
			got.Limits.MaxInflightUploadBytes != 4*26214400 || got.Limits.UploadTimeoutMs != 30000 {
			t.Errorf("info = %+v", got)
		}
	})

	t.Run("info has every limit the OpenAPI document requires", func(t *testing.T) {
		var doc struct {
			Components struct {
				Schemas struct {
					Info struct {
						Properties struct {
							Limits struct{ Required []string }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(openapiDoc, &doc); err != nil {
			t.Fatal(err)
		}
		_, body := do(t, h, httptest.NewRequest("GET", "/info", nil))
		var got struct{ Limits map[string]any }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		required := doc.Components.Schemas.Info.Properties.Limits.Required
		if !slices.Contains(required, "uploadTimeoutMs") || !slices.Contains(required, "maxInflightUploadBytes") {
			t.Fatalf("the document's Info.limits requires %v", required)
		}
		for _, k := range required {
			if _, ok := got.Limits[k]; !ok {
				t.Errorf("/info limits lack %s: %s", k, body)
			}
		}
	})
}

func TestMetricsAfterRequests(t *testing.T) {
	h := newTestServer(t, nil)
	body, ct := multipartBody(t, "image", 1, readFixture(t, "photo-small.jpg"))
	r := httptest.NewRequest("POST", "/process", body)
	r.Header.Set("Content-Type", ct)
	if res, b := do(t, h, r); res.StatusCode != 200 {
		t.Fatalf("process: %d %s", res.StatusCode, b)
	}
	do(t, h, httptest.NewRequest("GET", "/nope", nil))
	do(t, h, httptest.NewRequest("POST", "/process?x=1", nil))
	_, b := do(t, h, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`http_requests_total{method="POST",route="/process",status="200"} 1`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_request_duration_seconds_bucket{method="POST",route="/process",status="200",le="0.001"}`,
		`image_stage_duration_seconds_count{stage="decode"} 1`,
		`image_stage_duration_seconds_count{stage="transform"} 1`,
		`image_stage_duration_seconds_count{stage="encode"} 1`,
		`image_rejected_total{code="INVALID_OPTION"} 1`,
		`image_rejected_total{code="NOT_FOUND"} 1`,
		`image_bytes_total{direction="in"} 43386`,
		`image_bytes_total{direction="out"}`,
		"image_inflight 0", "image_queued 0", "http_lingering_connections 0",
		"image_uploading 0", "image_upload_reserved_bytes 0",
		`image_shed_total{reason="queue_full"} 0`,
		`image_shed_total{reason="upload_budget"} 0`,
		`image_shed_total{reason="draining"} 0`,
		`http_lingering_closes_total{outcome="drained"} 0`,
		`http_lingering_closes_total{outcome="timed_out"} 0`,
		`http_lingering_closes_total{outcome="capped"} 0`,
		"process_cpu_seconds_total", "process_resident_memory_bytes", "go_goroutines",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestMetricsLint: the exposition, after requests of every kind of answer,
// passes promlint (what `promtool check metrics` runs) without a problem,
// and its help texts are the contract's (packages/contract/src/metrics.ts).
func TestMetricsLint(t *testing.T) {
	ts := edgeServer(t, nil, edgeOptions{})
	body, ct := multipartBody(t, "image", 1, readFixture(t, "photo-small.jpg"))
	if res, err := http.Post(ts.URL+"/process?width=50", ct, body); err != nil || res.StatusCode != 200 {
		t.Fatalf("process: %v %v", res, err)
	}
	http.Get(ts.URL + "/nope")
	http.Post(ts.URL+"/process?width=0", "image/jpeg", strings.NewReader("x"))
	exchange(t, ts.Server, "GET /healthz HTTP/1.1\r\n\r\n") // an edge answer: no Host
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(res.Body)
	res.Body.Close()
	problems, err := promlint.New(bytes.NewReader(text)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	for _, help := range []string{
		"# HELP http_requests_total HTTP requests answered.",
		"# HELP http_request_duration_seconds Time from request to response.",
		"# HELP image_stage_duration_seconds Time spent in each image stage.",
		"# HELP image_inflight Requests holding a processing slot (decode, transform, encode).",
		"# HELP image_queued Requests with their whole body read, waiting for a processing slot.",
		"# HELP image_uploading Requests reading their body now (they hold upload budget, no processing slot).",
		"# HELP image_upload_reserved_bytes Bytes of MAX_INFLIGHT_UPLOAD_BYTES reserved by bodies being read, queued or processed.",
		"# HELP image_shed_total Requests answered 503 OVERLOADED, by reason: queue_full, upload_budget or draining.",
		"# HELP image_rejected_total Requests answered with a contract error, by code.",
		"# HELP image_bytes_total Image bytes received (in) and sent (out).",
		"# HELP http_lingering_connections Connections reading and discarding the rest of a request body after an early answer.",
		"# HELP http_lingering_closes_total Connections closed after an early answer, by outcome: drained, timed_out or capped.",
	} {
		if !strings.Contains(string(text), help+"\n") {
			t.Errorf("metrics lack %q", help)
		}
	}
	if !strings.Contains(string(text), `http_requests_total{method="UNKNOWN",route="unmatched",status="400"} 1`) {
		t.Errorf("the edge answer is not counted:\n%s", text)
	}
}

func TestRequestID(t *testing.T) {
	h := newTestServer(t, nil)
	tests := []struct {
		name, in string
		echoed   bool
	}{
		{"valid is echoed", "abc-123_X.y", true},
		{"128 chars is echoed", strings.Repeat("a", 128), true},
		{"129 chars is replaced", strings.Repeat("a", 129), false},
		{"bad characters are replaced", "a b/c", false},
		{"missing is generated", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/nope", nil)
			if tt.in != "" {
				r.Header.Set("X-Request-Id", tt.in)
			}
			res, body := do(t, h, r)
			got := res.Header.Get("X-Request-Id")
			if tt.echoed != (got == tt.in) || !requestIDPattern.MatchString(got) {
				t.Errorf("X-Request-Id = %q for %q", got, tt.in)
			}
			if !strings.Contains(string(body), `"requestId":"`+got+`"`) {
				t.Errorf("body %s lacks the request id", body)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	def := pipeline.DefaultOptions()
	tests := []struct {
		query string
		want  func(o *pipeline.Options)
		err   string // key named in the detail, "" when valid
	}{
		{"", nil, ""},
		{"grayscale=false&width=10&height=20&fit=cover&enlarge=1&rotate=270&flip=true&flop=1&format=png&quality=55",
			func(o *pipeline.Options) {
				o.Grayscale, o.Width, o.Height, o.Fit, o.Enlarge = false, 10, 20, pipeline.FitCover, true
				o.Rotate, o.Flip, o.Flop, o.Format, o.Quality = 270, true, true, pipeline.FormatPNG, 55
			}, ""},
		{"fit=fill&width=8192", func(o *pipeline.Options) { o.Fit, o.Width = pipeline.FitFill, 8192 }, ""},
		{"width=007", func(o *pipeline.Options) { o.Width = 7 }, ""},
		{"&&width=5&", func(o *pipeline.Options) { o.Width = 5 }, ""},
		{"width", nil, "width"},
		{"width=1234567890", nil, "width"},
		{"width=+5", nil, "width"},
		{"width=%205", nil, "width"},
		{"quality=abc", nil, "quality"},
		{"rotate=360", nil, "rotate"},
		{"fit=Inside", nil, "fit"},
		{"unknown=1&width=x", nil, "unknown"},
		{"width=x&unknown=1", nil, "width"},
		{"%77idth=1&width=2", nil, "width"},
		{"w%ZZ=1", nil, "w%ZZ"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, p := parseOptions(tt.query)
			if tt.err != "" {
				if p == nil || p.Code != "INVALID_OPTION" || !strings.Contains(p.Detail, `"`+tt.err+`"`) {
					t.Fatalf("problem = %v, want INVALID_OPTION naming %q", p, tt.err)
				}
				return
			}
			if p != nil {
				t.Fatalf("unexpected %v", p)
			}
			want := def
			if tt.want != nil {
				tt.want(&want)
			}
			if got != want {
				t.Errorf("options = %+v, want %+v", got, want)
			}
		})
	}
}

func TestPanicRecovery(t *testing.T) {
	var logs bytes.Buffer
	cfg, _ := config.Load(func(string) string { return "" })
	s := newServer(Deps{Config: cfg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h := s.observe(s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal state")
	})))
	res, body := do(t, h, httptest.NewRequest("POST", "/process", nil))
	if res.StatusCode != 500 {
		t.Fatalf("status %d", res.StatusCode)
	}
	checkProblem(t, res, body, "INTERNAL", "")
	if strings.Contains(string(body), "secret") || !strings.Contains(string(body), contract.InternalDetail) {
		t.Errorf("body leaks or lacks the fixed detail: %s", body)
	}
	if !strings.Contains(logs.String(), "secret internal state") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	cfg, _ := config.Load(func(string) string { return "" })
	h := NewServer(Deps{Config: cfg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	r := httptest.NewRequest("POST", "/process?width=0", strings.NewReader("x"))
	r.Header.Set("X-Request-Id", "req-1")
	do(t, h, r)
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	for _, k := range []string{"time", "level", "requestId", "method", "path", "status", "durationMs", "bytesIn", "bytesOut", "code"} {
		if _, ok := line[k]; !ok {
			t.Errorf("log line lacks %s: %s", k, logs.String())
		}
	}
	if line["requestId"] != "req-1" || line["code"] != "INVALID_OPTION" || line["status"] != float64(400) {
		t.Errorf("log line %s", logs.String())
	}
}

// TestOverload: with one slot and one queue place, a burst of 12 MP uploads
// gets only 200s and 503 OVERLOADED with Retry-After: 1; the service is
// healthy afterwards.
func TestOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("burst of 12 MP images")
	}
	ts := edgeServer(t, map[string]string{"CONCURRENCY": "1", "QUEUE_DEPTH": "1"}, edgeOptions{})
	data := readFixture(t, "photo-12mp.jpg")
	const burst = 8
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := http.Post(ts.URL+"/process", "image/jpeg", bytes.NewReader(data))
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			mu.Lock()
			counts[res.StatusCode]++
			mu.Unlock()
			if res.StatusCode == 503 {
				if res.Header.Get("Retry-After") != "1" || !bytes.Contains(body, []byte(`"code":"OVERLOADED"`)) {
					t.Errorf("503 without Retry-After: 1 or OVERLOADED: %s", body)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if counts[200] == 0 || counts[503] == 0 || counts[200]+counts[503] != burst {
		t.Fatalf("statuses %v, want only 200 and 503, some of each", counts)
	}
	t.Logf("statuses %v", counts)
	res, err := http.Post(ts.URL+"/process?width=100", "image/jpeg", bytes.NewReader(readFixture(t, "photo-small.jpg")))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after the burst: %v %v", res, err)
	}
	res.Body.Close()
}

// TestDeclaredLengthOverLimit: the answer comes before any body byte is sent.
func TestDeclaredLengthOverLimit(t *testing.T) {
	ts := edgeServer(t, map[string]string{"MAX_UPLOAD_BYTES": "65536"}, edgeOptions{})
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 100000000\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || !res.Close {
		t.Fatalf("status %d close %v, want 413 and Connection: close", res.StatusCode, res.Close)
	}
	checkProblem(t, res, body, "PAYLOAD_TOO_LARGE", "65536")
}

// TestChunkedOverLimit: a body of unknown length is cut at the limit.
func TestChunkedOverLimit(t *testing.T) {
	ts := edgeServer(t, map[string]string{"MAX_UPLOAD_BYTES": "65536"}, edgeOptions{})
	for _, mode := range []string{"raw", "multipart"} {
		t.Run(mode, func(t *testing.T) {
			var body io.Reader = io.MultiReader(bytes.NewReader(readFixture(t, "photo-hd.jpg")))
			ct := "image/jpeg"
			if mode == "multipart" {
				body, ct = multipartBody(t, "image", 1, readFixture(t, "photo-hd.jpg"))
				body = io.MultiReader(body) // hide the length: chunked
			}
			req, _ := http.NewRequest("POST", ts.URL+"/process", body)
			req.Header.Set("Content-Type", ct)
			if req.ContentLength != 0 && req.ContentLength != -1 {
				t.Fatalf("request is not chunked: %d", req.ContentLength)
			}
			// The service answers mid-upload and then reads the rest (lingering
			// close), so the client is never cut off while it sends.
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 413 {
				t.Fatalf("status %d: %s", res.StatusCode, b)
			}
			checkProblem(t, res, b, "PAYLOAD_TOO_LARGE", "")
		})
	}
}

func TestDrainingRefusesImages(t *testing.T) {
	cfg, _ := config.Load(func(string) string { return "" })
	h := NewServer(Deps{Config: cfg, Draining: func() bool { return true }})
	r := httptest.NewRequest("POST", "/process", bytes.NewReader(readFixture(t, "photo-small.jpg")))
	r.Header.Set("Content-Type", "image/jpeg")
	res, body := do(t, h, r)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	checkProblem(t, res, body, "OVERLOADED", "shutting down")
}
