package effectsize

import (
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if d := math.Abs(got - want); !(d <= tol || d <= tol*math.Abs(want)) {
		t.Errorf("%s = %.10g, want %.10g (tolerance %g abs-or-rel)", what, got, want, tol)
	}
}

// Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to
// Meta-Analysis, worked examples: ch. 4 (means: X1 = 103, X2 = 100, S1 = 5.5,
// S2 = 4.5, n = 50 each) and ch. 5 (binary: 5/100 treated events, 10/100
// control events). The book prints four decimals; the tolerance is 5e-5.
func TestBorensteinWorkedExamples(t *testing.T) {
	const book = 5e-5
	m := Means{M1: 103, SD1: 5.5, N1: 50, M2: 100, SD2: 4.5, N2: 50}
	d, vd, err := CohensD(m)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "d (Borenstein 4.18)", d, 0.5970, book)
	near(t, "V_d (4.20)", vd, 0.0418, book)
	near(t, "J (4.22, approx 1-3/(4df-1))", HedgesJ(98), 0.9923, book)
	g, err := StandardisedMeanDifference(m)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "g (4.23)", g.Yi, 0.5924, book)
	md, err := MeanDifference(m)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "MD", md.Yi, 3, 1e-12)
	near(t, "SE of MD (4.5, equal n)", md.SE(), 1.0050, book)

	tab := Table2x2{5, 95, 10, 90}
	rr, _ := LogRiskRatio(tab)
	near(t, "log RR (5.1)", rr.Yi, -0.6931, book)
	near(t, "V log RR (5.3)", rr.Vi, 0.2800, book)
	or, _ := LogOddsRatio(tab)
	near(t, "log OR (5.8)", or.Yi, -0.7472, book)
	near(t, "V log OR (5.9)", or.Vi, 0.3216, book)
	rd, _ := RiskDifference(tab)
	near(t, "RD in pp (5.13 x 100)", rd.Yi, -5.00, book)
	near(t, "SE RD in pp (5.15 x 100)", rd.SE(), 3.71, 5e-3)

	// Borenstein et al. (2009), ch. 7 worked example: log OR 0.9069 with
	// variance 0.0676 converts to d = 0.5000, V_d = 0.0205.
	conv, err := LogOddsRatioToSMD(Effect{Measure: OR, Yi: 0.9069, Vi: 0.0676})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "d from log OR (7.1)", conv.Yi, 0.5000, book)
	near(t, "V_d from log OR (7.2)", conv.Vi, 0.0205, book)
	back, _ := SMDToLogOddsRatio(conv)
	near(t, "round trip log OR", back.Yi, 0.9069, 1e-12)
	near(t, "round trip V", back.Vi, 0.0676, 1e-12)
}

// metafor 3.8-1 escalc() on the same examples, and with a zero cell
// (internal/evidence/meta/testdata/reference.R; RD there is a proportion).
func TestMetaforEscalc(t *testing.T) {
	m := Means{M1: 103, SD1: 5.5, N1: 50, M2: 100, SD2: 4.5, N2: 50}
	g, _ := StandardisedMeanDifference(m)
	near(t, "SMD yi", g.Yi, 0.5924396230, 1e-9)
	near(t, "SMD vi", g.Vi, 0.0417549235, 1e-9)
	md, _ := MeanDifference(m)
	near(t, "MD vi", md.Vi, 1.01, 1e-12)
	cases := []struct {
		m      Measure
		tab    Table2x2
		yi, vi float64
	}{
		{RR, Table2x2{5, 95, 10, 90}, -0.6931471806, 0.2800000000},
		{RR, Table2x2{0, 20, 4, 16}, -2.1972245773, 2.1269841270},
		{OR, Table2x2{5, 95, 10, 90}, -0.7472144018, 0.3216374269},
		{OR, Table2x2{0, 20, 4, 16}, -2.4142890826, 2.3316087706},
		{RD, Table2x2{5, 95, 10, 90}, -0.0500000000 * 100, 0.0013750000 * 1e4},
		{RD, Table2x2{0, 20, 4, 16}, -0.1904761905 * 100, 0.0091242846 * 1e4},
	}
	for _, c := range cases {
		e, err := FromCounts(c.m, c.tab)
		if err != nil {
			t.Fatal(err)
		}
		near(t, string(c.m)+" yi", e.Yi, c.yi, 1e-9)
		near(t, string(c.m)+" vi", e.Vi, c.vi, 1e-8) // printed to 10 decimals as a proportion
	}
}

func TestFromCIAndSE(t *testing.T) {
	// A risk ratio of 0.5 with 95% CI exp(log 0.5 ± 1.959964 x 0.52915)
	// recovers SE 0.52915 = sqrt(0.28) (the ch. 5 example).
	se := math.Sqrt(0.28)
	lo, hi := math.Exp(math.Log(0.5)-1.959963985*se), math.Exp(math.Log(0.5)+1.959963985*se)
	e, err := FromCI(RR, 0.5, lo, hi, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "log RR from CI", e.Yi, math.Log(0.5), 1e-12)
	near(t, "SE from CI", e.SE(), se, 1e-8)
	// A 90% interval 1.2 to 4.8 around 3 (pp): SE = 3.6/(2 x 1.644854).
	e, err = FromCI(RD, 3, 1.2, 4.8, 0.90)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "SE from 90% CI", e.SE(), 3.6/(2*1.6448536270), 1e-9)
	e, err = FromSE(OR, 2, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "log OR from SE", e.Yi, math.Log(2), 1e-12)
	near(t, "vi from SE", e.Vi, 0.01, 1e-12)
}

