package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rtip/go-service/internal/contract"
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

// problem is the contract error code with a detail; its status is the
// contract's.
func problem(code, detail string) *Problem {
	return &Problem{Status: contract.Errors[code].Status, Code: code, Detail: detail}
}

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
	if p.Code == contract.CodeInternal {
		detail = contract.InternalDetail
	}
	e, ok := contract.Errors[p.Code]
	if !ok { // 499 CLIENT_CLOSED_REQUEST, for the log: no contract code, no title
		e.Type = "/problems/" + strings.ReplaceAll(strings.ToLower(p.Code), "_", "-")
	}
	body, _ := json.Marshal(problemBody{
		Type:      e.Type,
		Title:     e.Title,
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
	if _, ok := contract.Errors[p.Code]; ok {
		s.metrics.Rejected(p.Code)
	}
	body := p.body(st.id)
	h := w.Header()
	h.Set("Content-Type", contract.ProblemContentType)
	h.Set("Cache-Control", contract.CacheControl)
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
		if p.Code == contract.CodePayloadTooLarge || st.edge {
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
