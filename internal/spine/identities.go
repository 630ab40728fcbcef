package spine

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Identity is one identities row: the linkage keys of a spine person. They
// are direct identifiers: use them to link, never persist, log or print
// them, and never join them into analysis data.
type Identity struct {
	PersonID    string
	NINO        string
	FirstName   string
	LastName    string
	DateOfBirth timeline.Date // 0 (1970-01-01) with HasDateOfBirth false when empty
	// HasDateOfBirth is false when the identities row has no date of birth.
	HasDateOfBirth bool
	Postcode       string
}

// ReadIdentities calls fn for every identity of a spine. src is either a
// spine folder (identities.csv or .parquet is validated on the way, against
// people, and invalid rows are skipped) or an imported spine database (its
// identities table). An error from fn stops the read and is returned.
func ReadIdentities(ctx context.Context, src string, fn func(Identity) error) error {
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("spine: identities: %w", err)
	}
	if st.IsDir() {
		v := newValidator(src, ValidateOptions{Only: []string{"identities"}}, &identitySink{fn: fn})
		defer v.close()
		return v.run(ctx)
	}
	db, err := OpenReadOnly(src)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT person_id, nino, first_name, last_name, date_of_birth - DATE '1970-01-01', postcode FROM identities`)
	if err != nil {
		return fmt.Errorf("spine: reading identities of %s: %w", src, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id Identity
		var nino, first, last, post sql.NullString
		var dob sql.NullInt64
		if err := rows.Scan(&id.PersonID, &nino, &first, &last, &dob, &post); err != nil {
			return fmt.Errorf("spine: reading identities of %s: %w", src, err)
		}
		id.NINO, id.FirstName, id.LastName, id.Postcode = nino.String, first.String, last.String, post.String
		id.DateOfBirth, id.HasDateOfBirth = timeline.Date(dob.Int64), dob.Valid
		if err := fn(id); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("spine: reading identities of %s: %w", src, err)
	}
	return nil
}

// identitySink passes valid identities rows to a callback.
type identitySink struct {
	fn  func(Identity) error
	cur bool
}

func (s *identitySink) begin(fs *FileSchema, _ []string) error {
	s.cur = fs.Name == "identities"
	return nil
}

func (s *identitySink) row(_ int32, vals []Value, _ []string) error {
	if !s.cur {
		return nil
	}
	// Column order is the contract's: person_id, nino, first_name,
	// last_name, date_of_birth, postcode.
	id := Identity{
		PersonID:       vals[0].Str,
		NINO:           vals[1].Str,
		FirstName:      vals[2].Str,
		LastName:       vals[3].Str,
		DateOfBirth:    vals[4].Day,
		HasDateOfBirth: !vals[4].Null,
		Postcode:       vals[5].Str,
	}
	return s.fn(id)
}

func (s *identitySink) end(*FileSchema) error { return nil }
