package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Truth is the content of truth.json: what an evaluation of each programme
// should find. See the package documentation for every field.
type Truth struct {
	Contract   string           `json:"contract"`
	Generator  string           `json:"generator"`
	Seed       uint64           `json:"seed"`
	People     int              `json:"people"`
	Effect     float64          `json:"effect"`
	Noise      bool             `json:"noise"`
	Window     TruthWindow      `json:"window"`
	Estimand   string           `json:"estimand"`
	Programmes []ProgrammeTruth `json:"programmes"`
}

// TruthWindow is the spine's window.
type TruthWindow struct {
	Start        string `json:"start"`
	End          string `json:"end"`
	EarningsFrom string `json:"earnings_from"`
}

// ProgrammeTruth is one programme's design and true effects.
type ProgrammeTruth struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	TargetGroup string       `json:"target_group"`
	Eligibility Eligibility  `json:"eligibility"`
	TakeUp      TakeUpModel  `json:"take_up"`
	Effect      EffectDesign `json:"effect"`
	// Participants is the number of participants (rows of
	// participants.csv); FirstStart and LastStart bound their start dates.
	Participants int    `json:"participants"`
	FirstStart   string `json:"first_start"`
	LastStart    string `json:"last_start"`
	// CompleteFollowUpUntil is the last start date whose 104 weeks of
	// follow-up all fall in the window; later starters have the late weeks
	// unavailable.
	CompleteFollowUpUntil string `json:"complete_follow_up_until"`
	// JoinedLaterShare is the share of participants who, in the branch where
	// they did not join on their start date, joined within the next 104
	// weeks: the gap between ATT and ATTNeverJoined comes from them.
	JoinedLaterShare float64 `json:"joined_later_share"`
	// Per default outcome (timeline.DefaultOutcomes names): a weekly outcome
	// maps to 105 values (weeks 0..104), a summary outcome to one value;
	// null where no participant's outcome is observable.
	ATT                Outcomes `json:"att"`
	ATTNeverJoined     Outcomes `json:"att_never_joined"`
	MeanParticipants   Outcomes `json:"mean_participants"`
	MeanCounterfactual Outcomes `json:"mean_counterfactual"`
	N                  Counts   `json:"n"`
}

// Eligibility is a programme's target group, in default covariates.
type Eligibility struct {
	BenefitClasses []string `json:"benefit_class"`
	AgeMin         float64  `json:"age_min"`
	AgeBelow       float64  `json:"age_below"`
}

// TakeUpModel is the weekly take-up probability among the eligible:
// logistic(Σ coefficient × term), terms as named in the package doc.
type TakeUpModel struct {
	Model string             `json:"model"`
	Terms map[string]float64 `json:"terms"`
}

// EffectDesign is a programme's designed effect and the multiplier applied.
type EffectDesign struct {
	Multiplier float64       `json:"multiplier"`
	Phases     []EffectPhase `json:"phases"`
}

// EffectPhase scales one hazard in weeks FromWeek..ToWeek after the start:
// the factor applied is max(0, 1 + multiplier × (DesignedFactor − 1)).
type EffectPhase struct {
	FromWeek       int     `json:"from_week"`
	ToWeek         int     `json:"to_week"`
	Hazard         string  `json:"hazard"`
	DesignedFactor float64 `json:"designed_factor"`
	Factor         float64 `json:"factor"`
}

// Outcomes maps an outcome name to its values.
type Outcomes map[string]Series

// Series is a weekly outcome's 105 values or a summary outcome's one; a nil
// entry is unavailable (JSON null). One value is written as a number, more
// as an array.
type Series []*float64

// At returns the value at week w (w is ignored for a summary outcome) and
// whether it is available.
func (s Series) At(w int) (float64, bool) {
	if len(s) == 1 {
		w = 0
	}
	if w < 0 || w >= len(s) || s[w] == nil {
		return 0, false
	}
	return *s[w], true
}

// MarshalJSON writes one value as a number (or null), several as an array.
func (s Series) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]*float64(s))
}

// UnmarshalJSON reads a number, null or an array.
func (s *Series) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]*float64)(s))
	}
	var v *float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Series{v}
	return nil
}

// Counts maps an outcome name to the number of participants whose outcome
// is observable (per week for a weekly outcome).
type Counts map[string]CountSeries

// CountSeries is one count or 105 weekly counts.
type CountSeries []int

// MarshalJSON writes one count as a number, several as an array.
func (c CountSeries) MarshalJSON() ([]byte, error) {
	if len(c) == 1 {
		return json.Marshal(c[0])
	}
	return json.Marshal([]int(c))
}

// UnmarshalJSON reads a number or an array.
func (c *CountSeries) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]int)(c))
	}
	var v int
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = CountSeries{v}
	return nil
}

// ReadTruth reads a world's truth.json.
func ReadTruth(path string) (Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Truth{}, fmt.Errorf("synth: reading truth: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return Truth{}, fmt.Errorf("synth: %s is not a truth.json: %w", path, err)
	}
	return t, nil
}

// Programme returns the truth of the programme called name.
func (t *Truth) Programme(name string) (*ProgrammeTruth, bool) {
	for i := range t.Programmes {
		if t.Programmes[i].Name == name {
			return &t.Programmes[i], true
		}
	}
	return nil, false
}

const estimand = "ATT at each participant's start date: the mean over participants of Y(1) − Y(0), where Y(1) is the outcome " +
	"joining on the start date and Y(0) the outcome of not joining then, simulated from the same state with the same random " +
	"numbers (common random numbers). In Y(0) the person may still join later, as the lab's comparison pool at a start date " +
	"includes people who join later (DESIGN.md §2, Sianesi 2004). att_never_joined instead takes Y(0) as never joining this " +
	"programme. Outcomes are the default outcomes computed by the timeline kernel; a value is averaged over the participants " +
	"whose outcome the window observes (sustained employment: only participants with weeks 0..51+k-1 observed)."

