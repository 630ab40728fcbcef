package randomise

import (
	"fmt"
	"regexp"
	"time"
)

// Allocate makes the log entry for a newly enrolled participant: the arm
// is the inStratum-th (0-based) of stratum's sequence, and the entry is
// chained to head, the hash of the entry before it.
func Allocate(trial string, d Design, seed Seed, head string, position, inStratum int, ref, stratum string, now time.Time) Entry {
	e := Entry{
		Position:       position,
		ParticipantRef: ref,
		Stratum:        stratum,
		Arm:            d.Arm(seed, stratum, inStratum),
		AllocatedAt:    now.UTC(),
		PrevHash:       head,
	}
	e.Hash = Link(trial, head, e)
	return e
}

var (
	refPattern  = regexp.MustCompile(`^[A-Za-z0-9._:/-]{1,64}$`)
	ninoPattern = regexp.MustCompile(`^[A-Za-z]{2}[0-9]{6}[A-Da-d]?$`)
	datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$|^[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4}$`)
)

// CheckRef checks a participant reference: the provider's own reference
// for the person, 1–64 letters, digits or . _ : / -. It refuses what looks
// like a National Insurance number or a date (of birth), and anything with
// spaces (as names have): the trial store keeps no direct identifiers.
func CheckRef(ref string) error {
	switch {
	case ninoPattern.MatchString(ref):
		return fmt.Errorf("participant reference %q looks like a National Insurance number: enrol with your own reference for the person, not a direct identifier", ref)
	case datePattern.MatchString(ref):
		return fmt.Errorf("participant reference %q looks like a date: enrol with your own reference for the person, not a date of birth", ref)
	case !refPattern.MatchString(ref):
		return fmt.Errorf("participant reference %q: use 1–64 letters, digits or . _ : / - (no spaces or names): your own reference for the person", ref)
	}
	return nil
}
