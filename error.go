package hailong

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in fiberapp; nothing else in the
// code base decides what a caller is told.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ECONFLICT     = "conflict"     // the input contradicts what is already stored
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	EUNAUTHORIZED = "unauthorized" // the caller did not prove who it is
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	ETOOLARGE     = "too_large"    // the request is over its size limit
	EUNAVAILABLE  = "unavailable"  // a dependency is down; retry later
	ERATELIMITED  = "rate_limited" // the caller sent too many requests
	EINTERNAL     = "internal"     // a fault of ours; details are logged, never shown
	EUNSUPPORTED  = "unsupported"  // e.g. a content type we do not accept
	EGONE         = "gone"         // it existed but may no longer be used
	EMETHOD       = "method"       // the path exists, but not for this method

	// EHEADERTOOLARGE: the request's header (request line, fields,
	// cookies) is over the server's read buffer.
	EHEADERTOOLARGE = "header_too_large"
)

// FieldError names one field of the input and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Said is how Message was made (Fieldf), for a page that says it in
	// its own language; nil for a message written as it stands.
	Said *Said `json:"-"`
	// Cause is the error Message says, when it came from one (a
	// *TextError of CheckText), for a page to find with errors.As.
	Cause error `json:"-"`
}

// Fieldf returns the FieldError of field with a formatted message, and
// how it was made (Said).
func Fieldf(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Message: fmt.Sprintf(format, args...), Said: &Said{Format: format, Args: args}}
}

// Said is how a message was made: its English format and the values put
// in it. A page in another language looks the format up in its own
// words and puts the same values in, rather than matching the English
// message it was given (which breaks when the English changes).
type Said struct {
	Format string
	Args   []any
}

// Error is the application error. Code decides the HTTP status; Message is
// safe to show to the caller; Fields lists per-field problems of bad input.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Said is how Message was made (Errorf); nil when it was written as
	// it stands.
	Said *Said
	// Err is the underlying cause, for the log; it is never shown.
	Err error
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("hailong error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	if len(e.Fields) == 0 {
		return fmt.Sprintf("hailong error: code=%s message=%s", e.Code, e.Message)
	}
	fields := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("hailong error: code=%s message=%s fields=[%s]", e.Code, e.Message, strings.Join(fields, "; "))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Said: &Said{Format: format, Args: args}}
}

// Invalid returns an EINVALID error listing the field errors. Its
// message is its own format (Said), with no values.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields, Said: &Said{Format: message}}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the caller-safe message of err. Errors that are not
// *Error are internal, so their text is never returned.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Internal error."
	}
}

// ErrorSaid returns how the message of the *Error in err's chain was
// made, or nil.
func ErrorSaid(err error) *Said {
	var e *Error
	if errors.As(err, &e) {
		return e.Said
	}
	return nil
}

// ErrorFields returns the field errors of the *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
