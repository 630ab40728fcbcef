package matching

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Methods of Match.
const (
	Nearest = "nearest" // greedy nearest-neighbour matching (nearest.go)
	Kernel  = "kernel"  // Epanechnikov kernel matching (kernel.go)
	IPW     = "ipw"     // inverse-probability weighting for the ATT (ipw.go)
)

// Distances on which units are compared.
const (
	DistanceLogit      = "logit"      // the linear predictor (DESIGN.md §2 default)
	DistancePropensity = "propensity" // the score itself (MatchIt's default)
)

// Orders in which nearest-neighbour matching takes participants.
const (
	OrderLargest  = "largest" // highest distance first (MatchIt's default for the ATT)
	OrderSmallest = "smallest"
	OrderData     = "data"
	OrderRandom   = "random" // a permutation drawn from Seed
)

// Rules by which nearest-neighbour matching compares distances
// (Spec.Compare). CompareTruncated exists only to reproduce figures made
// with an affected MatchIt build; it is not a method to choose.
const (
	// CompareExact compares distances as they are: the nearer unit wins, a
	// tie as Spec's Order and the steps rule of nearest.go decide.
	// Reproduces MatchIt 4.7 (and any build that takes |x| of a double as a
	// double). The default.
	CompareExact = "exact"
	// CompareTruncated reproduces MatchIt 4.5.1 as built with GCC and
	// libstdc++ (Linux, e.g. Debian's r-cran-matchit 4.5.1 with R 4.2.2,
	// which made shared/reference's lalonde figures). Its vector matcher
	// (src/nn_matchC_vec.cpp, new in 4.5.1) called abs() on a difference of
	// doubles, which there resolves to C's int abs(int): each difference is
	// truncated toward zero to a whole number before it is compared, both
	// between the nearest available units on either side (the lower side
	// winning ties, so on the propensity score, where every difference is
	// below 1, the lower side always wins) and against the caliper (so on
	// the score the caliper never binds). MatchIt issues #152 (matches
	// differ between Linux and Windows/macOS, March 2023) and #163 (caliper
	// ignored in 4.5.1–4.5.3 on Linux) report it. The matches are worse:
	// on lalonde 6 of 185 pairs change, each further apart in score.
	CompareTruncated = "truncated"
)

// Common-support rules (MatchIt's discard).
const (
	DiscardNone    = "none"
	DiscardTreated = "treated" // drop participants outside the comparison units' range of distance
	DiscardControl = "control" // drop comparison units outside the participants' range
	DiscardBoth    = "both"
)

// DefaultCaliper is the caliper in SDs of the distance (Austin 2011).
const DefaultCaliper = 0.2

// NoCaliper, as Spec.Caliper, matches without a caliper (so does +Inf).
const NoCaliper = math.MaxFloat64

// DefaultBandwidth is the kernel half-width in SDs of the distance.
const DefaultBandwidth = 0.2

// Problem is what is matched: who participated, their distance measure and,
// optionally, exact-matching strata. Strata are data (one code per unit,
// e.g. start month, or several exact columns combined by Strata), so they
// live here rather than in Spec, which holds only settings.
type Problem struct {
	Treated []bool
	// Logit is each unit's linear predictor (PropensityModel.Logit); the
	// propensity score is its inverse logit.
	Logit []float64
	// Strata, when not nil, gives each unit's exact-matching stratum: units
	// are only matched within a stratum.
	Strata []int
}

// NewProblem builds a Problem from a fitted propensity model.
func NewProblem(m *PropensityModel, treated []bool, strata []int) Problem {
	return Problem{Treated: treated, Logit: m.Logit, Strata: strata}
}

// Strata combines exact-matching columns (e.g. start month, region code)
// into one stratum code per unit: units share a code exactly when they
// agree on every column.
func Strata(columns ...[]int) []int {
	if len(columns) == 0 {
		return nil
	}
	n := len(columns[0])
	out := make([]int, n)
	seen := map[string]int{}
	key := make([]byte, 0, 8*len(columns))
	for i := range n {
		key = key[:0]
		for _, c := range columns {
			if len(c) != n {
				panic("matching.Strata: exact-matching columns of unequal length")
			}
			v := uint64(c[i])
			for s := 0; s < 64; s += 8 {
				key = append(key, byte(v>>s))
			}
		}
		id, ok := seen[string(key)]
		if !ok {
			id = len(seen)
			seen[string(key)] = id
		}
		out[i] = id
	}
	return out
}

