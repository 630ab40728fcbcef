package toolkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
	"github.com/employment-data-lab/datalab/internal/evidence/meta"
	"github.com/employment-data-lab/datalab/internal/evidence/metaplot"
)

// Options configure a build.
type Options struct {
	Method  meta.Method // τ² estimator for pooling; default REML
	Now     time.Time   // the build time printed on the pages (pass the clock in)
	Version string      // program version, printed in the footer
}

// Pooled is an intervention type's pooled impact.
type Pooled struct {
	Scale    string  `json:"scale"` // "percentage points" or "SMD"
	Measure  string  `json:"measure"`
	Method   string  `json:"method"`
	K        int     `json:"k"`
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	PILow    float64 `json:"pi_low"`
	PIHigh   float64 `json:"pi_high"`
	Tau2     float64 `json:"tau2"`
	I2       float64 `json:"i2"`
	Q        float64 `json:"q"`
}

// Cost summarises the cost per participant reported by a type's studies.
type Cost struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// StudyRow is one study as the toolkit shows it.
type StudyRow struct {
	ID           string            `json:"id"`
	Title        string            `json:"title"`
	Citation     string            `json:"citation,omitempty"`
	URL          string            `json:"url,omitempty"`
	Intervention string            `json:"intervention"`
	Country      string            `json:"country,omitempty"`
	Design       string            `json:"design"`
	Standard     evidence.Standard `json:"standard"`
	N            int               `json:"n"`
	Outcome      string            `json:"outcome"`
	Source       string            `json:"source"`
	Illustrative bool              `json:"illustrative"`
	Pooled       bool              `json:"pooled"`
	Effect       *float64          `json:"effect,omitempty"` // on the entry's scale
	CILow        *float64          `json:"ci_low,omitempty"`
	CIHigh       *float64          `json:"ci_high,omitempty"`
	Weight       *float64          `json:"weight,omitempty"` // percent
	How          string            `json:"how,omitempty"`    // how the effect was obtained, or why not pooled
	Cost         *float64          `json:"cost_per_participant,omitempty"`
	CostYear     int               `json:"cost_price_year,omitempty"`
}

// Entry is one intervention type's toolkit page.
type Entry struct {
	Type         evidence.InterventionType `json:"type"`
	Pooled       *Pooled                   `json:"pooled,omitempty"`
	Rating       Rating                    `json:"rating"`
	Cost         *Cost                     `json:"cost,omitempty"`
	Summary      string                    `json:"summary"`
	Illustrative bool                      `json:"illustrative"` // uses fictional studies
	Studies      []StudyRow                `json:"studies"`
	forest       []byte
}

// Toolkit is the whole toolkit.
type Toolkit struct {
	Generated    time.Time          `json:"generated"`
	Version      string             `json:"version,omitempty"`
	Method       string             `json:"method"`
	Illustrative bool               `json:"illustrative"`
	Entries      []Entry            `json:"entries"`
	SMSRules     []evidence.SMSRule `json:"sms_rules"`
	RatingRule   []string           `json:"rating_rule"`
}

// Build reads every study in lib and builds one entry per intervention type
// in the taxonomy (types without studies get rating 0).
func Build(ctx context.Context, lib evidence.Library, o Options) (*Toolkit, error) {
	if o.Method == "" {
		o.Method = meta.REML
	}
	ivs, err := lib.Interventions(ctx)
	if err != nil {
		return nil, fmt.Errorf("toolkit: %w", err)
	}
	ivByID := map[string]evidence.Intervention{}
	for _, iv := range ivs {
		ivByID[iv.ID] = iv
	}
	studies, err := lib.Studies(ctx, evidence.Filter{})
	if err != nil {
		return nil, fmt.Errorf("toolkit: %w", err)
	}
	byType := map[string][]evidence.Study{}
	for _, s := range studies {
		t := ivByID[s.InterventionID].Type
		byType[t] = append(byType[t], s)
	}
	tk := &Toolkit{Generated: o.Now, Version: o.Version, Method: string(o.Method), SMSRules: evidence.SMSRules(), RatingRule: RatingRule()}
	for _, ty := range evidence.Taxonomy() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := buildEntry(ctx, ty, byType[ty.Code], ivByID, o)
		if err != nil {
			return nil, fmt.Errorf("toolkit: %s: %w", ty.Name, err)
		}
		tk.Illustrative = tk.Illustrative || e.Illustrative
		tk.Entries = append(tk.Entries, e)
	}
	return tk, nil
}

