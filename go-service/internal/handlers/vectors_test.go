package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/contract"
)

const (
	contractDir = "../../../packages/contract"
	fixturesDir = contractDir + "/fixtures"
)

// vector is one row of packages/contract/vectors/vectors.json.
type vector struct {
	Name    string  `json:"name"`
	Fixture *string `json:"fixture"`
	Request struct {
		Method      string  `json:"method"`
		Path        string  `json:"path"`
		Body        string  `json:"body"`
		Query       string  `json:"query"`
		ContentType *string `json:"contentType"`
		PartName    string  `json:"partName"`
		Parts       int     `json:"parts"`
	} `json:"request"`
	Config map[string]string `json:"config"`
	Expect struct {
		Status         int               `json:"status"`
		ContentType    string            `json:"contentType"`
		Code           string            `json:"code"`
		Width          int               `json:"width"`
		Height         int               `json:"height"`
		Channels       int               `json:"channels"`
		DetailContains string            `json:"detailContains"`
		Headers        map[string]string `json:"headers"`
	} `json:"expect"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile(contractDir + "/vectors/vectors.json")
	if err != nil {
		t.Fatalf("shared vectors: %v", err)
	}
	var file struct {
		Version int      `json:"version"`
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if file.Version != 1 || len(file.Vectors) == 0 {
		t.Fatalf("vectors version %d with %d vectors", file.Version, len(file.Vectors))
	}
	return file.Vectors
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestServer builds a server with the default config plus env overrides.
func newTestServer(t testing.TB, env map[string]string) http.Handler {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return NewServer(Deps{Config: cfg})
}

// multipartBody puts data in parts file parts named name.
func multipartBody(t testing.TB, name string, parts int, data []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for range parts {
		fw, err := mw.CreateFormFile(name, "upload.bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func (v vector) httpRequest(t *testing.T) *http.Request {
	var data []byte
	if v.Fixture != nil {
		data = readFixture(t, *v.Fixture)
	}
	target := v.Request.Path
	if v.Request.Query != "" {
		target += "?" + v.Request.Query
	}
	var body io.Reader
	ct := ""
	switch v.Request.Body {
	case "multipart":
		body, ct = multipartBody(t, v.Request.PartName, v.Request.Parts, data)
	case "raw":
		body = bytes.NewReader(data)
		if v.Request.ContentType != nil {
			ct = *v.Request.ContentType
		}
	}
	r := httptest.NewRequest(v.Request.Method, target, body)
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r
}

// channels reads the component count of a JPEG (SOF) or PNG (IHDR colour type).
func channels(b []byte) (int, error) {
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) && len(b) > 25 {
		if n, ok := map[byte]int{0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[b[25]]; ok {
			return n, nil
		}
	}
	if len(b) > 2 && b[0] == 0xFF && b[1] == 0xD8 {
		for i := 2; i+9 < len(b); {
			m := b[i+1]
			if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
				return int(b[i+9]), nil
			}
			i += 2 + (int(b[i+2])<<8 | int(b[i+3]))
		}
	}
	return 0, fmt.Errorf("no JPEG SOF or PNG IHDR")
}

func TestSharedVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			srv := newTestServer(t, v.Config)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, v.httpRequest(t))
			res := rec.Result()
			body := rec.Body.Bytes()
			if res.StatusCode != v.Expect.Status {
				t.Fatalf("status = %d, want %d; body %.300s", res.StatusCode, v.Expect.Status, body)
			}
			if got := res.Header.Get("Content-Type"); got != v.Expect.ContentType {
				t.Errorf("Content-Type = %q, want %q", got, v.Expect.ContentType)
			}
			if res.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			for k, want := range v.Expect.Headers {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if v.Expect.Code != "" {
				checkProblem(t, res, body, v.Expect.Code, v.Expect.DetailContains)
				return
			}
			img, _, err := image.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("decode answer: %v", err)
			}
			if sz := img.Bounds().Size(); sz.X != v.Expect.Width || sz.Y != v.Expect.Height {
				t.Errorf("size = %v, want %dx%d", sz, v.Expect.Width, v.Expect.Height)
			}
			if got, want := res.Header.Get("X-Image-Width"), fmt.Sprint(v.Expect.Width); got != want {
				t.Errorf("X-Image-Width = %s, want %s", got, want)
			}
			if got, want := res.Header.Get("X-Image-Height"), fmt.Sprint(v.Expect.Height); got != want {
				t.Errorf("X-Image-Height = %s, want %s", got, want)
			}
			if ch, err := channels(body); err != nil || ch != v.Expect.Channels {
				t.Errorf("channels = %d (%v), want %d", ch, err, v.Expect.Channels)
			}
			if got, want := res.Header.Get("Content-Length"), fmt.Sprint(len(body)); got != want {
				t.Errorf("Content-Length = %s, body is %s bytes", got, want)
			}
			if st := res.Header.Get("Server-Timing"); !serverTiming.MatchString(st) {
				t.Errorf("Server-Timing = %q", st)
			}
		})
	}
}

func checkProblem(t *testing.T, res *http.Response, body []byte, code, detailContains string) {
	t.Helper()
	if got := res.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type = %q", got)
	}
	var p struct {
		Type, Title, Detail, Code, RequestID string
		Status                               int
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	wantType := "/problems/" + strings.ReplaceAll(strings.ToLower(code), "_", "-")
	if p.Code != code || p.Status != res.StatusCode || p.Type != wantType || p.Title != contract.Errors[code].Title || p.Detail == "" {
		t.Errorf("problem = %+v, want code %s status %d type %s", p, code, res.StatusCode, wantType)
	}
	if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("requestId %q, header %q", p.RequestID, res.Header.Get("X-Request-Id"))
	}
	if !strings.Contains(p.Detail, detailContains) {
		t.Errorf("detail %q does not contain %q", p.Detail, detailContains)
	}
}
