package linkage

import (
	"errors"
	"fmt"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Member is one linked participant in pseudonymous form: the spine's
// person_id, when they started (and ended), and their subgroup attributes.
type Member struct {
	// ParticipantRef is the provider's own reference. It is not a direct
	// identifier but it lets the provider re-identify the person, so it is
	// kept in memory and in the analysts' QA file (linked.csv) only: it is
	// not serialised with the cohort.
	ParticipantRef string            `json:"-"`
	PersonID       string            `json:"person_id"`
	StartDate      timeline.Date     `json:"start_date"`
	EndDate        timeline.Date     `json:"end_date"` // timeline.Ongoing when still on the programme
	Attributes     map[string]string `json:"attributes,omitempty"`
}

// Cohort is what linkage hands to evaluation: the participants linked in
// the match band, without any submitted identifier, and the linkage report.
type Cohort struct {
	Members []Member `json:"members"`
	// AttributeColumns lists the subgroup attributes, in file order.
	AttributeColumns []string `json:"attribute_columns,omitempty"`
	Report           Report   `json:"report"`
}

// DefaultMinimumSize is the default smallest cohort the lab will evaluate.
const DefaultMinimumSize = 100

// ErrCohortTooSmall is wrapped by the error MinimumSize returns.
var ErrCohortTooSmall = errors.New("cohort too small to evaluate")

// MinimumSize refuses a cohort with fewer linked participants than min
// (DefaultMinimumSize when min ≤ 0). The minimum exists for two reasons:
// with fewer people, published figures risk disclosing something about an
// individual participant, and the impact estimates are too imprecise to
// tell a provider anything (their confidence intervals would be very wide).
func MinimumSize(c Cohort, min int) error {
	if min <= 0 {
		min = DefaultMinimumSize
	}
	n := len(c.Members)
	if n >= min {
		return nil
	}
	return fmt.Errorf("%w: %d of %d submitted participants were linked to the spine, below the minimum of %d "+
		"(the minimum protects participants from being identified in published results and keeps the impact "+
		"estimates precise enough to be useful; submit more participants, for example a longer period of starts, "+
		"or fix the identifiers of those not linked: see the non-match reasons in the linkage report)",
		ErrCohortTooSmall, n, c.Report.Submitted, min)
}
