package linkage

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/linkage/submission"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// TestEMRecoversM draws comparison vectors from a known two-class model
// (conditionally independent fields) and checks that EM, given the true u,
// recovers m and λ. The truth is the simulation's own parameters.
func TestEMRecoversM(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var trueM, trueU [numFields][]float64
	trueM[FirstName], trueU[FirstName] = []float64{0.85, 0.08, 0.04, 0.03}, []float64{0.02, 0.03, 0.05, 0.90}
	trueM[LastName], trueU[LastName] = []float64{0.90, 0.05, 0.02, 0.03}, []float64{0.01, 0.02, 0.04, 0.93}
	trueM[DateOfBirth], trueU[DateOfBirth] = []float64{0.92, 0.03, 0.04, 0.01}, []float64{0.001, 0.001, 0.02, 0.978}
	trueM[Postcode], trueU[Postcode] = []float64{0.70, 0.10, 0.10, 0.10}, []float64{0.001, 0.004, 0.02, 0.975}
	trueM[NINO], trueU[NINO] = []float64{0.95, 0.03, 0.02}, []float64{0.0001, 0.0009, 0.999}
	const lambda, n = 0.15, 200_000
	draw := func(p []float64) Level {
		x := rng.Float64()
		for l, v := range p {
			if x < v {
				return Level(l)
			}
			x -= v
		}
		return Level(len(p) - 1)
	}
	counts := make([]float64, numPatterns)
	for i := 0; i < n; i++ {
		match := rng.Float64() < lambda
		var lv [numFields]Level
		for f := Field(0); f < numFields; f++ {
			if rng.Float64() < 0.2 && f == NINO {
				lv[f] = f.missing()
				continue
			}
			if match {
				lv[f] = draw(trueM[f])
			} else {
				lv[f] = draw(trueU[f])
			}
		}
		counts[pack(lv)]++
	}
	use := [numFields]bool{true, true, true, true, true}
	fit, err := fitEM(context.Background(), counts, use, &trueU, n*0.5, emSettings{maxIter: 1000, tolerance: 1e-10, prior: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !fit.converged {
		t.Errorf("EM did not converge in %d iterations", fit.iterations)
	}
	// Tolerance: a few binomial standard errors, sqrt(p(1-p)/(λn)) ≤ 0.003.
	if math.Abs(fit.lambda-lambda) > 0.005 {
		t.Errorf("λ = %.4f, want %.2f ± 0.005", fit.lambda, lambda)
	}
	for f := Field(0); f < numFields; f++ {
		for l := range trueM[f] {
			if d := math.Abs(fit.m[f][l] - trueM[f][l]); d > 0.01 {
				t.Errorf("m[%s][%s] = %.4f, want %.3f ± 0.01", f, f.LevelName(Level(l)), fit.m[f][l], trueM[f][l])
			}
		}
	}
}

func TestEstimateU(t *testing.T) {
	// Identities' dates of birth take 10 values uniformly, so two random
	// records share one with probability 1/10; nobody has a NINO in common.
	rng := rand.New(rand.NewPCG(3, 4))
	nn := NewNicknames()
	mk := func(i int) record {
		return newRecord(nn, "", "ann", "lee", timeline.DateOf(1980, 1, 13)+timeline.Date(100*(i%10)), true, "")
	}
	var parts, sample []record
	for i := 0; i < 50; i++ {
		parts = append(parts, mk(i))
	}
	for i := 0; i < 1000; i++ {
		sample = append(sample, mk(i))
	}
	u := estimateU(parts, sample, 100_000, rng)
	if math.Abs(u[DateOfBirth][0]-0.1) > 0.005 {
		t.Errorf("u(dob same) = %.4f, want 0.100 ± 0.005", u[DateOfBirth][0])
	}
	if u[FirstName][0] < 0.999 {
		t.Errorf("u(first same) = %.4f, want ≈ 1 (everyone is Ann)", u[FirstName][0])
	}
	// Unseen levels get the Jeffreys pseudo-count, 0.5/(n+2): small, not 0.
	if got, want := u[FirstName][3], 0.5/100_002; math.Abs(got-want) > 1e-9 {
		t.Errorf("u(first disagree) = %g, want %g", got, want)
	}
}

// Levels worked out by hand from the definitions in compare.go.
func TestCompare(t *testing.T) {
	nn := NewNicknames()
	d := func(y, m, dd int) timeline.Date { return timeline.DateOf(y, timeMonth(m), dd) }
	base := newRecord(nn, "AB123456C", "Robert", "Thompson", d(1985, 3, 7), true, "SW1A 1AA")
	tests := []struct {
		name string
		q    record
		want [numFields]Level
	}{
		{"identical", newRecord(nn, "ab123456c", " ROBERT ", "thompson", d(1985, 3, 7), true, "sw1a1aa"), [numFields]Level{0, 0, 0, 0, 0}},
		{"nickname, typo, transposed, sector, nino typo", newRecord(nn, "AB123457C", "Bob", "Thomspon", d(1985, 7, 3), true, "SW1A 1ZZ"), [numFields]Level{0, 1, 1, 1, 1}},
		{"similar names, one part, district, nino swap", newRecord(nn, "AB124356C", "Roberta", "Thomason", d(1986, 3, 7), true, "SW1A 2BB"), [numFields]Level{1, 1, 2, 2, 1}},
		{"different", newRecord(nn, "CE987654A", "William", "Patel", d(1990, 11, 30), true, "M1 1AE"), [numFields]Level{3, 3, 3, 3, 2}},
		{"missing", newRecord(nn, "", "Robert", "Thompson", 0, false, ""), [numFields]Level{0, 0, 4, 4, 3}},
	}
	for _, tt := range tests {
		got := compare(&base, &tt.q).Levels()
		if got != tt.want {
			t.Errorf("%s: levels %v (%s), want %v", tt.name, got, compare(&base, &tt.q), tt.want)
		}
	}
	for p := 0; p < numPatterns; p++ {
		if int(pack(Pattern(p).Levels())) != p {
			t.Fatalf("pack(Levels(%d)) != %d", p, p)
		}
	}
}

func timeMonth(m int) time.Month { return time.Month(m) }

// TestThresholds works an example by hand. λ = 0.5 so posterior =
// 1/(1+2^-w). Scores 10 (p≈0.999), 5 (0.970), 2 (0.8), 0 (0.5), -3 (0.111),
// -6 (0.0154), -10 (0.00098).
func TestThresholds(t *testing.T) {
	scores := []float64{10, 10, 10, 5, 2, 0, -3, -6, -10, -10}
	posts := make([]float64, len(scores))
	var expected float64
	for i, s := range scores {
		posts[i] = posteriorOfWeight(0.5, s)
		expected += posts[i]
	}
	// maxFMR 0.05: including score 5 gives mean(1-p) = (3·0.00098+0.0303)/4
	// = 0.0083; including 2: (0.0332+0.2)/5 = 0.047 ≤ 0.05; including 0:
	// (0.2332+0.5)/6 = 0.122 > 0.05. So Upper = 2.
	// maxFNMR 0.01 of expected ≈ 5.39 is 0.054: the two -10s (0.002) and -6
	// (0.0154) fit, -3 (0.111) does not, so Lower = -3; a review floor of
	// 0.2 (score -2) does not bind: every pair below -3 has p < 0.2.
	th := chooseThresholds(0.5, scores, posts, expected, 0.05, 0.01, 0.2)
	if th.Upper != 2 || th.Lower != -3 {
		t.Errorf("thresholds %+v, want upper 2, lower -3", th)
	}
	// A review floor of 0.01 (score -6.63) binds: the pair at -6 has
	// p = 0.0154 and must be reviewed, so Lower drops to -6.63.
	if th := chooseThresholds(0.5, scores, posts, expected, 0.05, 0.01, 0.01); math.Abs(th.Lower-weightOfPosterior(0.5, 0.01)) > 1e-12 {
		t.Errorf("with review floor 0.01, lower %v, want %v", th.Lower, weightOfPosterior(0.5, 0.01))
	}
	// Even with a lax FMR, a pair less likely right than wrong is no match.
	if th := chooseThresholds(0.5, scores, posts, expected, 0.45, 0.01, 0.05); th.Upper != 0 {
		t.Errorf("lax FMR: upper %v, want 0 (posterior 0.5 is the floor)", th.Upper)
	}
	if th := chooseThresholds(0.5, nil, nil, 0, 0.005, 0.005, 0.05); !math.IsInf(th.Upper, 1) {
		t.Errorf("no pairs: upper %v, want +Inf", th.Upper)
	}
}

func TestAssignOneToOne(t *testing.T) {
	det := pack([numFields]Level{3, 3, 0, 3, 0}) // NINO and DOB agree: deterministic
	hi := pack([numFields]Level{0, 0, 0, 0, 3})
	mid := pack([numFields]Level{0, 0, 1, 3, 3})
	lo := pack([numFields]Level{3, 0, 3, 3, 3})
	score := make([]float64, numPatterns)
	score[det], score[hi], score[mid], score[lo] = -5, 30, 20, 1
	pairs := []pair{
		{p: 0, id: 0, pat: mid}, // participant 0's best is identity 0 ...
		{p: 1, id: 0, pat: hi},  // ... but participant 1 scores higher on it
		{p: 0, id: 1, pat: lo},  // so 0 falls back to identity 1
		{p: 2, id: 2, pat: hi},
		{p: 3, id: 2, pat: det}, // deterministic beats a higher score
		{p: 2, id: 3, pat: lo},
	}
	got := assignOneToOne(pairs, score, math.Inf(-1), 5, 4)
	want := []int32{2, 1, 5, 4, -1}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("participant %d assigned pair %d, want %d", i, got[i], want[i])
		}
	}
	// With a floor of 2, the low pairs (score 1) are left out, but a
	// deterministic pair never is.
	got = assignOneToOne(pairs, score, 2, 5, 4)
	want = []int32{-1, 1, -1, 4, -1}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("floor 2: participant %d assigned pair %d, want %d", i, got[i], want[i])
		}
	}
}

