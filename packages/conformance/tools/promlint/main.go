// Command promlint checks a Prometheus text exposition read from stdin with the linter `promtool check metrics`
// runs (client_golang's promlint): it prints one line per problem and exits 1 if there is any, 2 if the input
// does not parse. The conformance suite pipes every target's GET /metrics through it.
package main

import (
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

func main() {
	problems, err := promlint.New(os.Stdin).Lint()
	if err != nil {
		fmt.Fprintf(os.Stderr, "promlint: %v\n", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Printf("%s: %s\n", p.Metric, p.Text)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
