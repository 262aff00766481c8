package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/rtip/go-service/internal/contract"
)

// routes serves every route of contract v1 (contract.Routes) with the
// methods the contract gives it.
//
// A route is found by the path exactly as sent (contract README, "Edge
// policy", step 2): no normalisation and never a redirect, so //process,
// /a/../healthz, /./info and /process/ are 404. http.ServeMux would clean
// such paths and answer 301/307, hence the table.
func (s *server) routes() http.Handler {
	handlers := map[string]http.Handler{
		contract.PathProcess:     s.handleProcess(),
		contract.PathHealthz:     handleHealthz(),
		contract.PathReadyz:      s.handleReadyz(),
		contract.PathMetrics:     s.metrics.Handler(),
		contract.PathInfo:        s.handleInfo(),
		contract.PathOpenAPIJSON: handleOpenAPI(),
	}
	table := map[string]http.Handler{}
	for _, route := range contract.Routes {
		h, ok := handlers[route.Path]
		if !ok {
			// Only a contract with a route this service lacks gets here; every test fails on it.
			panic("handlers: no handler for the contract's route " + route.Path)
		}
		table[route.Path] = s.methods(route.Path, route.Methods, h)
	}
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
			s.writeProblem(w, r, problem(contract.CodeMethodNotAllowed,
				"method "+r.Method+" is not allowed on "+path+"; allowed: "+allow))
			return
		}
		h.ServeHTTP(w, r)
	})
}
