package meta

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// referenceDir finds shared/reference by walking up from the package
// directory (the repo is cloned with shared/ beside it). It fails, never
// skips, when the reference data are missing.
func referenceDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, cand := range []string{filepath.Join(d, "shared", "reference"), filepath.Join(d, "..", "shared", "reference")} {
			if _, err := os.Stat(filepath.Join(cand, "bcg.csv")); err == nil {
				return cand
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	t.Fatalf("reference data not found: no shared/reference/bcg.csv beside any directory above %s; "+
		"clone the shared folder beside the repository (CI does) so the metafor figures can be checked", dir)
	return ""
}

// bcgStudies reads the BCG trials as log risk ratios.
func bcgStudies(t *testing.T) []Study {
	t.Helper()
	path := filepath.Join(referenceDir(t), "bcg.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := effectsize.ReadTable(f, path, effectsize.RR)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 13 {
		t.Fatalf("bcg.csv: %d trials, want 13", len(tab.Rows))
	}
	out := make([]Study, len(tab.Rows))
	for i, r := range tab.Rows {
		out[i] = Study{Label: r.Study, Yi: r.Effect.Yi, Vi: r.Effect.Vi, Group: r.Attrs["alloc"]}
	}
	return out
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if d := math.Abs(got - want); !(d <= tol || d <= tol*math.Abs(want)) {
		t.Errorf("%s = %.10g, want %.10g (tolerance %g abs-or-rel)", what, got, want, tol)
	}
}

// TestBCGReference checks the figures in shared/reference/README.md
// (metafor 3.8-1, R 4.2.2) to 1e-4.
func TestBCGReference(t *testing.T) {
	studies := bcgStudies(t)
	const tol = 1e-4

	reml, err := Pool(studies, Spec{Method: REML})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "REML estimate", reml.Estimate, -0.7145323, tol)
	near(t, "REML SE", reml.SE, 0.1797815, tol)
	near(t, "REML tau2", reml.Tau2, 0.3132433, tol)
	near(t, "REML I2", reml.I2, 92.22139, tol)
	near(t, "REML Q", reml.Q, 152.233, tol)
	near(t, "REML CI low", reml.CILow, -1.0669, tol)
	near(t, "REML CI high", reml.CIHigh, -0.3622, tol)
	near(t, "REML PI low", reml.PILow, -1.8667, tol)
	near(t, "REML PI high", reml.PIHigh, 0.4376, tol)
	if reml.K != 13 || reml.QDF != 12 {
		t.Errorf("k = %d, Q df = %d, want 13 and 12", reml.K, reml.QDF)
	}

	dl, err := Pool(studies, Spec{Method: DL})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "DL estimate", dl.Estimate, -0.7141172, tol)
	near(t, "DL SE", dl.SE, 0.1787421, tol)
	near(t, "DL tau2", dl.Tau2, 0.3087603, tol)

	hk, err := Pool(studies, Spec{Method: REML, KnHa: true})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "REML+HK CI low", hk.CILow, -1.108444, tol)
	near(t, "REML+HK CI high", hk.CIHigh, -0.320621, tol)
	if hk.DF != 12 {
		t.Errorf("Hartung–Knapp df = %d, want 12", hk.DF)
	}
}

