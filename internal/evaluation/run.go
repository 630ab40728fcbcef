package evaluation

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Run evaluates the programme a cohort took part in. It is the one front
// door of the evaluation stage: it validates spec, fills in defaults, and
// returns the evaluation with the settings actually used.
func Run(ctx context.Context, sp Spine, cohort []Participant, spec Spec) (*Evaluation, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	win := sp.Window()
	ev := &Evaluation{Schema: SchemaVersion, Programme: spec.Programme, CreatedAt: spec.Now().UTC().Format("2006-01-02T15:04:05Z")}
	ev.Counts.Submitted, ev.Counts.Linked = spec.Submitted, spec.Linked
	if ev.Counts.Linked == 0 {
		ev.Counts.Linked = len(cohort)
	}

	// 1. Participants as units at their start dates.
	spec.Progress("participants")
	var treated []Unit
	for k, p := range cohort {
		i, ok := sp.Lookup(p.PersonID)
		if !ok {
			ev.Counts.NotInIndex++
			continue
		}
		if p.Start > win.End || p.Start < win.Start {
			ev.Counts.StartOutsideWindow++
			continue
		}
		treated = append(treated, Unit{Person: i, Date: p.Start, Treated: true, Participant: k})
	}
	elig := DeriveEligibility(sp, treated)
	if spec.Eligibility != nil {
		elig = *spec.Eligibility
	}
	kept := treated[:0]
	for _, u := range treated {
		t := sp.Timeline(u.Person)
		if elig.admits(&t, u.Date) {
			kept = append(kept, u)
		} else {
			ev.Counts.Ineligible++
		}
	}
	treated = kept
	ev.Counts.Eligible = len(treated)
	if len(treated) == 0 {
		return nil, fmt.Errorf("evaluation of %q: %w: of %d linked participants, %d are not in the spine index, %d started outside the spine's window (%s to %s) and %d fail the eligibility rule",
			spec.Programme, ErrNoParticipants, len(cohort), ev.Counts.NotInIndex, ev.Counts.StartOutsideWindow, win.Start, win.End, ev.Counts.Ineligible)
	}

	// 2. The comparison pool, per start month.
	spec.Progress("comparison pool")
	pool, months, err := BuildPool(ctx, sp, treated, PoolSpec{Eligibility: elig, Cap: spec.PoolCap, NeverParticipated: spec.NeverParticipated, Seed: spec.Seed, Workers: spec.Workers})
	if err != nil {
		return nil, err
	}
	ev.Pool = months
	ev.Counts.ComparisonPool = len(pool)
	if len(pool) == 0 {
		return nil, fmt.Errorf("evaluation of %q: the comparison pool is empty: nobody in the spine meets the eligibility rule (%s) in the participants' start months; widen the rule", spec.Programme, elig)
	}
	units := append(treated, pool...)
	isTreated := make([]bool, len(units))
	for i, u := range units {
		isTreated[i] = u.Treated
	}

	// 3. Covariates at each unit's reference date.
	spec.Progress("covariates")
	covs, err := covariates(ctx, sp, units, spec.Workers)
	if err != nil {
		return nil, err
	}

	// Comparison units at a categorical level no participant has would
	// separate the groups (see restrictToParticipantLevels); leave them
	// out of the model and the matching, but keep every unit for the
	// balance table's "before" column.
	allUnits, allCovs, allTreated := units, covs, isTreated
	keep, restricted := restrictToParticipantLevels(units, covs)
	if len(restricted) > 0 {
		units, covs, isTreated = make([]Unit, len(keep)), make([]timeline.Covariates, len(keep)), make([]bool, len(keep))
		for k, i := range keep {
			units[k], covs[k], isTreated[k] = allUnits[i], allCovs[i], allTreated[i]
		}
		var names []string
		for _, r := range restricted {
			names = append(names, r.String())
		}
		ev.Warnings = append(ev.Warnings, fmt.Sprintf("no participant has %s: those comparison units were left out of the propensity model and the matching (exact matching on the participants' levels), since their propensity score would be 0 and the model's coefficient for the level would not exist", strings.Join(names, ", ")))
		if len(keep) == ev.Counts.Eligible {
			return nil, fmt.Errorf("evaluation of %q: no comparison unit shares the participants' levels of sex, region, benefit class and disability (%s have no participants); widen the eligibility rule or the pool", spec.Programme, strings.Join(names, ", "))
		}
	}

	// 4. Propensity model on dummy-coded covariates.
	spec.Progress("propensity model")
	enc := timeline.NewEncoder(covs, timeline.TreatmentCoding)
	X, err := design(enc, covs)
	if err != nil {
		return nil, fmt.Errorf("evaluation: covariate matrix: %w", err)
	}
	// A column constant over every analysed unit (weeks on an inactivity
	// benefit when only out-of-work claimants are eligible) carries no
	// information and is aliased with the intercept; R's glm reports its
	// coefficient as NA. Leave it out, and say so.
	X, constant, err := dropConstantColumns(X)
	if err != nil {
		return nil, fmt.Errorf("evaluation: covariate matrix: %w", err)
	}
	if len(constant) > 0 {
		ev.Warnings = append(ev.Warnings, fmt.Sprintf("covariates %s have one value for every analysed unit, so they were left out of the propensity model (they cannot differ between the groups)", strings.Join(constant, ", ")))
	}
	model, err := matching.Fit(ctx, X, isTreated, matching.PropensitySpec{Workers: spec.Workers})
	if err != nil {
		return nil, fmt.Errorf("evaluation of %q: propensity model: %w", spec.Programme, err)
	}
	for j, term := range model.Terms {
		ev.Propensity = append(ev.Propensity, Coefficient{Term: term, Estimate: model.Coefficients[j], SE: model.StdErrors[j]})
	}

	// 5. Matching, exact on start month and any Exact columns.
	spec.Progress("matching")
	strata := exactStrata(units, covs, spec.Exact)
	res, err := matching.Match(ctx, matching.NewProblem(model, isTreated, strata), spec.Match)
	if err != nil {
		return nil, fmt.Errorf("evaluation of %q: matching: %w", spec.Programme, err)
	}
	ev.Warnings = append(ev.Warnings, res.Warnings...)
	c := res.Counts
	ev.Counts.Matched = c.TreatedMatched
	ev.Counts.UnmatchedCaliper = c.TreatedOutsideCaliper
	ev.Counts.UnmatchedNoComparator = c.TreatedNoControls
	ev.Counts.OffSupport = c.TreatedOffSupport
	ev.Counts.Comparison = c.ControlsUsed
	ev.Counts.ComparisonReused = c.ControlsReused
	for i, u := range units {
		if !u.Treated && res.Weights[i] > 0 && u.JoinedLater {
			ev.Counts.ComparisonJoinedLater++
		}
	}
	if ev.Counts.Matched == 0 {
		return nil, fmt.Errorf("evaluation of %q: no participant found a comparator (%d outside the caliper, %d with no comparator in their start month); try a wider --caliper or a larger pool", spec.Programme, c.TreatedOutsideCaliper, c.TreatedNoControls)
	}
	ev.Method = method(spec, res, X, elig, sp)
	ev.Method.RestrictedLevels, ev.Method.ConstantCovariates = restricted, constant

	// 6. Balance before and after, on every level of every covariate.
	spec.Progress("balance")
	// Over every unit, so a restricted level is still reported (its
	// comparison units have weight 0 after matching).
	full := timeline.NewEncoder(allCovs, timeline.IndicatorCoding)
	B, err := design(full, allCovs)
	if err != nil {
		return nil, fmt.Errorf("evaluation: balance matrix: %w", err)
	}
	after := res.Weights
	if len(restricted) > 0 {
		after = make([]float64, len(allUnits))
		for k, i := range keep {
			after[i] = res.Weights[k]
		}
	}
	for _, r := range matching.Balance(B, allTreated, nil, after) {
		ev.Balance = append(ev.Balance, BalanceRow{Covariate: r.Covariate, SMDBefore: ptr(r.SMDBefore), SMDAfter: ptr(r.SMDAfter),
			VarianceRatioBefore: ptr(r.VarianceRatioBefore), VarianceRatioAfter: ptr(r.VarianceRatioAfter), Flag: r.Flag})
		if r.Flag {
			ev.Warnings = append(ev.Warnings, fmt.Sprintf("covariate %s is not balanced after matching (SMD %.3f, above %.1f)", r.Covariate, r.SMDAfter, matching.BalanceThreshold))
		}
	}

	// 7. Outcomes for the matched sample, and the estimates.
	spec.Progress("outcomes and estimates")
	outcome := func(u Unit) timeline.Outcomes { t := sp.Timeline(u.Person); return t.Outcomes(u.Date, win) }
	est, err := newEstimator(ctx, units, res, spec.Workers, outcome)
	if err != nil {
		return nil, err
	}
	ev.Estimates, err = est.all(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluation of %q: %w", spec.Programme, err)
	}
	headlines := headlineList(spec.Primary)
	for _, h := range headlines {
		ev.Headline = append(ev.Headline, findRow(ev.Estimates, h))
	}

	// 8. Sensitivity of the headline outcomes.
	spec.Progress("sensitivity")
	for _, h := range headlines {
		ev.Sensitivity = append(ev.Sensitivity, est.sensitivity(h, findRow(ev.Estimates, h)))
	}

	// 9. Subgroups.
	spec.Progress("subgroups")
	ev.Subgroups, err = subgroups(ctx, spec, cohort, units, covs, model.Logit, strata, headlines, outcome)
	if err != nil {
		return nil, err
	}
	if ev.Counts.Eligible-ev.Counts.Matched > 0 {
		ev.Warnings = append(ev.Warnings, fmt.Sprintf("%d of %d eligible participants were not matched (%d outside the caliper, %d with no comparator); the ATT is for the matched participants", ev.Counts.Eligible-ev.Counts.Matched, ev.Counts.Eligible, c.TreatedOutsideCaliper, c.TreatedNoControls))
	}
	return ev, nil
}

