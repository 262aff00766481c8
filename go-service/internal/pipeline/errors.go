package pipeline

import "fmt"

// Kind classifies pipeline failures so that the HTTP layer can map them to
// contract codes in one place.
type Kind int

const (
	KindUnsupported Kind = iota + 1 // not JPEG, PNG, GIF or WebP
	KindUndecodable                 // recognised format, corrupt or truncated
	KindTooLarge                    // input or planned output over the pixel limit
)

// Error is a pipeline failure whose message is safe to show to clients.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // cause, for logs only
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func errorf(k Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...), Err: cause}
}
