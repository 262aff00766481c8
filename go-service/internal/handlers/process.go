package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rtip/go-service/internal/services"
)

// rawContentTypes are the accepted types of a raw body; the bytes then decide.
var rawContentTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true,
	"application/octet-stream": true,
}

// Upload buffers are reused across requests; very large ones are dropped.
var uploadPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledUpload = 8 << 20

// handleProcess is POST /process: options, content type, declared length and
// draining are checked before the body is read (a refusal then is an early
// answer, see writeProblem); a ticket from the admission controller bounds
// how many bodies are held and decoded at once.
func (s *server) handleProcess() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := s.process(w, r); p != nil {
			if p.Code == "OVERLOADED" {
				w.Header().Set("Retry-After", "1")
			}
			s.writeProblem(w, r, p)
		}
	})
}

func (s *server) process(w http.ResponseWriter, r *http.Request) *Problem {
	opts, p := parseOptions(r.URL.RawQuery)
	if p != nil {
		return p
	}
	contentType := r.Header.Get("Content-Type")
	mediaType := baseMediaType(contentType)
	isMultipart := mediaType == "multipart/form-data"
	if !isMultipart && !rawContentTypes[mediaType] {
		return problem(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", fmt.Sprintf(
			"content type %q is not accepted: send multipart/form-data with an image part, "+
				"or the image as image/jpeg, image/png, image/webp, image/gif or application/octet-stream", mediaType))
	}
	if isMultipart {
		if p := multipartBoundary(contentType); p != nil {
			return p
		}
	}
	limit := s.cfg.MaxUploadBytes
	if r.ContentLength > limit {
		return tooLarge(limit)
	}

	if s.draining() {
		return problem(http.StatusServiceUnavailable, "OVERLOADED",
			"the service is shutting down; retry after 1 second (elsewhere)")
	}
	ticket, err := s.adm.Enter()
	if err != nil {
		return problem(http.StatusServiceUnavailable, "OVERLOADED",
			"the service is at capacity; retry after 1 second")
	}
	defer ticket.Release()
	// The deadline covers the upload, the wait for a slot and the processing.
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	// A slow upload must not hold its ticket past the deadline either. (Not
	// supported by httptest recorders; the deadline still applies below.)
	deadline, _ := ctx.Deadline()
	_ = http.NewResponseController(w).SetReadDeadline(deadline)

	buf := uploadPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledUpload {
			uploadPool.Put(buf)
		}
	}()
	body := http.MaxBytesReader(w, r.Body, limit)
	if isMultipart {
		p = readMultipart(r, body, buf)
	} else {
		p = readRaw(r, body, buf)
	}
	if p != nil {
		if p.Code == "INVALID_REQUEST" && (errors.Is(p.Cause, os.ErrDeadlineExceeded) || !time.Now().Before(deadline)) {
			return s.contextProblem(r, context.DeadlineExceeded)
		}
		return p
	}
	data := buf.Bytes()
	if len(data) == 0 {
		return problem(http.StatusBadRequest, "MISSING_IMAGE", "the image is empty")
	}
	if services.Sniff(data) == services.FormatUnknown {
		return problem(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
			"the image is not JPEG, PNG, WebP or GIF")
	}
	s.metrics.Bytes("in", len(data))

	if err := ticket.Acquire(ctx); err != nil {
		return s.contextProblem(r, err)
	}
	res, err := services.Process(ctx, data, opts, services.Limits{MaxInputPixels: s.cfg.MaxInputPixels})
	if err != nil {
		return s.pipelineProblem(r, err)
	}
	defer res.Release()
	s.metrics.Stage("decode", res.Decode)
	s.metrics.Stage("transform", res.Transform)
	s.metrics.Stage("encode", res.Encode)

	out := res.Bytes()
	h := w.Header()
	h.Set("Content-Type", res.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	h.Set("X-Image-Width", strconv.Itoa(res.Width))
	h.Set("X-Image-Height", strconv.Itoa(res.Height))
	h.Set("Server-Timing", fmt.Sprintf("decode;dur=%s, transform;dur=%s, encode;dur=%s",
		ms(res.Decode), ms(res.Transform), ms(res.Encode)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	n, _ := w.Write(out)
	s.metrics.Bytes("out", n)
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

// baseMediaType is the media type without parameters, lower-cased.
func baseMediaType(ct string) string {
	base, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

func tooLarge(limit int64) *Problem {
	return problem(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
		fmt.Sprintf("the request body is over the limit of %d bytes", limit))
}

// readError maps a body read failure: the upload limit, or a broken upload.
func readError(err error, what string) *Problem {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	p := problem(http.StatusBadRequest, "INVALID_REQUEST", what)
	p.Cause = err
	return p
}

func readRaw(r *http.Request, body io.Reader, buf *bytes.Buffer) *Problem {
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	if _, err := buf.ReadFrom(body); err != nil {
		return readError(err, "the request body could not be read")
	}
	return nil
}

// multipartBoundary refuses a multipart Content-Type without a boundary
// before the body is read, as r.MultipartReader would after.
func multipartBoundary(contentType string) *Problem {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return problem(http.StatusBadRequest, "INVALID_REQUEST", "malformed multipart/form-data: "+err.Error())
	}
	if params["boundary"] == "" {
		return problem(http.StatusBadRequest, "INVALID_REQUEST", "multipart/form-data without a boundary")
	}
	return nil
}

func readMultipart(r *http.Request, body io.ReadCloser, buf *bytes.Buffer) *Problem {
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		return readError(err, "malformed multipart/form-data: "+err.Error())
	}
	found := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return readError(err, "malformed multipart/form-data body")
		}
		if part.FormName() != "image" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return readError(err, "malformed multipart/form-data body")
			}
			continue
		}
		if found {
			return problem(http.StatusBadRequest, "INVALID_REQUEST", `more than one "image" part`)
		}
		found = true
		if _, err := buf.ReadFrom(part); err != nil {
			return readError(err, "malformed multipart/form-data body")
		}
	}
	// What follows the close delimiter (an epilogue, usually nothing) is read
	// too: an answer after it is then not an early one.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return readError(err, "malformed multipart/form-data body")
	}
	if !found {
		return problem(http.StatusBadRequest, "MISSING_IMAGE", `the multipart body has no "image" part`)
	}
	return nil
}

