// Package openapi embeds the contract's OpenAPI document, served byte for byte
// at GET /openapi.json. The copy is refreshed with `go generate` and a test
// fails when it drifts from packages/contract/openapi.json.
package openapi

import _ "embed"

//go:generate cp ../../../packages/contract/openapi.json openapi.json

// Document is the contract's OpenAPI 3.1 document.
//
//go:embed openapi.json
var Document []byte
