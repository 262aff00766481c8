package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/rtip/go-service/internal/services"
)

// The options table of contract v1 (packages/contract/src/options.ts).
var optionKeys = []string{"grayscale", "width", "height", "fit", "enlarge", "rotate", "flip", "flop", "format", "quality"}

var digits = regexp.MustCompile(`^[0-9]{1,9}$`)

func invalidOption(key, why string) *Problem {
	return problem(http.StatusBadRequest, "INVALID_OPTION", fmt.Sprintf("option %q: %s", key, why))
}

// parseOptions reads the query of POST /process in order, like
// URLSearchParams: the first unknown, repeated or invalid key is reported.
func parseOptions(rawQuery string) (services.Options, *Problem) {
	o := services.DefaultOptions()
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

// unescape decodes like URLSearchParams: '+' is a space and a malformed
// escape is kept as written.
func unescape(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return strings.ReplaceAll(s, "+", " ")
}

func setOption(o *services.Options, key, val string) *Problem {
	boolean := func(dst *bool) *Problem {
		switch val {
		case "true", "1":
			*dst = true
		case "false", "0":
			*dst = false
		default:
			return invalidOption(key, "must be one of true, false, 1, 0")
		}
		return nil
	}
	integer := func(dst *int, lo, hi int) *Problem {
		n, err := strconv.Atoi(val)
		if !digits.MatchString(val) || err != nil || n < lo || n > hi {
			return invalidOption(key, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
		}
		*dst = n
		return nil
	}
	switch key {
	case "grayscale":
		return boolean(&o.Grayscale)
	case "width":
		return integer(&o.Width, 1, 8192)
	case "height":
		return integer(&o.Height, 1, 8192)
	case "enlarge":
		return boolean(&o.Enlarge)
	case "flip":
		return boolean(&o.Flip)
	case "flop":
		return boolean(&o.Flop)
	case "quality":
		return integer(&o.Quality, 1, 100)
	case "fit":
		switch val {
		case "inside":
			o.Fit = services.FitInside
		case "cover":
			o.Fit = services.FitCover
		case "fill":
			o.Fit = services.FitFill
		default:
			return invalidOption(key, "must be one of inside, cover, fill")
		}
	case "rotate":
		switch val {
		case "0", "90", "180", "270":
			o.Rotate, _ = strconv.Atoi(val)
		default:
			return invalidOption(key, "must be one of 0, 90, 180, 270")
		}
	case "format":
		switch val {
		case "jpeg":
			o.Format = services.FormatJPEG
		case "png":
			o.Format = services.FormatPNG
		default:
			return invalidOption(key, "must be one of jpeg, png")
		}
	default:
		return invalidOption(key, "unknown option; known options are "+strings.Join(optionKeys, ", "))
	}
	return nil
}