// truth computes truth.json from the participants' branch outcomes.
func (g *generator) truth(parts []participant) Truth {
	cfg := g.cfg
	t := Truth{
		Contract: "v1", Generator: "datalab synth", Seed: cfg.Seed, People: cfg.People, Effect: cfg.Effect, Noise: cfg.Noise,
		Window:   TruthWindow{Start: cfg.Start.String(), End: cfg.End.String(), EarningsFrom: cfg.Start.Month().String()},
		Estimand: estimand,
	}
	defs := timeline.DefaultOutcomes()
	for k := range g.progs {
		prog := &g.progs[k]
		pt := ProgrammeTruth{
			Name: prog.Name, Description: prog.Description, TargetGroup: prog.TargetGroup,
			Eligibility:           Eligibility{AgeMin: prog.TakeUp.MinAge, AgeBelow: prog.TakeUp.MaxAge},
			TakeUp:                TakeUpModel{Model: "weekly probability = logistic(sum of coefficient × term) among the eligible", Terms: prog.TakeUp.terms()},
			Effect:                EffectDesign{Multiplier: cfg.Effect},
			CompleteFollowUpUntil: (cfg.End - 7*timeline.Horizon).String(),
			ATT:                   Outcomes{}, ATTNeverJoined: Outcomes{}, MeanParticipants: Outcomes{}, MeanCounterfactual: Outcomes{},
			N: Counts{},
		}
		for _, c := range prog.TakeUp.Classes {
			pt.Eligibility.BenefitClasses = append(pt.Eligibility.BenefitClasses, c.String())
		}
		for _, e := range prog.Effect {
			pt.Effect.Phases = append(pt.Effect.Phases, EffectPhase{FromWeek: e.FromWeek, ToWeek: e.ToWeek, Hazard: hazardNames[e.Hazard],
				DesignedFactor: e.Factor, Factor: scaledFactor(e.Factor, cfg.Effect)})
		}
		var mine []*participant
		later := 0
		for i := range parts {
			if parts[i].prog == k {
				mine = append(mine, &parts[i])
				if parts[i].joinedLater {
					later++
				}
				if pt.FirstStart == "" || parts[i].start.String() < pt.FirstStart {
					pt.FirstStart = parts[i].start.String()
				}
				if s := parts[i].start.String(); s > pt.LastStart {
					pt.LastStart = s
				}
			}
		}
		pt.Participants = len(mine)
		if len(mine) > 0 {
			pt.JoinedLaterShare = float64(later) / float64(len(mine))
		}
		for _, def := range defs {
			weeks := 1
			if def.Weekly {
				weeks = timeline.Horizon + 1
			}
			att, never, m1, m0 := make(Series, weeks), make(Series, weeks), make(Series, weeks), make(Series, weeks)
			n := make(CountSeries, weeks)
			for w := range weeks {
				var d1, dn, s1, s0 float64
				cnt := 0
				for _, p := range mine {
					if def.Name == "sustained_employment_13" && !p.y1.SustainedComplete(13) ||
						def.Name == "sustained_employment_26" && !p.y1.SustainedComplete(26) {
						continue
					}
					v1, ok1 := p.y1.Value(def.Name, w)
					v0, ok0 := p.y0.Value(def.Name, w)
					vn, okn := p.yn.Value(def.Name, w)
					if !ok1 || !ok0 || !okn {
						continue
					}
					d1 += v1 - v0
					dn += v1 - vn
					s1 += v1
					s0 += v0
					cnt++
				}
				n[w] = cnt
				if cnt > 0 {
					f := float64(cnt)
					att[w], never[w], m1[w], m0[w] = ptr(d1/f), ptr(dn/f), ptr(s1/f), ptr(s0/f)
				}
			}
			pt.ATT[def.Name], pt.ATTNeverJoined[def.Name] = att, never
			pt.MeanParticipants[def.Name], pt.MeanCounterfactual[def.Name] = m1, m0
			pt.N[def.Name] = n
		}
		t.Programmes = append(t.Programmes, pt)
	}
	return t
}

func ptr(v float64) *float64 { return &v }

// writeTruth writes truth.json.
func (g *generator) writeTruth(path string, parts []participant) error {
	b, err := json.MarshalIndent(g.truth(parts), "", "  ")
	if err != nil {
		return fmt.Errorf("synth: encoding truth.json: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("synth: writing truth.json: %w", err)
	}
	return nil
}

// terms returns the take-up model's non-zero coefficients by term name.
func (m *takeUp) terms() map[string]float64 {
	t := map[string]float64{"intercept": m.Intercept}
	add := func(name string, v float64) {
		if v != 0 {
			t[name] = v
		}
	}
	add("age_minus_40_per_10_years", m.AgePer10)
	add("sex_m", m.Male)
	add("disability", m.Disability)
	add("benefit_class_out_of_work", m.ClassOOW)
	add("benefit_class_inactivity", m.ClassInact)
	add("benefit_class_in_work", m.ClassInWork)
	add("weeks_employed_52_per_52", m.Emp52)
	add("weeks_employed_104_per_104", m.Emp104)
	add("weeks_out_of_work_benefit_52_per_52", m.OOW52)
	add("weeks_out_of_work_benefit_104_per_104", m.OOW104)
	add("weeks_inactivity_benefit_52_per_52", m.Inact52)
	add("weeks_inactivity_benefit_104_per_104", m.Inact104)
	add("earnings_prior_12_per_1000", m.EarnPer1000)
	for r, v := range m.Region {
		add("region="+r, v)
	}
	return t
}
