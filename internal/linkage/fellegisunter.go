package linkage

import (
	"context"
	"fmt"
	"math"
)

// fitFellegiSunter fits the Fellegi–Sunter model (Fellegi & Sunter 1969,
// "A theory for record linkage", JASA 64(328):1183–1210,
// doi:10.1080/01621459.1969.10501049) and returns it with the weight of
// every comparison vector, indexed by Pattern.
//
// u comes from random pairs (estimateU). m comes from EM, but not on all
// candidate pairs at once: blocking makes non-matching candidates agree on
// the blocked fields far more often than chance (two people in the date-
// of-birth block share a date of birth by construction), which breaks the
// conditional independence EM relies on. So, as Splink does, m is learnt
// in sessions, each on the pairs of one blocking key with the fields that
// key uses left out:
//
//   - "date of birth" session: pairs whose dates of birth agree or are
//     transposed; estimates m for first name, last name, postcode, NINO;
//   - "names" session: pairs that share the formal first name and the
//     Soundex of the last name; estimates m for date of birth.
//
// λ, the prior that a pair is a match, is the expected number of matches
// (the "date of birth" session's matches divided by m's share of matches
// whose date of birth agrees or is transposed) over all n·N pairs.
func fitFellegiSunter(ctx context.Context, pairs []pair, u [numFields][]float64, uPairs, nParticipants, nIdentities int, spec Spec) (Model, []float64, error) {
	mod := Model{U: u, UPairs: uPairs, Converged: true}
	settings := emSettings{maxIter: spec.MaxEMIterations, tolerance: spec.EMTolerance, prior: 0.5}

	type session struct {
		name     string
		in       func(pr *pair) bool
		use      [numFields]bool
		estimate []Field
	}
	sessions := []session{
		{
			name: "date of birth",
			in: func(pr *pair) bool {
				l := pr.pat.Levels()[DateOfBirth]
				return l == 0 || l == 1
			},
			use:      [numFields]bool{FirstName: true, LastName: true, Postcode: true, NINO: true},
			estimate: []Field{FirstName, LastName, Postcode, NINO},
		},
		{
			name:     "names",
			in:       func(pr *pair) bool { return pr.keys&(1<<keyNames) != 0 },
			use:      [numFields]bool{DateOfBirth: true, Postcode: true, NINO: true},
			estimate: []Field{DateOfBirth},
		},
	}
	var dobMatches float64
	for _, s := range sessions {
		counts := make([]float64, numPatterns)
		n := 0
		for i := range pairs {
			if s.in(&pairs[i]) {
				counts[pairs[i].pat]++
				n++
			}
		}
		if n == 0 {
			// Nothing to learn from (a tiny submission): keep the
			// conventional starting values and say so in the report.
			for _, f := range s.estimate {
				mod.M[f] = defaultM(f)
			}
			mod.Converged = false
			mod.Sessions = append(mod.Sessions, Session{Name: s.name})
			continue
		}
		fit, err := fitEM(ctx, counts, s.use, &u, float64(nParticipants), settings)
		if err != nil {
			return mod, nil, fmt.Errorf("EM session %q (%d pairs): %w", s.name, n, err)
		}
		sess := Session{Name: s.name, Pairs: n, Lambda: fit.lambda, Iterations: fit.iterations,
			Converged: fit.converged, LogLikelihood: fit.logLikelihood}
		for _, f := range s.estimate {
			mod.M[f] = fit.m[f]
			sess.Estimated = append(sess.Estimated, f.String())
		}
		mod.Converged = mod.Converged && fit.converged
		mod.Sessions = append(mod.Sessions, sess)
		if s.name == "date of birth" {
			dobMatches = fit.lambda * float64(n)
		}
	}
	share := mod.M[DateOfBirth][0] + mod.M[DateOfBirth][1]
	expected := float64(nParticipants) / 2
	if dobMatches > 0 {
		expected = math.Min(float64(nParticipants), math.Max(1, dobMatches/share))
	}
	mod.Lambda = expected / (float64(nParticipants) * float64(nIdentities))

	score := make([]float64, numPatterns)
	for p := range score {
		score[p] = mod.Weight(Pattern(p))
	}
	return mod, score, nil
}
