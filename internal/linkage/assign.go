package linkage

import (
	"cmp"
	"slices"
)

// pair is one candidate pair: participant p, identity id (an index into
// the person_ids kept), and its comparison vector.
type pair struct {
	p, id int32
	pat   Pattern
	keys  uint8 // the blocking keys the pair shares (bit k for blockKey k)
}

// assignOneToOne links each participant to at most one identity and each
// identity to at most one participant. It is greedy: pairs are taken in
// order (deterministic first, then by descending score), and a pair is
// kept when neither side is already linked (Jaro 1989 solves the same
// problem exactly as a linear assignment; on data like ours, where true
// pairs score far above their rivals, greedy gives the same answer in
// almost every component and runs in O(n log n)). Ties are broken by
// participant and identity order so the result is reproducible.
//
// Pairs scoring below minScore are left out: they could only ever be
// non-matches, and leaving them out keeps the sort small.
//
// It returns, for each participant, the index in pairs of the pair
// assigned, or -1.
func assignOneToOne(pairs []pair, score []float64, minScore float64, nParticipants, nIdentities int) []int32 {
	// One sort key per comparison vector: deterministic pairs above every
	// score, then by score.
	key := make([]float64, len(score))
	for p := range key {
		key[p] = score[p]
		if deterministic(Pattern(p)) {
			key[p] += 1e9
		}
	}
	order := make([]int32, 0, len(pairs))
	for i := range pairs {
		if pat := pairs[i].pat; score[pat] >= minScore || deterministic(pat) {
			order = append(order, int32(i))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		pa, pb := &pairs[a], &pairs[b]
		if c := cmp.Compare(key[pb.pat], key[pa.pat]); c != 0 {
			return c
		}
		if c := cmp.Compare(pa.p, pb.p); c != 0 {
			return c
		}
		return cmp.Compare(pa.id, pb.id)
	})
	assigned := make([]int32, nParticipants)
	for i := range assigned {
		assigned[i] = -1
	}
	taken := make([]bool, nIdentities)
	for _, i := range order {
		pr := &pairs[i]
		if assigned[pr.p] >= 0 || taken[pr.id] {
			continue
		}
		assigned[pr.p] = i
		taken[pr.id] = true
	}
	return assigned
}