func TestMinimumSize(t *testing.T) {
	c := Cohort{Members: make([]Member, 99), Report: Report{Submitted: 130}}
	err := MinimumSize(c, 0)
	if !errors.Is(err, ErrCohortTooSmall) {
		t.Fatalf("99 members: err = %v", err)
	}
	for _, want := range []string{"99 of 130 submitted participants were linked", "minimum of 100", "identified", "precise"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	c.Members = append(c.Members, Member{})
	if err := MinimumSize(c, 0); err != nil {
		t.Errorf("100 members refused: %v", err)
	}
	if err := MinimumSize(c, 101); !errors.Is(err, ErrCohortTooSmall) {
		t.Errorf("minimum 101: err = %v", err)
	}
}

func TestLinkEdgeCases(t *testing.T) {
	csv := "participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,end_date,site\n" +
		"A,AB123456C,Ann,Lee,1980-01-13,M1 1AE,2023-01-01,2023-06-30,north\n" +
		"B,,Zed,Quorn,1990-05-05,,2023-02-01,,south\n"
	sub, err := submission.Read(strings.NewReader(csv), "p.csv", submission.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids := []Identity{
		{PersonID: "X1", NINO: "AB123456C", FirstName: "Anne", LastName: "Lee", DateOfBirth: timeline.DateOf(1980, 1, 13), Postcode: "M1 1AE"},
		{PersonID: "X2", NINO: "CE111111A", FirstName: "Bo", LastName: "Nash", DateOfBirth: timeline.DateOf(1960, 2, 2), Postcode: "B1 1AA"},
	}
	res, err := Link(ctx, sub, Identities(ids), Spec{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.Outcomes[0], res.Outcomes[1]
	if a.Status != StatusMatch || a.Route != RouteDeterministic || a.PersonID != "X1" {
		t.Errorf("A: %+v", a)
	}
	if b.Status != StatusNonMatch || b.Reason != ReasonNoCandidate || b.PersonID != "" {
		t.Errorf("B: %+v", b)
	}
	if len(res.Cohort.Members) != 1 {
		t.Fatalf("cohort %+v", res.Cohort.Members)
	}
	m := res.Cohort.Members[0]
	if m.PersonID != "X1" || m.StartDate != timeline.DateOf(2023, 1, 1) || m.EndDate != timeline.DateOf(2023, 6, 30) || m.Attributes["site"] != "north" {
		t.Errorf("member %+v", m)
	}
	if r := res.Cohort.Report; r.Valid != 2 || r.Matched != 1 || r.NonMatchReasons[ReasonNoCandidate] != 1 || math.Abs(r.MatchRate-0.5) > 1e-12 {
		t.Errorf("report %+v", r)
	}

	if _, err := Link(ctx, sub, Identities(nil), Spec{}); err == nil || !strings.Contains(err.Error(), "no identities") {
		t.Errorf("empty spine: err = %v", err)
	}
	boom := errors.New("disk on fire")
	failing := func(ctx context.Context, fn func(Identity) error) error { return boom }
	if _, err := Link(ctx, sub, failing, Spec{}); !errors.Is(err, boom) {
		t.Errorf("source error not wrapped: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Link(cctx, sub, Identities(ids), Spec{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if _, err := Link(ctx, sub, Identities(ids), Spec{MaxFalseMatchRate: 0.7}); err == nil || !strings.Contains(err.Error(), "MaxFalseMatchRate") {
		t.Errorf("bad spec: err = %v", err)
	}
}

func TestReportJSONWithInfiniteThresholds(t *testing.T) {
	c := Cohort{Report: Report{Thresholds: Thresholds{Upper: math.Inf(1), Lower: math.Inf(-1), UpperPosterior: 1}}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("cohort with infinite thresholds does not serialise: %v", err)
	}
	if !strings.Contains(string(b), `"upper":null`) || !strings.Contains(string(b), `"upper_posterior":1`) {
		t.Errorf("json %s", b)
	}
}
