package disclosure

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// MinKeyBytes is the shortest key Digest accepts: 32 bytes (256 bits), the
// HMAC-SHA-256 output size (RFC 2104 §3 recommends a key at least that long).
const MinKeyBytes = 32

// Digest is the keyed hash of a spine person_id: HMAC-SHA-256 under the
// lab's secret key, hex-encoded (Krawczyk, Bellare & Canetti 1997, RFC 2104).
// A plain hash of a person_id could be reversed by hashing every id in the
// spine; without the key it cannot, so a registry of digests holds no
// usable identifier. Keep the key apart from the registry.
func Digest(key []byte, personID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(personID))
	return hex.EncodeToString(m.Sum(nil))
}

// Members returns the sorted, de-duplicated digests of a cohort's person_ids
// (see Digest). It fails when the key is shorter than MinKeyBytes.
func Members(key []byte, personIDs []string) ([]string, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("disclosure: the differencing key is %d bytes; use a secret of at least %d random bytes (e.g. head -c 32 /dev/urandom > key)", len(key), MinKeyBytes)
	}
	out := make([]string, 0, len(personIDs))
	for _, id := range personIDs {
		out = append(out, Digest(key, id))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// PublishedCohort is one cohort an organisation has had published: a label
// for people (the programme and evaluation date) and the keyed digests of
// its members, sorted.
type PublishedCohort struct {
	Label       string   `json:"label"`
	PublishedAt string   `json:"published_at"`
	Members     []string `json:"members"`
}

// Registry remembers the cohorts published for each organisation. The CLI
// uses FileRegistry; the web service implements it over its store.
// Implementations must return the cohorts exactly as recorded (members
// sorted), and Record must be durable before it returns.
type Registry interface {
	// Published returns every cohort published for organisation, in the
	// order recorded (none: an empty slice and a nil error).
	Published(ctx context.Context, organisation string) ([]PublishedCohort, error)
	// Record adds a cohort to organisation's published cohorts.
	Record(ctx context.Context, organisation string, c PublishedCohort) error
}

// SymmetricDifference is |A Δ B| = |A \ B| + |B \ A| for sorted,
// de-duplicated sets.
func SymmetricDifference(a, b []string) int {
	i, j, n := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			n++
			i++
		default:
			n++
			j++
		}
	}
	return n + len(a) - i + len(b) - j
}

// CheckDifferencing is the differencing guard: it refuses a new cohort
// (members: sorted digests) that differs from any earlier published cohort
// of the same organisation by more than 0 and fewer than MinCohort people,
// counting the symmetric difference. Publishing it would let a reader
// subtract the two sets of results and learn about the few people in one
// and not the other. An identical cohort (difference 0) is a republication
// of the same people and is allowed.
func (r Rules) CheckDifferencing(members []string, earlier []PublishedCohort) error {
	r, err := r.withDefaults()
	if err != nil {
		return err
	}
	if !slices.IsSorted(members) {
		return errors.New("disclosure: the cohort's member digests are not sorted; build them with disclosure.Members")
	}
	for _, e := range earlier {
		d := SymmetricDifference(members, e.Members)
		if d > 0 && d < r.MinCohort {
			return &Refusal{Reason: fmt.Sprintf("this cohort differs from the organisation's earlier published cohort %q (published %s) by %s, fewer than the minimum of %d: "+
				"the difference between the two sets of results would describe %s; combine the cohorts, or submit one that differs by at least %d people",
				e.Label, e.PublishedAt, People(d), r.MinCohort, thoseOf(d), r.MinCohort)}
		}
	}
	return nil
}

// Publish checks a cohort with the differencing guard against the
// organisation's published cohorts in reg and, if it passes, records it
// (an identical cohort already recorded is not recorded twice). It returns
// a *Refusal (errors.Is ErrRefused) when the guard refuses.
func Publish(ctx context.Context, reg Registry, rules Rules, organisation string, c PublishedCohort) error {
	if organisation == "" {
		return errors.New("disclosure: the differencing guard needs the organisation's name")
	}
	earlier, err := reg.Published(ctx, organisation)
	if err != nil {
		return fmt.Errorf("disclosure: reading %s's published cohorts: %w", organisation, err)
	}
	if err := rules.CheckDifferencing(c.Members, earlier); err != nil {
		return err
	}
	for _, e := range earlier {
		if SymmetricDifference(c.Members, e.Members) == 0 {
			return nil
		}
	}
	if err := reg.Record(ctx, organisation, c); err != nil {
		return fmt.Errorf("disclosure: recording %s's cohort %q: %w", organisation, c.Label, err)
	}
	return nil
}

// People words a number of people: "1 person", "3 people".
func People(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

// thoseOf is "that person" or "those 3 people".
func thoseOf(n int) string {
	if n == 1 {
		return "that person"
	}
	return fmt.Sprintf("those %d people", n)
}
