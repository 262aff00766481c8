package handlers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Early answers and the lingering close after them (contract README, "Early
// answers"), seen by clients on real connections.

const lingerLimit = 64 << 10

func lingerServer(t *testing.T, env map[string]string) *httptest.Server {
	t.Helper()
	all := map[string]string{"MAX_UPLOAD_BYTES": strconv.Itoa(lingerLimit)}
	for k, v := range env {
		all[k] = v
	}
	return edgeServer(t, all, edgeOptions{}).Server
}

// metric reads one sample from /metrics; -1 when absent.
func metric(t *testing.T, ts *httptest.Server, series string) float64 {
	t.Helper()
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	return -1
}

func closes(outcome string) string {
	return `http_lingering_closes_total{outcome="` + outcome + `"}`
}

// waitMetric polls /metrics until series has value want, for at most 5 s.
func waitMetric(t *testing.T, ts *httptest.Server, series string, want float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for got := metric(t, ts, series); got != want; got = metric(t, ts, series) {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", series, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawRequest is one request on its own connection: the head at once, then
// body pieces from a goroutine, so that the test reads while it writes.
type rawRequest struct {
	conn    net.Conn
	br      *bufio.Reader
	written chan error // the writer's end: nil when the whole body went out
}

// send opens a connection and writes head, then body in pieces of piece
// bytes, pausing every between them; chunked frames each piece as a chunk
// and ends with the last chunk. stop ends the writer early (closed: stop).
func send(t *testing.T, ts *httptest.Server, head string, body []byte, chunked bool, piece int, every time.Duration, stop <-chan struct{}) *rawRequest {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	rr := &rawRequest{conn: conn, br: bufio.NewReader(conn), written: make(chan error, 1)}
	go func() {
		w := func(b []byte) error { _, err := conn.Write(b); return err }
		if err := w([]byte(head)); err != nil {
			rr.written <- err
			return
		}
		for len(body) > 0 {
			select {
			case <-stop:
				rr.written <- errors.New("stopped")
				return
			default:
			}
			n := min(piece, len(body))
			out := body[:n]
			if chunked {
				out = fmt.Appendf(nil, "%x\r\n%s\r\n", n, out)
			}
			if err := w(out); err != nil {
				rr.written <- err
				return
			}
			body = body[n:]
			if every > 0 {
				select { // the pace of a slow client
				case <-stop:
					rr.written <- errors.New("stopped")
					return
				case <-time.After(every):
				}
			}
		}
		if chunked {
			if err := w([]byte("0\r\n\r\n")); err != nil {
				rr.written <- err
				return
			}
		}
		rr.written <- nil
	}()
	return rr
}

// answer reads the whole answer.
func (rr *rawRequest) answer(t *testing.T) (*http.Response, []byte) {
	t.Helper()
	res, err := http.ReadResponse(rr.br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("answer cut short: %v", err)
	}
	return res, body
}

// end waits for the server to end the connection and reports how: io.EOF
// for an orderly close (FIN), else the error (a reset is syscall.ECONNRESET).
func (rr *rawRequest) end() error {
	_, err := io.Copy(io.Discard, rr.br)
	if err == nil {
		return io.EOF
	}
	return err
}

func head(method, target, contentType, framing string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\n%s\r\n", method, target, contentType, framing)
}

func length(n int) string { return fmt.Sprintf("Content-Length: %d\r\n", n) }

const chunkedFraming = "Transfer-Encoding: chunked\r\n"

// TestEarlyAnswerThenOrderlyEnd: a client that writes its whole body while it
// reads gets the whole early answer, then a FIN, never a reset; the service
// counts a drained lingering close and keeps serving.
func TestEarlyAnswerThenOrderlyEnd(t *testing.T) {
	ts := lingerServer(t, nil)
	big := bytes.Repeat([]byte{0xab}, 3*lingerLimit)
	form, formType := multipartBody(t, "image", 1, big)
	bigForm, _ := io.ReadAll(form)
	tests := []struct {
		name    string
		head    string
		body    []byte
		chunked bool
		status  int
		code    string
	}{
		{"413 by declared length", head("POST", "/process", "image/jpeg", length(len(big))), big, false, 413, "PAYLOAD_TOO_LARGE"},
		{"413 mid-stream", head("POST", "/process", "image/jpeg", chunkedFraming), big, true, 413, "PAYLOAD_TOO_LARGE"},
		{"413 mid-stream multipart", head("POST", "/process", formType, chunkedFraming), bigForm, true, 413, "PAYLOAD_TOO_LARGE"},
		{"415 from the content type", head("POST", "/process", "text/plain", length(len(big))), big, false, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"400 from the query", head("POST", "/process?width=0", "image/jpeg", chunkedFraming), big, true, 400, "INVALID_OPTION"},
		{"400 multipart without a boundary", head("POST", "/process", "multipart/form-data", length(len(big))), big, false, 400, "INVALID_REQUEST"},
		{"404 with a body", head("POST", "/nope", "image/jpeg", length(len(big))), big, false, 404, "NOT_FOUND"},
	}
	drained := metric(t, ts, closes(lingerDrained))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for try := range 5 {
				rr := send(t, ts, tt.head, tt.body, tt.chunked, 16<<10, 0, nil)
				res, body := rr.answer(t)
				if res.StatusCode != tt.status || !res.Close {
					t.Fatalf("try %d: status %d, Connection: close %v", try, res.StatusCode, res.Close)
				}
				checkProblem(t, res, body, tt.code, "")
				if err := <-rr.written; err != nil {
					t.Fatalf("try %d: the service stopped reading the body: %v", try, err)
				}
				if err := rr.end(); err != io.EOF {
					t.Fatalf("try %d: ended with %v, want an orderly end", try, err)
				}
				drained++
			}
		})
	}
	if got := metric(t, ts, closes(lingerDrained)); got != drained {
		t.Errorf("drained closes = %v, want %v", got, drained)
	}
	if got := metric(t, ts, "http_lingering_connections"); got != 0 {
		t.Errorf("lingering = %v after every client ended", got)
	}
	res, err := http.Post(ts.URL+"/process?width=50", "image/jpeg", bytes.NewReader(readFixture(t, "photo-small.jpg")))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after the early answers: %v %v", res, err)
	}
	res.Body.Close()
}

