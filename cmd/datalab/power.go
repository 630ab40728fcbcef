package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/trials/power"
)

// powerFlags are the flags every power command shares.
type powerFlags struct {
	n, pw, alpha, ratio float64
	alternative         string
	json                bool
}

func (f *powerFlags) add(cmd *cobra.Command) {
	cmd.Flags().Float64Var(&f.n, "n", 0, "participants in group 1 (group 2 has ratio × n); give it to solve for power or the effect")
	cmd.Flags().Float64Var(&f.pw, "power", 0, "power, e.g. 0.8; give it with the effect to solve for n, or with --n for the effect")
	cmd.Flags().Float64Var(&f.alpha, "alpha", 0.05, "significance level")
	cmd.Flags().Float64Var(&f.ratio, "ratio", 1, "allocation ratio n2/n1, e.g. 2 for twice as many in group 2")
	cmd.Flags().StringVar(&f.alternative, "alternative", "two.sided", "alternative hypothesis: two.sided, greater (effect > 0) or less (effect < 0)")
	cmd.Flags().BoolVar(&f.json, "json", false, "write the result as JSON")
}

func (f *powerFlags) problem(test power.Test) power.Problem {
	return power.Problem{Test: test, N1: f.n, Power: f.pw, Alpha: f.alpha, Ratio: f.ratio, Alternative: power.Alternative(f.alternative)}
}

func newPowerCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "power",
		Short: "Sample size, power and minimum detectable effect for a trial",
		Long: `power answers the three questions of trial design, for two groups:
how many people do I need (give the effect and --power), what power do I
have (give the effect and --n), and what is the smallest effect I can
detect, the MDE (give --n and --power, leave out the effect).

  datalab power two-proportions   an outcome that is a proportion (employed at week 52)
  datalab power two-means         a continuous outcome (earnings), effect in SD units
  datalab power cluster           randomising groups (job centres, advisers), not people

Figures agree with R's pwr package (pwr.2p.test, pwr.2p2n.test, pwr.t.test,
pwr.t2n.test) and stats::power.prop.test to 1e-3. n1 and n2 are per group:
the unrounded solution, and n1_required, n2_required rounded up.`,
	}
	cmd.AddCommand(newPowerTwoProportionsCmd(a), newPowerTwoMeansCmd(a), newPowerClusterCmd(a))
	return cmd
}

func newPowerTwoProportionsCmd(a *app) *cobra.Command {
	var f powerFlags
	var p1, p2, h float64
	var method string
	cmd := &cobra.Command{
		Use:   "two-proportions",
		Short: "Power for comparing two proportions (arcsine or normal approximation)",
		Long: `two-proportions is for a binary outcome compared between two groups, e.g.
the proportion employed at week 52 in the treatment (p1) and control (p2)
groups.

--method arcsine (default) works with Cohen's h = 2·asin(√p1) − 2·asin(√p2)
as pwr.2p.test does (Cohen 1988); --method normal uses the normal
approximation to p1 − p2 with pooled null variance (Fleiss, Levin & Paik
2003), as power.prop.test(strict = TRUE) does. The two differ by about 0.1%
in n for proportions near the middle and more near 0 or 1.

For the MDE give --p2 (the control group's expected proportion), --n and
--power: the answer is the p1 the trial could detect (above p2, or below
with --alternative less) and the effect.`,
		Example: `  # People per arm to detect 30% vs 25% with 80% power
  datalab power two-proportions --p1 0.30 --p2 0.25 --power 0.8 --json

  # Power with 1,000 per arm, twice as many controls, normal approximation
  datalab power two-proportions --p1 0.30 --p2 0.25 --n 1000 --ratio 2 --method normal

  # The smallest rise from a 25% baseline detectable with 800 per arm
  datalab power two-proportions --p2 0.25 --n 800 --power 0.8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := f.problem(power.TwoProportions)
			p.P1, p.P2, p.H, p.Method = p1, p2, h, power.Method(method)
			r, err := power.Solve(p)
			if err != nil {
				return err
			}
			return writePower(a.stdout, r, f.json)
		},
	}
	cmd.Flags().Float64Var(&p1, "p1", 0, "proportion in group 1 (e.g. treatment); leave out to solve for the detectable p1")
	cmd.Flags().Float64Var(&p2, "p2", 0, "proportion in group 2 (e.g. control)")
	cmd.Flags().Float64Var(&h, "h", 0, "Cohen's h instead of --p1 and --p2 (arcsine method)")
	cmd.Flags().StringVar(&method, "method", "arcsine", "arcsine (Cohen's h, as pwr) or normal (Fleiss, as power.prop.test)")
	f.add(cmd)
	return cmd
}

func newPowerTwoMeansCmd(a *app) *cobra.Command {
	var f powerFlags
	var d float64
	cmd := &cobra.Command{
		Use:   "two-means",
		Short: "Power for comparing two means (exact, noncentral t)",
		Long: `two-means is for a continuous outcome compared between two groups, e.g.
earnings in months 1–12. The effect is Cohen's d: the difference in means
divided by the common standard deviation (d = 0.2 is "small" in Cohen's
terms). Power is exact for the two-sample t test with pooled variance,
through the noncentral t distribution (Lenth's AS 243), as pwr.t.test and
pwr.t2n.test compute it.`,
		Example: `  # People per arm to detect d = 0.2 with 80% power
  datalab power two-means --d 0.2 --power 0.8 --json

  # Power with 300 per arm, one-sided
  datalab power two-means --d 0.2 --n 300 --alternative greater

  # The MDE (in SD units) with 500 treated and 1,000 controls
  datalab power two-means --n 500 --ratio 2 --power 0.8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := f.problem(power.TwoMeans)
			p.D = d
			r, err := power.Solve(p)
			if err != nil {
				return err
			}
			return writePower(a.stdout, r, f.json)
		},
	}
	cmd.Flags().Float64Var(&d, "d", 0, "Cohen's d, the difference in means over the common SD; leave out to solve for the MDE")
	f.add(cmd)
	return cmd
}

