package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rtip/go-service/internal/contract"
	"github.com/rtip/go-service/internal/pipeline"
)

// handleProcess is POST /process. Its checks run in the order of the
// contract's edge policy (README, "Edge policy"); the first that fails
// answers. Steps 1–3 (the HTTP parser, the path, the method) are behind us
// when it runs. What the request holds is given back once its answer has
// been written; a refusal before the body ended is an early answer (see
// writeProblem).
func (s *server) handleProcess() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var held releases
		defer held.run()
		if p := s.process(w, r, &held); p != nil {
			if p.Code == contract.CodeOverloaded {
				w.Header().Set("Retry-After", strconv.Itoa(contract.RetryAfterSeconds))
			}
			s.writeProblem(w, r, p)
		}
	})
}

func (s *server) process(w http.ResponseWriter, r *http.Request, held *releases) *Problem {
	// 4. The options, then the content type (and the multipart boundary),
	// then a declared length over MAX_UPLOAD_BYTES: no body byte is read.
	opts, p := parseOptions(r.URL.RawQuery)
	if p != nil {
		return p
	}
	kind, p := bodyKindOf(r.Header.Get("Content-Type"))
	if p != nil {
		return p
	}
	if r.ContentLength > s.cfg.MaxUploadBytes {
		return tooLarge(s.cfg.MaxUploadBytes)
	}

	// 5. Draining.
	if s.draining() {
		return s.shed(contract.ShedReasonDraining, "the service is shutting down; retry after 1 second (elsewhere)")
	}

	// 6. The upload budget: the declared length now (a chunked body grows
	// its reservation as it arrives, in readBody); held until the answer
	// has been written.
	resv, ok := s.uploads.Reserve(max(r.ContentLength, 0))
	if !ok {
		return s.shed(contract.ShedReasonUploadBudget, "the upload memory budget is in use; retry after 1 second")
	}
	held.add(resv.Release)

	// 7. The body (a 100 Continue goes out now), complete within
	// UPLOAD_TIMEOUT_MS and at most MAX_UPLOAD_BYTES; 8. multipart parts,
	// then an empty image, then the magic bytes.
	buf := getUploadBuffer()
	defer putUploadBuffer(buf)
	if p := s.readBody(w, r, kind, resv, buf); p != nil {
		return p
	}
	data := buf.Bytes()
	if len(data) == 0 {
		return problem(contract.CodeMissingImage, "the image is empty")
	}
	if pipeline.Sniff(data) == pipeline.FormatUnknown {
		return problem(contract.CodeUnsupportedMediaType,
			"the image is not JPEG, PNG, WebP or GIF")
	}
	s.metrics.Bytes("in", len(data))

	// 9. Admission: a processing slot, or a place to wait for one. Only a
	// complete body gets here, so slow uploads never hold a place;
	// REQUEST_TIMEOUT_MS counts from now.
	ticket, err := s.adm.Enter()
	if err != nil {
		return s.shed(contract.ShedReasonQueueFull, "the service is at capacity; retry after 1 second")
	}
	defer ticket.Release()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	if err := ticket.Acquire(ctx); err != nil {
		return s.contextProblem(r, err)
	}

	res, err := pipeline.Process(ctx, data, opts, pipeline.Limits{MaxInputPixels: s.cfg.MaxInputPixels})
	if err != nil {
		return s.pipelineProblem(r, err)
	}
	defer res.Release()
	s.writeImage(w, res)
	return nil
}

// writeImage answers 200 with the processed image.
func (s *server) writeImage(w http.ResponseWriter, res *pipeline.Result) {
	s.metrics.Stage(contract.StageDecode, res.Decode)
	s.metrics.Stage(contract.StageTransform, res.Transform)
	s.metrics.Stage(contract.StageEncode, res.Encode)
	out := res.Bytes()
	h := w.Header()
	h.Set("Content-Type", res.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	h.Set("X-Image-Width", strconv.Itoa(res.Width))
	h.Set("X-Image-Height", strconv.Itoa(res.Height))
	h.Set("Server-Timing", fmt.Sprintf("%s;dur=%s, %s;dur=%s, %s;dur=%s", contract.StageDecode, ms(res.Decode),
		contract.StageTransform, ms(res.Transform), contract.StageEncode, ms(res.Encode)))
	w.WriteHeader(http.StatusOK)
	n, _ := w.Write(out)
	s.metrics.Bytes("out", n)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

// releases are what a request gives back when its answer has been written,
// last taken first.
type releases []func()

func (rs *releases) add(release func()) { *rs = append(*rs, release) }

func (rs *releases) run() {
	for i := len(*rs) - 1; i >= 0; i-- {
		(*rs)[i]()
	}
}

// shed is 503 OVERLOADED, counted in image_shed_total by its reason.
func (s *server) shed(reason, detail string) *Problem {
	s.metrics.Shed(reason)
	return problem(contract.CodeOverloaded, detail)
}

// contextProblem maps a deadline (503) or a client that went away.
func (s *server) contextProblem(r *http.Request, err error) *Problem {
	if errors.Is(err, context.DeadlineExceeded) {
		p := problem(contract.CodeProcessingTimeout,
			fmt.Sprintf("processing took longer than %d ms", s.cfg.RequestTimeout.Milliseconds()))
		p.Cause = err
		return p
	}
	// The client is gone; nobody reads this answer, the log does.
	return &Problem{Status: 499, Code: "CLIENT_CLOSED_REQUEST", Detail: "client closed the request", Cause: err}
}

// pipelineProblem is the one place pipeline errors become contract codes.
func (s *server) pipelineProblem(r *http.Request, err error) *Problem {
	var pe *pipeline.Error
	switch {
	case errors.As(err, &pe):
		var p *Problem
		switch pe.Kind {
		case pipeline.KindUnsupported:
			p = problem(contract.CodeUnsupportedMediaType, pe.Msg)
		case pipeline.KindTooLarge:
			p = problem(contract.CodeImageTooLarge, pe.Msg)
		default:
			p = problem(contract.CodeUndecodableImage, pe.Msg)
		}
		p.Cause = pe.Err
		return p
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return s.contextProblem(r, err)
	}
	p := problem(contract.CodeInternal, "")
	p.Cause = err
	return p
}
