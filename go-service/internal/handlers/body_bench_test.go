package handlers

import (
	"bytes"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkUpload is POST /process with a 10 MB body, multipart or raw:
// "junk" is not an image (the answer is 415 once the body is in, so the
// allocations are the upload's), "jpeg" is photo-hd.jpg padded to 10 MB
// after its EOI (the whole handler, processing included). The padding is
// random, like compressed data (multipart's boundary scan is slow on long
// runs without a CR).
func BenchmarkUpload(b *testing.B) {
	const size = 10 << 20
	h := newTestServer(b, nil)
	junk := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	junk[0] = 'x' // no image signature
	jpeg := bytes.Clone(junk)
	copy(jpeg, readFixture(b, "photo-hd.jpg"))
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{{"junk", junk, http.StatusUnsupportedMediaType}, {"jpeg", jpeg, http.StatusOK}} {
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		fw, _ := mw.CreateFormFile("image", "upload.bin")
		fw.Write(c.data)
		mw.Close()
		for _, body := range []struct {
			kind, ct string
			data     []byte
		}{{"multipart", mw.FormDataContentType(), mp.Bytes()}, {"raw", "application/octet-stream", c.data}} {
			b.Run(c.name+"/"+body.kind, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body.data)))
				for b.Loop() {
					r := httptest.NewRequest(http.MethodPost, "/process", bytes.NewReader(body.data))
					r.Header.Set("Content-Type", body.ct)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != c.want {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		}
	}
}
