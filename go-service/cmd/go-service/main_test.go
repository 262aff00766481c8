package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtip/go-service/internal/openapi"
	"github.com/rtip/go-service/internal/pipeline"
	"github.com/rtip/go-service/internal/testkit"
)

// start runs the service on a free port and returns its base URL.
func start(t *testing.T, ctx context.Context, env map[string]string) (string, <-chan error, *testkit.SyncBuffer) {
	t.Helper()
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"go-service"}, func(k string) string { return env[k] }, out)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(out.String()) {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				return "http://" + strings.Replace(l.Addr, "[::]", "127.0.0.1", 1), done, out
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no listening line:\n%s", out.String())
	return "", nil, nil
}

func TestInvalidConfig(t *testing.T) {
	err := run(context.Background(), []string{"go-service"}, func(k string) string {
		return map[string]string{"PORT": "eighty", "LOG_LEVEL": "loud"}[k]
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORT") || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Fatalf("err = %v, want both variables named", err)
	}
}

func TestUnexpectedArguments(t *testing.T) {
	for _, args := range [][]string{{"go-service", "--port", "9000"}, {"go-service", "healthcheck", "extra"}} {
		err := run(context.Background(), args, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "the configuration is the environment") {
			t.Errorf("%q: err = %v, want a refusal", args, err)
		}
	}
}

// TestGracefulShutdown: when the signal comes, readiness turns 503 and new
// images are refused while the listener stays open; the image in flight still
// gets its answer; then new connections are refused and run returns nil.
func TestGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"PORT": "0", "HOST": "127.0.0.1", "SHUTDOWN_TIMEOUT_MS": "20000"}
	base, done, logs := start(t, ctx, env)

	if err := healthcheck(ctx, func(k string) string {
		if k == "PORT" {
			return base[strings.LastIndex(base, ":")+1:]
		}
		return ""
	}); err != nil {
		t.Fatalf("healthcheck: %v", err)
	}

	img, err := os.ReadFile("../../../packages/contract/fixtures/photo-12mp.jpg")
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		res, err := http.Post(base+"/process", "image/jpeg", bytes.NewReader(img))
		if err != nil {
			got <- answer{err: err}
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		got <- answer{status: res.StatusCode}
	}()
	// Wait until the request is being processed, then signal.
	inflightBy := time.Now().Add(10 * time.Second)
	for !strings.Contains(scrape(t, base), "image_inflight 1") {
		if time.Now().After(inflightBy) {
			t.Fatal("the 12 MP request never showed as in flight")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()

	// While the image is in flight the listener stays open: readiness says
	// draining and new images are refused with 503 OVERLOADED.
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatalf("readyz while draining: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 503 {
			if string(body) != `{"status":"draining"}`+"\n" {
				t.Errorf("readyz body %q", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("readyz never turned 503")
		}
		time.Sleep(2 * time.Millisecond)
	}
	res, err := http.Post(base+"/process", "image/jpeg", bytes.NewReader(img[:1000]))
	if err != nil {
		t.Fatalf("process while draining: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || !strings.Contains(string(body), `"code":"OVERLOADED"`) || res.Header.Get("Retry-After") != "1" {
		t.Errorf("process while draining: %d %s", res.StatusCode, body)
	}

	a := <-got
	if a.err != nil || a.status != 200 {
		t.Fatalf("in-flight request: status %d err %v", a.status, a.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("new connection accepted after shutdown")
	}
	if !strings.Contains(logs.String(), `"msg":"draining"`) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("shutdown not logged:\n%s", logs.String())
	}
}

// TestEdgeIsWired: run serves on the edge listener with the contract's
// header limit: a head over 16 KiB is a problem+json 431, an unclean path a
// 404, a raw UTF-8 target a 400.
func TestEdgeIsWired(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, _ := start(t, ctx, map[string]string{"PORT": "0", "HOST": "127.0.0.1"})
	for _, tt := range []struct {
		raw    string
		status int
		code   string
	}{
		{"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20_000) + "\r\n\r\n", 431, "HEADERS_TOO_LARGE"},
		{"GET //healthz HTTP/1.1\r\nHost: x\r\n\r\n", 404, "NOT_FOUND"},
		{"GET /healthz?q=caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "INVALID_REQUEST"},
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, tt.raw)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%.30q: %v", tt.raw, err)
		}
		body, _ := io.ReadAll(res.Body)
		conn.Close()
		if res.StatusCode != tt.status || res.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(string(body), `"code":"`+tt.code+`"`) {
			t.Errorf("%.30q: %d %s %s", tt.raw, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func scrape(t *testing.T, base string) string {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestDefaultPort: each build listens on its port of the contract (the
// servers of the embedded OpenAPI document) when PORT is unset.
func TestDefaultPort(t *testing.T) {
	var doc struct {
		Servers []struct{ URL, Description string }
	}
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, s := range doc.Servers {
		if s.Description == pipeline.Implementation+" service" {
			want = s.URL[strings.LastIndex(s.URL, ":")+1:]
		}
	}
	if got := withDefaultPort(func(string) string { return "" })("PORT"); want == "" || got != want {
		t.Errorf("PORT = %q, want %q (the contract's port of %s)", got, want, pipeline.Implementation)
	}
	if got := withDefaultPort(func(string) string { return "9000" })("PORT"); got != "9000" {
		t.Errorf("PORT = %q, want the value set", got)
	}
}
