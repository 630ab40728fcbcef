package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// DefaultEstimator is the analysis a plan specifies unless it says
// otherwise: intention to treat, OLS of the outcome on the arm and the
// covariates, HC2 standard errors (internal/trials/itt).
const DefaultEstimator = "itt-ols-hc2"

// Plan is a trial's analysis plan.
type Plan struct {
	Trial          string   `json:"trial"`
	PrimaryOutcome string   `json:"primary_outcome"`
	HorizonWeek    *int     `json:"horizon_week"` // the week of a weekly outcome; null for a summary outcome
	Covariates     []string `json:"covariates"`
	Subgroups      []string `json:"subgroups"`
	MDE            float64  `json:"mde"` // on the outcome's scale, e.g. 0.05 = 5 percentage points
	Alpha          float64  `json:"alpha"`
	Estimator      string   `json:"estimator"`
}

// Locked is a frozen plan: its hash and when it was locked.
type Locked struct {
	Plan     Plan      `json:"plan"`
	Hash     string    `json:"hash"` // hex SHA-256 of Canonical()
	LockedAt time.Time `json:"locked_at"`
}

// Validate fills defaults and checks the plan against the outcomes
// framework and the trial's stratification factors, naming the flag to fix.
func (p *Plan) Validate(factors []string) error {
	if p.Alpha == 0 {
		p.Alpha = 0.05
	}
	if p.Estimator == "" {
		p.Estimator = DefaultEstimator
	}
	if p.Estimator != DefaultEstimator {
		return fmt.Errorf("plan: estimator %q is not known: use %s", p.Estimator, DefaultEstimator)
	}
	def, ok := timeline.LookupOutcome(p.PrimaryOutcome)
	if !ok {
		return fmt.Errorf("plan: primary outcome %q is not in the outcomes framework: use one of %s", p.PrimaryOutcome, strings.Join(outcomeNames(), ", "))
	}
	switch {
	case def.Weekly && p.HorizonWeek == nil:
		return fmt.Errorf("plan: %s is a weekly outcome: give --horizon, the week to analyse (0..%d), e.g. 52", def.Name, timeline.Horizon)
	case def.Weekly && (*p.HorizonWeek < 0 || *p.HorizonWeek > timeline.Horizon):
		return fmt.Errorf("plan: horizon week %d is outside 0..%d", *p.HorizonWeek, timeline.Horizon)
	case !def.Weekly && p.HorizonWeek != nil:
		return fmt.Errorf("plan: %s is a summary outcome with its own period: leave out --horizon", def.Name)
	case !(p.MDE > 0):
		return fmt.Errorf("plan: minimum detectable effect %g must be positive, on the outcome's scale: set --mde (e.g. 0.05 for 5 percentage points; see datalab power)", p.MDE)
	case !(p.Alpha > 0 && p.Alpha < 1):
		return fmt.Errorf("plan: alpha %g is outside (0, 1)", p.Alpha)
	}
	covs := map[string]bool{}
	for _, c := range timeline.DefaultCovariates() {
		covs[c.Name] = true
	}
	isFactor := map[string]bool{}
	for _, f := range factors {
		isFactor[f] = true
	}
	if err := checkNames("covariate", p.Covariates, func(n string) bool { return covs[n] || isFactor[n] }, covs, factors); err != nil {
		return err
	}
	if err := checkNames("subgroup", p.Subgroups, func(n string) bool { return covs[n] || isFactor[n] }, covs, factors); err != nil {
		return err
	}
	return nil
}

func checkNames(what string, names []string, ok func(string) bool, covs map[string]bool, factors []string) error {
	seen := map[string]bool{}
	for _, n := range names {
		if !ok(n) {
			var all []string
			for c := range covs {
				all = append(all, c)
			}
			slices.Sort(all)
			all = slices.Concat(factors, all)
			return fmt.Errorf("plan: %s %q is neither a default covariate nor a stratification factor of the trial: use one of %s", what, n, strings.Join(all, ", "))
		}
		if seen[n] {
			return fmt.Errorf("plan: %s %q listed twice", what, n)
		}
		seen[n] = true
	}
	return nil
}

