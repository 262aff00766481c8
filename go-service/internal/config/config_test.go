package config

import (
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtip/go-service/internal/contract"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cpus := runtime.NumCPU()
	want := Config{
		Port: 8080, Host: "0.0.0.0", MaxUploadBytes: 26214400, MaxInflightUploadBytes: 4 * 26214400,
		UploadTimeout: 30 * time.Second, MaxInputPixels: 50000000,
		Concurrency: cpus, QueueDepth: 4 * cpus, RequestTimeout: 30 * time.Second,
		ShutdownTimeout: 10 * time.Second, LingerTimeout: 30 * time.Second, LingerIdle: 5 * time.Second,
		MaxLingering: 256, LogLevel: slog.LevelInfo,
	}
	if c != want {
		t.Errorf("Load = %+v, want %+v", c, want)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(Config) bool
		errWant string // substring of the error; "" means valid
	}{
		{"port", map[string]string{"PORT": "9000"}, func(c Config) bool { return c.Port == 9000 }, ""},
		{"port 0 picks a free port", map[string]string{"PORT": "0"}, func(c Config) bool { return c.Port == 0 }, ""},
		{"queue follows concurrency", map[string]string{"CONCURRENCY": "3"}, func(c Config) bool { return c.QueueDepth == 12 }, ""},
		{"queue may be 0", map[string]string{"QUEUE_DEPTH": "0"}, func(c Config) bool { return c.QueueDepth == 0 }, ""},
		{"timeouts", map[string]string{"REQUEST_TIMEOUT_MS": "5", "SHUTDOWN_TIMEOUT_MS": "0"}, func(c Config) bool {
			return c.RequestTimeout == 5*time.Millisecond && c.ShutdownTimeout == 0
		}, ""},
		{"linger", map[string]string{"LINGER_TIMEOUT_MS": "700", "LINGER_IDLE_MS": "80", "MAX_LINGERING": "0"}, func(c Config) bool {
			return c.LingerTimeout == 700*time.Millisecond && c.LingerIdle == 80*time.Millisecond && c.MaxLingering == 0
		}, ""},
		{"zero linger", map[string]string{"LINGER_TIMEOUT_MS": "0"}, nil, "LINGER_TIMEOUT_MS"},
		{"linger idle past a timer", map[string]string{"LINGER_IDLE_MS": "2147483648"}, nil, "LINGER_IDLE_MS"},
		{"lingering not a number", map[string]string{"MAX_LINGERING": "many"}, nil, "MAX_LINGERING"},
		{"upload budget follows the upload limit", map[string]string{"MAX_UPLOAD_BYTES": "1000"}, func(c Config) bool {
			return c.MaxInflightUploadBytes == 4000
		}, ""},
		{"upload budget of one body", map[string]string{"MAX_UPLOAD_BYTES": "1000", "MAX_INFLIGHT_UPLOAD_BYTES": "1000"}, func(c Config) bool {
			return c.MaxInflightUploadBytes == 1000
		}, ""},
		{"upload budget below the upload limit", map[string]string{"MAX_UPLOAD_BYTES": "1000", "MAX_INFLIGHT_UPLOAD_BYTES": "999"}, nil,
			`MAX_INFLIGHT_UPLOAD_BYTES must be an integer from 1000 to 9007199254740991, got "999"`},
		{"upload budget below the default upload limit", map[string]string{"MAX_INFLIGHT_UPLOAD_BYTES": "1"}, nil,
			`MAX_INFLIGHT_UPLOAD_BYTES must be an integer from 26214400 to 9007199254740991, got "1"`},
		{"upload timeout", map[string]string{"UPLOAD_TIMEOUT_MS": "2147483647"}, func(c Config) bool {
			return c.UploadTimeout == 2147483647*time.Millisecond
		}, ""},
		{"zero upload timeout", map[string]string{"UPLOAD_TIMEOUT_MS": "0"}, nil,
			`UPLOAD_TIMEOUT_MS must be an integer from 1 to 2147483647, got "0"`},
		{"upload timeout past a timer", map[string]string{"UPLOAD_TIMEOUT_MS": "2147483648"}, nil, "UPLOAD_TIMEOUT_MS"},
		{"log level", map[string]string{"LOG_LEVEL": "debug"}, func(c Config) bool { return c.LogLevel == slog.LevelDebug }, ""},
		{"port not a number", map[string]string{"PORT": "http"}, nil, "PORT"},
		{"port too large", map[string]string{"PORT": "70000"}, nil, "PORT"},
		{"negative upload", map[string]string{"MAX_UPLOAD_BYTES": "-1"}, nil, "MAX_UPLOAD_BYTES"},
		{"plus sign", map[string]string{"MAX_INPUT_PIXELS": "+5"}, nil, "MAX_INPUT_PIXELS"},
		{"zero concurrency", map[string]string{"CONCURRENCY": "0"}, nil, "CONCURRENCY"},
		{"zero timeout", map[string]string{"REQUEST_TIMEOUT_MS": "0"}, nil, "REQUEST_TIMEOUT_MS"},
		{"bad level", map[string]string{"LOG_LEVEL": "verbose"}, nil, "LOG_LEVEL"},
		{"all errors at once", map[string]string{"PORT": "x", "QUEUE_DEPTH": "y"}, nil, "QUEUE_DEPTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(env(tt.env))
			if tt.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWant) {
					t.Fatalf("err = %v, want it to name %s", err, tt.errWant)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestAddr(t *testing.T) {
	for _, tt := range []struct{ host, want string }{{"0.0.0.0", "0.0.0.0:8080"}, {"::", "[::]:8080"}, {"localhost", "localhost:8080"}} {
		if got := (Config{Host: tt.host, Port: 8080}).Addr(); got != tt.want {
			t.Errorf("Addr(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

// TestEverySettingIsRead: each setting of the contract changes the Config
// (a setting added to the contract without a field here fails), and its
// range is the contract's, in the contract's words.
func TestEverySettingIsRead(t *testing.T) {
	base, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range contract.Config {
		var values []string
		switch s.Kind {
		case contract.Integer:
			if s.MinOf != "" {
				values = []string{fmt.Sprint(integerDefault(contract.Config[slices.IndexFunc(contract.Config,
					func(o contract.Setting) bool { return o.Name == s.MinOf })].Default, nil))}
			} else {
				values = []string{fmt.Sprint(s.Min), fmt.Sprint(s.Min + 1), fmt.Sprint(s.Max)}
			}
		case contract.String:
			values = []string{"127.0.0.1"}
		case contract.Enum:
			values = s.Values
		}
		changed := false
		for _, v := range values {
			c, err := Load(env(map[string]string{s.Name: v}))
			if err != nil {
				t.Errorf("%s=%s: %v", s.Name, v, err)
			}
			changed = changed || c != base || (s.Kind == contract.Enum && v == s.Default.Text)
		}
		if !changed {
			t.Errorf("%s: none of %v changes the configuration", s.Name, values)
		}
		if s.Kind == contract.Integer {
			_, err := Load(env(map[string]string{s.Name: fmt.Sprint(uint64(s.Max) + 1)}))
			if err == nil || !strings.HasPrefix(err.Error(), s.Name+" must be an integer from ") ||
				!strings.Contains(err.Error(), fmt.Sprintf(" to %d, got ", s.Max)) {
				t.Errorf("%s above its max: %v", s.Name, err)
			}
		}
	}
}
