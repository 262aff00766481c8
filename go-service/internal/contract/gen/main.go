// Command gen writes package contract's Go tables from the contract's data:
//
//	go run ./gen ../../../packages/contract/contract.json contract_gen.go
//
// (run by `go generate` in internal/contract). The file is rewritten only when
// its bytes change.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/rtip/go-service/internal/contract/generate"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen <contract.json> <output.go>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	src, err := generate.Source(data)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, src) {
		return nil
	}
	return os.WriteFile(out, src, 0o644)
}