// contextProblem maps a deadline (503) or a client that went away.
func (s *server) contextProblem(r *http.Request, err error) *Problem {
	if errors.Is(err, context.DeadlineExceeded) {
		p := problem(http.StatusServiceUnavailable, "PROCESSING_TIMEOUT",
			fmt.Sprintf("processing took longer than %d ms", s.cfg.RequestTimeout.Milliseconds()))
		p.Cause = err
		return p
	}
	// The client is gone; nobody reads this answer, the log does.
	return &Problem{Status: 499, Code: "CLIENT_CLOSED_REQUEST", Detail: "client closed the request", Cause: err}
}

// pipelineProblem is the one place pipeline errors become contract codes.
func (s *server) pipelineProblem(r *http.Request, err error) *Problem {
	var pe *services.Error
	switch {
	case errors.As(err, &pe):
		var p *Problem
		switch pe.Kind {
		case services.KindUnsupported:
			p = problem(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", pe.Msg)
		case services.KindTooLarge:
			p = problem(http.StatusUnprocessableEntity, "IMAGE_TOO_LARGE", pe.Msg)
		default:
			p = problem(http.StatusUnprocessableEntity, "UNDECODABLE_IMAGE", pe.Msg)
		}
		p.Cause = pe.Err
		return p
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return s.contextProblem(r, err)
	}
	return &Problem{Status: http.StatusInternalServerError, Code: "INTERNAL", Cause: err}
}
