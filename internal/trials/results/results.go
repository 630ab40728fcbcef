package results

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/atomicfile"
	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/report"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/trials/analysis"
	"github.com/employment-data-lab/datalab/internal/trials/followup"
	"github.com/employment-data-lab/datalab/internal/trials/itt"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// Schema is the schema name of trial_analysis.json.
const Schema = "datalab.trial/v1"

// Records is what Analyse needs from the lab's store; *store.DB has it.
type Records interface {
	Trial(ctx context.Context, id string) (store.Trial, error)
	VerifyTrial(ctx context.Context, id, externalHead string) (randomise.Report, error)
	Allocations(ctx context.Context, id string) ([]randomise.Entry, error)
	Plan(ctx context.Context, id string) (plan.Plan, *plan.Locked, error)
	MarkOutcomesLinked(ctx context.Context, id string, now time.Time) error
	RecordDeviation(ctx context.Context, id string, d plan.Deviation, now time.Time) error
}

// Overrides change the analysis from the locked plan; each one that
// differs from the plan is a departure.
type Overrides struct {
	Outcome    string   // "" keeps the plan's primary outcome
	Horizon    *int     // nil keeps the plan's horizon
	Covariates []string // nil keeps the plan's covariates; empty (not nil) drops them all
}

// Config is one trial analysis.
type Config struct {
	Trial        string
	Participants string // the trial's participants file (identifiers and participant_ref as enrolled)
	Spine        string // an imported spine database (DuckDB)
	Identities   linkage.IdentitySource
	Out          string // output folder
	Overrides    Overrides
	// AllowDeparture is the reason for departing from the plan; required
	// when the analysis departs.
	AllowDeparture string
	// Library, when set, receives the primary result as an RCT.
	Library          evidence.Library
	Intervention     string // the intervention tested (default: the trial's title, or its id)
	InterventionType string // a taxonomy code; required with Library
	// Rules of disclosure control (zero: the lab's defaults).
	Rules  Rules
	Now    func() time.Time
	Stdout io.Writer
	Log    *slog.Logger
}

// Document is trial_analysis.json (schema datalab.trial/v1).
type Document struct {
	Schema      string    `json:"schema"`
	Trial       TrialInfo `json:"trial"`
	GeneratedAt time.Time `json:"generated_at"`
	Log         LogInfo   `json:"allocation_log"`
	Plan        PlanInfo  `json:"plan"`
	// Departures lists how the analysis differs from the locked plan
	// (empty when run as planned) and DepartureReason why.
	Departures      []plan.Departure   `json:"departures"`
	DepartureReason string             `json:"departure_reason,omitempty"`
	Flow            analysis.Flow      `json:"consort"`
	Estimates       []Estimate         `json:"estimates"`
	Balance         []analysis.Balance `json:"baseline_balance"`
	Quality         []analysis.Quality `json:"quality"`
	Linkage         LinkageCounts      `json:"linkage"`
	// StartAfterAllocation counts linked participants whose start_date
	// (the reference date of follow-up) is after their allocation day.
	StartAfterAllocation int           `json:"start_after_allocation"`
	Inputs               Inputs        `json:"inputs"`
	Method               []string      `json:"method"`
	Evidence             *EvidenceInfo `json:"evidence"`
	Publication          Publication   `json:"publication"`
}

// TrialInfo describes the trial.
type TrialInfo struct {
	ID      string             `json:"id"`
	Title   string             `json:"title,omitempty"`
	Arms    []string           `json:"arms"`
	Ratio   []int              `json:"ratio"`
	Factors []randomise.Factor `json:"factors,omitempty"`
}

// LogInfo is what verification found.
type LogInfo struct {
	Verified        bool   `json:"verified"`
	Entries         int    `json:"entries"`
	Head            string `json:"head"`
	SequenceChecked bool   `json:"sequence_checked"`
}

// PlanInfo is the locked plan and the analysis as run.
type PlanInfo struct {
	Hash                  string     `json:"hash"`
	LockedAt              time.Time  `json:"locked_at"`
	OutcomesFirstLinkedAt *time.Time `json:"outcomes_first_linked_at"`
	Planned               plan.Plan  `json:"planned"`
	AsRun                 plan.Plan  `json:"as_run"`
}

// Estimate is one row of estimates: an arm against the reference, overall
// (Subgroup "") or in one subgroup level.
type Estimate struct {
	Arm               string   `json:"arm"`
	Reference         string   `json:"reference"`
	Subgroup          string   `json:"subgroup,omitempty"`
	Outcome           string   `json:"outcome"`
	HorizonWeek       *int     `json:"horizon_week"`
	NArm              int      `json:"n_arm"`
	NReference        int      `json:"n_reference"`
	MeanArm           *float64 `json:"mean_arm"`
	MeanReference     *float64 `json:"mean_reference"`
	Estimate          *float64 `json:"estimate"`
	SE                *float64 `json:"se"`
	CILow             *float64 `json:"ci_low"`
	CIHigh            *float64 `json:"ci_high"`
	Level             float64  `json:"level"`
	PValue            *float64 `json:"p_value"`
	DF                float64  `json:"df"`
	Adjustment        string   `json:"adjustment"`
	VarianceEstimator string   `json:"variance_estimator"`
	Covariates        []string `json:"covariates"`
	Note              string   `json:"note,omitempty"`
}

