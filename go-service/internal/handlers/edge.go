package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rtip/go-service/internal/contract"
)

// Step 1 of the edge policy (contract README, "Edge policy"): the HTTP
// parser's refusals are contract answers too. net/http answers the
// requests its parser refuses itself, before any handler: plain text
// written straight to the connection (431, 400, 501, 505), and it closes a
// connection whose headers are late without a word. So the service wraps
// every connection (edgeConn) to
//
//   - replace those plain-text answers with problem+json (431
//     HEADERS_TOO_LARGE, else 400 INVALID_REQUEST);
//   - answer 408 HEADERS_TIMEOUT when the headers of a request that has begun
//     are late (an idle kept-alive connection still closes silently);
//   - scan the framing of each request as it is read (edge_framing.go), for
//     what net/http accepts but the contract does not: Content-Length
//     together with Transfer-Encoding (net/http drops the Content-Length, so
//     no handler could see it), and, past the first request of a connection,
//     a head over 16 KiB that fitted in net/http's slop.
//
// The rest of step 1 (those scan results, raw non-ASCII or control bytes in
// the request target, which net/http lets through) is answered by observe,
// before any route. Every such answer has a new request id, Connection:
// close, a line in the access log with method UNKNOWN, and counts in
// http_requests_total{route="unmatched",method="UNKNOWN"} and
// image_rejected_total.

// The contract's edge limits (contract.EdgeLimits).
var (
	// MaxHeaderBytes bounds the request line and the header lines, as
	// received, CRLFs included.
	MaxHeaderBytes = contract.EdgeLimits.MaxHeaderBytes
	// HeadersTimeout bounds their arrival: from a new connection, or from
	// the first byte of the next request on a kept-alive one.
	HeadersTimeout = time.Duration(contract.EdgeLimits.HeadersTimeoutMs) * time.Millisecond
)

const (
	// netHTTPHeaderSlop is what net/http reads beyond
	// http.Server.MaxHeaderBytes before it refuses a head with 431: it reads
	// at most MaxHeaderBytes + 4096 bytes for one (server.go,
	// initialReadLimitSize, "bufio slop").
	netHTTPHeaderSlop = 4096
	// idleTimeout closes kept-alive connections that send nothing.
	idleTimeout = 2 * time.Minute
	// answerTimeout bounds the writing of an answer.
	answerTimeout = 10 * time.Second
)

// HTTPServer is an http.Server for the service with the contract's edge
// limits. Serve it on Listener(ln): the edge checks need the wrapped
// connections.
func (v *Service) HTTPServer() *http.Server {
	cfg := v.s.cfg
	return &http.Server{
		Handler:     v,
		ConnContext: withEdgeConn,
		// Headers: within HeadersTimeout, at most MaxHeaderBytes. net/http
		// refuses a head once it has read MaxHeaderBytes + 4096 bytes for it,
		// so this makes its limit the contract's (16384 bytes).
		ReadHeaderTimeout: v.s.headersTimeout,
		MaxHeaderBytes:    MaxHeaderBytes - netHTTPHeaderSlop,
		// No ReadTimeout: it is one deadline for headers and body together,
		// counted from the start of the request, so it would cut uploads
		// before UPLOAD_TIMEOUT_MS (or let headers take longer than 10 s).
		// Each read has its own: headers above, a body UPLOAD_TIMEOUT_MS
		// after its headers (observe), a lingering close its own bounds.
		ReadTimeout: 0,
		// Counted from the end of the headers: the upload, the wait for a
		// slot and the processing, then the answer.
		WriteTimeout: cfg.UploadTimeout + cfg.RequestTimeout + answerTimeout,
		IdleTimeout:  idleTimeout,
		// OPTIONS * is not a route either (404), and every request must
		// reach observe, which claims its scanned head.
		DisableGeneralOptionsHandler: true,
	}
}

// Listener wraps ln's connections with the service's edge checks.
func (v *Service) Listener(ln net.Listener) net.Listener { return &edgeListener{Listener: ln, s: v.s} }

type edgeListener struct {
	net.Listener
	s *server
}

func (l *edgeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &edgeConn{Conn: c, s: l.s, accepted: time.Now()}, nil
}

type connKey struct{}

