package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/report"
)

func newReportCmd(a *app) *cobra.Command {
	cfg := report.PublishConfig{Rules: disclosure.DefaultRules()}
	cmd := &cobra.Command{
		Use:   "report --evaluation FILE --out FILE",
		Short: "Write the published, disclosure-controlled report of an evaluation",
		Long: `report turns a stored evaluation (evaluation.json, from datalab evaluate) into
the report the lab publishes: one self-contained HTML page (no script, no
external requests, print-friendly), or the same tables as JSON or CSV.

Every published figure goes through disclosure control first:
  - the report is refused when fewer than --min-cohort participants were
    matched;
  - any count, statistic, subgroup or chart point resting on fewer than
    --min-cell people is withheld ([c]), and further figures are withheld so
    that it cannot be worked out from totals;
  - counts are rounded to the nearest --round;
  - no individual-level rows are ever written.

The differencing guard (--organisation, --registry, --key-file) refuses a
cohort that differs from one of the organisation's earlier published cohorts
by fewer than --min-cohort people (but more than none), since the difference
between the two reports would describe those few people. The cohort is the
linked participants in linked.csv beside the evaluation (or --members); the
registry stores only keyed hashes (HMAC-SHA-256) of their person_ids, under
the secret in --key-file, which must be kept apart from the registry. The
cohort is recorded once the report is written.

The command exits non-zero, writing nothing, when the report is refused.`,
		Example: `  datalab evaluate --spine world/spine.duckdb \
      --participants world/programmes/jobsearch_plus/participants.csv --out eval
  datalab report --evaluation eval/evaluation.json --out eval/report.html

  # the machine-readable tables, under the same rules
  datalab report --evaluation eval/evaluation.json --format csv --out eval/report.csv

  # with the differencing guard
  head -c 32 /dev/urandom > lab.key
  datalab report --evaluation eval/evaluation.json --out eval/report.html \
      --organisation "Jobsearch Trust" --registry published.json --key-file lab.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := report.Publish(cmd.Context(), cfg); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s\n", cfg.Out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Evaluation, "evaluation", "", "the stored evaluation (evaluation.json from datalab evaluate)")
	fl.StringVar(&cfg.Out, "out", "", "the file to write")
	fl.StringVar(&cfg.Format, "format", "html", "html, json or csv")
	fl.IntVar(&cfg.Rules.MinCohort, "min-cohort", disclosure.DefaultMinCohort, "fewest matched participants a published report may rest on; fewest people by which cohorts must differ")
	fl.IntVar(&cfg.Rules.MinCell, "min-cell", disclosure.DefaultMinCell, "fewest people any published figure may rest on")
	fl.IntVar(&cfg.Rules.Round, "round", disclosure.DefaultRound, "round published counts to the nearest multiple of this")
	fl.StringVar(&cfg.Organisation, "organisation", "", "the submitting organisation (differencing guard)")
	fl.StringVar(&cfg.Registry, "registry", "", "JSON file of the organisations' published cohorts (created if missing)")
	fl.StringVar(&cfg.KeyFile, "key-file", "", "file holding the secret key (at least 32 bytes) for hashing person_ids")
	fl.StringVar(&cfg.Members, "members", "", "linked.csv of the cohort (default: linked.csv beside --evaluation)")
	return cmd
}