// LinkageCounts are linkage's counts.
type LinkageCounts struct {
	Submitted       int            `json:"submitted"`
	Invalid         int            `json:"invalid"`
	Linked          int            `json:"linked"`
	Review          int            `json:"review"`
	NotLinked       int            `json:"not_linked"`
	NonMatchReasons map[string]int `json:"non_match_reasons"`
}

// Inputs identify what was analysed, so the result can be re-run.
type Inputs struct {
	ParticipantsSHA256 string `json:"participants_sha256"`
	SpineContentHash   string `json:"spine_content_hash"`
	SpineWindowStart   string `json:"spine_window_start"`
	SpineWindowEnd     string `json:"spine_window_end"`
}

// EvidenceInfo is the what-works library entry made.
type EvidenceInfo struct {
	StudyID        string `json:"study_id"`
	InterventionID string `json:"intervention_id"`
	Design         string `json:"design"`
	SMSLevel       int    `json:"sms_level"`
}

// Publication says whether disclosure control allowed publication.
type Publication struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	File    string `json:"file,omitempty"`
}

// Result is what Analyse wrote.
type Result struct {
	Document   *Document
	JSONPath   string
	ReportPath string // trial_report.json; "" when publication was refused
	HTMLPath   string // trial_report.html; "" when publication was refused
	Summary    string
}

