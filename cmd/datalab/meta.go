package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
	"github.com/employment-data-lab/datalab/internal/evidence/meta"
	"github.com/employment-data-lab/datalab/internal/evidence/metaplot"
)

func newMetaCmd(a *app) *cobra.Command {
	var (
		effects, method, measure, by, forest, funnel string
		knha, asJSON                                 bool
		level                                        float64
	)
	cmd := &cobra.Command{
		Use:   "meta --effects FILE",
		Short: "Pool study effect sizes: fixed or random effects, heterogeneity, subgroups, Egger's test",
		Long: `meta pools the effects of several studies into one estimate, as R's metafor
rma() does, and says how much the studies disagree.

The CSV has one row per study and one of these column sets:

  study, yi, vi              effects already computed (vi the sampling variance)
  study, yi, se              ... or with their standard errors
  study, tpos, tneg, cpos, cneg
                             2x2 counts (treated with/without the outcome,
                             comparison with/without); choose --measure RD
                             (risk difference, percentage points), RR (log
                             risk ratio) or OR (log odds ratio)
  study, m1i, sd1i, n1i, m2i, sd2i, n2i
                             means, SDs and sizes; --measure SMD (Hedges' g)
                             or MD (mean difference)

Any other column can be a moderator for --by. Without a study column the
label is "author year" (metafor's dat.bcg layout) or "trial N".

Methods (--method): fe (fixed effect, inverse variance), dl (DerSimonian–Laird
random effects) or reml (restricted maximum likelihood, the default, as
metafor). --knha applies the Hartung–Knapp–Sidik–Jonkman adjustment: a wider,
t-based interval that holds its coverage with few studies; prefer it when
there are fewer than about 10.

The report gives the pooled estimate with its CI; τ² (between-study
variance), I² (the share of variation due to real differences), Q and its
test; the prediction interval (where a new study's true effect would fall);
leave-one-out; Egger's test for small-study effects; and with --by the
subgroup estimates and the test of their differences. For RR and OR the
estimate is on the log scale and also shown as a ratio.

The figures agree with metafor 3.8-1 (checked to 1e-4 on the BCG trials in
the test suite).`,
		Example: `  # The BCG vaccine trials, log risk ratios, REML (metafor's default)
  datalab meta --effects ../shared/reference/bcg.csv --measure RR

  # DerSimonian–Laird with Hartung–Knapp, subgroups by allocation, JSON
  datalab meta --effects bcg.csv --measure RR --method dl --knha --by alloc --json

  # Forest and funnel plots
  datalab meta --effects effects.csv --forest forest.svg --funnel funnel.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if effects == "" {
				return fmt.Errorf("meta: --effects FILE is required: a CSV of studies (see datalab meta --help)")
			}
			m, err := meta.ParseMethod(method)
			if err != nil {
				return err
			}
			var ms effectsize.Measure
			if measure != "" {
				if ms, err = effectsize.ParseMeasure(measure); err != nil {
					return err
				}
			}
			f, err := os.Open(effects)
			if err != nil {
				return fmt.Errorf("meta: %w", err)
			}
			defer f.Close()
			tab, err := effectsize.ReadTable(f, effects, ms)
			if err != nil {
				return err
			}
			an, err := meta.AnalyseTable(cmd.Context(), tab, filepath.Base(effects),
				meta.AnalysisSpec{Spec: meta.Spec{Method: m, KnHa: knha, Level: level}, By: by})
			if err != nil {
				return err
			}
			xlabel := "effect"
			if ms != "" {
				xlabel = ms.Describe()
			}
			for _, p := range []struct {
				path string
				draw func(*meta.Analysis, string, string) ([]byte, error)
				what string
			}{{forest, metaplot.Forest, "Forest plot"}, {funnel, metaplot.Funnel, "Funnel plot"}} {
				if p.path == "" {
					continue
				}
				svg, err := p.draw(an, p.what+": "+filepath.Base(effects), xlabel)
				if err != nil {
					return err
				}
				if err := os.WriteFile(p.path, svg, 0o644); err != nil {
					return fmt.Errorf("meta: write %s: %w", p.path, err)
				}
				a.log.Info("wrote plot", "file", p.path)
			}
			if asJSON {
				return an.WriteJSON(a.stdout)
			}
			return an.WriteText(a.stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&effects, "effects", "", "CSV of studies: study,yi,vi (or se), or counts, or means (see above)")
	fl.StringVar(&method, "method", "reml", "tau^2 estimator: fe, dl or reml")
	fl.BoolVar(&knha, "knha", false, "Hartung–Knapp–Sidik–Jonkman adjustment (t-based CI on k-1 df)")
	fl.StringVar(&measure, "measure", "", "effect measure: RD, RR, OR (from counts), SMD, MD (from means); labels yi otherwise")
	fl.StringVar(&by, "by", "", "moderator column for a subgroup analysis")
	fl.Float64Var(&level, "level", 0.95, "confidence level")
	fl.BoolVar(&asJSON, "json", false, "write JSON (estimate, se, ci_low, ci_high, tau2, i2, q, pi_low, pi_high, k, ...)")
	fl.StringVar(&forest, "forest", "", "write a forest plot to this SVG file")
	fl.StringVar(&funnel, "funnel", "", "write a funnel plot to this SVG file")
	return cmd
}
