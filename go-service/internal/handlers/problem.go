package handlers

import (
	"encoding/json"
	"net/http"
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
	"PAYLOAD_TOO_LARGE":      "Payload too large",
	"UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
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

// writeProblem answers with p as application/problem+json and records its
// code for the access log and the metrics.
func (s *server) writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	st := stateOf(r)
	st.code = p.Code
	st.cause = p.Cause
	if _, ok := titles[p.Code]; ok {
		s.metrics.Rejected(p.Code)
	}
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
		RequestID: st.id,
	})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
