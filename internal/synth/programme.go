package synth

import (
	"math"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// hazard names a transition that a programme's effect can scale.
type hazard uint8

const (
	hazJobFinding       hazard = iota // unemployed → employed
	hazInactiveToSearch               // inactive (ill health or caring) → unemployed and searching
	hazInactiveToWork                 // inactive → employed
	numHazards
)

var hazardNames = [numHazards]string{"job_finding", "inactive_to_search", "inactive_to_work"}

// effectPhase multiplies one hazard by Factor in the weeks FromWeek..ToWeek
// after the start (week s is the transition into week s; week 0, the start
// day itself, is never affected).
type effectPhase struct {
	FromWeek, ToWeek int
	Hazard           hazard
	Factor           float64
}

// takeUp is a programme's take-up model: among people in its target group
// (Eligible), the weekly probability of joining is the logistic function of
// a linear index in the default covariates (timeline.Covariates). It sees
// nothing else — in particular not the unobserved ability that drives job
// finding and wages — so selection is on observables by construction.
type takeUp struct {
	Intercept   float64
	AgePer10    float64 // per 10 years of (age − 40)
	Male        float64
	Disability  float64
	ClassOOW    float64 // benefit class on the day: out-of-work (reference: none)
	ClassInact  float64 // inactivity
	ClassInWork float64 // in-work
	Emp52       float64 // per 52 weeks employed in weeks −52..−1
	Emp104      float64 // per 104 weeks employed in weeks −104..−1
	OOW52       float64 // per 52 weeks on out-of-work benefit in −52..−1
	OOW104      float64
	Inact52     float64 // per 52 weeks on inactivity benefit in −52..−1
	Inact104    float64
	EarnPer1000 float64 // per £1,000 earned in the 12 months before the start month
	Region      map[string]float64
	// Eligible target group, in covariates only.
	MinAge, MaxAge float64 // MinAge <= age < MaxAge, age = (d − dob)/365.25
	Classes        []timeline.BenefitClass
}

// eligible reports whether covariates c are in the target group.
func (m *takeUp) eligible(c *timeline.Covariates) bool {
	if c.Age < m.MinAge || c.Age >= m.MaxAge {
		return false
	}
	for _, k := range m.Classes {
		if c.BenefitClass == k {
			return true
		}
	}
	return false
}

// index is the linear index of the logistic take-up model.
func (m *takeUp) index(c *timeline.Covariates) float64 {
	x := m.Intercept + m.AgePer10*(c.Age-40)/10 + m.Region[c.Region]
	if c.Sex == 'M' {
		x += m.Male
	}
	if c.Disability {
		x += m.Disability
	}
	switch c.BenefitClass {
	case timeline.ClassOutOfWork:
		x += m.ClassOOW
	case timeline.ClassInactivity:
		x += m.ClassInact
	case timeline.ClassInWork:
		x += m.ClassInWork
	}
	x += m.Emp52*float64(c.WeeksEmployed52)/52 + m.Emp104*float64(c.WeeksEmployed104)/104
	x += m.OOW52*float64(c.WeeksOutOfWork52)/52 + m.OOW104*float64(c.WeeksOutOfWork104)/104
	x += m.Inact52*float64(c.WeeksInactivity52)/52 + m.Inact104*float64(c.WeeksInactivity104)/104
	x += m.EarnPer1000 * c.EarningsPrior12 / 1000
	return x
}

// Probability is the weekly probability that someone with covariates c
// joins: 0 outside the target group, else 1/(1+exp(−index)).
func (m *takeUp) probability(c *timeline.Covariates) float64 {
	if !m.eligible(c) {
		return 0
	}
	return 1 / (1 + math.Exp(-m.index(c)))
}

// programme is one example programme of the synthetic world.
type programme struct {
	Name        string
	RefPrefix   string // participant_ref prefix
	Description string
	TargetGroup string
	// FirstMonth and LastMonth are the start months, as offsets back from
	// the window's end month (59 = five years before).
	FirstBack, LastBack int
	TakeUp              takeUp
	Effect              []effectPhase
	// Site returns the delivery site for a person in region r, district d.
	Site func(w *worldTables, r, d int) string
}

// programmes returns the example programmes, in the order they start.
// Their take-up intercepts are set so that, at the default dynamics, they
// take about 1.2%, 0.4% and 0.3% of the population.
func programmes() []programme {
	return []programme{
		{
			Name:      "jobsearch_plus",
			RefPrefix: "JSP",
			Description: "Intensive job-search support for out-of-work benefit claimants: weekly coaching, " +
				"CV and interview help. It holds people back in the first 4 weeks (they are on the course) " +
				"and then raises their chance of finding work for half a year.",
			TargetGroup: "aged 18–64 and on an out-of-work benefit (JSA or UC_SEARCHING) on the start day",
			FirstBack:   59, LastBack: 48,
			TakeUp: takeUp{
				Intercept: -4.1, AgePer10: -0.15, Male: 0.15, Disability: -0.3,
				Emp52: -0.6, Emp104: -0.4, OOW52: 0.8, EarnPer1000: -0.02,
				Region: map[string]float64{"North East": 0.3, "North West": 0.2, "London": -0.2, "Scotland": -0.2, "Northern Ireland": -0.5},
				MinAge: 18, MaxAge: 65, Classes: []timeline.BenefitClass{timeline.ClassOutOfWork},
			},
			Effect: []effectPhase{
				{FromWeek: 1, ToWeek: 4, Hazard: hazJobFinding, Factor: 0.5},
				{FromWeek: 5, ToWeek: 30, Hazard: hazJobFinding, Factor: 1.6},
			},
			Site: func(w *worldTables, r, _ int) string {
				switch w.regions[r].Name {
				case "North East", "North West", "Yorkshire and The Humber":
					return "North"
				case "East Midlands", "West Midlands":
					return "Midlands"
				case "East of England", "London", "South East":
					return "South and East"
				}
				return "West and Nations"
			},
		},
		{
			Name:      "health_works",
			RefPrefix: "HW",
			Description: "Work-focused health support for people on an inactivity benefit: a health and work " +
				"coach for a year. It raises the chance of moving into job search and into work over that year.",
			TargetGroup: "aged 18–64 and on an inactivity benefit (ESA, IS, IB, UC_PREPARING or UC_NO_WORK_REQ) on the start day",
			FirstBack:   41, LastBack: 30,
			TakeUp: takeUp{
				Intercept: -6.4, AgePer10: -0.25, Disability: 0.9,
				Emp104: 0.8, Inact104: -0.5,
				Region: map[string]float64{"North East": 0.6, "North West": 0.5, "Wales": 0.5, "London": -0.3},
				MinAge: 18, MaxAge: 65, Classes: []timeline.BenefitClass{timeline.ClassInactivity},
			},
			Effect: []effectPhase{
				{FromWeek: 1, ToWeek: 52, Hazard: hazInactiveToSearch, Factor: 2.0},
				{FromWeek: 1, ToWeek: 52, Hazard: hazInactiveToWork, Factor: 1.8},
			},
			Site: func(w *worldTables, r, d int) string {
				switch w.regions[r].Name {
				case "North East", "North West", "Wales":
					return w.districts[d].Name
				}
				return "Remote service"
			},
		},
		{
			Name:      "mentoring_null",
			RefPrefix: "MN",
			Description: "Volunteer mentoring for young claimants. It has no effect on employment, benefits or " +
				"earnings by design: the world's check that an evaluation finds nothing where there is nothing. " +
				"Its starts run to 18 months before the window's end, so the latest weeks of follow-up are " +
				"unavailable for the last starters.",
			TargetGroup: "aged 18–24 and on an out-of-work or inactivity benefit on the start day",
			FirstBack:   29, LastBack: 18,
			TakeUp: takeUp{
				Intercept: -4.4, Male: -0.2, ClassInact: -0.6, Emp52: -0.5,
				Region: map[string]float64{"London": 0.4, "South East": 0.2},
				MinAge: 18, MaxAge: 25, Classes: []timeline.BenefitClass{timeline.ClassOutOfWork, timeline.ClassInactivity},
			},
			Site: func(w *worldTables, r, _ int) string {
				switch w.regions[r].Name {
				case "London", "South East":
					return w.regions[r].Name
				}
				return "Online"
			},
		},
	}
}

// maxProgrammes bounds the programme catalogue (per-person arrays).
const maxProgrammes = 3

// factor returns the multiplier of hazard h at s weeks after the start,
// with each designed factor f scaled to scaledFactor(f, effect). With
// effect 0 every factor is exactly 1.
func (p *programme) factor(h hazard, s int, effect float64) float64 {
	f := 1.0
	for _, e := range p.Effect {
		if e.Hazard == h && s >= e.FromWeek && s <= e.ToWeek {
			f *= scaledFactor(e.Factor, effect)
		}
	}
	return f
}

// scaledFactor is 1 + effect·(f − 1), floored at 0 (a hazard cannot be
// negative: a lock-in of 0.5 at effect 3 stops job finding altogether).
func scaledFactor(f, effect float64) float64 { return max(1+effect*(f-1), 0) }