// TestLingerBounds: a client that stops sending is cut after LINGER_IDLE_MS,
// one that never stops after LINGER_TIMEOUT_MS; both had the answer first.
func TestLingerBounds(t *testing.T) {
	const idle, total = 150 * time.Millisecond, 600 * time.Millisecond
	ts := lingerServer(t, map[string]string{"LINGER_IDLE_MS": "150", "LINGER_TIMEOUT_MS": "600"})
	declared := head("POST", "/process", "image/jpeg", length(100*lingerLimit))

	t.Run("idle", func(t *testing.T) {
		// 4 KiB of a declared 6.4 MB body, then silence without closing.
		stop := make(chan struct{})
		rr := send(t, ts, declared, make([]byte, 100*lingerLimit), false, 4<<10, time.Hour, stop)
		defer close(stop)
		res, _ := rr.answer(t)
		answered := time.Now()
		if res.StatusCode != 413 {
			t.Fatalf("status %d", res.StatusCode)
		}
		if err := rr.end(); err != io.EOF {
			t.Fatalf("a silent client should see a FIN, got %v", err)
		}
		if d := time.Since(answered); d < idle-30*time.Millisecond || d > idle+time.Second {
			t.Errorf("cut %v after the answer, want about %v", d, idle)
		}
	})

	t.Run("total", func(t *testing.T) {
		// 1 KiB every 10 ms: never idle, never done.
		stop := make(chan struct{})
		rr := send(t, ts, declared, make([]byte, 100*lingerLimit), false, 1<<10, 10*time.Millisecond, stop)
		defer close(stop)
		res, _ := rr.answer(t)
		answered := time.Now()
		if res.StatusCode != 413 {
			t.Fatalf("status %d", res.StatusCode)
		}
		// Still sending: the cut may come as a FIN or, for what arrives after
		// it, a reset. Either way it comes at the bound.
		if err := rr.end(); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("ended with %v", err)
		}
		if d := time.Since(answered); d < total-50*time.Millisecond || d > total+time.Second {
			t.Errorf("cut %v after the answer, want about %v", d, total)
		}
	})

	if got := metric(t, ts, closes(lingerTimedOut)); got != 2 {
		t.Errorf("timed_out closes = %v, want 2", got)
	}
	if got := metric(t, ts, "http_lingering_connections"); got != 0 {
		t.Errorf("lingering = %v after both were cut", got)
	}
}

