package main

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/pipeline"
)

func newEvaluateCmd(a *app) *cobra.Command {
	var cfg pipeline.Config
	var caliper float64
	var noCaliper bool
	cmd := &cobra.Command{
		Use:   "evaluate --spine DB|DIR --participants FILE --out DIR",
		Short: "Evaluate a programme's impact against a matched comparison group",
		Long: `evaluate links a provider's participants to the spine, builds a matched
comparison group of similar people who were not participants, and estimates
the programme's impact (the ATT) on employment, benefits and earnings at each
week 0..104 and on the summary outcomes, with 95% confidence intervals.

It writes to --out:
  evaluation.json  the stored evaluation (counts, method, balance, estimates,
                   sensitivity, subgroups); schema in the README
  summary.txt      the headline results in plain text (exact counts: for
                   the analyst, not for publication)
  report.html      the published report: one self-contained, accessible
                   page after disclosure control (small counts withheld,
                   counts rounded to 5); not written when the evaluation
                   rests on fewer than 100 matched participants (see
                   datalab report for JSON or CSV and the differencing guard)
  linked.csv       participant_ref, person_id, status, score (for QA only)

Method (defaults follow the lab's design notes):
  - comparison pool: for each participant start month, everyone eligible who
    is not a participant by their reference date (people who join later
    stay in the pool until they join); eligibility by default is the
    participants' age range and benefit classes; pools above --pool-cap are
    sampled at random (--seed);
  - propensity score: logistic regression (IRLS) on the default covariates;
  - matching: exact on start month (and --exact columns); nearest neighbour
    on the logit of the score, 1:--ratio, --replace or not, caliper --caliper
    SD (default 0.2); or --method kernel (Epanechnikov) or ipw (ATT weights);
  - standard errors: cluster-robust on matched sets; two-way clustered with
    replacement; robust sandwich for kernel and ipw;
  - sensitivity: E-values, and Rosenbaum bounds for 1:1 matching;
  - outcomes past the spine's window are reported as unavailable, never 0.

Pass a synthetic world's truth.json with --truth to see the true effect
beside each headline estimate.`,
		Example: `  datalab synth --out world --people 100000 --seed 1
  datalab spine import --from world/spine --db world/spine.duckdb
  datalab evaluate --spine world/spine.duckdb \
      --participants world/programmes/jobsearch_plus/participants.csv \
      --out eval --truth world/truth.json

  # 1:3 matching with replacement, exact on region too
  datalab evaluate --spine world/spine.duckdb --participants p.csv --out eval \
      --ratio 3 --replace --exact region`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case noCaliper:
				cfg.Spec.Match.Caliper = matching.NoCaliper
			case cmd.Flags().Changed("caliper"):
				if !(caliper > 0) || math.IsInf(caliper, 0) {
					return fmt.Errorf("--caliper %v: give a positive number of standard deviations of the logit score (e.g. 0.2), or --no-caliper", caliper)
				}
				cfg.Spec.Match.Caliper = caliper
			}
			cfg.Spec.ProgramVersion = version
			cfg.Stdout, cfg.Log = a.stdout, a.log
			res, err := pipeline.Evaluate(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
			fmt.Fprint(a.stdout, res.Summary)
			fmt.Fprintf(a.stdout, "\nwrote %s\n", res.JSONPath)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Spine, "spine", "", "imported spine database (from datalab spine import), or a spine folder to import first")
	fl.StringVar(&cfg.Participants, "participants", "", "the provider's participants.csv")
	fl.StringVar(&cfg.OutDir, "out", "", "output folder")
	fl.StringVar(&cfg.Truth, "truth", "", "a synthetic world's truth.json, to print the true effect beside the estimates")
	fl.StringVar(&cfg.Spec.Programme, "programme", "", "programme name (default: the participants file's folder)")
	fl.StringVar(&cfg.Spec.Match.Method, "method", matching.Nearest, "nearest, kernel or ipw")
	fl.IntVar(&cfg.Spec.Match.Ratio, "ratio", 1, "comparators per participant (nearest)")
	fl.BoolVar(&cfg.Spec.Match.Replace, "replace", false, "let a comparator serve several participants (nearest)")
	fl.Float64Var(&caliper, "caliper", matching.DefaultCaliper, "caliper in SDs of the logit propensity score (nearest)")
	fl.BoolVar(&noCaliper, "no-caliper", false, "match without a caliper")
	fl.StringSliceVar(&cfg.Spec.Exact, "exact", nil, "covariates to match exactly besides start month: sex, region, benefit_class, disability")
	fl.Uint64Var(&cfg.Spec.Seed, "seed", 1, "random seed (pool sampling, comparator reference dates)")
	fl.IntVar(&cfg.Spec.PoolCap, "pool-cap", 100_000, "largest comparison pool per start month (sampled above it)")
	fl.BoolVar(&cfg.Spec.NeverParticipated, "never-participated", false, "sensitivity option: drop from the pool everyone who ever joined")
	fl.StringVar(&cfg.Spec.Primary, "primary", "", "primary outcome named before the analysis, e.g. employed@104 (default) or weeks_employed_0_103")
	fl.StringSliceVar(&cfg.Spec.Subgroups, "subgroups", nil, "participant attributes to report subgroups by (default: every extra column of participants.csv)")
	fl.IntVar(&cfg.MinCohort, "min-cohort", 100, "smallest linked cohort to evaluate")
	return cmd
}
