package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// TestSmallDropOutReasonsMerged: two small reasons for not being matched
// (each would be withheld) are merged into one "other reasons" row before
// disclosure control, so the headline stages stay shown. The pairs are the
// ones that, unmerged, made secondary suppression withhold Matched or
// Eligible on this fixture (found by trying every pair 1..9 with 0..4 more
// eligible people), and the brief's 3 and 4. The merged row is shown when
// it holds MinCell people or more; otherwise it is withheld, and a reader
// who knows the relation Eligible = other reasons + Matched, the rounding
// to 5 (a shown r is r−2..r+2, and 0 or at least 10) and that the row is
// small is left with at least 4 possible values for it (the protection
// internal/disclosure promises with rounding to 5).
func TestSmallDropOutReasonsMerged(t *testing.T) {
	rules := disclosure.DefaultRules()
	for _, c := range []struct{ caliper, noComparator int }{
		{3, 4}, {1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 3}, {3, 1}, {7, 9}, {8, 8}, {9, 9},
	} {
		for extra := 0; extra < 5; extra++ {
			name := fmt.Sprintf("%d+%d/eligible+%d", c.caliper, c.noComparator, extra)
			ev := fixture(t)
			n := &ev.Counts
			n.Eligible += extra
			ev.Pool[0].Participants += extra
			n.UnmatchedCaliper, n.UnmatchedNoComparator = c.caliper, c.noComparator
			n.Matched = n.Eligible - c.caliper - c.noComparator
			r, err := Build(ev, Options{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			funnel, _ := r.Release.Table("funnel")
			get := func(row string) (disclosure.Cell, bool) { return funnel.Lookup(row, "people") }
			for _, stage := range []string{"submitted", "linked", "eligible", "matched"} {
				if cell, _ := get(stage); cell.State() != disclosure.Shown {
					t.Errorf("%s: %s is %v, want shown", name, stage, cell.State())
				}
			}
			for _, row := range []string{"outside_caliper", "no_comparator"} {
				if _, ok := get(row); ok {
					t.Errorf("%s: the small reason %s has its own row", name, row)
				}
			}
			other, ok := get("eligible_other_small")
			if !ok {
				t.Errorf("%s: no merged row", name)
				continue
			}
			for _, row := range funnel.Rows() {
				if row.Key() == "eligible_other_small" && !strings.Contains(row.Cell(0).Text(), "outside the caliper") {
					t.Errorf("%s: the merged row %q does not name its reasons", name, row.Cell(0).Text())
				}
			}
			sum := c.caliper + c.noComparator
			if sum >= rules.MinCell {
				if got, ok := other.Count(); !ok || got != rules.RoundCount(sum) {
					t.Errorf("%s: other reasons (%d people) shows %d, %v; want %d", name, sum, got, ok, rules.RoundCount(sum))
				}
				continue
			}
			if other.State() != disclosure.Suppressed {
				t.Errorf("%s: other reasons (%d people) is %v, want withheld", name, sum, other.State())
				continue
			}
			bound := func(row string) (int, int) {
				cell, _ := get(row)
				v, _ := cell.Count()
				if v == 0 {
					return 0, 0
				}
				return max(v-rules.Round/2, rules.MinCell), v + (rules.Round-1)/2
			}
			eLo, eHi := bound("eligible")
			mLo, mHi := bound("matched")
			lo, hi := max(eLo-mHi, 1), min(eHi-mLo, rules.MinCell-1)
			if hi-lo+1 < max(rules.Round-1, 2) {
				t.Errorf("%s: a reader narrows the other reasons (%d people) to %d..%d", name, sum, lo, hi)
			}
		}
	}
}

// TestOneSmallReasonIsNotMerged: a single small reason is left as it is
// (merging it with nothing would only rename it).
func TestOneSmallReasonIsNotMerged(t *testing.T) {
	ev := fixture(t)
	n := &ev.Counts
	n.UnmatchedCaliper, n.UnmatchedNoComparator = 3, 0
	n.Matched = n.Eligible - 3
	r, err := Build(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	funnel, _ := r.Release.Table("funnel")
	if _, ok := funnel.Lookup("eligible_other_small", "people"); ok {
		t.Error("one small reason was merged")
	}
	if c, _ := funnel.Lookup("outside_caliper", "people"); c.State() != disclosure.Suppressed {
		t.Errorf("3 people outside the caliper: %v", c.State())
	}
}
