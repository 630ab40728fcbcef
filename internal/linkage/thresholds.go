package linkage

import (
	"math"
	"slices"
)

// chooseThresholds sets the band boundaries from the model's own error
// estimates (Fellegi & Sunter 1969 choose the two thresholds to hold the
// false-match and false-non-match rates at stated levels; here the rates
// are estimated from the EM posteriors, as in Winkler 1988 and Belin &
// Rubin 1995, JASA 90(430):694–707, doi:10.1080/01621459.1995.10476563).
//
// scores and posts are the assigned probabilistic pairs (one per
// participant). expected is the model's expected number of true links among
// all participants (deterministic links plus Σ posterior).
//
//   - Upper is the lowest score such that the pairs at or above it have an
//     estimated false-match rate, mean(1 − posterior), at most maxFMR, and a
//     posterior of at least one half (a link must be more likely right than
//     wrong).
//   - Lower is the highest score (not above Upper) such that the pairs
//     below it hold, in expectation, at most maxFNMR·expected true links,
//     and none of them has a posterior of reviewPosterior or more: a pair
//     the model gives even odds of, say, one in twenty is worth a
//     reviewer's look however confident the model is overall.
//
// Scores come from a finite set of comparison vectors, so thresholds fall
// on observed scores and never split a tie.
func chooseThresholds(lambda float64, scores, posts []float64, expected, maxFMR, maxFNMR, reviewPosterior float64) Thresholds {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	upper := math.Inf(1)
	var wrong float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			wrong += 1 - posts[idx[j]]
			j++
		}
		if wrong/float64(j) > maxFMR || posts[idx[i]] < 0.5 {
			break
		}
		upper = scores[idx[i]]
		i = j
	}
	lower := math.Inf(-1)
	var missed float64
	budget := maxFNMR * expected
	for i := len(idx) - 1; i >= 0; {
		j := i
		var group float64
		for j >= 0 && scores[idx[j]] == scores[idx[i]] {
			group += posts[idx[j]]
			j--
		}
		if scores[idx[i]] >= upper || missed+group > budget {
			break
		}
		missed += group
		// Lower sits just above this group: the next distinct score up.
		if j >= 0 {
			lower = scores[idx[j]]
		} else {
			lower = upper
		}
		i = j
	}
	if w := weightOfPosterior(lambda, reviewPosterior); lower > w {
		lower = w
	}
	if lower > upper {
		lower = upper
	}
	return Thresholds{
		Upper: upper, Lower: lower,
		UpperPosterior: posteriorOfWeight(lambda, upper),
		LowerPosterior: posteriorOfWeight(lambda, lower),
	}
}

// weightOfPosterior inverts posteriorOfWeight.
func weightOfPosterior(lambda, p float64) float64 {
	return math.Log2(p/(1-p)) - math.Log2(lambda/(1-lambda))
}
