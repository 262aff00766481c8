package handlers

import (
	"encoding/json"
	"os"
	"testing"
)

// TestContentDispositionVectors: every case of the contract's
// vectors/content-disposition.json, read as the TypeScript twin reads it.
func TestContentDispositionVectors(t *testing.T) {
	b, err := os.ReadFile(contractDir + "/vectors/content-disposition.json")
	if err != nil {
		t.Fatalf("content-disposition vectors: %v", err)
	}
	var file struct {
		Version int `json:"version"`
		Cases   []struct {
			Header string          `json:"header"`
			Expect json.RawMessage `json:"expect"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if file.Version != 1 || len(file.Cases) == 0 {
		t.Fatalf("version %d with %d cases", file.Version, len(file.Cases))
	}
	for _, c := range file.Cases {
		t.Run(c.Header, func(t *testing.T) {
			var want disposition
			var kind string
			var field struct {
				Name *string `json:"name"`
			}
			switch {
			case json.Unmarshal(c.Expect, &kind) == nil && kind == "other":
				want = disposition{kind: dispositionOther}
			case kind == "malformed":
				want = disposition{kind: dispositionMalformed}
			case json.Unmarshal(c.Expect, &field) == nil:
				want = disposition{kind: dispositionFormData}
				if field.Name != nil {
					want.name, want.hasName = *field.Name, true
				}
			default:
				t.Fatalf("unknown expectation %s", c.Expect)
			}
			if got := parseContentDisposition(c.Header); got != want {
				t.Errorf("parseContentDisposition(%q) = %+v, want %+v", c.Header, got, want)
			}
		})
	}
}
