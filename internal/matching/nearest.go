package matching

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// matchNearest is greedy nearest-neighbour matching on the distance
// (Rubin 1973, Biometrics 29(1):159–183, doi:10.2307/2529684), 1:k, with or
// without replacement, within a caliper (Austin 2011, Pharmaceutical
// Statistics 10(2):150–161, doi:10.1002/pst.433), reproducing MatchIt 4.7's
// matches (Ho, Imai, King & Stuart 2011, J. Stat. Softw. 42(8),
// doi:10.18637/jss.v042.i08):
//
//   - units of a stratum are sorted by distance, stably (ties in data order);
//   - without replacement, k:1 runs in k rounds; in each, participants are
//     taken in Spec.Order and each gets the nearest comparison unit still
//     available; a participant that finds none drops out of later rounds;
//   - the nearest available unit on each side is compared; a tie in distance
//     goes to the side reached in fewer steps along the sorted units
//     (counted from the participant, or, in later rounds, from its matches
//     furthest out on that side), and to the lower side on equal steps;
//   - with replacement every comparison unit stays available, and a
//     participant gets its k nearest (ties as above);
//   - a comparison unit beyond the caliper is never taken;
//   - with Spec.Compare = CompareTruncated (MatchIt 4.5.1 on Linux), each
//     difference is truncated to a whole number before any comparison, and
//     a tie between the two sides goes to the lower side.
//
// Finding the nearest available unit uses "next available" pointers with
// path compression over the sorted units, so a match costs near-constant
// time instead of MatchIt's scan over used units.
func matchNearest(ctx context.Context, prob Problem, res *Result, groups [][]int32, discarded []bool) error {
	var mu sync.Mutex
	var all []nnPair
	err := forEachStratum(ctx, groups, res.Spec.Workers, func(k int, g []int32) error {
		pairs, c, err := nearestStratum(ctx, prob, res, g, discarded, k)
		if err != nil {
			return err
		}
		mu.Lock()
		all = append(all, pairs...)
		res.Counts.TreatedOutsideCaliper += c.TreatedOutsideCaliper
		res.Counts.TreatedNoControls += c.TreatedNoControls
		mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("matching.Match (nearest): %w", err)
	}
	assemblePairs(prob, res, all)
	return nil
}

type nnPair struct {
	t, c  int32
	round int32
}

// assemblePairs numbers matched sets in participant data order and sets
// MatchIt's matching weights: 1 for a matched participant; a comparison unit
// gets 1/k_t from each participant t it serves (k_t = t's matches), and the
// comparison weights are rescaled to average 1 over those used.
func assemblePairs(prob Problem, res *Result, pairs []nnPair) {
	n := len(prob.Treated)
	slices.SortFunc(pairs, func(a, b nnPair) int {
		if a.t != b.t {
			return int(a.t - b.t)
		}
		return int(a.round - b.round)
	})
	uses := make([]int32, n) // participant: matches; comparison: participants served
	for _, p := range pairs {
		uses[p.t]++
		uses[p.c]++
	}
	set := -1
	last := int32(-1)
	res.Pairs = make([]Pair, len(pairs))
	for k, p := range pairs {
		if p.t != last {
			set++
			last = p.t
			res.Set[p.t] = set
			res.Weights[p.t] = 1
		}
		res.Pairs[k] = Pair{Treated: int(p.t), Control: int(p.c), Set: set}
		res.Weights[p.c] += 1 / float64(uses[p.t])
		if uses[p.c] == 1 {
			res.Set[p.c] = set
		}
	}
	var sum float64
	var used int
	for i, w := range res.Weights {
		if !prob.Treated[i] && w > 0 {
			sum += w
			used++
			if uses[i] > 1 {
				res.Counts.ControlsReused++
			}
		}
	}
	if used > 0 {
		scale := float64(used) / sum
		for i, w := range res.Weights {
			if !prob.Treated[i] && w > 0 {
				res.Weights[i] = w * scale
			}
		}
	}
}

// nearestStratum matches within one stratum; g holds its units in data
// order.
func nearestStratum(ctx context.Context, prob Problem, res *Result, g []int32, discarded []bool, stratum int) ([]nnPair, Counts, error) {
	var c Counts
	m := len(g)
	d := make([]float64, m)
	for k, i := range g {
		d[k] = res.Distance[i]
	}
	ord := sortedOrder(d) // position -> local index
	sd := make([]float64, m)
	isT := make([]bool, m)
	avail := make([]bool, m)
	var tpos []int32
	nAvail := 0
	for p, k := range ord {
		i := g[k]
		sd[p] = d[k]
		if prob.Treated[i] {
			isT[p] = true
			if !discarded[i] {
				tpos = append(tpos, int32(p))
			}
		} else if !discarded[i] {
			avail[p] = true
			nAvail++
		}
	}
	if len(tpos) == 0 {
		return nil, c, nil
	}
	if nAvail == 0 {
		c.TreatedNoControls += len(tpos)
		return nil, c, nil
	}
	spec := res.Spec
	tpos = takeOrder(tpos, sd, g, ord, spec, stratum)
	caliper := res.CaliperWidth
	unit := func(p int32) int32 { return g[ord[p]] }
	truncated := spec.Compare == CompareTruncated
	gap := distanceGap(truncated)

	var pairs []nnPair
	if spec.Replace {
		ctrl := make([]int32, 0, nAvail) // positions of available comparison units
		for p := range m {
			if avail[p] {
				ctrl = append(ctrl, int32(p))
			}
		}
		var cand []nnCand
		for n, tp := range tpos {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, c, err
				}
			}
			cand = nearestK(cand[:0], tp, ctrl, sd, spec.Ratio, caliper, truncated)
			if len(cand) == 0 {
				c.TreatedOutsideCaliper++
				continue
			}
			for r, cd := range cand {
				pairs = append(pairs, nnPair{t: unit(tp), c: unit(cd.pos), round: int32(r)})
			}
		}
		return pairs, c, nil
	}

	free := newFreeList(avail)
	type state struct {
		lo, hi int32 // furthest positions reached: the participant and its matches
		active bool
	}
	st := make([]state, len(tpos))
	for k, tp := range tpos {
		st[k] = state{lo: tp, hi: tp, active: true}
	}
	for r := int32(0); r < int32(spec.Ratio); r++ {
		for k, tp := range tpos {
			if k%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, c, err
				}
			}
			if nAvail == 0 {
				break
			}
			s := &st[k]
			if !s.active {
				continue
			}
			pl := free.left(s.lo - 1)
			pr := free.right(s.hi + 1)
			dl, dr := math.Inf(1), math.Inf(1)
			if pl >= 0 {
				dl = gap(sd[tp], sd[pl])
			}
			if pr < int32(m) {
				dr = gap(sd[pr], sd[tp])
			}
			if dl > caliper {
				dl = math.Inf(1)
			}
			if dr > caliper {
				dr = math.Inf(1)
			}
			var pick int32
			switch {
			case math.IsInf(dl, 1) && math.IsInf(dr, 1):
				s.active = false
				if r == 0 {
					c.TreatedOutsideCaliper++
				}
				continue
			case dl < dr:
				pick = pl
			case dr < dl:
				pick = pr
			case truncated || s.lo-pl <= pr-s.hi:
				pick = pl // MatchIt 4.5.1: the lower side wins every tie
			default:
				pick = pr
			}
			free.remove(pick)
			nAvail--
			if pick < s.lo {
				s.lo = pick
			} else {
				s.hi = pick
			}
			pairs = append(pairs, nnPair{t: unit(tp), c: unit(pick), round: r})
		}
	}
	return pairs, c, nil
}

