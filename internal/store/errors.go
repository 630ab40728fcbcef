package store

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Every error the lab-records methods return wraps one of
// these (test with errors.Is), so the server maps kinds to HTTP status in
// one place: ErrNotFound 404, ErrForbidden 403, ErrBadCredentials 401,
// ErrConflict and ErrInvalidState 409, ErrInvalid 400 (422), ErrFileDeleted
// 410, ErrLeaseLost to the job runner (stop work on that job).
var (
	// ErrNotFound: no such row, or one outside the caller's Scope
	// (a provider asking for another organisation's row gets this, never
	// the row and never ErrForbidden, so ids do not leak).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the acting user's role may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrBadCredentials: unknown email, wrong password or disabled user
	// (deliberately not told apart).
	ErrBadCredentials = errors.New("email or password not recognised")
	// ErrConflict: a unique value (email, organisation name, report
	// slug) is taken, or a publication was refused by the differencing
	// guard (*DifferencingRefusal).
	ErrConflict = errors.New("already exists")
	// ErrInvalid: a value failed validation; the message names the field.
	ErrInvalid = errors.New("invalid")
	// ErrInvalidState: the transition is not allowed from the row's
	// current state; the *StateError says which state it is in.
	ErrInvalidState = errors.New("not allowed in the current state")
	// ErrFileDeleted: the submission's participants file was deleted
	// after linkage, as it must be.
	ErrFileDeleted = errors.New("participants file deleted")
	// ErrLeaseLost: the job is no longer running under this owner (its
	// lease expired and it was recovered, or it finished or was
	// cancelled); the runner must stop working on it.
	ErrLeaseLost = errors.New("job lease lost")
)

// StateError is a refused transition: Object Id is in State, and Action
// needs one of Allowed.
type StateError struct {
	Object  string   // "evaluation", "job", "submission"
	ID      int64    // the row
	State   string   // its current state
	Action  string   // what was attempted, e.g. "publish"
	Allowed []string // the states Action is allowed from
}

func (e *StateError) Error() string {
	return fmt.Sprintf("cannot %s %s %d: it is %s; %s needs it to be %s", e.Action, e.Object, e.ID, e.State, e.Action, strings.Join(e.Allowed, " or "))
}

// Is makes errors.Is(err, ErrInvalidState) true.
func (e *StateError) Is(target error) bool { return target == ErrInvalidState }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrForbidden}, args...)...)
}
