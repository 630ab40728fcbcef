package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// AnalysisSpec is a Spec plus the parts of a full analysis.
type AnalysisSpec struct {
	Spec
	By string // moderator column for a subgroup analysis; empty for none
}

// Analysis is a pooled model with its subgroup analysis, leave-one-out and
// Egger's test. Its JSON form has the overall model's fields at the top
// level (estimate, se, ci_low, ci_high, tau2, i2, q, pi_low, pi_high, k, …).
type Analysis struct {
	Fit
	Measure     effectsize.Measure `json:"measure,omitempty"`
	Source      string             `json:"source,omitempty"` // input name
	Studies     []Study            `json:"studies"`
	Back        *BackTransformed   `json:"exp,omitempty"` // ratio measures on the ratio scale
	Subgroups   *SubgroupTest      `json:"subgroups,omitempty"`
	LeaveOneOut []Omitted          `json:"leave_one_out,omitempty"`
	Egger       *Egger             `json:"egger,omitempty"`
	Warnings    []string           `json:"warnings,omitempty"`
}

// BackTransformed holds the pooled ratio and its intervals (exp of the log
// scale) for RR and OR.
type BackTransformed struct {
	Estimate float64 `json:"estimate"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	PILow    float64 `json:"pi_low"`
	PIHigh   float64 `json:"pi_high"`
}

// Analyse pools the studies with spec, then runs the subgroup analysis (when
// spec.By is set), leave-one-out (k ≥ 3) and Egger's test (k ≥ 3). The parts
// that do not apply are left out with a warning rather than failing.
func Analyse(ctx context.Context, studies []Study, m effectsize.Measure, spec AnalysisSpec) (*Analysis, error) {
	f, err := Pool(studies, spec.Spec)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Fit: f, Measure: m, Studies: studies}
	if m.IsRatio() {
		a.Back = &BackTransformed{math.Exp(f.Estimate), math.Exp(f.CILow), math.Exp(f.CIHigh), math.Exp(f.PILow), math.Exp(f.PIHigh)}
	}
	if spec.By != "" {
		t, err := Subgroups(studies, spec.By, f.Spec)
		if err != nil {
			return nil, err
		}
		a.Subgroups = t
	}
	if len(studies) >= 3 {
		if a.LeaveOneOut, err = LeaveOneOut(ctx, studies, f.Spec); err != nil {
			return nil, err
		}
		if a.Egger, err = EggerTest(studies); err != nil {
			a.Warnings = append(a.Warnings, err.Error())
		}
	} else {
		a.Warnings = append(a.Warnings, fmt.Sprintf("%d studies: leave-one-out and Egger's test need at least 3", len(studies)))
	}
	if len(studies) < 10 && a.Egger != nil {
		a.Warnings = append(a.Warnings, fmt.Sprintf("Egger's test has low power with %d studies (fewer than 10)", len(studies)))
	}
	return a, nil
}

// AnalyseTable analyses an effects table read by effectsize.ReadTable,
// taking the moderator for spec.By from the table's columns.
func AnalyseTable(ctx context.Context, t *effectsize.Table, name string, spec AnalysisSpec) (*Analysis, error) {
	studies := make([]Study, len(t.Rows))
	by := strings.ToLower(spec.By)
	for i, r := range t.Rows {
		studies[i] = Study{Label: r.Study, Yi: r.Effect.Yi, Vi: r.Effect.Vi}
		if by != "" {
			g, ok := r.Attrs[by]
			if !ok {
				return nil, fmt.Errorf("meta: %s has no column %q for --by; choose one of its columns", name, spec.By)
			}
			if g == "" {
				return nil, fmt.Errorf("meta: %s line %d: moderator %q is empty; fill it in or drop the row", name, r.Line, spec.By)
			}
			studies[i].Group = g
		}
	}
	spec.By = by
	a, err := Analyse(ctx, studies, t.Measure, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	a.Source = name
	return a, nil
}

// WriteJSON writes the analysis as indented JSON.
func (a *Analysis) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}

// ModelName describes the model in words, e.g. "random effects (REML) with
// Hartung–Knapp adjustment".
func (f Fit) ModelName() string {
	var s string
	switch f.Spec.Method {
	case FixedEffect:
		s = "fixed effect (inverse variance)"
	case DL:
		s = "random effects (DerSimonian–Laird)"
	default:
		s = "random effects (REML)"
	}
	if f.Spec.KnHa {
		s += " with Hartung–Knapp–Sidik–Jonkman adjustment"
	}
	return s
}

// WriteText writes a readable report: the studies with their weights, the
// pooled estimate, heterogeneity, prediction interval, subgroups,
// leave-one-out and Egger's test.
func (a *Analysis) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	lvl := 100 * a.Spec.Level
	ew.printf("Meta-analysis: %s, k = %d", a.ModelName(), a.K)
	if a.Measure != "" {
		ew.printf(", measure %s (%s)", a.Measure, a.Measure.Describe())
	}
	ew.printf("\n\n")
	tw := tabwriter.NewWriter(ew, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "study\tyi\tse\t%.0f%% CI\tweight %%\t\n", lvl)
	for i, s := range a.Studies {
		z := distuv.UnitNormal.Quantile(0.5 + a.Spec.Level/2)
		se := math.Sqrt(s.Vi)
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f to %.4f\t%.2f\t\n", s.Label, s.Yi, se, s.Yi-z*se, s.Yi+z*se, a.Weights[i])
	}
	tw.Flush()
	test := "z"
	if a.DF > 0 {
		test = fmt.Sprintf("t(%d)", a.DF)
	}
	ew.printf("\nPooled estimate %.4f (SE %.4f), %.0f%% CI %.4f to %.4f, %s = %.4f, p %s\n",
		a.Estimate, a.SE, lvl, a.CILow, a.CIHigh, test, a.Stat, pval(a.P))
	if a.Back != nil {
		ew.printf("On the ratio scale: %.4f, %.0f%% CI %.4f to %.4f, prediction interval %.4f to %.4f\n",
			a.Back.Estimate, lvl, a.Back.CILow, a.Back.CIHigh, a.Back.PILow, a.Back.PIHigh)
	}
	ew.printf("Heterogeneity: tau^2 = %.4f (tau = %.4f), I^2 = %.2f%%, H^2 = %.2f, Q(%d) = %.4f, p %s\n",
		a.Tau2, a.Tau, a.I2, a.H2, a.QDF, a.Q, pval(a.QP))
	ew.printf("Prediction interval (%.0f%%): %.4f to %.4f\n", lvl, a.PILow, a.PIHigh)
	if t := a.Subgroups; t != nil {
		ew.printf("\nSubgroups by %s (each with its own tau^2):\n", t.By)
		tw := tabwriter.NewWriter(ew, 2, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\tk\testimate\tse\t%.0f%% CI\ttau^2\tI^2 %%\t\n", t.By, lvl)
		for _, g := range t.Groups {
			f := g.Fit
			fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t%.4f to %.4f\t%.4f\t%.2f\t\n", g.Level, f.K, f.Estimate, f.SE, f.CILow, f.CIHigh, f.Tau2, f.I2)
		}
		tw.Flush()
		ew.printf("Test of subgroup differences: Q_between(%d) = %.4f, p %s\n", t.DF, t.QBetween, pval(t.P))
		for _, m := range t.Warnings {
			ew.printf("note: %s\n", m)
		}
	}
	if len(a.LeaveOneOut) > 0 {
		ew.printf("\nLeave-one-out:\n")
		tw := tabwriter.NewWriter(ew, 2, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "omitted\testimate\tse\t%.0f%% CI\ttau^2\tI^2 %%\t\n", lvl)
		for _, o := range a.LeaveOneOut {
			f := o.Fit
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f to %.4f\t%.4f\t%.2f\t\n", o.Study, f.Estimate, f.SE, f.CILow, f.CIHigh, f.Tau2, f.I2)
		}
		tw.Flush()
	}
	if e := a.Egger; e != nil {
		ew.printf("\nEgger's regression test: intercept %.4f (SE %.4f), t(%d) = %.4f, p %s\n", e.Intercept, e.SE, e.DF, e.T, pval(e.P))
	}
	for _, m := range a.Warnings {
		ew.printf("note: %s\n", m)
	}
	return ew.err
}

// pval formats a p-value with its relation: "= 0.1887" or "< 0.0001".
func pval(p float64) string {
	if p < 1e-4 {
		return "< 0.0001"
	}
	return fmt.Sprintf("= %.4f", p)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
