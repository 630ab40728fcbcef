package impact

import (
	"gonum.org/v1/gonum/mat"
)

// clusterMeat is the cluster-robust "meat" Σ_g u_g u_g' over clusters g,
// u_g the sum of the rows' estimating functions, times G/(G-1) (sandwich's
// cadjust). It returns nil when there is only one cluster.
func clusterMeat(score [][2]float64, ids []int) (*mat.SymDense, int) {
	// Clusters in order of first appearance, so sums are reproducible.
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
		v := mat.NewVecDense(2, []float64{u[0], u[1]})
		m.SymRankOne(m, 1, v)
	}
	m.ScaleSym(float64(g)/float64(g-1), m)
	return m, g
}

// twoWayMeat is the two-way cluster-robust meat on matched set and unit
// (Cameron, Gelbach & Miller 2011): M_set + M_unit - M_set∩unit, each with
// its own G/(G-1), as sandwich::vcovCL with two cluster variables.
func twoWayMeat(score [][2]float64, rows []int, s Sample) (*mat.SymDense, int) {
	sets := make([]int, len(rows))
	units := make([]int, len(rows))
	both := make([]int, len(rows))
	pair := map[[2]int]int{}
	for k, r := range rows {
		sets[k] = s.Set[r]
		units[k] = s.Unit[r]
		key := [2]int{s.Set[r], s.Unit[r]}
		id, ok := pair[key]
		if !ok {
			id = len(pair)
			pair[key] = id
		}
		both[k] = id
	}
	ms, g := clusterMeat(score, sets)
	mu, _ := clusterMeat(score, units)
	mb, _ := clusterMeat(score, both)
	if ms == nil || mu == nil || mb == nil {
		return nil, g
	}
	out := mat.NewSymDense(2, nil)
	out.AddSym(ms, mu)
	mb.ScaleSym(-1, mb)
	out.AddSym(out, mb)
	return out, g
}
