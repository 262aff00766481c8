package openapi

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func TestDocumentMatchesContract(t *testing.T) {
	want, err := os.ReadFile("../../../packages/contract/openapi.json")
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
