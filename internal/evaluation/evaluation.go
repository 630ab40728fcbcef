package evaluation

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// SchemaVersion names the layout of evaluation.json.
const SchemaVersion = "datalab.evaluation/v1"

// Evaluation is the stored result of one evaluation: everything the report
// needs, and enough provenance to re-run it.
type Evaluation struct {
	Schema      string           `json:"schema"`
	Programme   string           `json:"programme"`
	CreatedAt   string           `json:"created_at"`
	Counts      Counts           `json:"counts"`
	Method      Method           `json:"method"`
	Pool        []PoolMonth      `json:"pool"`
	Propensity  []Coefficient    `json:"propensity_model"`
	Balance     []BalanceRow     `json:"balance"`
	Estimates   []EstimateRow    `json:"estimates"`
	Headline    []EstimateRow    `json:"headline"`
	Sensitivity []Sensitivity    `json:"sensitivity"`
	Subgroups   []SubgroupResult `json:"subgroups"`
	Warnings    []string         `json:"warnings"`
}

// Counts follow the cohort from submission to the matched sample.
type Counts struct {
	Submitted int `json:"submitted"` // rows in participants.csv
	// ExcludedByChecks counts rows the submission checks excluded;
	// ClericalReview participants left in linkage's review band (not
	// linked); NotLinked the other valid participants not linked, by
	// linkage's non-match reason. Submitted = ExcludedByChecks +
	// ClericalReview + Σ NotLinked + Linked. Filled by the pipeline.
	ExcludedByChecks int            `json:"excluded_by_checks"`
	ClericalReview   int            `json:"clerical_review"`
	NotLinked        map[string]int `json:"not_linked_reasons,omitempty"`
	Linked           int            `json:"linked"` // linked to a spine person
	// NotInIndex counts linked people the timeline index does not hold
	// (a spine imported without them).
	NotInIndex int `json:"not_in_index"`
	// StartOutsideWindow counts participants whose start date is after the
	// spine's window.
	StartOutsideWindow int `json:"start_outside_window"`
	Ineligible         int `json:"ineligible"` // fail the eligibility rule
	Eligible           int `json:"eligible"`   // analysed participants
	// Matched counts participants with at least one comparator (or with
	// positive weight, for IPW).
	Matched               int `json:"matched"`
	UnmatchedCaliper      int `json:"unmatched_outside_caliper"`
	UnmatchedNoComparator int `json:"unmatched_no_comparator"`
	OffSupport            int `json:"off_common_support"`
	// Comparison counts comparators with positive weight; ComparisonPool the
	// pool they were drawn from.
	Comparison       int `json:"comparison"`
	ComparisonPool   int `json:"comparison_pool"`
	ComparisonReused int `json:"comparison_reused"`
	// ComparisonJoinedLater counts matched comparators who joined the
	// programme after their reference date (DESIGN.md §2).
	ComparisonJoinedLater int `json:"comparison_joined_later"`
}

// Method records every setting the evaluation used.
type Method struct {
	Estimand          string   `json:"estimand"`
	Method            string   `json:"method"`
	Distance          string   `json:"distance"`
	Ratio             int      `json:"ratio"`
	Replace           bool     `json:"replace"`
	Caliper           *float64 `json:"caliper_sd"` // null: no caliper
	CaliperWidth      *float64 `json:"caliper_width"`
	Bandwidth         float64  `json:"kernel_bandwidth_sd,omitempty"`
	Order             string   `json:"order"`
	Exact             []string `json:"exact"`
	Covariates        []string `json:"covariates"`
	Eligibility       string   `json:"eligibility"`
	PoolCap           int      `json:"pool_cap_per_month"`
	NeverParticipated bool     `json:"never_participated"`
	ReferenceDates    string   `json:"comparator_reference_dates"`
	Variance          string   `json:"variance"`
	Primary           string   `json:"primary_outcome"`
	Seed              uint64   `json:"seed"`
	SpineHash         string   `json:"spine_hash"`
	SpineWindow       string   `json:"spine_window"`
	ProgramVersion    string   `json:"program_version"`
	ParticipantsHash  string   `json:"participants_hash,omitempty"`
	// RestrictedLevels lists the categorical covariate levels no
	// participant has; their comparison units were left out of the
	// propensity model and the matching (empty when none were).
	RestrictedLevels []RestrictedLevel `json:"restricted_levels"`
	// ConstantCovariates lists design columns with one value for every
	// analysed unit, left out of the propensity model (Covariates lists
	// the columns it used).
	ConstantCovariates []string `json:"constant_covariates"`
}

