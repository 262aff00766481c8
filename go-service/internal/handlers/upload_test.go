package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtip/go-service/internal/admission"
	"github.com/rtip/go-service/internal/config"
)

// POST /process from step 4 of the edge policy on (contract README, "Edge
// policy"): the order of the checks, the upload budget, the upload deadline,
// admission after the body, the parts of a multipart body.

// countingReader counts what the handler read of a request body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestOrderOfChecks: when several checks would fail, the first of the
// README's order answers; the body is not read before step 7, and admission
// comes after it.
func TestOrderOfChecks(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"MAX_UPLOAD_BYTES": "1000", "CONCURRENCY": "1", "QUEUE_DEPTH": "0"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	draining := false
	adm := admission.New(1, 0)
	svc := New(Deps{Config: cfg, Draining: func() bool { return draining }, Admission: adm})
	img := tinySeeds(t)[0] // a 12×7 PNG
	notImage := []byte("not an image at all")
	type held struct{ draining, budget, queue bool }
	tests := []struct {
		name        string
		query, ct   string
		declared    int64 // Content-Length; 0: the body's
		body        []byte
		held        held
		status      int
		code        string
		detail      string
		bodyRead    bool
		shedCounted string
	}{
		{"options before the content type", "width=0", "text/plain", 5000, notImage, held{true, true, true},
			400, "INVALID_OPTION", "width", false, ""},
		{"the content type before the length", "", "text/plain", 5000, notImage, held{true, true, true},
			415, "UNSUPPORTED_MEDIA_TYPE", "text/plain", false, ""},
		{"the boundary before the length", "", "multipart/form-data", 5000, notImage, held{true, true, true},
			400, "INVALID_REQUEST", "boundary", false, ""},
		{"the length before draining", "", "image/png", 5000, notImage, held{true, true, true},
			413, "PAYLOAD_TOO_LARGE", "1000", false, ""},
		{"draining before the budget", "", "image/png", 0, notImage, held{true, true, true},
			503, "OVERLOADED", "shutting down", false, "draining"},
		{"the budget before the body", "", "image/png", 0, notImage, held{false, true, true},
			503, "OVERLOADED", "the upload memory budget is in use; retry after 1 second", false, "upload_budget"},
		{"the magic bytes before admission", "", "image/png", 0, notImage, held{false, false, true},
			415, "UNSUPPORTED_MEDIA_TYPE", "not JPEG", true, ""},
		{"an empty body before admission", "", "image/png", 0, []byte{}, held{false, false, true},
			400, "MISSING_IMAGE", "empty", false, ""},
		{"admission after the body", "", "image/png", 0, img, held{false, false, true},
			503, "OVERLOADED", "at capacity", true, "queue_full"},
		{"nothing held", "width=5", "image/png", 0, img, held{}, 200, "", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draining = tt.held.draining
			if tt.held.budget {
				all, ok := svc.s.uploads.Reserve(svc.s.uploads.Limit())
				if !ok {
					t.Fatal("the budget is not free")
				}
				defer all.Release()
			}
			if tt.held.queue {
				ticket, err := adm.Enter()
				if err != nil {
					t.Fatal(err)
				}
				defer ticket.Release()
			}
			body := &countingReader{r: bytes.NewReader(tt.body)}
			r := httptest.NewRequest("POST", "/process?"+tt.query, body)
			r.ContentLength = int64(len(tt.body))
			if tt.declared != 0 {
				r.ContentLength = tt.declared
			}
			r.Header.Set("Content-Type", tt.ct)
			res, b := do(t, svc, r)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, b)
			}
			if tt.code != "" {
				checkProblem(t, res, b, tt.code, tt.detail)
			}
			if tt.status == 503 && res.Header.Get("Retry-After") != "1" {
				t.Errorf("503 with Retry-After %q", res.Header.Get("Retry-After"))
			}
			if read := body.n > 0; read != tt.bodyRead {
				t.Errorf("read %d body bytes; want the body read: %v", body.n, tt.bodyRead)
			}
		})
	}
	draining = false
	_, b := do(t, svc, httptest.NewRequest("GET", "/metrics", nil))
	for _, reason := range []string{"draining", "upload_budget", "queue_full"} {
		if want := fmt.Sprintf(`image_shed_total{reason="%s"} 1`, reason); !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(string(b), "image_upload_reserved_bytes 0") || !strings.Contains(string(b), "image_uploading 0") {
		t.Errorf("upload gauges not back to 0:\n%s", b)
	}
}

