package evaluation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// smallWorld is a spine of n people on JSA, in four regions, with a cohort
// of about 140 participants who all start in March 2020. No participant
// lives in the North East or has a disability benefit (as for a provider
// that works in some regions only), and the programme raises employment.
// With priorWork, every participant (and no one else) worked in 2019 and
// all start on 2 March, so weeks_employed_52 separates the groups.
func smallWorld(seed uint64, n int, priorWork bool) (*fakeSpine, []Participant) {
	rng := rand.New(rand.NewPCG(seed, 7))
	regions := []string{"London", "North East", "Scotland", "Wales"}
	sp := &fakeSpine{win: timeline.Window{Start: day(2017, 1, 1), End: day(2023, 12, 31), EarningsFrom: timeline.MonthOf(2017, 1)}}
	var cohort []Participant
	for i := range n {
		id := fmt.Sprintf("P%04d", i)
		born := 1965 + rng.IntN(35)
		dob := day(born, time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
		sex := byte('F')
		if rng.IntN(2) == 0 {
			sex = 'M'
		}
		region := regions[rng.IntN(len(regions))]
		rows := timeline.Rows{
			Person:   timeline.Person{DateOfBirth: dob, Sex: sex, Region: region},
			Benefits: []timeline.BenefitSpell{{Code: "JSA", Interval: timeline.Interval{Start: day(2018, time.Month(1+rng.IntN(12)), 1), End: timeline.Ongoing}}},
		}
		if rng.Float64() < 0.3 {
			rows.Employment = append(rows.Employment, timeline.Interval{Start: day(2017, 2, 1), End: day(2017, time.Month(3+rng.IntN(9)), 1)})
		}
		age := 2020 - born
		join := region != "North East" && rng.Float64() < 0.12+0.006*float64(age-20)
		if !join && rng.Float64() < 0.06 {
			rows.Benefits = append(rows.Benefits, timeline.BenefitSpell{Code: "PIP", Interval: timeline.Interval{Start: day(2018, 6, 1), End: timeline.Ongoing}})
		}
		start := day(2020, 3, 2+rng.IntN(25))
		if priorWork {
			start = day(2020, 3, 2) // no participant is a comparator before joining
		}
		if (join && priorWork) || (!priorWork && rng.Float64() < 0.25) {
			rows.Employment = append(rows.Employment, timeline.Interval{Start: day(2019, 1, 7), End: day(2019, time.Month(4+rng.IntN(6)), 30)})
		}
		// Employment after March 2020: more likely for participants.
		p := 0.35
		if join {
			p = 0.55
		}
		if rng.Float64() < p {
			rows.Employment = append(rows.Employment, timeline.Interval{Start: day(2020, time.Month(6+rng.IntN(6)), 1), End: timeline.Ongoing})
		}
		sp.ids = append(sp.ids, id)
		sp.tls = append(sp.tls, timeline.Build(rows))
		if join {
			cohort = append(cohort, Participant{PersonID: id, Start: start})
		}
	}
	return sp, cohort
}

// TestRunCohortWithoutParticipantsInALevel: a cohort with no participant
// in one region (and none with a disability) is evaluated, not refused —
// those comparison units are left out and recorded — while the balance
// table still reports the levels.
func TestRunCohortWithoutParticipantsInALevel(t *testing.T) {
	sp, cohort := smallWorld(1, 1000, false)
	if len(cohort) < 120 || len(cohort) > 200 {
		t.Fatalf("world has %d participants; the test wants a cohort of about 140", len(cohort))
	}
	ev, err := Run(context.Background(), sp, cohort, Spec{Programme: "one provider", Seed: 1, Workers: 2, MinSubgroup: 1000})
	if err != nil {
		t.Fatalf("cohort with no participants in the North East refused: %v", err)
	}
	got := map[string]int{}
	for _, r := range ev.Method.RestrictedLevels {
		got[r.Covariate+"="+r.Level] = r.ComparisonExcluded
	}
	for _, level := range []string{"region=North East", "disability=true"} {
		if got[level] <= 0 {
			t.Errorf("restricted levels %v lack %s", ev.Method.RestrictedLevels, level)
		}
	}
	if len(got) != 2 {
		t.Errorf("restricted levels %v, want exactly region=North East and disability=true", ev.Method.RestrictedLevels)
	}
	if !slices.ContainsFunc(ev.Warnings, func(w string) bool { return strings.Contains(w, "region=North East") }) {
		t.Errorf("warnings %q do not record the restriction", ev.Warnings)
	}
	for _, c := range ev.Propensity {
		if c.Term == "region_North East" || c.Term == "disability" {
			t.Errorf("propensity model has a term %q for a level without participants", c.Term)
		}
		if math.Abs(c.Estimate) > 10 {
			t.Errorf("propensity coefficient %s = %v: a separated fit", c.Term, c.Estimate)
		}
	}
	// The balance table covers every level of every covariate, the
	// restricted ones too (before: the whole pool; after: no comparator
	// there, participants' SD 0, so SMDs are null as documented).
	var ne *BalanceRow
	for k := range ev.Balance {
		if ev.Balance[k].Covariate == "region_North East" {
			ne = &ev.Balance[k]
		}
	}
	if ne == nil {
		t.Fatalf("balance table lacks region_North East")
	}
	if ev.Counts.Matched < ev.Counts.Eligible*9/10 || ev.Counts.Comparison == 0 {
		t.Errorf("matched %d of %d eligible with %d comparators", ev.Counts.Matched, ev.Counts.Eligible, ev.Counts.Comparison)
	}
	// No one has earnings rows: earnings_prior_12 is constant, left out of
	// the model but still in the balance table.
	if !slices.Contains(ev.Method.ConstantCovariates, "earnings_prior_12") || slices.Contains(ev.Method.Covariates, "earnings_prior_12") {
		t.Errorf("constant covariates %v, model covariates %v: want earnings_prior_12 left out", ev.Method.ConstantCovariates, ev.Method.Covariates)
	}
	if !slices.ContainsFunc(ev.Balance, func(r BalanceRow) bool { return r.Covariate == "earnings_prior_12" }) {
		t.Errorf("balance table lacks earnings_prior_12")
	}
	wantExcluded := 0
	for _, r := range ev.Method.RestrictedLevels {
		wantExcluded += r.ComparisonExcluded
	}
	if wantExcluded >= ev.Counts.ComparisonPool {
		t.Errorf("excluded %d of a pool of %d", wantExcluded, ev.Counts.ComparisonPool)
	}
}

// TestRunContinuousSeparationStillRefused: separation on a numeric
// covariate (every participant, and no one else, worked in 2019) is a
// genuine lack of comparators and still stops the evaluation with the
// propensity fit's error naming the covariate.
func TestRunContinuousSeparationStillRefused(t *testing.T) {
	sp, cohort := smallWorld(2, 1000, true)
	_, err := Run(context.Background(), sp, cohort, Spec{Programme: "separated", Seed: 1, Workers: 2})
	var se *matching.SeparationError
	if !errors.Is(err, matching.ErrSeparation) || !errors.As(err, &se) {
		t.Fatalf("error %v, want a separation error", err)
	}
	if se.Covariate != "weeks_employed_52" {
		t.Errorf("separation error names %q, want weeks_employed_52: %v", se.Covariate, err)
	}
}