// Coefficient is one term of the fitted propensity model.
type Coefficient struct {
	Term     string  `json:"term"`
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
}

// BalanceRow is one covariate column's balance before and after matching.
// Variance ratios are null for binary columns.
type BalanceRow struct {
	Covariate           string   `json:"covariate"`
	SMDBefore           *float64 `json:"smd_before"` // null when the participants' SD is 0
	SMDAfter            *float64 `json:"smd_after"`
	VarianceRatioBefore *float64 `json:"variance_ratio_before"`
	VarianceRatioAfter  *float64 `json:"variance_ratio_after"`
	Flag                bool     `json:"flag"`
}

// EstimateRow is the ATT on one outcome at one week (Week is null for
// summary outcomes). When Available is false the outcome could not be
// observed for anyone (past the spine's window) and the figures are null.
type EstimateRow struct {
	Outcome          string   `json:"outcome"`
	Week             *int     `json:"week"`
	Available        bool     `json:"available"`
	Participants     int      `json:"participants"` // participants with the outcome observed
	Comparison       int      `json:"comparison"`   // comparators with the outcome observed and positive weight
	ParticipantsMean *float64 `json:"participants_mean"`
	ComparisonMean   *float64 `json:"comparison_mean"`
	Estimate         *float64 `json:"estimate"`
	SE               *float64 `json:"se"`
	CILow            *float64 `json:"ci_low"`
	CIHigh           *float64 `json:"ci_high"`
	PValue           *float64 `json:"p_value"`
}

// Sensitivity is the sensitivity analysis of one headline outcome.
type Sensitivity struct {
	Outcome string `json:"outcome"`
	Week    *int   `json:"week"`
	// EValue is the minimum strength of association (risk-ratio scale) an
	// unmeasured confounder would need with both participation and the
	// outcome to explain the estimate away; EValueCI the same for the CI
	// limit nearest the null (VanderWeele & Ding 2017).
	EValue   *float64 `json:"e_value"`
	EValueCI *float64 `json:"e_value_ci"`
	// RosenbaumGamma is the largest Γ at which the effect stays significant
	// at 5% (Rosenbaum bounds, matched pairs only).
	RosenbaumGamma *float64 `json:"rosenbaum_gamma"`
	Note           string   `json:"note,omitempty"`
}

// SubgroupResult is the headline estimates within one subgroup.
type SubgroupResult struct {
	By           string        `json:"by"`
	Level        string        `json:"level"`
	Participants int           `json:"participants"`
	Estimates    []EstimateRow `json:"estimates"`
	Note         string        `json:"note,omitempty"`
}

// Headline names one headline outcome (Week -1 for a summary outcome).
type Headline struct {
	Outcome string
	Week    int
}

// String is "employed@104" or "weeks_employed_0_103".
func (h Headline) String() string {
	if h.Week < 0 {
		return h.Outcome
	}
	return fmt.Sprintf("%s@%d", h.Outcome, h.Week)
}

// DefaultHeadlines are the outcomes the report leads with; the first is the
// primary outcome unless Spec.Primary names another.
func DefaultHeadlines() []Headline {
	return []Headline{
		{"employed", 104},
		{"employed", 52},
		{"weeks_employed_0_103", -1},
		{"earnings_months_13_24", -1},
		{"on_out_of_work_benefit", 52},
		{"sustained_employment_26", -1},
	}
}