// headlineList puts the primary outcome first, then the defaults.
func headlineList(primary string) []Headline {
	p, _ := ParseHeadline(primary)
	hs := []Headline{p}
	for _, h := range DefaultHeadlines() {
		if h != p {
			hs = append(hs, h)
		}
	}
	return hs
}

func findRow(rows []EstimateRow, h Headline) EstimateRow {
	for _, r := range rows {
		if r.Outcome == h.Outcome && ((r.Week == nil && h.Week < 0) || (r.Week != nil && *r.Week == h.Week)) {
			return r
		}
	}
	return EstimateRow{Outcome: h.Outcome, Week: intPtr(h.Week)}
}

func method(spec Spec, res *matching.Result, X *matching.Design, elig Eligibility, sp Spine) Method {
	s := res.Spec
	m := Method{
		Estimand: "ATT (average treatment effect on the treated): joining the programme now versus not joining now",
		Method:   s.Method, Distance: s.Distance, Ratio: s.Ratio, Replace: s.Replace, Order: s.Order,
		Exact:             append([]string{"start_month"}, spec.Exact...),
		Eligibility:       elig.String(),
		PoolCap:           spec.PoolCap,
		NeverParticipated: spec.NeverParticipated,
		ReferenceDates:    "each comparator's reference date is drawn at random from the start dates of the participants who started in the same month",
		Variance:          varianceName(s),
		Primary:           spec.Primary,
		Seed:              spec.Seed,
		SpineHash:         sp.ContentHash(),
		SpineWindow:       fmt.Sprintf("%s to %s", sp.Window().Start, sp.Window().End),
		ProgramVersion:    spec.ProgramVersion,
		ParticipantsHash:  spec.ParticipantsHash,
	}
	if s.Method == matching.Kernel {
		m.Bandwidth = s.Bandwidth
	}
	if s.Method == matching.Nearest && !math.IsInf(s.Caliper, 1) {
		m.Caliper, m.CaliperWidth = ptr(s.Caliper), ptr(res.CaliperWidth)
	}
	m.Covariates = slices.Clone(X.Names())
	return m
}