// TestLingerCap: with MAX_LINGERING lingering, the next early answer closes
// its connection at once; the place comes back when the lingering one ends.
func TestLingerCap(t *testing.T) {
	ts := lingerServer(t, map[string]string{"MAX_LINGERING": "1", "LINGER_IDLE_MS": "10000", "LINGER_TIMEOUT_MS": "20000"})
	declared := head("POST", "/process", "image/jpeg", length(100*lingerLimit))
	stop := make(chan struct{})
	defer close(stop)
	first := send(t, ts, declared, make([]byte, 100*lingerLimit), false, 4<<10, time.Hour, stop)
	if res, _ := first.answer(t); res.StatusCode != 413 {
		t.Fatalf("first: status %d", res.StatusCode)
	}
	waitMetric(t, ts, "http_lingering_connections", 1)

	second := send(t, ts, declared, nil, false, 0, 0, nil) // the head only
	res, body := second.answer(t)
	if res.StatusCode != 413 || !res.Close {
		t.Fatalf("second: status %d, Connection: close %v", res.StatusCode, res.Close)
	}
	checkProblem(t, res, body, "PAYLOAD_TOO_LARGE", "")
	start := time.Now()
	if err := second.end(); err != io.EOF {
		t.Fatalf("second ended with %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the capped connection stayed open %v", d)
	}
	if got := metric(t, ts, closes(lingerCapped)); got != 1 {
		t.Errorf("capped closes = %v, want 1", got)
	}

	first.conn.Close() // the client goes away: its lingering ends, drained
	waitMetric(t, ts, "http_lingering_connections", 0)
	if got := metric(t, ts, closes(lingerDrained)); got != 1 {
		t.Errorf("drained closes = %v, want 1", got)
	}
}

// TestExpectContinueOverLimit: a declared body over the limit is refused with
// 413 and no 100 Continue; a good one gets its 100 and is processed.
func TestExpectContinueOverLimit(t *testing.T) {
	ts := lingerServer(t, nil)
	rr := send(t, ts, "POST /process HTTP/1.1\r\nHost: test\r\nContent-Type: image/jpeg\r\nExpect: 100-continue\r\n"+
		length(10*lingerLimit)+"\r\n", nil, false, 0, 0, nil)
	res, body := rr.answer(t)
	if res.StatusCode != 413 {
		t.Fatalf("first answer %d, want 413 without a 100 before it", res.StatusCode)
	}
	checkProblem(t, res, body, "PAYLOAD_TOO_LARGE", "")

	image := readFixture(t, "photo-small.jpg")
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /process HTTP/1.1\r\nHost: test\r\nContent-Type: image/jpeg\r\nExpect: 100-continue\r\n%s\r\n", length(len(image)))
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != 100 {
		t.Fatalf("want 100 Continue first: %v %v", cont, err)
	}
	conn.Write(image)
	res, err = http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after the body: %v %v", res, err)
	}
}

