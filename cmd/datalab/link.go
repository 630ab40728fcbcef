package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/qa"
	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

func newLinkCmd(a *app) *cobra.Command {
	var cfg qa.Config
	var spineSrc string
	cmd := &cobra.Command{
		Use:   "link --spine DIR|DB --participants FILE --out linked.csv",
		Short: "Check a participant list and link it to the spine (for QA)",
		Long: `link checks a provider's participants.csv, links each participant to a
person in the spine's identities, and writes linked.csv for analysts' quality
assurance: participant_ref, person_id, status, score, route, reason,
posterior. It prints a summary on stdout and progress on stderr.

Checks. Every problem is reported with file, line, field and reason:
missing required columns, unparseable or impossible dates, a start date
outside the spine's coverage (when --spine is an imported database), NINOs
that break HMRC's format (including temporary numbers; the NINO is then
ignored and the row kept), the same person twice (the earliest start is
kept). Spreadsheet exports are accepted as they come: a byte-order mark,
CRLF, quoted fields, stray spaces, mixed case, dates as YYYY-MM-DD or
DD/MM/YYYY (never MM/DD/YYYY).

Linkage. First deterministic, on NINO and date of birth; then
probabilistic (Fellegi-Sunter): Jaro-Winkler on names with a nickname
table, postcode agreement by unit, sector and district, date-of-birth
transpositions, NINO typos; u estimated from random pairs and m by EM;
blocking so that only plausible pairs are compared; one participant to one
person. Each participant lands in a band:

  match       linked; goes into the cohort
  review      a possible link for clerical review (--review-out lists them)
  non-match   with a reason: invalid row, no candidate found in blocking,
              best candidate below threshold, or candidate taken by a
              better-scoring participant

The thresholds between bands come from the model's own estimated error
rates: the match band's estimated false-match rate is held at 0.5%.

Privacy. Names, NINOs, dates of birth and postcodes are read into memory
for linkage only: they never appear in an output file, the summary, a log
line or an error message. person_id is the spine's pseudonym.

A cohort smaller than --min-cohort (default 100) is refused for evaluation:
the files are still written, and the command exits non-zero saying how many
were linked and why the minimum exists.`,
		Example: `  datalab synth --out world --people 100000 --seed 1
  datalab spine import --from world/spine --db world/spine.duckdb
  datalab link --spine world/spine.duckdb \
      --participants world/programmes/jobsearch_plus/participants_noisy.csv \
      --out linked.csv --review-out review.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if spineSrc == "" || cfg.Participants == "" || cfg.Out == "" {
				return fmt.Errorf("link needs --spine, --participants and --out (see datalab link --help)")
			}
			cov, err := spineCoverage(ctx, spineSrc)
			if err != nil {
				return err
			}
			if cov == nil {
				a.log.Warn("spine is a folder, so its coverage is not known: start dates are not checked against it; import the spine and pass the database to check them")
			}
			cfg.Coverage = cov
			cfg.Identities = pipeline.Identities(spineSrc)
			cfg.Spec.Logger = a.log
			cfg.Stdout = a.stdout
			_, err = qa.Run(ctx, cfg)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&spineSrc, "spine", "", "spine folder (with identities.csv) or imported spine database")
	f.StringVar(&cfg.Participants, "participants", "", "the provider's participants.csv")
	f.StringVar(&cfg.Out, "out", "", "where to write linked.csv")
	f.StringVar(&cfg.ReviewOut, "review-out", "", "where to write the clerical-review list (optional)")
	f.StringVar(&cfg.IssuesOut, "issues-out", "", "where to write every submission problem as CSV (optional)")
	f.IntVar(&cfg.MinCohort, "min-cohort", linkage.DefaultMinimumSize, "smallest cohort accepted for evaluation")
	f.Float64Var(&cfg.Spec.MaxFalseMatchRate, "max-false-match-rate", 0.005, "estimated false-match rate allowed in the match band")
	f.Uint64Var(&cfg.Spec.Seed, "seed", 1, "seed for the random pairs that estimate u")
	return cmd
}

// spineCoverage returns the days an imported spine covers, or nil for a
// spine folder (whose window is only known once imported).
func spineCoverage(ctx context.Context, src string) (*timeline.Interval, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("link: --spine %s: %w", src, err)
	}
	if st.IsDir() {
		return nil, nil
	}
	w, _, err := spine.Window(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("link: reading the spine's window: %w", err)
	}
	return &timeline.Interval{Start: w.Start, End: w.End}, nil
}
