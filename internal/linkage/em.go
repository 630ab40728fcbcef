package linkage

import (
	"context"
	"fmt"
	"math"
)

// Model is a fitted Fellegi–Sunter model: for each field and level, m (the
// probability of the level among matches) and u (among non-matches), and
// Lambda, the prior probability that a participant–identity pair is a
// match. Levels exclude "missing", which carries no evidence.
type Model struct {
	Lambda float64
	M, U   [numFields][]float64
	// UPairs is the number of random pairs u was estimated from.
	UPairs int
	// Sessions records the EM fits that estimated m.
	Sessions  []Session
	Converged bool // every session converged
}

// Session is one EM fit of m, on the candidate pairs of one blocking key,
// with the fields that key blocks on left out.
type Session struct {
	Name          string
	Pairs         int
	Estimated     []string // fields whose m this session supplied
	Lambda        float64  // share of the session's pairs that are matches
	Iterations    int
	Converged     bool
	LogLikelihood float64
}

// Weight is the Fellegi–Sunter match weight of a comparison vector,
// Σ log2(m/u) over the fields present.
func (m *Model) Weight(p Pattern) float64 {
	lv := p.Levels()
	w := 0.0
	for f := Field(0); f < numFields; f++ {
		if l := lv[f]; l != f.missing() {
			w += math.Log2(m.M[f][l] / m.U[f][l])
		}
	}
	return w
}

// FieldWeight is log2(m/u) for one field at one level (0 for "missing").
func (m *Model) FieldWeight(f Field, l Level) float64 {
	if l == f.missing() || int(l) >= len(m.M[f]) {
		return 0
	}
	return math.Log2(m.M[f][l] / m.U[f][l])
}

// Posterior is the model's probability that a pair with this comparison
// vector is a match: λ·m(γ) / (λ·m(γ) + (1−λ)·u(γ)). It rises with Weight.
func (m *Model) Posterior(p Pattern) float64 {
	return posteriorOfWeight(m.Lambda, m.Weight(p))
}

func posteriorOfWeight(lambda, w float64) float64 {
	return 1 / (1 + (1-lambda)/lambda*math.Exp2(-w))
}

// emSettings tunes fitEM.
type emSettings struct {
	maxIter   int
	tolerance float64 // on the change in log-likelihood per pair
	prior     float64 // pseudo-count per level, keeps m off 0
}

// emFit is the result of one EM session.
type emFit struct {
	lambda        float64
	m             [numFields][]float64
	iterations    int
	converged     bool
	logLikelihood float64
}

// fitEM estimates m and the match share λ from the number of pairs with
// each comparison vector, by the EM algorithm under conditional
// independence of the fields given match status (Winkler 1988, "Using the
// EM algorithm for weight computation in the Fellegi–Sunter model of record
// linkage", Proc. Section on Survey Research Methods, ASA, 667–671; Jaro
// 1989, JASA 84(406):414–420, doi:10.1080/01621459.1989.10478785). Only the
// fields in use take part; u is held at the values given (estimated from
// random pairs, see estimateU), as Splink does (Linacre et al. 2022,
// "Splink: free software for probabilistic record linkage at scale",
// IJPDS 7(3), doi:10.23889/ijpds.v7i3.1794).
//
// The starting point puts most matches at full agreement and λ at
// expected/pairs, where expected is the number of participants: each can
// match at most one identity.
func fitEM(ctx context.Context, counts []float64, use [numFields]bool, u *[numFields][]float64, expected float64, s emSettings) (emFit, error) {
	var total float64
	for _, c := range counts {
		total += c
	}
	var fit emFit
	if total == 0 {
		return fit, fmt.Errorf("fitting m by EM: no candidate pairs to learn from")
	}
	fit.lambda = math.Min(0.9, math.Max(1e-6, expected/total))
	for f := Field(0); f < numFields; f++ {
		fit.m[f] = defaultM(f)
	}
	levels := make([][numFields]Level, len(counts))
	for p := range counts {
		levels[p] = Pattern(p).Levels()
	}
	var num [numFields][]float64
	for f := Field(0); f < numFields; f++ {
		num[f] = make([]float64, f.numLevels()-1)
	}
	prevLL := math.Inf(-1)
	for it := 1; it <= s.maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return fit, err
		}
		for f := Field(0); f < numFields; f++ {
			clear(num[f])
		}
		var matches, ll float64
		for p, c := range counts {
			if c == 0 {
				continue
			}
			pm, pu := fit.lambda, 1-fit.lambda
			lv := &levels[p]
			for f := Field(0); f < numFields; f++ {
				if l := lv[f]; use[f] && l != f.missing() {
					pm *= fit.m[f][l]
					pu *= u[f][l]
				}
			}
			g := pm / (pm + pu)
			ll += c * math.Log(pm+pu)
			matches += c * g
			for f := Field(0); f < numFields; f++ {
				if l := lv[f]; use[f] && l != f.missing() {
					num[f][l] += c * g
				}
			}
		}
		fit.lambda = math.Min(1-1e-9, math.Max(1e-9, matches/total))
		for f := Field(0); f < numFields; f++ {
			if !use[f] {
				continue
			}
			for l := range num[f] {
				fit.m[f][l] = num[f][l] + s.prior
			}
			normalise(fit.m[f])
		}
		fit.iterations = it
		fit.logLikelihood = ll
		if math.Abs(ll-prevLL) <= s.tolerance*total {
			fit.converged = true
			break
		}
		prevLL = ll
	}
	return fit, nil
}

// defaultM is EM's starting m: most matches agree fully, and each weaker
// level is ten times rarer than the one before.
func defaultM(f Field) []float64 {
	k := f.numLevels() - 1
	m := make([]float64, k)
	for l := 0; l < k; l++ {
		m[l] = math.Pow(0.1, float64(l))
	}
	normalise(m)
	return m
}

func normalise(x []float64) {
	var s float64
	for _, v := range x {
		s += v
	}
	for i := range x {
		x[i] /= s
	}
}
