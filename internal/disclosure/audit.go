package disclosure

import (
	"slices"
)

// unbounded is the audit's "no upper bound known".
const unbounded = 1 << 40

// maxRounds caps interval propagation. The lab's tables are short chains of
// one-dimensional relations and converge in a handful of rounds; the cap
// only guards against a pathological draft (bounds stay valid, if looser).
const maxRounds = 10000

// cellState is what the audit knows a count is.
type cellState int

const (
	stShown     cellState = iota // published, rounded
	stPrimary                    // withheld: 1..MinCell−1 people
	stSecondary                  // withheld to protect another; not zero
	stHidden                     // never published; 0 or more
)

// problem is a draft's counts as the audit sees them: every count named in
// a table or as a hidden count, indexed, with the relations between them.
type problem struct {
	rules     Rules
	refs      []Ref
	index     map[Ref]int
	truth     []int
	state     []cellState
	essential []bool
	rels      []auditRelation
	memberOf  [][]int // count → relations it takes part in
}

type auditRelation struct {
	total int
	parts []int
}

// interval is what a reader can work out about one count: lo ≤ n ≤ hi.
type interval struct{ lo, hi int }

// values is how many whole numbers the interval holds.
func (iv interval) values() int { return iv.hi - iv.lo + 1 }

// protection is the fewest values the feasible interval of a withheld small
// count (or group) must hold: Round − 1, and at least 2 (see doc.go).
func (r Rules) protection() int { return max(r.Round-1, 2) }

// known is what a reader knows of count i before using any relation.
func (p *problem) known(i int) interval {
	switch p.state[i] {
	case stShown:
		v := p.rules.RoundCount(p.truth[i])
		if v == 0 {
			return interval{0, 0} // counts 1 and 2 are withheld, so a shown 0 is 0
		}
		return interval{max(v-p.rules.Round/2, p.rules.MinCell), v + (p.rules.Round-1)/2}
	case stPrimary:
		return interval{1, p.rules.MinCell - 1}
	case stSecondary:
		return interval{1, unbounded}
	}
	return interval{0, unbounded}
}

// feasible propagates the known intervals through every relation until
// nothing changes (interval constraint propagation: Hundepool et al. 2012
// §4.3, the audit of a suppressed table). It returns each count's feasible
// interval.
func (p *problem) feasible() []interval {
	b := make([]interval, len(p.refs))
	for i := range b {
		b[i] = p.known(i)
	}
	for round, changed := 0, true; changed && round < maxRounds; round++ {
		changed = false
		tighten := func(i, lo, hi int) {
			n := interval{max(b[i].lo, lo), min(b[i].hi, hi)}
			if n != b[i] {
				b[i], changed = n, true
			}
		}
		for _, r := range p.rels {
			sumLo, sumHi := 0, 0
			for _, q := range r.parts {
				sumLo += b[q].lo
				sumHi += b[q].hi
			}
			tighten(r.total, sumLo, sumHi)
			t := b[r.total]
			for _, q := range r.parts {
				tighten(q, t.lo-(sumHi-b[q].hi), t.hi-(sumLo-b[q].lo))
			}
		}
	}
	return b
}

// group is the feasible interval of the sum of relation r's withheld parts
// when its total is shown, and that sum's true value; ok is false when the
// total is withheld or every part is shown.
func (p *problem) group(r auditRelation, b []interval) (iv interval, truth int, ok bool) {
	if p.state[r.total] != stShown {
		return interval{}, 0, false
	}
	lo, hi := b[r.total].lo, b[r.total].hi
	wLo, wHi := 0, 0
	for _, q := range r.parts {
		if p.state[q] == stShown {
			lo -= b[q].hi
			hi -= b[q].lo
			continue
		}
		ok = true
		wLo += b[q].lo
		wHi += b[q].hi
		truth += p.truth[q]
	}
	return interval{max(lo, wLo), min(hi, wHi)}, truth, ok
}

// small reports whether n people is a count disclosure control protects.
func (p *problem) small(n int) bool { return n > 0 && n < p.rules.MinCell }

