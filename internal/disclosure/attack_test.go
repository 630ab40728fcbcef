package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// bounds is what an attacker knows about one count: lo ≤ n ≤ hi.
type bounds struct{ lo, hi int }

// noBound is the attacker's "no upper bound known".
const noBound = 1 << 40

// attack plays a reader who knows the published tables, the rules and every
// additive relation (they are documented), and propagates bounds through the
// relations until nothing changes (interval constraint propagation, the
// usual audit of a suppressed table; Hundepool et al. 2012 §4.3). It knows
// that a shown count r was rounded to the nearest Round (so lies in
// r−Round/2..r+(Round−1)/2) and, being shown, is 0 or at least MinCell; that
// a withheld cell is not zero (zeros are published); and, as a worst case,
// which withheld cells are small (the reason is on the cell). It returns the
// bounds on every count named in a relation, and on the sum of each
// relation's suppressed parts.
func attack(rel *Release, d *Draft) (map[Ref]bounds, []bounds) {
	r := rel.rules
	b := map[Ref]bounds{}
	know := func(ref Ref) {
		if _, ok := b[ref]; ok {
			return
		}
		if ref.Table == "" {
			b[ref] = bounds{0, noBound}
			return
		}
		t, _ := rel.Table(ref.Table)
		c, _ := t.Lookup(ref.Row, ref.Column)
		v, ok := c.Count()
		switch {
		case !ok && c.Reason() == ReasonSmallCount:
			b[ref] = bounds{1, r.MinCell - 1}
		case !ok:
			b[ref] = bounds{1, noBound}
		case v == 0:
			b[ref] = bounds{0, 0}
		default:
			b[ref] = bounds{max(v-r.Round/2, r.MinCell), v + (r.Round-1)/2}
		}
	}
	for _, x := range d.relations {
		know(x.total)
		for _, p := range x.parts {
			know(p)
		}
	}
	for changed := true; changed; {
		changed = false
		tighten := func(ref Ref, lo, hi int) {
			cur := b[ref]
			n := bounds{max(cur.lo, lo), min(cur.hi, hi)}
			if n != cur {
				b[ref], changed = n, true
			}
		}
		for _, x := range d.relations {
			sumLo, sumHi := 0, 0
			for _, p := range x.parts {
				sumLo += b[p].lo
				sumHi += b[p].hi // no overflow: a few times 2^40
			}
			tighten(x.total, sumLo, sumHi)
			t := b[x.total]
			for _, p := range x.parts {
				othersLo, othersHi := sumLo-b[p].lo, sumHi-b[p].hi
				tighten(p, t.lo-othersHi, t.hi-othersLo)
			}
		}
	}
	var unions []bounds
	for _, x := range d.relations {
		lo, hi := b[x.total].lo, b[x.total].hi
		suppLo, suppHi, any := 0, 0, false
		for _, p := range x.parts {
			if shown(rel, p) {
				lo -= b[p].hi
				hi -= b[p].lo
			} else {
				any = true
				suppLo += b[p].lo
				suppHi += b[p].hi
			}
		}
		if any && shown(rel, x.total) {
			unions = append(unions, bounds{max(lo, suppLo), min(hi, suppHi)})
		}
	}
	return b, unions
}

func shown(rel *Release, ref Ref) bool {
	if ref.Table == "" {
		return false
	}
	t, _ := rel.Table(ref.Table)
	c, _ := t.Lookup(ref.Row, ref.Column)
	return c.State() == Shown
}

// recovered reports the first small count (1..MinCell−1, a cell or the sum
// of a relation's suppressed parts) the attacker pins down: narrows to fewer
// than max(Round−1, 2) possible values (with Round 1, to one value: exact
// disclosure; with Round 5, to fewer than the 4 values a difference of two
// rounded counts leaves, e.g. "1 to 4").
func recovered(rel *Release, d *Draft) (string, bool) {
	need := max(rel.rules.Round-1, 2)
	b, unions := attack(rel, d)
	for ref, iv := range b {
		truth, _ := d.count(ref)
		if iv.hi-iv.lo+1 < need && truth > 0 && truth < rel.rules.MinCell {
			return fmt.Sprintf("%s = %d (narrowed to %d..%d)", ref, truth, iv.lo, iv.hi), true
		}
	}
	k := 0
	for _, x := range d.relations {
		if !shown(rel, x.total) || !anyWithheld(rel, x.parts) {
			continue
		}
		iv := unions[k]
		k++
		truth := 0
		for _, p := range x.parts {
			if !shown(rel, p) {
				n, _ := d.count(p)
				truth += n
			}
		}
		if iv.hi-iv.lo+1 < need && truth > 0 && truth < rel.rules.MinCell {
			return fmt.Sprintf("the withheld parts of %s sum to %d (narrowed to %d..%d)", x.total, truth, iv.lo, iv.hi), true
		}
	}
	return "", false
}

func anyWithheld(rel *Release, refs []Ref) bool {
	for _, r := range refs {
		if !shown(rel, r) {
			return true
		}
	}
	return false
}

