package matching

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// bruteNearest is MatchIt 4.7's greedy nearest-neighbour algorithm
// (src/nn_matchC_vec.cpp, find_control_vec in src/internal.cpp) written
// the slow, obvious way: every choice scans all comparison units, O(n·m).
// A candidate's key is (distance, steps along the stably sorted units from
// the participant — or, in later rounds, from its furthest match on that
// side — lower side first). With truncated (CompareTruncated, MatchIt 4.5.1
// on Linux) the distance is |difference| truncated to a whole number, and a
// tie goes to the lower side before steps count.
func bruteNearest(d []float64, treated []bool, ratio int, replace bool, caliper float64, order string, truncated bool) [][]int {
	gap := func(a, b int) float64 {
		g := math.Abs(d[a] - d[b])
		if truncated {
			g = math.Trunc(g)
		}
		return g
	}
	n := len(d)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return d[idx[a]] < d[idx[b]] })
	pos := make([]int, n)
	for p, i := range idx {
		pos[i] = p
	}
	var ts []int
	for i := range n {
		if treated[i] {
			ts = append(ts, i)
		}
	}
	switch order {
	case OrderLargest:
		sort.SliceStable(ts, func(a, b int) bool { return d[ts[a]] > d[ts[b]] })
	case OrderSmallest:
		sort.SliceStable(ts, func(a, b int) bool { return d[ts[a]] < d[ts[b]] })
	}
	matches := make([][]int, n)
	used := make([]bool, n)
	active := make([]bool, n)
	for _, t := range ts {
		active[t] = true
	}
	better := func(t, c, best int, lo, hi int) bool {
		if best < 0 {
			return true
		}
		dc, db := gap(t, c), gap(t, best)
		if dc != db {
			return dc < db
		}
		steps := func(x int) (int, int) {
			if pos[x] < pos[t] {
				return lo - pos[x], 0
			}
			return pos[x] - hi, 1
		}
		sc, sidec := steps(c)
		sb, sideb := steps(best)
		if truncated && sidec != sideb {
			return sidec < sideb
		}
		if sc != sb {
			return sc < sb
		}
		return sidec < sideb
	}
	if replace {
		for _, t := range ts {
			taken := map[int]bool{}
			for range ratio {
				best := -1
				for c := range n {
					if treated[c] || taken[c] || gap(t, c) > caliper {
						continue
					}
					if better(t, c, best, pos[t], pos[t]) {
						best = c
					}
				}
				if best < 0 {
					break
				}
				taken[best] = true
				matches[t] = append(matches[t], best)
			}
		}
		return matches
	}
	for range ratio {
		for _, t := range ts {
			if !active[t] {
				continue
			}
			lo, hi := pos[t], pos[t]
			for _, c := range matches[t] {
				lo, hi = min(lo, pos[c]), max(hi, pos[c])
			}
			best := -1
			for c := range n {
				if treated[c] || used[c] || gap(t, c) > caliper {
					continue
				}
				if better(t, c, best, lo, hi) {
					best = c
				}
			}
			if best < 0 {
				active[t] = false
				continue
			}
			used[best] = true
			matches[t] = append(matches[t], best)
		}
	}
	return matches
}