// Spec holds the matching settings. The zero value is 1:1 nearest-neighbour
// matching without replacement on the logit of the propensity score, with a
// caliper of 0.2 SD, largest score first (DESIGN.md §2).
type Spec struct {
	Method   string // Nearest (default), Kernel or IPW
	Distance string // DistanceLogit (default) or DistancePropensity
	// Ratio is k in 1:k nearest-neighbour matching (default 1).
	Ratio int
	// Replace lets a comparison unit serve more than one participant.
	Replace bool
	// Caliper is the largest distance allowed between matched units, in SDs
	// of the distance over units not discarded (as MatchIt's std.caliper).
	// 0 means DefaultCaliper; NoCaliper matches without one.
	Caliper float64
	Order   string // OrderLargest (default), OrderSmallest, OrderData, OrderRandom
	Seed    uint64 // for OrderRandom
	// Compare is how nearest-neighbour matching compares distances:
	// CompareExact (default) or CompareTruncated (to reproduce MatchIt
	// 4.5.1–4.5.3 on Linux; see the constant).
	Compare string
	Discard string // common-support rule: DiscardNone (default), …
	// Bandwidth is the kernel's half-width in SDs of the distance
	// (default DefaultBandwidth).
	Bandwidth float64
	// Workers bounds the goroutines used over strata (default GOMAXPROCS).
	Workers int
}

// Pair is one participant–comparison match.
type Pair struct {
	Treated, Control int // unit indices
	Set              int // matched-set id (Result.Set of the participant)
}

// Counts summarise who was matched and why others were not.
type Counts struct {
	Treated, Controls int
	TreatedMatched    int
	// TreatedOffSupport counts participants whose distance lies outside the
	// comparison units' range (within their stratum), whether or not
	// Discard dropped them.
	TreatedOffSupport int
	TreatedDiscarded  int // dropped by Discard
	ControlsDiscarded int
	// TreatedOutsideCaliper counts participants left unmatched because every
	// available comparison unit was beyond the caliper (kernel: bandwidth).
	TreatedOutsideCaliper int
	// TreatedNoControls counts participants left unmatched because their
	// stratum had no available comparison unit.
	TreatedNoControls int
	ControlsUsed      int // comparison units with positive weight
	ControlsReused    int // comparison units serving more than one participant
}

// Result is a matched (or weighted) sample.
type Result struct {
	Spec     Spec     // settings used, defaults filled in
	Warnings []string // settings the method ignored, and similar notes
	// Distance is each unit's distance measure (logit or score).
	Distance []float64
	// CaliperWidth is the caliper (nearest) or kernel half-width in
	// distance units; +Inf when none.
	CaliperWidth float64
	// Weights are the unit weights for the ATT: 1 for matched participants;
	// comparison units as the method defines (nearest: MatchIt's matching
	// weights; kernel: summed kernel shares; ipw: e/(1-e)); 0 when unused.
	Weights []float64
	// Set is each unit's matched-set id (0, 1, … in participant data order)
	// or -1: unmatched, not a set-based method, or (with replacement) a
	// comparison unit in several sets — see Pairs.
	Set    []int
	Pairs  []Pair // nearest-neighbour matches, by set then round
	Counts Counts
}

