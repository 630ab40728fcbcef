package linkage

import (
	"time"

	"github.com/employment-data-lab/datalab/internal/linkage/identifier"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// record is one side of a comparison, with every identifier in the
// canonical form the comparators and blocking keys use. It lives only in
// memory during linkage.
type record struct {
	first, last string   // identifier.NormaliseName
	formal      []string // Nicknames.Formal(first)
	firstGroups []int    // the nickname groups of first
	lastSoundex string
	dob         timeline.Date
	year        int
	month, day  int
	hasDOB      bool
	postcode    identifier.Postcode
	nino        string // normalised and valid, or ""
}

func newRecord(nn *Nicknames, nino, first, last string, dob timeline.Date, hasDOB bool, postcode string) record {
	r := record{
		first: identifier.NormaliseName(first),
		last:  identifier.NormaliseName(last),
		dob:   dob,
	}
	r.firstGroups = nn.groups[r.first]
	r.formal = nn.formalOf(r.first, r.firstGroups)
	r.lastSoundex = Soundex(r.last)
	if hasDOB {
		t := dob.Time()
		r.year, r.month, r.day = t.Year(), int(t.Month()), t.Day()
		r.hasDOB = true
	}
	r.postcode, _ = identifier.ParsePostcode(postcode)
	if n := identifier.NormaliseNINO(nino); n != "" && identifier.CheckNINO(n) == "" {
		r.nino = n
	}
	return r
}

// swappedDOB returns the date with day and month exchanged, when that is a
// different, real date (day ≤ 12 and day ≠ month).
func (r *record) swappedDOB() (timeline.Date, bool) {
	if !r.hasDOB || r.day > 12 || r.day == r.month {
		return 0, false
	}
	return timeline.DateOf(r.year, time.Month(r.day), r.month), true
}
