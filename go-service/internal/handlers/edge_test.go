package handlers

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/testkit"
)

// Step 1 and 2 of the edge policy (contract README, "Edge policy"), seen by
// clients on real connections of a service run as main runs it.

// edgeOptions shorten the edge's fixed bounds for a test.
type edgeOptions struct {
	headersTimeout time.Duration // EDGE_LIMITS.headersTimeoutMs; 0: the contract's 10 s
	idleTimeout    time.Duration // between requests; 0: the service's
}

type testService struct {
	*httptest.Server
	svc  *Service
	logs *testkit.SyncBuffer
}

// edgeServer runs a service with the default config plus env as main does:
// its HTTPServer on its Listener.
func edgeServer(t testing.TB, env map[string]string, o edgeOptions) *testService {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	svc := New(Deps{Config: cfg, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if o.headersTimeout > 0 {
		svc.s.headersTimeout = o.headersTimeout
	}
	ts := httptest.NewUnstartedServer(svc)
	ts.Config = svc.HTTPServer()
	if o.idleTimeout > 0 {
		ts.Config.IdleTimeout = o.idleTimeout
	}
	ts.Listener = svc.Listener(ts.Listener)
	ts.Start()
	t.Cleanup(ts.Close)
	return &testService{Server: ts, svc: svc, logs: logs}
}

// exchange writes raw on a new connection and reads one answer, then how
// the connection ended (io.EOF: an orderly close).
func exchange(t *testing.T, ts *httptest.Server, raw string) (*http.Response, []byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("answer cut short: %v", err)
	}
	end := io.EOF
	if _, err := io.Copy(io.Discard, br); err != nil {
		end = err
	}
	return res, body, end
}

// problemDetail is the detail of a problem+json body.
func problemDetail(t *testing.T, body []byte) string {
	t.Helper()
	var p struct{ Detail string }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem %q: %v", body, err)
	}
	return p.Detail
}

