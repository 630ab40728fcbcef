package analysis

import (
	"fmt"
	"sort"

	"github.com/employment-data-lab/datalab/internal/trials/itt"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
)

// Participant is one enrolled participant as the analysis sees them.
type Participant struct {
	Ref         string            // participant_ref
	Arm         string            // as allocated
	Linked      bool              // found in the spine
	NotLinked   string            // why not, when not linked (a linkage reason)
	Outcome     float64           // the plan's primary outcome at its horizon
	OutcomeOK   bool              // observed (linked and inside the spine's window)
	NotObserved string            // why not, when linked but the outcome is not observable
	Covariates  []float64         // one value per Input.Columns
	Subgroups   map[string]string // level of each planned subgroup variable
}

// Input is everything Analyse needs.
type Input struct {
	Arms         []string // the design's arms; the first is the reference (control)
	Locked       *plan.Locked
	Used         plan.Plan // the analysis as run (equal to the locked plan unless departing)
	Reason       string    // why the analysis departs, if it does
	Columns      []string  // covariate design columns (categorical covariates already as indicators)
	Participants []Participant
	Options      itt.Options
}

// Contrast is one arm against the reference arm.
type Contrast struct {
	Arm       string     `json:"arm"`
	Reference string     `json:"reference"`
	Subgroup  string     `json:"subgroup,omitempty"` // "variable=level"; empty for the whole trial
	Effect    itt.Effect `json:"effect"`
	Note      string     `json:"note,omitempty"` // why no estimate, when there is none
}

// Flow is the CONSORT participant flow, per arm: enrolled (randomised),
// allocated to each arm, linked to the spine, with the outcome observable
// at the planned horizon, and analysed. Excluded says, stage by stage and
// arm by arm, why people dropped out.
type Flow struct {
	Enrolled   int            `json:"enrolled"`
	Allocated  map[string]int `json:"allocated"`
	Linked     map[string]int `json:"linked"`
	Observable map[string]int `json:"outcome_observable"`
	Analysed   map[string]int `json:"analysed"`
	Excluded   []Exclusion    `json:"excluded"`
}

// Exclusion counts the participants of one arm lost at one stage for one
// reason.
type Exclusion struct {
	Stage  string `json:"stage"` // StageNotLinked or StageNotObservable
	Arm    string `json:"arm"`
	Reason string `json:"reason"`
	N      int    `json:"n"`
}

// The stages at which participants leave the flow.
const (
	StageNotLinked     = "not linked"
	StageNotObservable = "outcome not observable"
)

// Result is the trial's primary analysis.
type Result struct {
	PlanHash  string          `json:"plan_hash"`
	Plan      plan.Plan       `json:"plan"` // as run
	Deviation *plan.Deviation `json:"deviation,omitempty"`
	Flow      Flow            `json:"flow"`
	Balance   []Balance       `json:"baseline_balance"`
	Quality   []Quality       `json:"quality"` // per arm against the reference
	Primary   []Contrast      `json:"primary"`
	Subgroups []Contrast      `json:"subgroups,omitempty"`
}