// headlineRank orders employment outcomes as headlines: lower is better.
func headlineRank(s evidence.Study) float64 {
	if w := evidence.WeekOf(s.OutcomeCode); w >= 0 {
		return math.Abs(float64(w-52)) / 1000
	}
	switch s.OutcomeCode {
	case "sustained_26":
		return 1
	case "sustained_13":
		return 1.1
	case "":
		return 2
	case "weeks_employed_0_103":
		return 3
	}
	return 3.1
}

func buildEntry(ctx context.Context, ty evidence.InterventionType, studies []evidence.Study, ivs map[string]evidence.Intervention, o Options) (Entry, error) {
	e := Entry{Type: ty}
	rows := make([]StudyRow, len(studies))
	for i, s := range studies {
		st := s.Standard()
		rows[i] = StudyRow{ID: s.ID, Title: s.Title, Citation: s.Citation, URL: s.URL, Intervention: ivs[s.InterventionID].Name,
			Country: s.Country, Design: s.Design.Name(), Standard: st, N: s.N(), Outcome: s.Outcome, Source: s.Source,
			Illustrative: s.Illustrative, Cost: s.CostPerParticipant, CostYear: s.CostPriceYear}
		e.Illustrative = e.Illustrative || s.Illustrative
	}
	// 1-2: employment outcomes, one per publication.
	best := map[string]int{}
	for i, s := range studies {
		if s.OutcomeDomain != evidence.DomainEmployment {
			rows[i].How = fmt.Sprintf("not pooled: %s outcome, not employment", s.OutcomeDomain)
			continue
		}
		key := strings.ToLower(strings.TrimSpace(s.Citation))
		if key == "" {
			key = "id:" + s.ID
		}
		j, ok := best[key]
		if !ok || headlineRank(s) < headlineRank(studies[j]) {
			if ok {
				rows[j].How = "not pooled: same publication as " + s.ID + ", whose outcome is the better headline"
			}
			best[key] = i
		} else {
			rows[i].How = "not pooled: same publication as " + studies[j].ID + ", whose outcome is the better headline"
		}
	}
	var cand []int
	for _, i := range best {
		cand = append(cand, i)
	}
	sort.Ints(cand)
	// 3: the scale.
	nRD, nSMD := 0, 0
	for _, i := range cand {
		if _, _, ok := studies[i].EffectOn(effectsize.RD); ok {
			nRD++
		}
		if _, _, ok := studies[i].EffectOn(effectsize.SMD); ok {
			nSMD++
		}
	}
	scale, scaleName := effectsize.RD, "percentage points"
	if nSMD > nRD {
		scale, scaleName = effectsize.SMD, "SMD"
	}
	var pooled []meta.Study
	var used []int
	for _, i := range cand {
		eff, how, ok := studies[i].EffectOn(scale)
		if !ok {
			if nRD+nSMD == 0 {
				rows[i].How = "not pooled: no usable statistics (give counts, means and SDs, or an estimate with its SE or CI)"
			} else {
				rows[i].How = "not pooled: gives no " + scaleName + " effect"
			}
			continue
		}
		rows[i].Pooled, rows[i].How = true, how
		se := eff.SE()
		y, lo, hi := eff.Yi, eff.Yi-1.959963984540054*se, eff.Yi+1.959963984540054*se
		rows[i].Effect, rows[i].CILow, rows[i].CIHigh = &y, &lo, &hi
		label := s(studies[i])
		pooled = append(pooled, meta.Study{Label: label, Yi: eff.Yi, Vi: eff.Vi})
		used = append(used, i)
	}
	// 4: pool and rate.
	var sms []int
	totalN := 0
	for _, i := range used {
		sms = append(sms, studies[i].Standard().Level)
		totalN += studies[i].N()
	}
	if len(pooled) > 0 {
		a, err := meta.Analyse(ctx, pooled, scale, meta.AnalysisSpec{Spec: meta.Spec{Method: o.Method}})
		if err != nil {
			return e, err
		}
		e.Pooled = &Pooled{Scale: scaleName, Measure: string(scale), Method: a.ModelName(), K: a.K, Estimate: a.Estimate, SE: a.SE,
			CILow: a.CILow, CIHigh: a.CIHigh, PILow: a.PILow, PIHigh: a.PIHigh, Tau2: a.Tau2, I2: a.I2, Q: a.Q}
		for j, i := range used {
			w := a.Weights[j]
			rows[i].Weight = &w
		}
		title := ty.Name + ": effect on employment"
		if e.Illustrative {
			title += " (includes illustrative, fictional studies)"
		}
		if e.forest, err = metaplot.Forest(a, title, scaleLabel(scale)); err != nil {
			return e, err
		}
		e.Rating = Rate(RatingInput{SMS: sms, TotalN: totalN, I2: a.I2})
	} else {
		e.Rating = Rate(RatingInput{})
	}
	e.Cost = costOf(studies)
	e.Studies = rows
	e.Summary = summary(e, studies, used)
	return e, nil
}