func TestNearestEqualsBruteForce(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 30 + rng.IntN(120)
		d := make([]float64, n)
		treated := make([]bool, n)
		grid := 1 + rng.IntN(12) // coarse grids make many exact ties
		for i := range n {
			treated[i] = rng.Float64() < 0.3
			v := rng.NormFloat64()
			if treated[i] {
				v += 0.5
			}
			d[i] = math.Round(v*float64(grid)) / float64(grid)
		}
		// Truncation to whole numbers needs distances spread over several
		// units: the truncated rule runs on d scaled by 3 (and caliper 0.4
		// SD, more than one whole unit).
		d3 := make([]float64, n)
		for i, v := range d {
			d3[i] = 3 * v
		}
		for _, ratio := range []int{1, 2, 3} {
			for _, replace := range []bool{false, true} {
				for _, cal := range []float64{NoCaliper, 0.1, 0.4} {
					for _, order := range []string{OrderLargest, OrderSmallest, OrderData} {
						for _, cmp := range []string{CompareExact, CompareTruncated} {
							dist := d
							if cmp == CompareTruncated {
								dist = d3
							}
							name := fmt.Sprintf("seed%d/k%d/replace=%v/caliper=%v/%s/%s", seed, ratio, replace, cal, order, cmp)
							spec := Spec{Ratio: ratio, Replace: replace, Caliper: cal, Order: order, Compare: cmp}
							res, err := Match(ctx, Problem{Treated: treated, Logit: dist}, spec)
							if err != nil {
								continue // e.g. no participant within a tight caliper
							}
							want := bruteNearest(dist, treated, ratio, replace, res.CaliperWidth, order, cmp == CompareTruncated)
							got := make([][]int, n)
							for _, p := range res.Pairs {
								got[p.Treated] = append(got[p.Treated], p.Control)
							}
							for i := range n {
								if !slices.Equal(got[i], want[i]) {
									t.Fatalf("%s: participant %d (d=%v) matched %v, brute force %v", name, i, dist[i], got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestNearestInvariants(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 3))
	n := 3000
	d := make([]float64, n)
	treated := make([]bool, n)
	month := make([]int, n)
	region := make([]int, n)
	for i := range n {
		treated[i] = rng.Float64() < 0.25
		d[i] = rng.NormFloat64()
		if treated[i] {
			d[i] += 0.8
		}
		month[i] = rng.IntN(6)
		region[i] = rng.IntN(3)
	}
	prob := Problem{Treated: treated, Logit: d, Strata: Strata(month, region)}

	t.Run("exact strata never cross and equal matching each stratum alone", func(t *testing.T) {
		res, err := Match(ctx, prob, Spec{Caliper: NoCaliper})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Pairs {
			if month[p.Treated] != month[p.Control] || region[p.Treated] != region[p.Control] {
				t.Fatalf("pair %+v crosses strata", p)
			}
		}
		// Second route: match each stratum on its own.
		got := map[int]int{}
		for _, p := range res.Pairs {
			got[p.Treated] = p.Control
		}
		for s := range 18 {
			var units []int
			for i := range n {
				if prob.Strata[i] == s {
					units = append(units, i)
				}
			}
			sub := Problem{}
			for _, i := range units {
				sub.Treated = append(sub.Treated, treated[i])
				sub.Logit = append(sub.Logit, d[i])
			}
			r, err := Match(ctx, sub, Spec{Caliper: NoCaliper})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range r.Pairs {
				if got[units[p.Treated]] != units[p.Control] {
					t.Fatalf("stratum %d: unit %d matched %d together, %d alone", s, units[p.Treated], got[units[p.Treated]], units[p.Control])
				}
			}
		}
	})

	t.Run("caliper drops participants and bounds every pair", func(t *testing.T) {
		wide, err := Match(ctx, prob, Spec{Caliper: NoCaliper})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Match(ctx, prob, Spec{Caliper: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts.TreatedOutsideCaliper == 0 || res.Counts.TreatedMatched >= wide.Counts.TreatedMatched {
			t.Fatalf("tight caliper dropped nobody: %+v", res.Counts)
		}
		for _, p := range res.Pairs {
			if math.Abs(d[p.Treated]-d[p.Control]) > res.CaliperWidth {
				t.Fatalf("pair %+v is %.4f apart, caliper %.4f", p, math.Abs(d[p.Treated]-d[p.Control]), res.CaliperWidth)
			}
		}
		c := res.Counts
		if c.TreatedMatched+c.TreatedOutsideCaliper+c.TreatedNoControls+c.TreatedDiscarded != c.Treated {
			t.Fatalf("participants do not add up: %+v", c)
		}
		if want := 0.01 * sdExcluding(d, make([]bool, n)); math.Abs(res.CaliperWidth-want) > 1e-15 {
			t.Fatalf("caliper width %v, want 0.01 SD = %v", res.CaliperWidth, want)
		}
	})

	t.Run("with replacement, weights follow MatchIt", func(t *testing.T) {
		res, err := Match(ctx, Problem{Treated: treated, Logit: d}, Spec{Ratio: 3, Replace: true, Caliper: NoCaliper})
		if err != nil {
			t.Fatal(err)
		}
		raw := make([]float64, n)
		per := map[int]int{}
		for _, p := range res.Pairs {
			per[p.Treated]++
		}
		for _, p := range res.Pairs {
			raw[p.Control] += 1 / float64(per[p.Treated])
		}
		var sumW, sumRaw float64
		for i := range n {
			if !treated[i] {
				sumW += res.Weights[i]
				sumRaw += raw[i]
			}
		}
		if math.Abs(sumW-float64(res.Counts.ControlsUsed)) > 1e-9 {
			t.Fatalf("comparison weights sum to %v, want %d (controls used)", sumW, res.Counts.ControlsUsed)
		}
		if math.Abs(sumRaw-float64(res.Counts.TreatedMatched)) > 1e-9 {
			t.Fatalf("raw shares sum to %v, want %d (participants matched)", sumRaw, res.Counts.TreatedMatched)
		}
		for i := range n {
			if !treated[i] && math.Abs(res.Weights[i]-raw[i]*float64(res.Counts.ControlsUsed)/sumRaw) > 1e-12 {
				t.Fatalf("unit %d weight %v, want %v", i, res.Weights[i], raw[i]*float64(res.Counts.ControlsUsed)/sumRaw)
			}
		}
		if res.Counts.ControlsReused == 0 {
			t.Fatal("no comparison unit reused with replacement")
		}
	})
}

func TestMatchSpecValidation(t *testing.T) {
	prob := Problem{Treated: []bool{true, false, false, true, false}, Logit: []float64{1, 0, 0.5, 2, 1.5}}
	bad := []struct {
		name string
		spec Spec
		want string
	}{
		{"unknown method", Spec{Method: "optimal"}, `Method "optimal" is not known`},
		{"ratio with kernel", Spec{Method: Kernel, Ratio: 2}, "conflicts with Method"},
		{"negative caliper", Spec{Caliper: -1}, "set it above 0"},
		{"unknown order", Spec{Order: "closest"}, `Order "closest"`},
		{"unknown discard", Spec{Discard: "all"}, `Discard "all"`},
		{"negative bandwidth", Spec{Method: Kernel, Bandwidth: -0.1}, "Bandwidth"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := Match(context.Background(), prob, c.spec)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	res, err := Match(context.Background(), prob, Spec{Method: IPW, Caliper: 0.5, Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 {
		t.Fatalf("warnings %q, want caliper and replace ignored", res.Warnings)
	}
	res, err = Match(context.Background(), Problem{Treated: []bool{true, false, true, false, false}, Logit: []float64{0, 0, 1, 1, 2}}, Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Spec; s.Method != Nearest || s.Ratio != 1 || s.Caliper != DefaultCaliper || s.Order != OrderLargest || s.Distance != DistanceLogit || s.Discard != DiscardNone {
		t.Fatalf("defaults not filled: %+v", s)
	}
}

func TestSortedOrderStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{10, 5000, 70000, 300001} {
		keys := make([]float64, n)
		for i := range keys {
			keys[i] = math.Round(rng.NormFloat64()*50) / 7
			if i%97 == 0 {
				keys[i] = math.Copysign(0, -1)
			}
		}
		got := sortedOrder(keys)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		sort.SliceStable(want, func(a, b int) bool { return keys[want[a]] < keys[want[b]] })
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: radix order differs from a stable sort", n)
		}
	}
}
