package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Problem is a contract error: an HTTP status, a code and a detail that is
// safe to show. Handlers return it; writeProblem turns it into RFC 9457.
type Problem struct {
	Status int
	Code   string
	Detail string
	Cause  error // for the log only
}

func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

var titles = map[string]string{
	"INVALID_OPTION":         "Invalid option",
	"INVALID_REQUEST":        "Invalid request",
	"MISSING_IMAGE":          "Missing image",
	"NOT_FOUND":              "Not found",
	"METHOD_NOT_ALLOWED":     "Method not allowed",
	"UPLOAD_TIMEOUT":         "Upload timeout",
	"PAYLOAD_TOO_LARGE":      "Payload too large",
	"UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
	"HEADERS_TOO_LARGE":      "Headers too large",
	"HEADERS_TIMEOUT":        "Headers timeout",
	"UNDECODABLE_IMAGE":      "Undecodable image",
	"IMAGE_TOO_LARGE":        "Image too large",
	"OVERLOADED":             "Overloaded",
	"PROCESSING_TIMEOUT":     "Processing timeout",
	"INTERNAL":               "Internal error",
}

func problem(status int, code, detail string) *Problem {
	return &Problem{Status: status, Code: code, Detail: detail}
}

// internalDetail is the only detail a 500 ever carries.
const internalDetail = "The server could not process the request."

type problemBody struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
}

// body is p's RFC 9457 document for the request id.
func (p *Problem) body(requestID string) []byte {
	detail := p.Detail
	if p.Code == "INTERNAL" {
		detail = internalDetail
	}
	body, _ := json.Marshal(problemBody{
		Type:      "/problems/" + strings.ReplaceAll(strings.ToLower(p.Code), "_", "-"),
		Title:     titles[p.Code],
		Status:    p.Status,
		Detail:    detail,
		Code:      p.Code,
		RequestID: requestID,
	})
	return body
}

// writeProblem answers with p as application/problem+json and records its
// code for the access log and the metrics.
func (s *server) writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	st := stateOf(r)
	st.code = p.Code
	st.cause = p.Cause
	if _, ok := titles[p.Code]; ok {
		s.metrics.Rejected(p.Code)
	}
	body := p.body(st.id)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	// The length is always given: an early answer is flushed before the
	// handler returns, and without a length it would go out chunked, its
	// last chunk held back until the end of the lingering.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	// An early answer (contract README, "Early answers"): the body is still
	// arriving. The answer goes out whole and at once, says the connection
	// closes, and the body stays readable after it for the lingering close
	// (net/http would otherwise try to consume it before writing the header).
	// A client that went away (499) gets nothing and needs no lingering.
	st.early = r.ContentLength != 0 && !st.bodyEnded && st.body != nil && p.Status != 499
	if !st.early {
		// A body over the limit ends the connection even when it happened
		// to end within the read that crossed the limit; an answer of the
		// edge (a request the HTTP parser should have refused) ends it too.
		if p.Code == "PAYLOAD_TOO_LARGE" || st.edge {
			h.Set("Connection", "close")
		}
		w.WriteHeader(p.Status)
		_, _ = w.Write(body)
		return
	}
	rc := http.NewResponseController(w)
	h.Set("Connection", "close")
	_ = rc.EnableFullDuplex()
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
	_ = rc.Flush()
}
