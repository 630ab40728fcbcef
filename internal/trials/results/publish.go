package results

import (
	"errors"
	"fmt"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/timeline"
	"github.com/employment-data-lab/datalab/internal/trials/analysis"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
)

// Rules are the thresholds of disclosure control.
type Rules = disclosure.Rules

// ReportSchema is the schema name of trial_report.json.
const ReportSchema = "datalab.trial-report/v1"

// Report is trial_report.json: what may be published, after disclosure
// control. Tables hold the CONSORT flow ("flow"), the reasons people left
// it ("exclusions") and the estimates ("estimates"); a withheld cell is
// null with its status.
type Report struct {
	Schema          string             `json:"schema"`
	Trial           TrialInfo          `json:"trial"`
	PlanHash        string             `json:"plan_hash"`
	PlanLockedAt    string             `json:"plan_locked_at"`
	Outcome         string             `json:"outcome"`
	HorizonWeek     *int               `json:"horizon_week"`
	Departures      []plan.Departure   `json:"departures"`
	DepartureReason string             `json:"departure_reason,omitempty"`
	Quality         []PublishedQuality `json:"quality"`
	Disclosure      DisclosureInfo     `json:"disclosure"`
	Tables          []disclosure.Table `json:"tables"`
	Method          []string           `json:"method"`

	release *disclosure.Release
}

// Release is the disclosure-controlled tables, for a renderer.
func (r *Report) Release() *disclosure.Release { return r.release }

// PublishedQuality is the evidence-standard judgement without the counts
// behind it.
type PublishedQuality struct {
	Arm         string  `json:"arm"`
	Reference   string  `json:"reference"`
	AttritionOK bool    `json:"attrition_ok"`
	BalanceOK   bool    `json:"balance_ok"`
	MaxAbsSMD   float64 `json:"max_abs_smd"`
	Rule        string  `json:"rule"`
}

// DisclosureInfo records the rules applied and what they withheld.
type DisclosureInfo struct {
	Rules disclosure.Rules `json:"rules"`
	Stats disclosure.Stats `json:"stats"`
}

func isRefusal(err error) bool { return errors.Is(err, disclosure.ErrRefused) }