// Analyse runs the planned analysis, or refuses to depart from the plan
// without a reason.
func Analyse(in Input) (Result, error) {
	dev, err := plan.Check(in.Locked, in.Used, in.Reason)
	if err != nil {
		return Result{}, err
	}
	if len(in.Arms) < 2 {
		return Result{}, fmt.Errorf("analysis: %d arms: a trial compares at least two", len(in.Arms))
	}
	r := Result{PlanHash: in.Locked.Hash, Plan: in.Used}
	if len(dev.Departures) > 0 {
		r.Deviation = &dev
	}
	known := map[string]bool{}
	for _, a := range in.Arms {
		known[a] = true
	}
	r.Flow = Flow{Allocated: map[string]int{}, Linked: map[string]int{}, Observable: map[string]int{}, Analysed: map[string]int{}}
	for _, a := range in.Arms {
		r.Flow.Allocated[a], r.Flow.Linked[a], r.Flow.Observable[a], r.Flow.Analysed[a] = 0, 0, 0, 0
	}
	type key struct{ stage, arm, reason string }
	excluded := map[key]int{}
	for i, p := range in.Participants {
		if !known[p.Arm] {
			return Result{}, fmt.Errorf("analysis: participant %d (%s) is in arm %q, which is not one of the trial's arms %v", i+1, p.Ref, p.Arm, in.Arms)
		}
		if len(p.Covariates) != len(in.Columns) {
			panic(fmt.Sprintf("analysis: participant %s has %d covariates for %d columns", p.Ref, len(p.Covariates), len(in.Columns)))
		}
		r.Flow.Enrolled++
		r.Flow.Allocated[p.Arm]++
		switch {
		case !p.Linked:
			excluded[key{StageNotLinked, p.Arm, orUnknown(p.NotLinked)}]++
		case !p.OutcomeOK:
			r.Flow.Linked[p.Arm]++
			excluded[key{StageNotObservable, p.Arm, orUnknown(p.NotObserved)}]++
		default:
			r.Flow.Linked[p.Arm]++
			r.Flow.Observable[p.Arm]++
			r.Flow.Analysed[p.Arm]++
		}
	}
	r.Flow.Excluded = []Exclusion{}
	for k, n := range excluded {
		r.Flow.Excluded = append(r.Flow.Excluded, Exclusion{Stage: k.stage, Arm: k.arm, Reason: k.reason, N: n})
	}
	armOrder := map[string]int{}
	for i, a := range in.Arms {
		armOrder[a] = i
	}
	sort.Slice(r.Flow.Excluded, func(i, j int) bool {
		a, b := r.Flow.Excluded[i], r.Flow.Excluded[j]
		if a.Stage != b.Stage {
			return a.Stage == StageNotLinked
		}
		if a.Arm != b.Arm {
			return armOrder[a.Arm] < armOrder[b.Arm]
		}
		return a.Reason < b.Reason
	})
	ref := in.Arms[0]
	for _, arm := range in.Arms[1:] {
		r.Balance = append(r.Balance, balance(in, arm, ref)...)
		r.Quality = append(r.Quality, quality(r.Flow, r.Balance, arm, ref))
		c, err := contrast(in, arm, ref, "", func(Participant) bool { return true })
		if err != nil {
			return Result{}, err
		}
		r.Primary = append(r.Primary, c)
		for _, sg := range in.Used.Subgroups {
			levels := map[string]bool{}
			for _, p := range in.Participants {
				if p.Linked && p.OutcomeOK {
					levels[p.Subgroups[sg]] = true
				}
			}
			var ls []string
			for l := range levels {
				ls = append(ls, l)
			}
			sort.Strings(ls)
			for _, l := range ls {
				c, err := contrast(in, arm, ref, sg+"="+l, func(p Participant) bool { return p.Subgroups[sg] == l })
				if err != nil {
					return Result{}, err
				}
				r.Subgroups = append(r.Subgroups, c)
			}
		}
	}
	return r, nil
}

// contrast estimates arm against ref among the analysed participants that
// keep selects. Covariates constant within the selection (a subgroup's own
// variable) are left out. Too few participants give a note, not an error.
func contrast(in Input, arm, ref, subgroup string, keep func(Participant) bool) (Contrast, error) {
	c := Contrast{Arm: arm, Reference: ref, Subgroup: subgroup}
	var d itt.Data
	var rows [][]float64
	for _, p := range in.Participants {
		if !p.Linked || !p.OutcomeOK || !keep(p) || (p.Arm != arm && p.Arm != ref) {
			continue
		}
		d.Y = append(d.Y, p.Outcome)
		d.Treated = append(d.Treated, p.Arm == arm)
		rows = append(rows, p.Covariates)
	}
	for j, name := range in.Columns {
		col := make([]float64, len(rows))
		constant := true
		for i, row := range rows {
			col[i] = row[j]
			constant = constant && col[i] == col[0]
		}
		if !constant {
			d.X, d.Names = append(d.X, col), append(d.Names, name)
		}
	}
	e, err := itt.Estimate(d, in.Options)
	if err != nil {
		if subgroup == "" {
			return c, fmt.Errorf("analysis: %s vs %s: %w", arm, ref, err)
		}
		c.Note = err.Error()
		return c, nil
	}
	c.Effect = e
	return c, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
