package generate

import "testing"

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"httpRequests": "HTTPRequests", "INVALID_OPTION": "InvalidOption", "timed_out": "TimedOut",
		"/openapi.json": "OpenAPIJSON", "go-vips": "GoVips", "maxHeaderBytes": "MaxHeaderBytes",
		"UPLOAD_TIMEOUT_MS": "UploadTimeoutMs", "cpus": "CPUs", "90": "N90",
	} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}
