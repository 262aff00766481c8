package handlers

import (
	"bytes"
	"strconv"
	"strings"
)

// The framing of the requests on one connection, scanned as net/http reads
// them: each head (request line and header lines) and then its body, by
// Content-Length or chunked, so that the next head is found where net/http
// finds it, pipelined or not.
//
// It follows net/http's reading (leading empty lines skipped, lines ending
// in LF or CRLF, Transfer-Encoding ignored for HTTP/1.0, chunk lines, the
// trailer). Where it cannot be sure to read the bytes as net/http does (a
// folded or long Content-Length line, conflicting lengths, a head over the
// limit, a bad chunk line), it stops for the rest of the connection: later
// heads are unknown (requestHead.known false), never guessed; net/http then
// refuses the request and closes the connection anyway. It also stops, and
// forgets the heads not yet claimed, when more than maxPendingHeads were read
// ahead or a handler's request line is not the head it claims (handlerStarted).
// Tested as a unit in TestFramingScan and on connections in
// TestPipelinedRequestsAreScanned.

// requestHead is what the scan saw in one request's head.
type requestHead struct {
	known            bool   // scanned (false: not on an edge connection, or the scan stopped)
	bytes            int    // request line and headers, CRLFs included
	lengthAndChunked bool   // Content-Length together with Transfer-Encoding
	targetBad        bool   // raw non-ASCII or control bytes in the request target
	lengths          string // what net/http refuses in the lengths, if anything
	line             string // the start of the request line, to check the claim
}

const (
	fIdle        = iota // before a request: CR and LF are skipped
	fRequestLine        // in the request line
	fHeaderLine         // in a header line
	fBody               // skipping n bytes of a body by Content-Length
	fChunkLine          // in a chunk-size line
	fChunkData          // skipping n bytes of chunk data
	fChunkEnd           // skipping the CRLF after chunk data
	fTrailer            // in a trailer line
	fLost               // stopped: framing unknown from here on
)

// headScanLimit is the longest head net/http may accept: its 16 KiB plus
// bytes read ahead into its buffer before this request began.
var headScanLimit = MaxHeaderBytes + netHTTPHeaderSlop

const (
	// maxPendingHeads bounds the heads scanned and not yet claimed.
	maxPendingHeads = 256
	lineKeep        = 128 // bytes kept of each line: names, lengths, request line
)

type framing struct {
	state   int
	n       int64 // bytes left to skip (fBody, fChunkData, fChunkEnd)
	line    [lineKeep]byte
	lineLen int  // bytes in the current line, its LF excluded
	last    byte // the line's last byte, to drop a CR
	// The head being read.
	cur     requestHead
	spaces  int // spaces in the request line so far
	proto   [16]byte
	protoN  int
	http10  bool // Transfer-Encoding does not count (net/http ignores it)
	hasCL   bool
	hasTE   bool
	cl      int64
	foldsCL bool // the previous header line was Content-Length
	// Heads begun, and those complete but not claimed by a handler.
	started int
	heads   []requestHead
}

// inHead reports whether a head has begun and not ended.
func (f *framing) inHead() bool { return f.state == fRequestLine || f.state == fHeaderLine }

// claim takes the oldest complete head; unknown if there is none.
func (f *framing) claim() requestHead {
	if len(f.heads) == 0 {
		return requestHead{}
	}
	h := f.heads[0]
	f.heads = f.heads[1:]
	return h
}

// lose stops the scan; the heads complete before stay good.
func (f *framing) lose() { f.state = fLost }

func (f *framing) feed(b []byte) {
	for i := 0; i < len(b); {
		switch f.state {
		case fLost:
			return
		case fBody, fChunkData, fChunkEnd:
			k := min(int64(len(b)-i), f.n)
			i += int(k)
			f.n -= k
			if f.n > 0 {
				continue
			}
			switch f.state {
			case fBody:
				f.state = fIdle
			case fChunkData:
				f.state, f.n = fChunkEnd, 2
			default:
				f.state = fChunkLine
			}
		case fIdle:
			if b[i] == '\r' || b[i] == '\n' {
				i++
				continue
			}
			f.started++
			f.state = fRequestLine
			f.cur = requestHead{known: true}
			f.spaces, f.protoN, f.hasCL, f.hasTE, f.cl, f.foldsCL = 0, 0, false, false, 0, false
		default: // the line states
			c := b[i]
			i++
			if f.inHead() {
				if f.cur.bytes++; f.cur.bytes > headScanLimit {
					f.lose()
					return
				}
			}
			if c == '\n' {
				f.endLine()
				f.lineLen = 0
				continue
			}
			if f.state == fRequestLine {
				f.requestLineByte(c)
			}
			if f.lineLen < lineKeep {
				f.line[f.lineLen] = c
			}
			f.lineLen++
			f.last = c
		}
	}
}

