package impact

import (
	"slices"

	"gonum.org/v1/gonum/mat"
)

// denseIDs renumbers ids 0, 1, … in order of first appearance, returning
// each row's dense id and the number of distinct ids. It indexes a table
// over the ids' range when that range is small compared with the rows (as
// matched-set ids and compacted unit indices are), and otherwise sorts; no
// map is involved, since map operations dominated Estimate's time on large
// matched samples.
func denseIDs(ids []int) ([]int32, int) {
	out := make([]int32, len(ids))
	if len(ids) == 0 {
		return out, 0
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	if span := hi - lo + 1; span > 0 && span <= 4*len(ids)+1024 {
		table := make([]int32, span)
		for i := range table {
			table[i] = -1
		}
		g := int32(0)
		for k, id := range ids {
			c := table[id-lo]
			if c < 0 {
				c = g
				table[id-lo] = c
				g++
			}
			out[k] = c
		}
		return out, int(g)
	}
	// Sparse ids: sort row indices by (id, row); each run of equal ids is
	// one cluster, whose first row is the run's first.
	order := make([]int32, len(ids))
	for k := range order {
		order[k] = int32(k)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if ids[a] != ids[b] {
			if ids[a] < ids[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	// Provisional ids in id order, then renumbered by first appearance.
	tmp := int32(-1)
	for k, r := range order {
		if k == 0 || ids[r] != ids[order[k-1]] {
			tmp++
		}
		out[r] = tmp
	}
	return renumber(out, int(tmp)+1), int(tmp) + 1
}

// renumber maps provisional ids 0..g-1 to ids in order of first appearance
// in rows, in place.
func renumber(ids []int32, g int) []int32 {
	final := make([]int32, g)
	for i := range final {
		final[i] = -1
	}
	next := int32(0)
	for k, t := range ids {
		if final[t] < 0 {
			final[t] = next
			next++
		}
		ids[k] = final[t]
	}
	return ids
}

// clusterMeat is the cluster-robust "meat" Σ_g u_g u_g' over clusters g,
// u_g the sum of the rows' estimating functions, times G/(G-1) (sandwich's
// cadjust). ids are dense cluster ids 0..g-1 numbered in order of first
// appearance (denseIDs), so sums are reproducible. It returns nil when there
// is only one cluster.
func clusterMeat(score [][2]float64, ids []int32, g int) (*mat.SymDense, int) {
	if g < 2 {
		return nil, g
	}
	sums := make([][2]float64, g)
	for k, c := range ids {
		sums[c][0] += score[k][0]
		sums[c][1] += score[k][1]
	}
	return outerSum(sums), g
}

// rowMeat is clusterMeat with every row its own cluster (HC1's meat).
func rowMeat(score [][2]float64) *mat.SymDense {
	if len(score) < 2 {
		return nil
	}
	return outerSum(score)
}

// outerSum is Σ u u' over the rows of sums, times G/(G-1).
func outerSum(sums [][2]float64) *mat.SymDense {
	g := len(sums)
	var a, b, c float64 // the upper triangle, summed in row order
	for _, u := range sums {
		a += u[0] * u[0]
		b += u[0] * u[1]
		c += u[1] * u[1]
	}
	f := float64(g) / float64(g-1)
	return mat.NewSymDense(2, []float64{a * f, b * f, b * f, c * f})
}

// twoWayMeat is the two-way cluster-robust meat on matched set and unit
// (Cameron, Gelbach & Miller 2011): M_set + M_unit - M_set∩unit, each with
// its own G/(G-1), as sandwich::vcovCL with two cluster variables.
func twoWayMeat(score [][2]float64, rows []int, s Sample) (*mat.SymDense, int) {
	raw := make([]int, len(rows))
	for k, r := range rows {
		raw[k] = s.Set[r]
	}
	sets, g := denseIDs(raw)
	for k, r := range rows {
		raw[k] = s.Unit[r]
	}
	units, nu := denseIDs(raw)
	both, nb := intersectIDs(sets, g, units, nu)
	ms, _ := clusterMeat(score, sets, g)
	mu, _ := clusterMeat(score, units, nu)
	mb, _ := clusterMeat(score, both, nb)
	if ms == nil || mu == nil || mb == nil {
		return nil, g
	}
	out := mat.NewSymDense(2, nil)
	out.AddSym(ms, mu)
	mb.ScaleSym(-1, mb)
	out.AddSym(out, mb)
	return out, g
}

// intersectIDs numbers the distinct (set, unit) pairs of the rows, dense
// and in order of first appearance. Rows are visited set by set (a
// counting sort on set); within a set, mark[u] == set says unit u has been
// seen in it, and pid[u] is its provisional pair id there.
func intersectIDs(sets []int32, g int, units []int32, nu int) ([]int32, int) {
	start := make([]int32, g+1)
	for _, s := range sets {
		start[s+1]++
	}
	for i := range g {
		start[i+1] += start[i]
	}
	bySet := make([]int32, len(sets))
	fill := slices.Clone(start[:g])
	for k, s := range sets {
		bySet[fill[s]] = int32(k)
		fill[s]++
	}
	mark := make([]int32, nu)
	for i := range mark {
		mark[i] = -1
	}
	pid := make([]int32, nu)
	out := make([]int32, len(sets))
	n := int32(0)
	for s := range int32(g) {
		for _, k := range bySet[start[s]:start[s+1]] {
			u := units[k]
			if mark[u] != s {
				mark[u], pid[u] = s, n
				n++
			}
			out[k] = pid[u]
		}
	}
	return renumber(out, int(n)), int(n)
}
