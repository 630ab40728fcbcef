package disclosure

import (
	"errors"
	"fmt"
)

// Rules are the thresholds of the lab's disclosure control.
type Rules struct {
	// MinCohort is the fewest people a published evaluation may rest on
	// (the matched participants), and the fewest people by which a new
	// cohort from an organisation must differ from each of its earlier
	// published cohorts (the differencing guard).
	MinCohort int `json:"min_cohort"`
	// MinCell is the fewest people any published count, statistic, subgroup
	// or chart point may rest on.
	MinCell int `json:"min_cell"`
	// Round is the base published counts are rounded to (nearest multiple).
	Round int `json:"round"`
}

// Default thresholds: a cohort of at least 100 (linkage.DefaultMinimumSize,
// the size the lab will evaluate), cells of at least 10 people, counts to the
// nearest 5, as the DWP Employment Data Lab and the ONS guidance for
// administrative-data tables do.
const (
	DefaultMinCohort = 100
	DefaultMinCell   = 10
	DefaultRound     = 5
)

// DefaultRules returns the lab's default thresholds.
func DefaultRules() Rules {
	return Rules{MinCohort: DefaultMinCohort, MinCell: DefaultMinCell, Round: DefaultRound}
}

// withDefaults fills zero fields with the defaults and checks the rest.
func (r Rules) withDefaults() (Rules, error) {
	if r.MinCohort == 0 {
		r.MinCohort = DefaultMinCohort
	}
	if r.MinCell == 0 {
		r.MinCell = DefaultMinCell
	}
	if r.Round == 0 {
		r.Round = DefaultRound
	}
	switch {
	case r.MinCohort < 1:
		return r, fmt.Errorf("disclosure: minimum cohort %d is below 1; set it to at least the minimum cell size (default %d)", r.MinCohort, DefaultMinCohort)
	case r.MinCell < 1:
		return r, fmt.Errorf("disclosure: minimum cell size %d is below 1; set it to 1 or more (default %d)", r.MinCell, DefaultMinCell)
	case r.Round < 1:
		return r, fmt.Errorf("disclosure: rounding base %d is below 1; use 1 for no rounding (default %d)", r.Round, DefaultRound)
	case r.MinCohort < r.MinCell:
		return r, fmt.Errorf("disclosure: minimum cohort %d is below the minimum cell size %d; raise it", r.MinCohort, r.MinCell)
	}
	return r, nil
}

// Resolved returns the rules with defaults filled in, or an error naming a
// bad threshold.
func (r Rules) Resolved() (Rules, error) { return r.withDefaults() }

// RoundCount rounds a count to the nearest multiple of Round (halves away
// from zero).
func (r Rules) RoundCount(n int) int {
	b := r.Round
	if b <= 1 {
		return n
	}
	if n < 0 {
		return -r.RoundCount(-n)
	}
	return (n + b/2) / b * b
}

// ErrRefused is wrapped by every refusal to publish: a cohort below the
// minimum, or one the differencing guard stops.
var ErrRefused = errors.New("refused for publication")

// Refusal says why an output may not be published.
type Refusal struct {
	Reason string
}

func (r *Refusal) Error() string { return "disclosure: " + ErrRefused.Error() + ": " + r.Reason }

// Unwrap lets errors.Is(err, ErrRefused) find a refusal.
func (r *Refusal) Unwrap() error { return ErrRefused }