// TestGoClientSeesEarlyAnswers: Go's own client, sending 3× the limit with a
// length and chunked, reads the 413 every time.
func TestGoClientSeesEarlyAnswers(t *testing.T) {
	ts := lingerServer(t, nil)
	big := bytes.Repeat([]byte{0xab}, 3*lingerLimit)
	for _, chunked := range []bool{false, true} {
		for try := range 10 {
			var body io.Reader = bytes.NewReader(big)
			if chunked {
				body = io.MultiReader(body) // hides the length
			}
			res, err := http.Post(ts.URL+"/process", "image/jpeg", body)
			if err != nil {
				t.Fatalf("chunked %v, try %d: %v", chunked, try, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 413 {
				t.Fatalf("chunked %v, try %d: status %d", chunked, try, res.StatusCode)
			}
			checkProblem(t, res, b, "PAYLOAD_TOO_LARGE", "")
		}
	}
}

// TestLingerDrain: the bounds of one lingering close, on a pipe.
func TestLingerDrain(t *testing.T) {
	l := &lingerer{timeout: 300 * time.Millisecond, idle: 100 * time.Millisecond, max: 1}

	t.Run("drained at the end of the body", func(t *testing.T) {
		server, client := net.Pipe()
		defer server.Close()
		go func() { client.Write(make([]byte, 100<<10)); client.Close() }()
		if got := l.drain(server, server.SetReadDeadline); got != lingerDrained {
			t.Errorf("outcome %s", got)
		}
	})
	t.Run("timed out when idle", func(t *testing.T) {
		server, client := net.Pipe()
		defer server.Close()
		defer client.Close()
		start := time.Now()
		if got := l.drain(server, server.SetReadDeadline); got != lingerTimedOut {
			t.Errorf("outcome %s", got)
		}
		if d := time.Since(start); d < 100*time.Millisecond || d > 300*time.Millisecond {
			t.Errorf("idle bound after %v, want 100 ms (the total is 300 ms)", d)
		}
	})
	t.Run("timed out in all", func(t *testing.T) {
		server, client := net.Pipe()
		defer server.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for client.SetWriteDeadline(time.Now().Add(time.Second)) == nil {
				if _, err := client.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond) // a trickle below the idle bound
			}
		}()
		start := time.Now()
		if got := l.drain(server, server.SetReadDeadline); got != lingerTimedOut {
			t.Errorf("outcome %s", got)
		}
		if d := time.Since(start); d < 300*time.Millisecond || d > 800*time.Millisecond {
			t.Errorf("total bound after %v, want 300 ms", d)
		}
		client.Close()
		<-done
	})
	t.Run("cap", func(t *testing.T) {
		if !l.enter() || l.enter() || l.Active() != 1 {
			t.Fatalf("the second place of a cap of 1 was given (active %d)", l.Active())
		}
		l.leave()
		if l.Active() != 0 || !l.enter() {
			t.Fatal("the place did not come back")
		}
		l.leave()
	})
}

// TestOverLimitBodyEndingAtTheLimit: a chunked body one byte over the limit
// can end within the read that crosses it; the 413 still ends the connection.
func TestOverLimitBodyEndingAtTheLimit(t *testing.T) {
	ts := lingerServer(t, nil)
	body := make([]byte, lingerLimit+1)
	for try := range 5 {
		// The whole request in one write, so that the last chunk is buffered
		// by the time the limit is crossed.
		var framed bytes.Buffer
		framed.WriteString(head("POST", "/process", "image/jpeg", chunkedFraming))
		fmt.Fprintf(&framed, "%x\r\n%s\r\n0\r\n\r\n", len(body), body)
		rr := send(t, ts, framed.String(), nil, false, 0, 0, nil)
		res, b := rr.answer(t)
		if res.StatusCode != 413 || !res.Close {
			t.Fatalf("try %d: status %d, Connection: close %v", try, res.StatusCode, res.Close)
		}
		checkProblem(t, res, b, "PAYLOAD_TOO_LARGE", "")
		if err := rr.end(); err != io.EOF {
			t.Fatalf("try %d: ended with %v, want an orderly end", try, err)
		}
	}
}