// exactStrata codes each unit's start month and exact columns as one
// stratum.
func exactStrata(units []Unit, covs []timeline.Covariates, exact []string) []int {
	cols := [][]int{make([]int, len(units))}
	for i, u := range units {
		cols[0][i] = int(u.Date.Month())
	}
	for _, name := range exact {
		col := make([]int, len(units))
		codes := map[string]int{}
		for i := range covs {
			key := levelOf(&covs[i], name)
			id, ok := codes[key]
			if !ok {
				id = len(codes)
				codes[key] = id
			}
			col[i] = id
		}
		cols = append(cols, col)
	}
	return matching.Strata(cols...)
}

// design encodes covariates into a matching.Design.
func design(enc *timeline.Encoder, covs []timeline.Covariates) (*matching.Design, error) {
	data, err := enc.Matrix(covs)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range enc.Columns() {
		names = append(names, c.Name)
	}
	return matching.NewDesign(names, data)
}

func covariates(ctx context.Context, sp Spine, units []Unit, workers int) ([]timeline.Covariates, error) {
	out := make([]timeline.Covariates, len(units))
	err := parallel(ctx, len(units), workers, func(i int) {
		t := sp.Timeline(units[i].Person)
		out[i] = t.Covariates(units[i].Date)
	})
	if err != nil {
		return nil, fmt.Errorf("evaluation: covariates: %w", err)
	}
	return out, nil
}

// parallel runs fn(0..n-1) over workers goroutines in contiguous chunks,
// checking ctx between blocks.
func parallel(ctx context.Context, n, workers int, fn func(i int)) error {
	workers = max(1, min(workers, n))
	errs := make(chan error, workers)
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		go func() {
			for i := lo; i < hi; i++ {
				if (i-lo)&0x3fff == 0 {
					if err := ctx.Err(); err != nil {
						errs <- err
						return
					}
				}
				fn(i)
			}
			errs <- nil
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
