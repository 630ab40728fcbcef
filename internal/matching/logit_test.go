package matching

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func TestFitLalonde(t *testing.T) {
	l := loadLalonde(t)
	m, err := Fit(context.Background(), l.design(t), l.treated, PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	// R 4.2.2 glm(treat ~ age + educ + race + married + nodegree + re74 +
	// re75, family = binomial, data = lalonde), from
	// shared/reference/README.md. Tolerance 1e-5 relative.
	want := []struct {
		term string
		coef float64
	}{
		{"(Intercept)", -1.663281595},
		{"age", 0.01577707099},
		{"educ", 0.1613068770},
		{"race=hispan", -2.081734119},
		{"race=white", -3.065367729},
		{"married", -0.8321132713},
		{"nodegree", 0.7072968811},
		{"re74", -7.177668568e-05},
		{"re75", 5.344644639e-05},
	}
	if len(m.Terms) != len(want) {
		t.Fatalf("terms %v, want %d", m.Terms, len(want))
	}
	for k, w := range want {
		if m.Terms[k] != w.term {
			t.Errorf("term %d = %q, want %q", k, m.Terms[k], w.term)
		}
		if !relClose(m.Coefficients[k], w.coef, 1e-5) {
			t.Errorf("%s: coefficient %.10g, want %.10g (rel tol 1e-5)", w.term, m.Coefficients[k], w.coef)
		}
	}
	for i, e := range m.Logit {
		if p := 1 / (1 + math.Exp(-e)); math.Abs(p-m.Score[i]) > 1e-15 {
			t.Fatalf("unit %d: score %v is not the inverse logit of %v", i, m.Score[i], e)
		}
	}
}

func TestFitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 400
	treated := make([]bool, n)
	x := make([]float64, n)
	dummy := make([]float64, n)
	for i := range n {
		treated[i] = rng.Float64() < 0.3
		x[i] = rng.NormFloat64()
		// A level only comparison units hold.
		if !treated[i] && i%10 == 0 {
			dummy[i] = 1
		}
	}
	sep := make([]float64, n)
	for i := range n {
		if treated[i] {
			sep[i] = 1 + rng.Float64()
		} else {
			sep[i] = -rng.Float64()
		}
	}
	// Separation by two covariates jointly: neither alone separates.
	a, b := make([]float64, n), make([]float64, n)
	for i := range n {
		a[i], b[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	joint := make([]bool, n)
	for i := range n {
		joint[i] = a[i]+b[i] > 0
	}
	lalon := loadLalonde(t)
	cases := []struct {
		name      string
		build     func() (*Design, []bool)
		spec      PropensitySpec
		is        error
		covariate string
	}{
		{"dummy level held only by comparison units", func() (*Design, []bool) {
			d, _ := NewDesignBuilder(n).Numeric("x", x).Numeric("region=north", dummy).Build()
			return d, treated
		}, PropensitySpec{}, ErrSeparation, "region=north"},
		{"continuous covariate separates alone", func() (*Design, []bool) {
			d, _ := NewDesignBuilder(n).Numeric("x", x).Numeric("weeks_on_benefit", sep).Build()
			return d, treated
		}, PropensitySpec{}, ErrSeparation, "weeks_on_benefit"},
		{"two covariates separate jointly", func() (*Design, []bool) {
			d, _ := NewDesignBuilder(n).Numeric("x", x).Numeric("a", a).Numeric("b", b).Build()
			return d, joint
		}, PropensitySpec{}, ErrSeparation, ""},
		{"iteration limit", func() (*Design, []bool) {
			return lalon.design(t), lalon.treated
		}, PropensitySpec{MaxIterations: 2}, ErrNotConverged, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, tr := c.build()
			_, err := Fit(context.Background(), d, tr, c.spec)
			if !errors.Is(err, c.is) {
				t.Fatalf("error %v, want %v", err, c.is)
			}
			if c.covariate != "" {
				var se *SeparationError
				if !errors.As(err, &se) || se.Covariate != c.covariate {
					t.Fatalf("error %v does not name covariate %q", err, c.covariate)
				}
			}
			if c.is == ErrSeparation && c.covariate == "" {
				var se *SeparationError
				if !errors.As(err, &se) || (se.Covariate != "a" && se.Covariate != "b") {
					t.Fatalf("error %v should name a or b", err)
				}
			}
		})
	}
}

func TestFitConstantAndCollinear(t *testing.T) {
	l := loadLalonde(t)
	n := len(l.treated)
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 3
	}
	twice := make([]float64, n)
	for i, v := range l.cols["age"] {
		twice[i] = 2*v + 1
	}
	for _, c := range []struct {
		name, col string
		values    []float64
	}{
		{"constant", "cohort", ones},
		{"collinear", "age_again", twice},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := NewDesignBuilder(n).Numeric("age", l.cols["age"]).Numeric("educ", l.cols["educ"]).Numeric(c.col, c.values).Build()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Fit(context.Background(), d, l.treated, PropensitySpec{})
			if err == nil || !strings.Contains(err.Error(), c.col) {
				t.Fatalf("error %v should name %q", err, c.col)
			}
		})
	}
}
