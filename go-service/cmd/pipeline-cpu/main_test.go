package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtip/go-service/internal/pipeline"
)

const smallPhoto = "../../../packages/contract/fixtures/photo-small.jpg"

func TestReport(t *testing.T) {
	var out bytes.Buffer
	query := "grayscale=true&width=320"
	if err := run([]string{"--image", smallPhoto, "--query", query, "--iterations", "3", "--warmup", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Fatalf("want one JSON line, got %d: %q", n, out.String())
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Implementation != pipeline.Implementation || r.Image != "photo-small.jpg" || r.Query != query || r.Iterations != 3 {
		t.Errorf("report %+v", r)
	}
	if !(r.CPUMsPerImage > 0) || !(r.WallMsPerImage > 0) {
		t.Errorf("a pipeline run costs time: %+v", r)
	}
	if r.Rate != 0 {
		t.Errorf("without --rate the images run back to back: %+v", r)
	}
	if strings.Contains(out.String(), `\u0026`) {
		t.Errorf("the query is written as given: %s", out.String())
	}
}

func TestRate(t *testing.T) {
	var out bytes.Buffer
	started := time.Now()
	if err := run([]string{"--image", smallPhoto, "--iterations", "4", "--warmup", "0", "--rate", "10"}, &out); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(started)
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	// Images at 0, 100, 200 and 300 ms: the last starts 300 ms after the first; each takes a few ms.
	if r.Rate != 10 || elapsed < 300*time.Millisecond || !(r.WallMsPerImage < 75) {
		t.Errorf("report %+v after %v: want rate 10, ≥ 300 ms in all, wall per image only inside the pipeline", r, elapsed)
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "usage"},
		{[]string{"--image", smallPhoto, "--iterations", "0"}, "usage"},
		{[]string{"--image", smallPhoto, "extra"}, "usage"},
		{[]string{"--image", smallPhoto, "--rate", "-1"}, "usage"},
		{[]string{"--image", smallPhoto, "--rate", "fast"}, "invalid value"},
		{[]string{"--image", "no-such-file.jpg"}, "no such file"},
		{[]string{"--image", smallPhoto, "--query", "width=0"}, `option "width"`},
		{[]string{"--image", "main.go"}, "not a JPEG, PNG, WebP or GIF"},
	} {
		var out bytes.Buffer
		err := run(c.args, &out)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.want)) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: wrote %q on an error", c.args, out.String())
		}
	}
}
