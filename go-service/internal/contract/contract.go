// Package contract is HTTP contract v1 as Go data: the tables of
// packages/contract (options, error codes, settings, metrics, limits, media
// types, routes), generated into contract_gen.go from
// packages/contract/contract.json, which the contract's build writes from its
// TypeScript source. Only the types below are written by hand. After a change
// to the contract:
//
//	pnpm --filter @rtip/contract build
//	cd go-service && go generate ./...
//
// TestGeneratedMatchesContract fails while contract_gen.go differs from what
// contract.json gives.
package contract

//go:generate go run ./gen ../../../packages/contract/contract.json contract_gen.go

// Kind is how a value is written: an option's in a query, a setting's in env.
type Kind string

// The kinds of options (Boolean, Integer, Enum) and settings (Integer,
// String, Enum).
const (
	Boolean Kind = "boolean"
	Integer Kind = "integer"
	Enum    Kind = "enum"
	String  Kind = "string"
)

// Option is one query option of POST /process (OPTIONS).
type Option struct {
	Name     string
	Kind     Kind
	Min, Max int      // Integer: the range
	Values   []string // Enum: the values, as written in a query
	Default  string   // as written in a query; "" when the option has none
}

// Error is one error code (ERRORS) and the fields of its problem+json body.
type Error struct {
	Code   string
	Status int
	Title  string
	Type   string // the problem type, "/problems/…"
}

// Setting is one environment variable as the contract's parseConfig applies
// it (CONFIG): an Integer is ^[0-9]+$ from its least value to Max, a String
// anything not empty, an Enum one of Values; unset or empty is Default.
type Setting struct {
	Name    string // the environment variable
	Key     string // its field of the TypeScript ServiceConfig
	Kind    Kind   // Integer, String or Enum
	Default Default
	Min     int64    // Integer: the least value, unless MinOf is set:
	MinOf   string   // then the value of this setting (read before) is
	Max     int64    // Integer: the largest value
	Values  []string // Enum: the values
}

// Rule is how a setting's default is found.
type Rule string

// The rules of a default.
const (
	RuleValue Rule = ""      // Default.Value (Integer) or Default.Text
	RulePort  Rule = "port"  // the port of the implementation (DefaultPorts)
	RuleCPUs  Rule = "cpus"  // the number of CPUs the process may use, at least 1
	RuleTimes Rule = "times" // Factor × the value of the setting Of, read before
)

// Default is a setting's value when it is unset or empty.
type Default struct {
	Rule   Rule
	Value  int64  // RuleValue of an Integer
	Text   string // RuleValue of a String or an Enum
	Factor int64  // RuleTimes
	Of     string // RuleTimes
}

// Metric is one metric of GET /metrics (METRICS).
type Metric struct {
	Name   string
	Type   string // "counter", "gauge" or "histogram"
	Help   string
	Labels []string
}

// Route is a path and the methods it answers (ROUTES); another method is 405
// with these in Allow.
type Route struct {
	Path    string
	Methods []string
}