// takeOrder returns the participants' sorted positions in the order they are
// matched. tpos is ascending by position (distance, then data order).
func takeOrder(tpos []int32, sd []float64, g []int32, ord []int32, spec Spec, stratum int) []int32 {
	switch spec.Order {
	case OrderSmallest:
		return tpos
	case OrderLargest:
		out := slices.Clone(tpos)
		slices.Reverse(out)
		// Equal distances go in data order, as R's stable order(decreasing = TRUE).
		for a := 0; a < len(out); {
			b := a + 1
			for b < len(out) && sd[out[b]] == sd[out[a]] {
				b++
			}
			slices.Reverse(out[a:b])
			a = b
		}
		return out
	case OrderData:
		out := slices.Clone(tpos)
		slices.SortFunc(out, func(a, b int32) int { return int(g[ord[a]] - g[ord[b]]) })
		return out
	default: // OrderRandom: a permutation of data order, seeded per stratum
		out := takeOrder(tpos, sd, g, ord, Spec{Order: OrderData}, stratum)
		rng := rand.New(rand.NewPCG(spec.Seed, uint64(stratum)))
		rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
		return out
	}
}

type nnCand struct {
	pos   int32
	dist  float64
	steps int32
	left  bool
}

// nearestK returns up to k available comparison units nearest to the
// participant at position tp, within the caliper, ordered by distance, then
// by steps from tp, lower side first. With truncated (CompareTruncated),
// distances are truncated to whole numbers and a tie goes to the lower side
// before steps count: MatchIt 4.5.1 takes, in each round, the lower side's
// nearest unused unit unless the upper side's is nearer in whole units.
func nearestK(out []nnCand, tp int32, ctrl []int32, sd []float64, k int, caliper float64, truncated bool) []nnCand {
	gap := distanceGap(truncated)
	j, _ := slices.BinarySearch(ctrl, tp)
	for a := j - 1; a >= 0 && a >= j-k; a-- {
		dist := gap(sd[tp], sd[ctrl[a]])
		if dist > caliper {
			break
		}
		out = append(out, nnCand{pos: ctrl[a], dist: dist, steps: tp - ctrl[a], left: true})
	}
	for a := j; a < len(ctrl) && a < j+k; a++ {
		dist := gap(sd[ctrl[a]], sd[tp])
		if dist > caliper {
			break
		}
		out = append(out, nnCand{pos: ctrl[a], dist: dist, steps: ctrl[a] - tp})
	}
	slices.SortFunc(out, func(a, b nnCand) int {
		switch {
		case a.dist < b.dist:
			return -1
		case a.dist > b.dist:
			return 1
		case truncated && a.left != b.left:
			if a.left {
				return -1
			}
			return 1
		case a.steps != b.steps:
			return int(a.steps - b.steps)
		case a.left && !b.left:
			return -1
		case b.left && !a.left:
			return 1
		}
		return 0
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// freeList finds the nearest available position on either side in
// near-constant amortised time: union–find "next available" pointers with
// path halving (Tarjan 1975).
type freeList struct {
	r []int32 // r[p]: a position >= p, == p when p is available or p == n
	l []int32 // l[p+1]: a position+1 <= p+1, == p+1 when p is available or p == -1
}

func newFreeList(avail []bool) *freeList {
	n := len(avail)
	f := &freeList{r: make([]int32, n+1), l: make([]int32, n+1)}
	for p := range n {
		if avail[p] {
			f.r[p] = int32(p)
			f.l[p+1] = int32(p + 1)
		} else {
			f.r[p] = int32(p + 1)
			f.l[p+1] = int32(p)
		}
	}
	f.r[n] = int32(n)
	f.l[0] = 0
	return f
}

// right returns the first available position >= p, or n.
func (f *freeList) right(p int32) int32 {
	r := f.r
	for r[p] != p {
		r[p] = r[r[p]]
		p = r[p]
	}
	return p
}

// left returns the last available position <= p, or -1.
func (f *freeList) left(p int32) int32 {
	l := f.l
	q := p + 1
	for l[q] != q {
		l[q] = l[l[q]]
		q = l[q]
	}
	return q - 1
}

func (f *freeList) remove(p int32) {
	f.r[p] = p + 1
	f.l[p+1] = p
}

// distanceGap returns how far apart two distances are: |a-b|, or with
// truncated (CompareTruncated) |a-b| truncated toward zero to a whole
// number, as C's int abs(int) gives it when handed a double (MatchIt 4.5.1
// on Linux). Differences beyond the int range, undefined behaviour in C,
// keep their size here.
func distanceGap(truncated bool) func(a, b float64) float64 {
	if truncated {
		return func(a, b float64) float64 { return math.Trunc(math.Abs(a - b)) }
	}
	return func(a, b float64) float64 { return math.Abs(a - b) }
}