func newPowerClusterCmd(a *app) *cobra.Command {
	var f powerFlags
	var d, p1, p2, h, m, icc, cv, clusters float64
	var method string
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Power for a cluster-randomised trial (design effect)",
		Long: `cluster is for trials that randomise groups — job centres, advisers,
employers — rather than people. Outcomes of people in one cluster are
correlated (the intracluster correlation, ICC), so each person carries less
information: the individually randomised sample size is multiplied by the
design effect

  DE = 1 + (m − 1)·ICC                  clusters all of size m (Donner & Klar 2000)
  DE = 1 + ((cv² + 1)·m̄ − 1)·ICC        sizes varying with mean m̄ and coefficient
                                         of variation cv (Eldridge, Ashby & Kerry 2006)

Give the effect as for two-means (--d) or two-proportions (--p1, --p2 or
--h, with --method). Sizes can be given as people per arm (--n) or clusters
per arm (--clusters); the answer gives both, with clusters rounded up.`,
		Example: `  # Job centres of 40 claimants, ICC 0.02: centres per arm for 30% vs 25%
  datalab power cluster --p1 0.30 --p2 0.25 --m 40 --icc 0.02 --power 0.8 --json

  # Unequal caseloads (cv 0.6), d = 0.2, power with 30 advisers per arm
  datalab power cluster --d 0.2 --m 25 --cv 0.6 --icc 0.05 --clusters 30`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			test := power.TwoMeans
			if p1 != 0 || p2 != 0 || h != 0 {
				if d != 0 {
					return fmt.Errorf("power cluster: both --d and proportions given: give --d for a continuous outcome, or --p1/--p2/--h for a proportion")
				}
				test = power.TwoProportions
			}
			p := f.problem(test)
			p.D, p.P1, p.P2, p.H = d, p1, p2, h
			if test == power.TwoProportions {
				p.Method = power.Method(method)
			}
			p.Cluster = &power.Cluster{Size: m, ICC: icc, CV: cv, Clusters: clusters}
			r, err := power.Solve(p)
			if err != nil {
				return err
			}
			return writePower(a.stdout, r, f.json)
		},
	}
	cmd.Flags().Float64Var(&d, "d", 0, "Cohen's d (continuous outcome)")
	cmd.Flags().Float64Var(&p1, "p1", 0, "proportion in group 1 (binary outcome)")
	cmd.Flags().Float64Var(&p2, "p2", 0, "proportion in group 2 (binary outcome)")
	cmd.Flags().Float64Var(&h, "h", 0, "Cohen's h (binary outcome, arcsine method)")
	cmd.Flags().StringVar(&method, "method", "arcsine", "for proportions: arcsine or normal")
	cmd.Flags().Float64Var(&m, "m", 0, "mean number of people per cluster (required)")
	cmd.Flags().Float64Var(&icc, "icc", 0, "intracluster correlation coefficient (required), e.g. 0.02")
	cmd.Flags().Float64Var(&cv, "cv", 0, "coefficient of variation of cluster sizes (0 when all equal)")
	cmd.Flags().Float64Var(&clusters, "clusters", 0, "clusters in group 1, instead of --n")
	cmd.MarkFlagRequired("m")
	cmd.MarkFlagRequired("icc")
	f.add(cmd)
	return cmd
}

func writePower(w io.Writer, r power.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	name := map[power.Method]string{power.Arcsine: "arcsine (Cohen's h)", power.Normal: "normal approximation (Fleiss)", power.T: "exact noncentral t"}[r.Method]
	fmt.Fprintf(w, "%s, %s, %s, alpha %g; solved for %s\n", r.Test, name, r.Alternative, r.Alpha, r.SolvedFor)
	fmt.Fprintf(w, "  %-15s %.6g\n", "effect ("+r.EffectName+")", r.Effect)
	if r.P1 != 0 || r.P2 != 0 {
		fmt.Fprintf(w, "  %-15s %.6g, %.6g\n", "p1, p2", r.P1, r.P2)
	}
	fmt.Fprintf(w, "  %-15s %.6g\n", "power", r.Power)
	fmt.Fprintf(w, "  %-15s %.6g, %.6g (ratio %g)\n", "n1, n2", r.N1, r.N2, r.Ratio)
	fmt.Fprintf(w, "  %-15s %d + %d = %d\n", "to recruit", r.N1Required, r.N2Required, r.N1Required+r.N2Required)
	if r.DesignEffect != 0 {
		fmt.Fprintf(w, "  %-15s %.6g (m %g, ICC %g, cv %g)\n", "design effect", r.DesignEffect, r.ClusterSize, r.ICC, r.CV)
		fmt.Fprintf(w, "  %-15s %.6g, %.6g: %d + %d\n", "clusters", r.Clusters1, r.Clusters2, r.Clusters1Required, r.Clusters2Required)
	}
	return nil
}
