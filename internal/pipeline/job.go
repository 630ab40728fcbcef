package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/qa"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Spine is an imported spine opened once and shared by many jobs: the
// database (streamed for identities at each linkage) and its timeline
// index (loaded once; read-only and safe for concurrent use). Opening the
// index per job would reload or rebuild it each time, which at national
// scale takes minutes.
type Spine struct {
	DB    string
	Index *index.Index
}

// OpenSpine opens the timeline index of the imported spine database at db
// (building it on first use, see index.Open).
func OpenSpine(ctx context.Context, db string, log *slog.Logger) (*Spine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ix, err := index.Open(ctx, db, index.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("opening the timeline index of %s: %w", db, err)
	}
	return &Spine{DB: db, Index: ix}, nil
}

// JobConfig is one submission evaluated by the lab's service.
type JobConfig struct {
	Spine *Spine
	// Participants is the uploaded participants.csv in the job's private
	// work folder.
	Participants string
	// WorkDir receives cohort.json, linked.csv, evaluation.json and
	// summary.txt. Each is written atomically, so a job re-run after a
	// crash replaces them whole; a re-run that finds cohort.json (linkage
	// finished, the participants file perhaps deleted) starts from it.
	WorkDir string
	// Programme names the programme in the evaluation (required).
	Programme string
	// MinCohort is the smallest linked cohort evaluated (default 100).
	MinCohort int
	Spec      evaluation.Spec
	// Progress, if set, is told of each stage as it starts with the
	// fraction of the job done (0 to 1, never decreasing).
	Progress func(stage string, fraction float64)
	// Linked, if set, is called once linkage is done and the participants
	// file is no longer needed (the caller deletes it). An error stops the
	// job.
	Linked func(ctx context.Context, rep linkage.Report) error
	Log    *slog.Logger
}

// JobResult is what RunJob produced.
type JobResult struct {
	Evaluation *evaluation.Evaluation
	// JSON is evaluation.json as written to WorkDir.
	JSON    []byte
	Summary string
	Linkage linkage.Report
	// PersonIDs are the linked cohort's spine person_ids (pseudonymous),
	// for the differencing guard's keyed digests (disclosure.Members).
	PersonIDs []string
}

// Stage names and the fraction of a typical job done when each starts. The
// fractions are rough shares of the run time measured on the synthetic
// world (linkage streams every spine identity; the evaluation stages after
// it are quicker), so a progress bar moves at a fairly even pace.
var jobStages = map[string]float64{
	"linkage":                0,
	"participants":           0.35,
	"comparison pool":        0.40,
	"covariates":             0.50,
	"propensity model":       0.65,
	"matching":               0.70,
	"balance":                0.75,
	"outcomes and estimates": 0.80,
	"sensitivity":            0.90,
	"subgroups":              0.93,
	"writing results":        0.98,
}

// RunJob links a submission to an opened spine and evaluates it: the
// service's entry point, where Evaluate is the command line's. It differs
// from Evaluate in taking a shared Spine, reporting progress as a stage and
// fraction, and telling the caller when the identifiers can be deleted.
// Errors a provider can act on (a refused submission, a cohort too small,
// no participant analysable) wrap linkage.ErrCohortTooSmall,
// submission.ErrRefused or evaluation.ErrNoParticipants; their messages
// never hold a direct identifier.
func RunJob(ctx context.Context, cfg JobConfig) (*JobResult, error) {
	switch {
	case cfg.Spine == nil || cfg.Spine.Index == nil:
		return nil, errors.New("pipeline: job has no opened spine; open one with OpenSpine")
	case cfg.Participants == "" || cfg.WorkDir == "":
		return nil, errors.New("pipeline: job needs a participants file and a work folder")
	case cfg.Programme == "":
		return nil, errors.New("pipeline: job needs a programme name")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	last := -1.0
	progress := func(stage string) {
		f := jobStages[stage]
		if f < last {
			f = last
		}
		last = f
		cfg.Log.Debug("job stage", "stage", stage, "fraction", f)
		if cfg.Progress != nil {
			cfg.Progress(stage, f)
		}
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("pipeline: creating the job's work folder: %w", err)
	}
	ix := cfg.Spine.Index

	progress("linkage")
	cohort, participantsHash, err := linkJob(ctx, cfg)
	if err != nil {
		return nil, err
	}

	members := make([]evaluation.Participant, len(cohort.Members))
	for i, m := range cohort.Members {
		members[i] = evaluation.Participant{PersonID: m.PersonID, Start: m.StartDate, Attributes: m.Attributes}
	}
	spec := cfg.Spec
	spec.Programme = cfg.Programme
	spec.Submitted, spec.Linked = cohort.Report.Submitted, cohort.Report.Matched
	spec.ParticipantsHash = participantsHash
	if spec.Subgroups == nil {
		spec.Subgroups = cohort.AttributeColumns
	}
	spec.Log = cfg.Log
	spec.Progress = progress
	ev, err := evaluation.Run(ctx, ix, members, spec)
	if err != nil {
		return nil, err
	}

	progress("writing results")
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("pipeline: encoding evaluation.json: %w", err)
	}
	b = append(b, '\n')
	if err := writeAtomic(filepath.Join(cfg.WorkDir, "evaluation.json"), b); err != nil {
		return nil, err
	}
	var sum bytes.Buffer
	writeSummary(&sum, ev, nil)
	if err := writeAtomic(filepath.Join(cfg.WorkDir, "summary.txt"), sum.Bytes()); err != nil {
		return nil, err
	}
	ids := make([]string, len(cohort.Members))
	for i, m := range cohort.Members {
		ids[i] = m.PersonID
	}
	return &JobResult{Evaluation: ev, JSON: b, Summary: sum.String(), Linkage: cohort.Report, PersonIDs: ids}, nil
}