// withEdgeConn puts the edge connection in the context of its requests
// (http.Server.ConnContext).
func withEdgeConn(ctx context.Context, c net.Conn) context.Context {
	if ec, ok := c.(*edgeConn); ok {
		return context.WithValue(ctx, connKey{}, ec)
	}
	return ctx
}

// connOf is the edge connection r arrived on; nil for a request that did not
// come through Listener (tests with recorders).
func connOf(r *http.Request) *edgeConn {
	ec, _ := r.Context().Value(connKey{}).(*edgeConn)
	return ec
}

// edgeProblem is the part of step 1 that net/http lets through, answered
// before any route.
func edgeProblem(r *http.Request, head requestHead) *Problem {
	invalid := func(detail string) *Problem {
		return problem(contract.CodeInvalidRequest, detail)
	}
	switch {
	case head.bytes > MaxHeaderBytes:
		return headersTooLarge()
	case !visibleASCII(r.RequestURI):
		// Node.js's parser refuses these before any route; net/http only
		// refuses control bytes.
		return invalid("the request target has raw non-ASCII or control bytes")
	case head.lengthAndChunked:
		return invalid("the request is not valid HTTP/1.1: Content-Length together with Transfer-Encoding (RFC 9112 §6.1)")
	}
	return nil
}

func headersTooLarge() *Problem {
	return problem(contract.CodeHeadersTooLarge,
		fmt.Sprintf("the request line and headers are larger than %d bytes", MaxHeaderBytes))
}

// visibleASCII reports whether s has only bytes 0x21–0x7E.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// edgeConn is one connection seen by the edge: it scans the framing of the
// requests as net/http reads them, replaces net/http's plain-text refusals
// and answers late headers.
type edgeConn struct {
	net.Conn
	s        *server
	accepted time.Time

	mu        sync.Mutex
	fr        framing
	inHandler bool      // a handler runs for a request of this connection
	asked     time.Time // the read deadline net/http or a handler set
	aborting  bool      // asked is in the past: a read is being cut on purpose
	// The header deadline of the head being read: HeadersTimeout after its
	// first byte, applied while no handler runs (the earlier of it and asked
	// is the connection's read deadline).
	headDeadline time.Time
	headStart    time.Time // when that first byte arrived
	timedHead    int       // fr.started when headDeadline was set
	applied      time.Time // the read deadline last set on Conn
	answered     bool      // an answer of the edge went out: the connection ends
}

// handlerStarted marks a handler running for r and returns r's head as
// scanned: the oldest one not claimed yet, which must be r's request line
// (else the scan has lost its way and stops).
func (c *edgeConn) handlerStarted(r *http.Request) requestHead {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inHandler = true
	c.headDeadline = time.Time{}
	_ = c.applyLocked()
	head := c.fr.claim()
	line := r.Method + " " + r.RequestURI + " " + r.Proto
	if head.known && (len(head.line) < lineKeep && head.line != line || !strings.HasPrefix(line, head.line)) {
		c.fr.lose()
		c.fr.heads = nil
		return requestHead{}
	}
	return head
}

// handlerDone marks the handler done: a head already begun (pipelined) now
// has HeadersTimeout.
func (c *edgeConn) handlerDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inHandler = false
	c.timeHeadLocked(time.Now())
}

// timeHeadLocked starts the header deadline of a head that has begun, once
// no handler runs.
func (c *edgeConn) timeHeadLocked(now time.Time) {
	switch {
	case !c.fr.inHead() || c.inHandler:
		c.headDeadline = time.Time{}
	case c.timedHead != c.fr.started:
		c.timedHead = c.fr.started
		c.headStart = now
		c.headDeadline = now.Add(c.s.headersTimeout)
	}
	_ = c.applyLocked()
}

// applyLocked sets the earlier of asked and headDeadline on Conn.
func (c *edgeConn) applyLocked() error {
	d := c.asked
	if !c.headDeadline.IsZero() && (d.IsZero() || c.headDeadline.Before(d)) {
		d = c.headDeadline
	}
	if d.Equal(c.applied) {
		return nil
	}
	c.applied = d
	return c.Conn.SetReadDeadline(d)
}

func (c *edgeConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = t
	// net/http cuts its background read with a deadline long past
	// (abortPendingRead); that timeout is no late header.
	c.aborting = !t.IsZero() && !t.After(time.Now())
	return c.applyLocked()
}