// TestUploadBudget: on a real connection, a declared body that does not fit
// in what is left of the budget is refused before it is sent, a chunked one
// as soon as it outgrows it; a body that fits is served meanwhile, and every
// reservation is given back.
func TestUploadBudget(t *testing.T) {
	const limit, budget = 65536, 100000
	ts := edgeServer(t, map[string]string{
		"MAX_UPLOAD_BYTES": fmt.Sprint(limit), "MAX_INFLIGHT_UPLOAD_BYTES": fmt.Sprint(budget),
	}, edgeOptions{})
	reserved := "image_upload_reserved_bytes"

	// A holder: declares the largest body, sends 1000 bytes of it, waits.
	stop := make(chan struct{})
	holder := send(t, ts.Server, head("POST", "/process", "image/jpeg", length(limit)), make([]byte, limit), false, 1000, time.Hour, stop)
	waitMetric(t, ts.Server, reserved, limit)
	waitMetric(t, ts.Server, "image_uploading", 1)

	t.Run("declared", func(t *testing.T) {
		rr := send(t, ts.Server, head("POST", "/process", "image/jpeg", length(budget-limit+1)), nil, false, 0, 0, nil)
		res, body := rr.answer(t) // the head only was sent: the answer comes before the body
		if res.StatusCode != 503 || res.Header.Get("Retry-After") != "1" || !res.Close {
			t.Fatalf("status %d, Retry-After %q, Connection: close %v", res.StatusCode, res.Header.Get("Retry-After"), res.Close)
		}
		checkProblem(t, res, body, "OVERLOADED", "the upload memory budget is in use; retry after 1 second")
	})

	t.Run("chunked", func(t *testing.T) {
		rr := send(t, ts.Server, head("POST", "/process", "image/jpeg", chunkedFraming), make([]byte, budget), true, 4096, 0, nil)
		res, body := rr.answer(t)
		if res.StatusCode != 503 || !res.Close {
			t.Fatalf("status %d, Connection: close %v: %s", res.StatusCode, res.Close, body)
		}
		checkProblem(t, res, body, "OVERLOADED", "upload memory budget")
		if err := <-rr.written; err != nil {
			t.Fatalf("the service stopped reading the body: %v", err)
		}
		if err := rr.end(); err != io.EOF {
			t.Fatalf("ended with %v, want an orderly end", err)
		}
	})

	t.Run("a body that fits", func(t *testing.T) {
		res, err := http.Post(ts.URL+"/process?width=5", "image/png", bytes.NewReader(tinySeeds(t)[0]))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
	})

	waitMetric(t, ts.Server, reserved, limit) // the holder's alone again
	if got := metric(t, ts.Server, `image_shed_total{reason="upload_budget"}`); got != 2 {
		t.Errorf("upload_budget sheds = %v, want 2", got)
	}
	close(stop)
	holder.conn.Close()
	waitMetric(t, ts.Server, reserved, 0)
	waitMetric(t, ts.Server, "image_uploading", 0)
}

