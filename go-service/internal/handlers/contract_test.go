package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rtip/go-service/internal/config"
	"github.com/rtip/go-service/internal/contract"
	"github.com/rtip/go-service/internal/pipeline"
)

// TestOptionsFollowContract: every option of the contract is read with its
// kind, range and values, and sets a field of its own (two values of an
// option never give the same pipeline.Options), so an option, a value or a
// range added to the contract without a binding here fails.
func TestOptionsFollowContract(t *testing.T) {
	if defaultOptions != pipeline.DefaultOptions() {
		t.Errorf("the contract's defaults %+v differ from pipeline.DefaultOptions() %+v", defaultOptions, pipeline.DefaultOptions())
	}
	for _, spec := range contract.Options {
		var good, bad []string
		switch spec.Kind {
		case contract.Boolean:
			good, bad = []string{"true", "false"}, []string{"yes"}
		case contract.Integer:
			good = []string{fmt.Sprint(spec.Min), fmt.Sprint(spec.Max)}
			bad = []string{fmt.Sprint(spec.Max + 1)}
			if spec.Min > 0 {
				bad = append(bad, fmt.Sprint(spec.Min-1))
			}
		case contract.Enum:
			good, bad = spec.Values, []string{"x" + spec.Values[0]}
		default:
			t.Fatalf("%s: kind %q", spec.Name, spec.Kind)
		}
		seen := map[pipeline.Options]string{}
		for _, v := range good {
			o, p := parseOptions(spec.Name + "=" + v)
			if p != nil {
				t.Errorf("%s=%s: %v", spec.Name, v, p)
				continue
			}
			if other, dup := seen[o]; dup {
				t.Errorf("%s=%s and %s=%s give the same options %+v: a value without its own binding", spec.Name, v, spec.Name, other, o)
			}
			seen[o] = v
		}
		for _, v := range bad {
			if _, p := parseOptions(spec.Name + "=" + v); p == nil || p.Code != contract.CodeInvalidOption ||
				!strings.HasPrefix(p.Detail, fmt.Sprintf("option %q: must be ", spec.Name)) {
				t.Errorf("%s=%s: %v, want INVALID_OPTION", spec.Name, v, p)
			}
		}
	}
	_, p := parseOptions("nope=1")
	if p == nil || !strings.HasSuffix(p.Detail, "known options are "+knownOptions) ||
		strings.Count(knownOptions, ", ") != len(contract.Options)-1 {
		t.Errorf("unknown option: %v", p)
	}
}

// TestRoutesFollowContract: every route of the contract is served, and any
// other method is 405 with the contract's methods in Allow.
func TestRoutesFollowContract(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	h := NewServer(Deps{Config: cfg})
	for _, route := range contract.Routes {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, route.Path, nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != strings.Join(route.Methods, ", ") {
			t.Errorf("DELETE %s: %d, Allow %q; want 405, Allow %q", route.Path, rec.Code, rec.Header().Get("Allow"),
				strings.Join(route.Methods, ", "))
		}
	}
}

// TestProblemsFollowContract: a problem carries the status, title and type of
// its code in the contract.
func TestProblemsFollowContract(t *testing.T) {
	for _, code := range contract.ErrorCodes {
		p := problem(code, "d")
		var body struct {
			Type, Title string
			Status      int
		}
		if err := json.Unmarshal(p.body("id"), &body); err != nil {
			t.Fatal(err)
		}
		e := contract.Errors[code]
		if p.Status != e.Status || body.Status != e.Status || body.Title != e.Title || body.Type != e.Type {
			t.Errorf("%s: status %d, body %+v; want %+v", code, p.Status, body, e)
		}
	}
}