func (c *edgeConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

// CloseWrite passes net/http's half-close on (closeWriteAndWait).
func (c *edgeConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *edgeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if n > 0 {
		started, inHead := c.fr.started, c.fr.inHead()
		c.fr.feed(p[:n])
		if c.fr.started != started || c.fr.inHead() != inHead {
			c.timeHeadLocked(time.Now())
		}
	}
	var late bool
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// Headers that began and did not end in time, no handler running,
		// no read cut on purpose: 408. Without a byte of a request the
		// connection closes silently, as net/http does.
		late = !c.inHandler && !c.aborting && !c.answered && c.fr.inHead()
		c.answered = c.answered || late
	}
	c.mu.Unlock()
	if late {
		c.answer(problem(contract.CodeHeadersTimeout, fmt.Sprintf(
			"the request line and headers did not arrive within %d ms", c.s.headersTimeout.Milliseconds())))
	}
	return n, err
}

func (c *edgeConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	var p *Problem
	if !c.inHandler && !c.answered {
		if status, body, ok := plainRefusal(b); ok {
			p = c.refusalProblemLocked(status, body)
			c.answered = true
		}
	}
	c.mu.Unlock()
	if p == nil {
		return c.Conn.Write(b)
	}
	c.answer(p)
	return len(b), nil
}

// net/http's answers to requests its parser refused: one Write of
// "HTTP/1.1 <status> <text>" + errorHeaders + body (server.go).
const plainRefusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// plainRefusal recognises one of those answers; body is its text.
func plainRefusal(b []byte) (status int, body string, ok bool) {
	rest, ok := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !ok || len(rest) < 4 || rest[3] != ' ' {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(rest[:3]))
	if err != nil || status < 400 || status > 599 {
		return 0, "", false
	}
	line, text, ok := bytes.Cut(rest, []byte(plainRefusalHeaders))
	if !ok || bytes.ContainsAny(line, "\r\n") {
		return 0, "", false
	}
	return status, string(text), true
}

// refusalProblemLocked is the contract answer for one of net/http's refusals.
func (c *edgeConn) refusalProblemLocked(status int, body string) *Problem {
	if status == http.StatusRequestHeaderFieldsTooLarge {
		return headersTooLarge()
	}
	reason := "malformed request line or header fields"
	switch _, text, detailed := strings.Cut(body, ": "); {
	case c.fr.cur.targetBad:
		reason = "raw non-ASCII or control bytes in the request target"
	case c.fr.cur.lengths != "":
		reason = c.fr.cur.lengths
	case status == http.StatusNotImplemented:
		reason = "a transfer coding other than chunked" // "Unsupported transfer encoding"
	case detailed:
		reason = text // e.g. "missing required Host header", "unsupported protocol version"
	}
	return problem(contract.CodeInvalidRequest, "the request is not valid HTTP/1.1: "+reason)
}

// answer writes p as the whole answer of the connection, logs and counts
// it, then closes lingering (contract README, "Early answers"): a half
// close, then what the client still sends is read and dropped until it
// closes or a bound passes. net/http closes the connection after.
func (c *edgeConn) answer(p *Problem) {
	c.mu.Lock()
	start, headBytes := c.headStart, c.fr.cur.bytes
	c.mu.Unlock()
	if start.IsZero() {
		start = c.accepted
	}
	id := newRequestID()
	body := p.body(id)
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %d %s\r\n", p.Status, http.StatusText(p.Status))
	fmt.Fprintf(&out, "Content-Type: %s\r\nContent-Length: %d\r\n%s: %s\r\n",
		contract.ProblemContentType, len(body), contract.RequestIDHeader, id)
	fmt.Fprintf(&out, "Cache-Control: %s\r\nDate: %s\r\nConnection: close\r\n\r\n", contract.CacheControl, time.Now().UTC().Format(http.TimeFormat))
	out.Write(body)
	_ = c.Conn.SetWriteDeadline(time.Now().Add(answerTimeout))
	_, err := c.Conn.Write(out.Bytes())
	s := c.s
	s.metrics.Rejected(p.Code)
	l := requestLog{id: id, method: "UNKNOWN", status: p.Status, duration: time.Since(start),
		bytesIn: int64(headBytes), bytesOut: int64(len(body)), code: p.Code, cause: err}
	s.logRequest(context.Background(), l, "unmatched")
	_ = c.CloseWrite()
	s.lingerConn(c.Conn)
}
