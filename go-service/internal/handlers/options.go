package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rtip/go-service/internal/contract"
	"github.com/rtip/go-service/internal/pipeline"
)

// The options of POST /process are the contract's (contract.Options): their
// names, kinds, ranges, values and defaults. What is written here is how a
// value is read (as the contract's parseOptions reads it) and which field of
// pipeline.Options each option sets.

// optionSpecs are the contract's options by name.
var optionSpecs = func() map[string]contract.Option {
	m := map[string]contract.Option{}
	for _, o := range contract.Options {
		m[o.Name] = o
	}
	return m
}()

// knownOptions is the contract's list of options, for the detail of an unknown key.
var knownOptions = func() string {
	names := make([]string, len(contract.Options))
	for i, o := range contract.Options {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}()

// defaultOptions are the contract's defaults: each option's default read as
// if it were given in the query (an option without one is left unset).
var defaultOptions = func() pipeline.Options {
	var o pipeline.Options
	for _, spec := range contract.Options {
		if spec.Default == "" {
			continue
		}
		if p := setOption(&o, spec.Name, spec.Default); p != nil {
			panic("handlers: the contract's default of " + spec.Name + " does not parse: " + p.Detail)
		}
	}
	return o
}()

// fits and formats map the contract's values of fit and format to the
// pipeline's; a test checks that every value of the contract has one.
var (
	fits    = map[string]pipeline.Fit{"inside": pipeline.FitInside, "cover": pipeline.FitCover, "fill": pipeline.FitFill}
	formats = map[string]pipeline.Format{"jpeg": pipeline.FormatJPEG, "png": pipeline.FormatPNG}
)

var digits = regexp.MustCompile(`^[0-9]{1,9}$`)

func invalidOption(key, why string) *Problem {
	return problem(contract.CodeInvalidOption, fmt.Sprintf("option %q: %s", key, why))
}

// parseOptions reads the query of POST /process in order, like
// URLSearchParams: the first unknown, repeated or invalid key is reported.
func parseOptions(rawQuery string) (pipeline.Options, *Problem) {
	o := defaultOptions
	seen := map[string]bool{}
	for piece := range strings.SplitSeq(rawQuery, "&") {
		if piece == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(piece, "=")
		key, val := unescape(rawKey), unescape(rawVal)
		if seen[key] {
			return o, invalidOption(key, "given more than once")
		}
		seen[key] = true
		if p := setOption(&o, key, val); p != nil {
			return o, p
		}
	}
	return o, nil
}

// ParseOptions is parseOptions for callers outside the HTTP layer (the
// pipeline probe, cmd/pipeline-cpu): the query's options, or the contract
// detail of the first bad one as the error.
func ParseOptions(rawQuery string) (pipeline.Options, error) {
	o, p := parseOptions(rawQuery)
	if p != nil {
		return o, errors.New(p.Detail)
	}
	return o, nil
}

// unescape decodes like URLSearchParams: '+' is a space and a malformed
// escape is kept as written.
func unescape(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return strings.ReplaceAll(s, "+", " ")
}

// setOption checks val against the contract's option key and sets its field.
func setOption(o *pipeline.Options, key, val string) *Problem {
	spec, ok := optionSpecs[key]
	if !ok {
		return invalidOption(key, "unknown option; known options are "+knownOptions)
	}
	var b bool
	var n int
	switch spec.Kind {
	case contract.Boolean:
		switch val {
		case "true", "1":
			b = true
		case "false", "0":
			b = false
		default:
			return invalidOption(key, "must be one of true, false, 1, 0")
		}
	case contract.Integer:
		var err error
		n, err = strconv.Atoi(val)
		if !digits.MatchString(val) || err != nil || n < spec.Min || n > spec.Max {
			return invalidOption(key, fmt.Sprintf("must be an integer from %d to %d", spec.Min, spec.Max))
		}
	case contract.Enum:
		if !slices.Contains(spec.Values, val) {
			return invalidOption(key, "must be one of "+strings.Join(spec.Values, ", "))
		}
	}
	switch key {
	case contract.OptionGrayscale:
		o.Grayscale = b
	case contract.OptionWidth:
		o.Width = n
	case contract.OptionHeight:
		o.Height = n
	case contract.OptionFit:
		o.Fit = fits[val]
	case contract.OptionEnlarge:
		o.Enlarge = b
	case contract.OptionRotate:
		o.Rotate, _ = strconv.Atoi(val)
	case contract.OptionFlip:
		o.Flip = b
	case contract.OptionFlop:
		o.Flop = b
	case contract.OptionFormat:
		o.Format = formats[val]
	case contract.OptionQuality:
		o.Quality = n
	}
	return nil
}
