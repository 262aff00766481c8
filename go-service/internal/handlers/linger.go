package handlers

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtip/go-service/internal/contract"
)

// Lingering close (contract README, "Early answers"). After an answer sent
// before the request body was read to its end, the client is still sending.
// Closing the socket with unread bytes makes the kernel send a reset, which
// can destroy the answer before the client has read it. So the connection
// keeps reading and discarding the rest of the body, within a total and an
// idle bound, and closes only then: with nothing left unread the close is a
// FIN. nginx calls this lingering_time / lingering_timeout.
//
// The lingering runs on the handler's goroutine after the answer was logged
// and counted, with the admission ticket already given back; http.Server
// still sees the connection as active, so Shutdown waits for it at most
// until its own deadline.

// Outcomes of a lingering close, as counted in http_lingering_closes_total.
const (
	lingerDrained  = contract.LingerOutcomeDrained  // the body ended, or the client closed its side
	lingerTimedOut = contract.LingerOutcomeTimedOut // LINGER_TIMEOUT_MS or LINGER_IDLE_MS passed first
	lingerCapped   = contract.LingerOutcomeCapped   // MAX_LINGERING were lingering: closed at once
)

// lingerer bounds the lingering closes of one server.
type lingerer struct {
	timeout time.Duration // the whole linger
	idle    time.Duration // without a body byte
	max     int64
	active  atomic.Int64
}

// Active is the number of connections lingering now.
func (l *lingerer) Active() int64 { return l.active.Load() }

// enter takes a lingering place; false when MAX_LINGERING are taken.
func (l *lingerer) enter() bool {
	if l.active.Add(1) > l.max {
		l.active.Add(-1)
		return false
	}
	return true
}

func (l *lingerer) leave() { l.active.Add(-1) }

// Discarded bytes land here; one buffer per lingering connection at most.
var discardPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// drain reads and drops body until it ends or fails (drained) or a bound
// passes (timed out). setDeadline sets the connection's read deadline, which
// is what bounds a Read that would otherwise wait for the client forever.
func (l *lingerer) drain(body io.Reader, setDeadline func(time.Time) error) string {
	buf := discardPool.Get().(*[]byte)
	defer discardPool.Put(buf)
	end := time.Now().Add(l.timeout)
	for {
		next := time.Now().Add(l.idle)
		if next.After(end) {
			next = end
		}
		if !time.Now().Before(next) {
			return lingerTimedOut
		}
		if setDeadline(next) != nil {
			// The connection is closed (the client's side too, for a pipe):
			// nothing more will come, as after io.EOF below.
			return lingerDrained
		}
		_, err := body.Read(*buf)
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			return lingerTimedOut
		default:
			// io.EOF: the body is complete. Anything else means the client
			// closed or reset its side: nothing more will come either way.
			return lingerDrained
		}
	}
}

// linger is the lingering close of one early answer, already written and
// flushed on w. It returns when the connection may be closed.
func (s *server) linger(w http.ResponseWriter, body io.Reader) {
	rc := http.NewResponseController(w)
	// Without read deadlines (an httptest recorder) nothing could bound the
	// wait; the real server always has them.
	if errors.Is(rc.SetReadDeadline(time.Time{}), http.ErrNotSupported) {
		return
	}
	if !s.lingerer.enter() {
		s.metrics.Lingered(lingerCapped)
		// Close at once: net/http must not wait for the body either.
		_ = rc.SetReadDeadline(time.Now())
		return
	}
	defer s.lingerer.leave()
	s.metrics.Lingered(s.lingerer.drain(body, rc.SetReadDeadline))
}

// lingerConn is the lingering close after an answer of the edge, written
// straight to the connection c (edge.go): no body framing is known there,
// so it reads until the client closes its side or a bound passes.
func (s *server) lingerConn(c net.Conn) {
	if !s.lingerer.enter() {
		s.metrics.Lingered(lingerCapped)
		return
	}
	defer s.lingerer.leave()
	s.metrics.Lingered(s.lingerer.drain(c, c.SetReadDeadline))
}