// publish puts the document's flow, exclusions and estimates through
// disclosure control. The cohort is everyone analysed.
func publish(doc *Document, rules Rules) (*Report, error) {
	arms := doc.Trial.Arms
	f := doc.Flow
	analysed := 0
	for _, a := range arms {
		analysed += f.Analysed[a]
	}
	d := disclosure.NewDraft(analysed)

	cols := []disclosure.Column{{Key: "stage", Label: "Stage"}}
	for _, a := range arms {
		cols = append(cols, disclosure.Column{Key: a, Label: a})
	}
	cols = append(cols, disclosure.Column{Key: "all", Label: "All arms"})
	d.Table("flow", "CONSORT flow: participants at each stage, by arm", cols...)
	stages := []struct {
		key, label string
		n          map[string]int
	}{
		{"allocated", "Randomised (allocated)", f.Allocated},
		{"linked", "Linked to administrative data", f.Linked},
		{"outcome_observable", "Outcome observable at the horizon", f.Observable},
		{"analysed", "Analysed", f.Analysed},
	}
	for _, s := range stages {
		figs := []disclosure.Figure{disclosure.Label(s.label)}
		all := 0
		for _, a := range arms {
			figs = append(figs, disclosure.Count(s.n[a]))
			all += s.n[a]
		}
		d.Row("flow", s.key, append(figs, disclosure.Count(all))...)
		var parts []disclosure.Ref
		for _, a := range arms {
			parts = append(parts, disclosure.Ref{Table: "flow", Row: s.key, Column: a})
		}
		d.Relate(disclosure.Ref{Table: "flow", Row: s.key, Column: "all"}, parts...)
	}

	ecols := []disclosure.Column{{Key: "stage", Label: "Stage"}, {Key: "reason", Label: "Reason"}}
	ecols = append(ecols, cols[1:]...)
	d.Table("exclusions", "Why participants left the flow, by arm", ecols...)
	type reasonKey struct{ stage, reason string }
	var order []reasonKey
	counts := map[reasonKey]map[string]int{}
	for _, e := range f.Excluded {
		k := reasonKey{e.Stage, e.Reason}
		if counts[k] == nil {
			counts[k] = map[string]int{}
			order = append(order, k)
		}
		counts[k][e.Arm] += e.N
	}
	byStage := map[string]map[string][]disclosure.Ref{} // stage → arm → exclusion cells
	for i, k := range order {
		row := fmt.Sprintf("r%d", i+1)
		figs := []disclosure.Figure{disclosure.Label(k.stage), disclosure.Label(k.reason)}
		all := 0
		var parts []disclosure.Ref
		for _, a := range arms {
			figs = append(figs, disclosure.Count(counts[k][a]))
			all += counts[k][a]
			ref := disclosure.Ref{Table: "exclusions", Row: row, Column: a}
			parts = append(parts, ref)
			if byStage[k.stage] == nil {
				byStage[k.stage] = map[string][]disclosure.Ref{}
			}
			byStage[k.stage][a] = append(byStage[k.stage][a], ref)
		}
		d.Row("exclusions", row, append(figs, disclosure.Count(all))...)
		d.Relate(disclosure.Ref{Table: "exclusions", Row: row, Column: "all"}, parts...)
	}
	for _, a := range arms {
		cell := func(stage string) disclosure.Ref { return disclosure.Ref{Table: "flow", Row: stage, Column: a} }
		d.Relate(cell("allocated"), append([]disclosure.Ref{cell("linked")}, byStage[analysis.StageNotLinked][a]...)...)
		d.Relate(cell("linked"), append([]disclosure.Ref{cell("outcome_observable")}, byStage[analysis.StageNotObservable][a]...)...)
		d.Relate(cell("analysed"), cell("outcome_observable"))
	}

	binary := false
	if def, ok := timeline.LookupOutcome(doc.Plan.AsRun.PrimaryOutcome); ok {
		binary = def.Binary
	}
	d.Table("estimates", "Intention-to-treat estimates",
		disclosure.Column{Key: "arm", Label: "Arm"}, disclosure.Column{Key: "reference", Label: "Against"},
		disclosure.Column{Key: "subgroup", Label: "Subgroup"},
		disclosure.Column{Key: "n_arm", Label: "Analysed in arm"}, disclosure.Column{Key: "n_reference", Label: "Analysed in reference"},
		disclosure.Column{Key: "mean_arm", Label: "Mean in arm"}, disclosure.Column{Key: "mean_reference", Label: "Mean in reference"},
		disclosure.Column{Key: "estimate", Label: "Effect"}, disclosure.Column{Key: "se", Label: "Standard error"},
		disclosure.Column{Key: "ci_low", Label: "CI low"}, disclosure.Column{Key: "ci_high", Label: "CI high"},
		disclosure.Column{Key: "p_value", Label: "p-value"})
	type sgKey struct{ arm, variable string }
	sgParts := map[sgKey][2][]disclosure.Ref{}
	sgComplete := map[sgKey]bool{}
	for i, e := range doc.Estimates {
		sgVar, _, _ := cut(e.Subgroup)
		k := sgKey{e.Arm, sgVar}
		if e.Subgroup != "" {
			if _, seen := sgComplete[k]; !seen {
				sgComplete[k] = true
			}
		}
		if e.Note != "" {
			sgComplete[k] = false
			continue
		}
		row := fmt.Sprintf("e%d", i+1)
		mean := func(v *float64, n int) disclosure.Figure {
			if binary {
				return disclosure.Proportion(v, n)
			}
			return disclosure.Statistic(v, n)
		}
		st := func(v *float64) disclosure.Figure { return disclosure.Statistic(v, e.NArm, e.NReference) }
		sub := e.Subgroup
		if sub == "" {
			sub = "all"
		}
		d.Row("estimates", row, disclosure.Label(e.Arm), disclosure.Label(e.Reference), disclosure.Label(sub),
			disclosure.Count(e.NArm), disclosure.Count(e.NReference), mean(e.MeanArm, e.NArm), mean(e.MeanReference, e.NReference),
			st(e.Estimate), st(e.SE), st(e.CILow), st(e.CIHigh), st(e.PValue))
		if e.Subgroup == "" {
			d.Relate(disclosure.Ref{Table: "flow", Row: "analysed", Column: e.Arm}, disclosure.Ref{Table: "estimates", Row: row, Column: "n_arm"})
			d.Relate(disclosure.Ref{Table: "flow", Row: "analysed", Column: e.Reference}, disclosure.Ref{Table: "estimates", Row: row, Column: "n_reference"})
			continue
		}
		p := sgParts[k]
		p[0] = append(p[0], disclosure.Ref{Table: "estimates", Row: row, Column: "n_arm"})
		p[1] = append(p[1], disclosure.Ref{Table: "estimates", Row: row, Column: "n_reference"})
		sgParts[k] = p
	}
	for k, p := range sgParts {
		if !sgComplete[k] {
			continue
		}
		var ref string
		for _, a := range arms {
			if a != k.arm {
				ref = a
				break
			}
		}
		d.Relate(disclosure.Ref{Table: "flow", Row: "analysed", Column: k.arm}, p[0]...)
		d.Relate(disclosure.Ref{Table: "flow", Row: "analysed", Column: ref}, p[1]...)
	}

	rel, err := disclosure.Apply(rules, d)
	if err != nil {
		return nil, err
	}
	resolved, _ := rules.Resolved()
	r := &Report{
		Schema: ReportSchema, Trial: doc.Trial, PlanHash: doc.Plan.Hash, PlanLockedAt: doc.Plan.LockedAt.Format("2006-01-02T15:04:05Z07:00"),
		Outcome: doc.Plan.AsRun.PrimaryOutcome, HorizonWeek: doc.Plan.AsRun.HorizonWeek,
		Departures: doc.Departures, DepartureReason: doc.DepartureReason,
		Disclosure: DisclosureInfo{Rules: resolved, Stats: rel.Stats()},
		Tables:     rel.Tables(), Method: doc.Method, release: rel,
	}
	for _, q := range doc.Quality {
		r.Quality = append(r.Quality, PublishedQuality{Arm: q.Arm, Reference: q.Reference, AttritionOK: q.AttritionOK, BalanceOK: q.BalanceOK, MaxAbsSMD: q.MaxAbsSMD, Rule: q.Rule})
	}
	return r, nil
}

// cut splits "variable=level".
func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
