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
	body      io.Reader // the body as the server gave it, for the lingering close
	early     bool      // answered before the body ended: linger, then close
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

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

// observe gives each request an id, then logs and measures its answer.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		st := &reqState{id: id, route: "unmatched"}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if r.Body != nil {
			st.body = r.Body
			r.Body = countingBody{ReadCloser: r.Body, st: st}
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		status := strconv.Itoa(sw.status)
		s.metrics.Request(st.route, r.Method, status, d)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("requestId", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Float64("durationMs", float64(d.Microseconds())/1000),
			slog.Int64("bytesIn", st.bytesIn),
			slog.Int64("bytesOut", sw.bytes),
			slog.String("code", st.code),
		}
		if st.cause != nil {
			attrs = append(attrs, slog.String("cause", st.cause.Error()))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
		if st.early {
			s.linger(sw, st.body)
		}
	})
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
			s.writeProblem(w, r, &Problem{Status: http.StatusInternalServerError, Code: "INTERNAL",
				Cause: errors.New("panic")})
		}()
		next.ServeHTTP(w, r)
	})
}
