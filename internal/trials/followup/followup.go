package followup

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/qa"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/timeline"
	"github.com/employment-data-lab/datalab/internal/trials/analysis"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// Config is one follow-up.
type Config struct {
	// Participants is the trial's participants file: the submission format
	// (participant_ref, nino, first_name, last_name, date_of_birth,
	// postcode, start_date), participant_ref as enrolled and start_date the
	// enrolment date.
	Participants string
	// Identities streams the spine's identities (pipeline.Identities).
	Identities linkage.IdentitySource
	// Index is the spine's timeline index.
	Index *index.Index
	// Out is the folder linked.csv (the analysts' pseudonymous QA file) is
	// written to.
	Out string
	// Plan is the analysis as run: its outcome, horizon, covariates and
	// subgroups are read.
	Plan plan.Plan
	// Design is the trial's design (its stratification factors).
	Design randomise.Design
	// Allocations is the trial's verified allocation log.
	Allocations []randomise.Entry
	// Stdout receives linkage's summary.
	Stdout io.Writer
	Log    *slog.Logger
}

// Result is what the follow-up found.
type Result struct {
	// Participants has one entry per allocation, in log order.
	Participants []analysis.Participant
	// Columns names the covariate design columns (a categorical covariate
	// or stratification factor as indicators of all levels but the first).
	Columns []string
	// Linkage is the linkage report (counts only).
	Linkage linkage.Report
	// StartAfterAllocation counts linked participants whose start_date is
	// after the day they were allocated.
	StartAfterAllocation int
}

// Reasons a participant is not linked beyond linkage's own.
const (
	ReasonNotSubmitted = "not in the participants file"
	ReasonInvalidRow   = "row failed the submission checks"
	ReasonReview       = "possible link left for clerical review"
	ReasonNotInIndex   = "linked person not in the timeline index"
)

// Follow links the participants and measures their outcome and covariates.
func Follow(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	allocated := map[string]bool{}
	for _, e := range cfg.Allocations {
		allocated[e.ParticipantRef] = true
	}
	refs, err := readRefs(cfg.Participants)
	if err != nil {
		return Result{}, err
	}
	var stray []string
	for _, r := range refs {
		if !allocated[r] {
			stray = append(stray, r)
		}
	}
	if len(stray) > 0 {
		show := stray[:min(len(stray), 5)]
		return Result{}, fmt.Errorf("follow-up: %s: %d participant_ref(s) were never allocated in this trial (first: %s): the file must hold only the trial's enrolled participants, by the reference used at enrolment; remove them or check you have the right --trial",
			cfg.Participants, len(stray), strings.Join(show, ", "))
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return Result{}, fmt.Errorf("follow-up: %w", err)
	}
	win := cfg.Index.Window()
	linkedCSV := filepath.Join(cfg.Out, "linked.csv")
	cohort, err := qa.Run(ctx, qa.Config{
		Participants: cfg.Participants,
		Identities:   cfg.Identities,
		Coverage:     &timeline.Interval{Start: win.Start, End: win.End},
		Out:          linkedCSV,
		MinCohort:    1, // a trial's size was set by its power calculation; disclosure control guards the report
		Spec:         linkage.Spec{Logger: cfg.Log},
		Stdout:       cfg.Stdout,
	})
	if err != nil && !errors.Is(err, linkage.ErrCohortTooSmall) {
		return Result{}, fmt.Errorf("follow-up: %w", err)
	}
	status, err := readLinked(linkedCSV)
	if err != nil {
		return Result{}, err
	}
	submitted := map[string]bool{}
	for _, r := range refs {
		submitted[r] = true
	}
	members := map[string]linkage.Member{}
	for _, m := range cohort.Members {
		members[m.ParticipantRef] = m
	}
	notLinked := map[string]string{}
	for _, e := range cfg.Allocations {
		r := e.ParticipantRef
		if _, ok := members[r]; ok {
			continue
		}
		switch st, ok := status[r]; {
		case !submitted[r]:
			notLinked[r] = ReasonNotSubmitted
		case !ok:
			notLinked[r] = ReasonInvalidRow
		case st.status == string(linkage.StatusReview):
			notLinked[r] = ReasonReview
		case st.reason != "":
			notLinked[r] = st.reason
		default:
			notLinked[r] = "not linked"
		}
	}
	res, err := Measure(ctx, cfg.Index, cfg.Plan, cfg.Design, cfg.Allocations, members, notLinked)
	if err != nil {
		return Result{}, err
	}
	res.Linkage = cohort.Report
	return res, nil
}

