package pipeline

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
	"time"

	"github.com/employment-data-lab/datalab/internal/atomicfile"
	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/qa"
	"github.com/employment-data-lab/datalab/internal/report"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Config is one evaluation job.
type Config struct {
	// Spine is an imported spine database (DuckDB file) or a spine folder;
	// a folder is imported into OutDir/spine.duckdb first.
	Spine string
	// Participants is the provider's participants.csv.
	Participants string
	// OutDir receives evaluation.json, summary.txt, report.html and
	// linked.csv.
	OutDir string
	// Truth, if set, is a synthetic world's truth.json: the summary then
	// prints the true effect beside each headline estimate.
	Truth string
	// MinCohort is the smallest linked cohort evaluated (default 100).
	MinCohort int
	Spec      evaluation.Spec
	Stdout    io.Writer
	Log       *slog.Logger
}

// Result is what Evaluate wrote.
type Result struct {
	Evaluation *evaluation.Evaluation
	JSONPath   string
	// ReportPath is report.html ("" when disclosure control refused it).
	ReportPath string
	Summary    string
}

// Evaluate runs the whole flow for one submission.
func Evaluate(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Spine == "" || cfg.Participants == "" || cfg.OutDir == "" {
		return nil, errors.New("evaluate needs a spine (--spine), a participants file (--participants) and an output folder (--out)")
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	log := cfg.Log
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("evaluate: creating the output folder: %w", err)
	}
	stage := func(name string) func() {
		t0 := time.Now()
		log.Info("stage started", "stage", name)
		return func() {
			log.Info("stage done", "stage", name, "seconds", fmt.Sprintf("%.2f", time.Since(t0).Seconds()))
		}
	}

	// The spine: a database, or a folder imported first.
	dbPath := cfg.Spine
	st, err := os.Stat(cfg.Spine)
	if err != nil {
		return nil, fmt.Errorf("evaluate: --spine %s: %w", cfg.Spine, err)
	}
	if st.IsDir() {
		dbPath = filepath.Join(cfg.OutDir, "spine.duckdb")
		done := stage("spine import")
		log.Info("the spine is a folder: importing it (pass an imported database to --spine to skip this)", "from", cfg.Spine, "db", dbPath)
		if _, err := spine.Import(ctx, cfg.Spine, dbPath, spine.ImportOptions{}); err != nil {
			return nil, fmt.Errorf("evaluate: importing the spine: %w", err)
		}
		done()
	}
	done := stage("timeline index")
	ix, err := index.Open(ctx, dbPath, index.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("evaluate: opening the timeline index: %w", err)
	}
	done()
	win := ix.Window()

	// Linkage: identifiers live only inside qa.Run.
	done = stage("linkage")
	participantsHash, err := fileHash(cfg.Participants)
	if err != nil {
		return nil, fmt.Errorf("evaluate: reading the participants file: %w", err)
	}
	cohort, err := qa.Run(ctx, qa.Config{
		Participants: cfg.Participants,
		Identities:   Identities(dbPath),
		Coverage:     &timeline.Interval{Start: win.Start, End: win.End},
		Out:          filepath.Join(cfg.OutDir, "linked.csv"),
		MinCohort:    cfg.MinCohort,
		Spec:         linkage.Spec{Logger: log},
		Stdout:       cfg.Stdout,
	})
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	done()

	members := make([]evaluation.Participant, len(cohort.Members))
	for i, m := range cohort.Members {
		members[i] = evaluation.Participant{PersonID: m.PersonID, Start: m.StartDate, Attributes: m.Attributes}
	}
	spec := cfg.Spec
	spec.Submitted, spec.Linked = cohort.Report.Submitted, cohort.Report.Matched
	spec.ParticipantsHash = participantsHash
	if spec.Programme == "" {
		spec.Programme = programmeName(cfg.Participants)
	}
	if spec.Subgroups == nil {
		spec.Subgroups = cohort.AttributeColumns
	}
	spec.Log = log
	var end func()
	spec.Progress = func(s string) {
		if end != nil {
			end()
		}
		end = stage("evaluation: " + s)
	}
	ev, err := evaluation.Run(ctx, ix, members, spec)
	if err != nil {
		return nil, err
	}
	if end != nil {
		end()
	}
	ev.Counts.ExcludedByChecks, ev.Counts.ClericalReview = cohort.Report.Invalid, cohort.Report.Review
	for reason, n := range cohort.Report.NonMatchReasons {
		if reason != linkage.ReasonInvalidRow && n > 0 {
			if ev.Counts.NotLinked == nil {
				ev.Counts.NotLinked = map[string]int{}
			}
			ev.Counts.NotLinked[string(reason)] = n
		}
	}

	var truth *truthFile
	if cfg.Truth != "" {
		truth, err = readTruth(cfg.Truth, ev.Programme)
		if err != nil {
			return nil, err
		}
	}
	res := &Result{Evaluation: ev, JSONPath: filepath.Join(cfg.OutDir, "evaluation.json")}
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("evaluate: encoding evaluation.json: %w", err)
	}
	if err := writeAtomic(res.JSONPath, append(b, '\n')); err != nil {
		return nil, err
	}
	var sum bytes.Buffer
	writeSummary(&sum, ev, truth)
	res.Summary = sum.String()
	if err := writeAtomic(filepath.Join(cfg.OutDir, "summary.txt"), sum.Bytes()); err != nil {
		return nil, err
	}
	// The published report, disclosure-controlled; a refusal (too few
	// matched participants) leaves the evaluation in place without one.
	rep, err := report.Build(ev, report.Options{})
	switch {
	case errors.Is(err, disclosure.ErrRefused):
		log.Warn("report.html not written", "reason", err)
	case err != nil:
		return nil, fmt.Errorf("evaluate: report: %w", err)
	default:
		html, err := rep.HTML()
		if err != nil {
			return nil, fmt.Errorf("evaluate: report: %w", err)
		}
		res.ReportPath = filepath.Join(cfg.OutDir, "report.html")
		if err := writeAtomic(res.ReportPath, html); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Identities adapts spine.ReadIdentities (a spine folder or database) to
// linkage's plain values.
func Identities(src string) linkage.IdentitySource {
	return func(ctx context.Context, fn func(linkage.Identity) error) error {
		return spine.ReadIdentities(ctx, src, func(id spine.Identity) error {
			return fn(linkage.Identity{
				PersonID: id.PersonID, NINO: id.NINO, FirstName: id.FirstName, LastName: id.LastName,
				DateOfBirth: id.DateOfBirth, DateOfBirthMissing: !id.HasDateOfBirth, Postcode: id.Postcode,
			})
		})
	}
}

// programmeName is the folder holding the participants file, or the file's
// name without its extension.
func programmeName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	dir := filepath.Base(filepath.Dir(abs))
	if dir != "." && dir != string(filepath.Separator) {
		return dir
	}
	return trimExt(filepath.Base(abs))
}

func trimExt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }

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

// writeAtomic writes an output file whole or not at all, readable by its
// owner only (it describes a cohort).
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	return nil
}
