package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func weekPtr(w int) *int { return &w }

func good() Plan {
	return Plan{Trial: "t1", PrimaryOutcome: "employed", HorizonWeek: weekPtr(52),
		Covariates: []string{"weeks_employed_104", "age", "site"}, Subgroups: []string{"sex"}, MDE: 0.05}
}

func TestValidate(t *testing.T) {
	p := good()
	if err := p.Validate([]string{"site"}); err != nil {
		t.Fatal(err)
	}
	if p.Alpha != 0.05 || p.Estimator != DefaultEstimator {
		t.Errorf("defaults not filled: %+v", p)
	}
	bad := []struct {
		mod  func(*Plan)
		want string
	}{
		{func(p *Plan) { p.PrimaryOutcome = "happiness" }, "not in the outcomes framework"},
		{func(p *Plan) { p.HorizonWeek = nil }, "give --horizon"},
		{func(p *Plan) { p.HorizonWeek = weekPtr(105) }, "outside 0..104"},
		{func(p *Plan) { p.PrimaryOutcome = "earnings_months_1_12" }, "leave out --horizon"},
		{func(p *Plan) { p.MDE = 0 }, "--mde"},
		{func(p *Plan) { p.Covariates = append(p.Covariates, "nino") }, `covariate "nino"`},
		{func(p *Plan) { p.Subgroups = []string{"sex", "sex"} }, "twice"},
		{func(p *Plan) { p.Covariates = []string{"region"}; p.Subgroups = []string{"site"} }, `subgroup "site"`},
	}
	for _, b := range bad {
		p := good()
		b.mod(&p)
		factors := []string{"site"}
		if strings.Contains(b.want, `"site"`) {
			factors = nil
		}
		if err := p.Validate(factors); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: %v, want %q", p, err, b.want)
		}
	}
}

// The hash is SHA-256 of the canonical JSON written out by hand here, and
// does not depend on the order covariates were listed in.
func TestCanonicalHash(t *testing.T) {
	p := good()
	if err := p.Validate([]string{"site"}); err != nil {
		t.Fatal(err)
	}
	want := `{"trial":"t1","primary_outcome":"employed","horizon_week":52,"covariates":["age","site","weeks_employed_104"],"subgroups":["sex"],"mde":0.05,"alpha":0.05,"estimator":"itt-ols-hc2"}`
	if got := string(p.Canonical()); got != want {
		t.Fatalf("canonical\n%s\nwant\n%s", got, want)
	}
	sum := sha256.Sum256([]byte(want))
	if p.Hash() != hex.EncodeToString(sum[:]) {
		t.Error("hash is not SHA-256 of the canonical JSON")
	}
	q := p
	q.Covariates = []string{"site", "age", "weeks_employed_104"}
	if q.Hash() != p.Hash() {
		t.Error("covariate order changed the hash")
	}
	q.MDE = 0.04
	if q.Hash() == p.Hash() {
		t.Error("a changed MDE kept the hash")
	}
}

func TestCheck(t *testing.T) {
	p := good()
	if err := p.Validate([]string{"site"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := Check(nil, p, ""); err == nil || !strings.Contains(err.Error(), "trial lock") {
		t.Errorf("unlocked plan: %v", err)
	}
	l := Lock(p, at)
	if d, err := Check(&l, p, ""); err != nil || len(d.Departures) != 0 || d.PlanHash != l.Hash {
		t.Errorf("as planned: %+v, %v", d, err)
	}
	used := p
	used.Covariates = []string{"age"}
	used.HorizonWeek = weekPtr(26)
	if _, err := Check(&l, used, ""); err == nil || !strings.Contains(err.Error(), "--allow-departure") || !strings.Contains(err.Error(), "horizon_week 52 → 26") {
		t.Errorf("departure without reason: %v", err)
	}
	d, err := Check(&l, used, "week 52 outcomes not yet available")
	if err != nil || len(d.Departures) != 2 || d.Departures[0].Field != "horizon_week" || d.Departures[1].Field != "covariates" || d.Reason == "" {
		t.Errorf("departure with reason: %+v, %v", d, err)
	}
	tampered := l
	tampered.Plan.MDE = 0.01
	if _, err := Check(&tampered, p, ""); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("altered locked plan: %v", err)
	}
}