func TestRiskDifferenceAt(t *testing.T) {
	// RR 1.25 at a 40% comparison rate is 10 pp; delta-method SE = 100 x 0.5
	// x SE(log RR).
	e, err := RiskDifferenceAt(Effect{Measure: RR, Yi: math.Log(1.25), Vi: 0.01}, 0.40)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RD from RR", e.Yi, 10, 1e-9)
	near(t, "SE RD from RR", e.SE(), 100*0.5*0.1, 1e-9)
	// OR 1.5 at 40%: p1 = 0.6/1.2 = 0.5, RD 10 pp, SE = 100 x 0.25 x 0.2.
	e, err = RiskDifferenceAt(Effect{Measure: OR, Yi: math.Log(1.5), Vi: 0.04}, 0.40)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RD from OR", e.Yi, 10, 1e-9)
	near(t, "SE RD from OR", e.SE(), 5, 1e-9)
	if _, err := RiskDifferenceAt(Effect{Measure: RR, Yi: math.Log(3), Vi: 0.01}, 0.5); err == nil {
		t.Error("RR 3 at 50% implies risk 1.5: no error")
	}
	if _, err := RiskDifferenceAt(Effect{Measure: SMD, Yi: 0.2, Vi: 0.01}, 0.5); err == nil {
		t.Error("SMD to RD: no error")
	}
}

func TestBadInputs(t *testing.T) {
	if _, err := FromCounts(RR, Table2x2{0, 0, 1, 1}); err == nil {
		t.Error("empty treated arm: no error")
	}
	if _, err := FromCounts(SMD, Table2x2{1, 1, 1, 1}); err == nil {
		t.Error("SMD from counts: no error")
	}
	if _, err := StandardisedMeanDifference(Means{1, 0, 10, 1, 1, 10}); err == nil {
		t.Error("zero SD: no error")
	}
	if _, err := FromCI(RR, 2, 3, 4, 0.95); err == nil {
		t.Error("estimate outside CI: no error")
	}
	if _, err := FromCI(RR, -1, -2, 1, 0.95); err == nil {
		t.Error("negative ratio: no error")
	}
	if _, err := FromSE(RD, 1, 0); err == nil {
		t.Error("zero SE: no error")
	}
	if _, err := ParseMeasure("hr"); err == nil {
		t.Error("unknown measure: no error")
	}
}

func TestReadTable(t *testing.T) {
	cases := []struct {
		name, csv string
		m         Measure
		k         int
		first     Effect
		label     string
	}{
		{"yi vi", "study,yi,vi,region\nA,0.1,0.01,north\nB,0.2,0.04,south\n", "", 2, Effect{Yi: 0.1, Vi: 0.01}, "A"},
		{"yi se", "study,yi,se\nA,0.1,0.1\n", SMD, 1, Effect{Measure: SMD, Yi: 0.1, Vi: 0.01}, "A"},
		{"counts", "author,year,tpos,tneg,cpos,cneg\nSmith,2001,5,95,10,90\n", RR, 1, Effect{Measure: RR, Yi: math.Log(0.5), Vi: 0.28}, "Smith 2001"},
		{"means", "trial,m1i,sd1i,n1i,m2i,sd2i,n2i\n7,103,5.5,50,100,4.5,50\n", MD, 1, Effect{Measure: MD, Yi: 3, Vi: 1.01}, "trial 7"},
	}
	for _, c := range cases {
		tab, err := ReadTable(strings.NewReader(c.csv), c.name, c.m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(tab.Rows) != c.k || tab.Rows[0].Study != c.label {
			t.Fatalf("%s: %d rows, first %q; want %d, %q", c.name, len(tab.Rows), tab.Rows[0].Study, c.k, c.label)
		}
		near(t, c.name+" yi", tab.Rows[0].Effect.Yi, c.first.Yi, 1e-12)
		near(t, c.name+" vi", tab.Rows[0].Effect.Vi, c.first.Vi, 1e-12)
	}
	bad := []struct{ name, csv string }{
		{"no columns", "a,b\n1,2\n"},
		{"empty", ""},
		{"header only", "study,yi,vi\n"},
		{"not a number", "study,yi,vi\nA,x,1\n"},
		{"counts without measure", "study,tpos,tneg,cpos,cneg\nA,1,2,3,4\n"},
	}
	for _, c := range bad {
		_, err := ReadTable(strings.NewReader(c.csv), "in.csv", "")
		if err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.Contains(err.Error(), "in.csv") {
			t.Errorf("%s: error %q does not name the file", c.name, err)
		}
	}
	_, err := ReadTable(strings.NewReader("study,yi,vi\nA,1,1\nB,x,1\n"), "in.csv", "")
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "yi") {
		t.Errorf("bad cell error %v should name line 3 and column yi", err)
	}
}