// TestBCGMetaforMore checks further metafor 3.8-1 figures on the BCG trials,
// printed by testdata/reference.R into testdata/reference.out.
func TestBCGMetaforMore(t *testing.T) {
	studies := bcgStudies(t)
	cases := []struct {
		name                                 string
		spec                                 Spec
		est, se, lo, hi, tau2, i2, h2, q, qp float64
		pil, pih, p                          float64
	}{
		{"FE", Spec{Method: FixedEffect}, -0.43028516, 0.04049875, math.NaN(), math.NaN(), 0, 92.11734685, 12.68608401, 152.2330080824, 1.996764591e-26, math.NaN(), math.NaN(), math.NaN()},
		{"DL", Spec{Method: DL}, -0.7141172221, 0.1787420895, -1.0644452801, -0.3637891641, 0.3087602629, 92.1173468546, 12.6860840069, 152.2330080824, 1.996764591e-26, -1.8581537527, 0.4299193086, 6.462924305e-05},
		{"REML", Spec{Method: REML}, -0.7145323484, 0.1797815318, -1.0668976757, -0.3621670210, 0.3132433260, 92.2213860750, 12.8557608031, 152.2330080824, 1.996764591e-26, -1.8666923466, 0.4376276499, 7.054267349e-05},
		{"REML+knha", Spec{Method: REML, KnHa: true}, -0.7145323484, 0.1807917455, -1.1084437230, -0.3206209737, 0.3132433260, 92.2213860750, 12.8557608031, 152.2330080824, 1.996764591e-26, -1.9960169670, 0.5669522703, 0.001920015085},
		{"DL+knha", Spec{Method: DL, KnHa: true}, -0.7141172221, 0.1806966283, -1.1078213542, -0.3204130900, 0.3087602629, 92.1173468546, 12.6860840069, 152.2330080824, 1.996764591e-26, -1.9872069634, 0.5589725193, 0.001920766767},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Pool(studies, c.spec)
			if err != nil {
				t.Fatal(err)
			}
			const tol = 1e-6 // REML converges to 1e-10 here; metafor stops at 1e-5 on tau2
			chk := func(what string, got, want, tol float64) {
				if !math.IsNaN(want) {
					near(t, what, got, want, tol)
				}
			}
			chk("estimate", f.Estimate, c.est, tol)
			chk("se", f.SE, c.se, tol)
			chk("ci low", f.CILow, c.lo, tol)
			chk("ci high", f.CIHigh, c.hi, tol)
			chk("tau2", f.Tau2, c.tau2, tol)
			chk("I2", f.I2, c.i2, tol)
			chk("H2", f.H2, c.h2, tol)
			chk("Q", f.Q, c.q, tol)
			chk("Q p", f.QP, c.qp, 1e-3)
			chk("PI low", f.PILow, c.pil, tol)
			chk("PI high", f.PIHigh, c.pih, tol)
			chk("p", f.P, c.p, 1e-4)
		})
	}
}

func TestBCGLeaveOneOutEggerSubgroups(t *testing.T) {
	studies := bcgStudies(t)
	// metafor 3.8-1 leave1out(rma(..., method = "REML")), first three rows
	// (testdata/reference.out).
	l1o := []struct{ est, se, tau2, i2, q float64 }{
		{-0.7070837880, 0.1899610247, 0.3361567453, 93.2259349111, 151.5825727471},
		{-0.6540312004, 0.1806953866, 0.2925830856, 92.2539555055, 145.3176076702},
		{-0.6855544180, 0.1857062271, 0.3207380569, 92.9354144023, 150.1970444580},
	}
	got, err := LeaveOneOut(context.Background(), studies, Spec{Method: REML})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 13 {
		t.Fatalf("leave-one-out gave %d fits, want 13", len(got))
	}
	for i, w := range l1o {
		f := got[i].Fit
		near(t, "L1O estimate", f.Estimate, w.est, 1e-6)
		near(t, "L1O se", f.SE, w.se, 1e-6)
		near(t, "L1O tau2", f.Tau2, w.tau2, 1e-6)
		near(t, "L1O I2", f.I2, w.i2, 1e-6)
		near(t, "L1O Q", f.Q, w.q, 1e-6)
	}

	// metafor 3.8-1 regtest(model = "lm"): t = -1.4012820023, df 11, p =
	// 0.1887069951; lm(yi/sei ~ I(1/sei)) intercept -2.1120421209, SE 1.5072213284.
	e, err := EggerTest(studies)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Egger t", e.T, -1.4012820023, 1e-8)
	near(t, "Egger p", e.P, 0.1887069951, 1e-8)
	near(t, "Egger intercept", e.Intercept, -2.1120421209, 1e-8)
	near(t, "Egger SE", e.SE, 1.5072213284, 1e-8)
	if e.DF != 11 {
		t.Errorf("Egger df = %d, want 11", e.DF)
	}

	// Subgroups by allocation, REML within each, Q-between by a fixed-effect
	// model on the subgroup estimates (metafor 3.8-1, testdata/reference.R).
	sg, err := Subgroups(studies, "alloc", Spec{Method: REML})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][4]float64{
		"alternate":  {2, -0.5407929618, 0.2816016131, 0.1325770399},
		"random":     {7, -0.9709644758, 0.2759557015, 0.3925265491},
		"systematic": {4, -0.4242073430, 0.3597453874, 0.4003462968},
	}
	if len(sg.Groups) != 3 {
		t.Fatalf("%d subgroups, want 3", len(sg.Groups))
	}
	for _, g := range sg.Groups {
		w := want[g.Level]
		if float64(g.Fit.K) != w[0] {
			t.Errorf("subgroup %s k = %d, want %v", g.Level, g.Fit.K, w[0])
		}
		near(t, "subgroup "+g.Level+" estimate", g.Fit.Estimate, w[1], 1e-6)
		near(t, "subgroup "+g.Level+" se", g.Fit.SE, w[2], 1e-6)
		near(t, "subgroup "+g.Level+" tau2", g.Fit.Tau2, w[3], 1e-5) // metafor stops REML when tau2 moves < 1e-5
	}
	near(t, "Q between", sg.QBetween, 1.8614461412, 1e-6)
	near(t, "Q between p", sg.P, 0.3942685233, 1e-6)
	if sg.DF != 2 {
		t.Errorf("Q between df = %d, want 2", sg.DF)
	}
}