// randomDraft builds tables shaped like the report's: a funnel of stages
// with drop-out reasons between them (a chain of relations), two partitions
// of the analysed total (subgroups by sex and by age band) with a hidden
// "not recorded" remainder, the same count repeated in a second table, and
// per-week observed counts with hidden unobserved complements. Counts are
// drawn so that many are small.
func randomDraft(rng *rand.Rand) *Draft {
	small := func() int {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return 1 + rng.IntN(9)
		case 2:
			return 10 + rng.IntN(10)
		}
		return rng.IntN(60)
	}
	d := NewDraft(1000)
	col := []Column{{"label", "Stage"}, {"people", "People"}}
	d.Table("funnel", "Funnel", col...)
	stage := 400 + rng.IntN(2000)
	d.Row("funnel", "stage0", Label("submitted"), Count(stage))
	for s := 1; s <= 3; s++ {
		nReasons := 1 + rng.IntN(4)
		var parts []Ref
		next := stage
		for k := range nReasons {
			n := min(small(), next)
			next -= n
			key := fmt.Sprintf("drop%d_%d", s, k)
			d.Row("funnel", key, Label(key), Count(n))
			parts = append(parts, Ref{"funnel", key, "people"})
		}
		key := fmt.Sprintf("stage%d", s)
		d.Row("funnel", key, Label(key), Count(next))
		d.Relate(Ref{"funnel", fmt.Sprintf("stage%d", s-1), "people"}, append(parts, Ref{"funnel", key, "people"})...)
		stage = next
	}
	analysed := Ref{"funnel", "stage3", "people"}
	d.Table("subgroups", "Subgroups", col...)
	for _, by := range []string{"sex", "age", "site"} {
		left := stage
		var parts []Ref
		for k := range 2 + rng.IntN(4) {
			n := min(small(), left)
			if k == 0 && by == "sex" {
				n = left / 2
			}
			left -= n
			key := fmt.Sprintf("%s_%d", by, k)
			d.Row("subgroups", key, Label(key), Count(n))
			parts = append(parts, Ref{"subgroups", key, "people"})
		}
		if by == "site" {
			parts = append(parts, d.Hidden("site_not_recorded", left))
		} else {
			key := by + "_rest"
			d.Row("subgroups", key, Label(key), Count(left))
			parts = append(parts, Ref{"subgroups", key, "people"})
		}
		d.Relate(analysed, parts...)
	}
	// The analysed total repeated in another table.
	d.Table("summary", "Summary", col...)
	d.Row("summary", "analysed", Label("analysed"), Count(stage))
	d.Relate(analysed, Ref{"summary", "analysed", "people"})
	// Observed per week, with hidden unobserved complements.
	d.Table("weeks", "Weeks", col...)
	for w := range 5 {
		unobs := min(small(), stage)
		key := fmt.Sprintf("week%d", w)
		d.Row("weeks", key, Label(key), Count(stage-unobs))
		d.Relate(Ref{"summary", "analysed", "people"}, Ref{"weeks", key, "people"}, d.Hidden("unobserved_"+key, unobs))
	}
	return d
}

// TestAttackerCannotRecoverSmallCounts is the property test: over many
// random report-shaped drafts, with rounding to 5 and without rounding, an
// attacker propagating bounds through every relation never pins down a
// count (or a group of suppressed cells) of 1 to 9 people; and no shown
// count is below the minimum or off the rounding base.
func TestAttackerCannotRecoverSmallCounts(t *testing.T) {
	for _, round := range []int{5, 1} {
		rules := Rules{MinCohort: 100, MinCell: 10, Round: round}
		for seed := range uint64(400) {
			d := randomDraft(rand.New(rand.NewPCG(seed, 7)))
			rel, err := Apply(rules, d)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if what, ok := recovered(rel, d); ok {
				t.Fatalf("round %d seed %d: the attacker recovered %s", round, seed, what)
			}
			for _, tb := range rel.Tables() {
				for _, r := range tb.Rows() {
					for _, c := range r.Cells() {
						if n, ok := c.Count(); ok && (n%round != 0 || (n > 0 && n < 10)) {
							t.Fatalf("round %d seed %d: %s/%s shows %d", round, seed, tb.ID(), r.Key(), n)
						}
					}
				}
			}
		}
	}
}

// TestAttackerSucceedsWithoutSecondarySuppression is the control for the
// property test: without secondary suppression (and without rounding) the
// same attacker does recover small counts, so the property test can fail.
// With rounding to 5 and no secondary suppression it still succeeds on a
// few drafts (3 of these 100: several small cells under one difference), so
// rounding alone is not the protection either.
func TestAttackerSucceedsWithoutSecondarySuppression(t *testing.T) {
	for _, c := range []struct{ round, atLeast int }{{1, 50}, {5, 1}} {
		rules := Rules{MinCohort: 100, MinCell: 10, Round: c.round}
		hits := 0
		for seed := range uint64(100) {
			d := randomDraft(rand.New(rand.NewPCG(seed, 7)))
			rel, err := apply(rules, d, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := recovered(rel, d); ok {
				hits++
			}
		}
		t.Logf("round %d: without secondary suppression the attacker recovered a small count in %d of 100 drafts", c.round, hits)
		if hits < c.atLeast {
			t.Fatalf("round %d: without secondary suppression the attacker recovered a small count in only %d of 100 drafts; the attack is too weak to test anything", c.round, hits)
		}
	}
}