// exposure is a small withheld count (cell ≥ 0), or the group of a
// relation's withheld parts (rel ≥ 0), that a reader can narrow to fewer
// values than the protection.
type exposure struct{ cell, rel int }

// exposed lists the exposures, counts first, in the draft's order.
func (p *problem) exposed(b []interval) []exposure {
	need := p.rules.protection()
	var out []exposure
	for i := range p.refs {
		if p.state[i] != stShown && p.small(p.truth[i]) && b[i].values() < need {
			out = append(out, exposure{i, -1})
		}
	}
	for k, r := range p.rels {
		if iv, truth, ok := p.group(r, b); ok && p.small(truth) && iv.values() < need {
			out = append(out, exposure{-1, k})
		}
	}
	return out
}

// measure is how many values a reader is left with for exposure e.
func (p *problem) measure(e exposure, b []interval) int {
	if e.cell >= 0 {
		return b[e.cell].values()
	}
	iv, _, _ := p.group(p.rels[e.rel], b)
	return iv.values()
}

// protect withholds further counts until no small withheld count, nor any
// group of a relation's withheld parts, can be narrowed below the
// protection (secondary suppression), one count at a time (fix). It stops
// when nothing is exposed, or when nothing is left to withhold around any
// exposure.
func (p *problem) protect() {
	for {
		b := p.feasible()
		next := -1
		for _, e := range p.exposed(b) {
			if next = p.fix(e, b); next >= 0 {
				break
			}
		}
		if next < 0 {
			return
		}
		p.state[next] = stSecondary
	}
}

// fix chooses the count to withhold for exposure e, or −1 when none is
// left. The candidates are the shown non-zero counts of the relations
// around e: e's own, then, through counts already withheld, the relations
// that pin those (nearer first). Counts that are not essential come first,
// then nearer ones, parts before totals, smaller before larger. The first
// candidate that alone protects e is chosen, else the first that widens
// what a reader knows of it, else the first; essential counts only when no
// other candidate protects or widens.
func (p *problem) fix(e exposure, b []interval) int {
	type cand struct{ i, depth, total int }
	var cands []cand
	seenRel, seenCell, seenCand := map[int]bool{}, map[int]bool{}, map[int]bool{}
	var frontier []int
	if e.rel >= 0 {
		frontier = []int{e.rel}
	} else {
		seenCell[e.cell] = true
		frontier = p.memberOf[e.cell]
	}
	for depth := 0; len(frontier) > 0; depth++ {
		var next []int
		for _, k := range frontier {
			if seenRel[k] {
				continue
			}
			seenRel[k] = true
			r := p.rels[k]
			for _, i := range append([]int{r.total}, r.parts...) {
				switch {
				case p.state[i] == stShown && p.truth[i] > 0 && !seenCand[i]:
					seenCand[i] = true
					cands = append(cands, cand{i, depth, boolInt(i == r.total)})
				case p.state[i] != stShown && !seenCell[i]:
					seenCell[i] = true
					next = append(next, p.memberOf[i]...)
				}
			}
		}
		frontier = next
	}
	slices.SortStableFunc(cands, func(x, y cand) int {
		return slices.Compare(
			[]int{boolInt(p.essential[x.i]), x.depth, x.total, p.truth[x.i], x.i},
			[]int{boolInt(p.essential[y.i]), y.depth, y.total, p.truth[y.i], y.i})
	})
	need, before := p.rules.protection(), p.measure(e, b)
	for _, essential := range []bool{false, true} {
		widen := -1
		for _, c := range cands {
			if p.essential[c.i] != essential {
				continue
			}
			p.state[c.i] = stSecondary
			after := p.measure(e, p.feasible())
			p.state[c.i] = stShown
			if after >= need {
				return c.i
			}
			if after > before && widen < 0 {
				widen = c.i
			}
		}
		if widen >= 0 {
			return widen
		}
	}
	if len(cands) > 0 {
		return cands[0].i
	}
	return -1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