// Match validates spec, fills in its defaults, and dispatches to the method.
// It fails when settings conflict or are out of range and records a
// warning when the method ignores a setting that was given.
func Match(ctx context.Context, prob Problem, spec Spec) (*Result, error) {
	n := len(prob.Treated)
	if len(prob.Logit) != n {
		panic(fmt.Sprintf("matching.Match: %d treatment flags for %d distances", n, len(prob.Logit)))
	}
	if prob.Strata != nil && len(prob.Strata) != n {
		panic(fmt.Sprintf("matching.Match: %d strata for %d units", len(prob.Strata), n))
	}
	spec, warnings, err := resolve(spec)
	if err != nil {
		return nil, err
	}
	res := &Result{Spec: spec, Warnings: warnings, Distance: make([]float64, n), Weights: make([]float64, n), Set: make([]int, n)}
	for i := range res.Set {
		res.Set[i] = -1
	}
	for i, e := range prob.Logit {
		if math.IsNaN(e) {
			return nil, fmt.Errorf("matching.Match: unit %d has no propensity score (NaN); refit the model or drop the unit", i)
		}
		if spec.Distance == DistancePropensity {
			res.Distance[i] = 1 / (1 + math.Exp(-e))
		} else {
			if math.IsInf(e, 0) {
				return nil, fmt.Errorf("matching.Match: unit %d has an infinite logit score; the model is separated: refit it", i)
			}
			res.Distance[i] = e
		}
		if prob.Treated[i] {
			res.Counts.Treated++
		} else {
			res.Counts.Controls++
		}
	}
	if res.Counts.Treated == 0 || res.Counts.Controls == 0 {
		return nil, fmt.Errorf("matching.Match: %d participants and %d comparison units; matching needs both", res.Counts.Treated, res.Counts.Controls)
	}
	if prob.Strata != nil && spec.Method == IPW {
		res.Warnings = append(res.Warnings, "ipw ignores exact-matching strata: include the stratum in the propensity model instead")
	}
	groups := strata(prob)
	if spec.Method == IPW {
		groups = [][]int32{allUnits(n)}
	}
	discarded := commonSupport(prob, res, groups)

	sd := sdExcluding(res.Distance, discarded)
	res.CaliperWidth = math.Inf(1)
	switch spec.Method {
	case Nearest:
		if spec.Caliper != NoCaliper && !math.IsInf(spec.Caliper, 1) {
			res.CaliperWidth = spec.Caliper * sd
		}
		err = matchNearest(ctx, prob, res, groups, discarded)
	case Kernel:
		res.CaliperWidth = spec.Bandwidth * sd
		err = matchKernel(ctx, prob, res, groups, discarded)
	case IPW:
		err = weightIPW(prob, res, discarded)
	}
	if err != nil {
		return nil, err
	}
	for i, w := range res.Weights {
		if prob.Treated[i] {
			if w > 0 {
				res.Counts.TreatedMatched++
			}
		} else if w > 0 {
			res.Counts.ControlsUsed++
		}
	}
	if res.Counts.TreatedMatched == 0 {
		return res, fmt.Errorf("matching.Match: no participant was matched (%d outside the caliper, %d in strata without comparison units, %d discarded); widen the caliper or check the strata", res.Counts.TreatedOutsideCaliper, res.Counts.TreatedNoControls, res.Counts.TreatedDiscarded)
	}
	return res, nil
}

func resolve(s Spec) (Spec, []string, error) {
	var warn []string
	if s.Method == "" {
		s.Method = Nearest
	}
	if !slices.Contains([]string{Nearest, Kernel, IPW}, s.Method) {
		return s, nil, fmt.Errorf("matching.Match: Method %q is not known; use %q, %q or %q", s.Method, Nearest, Kernel, IPW)
	}
	if s.Distance == "" {
		s.Distance = DistanceLogit
	}
	if s.Distance != DistanceLogit && s.Distance != DistancePropensity {
		return s, nil, fmt.Errorf("matching.Match: Distance %q is not known; use %q or %q", s.Distance, DistanceLogit, DistancePropensity)
	}
	if s.Ratio < 0 {
		return s, nil, fmt.Errorf("matching.Match: Ratio = %d; set it to 1 or more (controls per participant)", s.Ratio)
	}
	if s.Ratio > 1 && s.Method != Nearest {
		return s, nil, fmt.Errorf("matching.Match: Ratio = %d conflicts with Method %q, which uses every comparison unit in reach; drop Ratio or use %q", s.Ratio, s.Method, Nearest)
	}
	if s.Ratio == 0 {
		s.Ratio = 1
	}
	if math.IsNaN(s.Caliper) || s.Caliper < 0 {
		return s, nil, fmt.Errorf("matching.Match: Caliper = %v; set it above 0 (SDs of the distance), or to NoCaliper", s.Caliper)
	}
	if s.Caliper != 0 && s.Method != Nearest {
		warn = append(warn, fmt.Sprintf("%s ignores Caliper (%v)", s.Method, s.Caliper))
	}
	if s.Caliper == 0 {
		s.Caliper = DefaultCaliper
	}
	if s.Order == "" {
		s.Order = OrderLargest
	} else if s.Method != Nearest {
		warn = append(warn, fmt.Sprintf("%s ignores Order (%q)", s.Method, s.Order))
	}
	if !slices.Contains([]string{OrderLargest, OrderSmallest, OrderData, OrderRandom}, s.Order) {
		return s, nil, fmt.Errorf("matching.Match: Order %q is not known; use %q, %q, %q or %q", s.Order, OrderLargest, OrderSmallest, OrderData, OrderRandom)
	}
	if s.Seed != 0 && s.Order != OrderRandom {
		warn = append(warn, fmt.Sprintf("Seed (%d) is used only with Order %q", s.Seed, OrderRandom))
	}
	if s.Compare == "" {
		s.Compare = CompareExact
	} else if s.Method != Nearest {
		warn = append(warn, fmt.Sprintf("%s ignores Compare (%q)", s.Method, s.Compare))
	}
	if s.Compare != CompareExact && s.Compare != CompareTruncated {
		return s, nil, fmt.Errorf("matching.Match: Compare %q is not known; use %q (the default) or %q (only to reproduce MatchIt 4.5.1–4.5.3 on Linux)", s.Compare, CompareExact, CompareTruncated)
	}
	if s.Replace && s.Method != Nearest {
		warn = append(warn, fmt.Sprintf("%s ignores Replace: it may use a comparison unit for several participants by construction", s.Method))
	}
	if s.Replace && s.Method == Nearest && s.Order != OrderLargest {
		warn = append(warn, "with Replace the order of matching does not change the matches")
	}
	if s.Discard == "" {
		s.Discard = DiscardNone
	}
	if !slices.Contains([]string{DiscardNone, DiscardTreated, DiscardControl, DiscardBoth}, s.Discard) {
		return s, nil, fmt.Errorf("matching.Match: Discard %q is not known; use %q, %q, %q or %q", s.Discard, DiscardNone, DiscardTreated, DiscardControl, DiscardBoth)
	}
	if math.IsNaN(s.Bandwidth) || s.Bandwidth < 0 || math.IsInf(s.Bandwidth, 0) {
		return s, nil, fmt.Errorf("matching.Match: Bandwidth = %v; set it above 0 (SDs of the distance)", s.Bandwidth)
	}
	if s.Bandwidth != 0 && s.Method != Kernel {
		warn = append(warn, fmt.Sprintf("%s ignores Bandwidth (%v)", s.Method, s.Bandwidth))
	}
	if s.Bandwidth == 0 {
		s.Bandwidth = DefaultBandwidth
	}
	if s.Workers < 0 {
		return s, nil, fmt.Errorf("matching.Match: Workers = %d; set it above 0 (0 means one per CPU)", s.Workers)
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	return s, warn, nil
}

func allUnits(n int) []int32 {
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	return all
}

// strata groups unit indices (in data order) by stratum, ordered by
// stratum code.
func strata(prob Problem) [][]int32 {
	if prob.Strata == nil {
		return [][]int32{allUnits(len(prob.Treated))}
	}
	idx := map[int]int{}
	var codes []int
	var groups [][]int32
	for i, s := range prob.Strata {
		g, ok := idx[s]
		if !ok {
			g = len(groups)
			idx[s] = g
			codes = append(codes, s)
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], int32(i))
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return codes[order[a]] < codes[order[b]] })
	out := make([][]int32, len(groups))
	for i, g := range order {
		out[i] = groups[g]
	}
	return out
}

