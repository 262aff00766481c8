package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/rtip/go-service/internal/contract"
)

// reqState is what one request's handlers tell the access log and metrics,
// and what the edge needs to know about the request body.
type reqState struct {
	id        string
	route     string
	code      string
	cause     error
	bytesIn   int64
	bodyEnded bool      // the handler read the body to its end
	body      io.Reader // what the lingering close reads: the body as the server gave it
	early     bool      // answered before the body ended: linger, then close
	edge      bool      // an answer of the edge (step 1): method UNKNOWN, a new id, Connection: close
	// uploadDeadline is when the body must have arrived (UPLOAD_TIMEOUT_MS
	// after the headers); zero without a body.
	uploadDeadline time.Time
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

var requestIDPattern = regexp.MustCompile(contract.RequestIDPattern)

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter remembers the status and counts the body bytes.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts request body bytes as the handler reads them and
// notes when it reached the end.
type countingBody struct {
	io.ReadCloser
	st *reqState
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.st.bytesIn += int64(n)
	if err == io.EOF {
		b.st.bodyEnded = true
	}
	return n, err
}

// observe gives each request an id, then logs and measures its answer. It
// is the outermost handler: it also answers what the edge refuses that
// net/http lets through (edge.go), and it starts every body's deadline.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var head requestHead
		if ec := connOf(r); ec != nil {
			head = ec.handlerStarted(r)
			defer ec.handlerDone()
		}
		edge := edgeProblem(r, head)
		id := r.Header.Get(contract.RequestIDHeader)
		if edge != nil || !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		st := &reqState{id: id, route: "unmatched", edge: edge != nil}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if r.Body != nil {
			st.body = r.Body
			r.Body = countingBody{ReadCloser: r.Body, st: st}
		}
		if r.ContentLength != 0 {
			// A body must arrive within UPLOAD_TIMEOUT_MS of the end of its
			// headers, on every route: the server has no ReadTimeout (see
			// HTTPServer). The handler clears the deadline once it has read
			// the body; one it does not read is bounded by it after the
			// handler too, while net/http discards it. (Not supported by
			// httptest recorders.)
			st.uploadDeadline = start.Add(s.cfg.UploadTimeout)
			_ = http.NewResponseController(w).SetReadDeadline(st.uploadDeadline)
		}
		w.Header().Set(contract.RequestIDHeader, id)
		w.Header().Set("Cache-Control", contract.CacheControl)
		sw := &statusWriter{ResponseWriter: w}
		if edge != nil {
			s.writeProblem(sw, r, edge)
		} else {
			next.ServeHTTP(sw, r)
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		method := r.Method
		if st.edge {
			method = "UNKNOWN" // as for the answers net/http's parser gives (edge.go)
		}
		s.logRequest(r.Context(), requestLog{
			id: id, method: method, path: r.URL.Path, status: sw.status, duration: time.Since(start),
			bytesIn: st.bytesIn, bytesOut: sw.bytes, code: st.code, cause: st.cause,
		}, st.route)
		if st.early {
			s.linger(sw, st.body)
		}
	})
}

// requestLog is one answered request, as logged and counted.
type requestLog struct {
	id, method, path  string
	status            int
	duration          time.Duration
	bytesIn, bytesOut int64
	code              string
	cause             error
}

// logRequest counts the answer in http_requests_total and the duration
// histogram and writes the access log line.
func (s *server) logRequest(ctx context.Context, l requestLog, route string) {
	s.metrics.Request(route, l.method, strconv.Itoa(l.status), l.duration)
	level := slog.LevelInfo
	if l.status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("requestId", l.id),
		slog.String("method", l.method),
		slog.String("path", l.path),
		slog.Int("status", l.status),
		slog.Float64("durationMs", float64(l.duration.Microseconds())/1000),
		slog.Int64("bytesIn", l.bytesIn),
		slog.Int64("bytesOut", l.bytesOut),
		slog.String("code", l.code),
	}
	if l.cause != nil {
		attrs = append(attrs, slog.String("cause", l.cause.Error()))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

// recoverPanics turns a panic into 500 INTERNAL, logged with its stack; the
// client never sees either.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "requestId", stateOf(r).id, "panic", v, "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				panic(http.ErrAbortHandler) // headers are out: abort the connection
			}
			p := problem(contract.CodeInternal, "")
			p.Cause = errors.New("panic")
			s.writeProblem(w, r, p)
		}()
		next.ServeHTTP(w, r)
	})
}