func outcomeNames() []string {
	var s []string
	for _, d := range timeline.DefaultOutcomes() {
		s = append(s, d.Name)
	}
	for _, d := range timeline.ExtendedOutcomes() {
		s = append(s, d.Name)
	}
	return s
}

// Canonical is the plan's canonical JSON: fixed field order, covariates
// and subgroups sorted, empty lists as [].
func (p Plan) Canonical() []byte {
	c := p
	c.Covariates = sortedCopy(p.Covariates)
	c.Subgroups = sortedCopy(p.Subgroups)
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // Plan holds only strings, numbers and an *int
	}
	return b
}

// Hash is the hex SHA-256 of the canonical JSON.
func (p Plan) Hash() string {
	s := sha256.Sum256(p.Canonical())
	return hex.EncodeToString(s[:])
}

func sortedCopy(s []string) []string {
	c := append([]string{}, s...)
	slices.Sort(c)
	return c
}

// Lock freezes p at now.
func Lock(p Plan, now time.Time) Locked {
	p.Covariates, p.Subgroups = sortedCopy(p.Covariates), sortedCopy(p.Subgroups)
	return Locked{Plan: p, Hash: p.Hash(), LockedAt: now.UTC()}
}

// Intact reports whether the locked plan still has the hash it was locked
// with (a stored plan edited outside the service fails).
func (l Locked) Intact() bool { return l.Plan.Hash() == l.Hash }

// Departure is one way an analysis differs from its locked plan.
type Departure struct {
	Field   string `json:"field"`
	Planned string `json:"planned"`
	Used    string `json:"used"`
}

// Deviation is an analysis's departures from the plan with the reason
// given for them; it is recorded with the analysis and shown in its report.
type Deviation struct {
	Reason     string      `json:"reason"`
	Departures []Departure `json:"departures"`
	PlanHash   string      `json:"plan_hash"`
}

// Departures lists how used differs from planned, field by field.
func Departures(planned, used Plan) []Departure {
	var ds []Departure
	add := func(f, a, b string) {
		if a != b {
			ds = append(ds, Departure{f, a, b})
		}
	}
	add("primary_outcome", planned.PrimaryOutcome, used.PrimaryOutcome)
	add("horizon_week", week(planned.HorizonWeek), week(used.HorizonWeek))
	add("covariates", strings.Join(sortedCopy(planned.Covariates), ","), strings.Join(sortedCopy(used.Covariates), ","))
	add("subgroups", strings.Join(sortedCopy(planned.Subgroups), ","), strings.Join(sortedCopy(used.Subgroups), ","))
	add("alpha", fmt.Sprint(planned.Alpha), fmt.Sprint(used.Alpha))
	add("estimator", planned.Estimator, used.Estimator)
	return ds
}

func week(w *int) string {
	if w == nil {
		return "none"
	}
	return fmt.Sprint(*w)
}

// Check lets an analysis specified by used run against the locked plan:
// as planned, or, if it departs, only with a reason. The returned
// Deviation (empty when there is no departure) is to be recorded and
// reported.
func Check(locked *Locked, used Plan, reason string) (Deviation, error) {
	if locked == nil {
		return Deviation{}, fmt.Errorf("plan: trial %s has no locked analysis plan: write one with datalab trial plan and freeze it with datalab trial lock before analysing", used.Trial)
	}
	if !locked.Intact() {
		return Deviation{}, fmt.Errorf("plan: the locked plan of trial %s no longer matches its hash %s: it was altered after locking; investigate before analysing", locked.Plan.Trial, locked.Hash)
	}
	ds := Departures(locked.Plan, used)
	if len(ds) == 0 {
		return Deviation{PlanHash: locked.Hash}, nil
	}
	if strings.TrimSpace(reason) == "" {
		var parts []string
		for _, d := range ds {
			parts = append(parts, fmt.Sprintf("%s %s → %s", d.Field, d.Planned, d.Used))
		}
		return Deviation{}, fmt.Errorf("plan: the analysis departs from the plan locked at %s (%s): run as planned, or give --allow-departure \"reason\" to record the departure in the report", locked.LockedAt.Format(time.RFC3339), strings.Join(parts, "; "))
	}
	return Deviation{Reason: reason, Departures: ds, PlanHash: locked.Hash}, nil
}
