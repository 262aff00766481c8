package handlers

import (
	"net/http"
	"slices"
	"strings"
)

// routes lists every route of contract v1 and the methods it answers.
//
// A route is found by the path exactly as sent (contract README, "Edge
// policy", step 2): no normalisation and never a redirect, so //process,
// /a/../healthz, /./info and /process/ are 404. http.ServeMux would clean
// such paths and answer 301/307, hence the table.
func (s *server) routes() http.Handler {
	get := []string{http.MethodGet, http.MethodHead}
	table := map[string]http.Handler{}
	handle := func(path string, methods []string, h http.Handler) {
		table[path] = s.methods(path, methods, h)
	}
	handle("/process", []string{http.MethodPost}, s.handleProcess())
	handle("/healthz", get, handleHealthz())
	handle("/readyz", get, s.handleReadyz())
	handle("/metrics", get, s.metrics.Handler())
	handle("/info", get, s.handleInfo())
	handle("/openapi.json", get, handleOpenAPI())
	notFound := s.handleNotFound()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := table[pathAsSent(r)]; ok {
			h.ServeHTTP(w, r)
			return
		}
		notFound.ServeHTTP(w, r)
	})
}

// pathAsSent is the path of the request target as it arrived: up to the
// query, not decoded, not cleaned. An absolute-form target
// (http://host/path) gives its path the same way; "*" and authority-form
// give themselves (no route has them).
func pathAsSent(r *http.Request) string {
	target := r.RequestURI
	if target == "" { // a request made in a test, not read from a connection
		target = r.URL.RequestURI()
	}
	path, _, _ := strings.Cut(target, "?")
	if scheme, rest, ok := strings.Cut(path, "://"); ok && !strings.Contains(scheme, "/") {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	return path
}

// methods answers path for methods; another method is 405 with Allow.
func (s *server) methods(path string, methods []string, h http.Handler) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateOf(r).route = path
		if !slices.Contains(methods, r.Method) {
			w.Header().Set("Allow", allow)
			s.writeProblem(w, r, problem(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				"method "+r.Method+" is not allowed on "+path+"; allowed: "+allow))
			return
		}
		h.ServeHTTP(w, r)
	})
}