// Measure builds the analysis participants from the allocations, the
// linked members (by participant_ref) and the reasons the others were not
// linked: the outcome at the plan's horizon from each member's start date,
// the plan's covariates at that date, and their subgroups.
func Measure(ctx context.Context, ix *index.Index, p plan.Plan, d randomise.Design, allocs []randomise.Entry,
	members map[string]linkage.Member, notLinked map[string]string) (Result, error) {
	def, ok := timeline.LookupOutcome(p.PrimaryOutcome)
	if !ok {
		return Result{}, fmt.Errorf("follow-up: outcome %q is not in the outcomes framework", p.PrimaryOutcome)
	}
	week := 0
	if def.Weekly {
		if p.HorizonWeek == nil {
			return Result{}, fmt.Errorf("follow-up: %s is weekly and the plan gives no horizon week", def.Name)
		}
		week = *p.HorizonWeek
	}
	res := Result{Participants: make([]analysis.Participant, len(allocs))}
	var pairs []index.Pair
	var at []int // participant index of each pair
	for k, e := range allocs {
		pt := analysis.Participant{Ref: e.ParticipantRef, Arm: e.Arm}
		m, ok := members[e.ParticipantRef]
		if ok {
			i, found := ix.Lookup(m.PersonID)
			if found {
				pt.Linked = true
				pairs = append(pairs, index.Pair{Person: i, Date: m.StartDate})
				at = append(at, k)
				if m.StartDate > timeline.DateOf(e.AllocatedAt.UTC().Date()) {
					res.StartAfterAllocation++
				}
			} else {
				pt.NotLinked = ReasonNotInIndex
			}
		} else {
			pt.NotLinked = notLinked[e.ParticipantRef]
		}
		res.Participants[k] = pt
	}
	outs := make([]timeline.Outcomes, len(pairs))
	if err := ix.OutcomesOf(ctx, pairs, outs); err != nil {
		return Result{}, fmt.Errorf("follow-up: outcomes: %w", err)
	}
	covs := make([]timeline.Covariates, len(pairs))
	if err := ix.Covariates(ctx, pairs, covs); err != nil {
		return Result{}, fmt.Errorf("follow-up: covariates: %w", err)
	}
	win := ix.Window()
	for j, k := range at {
		pt := &res.Participants[k]
		v, ok := outs[j].Value(def.Name, week)
		pt.Outcome, pt.OutcomeOK = v, ok
		if !ok {
			pt.NotObserved = unobservable(def, week, &outs[j], win)
		}
	}

	strata := make([]map[string]string, len(allocs))
	for k, e := range allocs {
		strata[k] = parseStratum(e.Stratum)
	}
	cols, err := columns(p.Covariates, d, covs, at, strata, res.Participants)
	if err != nil {
		return Result{}, err
	}
	res.Columns = cols
	subgroups(p.Subgroups, d, covs, at, strata, res.Participants)
	return res, nil
}

func unobservable(def timeline.OutcomeDef, week int, o *timeline.Outcomes, win timeline.Window) string {
	switch {
	case def.Name == "neet" && !o.NEETEligible:
		return "not aged 16–24 at enrolment (neet is defined for them only)"
	case def.Weekly:
		return fmt.Sprintf("follow-up incomplete: week %d after enrolment is past the spine's window (ends %s)", week, win.End)
	}
	return fmt.Sprintf("follow-up incomplete: the outcome's period ends past the spine's window (ends %s)", win.End)
}

// parseStratum reads "site=North;claim=UC" ("all" when unstratified).
func parseStratum(s string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(part, "="); ok {
			m[k] = v
		}
	}
	return m
}

func isFactor(d randomise.Design, name string) (randomise.Factor, bool) {
	for _, f := range d.Factors {
		if f.Name == name {
			return f, true
		}
	}
	return randomise.Factor{}, false
}

func kindOf(name string) (timeline.CovariateKind, bool) {
	for _, c := range timeline.DefaultCovariates() {
		if c.Name == name {
			return c.Kind, true
		}
	}
	return 0, false
}

// level is a linked participant's level of a categorical covariate or
// factor, or "" for a numeric one.
func level(name string, d randomise.Design, c *timeline.Covariates, stratum map[string]string) string {
	if _, ok := isFactor(d, name); ok {
		return stratum[name]
	}
	switch name {
	case "region":
		return c.Region
	case "benefit_class":
		return c.BenefitClass.String()
	case "sex":
		return string([]byte{c.Sex})
	case "disability":
		if c.Disability {
			return "yes"
		}
		return "no"
	}
	return ""
}

