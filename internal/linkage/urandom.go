package linkage

import "math/rand/v2"

// estimateU estimates u, the distribution of each field's comparison level
// among non-matching pairs, from random participant–identity pairs. Among
// all n·N pairs at most n are matches, so random pairs are non-matches
// with probability at least 1 − 1/N, and the share of random pairs at each
// level estimates u without the bias blocking gives to candidate pairs
// (pairs that share a date of birth because they were blocked on it are
// not a sample of non-matches). Fellegi & Sunter (1969) §3.3 estimate u
// from value frequencies in the same spirit; Splink's
// estimate_u_using_random_sampling is this method (Linacre et al. 2022).
//
// Each level gets a pseudo-count of one half (Jeffreys), so a level never
// seen, such as two random people with NINOs one character apart, gets a
// small u rather than zero: its weight is then bounded and conservative.
func estimateU(parts, sample []record, nPairs int, rng *rand.Rand) [numFields][]float64 {
	var counts [numFields][]float64
	for f := Field(0); f < numFields; f++ {
		counts[f] = make([]float64, f.numLevels()-1)
		for l := range counts[f] {
			counts[f][l] = 0.5
		}
	}
	if len(parts) > 0 && len(sample) > 0 {
		for i := 0; i < nPairs; i++ {
			p := &parts[rng.IntN(len(parts))]
			q := &sample[rng.IntN(len(sample))]
			lv := compare(p, q).Levels()
			for f := Field(0); f < numFields; f++ {
				if l := lv[f]; l != f.missing() {
					counts[f][l]++
				}
			}
		}
	}
	for f := Field(0); f < numFields; f++ {
		normalise(counts[f])
	}
	return counts
}

// reservoir keeps a uniform random sample of the identities streamed past
// it (Vitter 1985, "Random sampling with a reservoir", ACM TOMS 11(1):37–57,
// doi:10.1145/3147.3165, algorithm R). The sample lives in memory only,
// for estimating u.
type reservoir struct {
	recs []record
	size int
	seen int
	rng  *rand.Rand
}

func (r *reservoir) offer(q *record) {
	r.seen++
	if len(r.recs) < r.size {
		r.recs = append(r.recs, *q)
		return
	}
	if j := r.rng.IntN(r.seen); j < r.size {
		r.recs[j] = *q
	}
}