// TestUploadTimeout: a body not complete UPLOAD_TIMEOUT_MS after its
// headers is answered 408 UPLOAD_TIMEOUT at once, with its length or
// chunked, and the connection lingers and closes; nothing stays held.
func TestUploadTimeout(t *testing.T) {
	const uploadTimeout, lingerTotal = 300 * time.Millisecond, time.Second
	ts := edgeServer(t, map[string]string{
		"UPLOAD_TIMEOUT_MS": "300", "LINGER_IDLE_MS": "200", "LINGER_TIMEOUT_MS": "1000",
	}, edgeOptions{})
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked %v", chunked), func(t *testing.T) {
			framing := length(100_000)
			if chunked {
				framing = chunkedFraming
			}
			stop := make(chan struct{})
			defer close(stop)
			began := time.Now()
			// 1 KiB every 50 ms: never idle, done after 5 s.
			rr := send(t, ts.Server, head("POST", "/process", "image/jpeg", framing), make([]byte, 100_000), chunked, 1024, 50*time.Millisecond, stop)
			res, body := rr.answer(t)
			answered := time.Since(began)
			if res.StatusCode != 408 || !res.Close {
				t.Fatalf("status %d, Connection: close %v: %s", res.StatusCode, res.Close, body)
			}
			checkProblem(t, res, body, "UPLOAD_TIMEOUT", "the request body did not arrive within 300 ms")
			if answered < uploadTimeout-50*time.Millisecond || answered > uploadTimeout+time.Second {
				t.Errorf("answered after %v, want about %v", answered, uploadTimeout)
			}
			// The client still sends: the lingering close reads it until its
			// total bound, then cuts (a FIN, or a reset for what comes after).
			if err := rr.end(); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("ended with %v", err)
			}
			if d := time.Since(began) - answered; d < lingerTotal-100*time.Millisecond || d > lingerTotal+time.Second {
				t.Errorf("closed %v after the answer, want about %v (LINGER_TIMEOUT_MS)", d, lingerTotal)
			}
		})
	}
	if got := metric(t, ts.Server, `image_rejected_total{code="UPLOAD_TIMEOUT"}`); got != 2 {
		t.Errorf("UPLOAD_TIMEOUT counted %v times, want 2", got)
	}
	if got := metric(t, ts.Server, closes(lingerTimedOut)); got != 2 {
		t.Errorf("timed_out lingering closes = %v, want 2", got)
	}
	for _, gauge := range []string{"image_uploading", "image_upload_reserved_bytes", "image_queued", "image_inflight", "http_lingering_connections"} {
		waitMetric(t, ts.Server, gauge, 0)
	}
}

// TestRequestTimeoutCountsFromAdmission: an upload slower than
// REQUEST_TIMEOUT_MS but within UPLOAD_TIMEOUT_MS is processed: the
// processing deadline starts once the body is in.
func TestRequestTimeoutCountsFromAdmission(t *testing.T) {
	ts := edgeServer(t, map[string]string{"REQUEST_TIMEOUT_MS": "200", "UPLOAD_TIMEOUT_MS": "10000"}, edgeOptions{})
	img := readFixture(t, "photo-small.jpg")
	began := time.Now()
	// Eight pieces 60 ms apart: about 420 ms of upload.
	rr := send(t, ts.Server, head("POST", "/process?width=40", "image/jpeg", length(len(img))), img, false, len(img)/8+1, 60*time.Millisecond, nil)
	res, body := rr.answer(t)
	if res.StatusCode != 200 {
		t.Fatalf("status %d after %v: %s", res.StatusCode, time.Since(began), body)
	}
	if d := time.Since(began); d < 400*time.Millisecond {
		t.Errorf("answered after %v: the upload was not slower than REQUEST_TIMEOUT_MS", d)
	}
}

