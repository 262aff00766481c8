package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rtip/go-service/internal/admission"
	"github.com/rtip/go-service/internal/contract"
)

// Reading the body of POST /process: steps 7 and 8 of the edge policy.

// rawContentTypes are the accepted types of a raw body (contract.RawContentTypes);
// the bytes then decide.
var rawContentTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range contract.RawContentTypes {
		m[t] = true
	}
	return m
}()

// acceptedTypes lists them for the 415 detail: "a, b or c".
var acceptedTypes = func() string {
	types := contract.RawContentTypes
	if len(types) == 1 {
		return types[0]
	}
	return strings.Join(types[:len(types)-1], ", ") + " or " + types[len(types)-1]
}()

// bodyKind is how the image arrives: raw, or as the part "image" of a
// multipart/form-data body with this boundary.
type bodyKind struct {
	multipart bool
	boundary  string
}

// bodyKindOf checks the Content-Type before the body is read: an accepted
// raw type, or multipart/form-data with a boundary.
func bodyKindOf(contentType string) (bodyKind, *Problem) {
	mediaType := baseMediaType(contentType)
	if mediaType != contract.MultipartContentType {
		if !rawContentTypes[mediaType] {
			return bodyKind{}, problem(contract.CodeUnsupportedMediaType, fmt.Sprintf(
				"content type %q is not accepted: send %s with an %s part, or the image as %s",
				mediaType, contract.MultipartContentType, contract.ImagePart, acceptedTypes))
		}
		return bodyKind{}, nil
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return bodyKind{}, problem(contract.CodeInvalidRequest, "malformed "+contract.MultipartContentType+": "+err.Error())
	}
	if params["boundary"] == "" {
		return bodyKind{}, problem(contract.CodeInvalidRequest, contract.MultipartContentType+" without a boundary")
	}
	return bodyKind{multipart: true, boundary: params["boundary"]}, nil
}

// baseMediaType is the media type without parameters, lower-cased.
func baseMediaType(ct string) string {
	base, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// Upload buffers are reused across requests; very large ones are dropped.
var uploadPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledUpload = 8 << 20

func getUploadBuffer() *bytes.Buffer {
	buf := uploadPool.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

func putUploadBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledUpload {
		uploadPool.Put(buf)
	}
}

// readBody reads the image into buf: at most MAX_UPLOAD_BYTES, by the
// upload deadline (UPLOAD_TIMEOUT_MS after the headers; observe set it on
// the connection), a chunked body growing resv as it arrives. A multipart
// body is streamed and only its image part kept. The request counts in
// image_uploading meanwhile.
func (s *server) readBody(w http.ResponseWriter, r *http.Request, kind bodyKind, resv *admission.Reservation, buf *bytes.Buffer) *Problem {
	s.uploading.Add(1)
	defer s.uploading.Add(-1)
	var body io.Reader = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	if r.ContentLength < 0 {
		body = &growingBody{r: body, resv: resv}
	}
	var err error
	var p *Problem
	if kind.multipart {
		p, err = readMultipart(body, kind.boundary, buf, r.ContentLength)
	} else {
		err = readRaw(r, body, buf)
	}
	if err != nil {
		return s.bodyProblem(r, err)
	}
	if p != nil {
		return p
	}
	// The body is in: its deadline no longer applies (processing has its own).
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	return nil
}

// errUploadBudget: a chunked body outgrew what is left of the upload budget.
var errUploadBudget = errors.New("the upload budget is exhausted")

// growingBody grows a reservation by every byte read; a read that does not
// fit fails (its bytes are dropped), so the buffer never holds unreserved
// bytes.
type growingBody struct {
	r    io.Reader
	resv *admission.Reservation
}

func (b *growingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 && !b.resv.Grow(int64(n)) {
		return 0, errUploadBudget
	}
	return n, err
}

// bodyProblem maps a failed body read: over the limit (413), out of upload
// budget (503), past the upload deadline (408), or a broken upload (400;
// the log keeps the cause).
func (s *server) bodyProblem(r *http.Request, err error) *Problem {
	var mbe *http.MaxBytesError
	st := stateOf(r)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit)
	case errors.Is(err, errUploadBudget):
		return s.shed(contract.ShedReasonUploadBudget, "the upload memory budget is in use; retry after 1 second")
	case errors.Is(err, os.ErrDeadlineExceeded) || !st.uploadDeadline.IsZero() && !time.Now().Before(st.uploadDeadline):
		// net/http's chunked decoder keeps a read error for good, so the
		// lingering close after this answer reads the connection itself.
		if ec := connOf(r); ec != nil && r.ContentLength < 0 {
			st.body = ec.Conn
		}
		p := problem(contract.CodeUploadTimeout,
			fmt.Sprintf("the request body did not arrive within %d ms", s.cfg.UploadTimeout.Milliseconds()))
		p.Cause = err
		return p
	}
	var mp *multipartError
	what := "the request body could not be read"
	if errors.As(err, &mp) {
		what = "malformed " + contract.MultipartContentType + " body"
	}
	p := problem(contract.CodeInvalidRequest, what)
	p.Cause = err
	return p
}