// TestInvariants checks relations that must hold whatever the data.
func TestInvariants(t *testing.T) {
	studies := bcgStudies(t)
	fe, _ := Pool(studies, Spec{Method: FixedEffect})
	dl, _ := Pool(studies, Spec{Method: DL})
	// With tau2 fixed at zero, REML, DL and FE agree: homogeneous studies.
	same := []Study{{"a", 0.1, 0.04, ""}, {"b", 0.1, 0.09, ""}, {"c", 0.1, 0.01, ""}}
	for _, m := range []Method{FixedEffect, DL, REML} {
		f, err := Pool(same, Spec{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		near(t, string(m)+" homogeneous estimate", f.Estimate, 0.1, 1e-12)
		near(t, string(m)+" homogeneous tau2", f.Tau2, 0, 1e-12)
		near(t, string(m)+" homogeneous I2", f.I2, 0, 1e-9)
	}
	// The weights sum to 100%, and random effects spread them more evenly.
	near(t, "sum of weights", sum(dl.Weights), 100, 1e-9)
	if max(dl.Weights...) >= max(fe.Weights...) {
		t.Errorf("largest DL weight %.2f%% not below largest FE weight %.2f%%", max(dl.Weights...), max(fe.Weights...))
	}
	// One study: the pooled estimate is the study.
	one, err := Pool(studies[:1], Spec{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "k=1 estimate", one.Estimate, studies[0].Yi, 1e-12)
	near(t, "k=1 se", one.SE, math.Sqrt(studies[0].Vi), 1e-12)
}

func max(x ...float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name    string
		studies []Study
		spec    Spec
	}{
		{"no studies", nil, Spec{}},
		{"zero variance", []Study{{"a", 1, 0, ""}, {"b", 1, 1, ""}}, Spec{}},
		{"NaN estimate", []Study{{"a", math.NaN(), 1, ""}}, Spec{}},
		{"unknown method", []Study{{"a", 1, 1, ""}}, Spec{Method: "PM"}},
		{"bad level", []Study{{"a", 1, 1, ""}}, Spec{Level: 95}},
		{"knha with one study", []Study{{"a", 1, 1, ""}}, Spec{KnHa: true}},
	}
	for _, c := range cases {
		if _, err := Pool(c.studies, c.spec); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if _, err := EggerTest([]Study{{"a", 1, 1, ""}, {"b", 2, 2, ""}}); err == nil {
		t.Error("Egger with 2 studies: no error")
	}
	if _, err := Subgroups([]Study{{"a", 1, 1, "x"}, {"b", 2, 2, "x"}}, "g", Spec{}); err == nil {
		t.Error("subgroups with one level: no error")
	}
}

func TestAnalyseTableBy(t *testing.T) {
	path := filepath.Join(referenceDir(t), "bcg.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := effectsize.ReadTable(f, path, effectsize.RR)
	if err != nil {
		t.Fatal(err)
	}
	a, err := AnalyseTable(context.Background(), tab, "bcg.csv", AnalysisSpec{By: "ALLOC"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Subgroups == nil || len(a.Subgroups.Groups) != 3 || a.Egger == nil || len(a.LeaveOneOut) != 13 {
		t.Fatalf("analysis incomplete: %+v", a)
	}
	near(t, "exp(estimate)", a.Back.Estimate, math.Exp(-0.7145323), 1e-4)
	if _, err := AnalyseTable(context.Background(), tab, "bcg.csv", AnalysisSpec{By: "nosuch"}); err == nil {
		t.Error("--by with a missing column: no error")
	}
}