// ParseHeadline parses "outcome@week" or a summary outcome name, checking it
// against the outcomes framework.
func ParseHeadline(s string) (Headline, error) {
	name, week := s, -1
	if i := indexByte(s, '@'); i >= 0 {
		name = s[:i]
		if _, err := fmt.Sscanf(s[i+1:], "%d", &week); err != nil || week < 0 || week > timeline.Horizon {
			return Headline{}, fmt.Errorf("outcome %q: the week after @ must be a whole number from 0 to %d", s, timeline.Horizon)
		}
	}
	def, ok := timeline.LookupOutcome(name)
	if !ok {
		var names []string
		for _, d := range timeline.DefaultOutcomes() {
			names = append(names, d.Name)
		}
		return Headline{}, fmt.Errorf("outcome %q is not in the outcomes framework; use one of %v (weekly ones as name@week)", name, names)
	}
	if def.Weekly && week < 0 {
		return Headline{}, fmt.Errorf("outcome %q is weekly: name a week, e.g. %s@104", name, name)
	}
	if !def.Weekly && week >= 0 {
		return Headline{}, fmt.Errorf("outcome %q is a summary outcome: drop the @%d", name, week)
	}
	return Headline{name, week}, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// Spec holds the evaluation's settings. The zero value (with Programme
// set) is the DESIGN.md §2 default.
type Spec struct {
	Programme string
	Match     matching.Spec
	// Exact lists covariates to match exactly on, besides start month:
	// any of sex, region, benefit_class, disability.
	Exact []string
	// Eligibility overrides the rule derived from the participants.
	Eligibility *Eligibility
	// PoolCap is the largest comparison pool per start month (default
	// 100,000).
	PoolCap           int
	NeverParticipated bool
	// Primary is the primary outcome, named before the analysis runs
	// (default employed@104).
	Primary string
	// Subgroups lists participant attributes (columns of participants.csv)
	// to report subgroups by; sex and age band are always tried.
	Subgroups []string
	// MinSubgroup is the fewest matched participants a subgroup needs to be
	// estimated (default 50).
	MinSubgroup int
	Seed        uint64
	Workers     int
	// Submitted and Linked are the linkage counts, carried into Counts.
	Submitted, Linked int
	ProgramVersion    string
	ParticipantsHash  string
	Now               func() time.Time
	Log               *slog.Logger
	// Progress, when set, is told of each stage as it starts.
	Progress func(stage string)
}

var exactCovariates = []string{"sex", "region", "benefit_class", "disability"}

func (s Spec) withDefaults() (Spec, error) {
	if s.PoolCap == 0 {
		s.PoolCap = 100_000
	}
	if s.PoolCap < 0 {
		return s, fmt.Errorf("evaluation: pool cap %d is negative; set it above 0", s.PoolCap)
	}
	if s.MinSubgroup == 0 {
		s.MinSubgroup = 50
	}
	if s.Primary == "" {
		s.Primary = DefaultHeadlines()[0].String()
	}
	if _, err := ParseHeadline(s.Primary); err != nil {
		return s, fmt.Errorf("evaluation: primary outcome: %w", err)
	}
	for _, e := range s.Exact {
		if !slices.Contains(exactCovariates, e) {
			return s, fmt.Errorf("evaluation: exact-matching column %q is not a covariate that can be matched exactly; use any of %v (start month is always exact)", e, exactCovariates)
		}
	}
	if s.Workers <= 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Progress == nil {
		s.Progress = func(string) {}
	}
	if s.Match.Order == matching.OrderRandom {
		s.Match.Seed = s.Seed
	}
	return s, nil
}

// ErrNoParticipants is returned when no participant can be analysed.
var ErrNoParticipants = errors.New("no participant can be analysed")

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func intPtr(v int) *int {
	if v < 0 {
		return nil
	}
	return &v
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
