package qa

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/employment-data-lab/datalab/internal/atomicfile"
	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Config says what to link and where to write.
type Config struct {
	// Participants is the path of the provider's participants.csv.
	Participants string
	// Identities streams the spine's identities.
	Identities linkage.IdentitySource
	// Coverage, when known, is the span of days the spine covers; start
	// dates outside it are refused by the submission checks.
	Coverage *timeline.Interval
	// Out is where linked.csv is written. Required.
	Out string
	// ReviewOut, if set, receives the clerical-review list.
	ReviewOut string
	// IssuesOut, if set, receives every submission problem as CSV.
	IssuesOut string
	// MinCohort is the smallest cohort evaluation accepts
	// (linkage.DefaultMinimumSize when 0).
	MinCohort int
	// Spec tunes linkage.
	Spec linkage.Spec
	// Stdout receives the summary.
	Stdout io.Writer
}

// maxIssuesShown bounds the submission problems printed in the summary.
const maxIssuesShown = 20

// Run checks and links the submission, writes the files and prints the
// summary. It returns the cohort. When the cohort is below the minimum the
// files are still written (they are what an analyst needs to see why) and
// the error wraps linkage.ErrCohortTooSmall.
func Run(ctx context.Context, cfg Config) (linkage.Cohort, error) {
	if cfg.Out == "" {
		return linkage.Cohort{}, errors.New("link: no output file; set --out linked.csv")
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.MinCohort <= 0 {
		cfg.MinCohort = linkage.DefaultMinimumSize
	}
	f, err := os.Open(cfg.Participants)
	if err != nil {
		return linkage.Cohort{}, fmt.Errorf("link: opening the participants file: %w", err)
	}
	sub, err := submission.Read(f, filepath.Base(cfg.Participants), submission.Options{Coverage: cfg.Coverage})
	f.Close()
	if cfg.IssuesOut != "" {
		if werr := writeIssues(cfg.IssuesOut, sub.Report.Issues); werr != nil {
			return linkage.Cohort{}, werr
		}
	}
	printIssues(cfg.Stdout, sub.Report)
	if err != nil {
		return linkage.Cohort{}, fmt.Errorf("link: %w", err)
	}

	res, err := linkage.Link(ctx, sub, cfg.Identities, cfg.Spec)
	// The identifiers are not needed past this point.
	sub.Participants = nil
	if err != nil {
		return linkage.Cohort{}, err
	}
	if err := writeLinked(cfg.Out, res.Outcomes); err != nil {
		return res.Cohort, err
	}
	if cfg.ReviewOut != "" {
		if err := writeReview(cfg.ReviewOut, res.Outcomes); err != nil {
			return res.Cohort, err
		}
	}
	printSummary(cfg.Stdout, res.Cohort.Report, res.Settings)
	minErr := linkage.MinimumSize(res.Cohort, cfg.MinCohort)
	if minErr == nil {
		fmt.Fprintf(cfg.Stdout, "cohort: %d linked participants, at least the minimum of %d: ready for evaluation\n", len(res.Cohort.Members), cfg.MinCohort)
		return res.Cohort, nil
	}
	fmt.Fprintf(cfg.Stdout, "cohort: %d linked participants, below the minimum of %d: refused for evaluation\n", len(res.Cohort.Members), cfg.MinCohort)
	return res.Cohort, fmt.Errorf("link: %w", minErr)
}

func printIssues(w io.Writer, rep submission.Report) {
	if len(rep.Issues) == 0 {
		return
	}
	fmt.Fprintf(w, "submission problems: %d errors, %d warnings\n", len(rep.Errors()), len(rep.Warnings()))
	for i, is := range rep.Issues {
		if i == maxIssuesShown {
			fmt.Fprintf(w, "  ... and %d more (write them all with --issues-out)\n", len(rep.Issues)-maxIssuesShown)
			break
		}
		fmt.Fprintf(w, "  %s\n", is)
	}
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(n)/float64(d), 'f', 1, 64) + "%"
}