func tooLarge(limit int64) *Problem {
	return problem(contract.CodePayloadTooLarge,
		fmt.Sprintf("the request body is over the limit of %d bytes", limit))
}

func readRaw(r *http.Request, body io.Reader, buf *bytes.Buffer) error {
	return readSized(buf, body, r.ContentLength)
}

// readSized appends what r yields to buf, which it first grows to hold size
// bytes (the Content-Length; -1 when unknown) and bytes.MinRead more:
// ReadFrom reads straight into the free space and grows the buffer only
// when less than MinRead is free, so a body of at most the declared length
// lands in one allocation of about that size, without a copy. (Without the
// reserve, ReadFrom doubles from small and copies: a 10 MB body cost 32 MB.)
// size is bounded by MAX_UPLOAD_BYTES and reserved in the upload budget
// before the body is read.
func readSized(buf *bytes.Buffer, r io.Reader, size int64) error {
	if size > 0 {
		buf.Grow(int(size) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(r)
	return err
}

// multipartError is a multipart body that did not parse (or whose reading
// failed: the cause says which).
type multipartError struct{ err error }

func (e *multipartError) Error() string { return "multipart: " + e.err.Error() }
func (e *multipartError) Unwrap() error { return e.err }

// readMultipart keeps the part named exactly "image" (by its
// Content-Disposition, parseContentDisposition) in buf and reads the rest
// of the body to its end. The image part is streamed into buf, sized from
// the body's declared length size (the part is shorter), so it is copied
// once, from the parser's 4 KB window; every other part is read through
// and dropped, never buffered. A read failure is returned as an error, a
// contract refusal of the parts as a problem.
func readMultipart(body io.Reader, boundary string, buf *bytes.Buffer, size int64) (*Problem, error) {
	mr := multipart.NewReader(body, boundary)
	found := false
	for {
		// Raw: the part's bytes as sent (NextPart would decode a
		// quoted-printable part, which the TypeScript service does not).
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &multipartError{err}
		}
		d := partDisposition(part.Header)
		if d.kind == dispositionMalformed {
			return problem(contract.CodeInvalidRequest,
				"malformed multipart body: malformed Content-Disposition"), nil
		}
		if d.kind != dispositionFormData || !d.hasName || d.name != contract.ImagePart {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, &multipartError{err}
			}
			continue
		}
		if found {
			return problem(contract.CodeInvalidRequest, fmt.Sprintf("more than one %q part", contract.ImagePart)), nil
		}
		found = true
		if err := readSized(buf, part, size); err != nil {
			return nil, &multipartError{err}
		}
	}
	// What follows the close delimiter (an epilogue, usually nothing) is read
	// too: an answer after it is then not an early one.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return nil, &multipartError{err}
	}
	if !found {
		return problem(contract.CodeMissingImage, fmt.Sprintf("the multipart body has no %q part", contract.ImagePart)), nil
	}
	return nil, nil
}

// partDisposition reads a part's Content-Disposition: none is not a form
// field; more than one is malformed, as two parsers could pick different ones.
func partDisposition(h textproto.MIMEHeader) disposition {
	switch values := h.Values("Content-Disposition"); len(values) {
	case 0:
		return disposition{kind: dispositionOther}
	case 1:
		return parseContentDisposition(values[0])
	default:
		return disposition{kind: dispositionMalformed}
	}
}