// Analyse runs the trial's analysis from the store's records.
func Analyse(ctx context.Context, db Records, cfg Config) (*Result, error) {
	if cfg.Trial == "" || cfg.Participants == "" || cfg.Spine == "" || cfg.Out == "" {
		return nil, errors.New("trial analyse needs --trial, --participants (the trial's identifiers), --spine (an imported spine database) and --out (a folder)")
	}
	if cfg.Identities == nil {
		return nil, errors.New("trial analyse: no identity source for linkage")
	}
	if cfg.Library != nil && cfg.InterventionType == "" {
		return nil, errors.New("trial analyse: give --intervention-type (a what-works taxonomy code, see datalab evidence types) so the result can enter the library, or --no-library")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	id := cfg.Trial

	// 1. The allocation log.
	rep, err := db.VerifyTrial(ctx, id, "")
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	if !rep.OK {
		return nil, fmt.Errorf("trial analyse: refused: the allocation log of trial %s fails verification: %s at position %d: %s; the allocations cannot be trusted, so nothing is analysed (investigate with datalab trial verify --trial %s and restore the log from a backup)",
			id, rep.Break.Kind, rep.Break.Position, rep.Break.Detail, id)
	}
	t, err := db.Trial(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}

	// 2. The plan.
	_, locked, err := db.Plan(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	if locked == nil {
		return nil, fmt.Errorf("trial analyse: refused: the analysis plan of trial %s is not locked: lock it with datalab trial lock --trial %s before outcome data is linked", id, id)
	}
	if t.LinkedAt != nil && locked.LockedAt.After(*t.LinkedAt) {
		return nil, fmt.Errorf("trial analyse: refused: the plan of trial %s was locked at %s, after outcome data was first linked at %s, so it was not pre-specified; the store was altered, investigate",
			id, locked.LockedAt.Format(time.RFC3339), t.LinkedAt.Format(time.RFC3339))
	}
	used := locked.Plan
	used.Covariates = slices.Clone(used.Covariates)
	used.Subgroups = slices.Clone(used.Subgroups)
	o := cfg.Overrides
	if o.Outcome != "" {
		used.PrimaryOutcome = o.Outcome
	}
	if o.Horizon != nil {
		h := *o.Horizon
		used.HorizonWeek = &h
	}
	if o.Covariates != nil {
		used.Covariates = slices.Clone(o.Covariates)
	}
	var factors []string
	for _, f := range t.Design.Factors {
		factors = append(factors, f.Name)
	}
	if err := used.Validate(factors); err != nil {
		return nil, fmt.Errorf("trial analyse: the analysis as overridden: %w", err)
	}
	dev, err := plan.Check(locked, used, cfg.AllowDeparture)
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	if len(dev.Departures) == 0 && strings.TrimSpace(cfg.AllowDeparture) != "" {
		cfg.Log.Warn("--allow-departure given but the analysis is as planned: nothing to record")
	}

	allocs, err := db.Allocations(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("trial analyse: creating the output folder: %w", err)
	}
	ix, err := index.Open(ctx, cfg.Spine, index.Options{Log: cfg.Log})
	if err != nil {
		return nil, fmt.Errorf("trial analyse: opening the timeline index of %s: %w", cfg.Spine, err)
	}
	partHash, err := fileHash(cfg.Participants)
	if err != nil {
		return nil, fmt.Errorf("trial analyse: reading the participants file: %w", err)
	}

	// 3. Record the first link of outcome data (a plan can no longer be
	// locked after it) and any departure, then link.
	now := cfg.Now()
	if err := db.MarkOutcomesLinked(ctx, id, now); err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	if len(dev.Departures) > 0 {
		if err := db.RecordDeviation(ctx, id, dev, now); err != nil {
			return nil, fmt.Errorf("trial analyse: %w", err)
		}
	}
	if t, err = db.Trial(ctx, id); err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	fu, err := followup.Follow(ctx, followup.Config{
		Participants: cfg.Participants, Identities: cfg.Identities, Index: ix, Out: cfg.Out,
		Plan: used, Design: t.Design, Allocations: allocs, Stdout: cfg.Stdout, Log: cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}
	res, err := analysis.Analyse(analysis.Input{
		Arms: t.Design.Arms, Locked: locked, Used: used, Reason: cfg.AllowDeparture,
		Columns: fu.Columns, Participants: fu.Participants, Options: itt.Options{Level: 1 - used.Alpha},
	})
	if err != nil {
		return nil, fmt.Errorf("trial analyse: %w", err)
	}

	win := ix.Window()
	doc := &Document{
		Schema:      Schema,
		Trial:       TrialInfo{ID: t.ID, Title: t.Title, Arms: t.Design.Arms, Ratio: t.Design.Ratio, Factors: t.Design.Factors},
		GeneratedAt: now.UTC(),
		Log:         LogInfo{Verified: rep.OK, Entries: rep.Entries, Head: rep.Head, SequenceChecked: rep.SequenceChecked},
		Plan:        PlanInfo{Hash: locked.Hash, LockedAt: locked.LockedAt, OutcomesFirstLinkedAt: t.LinkedAt, Planned: locked.Plan, AsRun: used},
		Departures:  []plan.Departure{},
		Flow:        res.Flow,
		Balance:     res.Balance,
		Quality:     res.Quality,
		Linkage:     linkageCounts(fu.Linkage),
		Inputs: Inputs{ParticipantsSHA256: partHash, SpineContentHash: ix.ContentHash(),
			SpineWindowStart: win.Start.String(), SpineWindowEnd: win.End.String()},
		StartAfterAllocation: fu.StartAfterAllocation,
		Method:               methodNotes(used, fu.Columns),
	}
	if res.Deviation != nil {
		doc.Departures, doc.DepartureReason = res.Deviation.Departures, res.Deviation.Reason
	}
	for _, c := range res.Primary {
		doc.Estimates = append(doc.Estimates, estimateRow(c, used))
	}
	for _, c := range res.Subgroups {
		doc.Estimates = append(doc.Estimates, estimateRow(c, used))
	}

	out := &Result{Document: doc, JSONPath: filepath.Join(cfg.Out, "trial_analysis.json")}
	// Publication through disclosure control, then the library.
	pub, err := publish(doc, cfg.Rules)
	switch {
	case err == nil:
		out.ReportPath = filepath.Join(cfg.Out, "trial_report.json")
		if err := writeJSON(out.ReportPath, pub); err != nil {
			return nil, err
		}
		doc.Publication = Publication{Allowed: true, File: filepath.Base(out.ReportPath)}
	case isRefusal(err):
		doc.Publication = Publication{Allowed: false, Reason: err.Error()}
	default:
		return nil, fmt.Errorf("trial analyse: disclosure control: %w", err)
	}
	if cfg.Library != nil && doc.Publication.Allowed {
		ev, err := addToLibrary(ctx, cfg, doc, res)
		if err != nil {
			return nil, fmt.Errorf("trial analyse: %w", err)
		}
		doc.Evidence = ev
	}
	if pub != nil && doc.Publication.Allowed {
		var page bytes.Buffer
		if err := report.TrialHTML(&page, trialModel(doc, pub)); err != nil {
			return nil, fmt.Errorf("trial analyse: %w", err)
		}
		out.HTMLPath = filepath.Join(cfg.Out, "trial_report.html")
		if err := writeAtomic(out.HTMLPath, page.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := writeJSON(out.JSONPath, doc); err != nil {
		return nil, err
	}
	var sum bytes.Buffer
	writeSummary(&sum, doc)
	out.Summary = sum.String()
	if err := writeAtomic(filepath.Join(cfg.Out, "summary.txt"), sum.Bytes()); err != nil {
		return nil, err
	}
	return out, nil
}

// trialModel is what the HTML report shows: the published release and the
// plan's settings, never the stored document's exact counts.
func trialModel(doc *Document, pub *Report) report.TrialModel {
	m := report.TrialModel{
		ID: doc.Trial.ID, Title: doc.Trial.Title, Arms: doc.Trial.Arms,
		PlanHash: pub.PlanHash, PlanLockedAt: pub.PlanLockedAt,
		Outcome: pub.Outcome, HorizonWeek: pub.HorizonWeek, Level: 1 - doc.Plan.AsRun.Alpha,
		DepartureReason: pub.DepartureReason, Method: pub.Method,
		GeneratedAt: doc.GeneratedAt.Format(time.RFC3339), Release: pub.Release(),
	}
	if doc.Plan.OutcomesFirstLinkedAt != nil {
		m.OutcomesLinkedAt = doc.Plan.OutcomesFirstLinkedAt.UTC().Format(time.RFC3339)
	}
	for _, d := range pub.Departures {
		m.Departures = append(m.Departures, report.TrialDeparture{Field: d.Field, Planned: d.Planned, Used: d.Used})
	}
	sms := 5
	for _, q := range pub.Quality {
		m.Quality = append(m.Quality, report.TrialQuality{Arm: q.Arm, Reference: q.Reference, AttritionOK: q.AttritionOK, BalanceOK: q.BalanceOK, MaxAbsSMD: q.MaxAbsSMD, Rule: q.Rule})
		if !q.AttritionOK || !q.BalanceOK {
			sms = 4
		}
	}
	if doc.Evidence != nil {
		sms = doc.Evidence.SMSLevel
	}
	m.SMSLevel = sms
	return m
}

func estimateRow(c analysis.Contrast, p plan.Plan) Estimate {
	e := c.Effect
	r := Estimate{Arm: c.Arm, Reference: c.Reference, Subgroup: c.Subgroup, Outcome: p.PrimaryOutcome, HorizonWeek: p.HorizonWeek,
		NArm: e.NTreated, NReference: e.NControl, Level: e.Level, DF: e.DF, Adjustment: e.Adjustment,
		VarianceEstimator: e.VarianceEstimator, Covariates: e.Covariates, Note: c.Note}
	if r.Covariates == nil {
		r.Covariates = []string{}
	}
	if c.Note == "" {
		ptr := func(v float64) *float64 { return &v }
		r.MeanArm, r.MeanReference = ptr(e.MeanTreated), ptr(e.MeanControl)
		r.Estimate, r.SE, r.CILow, r.CIHigh, r.PValue = ptr(e.Estimate), ptr(e.SE), ptr(e.CILow), ptr(e.CIHigh), ptr(e.PValue)
	}
	return r
}

func linkageCounts(r linkage.Report) LinkageCounts {
	c := LinkageCounts{Submitted: r.Submitted, Invalid: r.Invalid, Linked: r.Matched, Review: r.Review,
		NotLinked: r.NonMatched + r.Invalid, NonMatchReasons: map[string]int{}}
	for k, v := range r.NonMatchReasons {
		c.NonMatchReasons[string(k)] = v
	}
	return c
}

func methodNotes(p plan.Plan, cols []string) []string {
	adj := "no covariates"
	if len(cols) > 0 {
		adj = "the plan's covariates (" + strings.Join(cols, ", ") + "), centred at their means and interacted with the arm (Lin 2013, doi:10.1214/12-AOAS583)"
	}
	return []string{
		"Intention to treat: every participant is analysed in the arm they were allocated to; the reference arm is the design's first.",
		"Participants were linked to the administrative spine as a Data Lab submission is (deterministic NINO and date of birth, then Fellegi–Sunter); follow-up starts at each participant's start_date (enrolment) and week w is start_date + 7w.",
		"Complete-case: participants not linked, or whose outcome is not yet observable in the spine, are counted in the CONSORT flow with the reason and left out of the estimate; an unobservable outcome is never counted as zero.",
		"Estimate: OLS of the outcome on the arm indicator adjusted for " + adj + ".",
		fmt.Sprintf("Uncertainty: HC2 heteroskedasticity-robust standard errors (MacKinnon & White 1985), equal to the Neyman variance of a difference in means without covariates (Samii & Aronow 2012); %g%% confidence interval and two-sided p-value from t on the residual degrees of freedom.", 100*(1-p.Alpha)),
		"Evidence standard: " + analysis.QualityRule + "; SMS 5 when both hold, 4 otherwise.",
	}
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("trial analyse: encoding %s: %w", filepath.Base(path), err)
	}
	return writeAtomic(path, append(b, '\n'))
}

// writeAtomic writes an output file whole or not at all, readable by its
// owner only.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("trial analyse: %w", err)
	}
	return nil
}
