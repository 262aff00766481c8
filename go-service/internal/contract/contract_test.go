package contract

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rtip/go-service/internal/contract/generate"
)

// contractJSON is the contract's data, written by its build from its tables:
// packages/contract/contract.json, read through a symbolic link inside this
// module, as `go test` re-checks only the files inside a module before it
// answers from its cache (a path outside would let a stale result pass).
const contractJSON = "testdata/contract.json"

// TestGeneratedMatchesContract regenerates contract_gen.go in memory from
// the contract's data: a contract changed without `go generate` fails here.
func TestGeneratedMatchesContract(t *testing.T) {
	data, err := os.ReadFile(contractJSON)
	if err != nil {
		t.Fatalf("read the contract's data: %v", err)
	}
	want, err := generate.Source(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("contract_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("internal/contract/contract_gen.go differs from what packages/contract/contract.json (%s) gives: run `go generate ./internal/contract` "+
			"(after `pnpm --filter @rtip/contract build` if the contract's source changed)\n%s", contractJSON, firstDifference(got, want))
	}
	if !regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`).Match(got) {
		t.Error("contract_gen.go lacks the generated-code header")
	}
}

// firstDifference shows the first line that differs.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + gl + "\n  generated: " + wl
		}
	}
	return ""
}

// TestGeneratorRefusesWhatItDoesNotKnow: a table, a kind or a rule the Go side
// has no form for fails generation instead of being dropped.
func TestGeneratorRefusesWhatItDoesNotKnow(t *testing.T) {
	data, err := os.ReadFile(contractJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, old, new, want string }{
		{"a new table", `"CONTRACT_VERSION"`, `"NEW_TABLE": 1, "CONTRACT_VERSION"`, "NEW_TABLE"},
		{"a new option kind", `"kind": "boolean"`, `"kind": "float"`, "unknown kind"},
		{"a new default rule", `"rule": "cpus"`, `"rule": "memory"`, "rule"},
		{"a rule reading a later setting", `"of": "CONCURRENCY"`, `"of": "LOG_LEVEL"`, "read before"},
		{"a pattern Go cannot compile", `"REQUEST_ID_PATTERN": "`, `"REQUEST_ID_PATTERN": "(?<=x)`, "RE2"},
		{"a non-integer limit", `"maxHeaderBytes": 16384`, `"maxHeaderBytes": 16.5`, "not an integer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			changed := strings.Replace(string(data), tt.old, tt.new, 1)
			if changed == string(data) {
				t.Fatalf("%q not in contract.json", tt.old)
			}
			if _, err := generate.Source([]byte(changed)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

// TestTables checks what the generated tables promise their users.
func TestTables(t *testing.T) {
	if len(ErrorCodes) != len(Errors) {
		t.Errorf("%d codes, %d errors", len(ErrorCodes), len(Errors))
	}
	for _, code := range ErrorCodes {
		if e := Errors[code]; e.Code != code || e.Status == 0 || e.Title == "" {
			t.Errorf("Errors[%s] = %+v", code, e)
		}
	}
	if len(MetricList) == 0 || MetricList[0].Name != Metrics.HTTPRequests.Name {
		t.Errorf("MetricList does not start with Metrics.HTTPRequests")
	}
	if _, err := regexp.Compile(RequestIDPattern); err != nil {
		t.Error(err)
	}
	for _, s := range Config {
		if s.Kind == Integer && s.MinOf == "" && s.Min > s.Max {
			t.Errorf("%s: range %d..%d", s.Name, s.Min, s.Max)
		}
	}
}
