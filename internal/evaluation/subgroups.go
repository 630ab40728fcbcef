package evaluation

import (
	"context"
	"fmt"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// ageBand is the subgroup band of an age in completed years.
func ageBand(age int) string {
	switch {
	case age < 25:
		return "16-24"
	case age < 35:
		return "25-34"
	case age < 50:
		return "35-49"
	}
	return "50+"
}

// subgroups re-matches within each subgroup and estimates the headline
// outcomes there. Participants of a level are matched to comparators of
// the same level where the level is a covariate (sex, age band) and to the
// whole pool for a submitted attribute (which comparators do not have),
// using the propensity score from the full model, so each subgroup's
// comparison is built the same way as the main one.
func subgroups(ctx context.Context, spec Spec, cohort []Participant, units []Unit, covs []timeline.Covariates,
	logit []float64, strata []int, headlines []Headline, outcome func(Unit) timeline.Outcomes) ([]SubgroupResult, error) {

	type dim struct {
		by        string
		level     func(i int) (string, bool) // a unit's level; ok false: not known
		covariate bool                       // comparators have the level too
	}
	dims := []dim{
		{"sex", func(i int) (string, bool) { return string(covs[i].Sex), true }, true},
		{"age_band", func(i int) (string, bool) {
			return ageBand(int(covs[i].Age)), true
		}, true},
	}
	for _, attr := range spec.Subgroups {
		dims = append(dims, dim{attr, func(i int) (string, bool) {
			u := units[i]
			if !u.Treated {
				return "", false
			}
			v, ok := cohort[u.Participant].Attributes[attr]
			return v, ok && v != ""
		}, false})
	}
	var out []SubgroupResult
	for _, d := range dims {
		counts := map[string]int{}
		for i, u := range units {
			if u.Treated {
				if l, ok := d.level(i); ok {
					counts[l]++
				}
			}
		}
		if len(counts) == 0 {
			out = append(out, SubgroupResult{By: d.by, Note: fmt.Sprintf("no participant has a value for %q", d.by)})
			continue
		}
		for _, level := range sortedKeys(counts) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r := SubgroupResult{By: d.by, Level: level, Participants: counts[level]}
			if counts[level] < spec.MinSubgroup {
				r.Note = fmt.Sprintf("fewer than %d participants: not estimated", spec.MinSubgroup)
				out = append(out, r)
				continue
			}
			var idx []int
			for i, u := range units {
				l, ok := d.level(i)
				if (u.Treated && ok && l == level) || (!u.Treated && (!d.covariate || l == level)) {
					idx = append(idx, i)
				}
			}
			sub := make([]Unit, len(idx))
			prob := matching.Problem{Treated: make([]bool, len(idx)), Logit: make([]float64, len(idx)), Strata: make([]int, len(idx))}
			for k, i := range idx {
				sub[k] = units[i]
				prob.Treated[k], prob.Logit[k], prob.Strata[k] = units[i].Treated, logit[i], strata[i]
			}
			res, err := matching.Match(ctx, prob, spec.Match)
			if err != nil {
				r.Note = fmt.Sprintf("not estimated: %v", err)
				out = append(out, r)
				continue
			}
			if res.Counts.TreatedMatched < spec.MinSubgroup {
				r.Note = fmt.Sprintf("only %d participants matched, fewer than %d: not estimated", res.Counts.TreatedMatched, spec.MinSubgroup)
				out = append(out, r)
				continue
			}
			est, err := newEstimator(ctx, sub, res, spec.Workers, outcome)
			if err != nil {
				return nil, err
			}
			for _, h := range headlines {
				row, err := est.estimate(ctx, h)
				if err != nil {
					return nil, fmt.Errorf("subgroup %s=%s: %w", d.by, level, err)
				}
				r.Estimates = append(r.Estimates, row)
			}
			out = append(out, r)
		}
	}
	return out, nil
}
