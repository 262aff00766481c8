package handlers

import (
	"net/http"
	"slices"
	"strings"
)

// routes lists every route of contract v1 and the methods it answers.
func (s *server) routes(mux *http.ServeMux) {
	get := []string{http.MethodGet, http.MethodHead}
	s.handle(mux, "/process", []string{http.MethodPost}, s.handleProcess())
	s.handle(mux, "/healthz", get, handleHealthz())
	s.handle(mux, "/readyz", get, s.handleReadyz())
	s.handle(mux, "/metrics", get, s.metrics.Handler())
	s.handle(mux, "/info", get, s.handleInfo())
	s.handle(mux, "/openapi.json", get, handleOpenAPI())
	mux.Handle("/", s.handleNotFound())
}

// handle registers path for methods; another method is 405 with Allow. The
// mux patterns carry no method so that the 405 is a problem+json body.
func (s *server) handle(mux *http.ServeMux, path string, methods []string, h http.Handler) {
	allow := strings.Join(methods, ", ")
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateOf(r).route = path
		if !slices.Contains(methods, r.Method) {
			w.Header().Set("Allow", allow)
			s.writeProblem(w, r, problem(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				"method "+r.Method+" is not allowed on "+path+"; allowed: "+allow))
			return
		}
		h.ServeHTTP(w, r)
	}))
}
