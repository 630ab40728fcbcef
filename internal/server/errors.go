package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/store"
)

// Kind classifies a failure; kinds map to HTTP status codes in one place
// (status), so a handler says what went wrong, never which code to send.
type Kind int

const (
	KindInternal     Kind = iota // a bug or an unavailable dependency: 500
	KindInvalid                  // the request is malformed or fails a check: 400
	KindUnauthorised             // no valid session or API token: 401
	KindForbidden                // signed in but the role may not do this (or a CSRF failure): 403
	KindNotFound                 // no such object, or another organisation's: 404
	KindConflict                 // the object is not in a state that allows this: 409
	KindTooLarge                 // an upload over the size limit: 413
	KindUnsupported              // an upload that is not a participants CSV: 415
	KindTooMany                  // rate limited: 429
	KindGone                     // the participants file was deleted after linkage: 410
)

// Error is a failure a user can act on: Message is safe to show (it never
// holds a direct identifier), Field names the form field at fault when
// there is one, and Err (not shown) keeps the cause for the log.
type Error struct {
	Kind    Kind
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an Error of kind k with a user-facing message.
func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// fieldError is an invalid value in the named form field.
func fieldError(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// errNotFound is the answer for a missing object and for another
// organisation's object alike, so ids cannot be probed.
func errNotFound(what string) *Error {
	return errorf(KindNotFound, "%s not found", what)
}

func status(k Kind) int {
	switch k {
	case KindInvalid:
		return http.StatusBadRequest
	case KindUnauthorised:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnsupported:
		return http.StatusUnsupportedMediaType
	case KindTooMany:
		return http.StatusTooManyRequests
	case KindGone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// asError turns any error into an *Error: an *Error passes through, a
// MaxBytesError becomes KindTooLarge, anything else is internal (its text
// is logged, never shown).
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return &Error{Kind: KindTooLarge, Field: uploadField, Message: fmt.Sprintf("the file is larger than the %s limit; split the cohort or ask the lab to raise the limit", byteSize(mb.Limit)), Err: err}
	}
	// The differencing guard refused the publication (store.Publish):
	// the reason names the earlier report and how many people the two
	// cohorts differ by, never a person, and says what to do.
	var diff *store.DifferencingRefusal
	if errors.As(err, &diff) {
		return &Error{Kind: KindConflict, Message: "this report cannot be published: " + diff.Reason, Err: err}
	}
	// Disclosure control refused to release the report: say why (the
	// reason names a table or threshold, never a person).
	var ref *disclosure.Refusal
	if errors.As(err, &ref) {
		return &Error{Kind: KindConflict, Message: "the report cannot be released: " + ref.Reason +
			"; an analyst should request changes (for example a larger cohort or fewer subgroups)", Err: err}
	}
	// The store's error kinds (internal/store/errors.go). Their messages
	// name fields and states, never identifiers, so they can be shown.
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Kind: KindNotFound, Message: "not found", Err: err}
	case errors.Is(err, store.ErrForbidden):
		return &Error{Kind: KindForbidden, Message: "your account cannot do this: " + strip(err, store.ErrForbidden), Err: err}
	case errors.Is(err, store.ErrBadCredentials):
		return &Error{Kind: KindUnauthorised, Field: "email", Message: "the email address or password is not right", Err: err}
	case errors.Is(err, store.ErrInvalidState):
		return &Error{Kind: KindConflict, Message: strip(err, store.ErrInvalidState), Err: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Kind: KindConflict, Message: strip(err, store.ErrConflict), Err: err}
	case errors.Is(err, store.ErrInvalid):
		return &Error{Kind: KindInvalid, Message: strip(err, store.ErrInvalid), Err: err}
	case errors.Is(err, store.ErrFileDeleted):
		return &Error{Kind: KindGone, Message: "the participants file was deleted after linkage, as the lab's rules require; upload it again to start a new submission", Err: err}
	}
	return &Error{Kind: KindInternal, Message: "something went wrong on our side; try again, and tell the lab if it keeps happening", Err: err}
}

// strip returns err's message without the "kind: " prefix and the
// "store: " package prefix, for showing to a user.
func strip(err, kind error) string {
	m := err.Error()
	m = strings.TrimPrefix(m, "store: ")
	m = strings.Replace(m, kind.Error()+": ", "", 1)
	return m
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