// TestParserAnswersAreContractAnswers: what net/http's parser refuses, and
// what it lets through that the contract refuses at the edge, is answered
// with problem+json: a new request id, Connection: close, an orderly end.
func TestParserAnswersAreContractAnswers(t *testing.T) {
	ts := edgeServer(t, nil, edgeOptions{})
	big := strings.Repeat("a", 20_000)
	tests := []struct {
		name, raw string
		status    int
		code      string
		detail    string
	}{
		{"headers over 16 KiB", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n",
			431, "HEADERS_TOO_LARGE", "larger than 16384 bytes"},
		{"Content-Length with Transfer-Encoding", "POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n" +
			"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			400, "INVALID_REQUEST", "Content-Length together with Transfer-Encoding"},
		{"both, lower case, the other order, on another route", "GET /healthz HTTP/1.1\r\nhost: x\r\n" +
			"transfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			400, "INVALID_REQUEST", "Content-Length together with Transfer-Encoding"},
		{"both on HTTP/1.0", "POST /process HTTP/1.0\r\nContent-Type: image/jpeg\r\n" +
			"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nabcde",
			400, "INVALID_REQUEST", "Content-Length together with Transfer-Encoding"},
		{"two different Content-Length values", "POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n" +
			"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "INVALID_REQUEST", "Content-Length"},
		{"a transfer coding other than chunked", "POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n" +
			"Transfer-Encoding: gzip\r\n\r\n", 400, "INVALID_REQUEST", "transfer coding other than chunked"},
		{"chunked twice", "POST /process HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n" +
			"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "INVALID_REQUEST", "transfer coding"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "INVALID_REQUEST", "missing required Host header"},
		{"HTTP/2.0 request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 400, "INVALID_REQUEST", "unsupported protocol version"},
		{"a header line without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
			400, "INVALID_REQUEST", "not valid HTTP/1.1"},
		{"raw UTF-8 in the query", "GET /healthz?q=caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
			400, "INVALID_REQUEST", "the request target has raw non-ASCII or control bytes"},
		{"raw UTF-8 in the path", "POST /proc\xc3\xa9ss HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
			400, "INVALID_REQUEST", "the request target has raw non-ASCII or control bytes"},
		{"a control byte in the target", "GET /healthz?q=a\x01b HTTP/1.1\r\nHost: x\r\n\r\n",
			400, "INVALID_REQUEST", "control bytes in the request target"},
		{"DEL in the target", "GET /healthz?q=a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n",
			400, "INVALID_REQUEST", "control bytes in the request target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := strings.Replace(tt.raw, "\r\n\r\n", "\r\nX-Request-Id: client-id\r\n\r\n", 1)
			res, body, end := exchange(t, ts.Server, raw)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			checkProblem(t, res, body, tt.code, tt.detail)
			if id := res.Header.Get("X-Request-Id"); id == "client-id" {
				t.Error("the client's request id was echoed; an edge answer has a new one")
			}
			if !res.Close || res.Header.Get("Location") != "" {
				t.Errorf("Connection: close %v, Location %q", res.Close, res.Header.Get("Location"))
			}
			if end != io.EOF {
				t.Errorf("the connection ended with %v, want an orderly end", end)
			}
		})
	}

	// Each is logged and counted, with method UNKNOWN and route unmatched.
	counted := map[string]float64{}
	for _, tt := range tests {
		counted[fmt.Sprintf(`http_requests_total{method="UNKNOWN",route="unmatched",status="%d"}`, tt.status)]++
		counted[`image_rejected_total{code="`+tt.code+`"}`]++
	}
	for series, want := range counted {
		if got := metric(t, ts.Server, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	logged := 0
	for line := range strings.Lines(ts.logs.String()) {
		var l struct{ Msg, Method, Code, RequestID string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "request" && l.Method == "UNKNOWN" &&
			l.Code != "" && requestIDPattern.MatchString(l.RequestID) {
			logged++
		}
	}
	if logged != len(tests) {
		t.Errorf("%d request lines with method UNKNOWN, want %d:\n%s", logged, len(tests), ts.logs.String())
	}
}

// padHead is a GET /healthz head of exactly n bytes, CRLFs included.
func padHead(t *testing.T, n int) string {
	t.Helper()
	const start, end = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ", "\r\n\r\n"
	if n < len(start)+len(end) {
		t.Fatalf("a head of %d bytes is too short", n)
	}
	return start + strings.Repeat("p", n-len(start)-len(end)) + end
}

// TestHeaderLimitIsExact: 16384 bytes of request line and headers are
// served, one more is 431, on a new connection and after a pipelined
// request (whose read ahead net/http does not count).
func TestHeaderLimitIsExact(t *testing.T) {
	ts := edgeServer(t, nil, edgeOptions{})
	small := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tt := range []struct {
		name     string
		requests []string
		statuses []int
	}{
		{"16384 bytes", []string{padHead(t, MaxHeaderBytes)}, []int{200}},
		{"16385 bytes", []string{padHead(t, MaxHeaderBytes+1)}, []int{431}},
		{"16384 bytes pipelined", []string{small, padHead(t, MaxHeaderBytes)}, []int{200, 200}},
		{"16385 bytes pipelined", []string{small, padHead(t, MaxHeaderBytes+1)}, []int{200, 431}},
		{"20000 bytes pipelined", []string{small, padHead(t, 20000)}, []int{200, 431}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			// All at once: the second head is partly read ahead with the first.
			if _, err := io.WriteString(conn, strings.Join(tt.requests, "")); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			for i, want := range tt.statuses {
				res, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				body, _ := io.ReadAll(res.Body)
				if res.StatusCode != want {
					t.Fatalf("answer %d: status %d, want %d: %s", i, res.StatusCode, want, body)
				}
				if want == 431 {
					checkProblem(t, res, body, "HEADERS_TOO_LARGE", "16384")
				}
			}
		})
	}
}

// TestHeadersTimeout: headers that began and do not end within the header
// timeout get 408 HEADERS_TIMEOUT, on a new connection and on a kept-alive
// one; a connection with no byte of a request closes without an answer.
func TestHeadersTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ts := edgeServer(t, nil, edgeOptions{headersTimeout: timeout, idleTimeout: 600 * time.Millisecond})
	dial := func(t *testing.T) (net.Conn, *bufio.Reader) {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		return conn, bufio.NewReader(conn)
	}
	late := func(t *testing.T, br *bufio.Reader, began time.Time) {
		t.Helper()
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		answered := time.Since(began)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 408 || !res.Close {
			t.Fatalf("status %d, Connection: close %v: %s", res.StatusCode, res.Close, body)
		}
		checkProblem(t, res, body, "HEADERS_TIMEOUT", "300 ms")
		if answered < timeout-50*time.Millisecond || answered > timeout+time.Second {
			t.Errorf("answered %v after the first byte, want about %v", answered, timeout)
		}
		if _, err := io.Copy(io.Discard, br); err != nil {
			t.Errorf("the connection ended with %v, want an orderly end", err)
		}
	}

	t.Run("trickled headers on a new connection", func(t *testing.T) {
		conn, br := dial(t)
		began := time.Now()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		stop := make(chan struct{})
		defer close(stop)
		go func() { // a header line every 50 ms: never idle, never done
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if _, err := io.WriteString(conn, "X-Slow: 1\r\n"); err != nil {
						return
					}
				}
			}
		}()
		late(t, br, began)
	})

	t.Run("a new request begun on a kept-alive connection", func(t *testing.T) {
		conn, br := dial(t)
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("first request: %v %v", res, err)
		}
		io.Copy(io.Discard, res.Body)
		began := time.Now()
		io.WriteString(conn, "GE") // fewer bytes than net/http peeks for
		late(t, br, began)
	})

	t.Run("no byte on a new connection", func(t *testing.T) {
		_, br := dial(t)
		began := time.Now()
		if n, err := io.Copy(io.Discard, br); n != 0 || err != nil {
			t.Fatalf("read %d bytes, %v; want a silent close", n, err)
		}
		if d := time.Since(began); d < timeout-50*time.Millisecond || d > timeout+time.Second {
			t.Errorf("closed after %v, want about %v", d, timeout)
		}
	})

	t.Run("no byte on a kept-alive connection", func(t *testing.T) {
		conn, br := dial(t)
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("first request: %v %v", res, err)
		}
		io.Copy(io.Discard, res.Body)
		idle := time.Now()
		if n, err := io.Copy(io.Discard, br); n != 0 || err != nil {
			t.Fatalf("read %d bytes, %v; want a silent close", n, err)
		}
		if d := time.Since(idle); d < 550*time.Millisecond {
			t.Errorf("closed after %v: the idle timeout (600 ms), not the header timeout, closes it", d)
		}
	})

	if got := metric(t, ts.Server, `http_requests_total{method="UNKNOWN",route="unmatched",status="408"}`); got != 2 {
		t.Errorf("408 counted %v times, want 2", got)
	}
	if got := metric(t, ts.Server, `image_rejected_total{code="HEADERS_TIMEOUT"}`); got != 2 {
		t.Errorf("HEADERS_TIMEOUT counted %v times, want 2", got)
	}
}

// TestNoRedirects: a path is compared as sent; what is not exactly a route
// is 404, never a redirect.
func TestNoRedirects(t *testing.T) {
	ts := edgeServer(t, nil, edgeOptions{})
	for _, target := range []string{
		"//process", "/a/../healthz", "/./info", "/process/", "/healthz/", "/healthz/.",
		"/proc%65ss", "/HEALTHZ", "/healthz;x", "*",
	} {
		t.Run(target, func(t *testing.T) {
			for _, method := range []string{"GET", "POST", "OPTIONS"} {
				res, body, _ := exchange(t, ts.Server, method+" "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				if res.StatusCode != 404 || res.Header.Get("Location") != "" {
					t.Fatalf("%s: status %d, Location %q", method, res.StatusCode, res.Header.Get("Location"))
				}
				checkProblem(t, res, body, "NOT_FOUND", "")
			}
		})
	}
	t.Run("a body to a path that is not a route", func(t *testing.T) {
		res, body, end := exchange(t, ts.Server, "POST //process HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"+
			"Content-Length: 5\r\n\r\nabcde")
		if res.StatusCode != 404 || end != io.EOF {
			t.Fatalf("status %d, end %v", res.StatusCode, end)
		}
		checkProblem(t, res, body, "NOT_FOUND", "//process")
	})
	t.Run("absolute form", func(t *testing.T) {
		res, _, _ := exchange(t, ts.Server, "GET http://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if res.StatusCode != 200 {
			t.Errorf("GET http://x/healthz: status %d", res.StatusCode)
		}
		res, _, _ = exchange(t, ts.Server, "GET http://x//healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if res.StatusCode != 404 {
			t.Errorf("GET http://x//healthz: status %d", res.StatusCode)
		}
	})
}

// TestPipelinedRequestsAreScanned: the scan follows each body (by length or
// chunked, trailers included) to the next head, so Content-Length with
// Transfer-Encoding is found in a pipelined request, and header-like lines
// in a body are never taken for headers.
func TestPipelinedRequestsAreScanned(t *testing.T) {
	ts := edgeServer(t, nil, edgeOptions{})
	const get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	const both = "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	lookalike := "\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name     string
		raw      string
		statuses []int
	}{
		{"after a chunked body with a trailer", "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n" + both, []int{200, 400}},
		{"after a body by length", fmt.Sprintf("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(lookalike), lookalike) +
			both, []int{200, 400}},
		{"header lines in a body by length", fmt.Sprintf("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s",
			len(lookalike), lookalike) + get, []int{200, 200}},
		{"header lines in chunk data", fmt.Sprintf("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"%x\r\n%s\r\n0\r\n\r\n", len(lookalike), lookalike) + get, []int{200, 200}},
		{"after empty lines that follow a POST", "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n\r\n" + both,
			[]int{404, 400}},
		{"three in a row", get + get + both, []int{200, 200, 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Sent at once and byte by byte: the scan must not depend on how
			// the bytes arrive.
			for _, pieces := range []int{len(tt.raw), 1} {
				conn, err := net.Dial("tcp", ts.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				go func() {
					for raw := tt.raw; len(raw) > 0; {
						n := min(pieces, len(raw))
						if _, err := io.WriteString(conn, raw[:n]); err != nil {
							return
						}
						raw = raw[n:]
					}
				}()
				br := bufio.NewReader(conn)
				for i, want := range tt.statuses {
					res, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("pieces of %d: answer %d: %v", pieces, i, err)
					}
					body, _ := io.ReadAll(res.Body)
					if res.StatusCode != want {
						t.Fatalf("pieces of %d: answer %d: status %d, want %d: %s", pieces, i, res.StatusCode, want, body)
					}
					if want == 400 {
						checkProblem(t, res, body, "INVALID_REQUEST", "Content-Length together with Transfer-Encoding")
					}
				}
				conn.Close()
			}
		})
	}
}

// TestFramingScan: the scan of one connection's bytes, fed whole and byte
// by byte: the heads it finds and where it stops.
func TestFramingScan(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		heads []requestHead // known, bytes and lengthAndChunked are compared
		lost  bool
	}{
		{"a head without a body", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			[]requestHead{{known: true, bytes: 27}}, false},
		{"bare LF line ends", "GET / HTTP/1.1\nHost: x\n\nGET / HTTP/1.1\n\n",
			[]requestHead{{known: true, bytes: 24}, {known: true, bytes: 16}}, false},
		{"a body by length, then both", "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
			"POST / HTTP/1.1\r\ncontent-length:  1 \r\nTRANSFER-ENCODING: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n" +
			"GET / HTTP/1.1\r\n\r\n",
			[]requestHead{{known: true, bytes: 38}, {known: true, bytes: 68, lengthAndChunked: true}, {known: true, bytes: 18}}, false},
		{"HTTP/1.0 ignores Transfer-Encoding", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\nGET / HTTP/1.1\r\n\r\n",
			[]requestHead{{known: true, bytes: 47}, {known: true, bytes: 18}}, false},
		{"a name only at a line's start", "GET / HTTP/1.1\r\nX-A: Content-Length: 5\r\nX-Transfer-Encoding: chunked\r\n\r\n",
			[]requestHead{{known: true, bytes: 72}}, false},
		{"equal lengths twice", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nabGET / HTTP/1.1\r\n\r\n",
			[]requestHead{{known: true, bytes: 57}, {known: true, bytes: 18}}, false},
		{"a folded Content-Length", "POST / HTTP/1.1\r\nContent-Length:\r\n 2\r\n\r\nab", nil, true},
		{"different lengths", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", nil, true},
		{"a head past the limit", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", headScanLimit) + "\r\n\r\n", nil, true},
		{"a bad chunk line", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			[]requestHead{{known: true, bytes: 47}}, true},
	}
	for _, tt := range tests {
		for _, piece := range []int{len(tt.raw), 1} {
			t.Run(fmt.Sprintf("%s/pieces of %d", tt.name, piece), func(t *testing.T) {
				var f framing
				var heads []requestHead
				for raw := tt.raw; len(raw) > 0; {
					n := min(piece, len(raw))
					f.feed([]byte(raw[:n]))
					raw = raw[n:]
					for h := f.claim(); h.known; h = f.claim() {
						heads = append(heads, requestHead{known: true, bytes: h.bytes, lengthAndChunked: h.lengthAndChunked})
					}
				}
				if fmt.Sprint(heads) != fmt.Sprint(tt.heads) {
					t.Errorf("heads %+v, want %+v", heads, tt.heads)
				}
				if lost := f.state == fLost; lost != tt.lost {
					t.Errorf("lost %v, want %v", lost, tt.lost)
				}
			})
		}
	}
}

// TestPlainRefusal: only net/http's own plain-text refusals are replaced.
func TestPlainRefusal(t *testing.T) {
	for _, tt := range []struct {
		raw    string
		status int
		ok     bool
	}{
		{"HTTP/1.1 431 Request Header Fields Too Large" + plainRefusalHeaders + "431 Request Header Fields Too Large", 431, true},
		{"HTTP/1.1 400 Bad Request: missing required Host header" + plainRefusalHeaders + "400 Bad Request: missing required Host header", 400, true},
		{"HTTP/1.1 501 Not Implemented" + plainRefusalHeaders + "Unsupported transfer encoding", 501, true},
		{"HTTP/1.1 200 OK" + plainRefusalHeaders + "ok", 0, false},
		{"HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n{}", 0, false},
		{"HTTP/1.1 400 Bad\r\nX: y" + plainRefusalHeaders, 0, false},
		{"HTTP/1.1 100 Continue\r\n\r\n", 0, false},
	} {
		status, _, ok := plainRefusal([]byte(tt.raw))
		if status != tt.status || ok != tt.ok {
			t.Errorf("plainRefusal(%.40q) = %d %v, want %d %v", tt.raw, status, ok, tt.status, tt.ok)
		}
	}
}