// commonSupport counts participants outside the comparison range of the
// distance in their stratum and applies spec.Discard; it returns which
// units are discarded.
func commonSupport(prob Problem, res *Result, groups [][]int32) []bool {
	discarded := make([]bool, len(prob.Treated))
	d := res.Distance
	for _, g := range groups {
		minT, maxT := math.Inf(1), math.Inf(-1)
		minC, maxC := math.Inf(1), math.Inf(-1)
		for _, i := range g {
			if prob.Treated[i] {
				minT, maxT = math.Min(minT, d[i]), math.Max(maxT, d[i])
			} else {
				minC, maxC = math.Min(minC, d[i]), math.Max(maxC, d[i])
			}
		}
		for _, i := range g {
			if prob.Treated[i] {
				if d[i] < minC || d[i] > maxC {
					res.Counts.TreatedOffSupport++
					if res.Spec.Discard == DiscardTreated || res.Spec.Discard == DiscardBoth {
						discarded[i] = true
						res.Counts.TreatedDiscarded++
					}
				}
			} else if (res.Spec.Discard == DiscardControl || res.Spec.Discard == DiscardBoth) && (d[i] < minT || d[i] > maxT) {
				discarded[i] = true
				res.Counts.ControlsDiscarded++
			}
		}
	}
	return discarded
}

// sdExcluding is the sample SD (n-1) of x over units not discarded.
func sdExcluding(x []float64, discarded []bool) float64 {
	var n, mean, m2 float64
	for i, v := range x {
		if discarded[i] {
			continue
		}
		n++
		dlt := v - mean
		mean += dlt / n
		m2 += dlt * (v - mean)
	}
	if n < 2 {
		return 0
	}
	return math.Sqrt(m2 / (n - 1))
}

// forEachStratum runs fn over the groups on up to workers goroutines,
// stopping at the first error or when ctx is done.
func forEachStratum(ctx context.Context, groups [][]int32, workers int, fn func(k int, g []int32) error) error {
	if workers > len(groups) {
		workers = len(groups)
	}
	next := make(chan int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if errs[w] != nil {
					continue
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					continue
				}
				errs[w] = fn(k, groups[k])
			}
		}()
	}
	for k := range groups {
		next <- k
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
