package linkage

import (
	"context"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Identity is one row of the spine's identities.csv: the linkage keys of a
// person, never joined into analysis data (DESIGN.md §4).
type Identity struct {
	PersonID    string
	NINO        string
	FirstName   string
	LastName    string
	DateOfBirth timeline.Date
	// DateOfBirthMissing is true when the spine has no date of birth for
	// the person; DateOfBirth is then ignored.
	DateOfBirthMissing bool
	Postcode           string
}

// IdentitySource streams the spine's identities to fn, one at a time,
// stopping at the first error fn returns. spine.ReadIdentities with its
// source bound has this shape. Linkage keeps only the person_id of
// identities that fall in a block with some participant, so memory grows
// with the participants, not with the spine.
type IdentitySource func(ctx context.Context, fn func(Identity) error) error

// Identities returns a source that yields ids in order, for tests and for
// callers that already hold identities in memory.
func Identities(ids []Identity) IdentitySource {
	return func(ctx context.Context, fn func(Identity) error) error {
		for i, id := range ids {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fn(id); err != nil {
				return err
			}
		}
		return nil
	}
}
