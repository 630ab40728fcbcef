package impact

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// mapClusterMeat and mapTwoWayMeat are the map-based forms Estimate used
// before the slice-indexed ones (kept here as an independent reference):
// clusters in order of first appearance, found with maps.
func mapClusterMeat(score [][2]float64, ids []int) (*mat.SymDense, int) {
	at := map[int]int{}
	var sums [][2]float64
	for k, id := range ids {
		c, ok := at[id]
		if !ok {
			c = len(sums)
			at[id] = c
			sums = append(sums, [2]float64{})
		}
		sums[c][0] += score[k][0]
		sums[c][1] += score[k][1]
	}
	g := len(sums)
	if g < 2 {
		return nil, g
	}
	m := mat.NewSymDense(2, nil)
	for _, u := range sums {
		m.SymRankOne(m, 1, mat.NewVecDense(2, []float64{u[0], u[1]}))
	}
	m.ScaleSym(float64(g)/float64(g-1), m)
	return m, g
}

func mapTwoWayMeat(score [][2]float64, sets, units []int) (*mat.SymDense, int) {
	both := make([]int, len(sets))
	pair := map[[2]int]int{}
	for k := range sets {
		key := [2]int{sets[k], units[k]}
		id, ok := pair[key]
		if !ok {
			id = len(pair)
			pair[key] = id
		}
		both[k] = id
	}
	ms, g := mapClusterMeat(score, sets)
	mu, _ := mapClusterMeat(score, units)
	mb, _ := mapClusterMeat(score, both)
	out := mat.NewSymDense(2, nil)
	out.AddSym(ms, mu)
	mb.ScaleSym(-1, mb)
	out.AddSym(out, mb)
	return out, g
}

func symClose(t *testing.T, what string, got, want *mat.SymDense) {
	t.Helper()
	for a := range 2 {
		for b := a; b < 2; b++ {
			g, w := got.At(a, b), want.At(a, b)
			if math.Abs(g-w) > 1e-12*math.Max(1, math.Abs(w)) {
				t.Errorf("%s[%d,%d] = %.17g, map-based reference %.17g (tol 1e-12 rel)", what, a, b, g, w)
			}
		}
	}
}

// TestMeatMatchesMapReference checks the slice-indexed cluster meats
// against the map-based reference on random problems: dense and sparse
// (widely spread, negative) cluster ids, and (set, unit) pairs that repeat.
func TestMeatMatchesMapReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name   string
		rows   int
		spread int // ids drawn from [0, spread) times scale
		scale  int
		shift  int
	}{
		{"dense ids", 5000, 1200, 1, 0},
		{"sparse ids", 3000, 700, 1_000_003, -5_000_000},
		{"few clusters", 200, 3, 1, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			score := make([][2]float64, c.rows)
			sets, units := make([]int, c.rows), make([]int, c.rows)
			for k := range score {
				score[k] = [2]float64{rng.NormFloat64() * 100, rng.NormFloat64()}
				sets[k] = rng.IntN(c.spread)*c.scale + c.shift
				units[k] = rng.IntN(c.spread*2)*c.scale + c.shift // repeats within sets happen
			}
			ids, g := denseIDs(sets)
			got, gg := clusterMeat(score, ids, g)
			want, wg := mapClusterMeat(score, sets)
			if gg != wg {
				t.Fatalf("%d clusters, reference %d", gg, wg)
			}
			symClose(t, "cluster meat", got, want)

			rows := make([]int, c.rows)
			for k := range rows {
				rows[k] = k
			}
			got2, g2 := twoWayMeat(score, rows, Sample{Set: sets, Unit: units})
			want2, w2 := mapTwoWayMeat(score, sets, units)
			if g2 != w2 {
				t.Fatalf("two-way: %d clusters, reference %d", g2, w2)
			}
			symClose(t, "two-way meat", got2, want2)

			self := make([]int, c.rows)
			for k := range self {
				self[k] = k
			}
			want3, _ := mapClusterMeat(score, self)
			symClose(t, "HC1 meat", rowMeat(score), want3)
		})
	}
}

// TestDenseIDsFirstAppearance checks the renumbering on a hand-made case.
func TestDenseIDsFirstAppearance(t *testing.T) {
	for _, ids := range [][]int{{7, 3, 7, 9, 3}, {7e9, 3, 7e9, -9e9, 3}} {
		got, g := denseIDs(ids)
		want := []int32{0, 1, 0, 2, 1}
		if g != 3 {
			t.Errorf("%v: %d ids, want 3", ids, g)
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%v: dense ids %v, want %v", ids, got, want)
				break
			}
		}
	}
}

// benchSample is a matched sample of sets 1:ratio pairs from a pool of
// pool comparison units, with replacement, and an outcome per unit.
func benchSample(sets, ratio, pool int) ([]float64, Sample) {
	rng := rand.New(rand.NewPCG(5, 6))
	y := make([]float64, sets+pool)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	var tu, cu, set []int
	for s := range sets {
		for range ratio {
			tu = append(tu, s)
			cu = append(cu, sets+rng.IntN(pool))
			set = append(set, s)
		}
	}
	return y, PairSample(tu, cu, set)
}

// BenchmarkEstimate times one outcome's estimate on a matched sample of
// the 1M-person evaluation's size (10,000 participants).
func BenchmarkEstimate(b *testing.B) {
	y, s := benchSample(10_000, 1, 100_000)
	var noReplace Sample
	{
		// 1:1 without replacement: one row per unit, sets the pairs.
		var treated []bool
		var w []float64
		var sets []int
		for i := range y {
			treated = append(treated, i < 10_000)
			if i < 20_000 {
				w = append(w, 1)
				sets = append(sets, i%10_000)
			} else {
				w = append(w, 0)
				sets = append(sets, -1)
			}
		}
		noReplace = UnitSample(treated, w, sets)
	}
	for _, c := range []struct {
		name   string
		s      Sample
		method string
	}{
		{"cluster", noReplace, ClusterSets},
		{"twoway", s, TwoWay},
		{"robust", noReplace, Robust},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Estimate(context.Background(), y, nil, c.s, VarianceSpec{Method: c.method}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
