package openapi

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func TestDocumentMatchesContract(t *testing.T) {
	// packages/contract/openapi.json, through a symbolic link inside this
	// module: `go test` re-checks only the files inside a module before it
	// answers from its cache.
	want, err := os.ReadFile("testdata/openapi.json")
	if err != nil {
		t.Fatalf("read the contract's document: %v", err)
	}
	if !bytes.Equal(Document, want) {
		t.Fatal("internal/openapi/openapi.json differs from packages/contract/openapi.json: run `go generate ./internal/openapi`")
	}
	if !json.Valid(Document) {
		t.Fatal("embedded document is not JSON")
	}
}