// cohortFile is the linked cohort a job keeps in its work folder: the
// pseudonymous members (person_id, dates, attributes: no submitted
// identifier) and the linkage report, so a job interrupted after its
// participants file was deleted can resume from linkage's result.
type cohortFile struct {
	ParticipantsHash string         `json:"participants_sha256"`
	Cohort           linkage.Cohort `json:"cohort"`
}

// linkJob returns the job's linked cohort: from cohort.json when an earlier
// run of the job got that far, otherwise by linking the participants file
// (and then writing cohort.json and calling cfg.Linked).
func linkJob(ctx context.Context, cfg JobConfig) (linkage.Cohort, string, error) {
	path := filepath.Join(cfg.WorkDir, "cohort.json")
	if b, err := os.ReadFile(path); err == nil {
		var cf cohortFile
		if err := json.Unmarshal(b, &cf); err == nil {
			cfg.Log.Info("job resumed from its linked cohort", "members", len(cf.Cohort.Members))
			if cfg.Linked != nil {
				if err := cfg.Linked(ctx, cf.Cohort.Report); err != nil {
					return linkage.Cohort{}, "", err
				}
			}
			return cf.Cohort, cf.ParticipantsHash, nil
		}
		cfg.Log.Warn("job's cohort.json is unreadable: linking again", "file", path)
	}
	hash, err := fileHash(cfg.Participants)
	if errors.Is(err, os.ErrNotExist) {
		return linkage.Cohort{}, "", fmt.Errorf("pipeline: the participants file is no longer held and linkage did not finish: %w", ErrParticipantsGone)
	}
	if err != nil {
		return linkage.Cohort{}, "", fmt.Errorf("pipeline: reading the participants file: %w", err)
	}
	win := cfg.Spine.Index.Window()
	cohort, err := qa.Run(ctx, qa.Config{
		Participants: cfg.Participants,
		Identities:   Identities(cfg.Spine.DB),
		Coverage:     &timeline.Interval{Start: win.Start, End: win.End},
		Out:          filepath.Join(cfg.WorkDir, "linked.csv"),
		MinCohort:    cfg.MinCohort,
		Spec:         linkage.Spec{Logger: cfg.Log},
	})
	if err != nil {
		return linkage.Cohort{}, "", err
	}
	b, err := json.Marshal(cohortFile{ParticipantsHash: hash, Cohort: cohort})
	if err != nil {
		return linkage.Cohort{}, "", fmt.Errorf("pipeline: encoding the linked cohort: %w", err)
	}
	if err := writeAtomic(path, b); err != nil {
		return linkage.Cohort{}, "", err
	}
	if cfg.Linked != nil {
		if err := cfg.Linked(ctx, cohort.Report); err != nil {
			return linkage.Cohort{}, "", err
		}
	}
	return cohort, hash, nil
}

// ErrParticipantsGone is wrapped by RunJob's error when a job's
// participants file was deleted before its linkage finished: the provider
// must upload the file again.
var ErrParticipantsGone = errors.New("participants file no longer held")