func s(st evidence.Study) string {
	if st.Illustrative && !strings.Contains(strings.ToLower(st.Title), "fictional") {
		return st.Title + " (illustrative, fictional)"
	}
	return st.Title
}

func scaleLabel(m effectsize.Measure) string {
	if m == effectsize.RD {
		return "difference in employment rate (percentage points)"
	}
	return "standardised mean difference (Hedges' g)"
}

func costOf(studies []evidence.Study) *Cost {
	var c []float64
	for _, s := range studies {
		if s.CostPerParticipant != nil {
			c = append(c, *s.CostPerParticipant)
		}
	}
	if len(c) == 0 {
		return nil
	}
	sort.Float64s(c)
	med := c[len(c)/2]
	if len(c)%2 == 0 {
		med = (c[len(c)/2-1] + c[len(c)/2]) / 2
	}
	return &Cost{N: len(c), Median: med, Min: c[0], Max: c[len(c)-1]}
}

// summary writes the plain-English summary.
func summary(e Entry, studies []evidence.Study, used []int) string {
	var b strings.Builder
	if e.Illustrative {
		b.WriteString("Illustrative (fictional) data: this summary uses made-up studies for demonstration. ")
	}
	name := strings.ToLower(e.Type.Name[:1]) + e.Type.Name[1:]
	if e.Type.Code == "ips" {
		name = e.Type.Name
	}
	if e.Pooled == nil {
		if len(studies) == 0 {
			fmt.Fprintf(&b, "The library has no studies of %s yet.", name)
		} else {
			fmt.Fprintf(&b, "The library has %d %s of %s, but none gives a usable effect on employment, so there is no pooled estimate.",
				len(studies), plural(len(studies), "study", "studies"), name)
		}
		return b.String()
	}
	p := e.Pooled
	designs := map[string]int{}
	var order []string
	for _, i := range used {
		d := studies[i].Design.Name()
		if designs[d] == 0 {
			order = append(order, d)
		}
		designs[d]++
	}
	var parts []string
	for _, d := range order {
		parts = append(parts, fmt.Sprintf("%d %s", designs[d], d))
	}
	fmt.Fprintf(&b, "Based on %d %s (%s). ", p.K, plural(p.K, "study", "studies"), strings.Join(parts, ", "))
	unit := " percentage points"
	if p.Measure == "SMD" {
		unit = " standard deviations"
	}
	if p.CILow > 0 || p.CIHigh < 0 {
		dir := "raised"
		if p.Estimate < 0 {
			dir = "lowered"
		}
		fmt.Fprintf(&b, "On average, %s %s employment by %.1f%s (95%% confidence interval %.1f to %.1f).", name, dir, math.Abs(p.Estimate), unit, p.CILow, p.CIHigh)
	} else {
		fmt.Fprintf(&b, "The average effect on employment was %.1f%s, but the 95%% confidence interval (%.1f to %.1f) includes no effect, so we cannot say it made a difference.", p.Estimate, unit, p.CILow, p.CIHigh)
	}
	if p.Measure == "SMD" {
		b.WriteString(" This is measured as a standardised mean difference because most studies report employment as a continuous measure.")
	}
	if p.K >= 2 {
		switch {
		case p.I2 >= 75:
			fmt.Fprintf(&b, " Results varied a lot between studies (I² %.0f%%): a new programme of this kind might have an effect anywhere from %.1f to %.1f.", p.I2, p.PILow, p.PIHigh)
		case p.I2 >= 25:
			fmt.Fprintf(&b, " Results varied between studies (I² %.0f%%).", p.I2)
		default:
			fmt.Fprintf(&b, " Results were consistent across studies (I² %.0f%%).", p.I2)
		}
	}
	fmt.Fprintf(&b, " Evidence strength: %d out of 5 (%s).", e.Rating.Score, e.Rating.Label)
	if c := e.Cost; c != nil {
		if c.N == 1 {
			fmt.Fprintf(&b, " One study reports a cost of £%s per participant.", money(c.Median))
		} else {
			fmt.Fprintf(&b, " Where reported (%d studies), cost per participant ranged from £%s to £%s (median £%s).", c.N, money(c.Min), money(c.Max), money(c.Median))
		}
	} else {
		b.WriteString(" No study reports its cost.")
	}
	return b.String()
}

func money(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	n := len(s)
	var out []byte
	for i := range s {
		if i > 0 && (n-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// WriteJSON writes the toolkit as indented JSON.
func (t *Toolkit) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}