// columns fills each linked participant's covariate row: numeric and
// binary covariates as their value, categorical covariates and
// stratification factors as indicators of each level but the first (the
// declared order for a factor, sorted for a covariate).
func columns(names []string, d randomise.Design, covs []timeline.Covariates, at []int, strata []map[string]string, ps []analysis.Participant) ([]string, error) {
	var cols []string
	rows := make([][]float64, len(at))
	for _, name := range names {
		f, factor := isFactor(d, name)
		kind, known := kindOf(name)
		switch {
		case factor || (known && kind == timeline.Categorical):
			var levels []string
			if factor {
				levels = f.Levels
			} else {
				seen := map[string]bool{}
				for j := range at {
					seen[level(name, d, &covs[j], strata[at[j]])] = true
				}
				for l := range seen {
					levels = append(levels, l)
				}
				slices.Sort(levels)
			}
			for _, l := range levels[min(1, len(levels)):] {
				cols = append(cols, name+"="+l)
				for j := range at {
					v := 0.0
					if level(name, d, &covs[j], strata[at[j]]) == l {
						v = 1
					}
					rows[j] = append(rows[j], v)
				}
			}
		case known:
			cols = append(cols, name)
			for j := range at {
				v, _ := covs[j].Value(name)
				rows[j] = append(rows[j], v)
			}
		default:
			return nil, fmt.Errorf("follow-up: covariate %q is neither a default covariate nor a stratification factor of the trial", name)
		}
	}
	for k := range ps {
		ps[k].Covariates = make([]float64, len(cols))
	}
	for j, k := range at {
		ps[k].Covariates = rows[j]
		if ps[k].Covariates == nil {
			ps[k].Covariates = []float64{}
		}
	}
	return cols, nil
}

// subgroups sets each linked participant's level of each planned
// subgroup variable; a numeric one is split at its median among the
// linked ("below 38.5", "38.5 or above").
func subgroups(names []string, d randomise.Design, covs []timeline.Covariates, at []int, strata []map[string]string, ps []analysis.Participant) {
	for k := range ps {
		ps[k].Subgroups = map[string]string{}
	}
	for _, name := range names {
		if isCategorical(name, d) {
			for j, k := range at {
				ps[k].Subgroups[name] = level(name, d, &covs[j], strata[k])
			}
			continue
		}
		vals := make([]float64, len(at))
		for j := range at {
			vals[j], _ = covs[j].Value(name)
		}
		med := median(vals)
		m := strconv.FormatFloat(med, 'g', 4, 64)
		for j, k := range at {
			if vals[j] < med {
				ps[k].Subgroups[name] = "below " + m
			} else {
				ps[k].Subgroups[name] = m + " or above"
			}
		}
	}
}

func isCategorical(name string, d randomise.Design) bool {
	if _, ok := isFactor(d, name); ok {
		return true
	}
	k, ok := kindOf(name)
	return ok && k != timeline.Numeric
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// readRefs reads the participant_ref column of the participants file, and
// nothing else from it.
func readRefs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("follow-up: participants file: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("follow-up: %s: reading the header: %w", path, err)
	}
	col := -1
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == "participant_ref" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("follow-up: %s: no participant_ref column: the file must give each participant's reference as used at enrolment", path)
	}
	var refs []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("follow-up: %s: %w", path, err)
		}
		if col < len(rec) {
			if ref := strings.TrimSpace(rec[col]); ref != "" {
				refs = append(refs, ref)
			}
		}
	}
	return refs, nil
}

type linkStatus struct{ status, reason string }

// readLinked reads linked.csv (qa's pseudonymous QA file): each valid
// participant's band and, for a non-match, the reason.
func readLinked(path string) (map[string]linkStatus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("follow-up: reading linkage's results: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("follow-up: %s: %v", path, err)
	}
	idx := map[string]int{}
	for i, h := range recs[0] {
		idx[h] = i
	}
	for _, c := range []string{"participant_ref", "status", "reason"} {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("follow-up: %s has no %s column", path, c)
		}
	}
	out := map[string]linkStatus{}
	for _, r := range recs[1:] {
		out[r[idx["participant_ref"]]] = linkStatus{r[idx["status"]], r[idx["reason"]]}
	}
	return out, nil
}
