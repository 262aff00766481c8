package handlers

import "strings"

// The one Content-Disposition rule of a multipart part (contract README,
// "Edge policy"; the twin of parseContentDisposition in
// packages/contract/src/disposition.ts, tested against the same cases,
// packages/contract/vectors/content-disposition.json). Strict on purpose: a
// header that two parsers read differently is how an upload filter is
// bypassed, and what browsers and curl send always parses.

// dispositionKind is what a part's Content-Disposition says.
type dispositionKind int

const (
	dispositionFormData  dispositionKind = iota // a form field (named, or not)
	dispositionOther                            // another type, e.g. attachment: not a form field
	dispositionMalformed                        // does not parse: 400 INVALID_REQUEST
)

// disposition is a parsed Content-Disposition: its kind and, for a form
// field, the name parameter (hasName false when there is none).
type disposition struct {
	kind    dispositionKind
	name    string
	hasName bool
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// parseContentDisposition parses
//
//	type *( OWS ";" OWS name OWS "=" OWS value )
//
// where type and name are tokens and value is a token or a quoted-string (a
// backslash escapes the next byte; bytes 0x80–0xFF are allowed, as browsers
// send UTF-8 file names raw). Names are case-insensitive and may not repeat;
// a trailing ";" is allowed. Anything else is malformed. The type form-data
// (any case) makes the part a form field named by its name parameter. It
// works on bytes, as the header arrived.
func parseContentDisposition(value string) disposition {
	i, n := 0, len(value)
	ows := func() {
		for i < n && (value[i] == ' ' || value[i] == '\t') {
			i++
		}
	}
	token := func() (string, bool) {
		start := i
		for i < n && isTokenChar(value[i]) {
			i++
		}
		return value[start:i], i > start
	}
	quoted := func() (string, bool) {
		i++ // the opening quote
		var out strings.Builder
		for i < n {
			c := value[i]
			switch {
			case c == '"':
				i++
				return out.String(), true
			case c == '\\':
				if i+1 >= n {
					return "", false
				}
				out.WriteByte(value[i+1])
				i += 2
				continue
			case c == 0x7f || (c < 0x20 && c != '\t'):
				// qdtext: HTAB, SP, visible ASCII but '"' and '\', obs-text.
				return "", false
			}
			out.WriteByte(c)
			i++
		}
		return "", false // no closing quote
	}
	malformed := disposition{kind: dispositionMalformed}

	ows()
	typ, ok := token()
	if !ok {
		return malformed
	}
	params := map[string]string{}
	ows()
	for i < n {
		if value[i] != ';' {
			return malformed
		}
		i++
		ows()
		if i >= n {
			break // a trailing ";"
		}
		name, ok := token()
		if !ok {
			return malformed
		}
		name = strings.ToLower(name)
		ows()
		if i >= n || value[i] != '=' {
			return malformed
		}
		i++
		ows()
		var v string
		if i < n && value[i] == '"' {
			v, ok = quoted()
		} else {
			v, ok = token()
		}
		if _, repeated := params[name]; !ok || repeated {
			return malformed
		}
		params[name] = v
		ows()
	}
	if !strings.EqualFold(typ, "form-data") {
		return disposition{kind: dispositionOther}
	}
	name, hasName := params["name"]
	return disposition{kind: dispositionFormData, name: name, hasName: hasName}
}