func printSummary(w io.Writer, r linkage.Report, sp linkage.Spec) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "submitted\t%d\t\n", r.Submitted)
	fmt.Fprintf(tw, "invalid rows (excluded)\t%d\t\n", r.Invalid)
	fmt.Fprintf(tw, "valid\t%d\t\n", r.Valid)
	fmt.Fprintf(tw, "spine identities\t%d\t\n", r.Identities)
	fmt.Fprintf(tw, "candidate pairs compared\t%d\t\n", r.CandidatePairs)
	keys := make([]string, 0, len(r.PairsByBlockingKey))
	for k := range r.PairsByBlockingKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "  found by %s\t%d\t\n", k, r.PairsByBlockingKey[k])
	}
	fmt.Fprintf(tw, "linked (match band)\t%d\t\n", r.Matched)
	fmt.Fprintf(tw, "  deterministic (NINO + date of birth)\t%d\t\n", r.MatchedDeterministic)
	fmt.Fprintf(tw, "  probabilistic (Fellegi-Sunter)\t%d\t\n", r.MatchedProbabilistic)
	fmt.Fprintf(tw, "clerical review\t%d\t\n", r.Review)
	fmt.Fprintf(tw, "not linked\t%d\t\n", r.NonMatched+r.Invalid)
	for _, reason := range linkage.Reasons {
		if n := r.NonMatchReasons[reason]; n > 0 {
			fmt.Fprintf(tw, "  %s\t%d\t\n", reason, n)
		}
	}
	fmt.Fprintf(tw, "match rate (of valid)\t%s\t\n", pct(r.Matched, r.Valid))
	fmt.Fprintf(tw, "match rate (of submitted)\t%s\t\n", pct(r.Matched, r.Submitted))
	tw.Flush()
	fmt.Fprintf(w, "settings: max false-match rate %g, max false-non-match rate %g, review posterior %g, u from %d random pairs of %d sampled identities (seed %d)\n",
		sp.MaxFalseMatchRate, sp.MaxFalseNonMatchRate, sp.ReviewPosterior, sp.UPairs, sp.SampleSize, sp.Seed)
	th := r.Thresholds
	fmt.Fprintf(w, "thresholds: match if score >= %.2f (posterior %.3f); review if score >= %.2f (posterior %.3f)\n",
		th.Upper, th.UpperPosterior, th.Lower, th.LowerPosterior)
	fmt.Fprintf(w, "estimated false matches in the match band: %.1f (%.2f%%); estimated true links missed (review + not linked): %.1f\n",
		r.EstimatedFalseMatches, 100*r.EstimatedFalseMatchRate, r.EstimatedMissedMatches)
	m := r.Model
	if len(m.M[0]) == 0 {
		return
	}
	fmt.Fprintf(w, "model: prior match probability per pair %.3g; u from %d random pairs; m by EM:", m.Lambda, m.UPairs)
	for _, s := range m.Sessions {
		fmt.Fprintf(w, " [%s: %d pairs, %d iterations, converged %v, estimates %s]", s.Name, s.Pairs, s.Iterations, s.Converged, strings.Join(s.Estimated, ", "))
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  field\tlevel\tm\tu\tweight (log2 m/u)")
	for f := linkage.Field(0); f < linkage.NumFields; f++ {
		for l := range m.M[f] {
			lv := linkage.Level(l)
			fmt.Fprintf(tw, "  %s\t%s\t%.4f\t%.2g\t%.2f\n", f, f.LevelName(lv), m.M[f][l], m.U[f][l], m.FieldWeight(f, lv))
		}
	}
	tw.Flush()
}

func writeCSV(path string, header []string, rows func(emit func(...string) error) error) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := rows(func(rec ...string) error { return cw.Write(rec) }); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

func ftoa(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }

func writeLinked(path string, out []linkage.Outcome) error {
	return writeCSV(path, []string{"participant_ref", "person_id", "status", "score", "route", "reason", "posterior"},
		func(emit func(...string) error) error {
			for _, o := range out {
				score, post := "", ""
				if o.HasCandidate {
					score, post = ftoa(o.Score, 2), ftoa(o.Posterior, 4)
				}
				if err := emit(o.ParticipantRef, o.PersonID, string(o.Status), score, string(o.Route), string(o.Reason), post); err != nil {
					return err
				}
			}
			return nil
		})
}

func writeReview(path string, out []linkage.Outcome) error {
	header := []string{"participant_ref", "person_id", "score", "posterior"}
	for f := linkage.Field(0); f < linkage.NumFields; f++ {
		header = append(header, f.String())
	}
	return writeCSV(path, header, func(emit func(...string) error) error {
		for _, o := range out {
			if o.Status != linkage.StatusReview {
				continue
			}
			rec := []string{o.ParticipantRef, o.PersonID, ftoa(o.Score, 2), ftoa(o.Posterior, 4)}
			lv := o.Agreement.Levels()
			for f := linkage.Field(0); f < linkage.NumFields; f++ {
				rec = append(rec, f.LevelName(lv[f]))
			}
			if err := emit(rec...); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeIssues(path string, issues []submission.Issue) error {
	return writeCSV(path, []string{"file", "line", "field", "severity", "reason"}, func(emit func(...string) error) error {
		for _, is := range issues {
			if err := emit(is.File, strconv.Itoa(is.Line), is.Field, is.Severity.String(), is.Reason); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeAtomic writes a QA file whole or not at all, readable by its owner
// only (it lists pseudonymous person ids).
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.WriteFunc(path, 0o600, write); err != nil {
		return fmt.Errorf("link: %w", err)
	}
	return nil
}