// requestLineByte follows net/http's split of the request line: the
// method, a space, the target, a space, the protocol.
func (f *framing) requestLineByte(c byte) {
	switch {
	case f.spaces < 2 && c == ' ':
		f.spaces++
	case f.spaces == 1 && (c < 0x21 || c > 0x7e):
		f.cur.targetBad = true
	case f.spaces == 2:
		if f.protoN < len(f.proto) {
			f.proto[f.protoN] = c
		}
		f.protoN++
	}
}

// endLine acts on a line just ended by LF.
func (f *framing) endLine() {
	n := f.lineLen
	if n > 0 && f.last == '\r' {
		n--
	}
	kept := f.line[:min(n, lineKeep)]
	switch f.state {
	case fRequestLine:
		f.cur.line = string(kept)
		proto := f.proto[:min(f.protoN, len(f.proto))]
		f.http10 = string(bytes.TrimSuffix(proto, []byte("\r"))) == "HTTP/1.0"
		f.state = fHeaderLine
	case fHeaderLine:
		if n == 0 {
			f.endHead()
			return
		}
		folded := kept[0] == ' ' || kept[0] == '\t'
		if folded && f.foldsCL || !folded && n > lineKeep && hasFieldName(kept, "content-length") {
			f.lose() // a Content-Length this scan cannot read as net/http does
			return
		}
		f.foldsCL = false
		switch {
		case folded:
		case hasFieldName(kept, "content-length"):
			f.foldsCL = true
			v, ok := parseLength(kept[len("content-length:"):])
			if !ok || f.hasCL && v != f.cl {
				// net/http refuses it with its plain 400.
				f.cur.lengths = "a malformed Content-Length, or more than one with different values"
				f.lose()
				return
			}
			f.hasCL, f.cl = true, v
		case hasFieldName(kept, "transfer-encoding"):
			f.hasTE = true
		}
	case fChunkLine:
		size, ok := parseChunkSize(kept)
		switch {
		case !ok:
			f.lose()
		case size == 0:
			f.state = fTrailer
		default:
			f.state, f.n = fChunkData, size
		}
	case fTrailer:
		if n == 0 {
			f.state = fIdle
		}
	}
}

// endHead ends a head at its empty line; the body follows as net/http reads
// it: chunked when Transfer-Encoding is there (HTTP/1.1; net/http refuses
// any coding but chunked), else Content-Length bytes, else none.
func (f *framing) endHead() {
	f.cur.lengthAndChunked = f.hasCL && f.hasTE
	if len(f.heads) >= maxPendingHeads {
		f.lose()
		f.heads = nil
		return
	}
	f.heads = append(f.heads, f.cur)
	switch {
	case f.hasTE && !f.http10:
		f.state = fChunkLine
	case f.hasCL && f.cl > 0:
		f.state, f.n = fBody, f.cl
	default:
		f.state = fIdle
	}
}

// hasFieldName reports whether line is a field of that (lower-case) name:
// the name, case-insensitive, at the line's start, then a colon.
func hasFieldName(line []byte, name string) bool {
	return len(line) > len(name) && line[len(name)] == ':' && strings.EqualFold(string(line[:len(name)]), name)
}

// parseLength reads a Content-Length value as net/http does: digits between
// optional whitespace, below 2^63.
func parseLength(v []byte) (int64, bool) {
	s := strings.Trim(string(v), " \t")
	n, err := strconv.ParseUint(s, 10, 63)
	return int64(n), err == nil && s != ""
}

// parseChunkSize reads the hex size at the start of a chunk line (an
// extension after it is ignored, as net/http does).
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	digits := 0
	for _, c := range line {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return n, digits > 0
		}
		if digits++; digits > 15 {
			return 0, false // net/http takes 16 digits, this scan 15: beyond, stop
		}
		n = n<<4 | int64(d)
	}
	return n, digits > 0
}