// TestSlowUploadsHoldNoProcessingPlace: with one admission place in all,
// uploads in progress do not take it: a complete request is served.
func TestSlowUploadsHoldNoProcessingPlace(t *testing.T) {
	ts := edgeServer(t, map[string]string{"CONCURRENCY": "1", "QUEUE_DEPTH": "0"}, edgeOptions{})
	stop := make(chan struct{})
	var slow []*rawRequest
	for range 3 {
		slow = append(slow, send(t, ts.Server, head("POST", "/process", "image/jpeg", length(10_000)), make([]byte, 10_000), false, 1000, time.Hour, stop))
	}
	waitMetric(t, ts.Server, "image_uploading", 3)
	waitMetric(t, ts.Server, "image_upload_reserved_bytes", 30_000)
	for range 3 {
		res, err := http.Post(ts.URL+"/process?width=40", "image/jpeg", bytes.NewReader(readFixture(t, "photo-small.jpg")))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d while slow uploads run", res.StatusCode)
		}
	}
	if got := metric(t, ts.Server, "image_uploading"); got != 3 {
		t.Errorf("uploading = %v: the slow uploads should still be running", got)
	}
	close(stop)
	for _, rr := range slow {
		rr.conn.Close()
	}
	waitMetric(t, ts.Server, "image_uploading", 0)
	waitMetric(t, ts.Server, "image_upload_reserved_bytes", 0)
}

// rawMultipart is a multipart body of parts given as their header lines and
// content, with the boundary "b0undary".
func rawMultipart(parts ...[2]string) io.Reader {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--b0undary\r\n" + p[0] + "\r\n\r\n" + p[1] + "\r\n")
	}
	b.WriteString("--b0undary--\r\n")
	return strings.NewReader(b.String())
}

// TestMultipartParts: the part named exactly "image" by a Content-Disposition
// that parses is the image; a header that does not parse is 400.
func TestMultipartParts(t *testing.T) {
	h := newTestServer(t, nil)
	img := string(readFixture(t, "photo-small.jpg"))
	image := func(disposition string) [2]string {
		return [2]string{"Content-Disposition: " + disposition + "\r\nContent-Type: image/jpeg", img}
	}
	tests := []struct {
		name   string
		parts  [][2]string
		status int
		code   string
		detail string
	}{
		{"quoted name", [][2]string{image(`form-data; name="image"; filename="a.jpg"`)}, 200, "", ""},
		{"token name", [][2]string{image(`form-data; name=image`)}, 200, "", ""},
		{"raw UTF-8 file name", [][2]string{image("form-data; name=\"image\"; filename=\"caf\xc3\xa9.jpg\"")}, 200, "", ""},
		{"a part without Content-Disposition first", [][2]string{{"Content-Type: text/plain", "x"}, image(`form-data; name="image"`)}, 200, "", ""},
		{"quoted-printable is not decoded", [][2]string{{"Content-Disposition: form-data; name=\"image\"\r\nContent-Transfer-Encoding: quoted-printable", img}}, 200, "", ""},
		{"a malformed Content-Disposition", [][2]string{{`Content-Disposition: form-data; name="x"; filename="a"b"`, "x"}, image(`form-data; name="image"`)},
			400, "INVALID_REQUEST", "malformed multipart body: malformed Content-Disposition"},
		{"a malformed image part", [][2]string{image(`form-data; name="image`)}, 400, "INVALID_REQUEST", "malformed Content-Disposition"},
		{"two Content-Disposition headers", [][2]string{{"Content-Disposition: form-data; name=\"image\"\r\nContent-Disposition: form-data; name=\"other\"", img}},
			400, "INVALID_REQUEST", "malformed Content-Disposition"},
		{"an attachment is no form field", [][2]string{image(`attachment; name="image"`)}, 400, "MISSING_IMAGE", ""},
		{"the name is case-sensitive", [][2]string{image(`form-data; name="Image"`)}, 400, "MISSING_IMAGE", ""},
		{"two image parts", [][2]string{image(`form-data; name="image"`), image(`FORM-DATA; NAME=image`)}, 400, "INVALID_REQUEST", `more than one "image" part`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/process?width=20", rawMultipart(tt.parts...))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b0undary")
			res, body := do(t, h, r)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", res.StatusCode, tt.status, body)
			}
			if tt.code != "" {
				checkProblem(t, res, body, tt.code, tt.detail)
			}
		})
	}
}
