package disclosure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func fp(v float64) *float64 { return &v }

// TestPrimaryAndSecondarySuppression works one funnel by hand, with and
// without rounding. 3 people excluded by the checks are withheld.
//
// Without rounding (Round 1), 3 = 250 − 230 − 17 could be worked out, so
// the next smallest reason (17) is withheld too.
//
// With rounding to 5, a reader knows only that submitted is 248..252,
// linked 228..232 and the 17 (shown as 15) 13..17, so the excluded are
// somewhere in 248−232−17 .. 252−228−13 = −1..11, i.e. 1..9 once they know
// it is a withheld small count: 9 possible values, at least the 4 the rule
// asks for. Nothing else is withheld and the counts are rounded.
func TestPrimaryAndSecondarySuppression(t *testing.T) {
	type want struct {
		row   string
		state State
		n     int
	}
	cases := []struct {
		round     int
		want      []want
		secondary int
	}{
		{1, []want{{"submitted", Shown, 250}, {"excluded", Suppressed, 0}, {"no_candidate", Suppressed, 0}, {"linked", Shown, 230}}, 1},
		{5, []want{{"submitted", Shown, 250}, {"excluded", Suppressed, 0}, {"no_candidate", Shown, 15}, {"linked", Shown, 230}}, 0},
	}
	for _, c := range cases {
		d := NewDraft(230)
		d.Table("funnel", "Who was analysed", Column{"stage", "Stage"}, Column{"people", "People"})
		d.Row("funnel", "submitted", Label("Submitted"), Count(250))
		d.Row("funnel", "excluded", Label("Excluded by checks"), Count(3))
		d.Row("funnel", "no_candidate", Label("No candidate"), Count(17))
		d.Row("funnel", "linked", Label("Linked"), Count(230))
		ref := func(row string) Ref { return Ref{"funnel", row, "people"} }
		d.Relate(ref("submitted"), ref("excluded"), ref("no_candidate"), ref("linked"))
		d.Essential(ref("submitted"), ref("linked"))
		rel, err := Apply(Rules{Round: c.round}, d)
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := rel.Table("funnel")
		for _, w := range c.want {
			cell, _ := tb.Lookup(w.row, "people")
			n, _ := cell.Count()
			if cell.State() != w.state || n != w.n {
				t.Errorf("round %d: %s: %v %d, want %v %d", c.round, w.row, cell.State(), n, w.state, w.n)
			}
		}
		if s := rel.Stats(); s.SuppressedPrimary != 1 || s.SuppressedSecondary != c.secondary {
			t.Errorf("round %d: stats %+v, want 1 primary and %d secondary", c.round, s, c.secondary)
		}
	}
}

// TestSuppressedGroupBelowMinimum: two suppressed parts summing to 7 (3+4)
// under a shown total 200 = 3 + 4 + 20 + 173. Without rounding the group of
// 7 = 200 − 20 − 173 would be disclosed, so a third part (20) is withheld.
// With rounding to 5 (200, 20, 175 shown) the group lies in
// 198−22−177 .. 202−18−173 = −1..11, at least 2 (two non-zero cells): 10
// values, and each cell 1..9: nothing more is withheld.
func TestSuppressedGroupBelowMinimum(t *testing.T) {
	for round, c := range map[int]State{1: Suppressed, 5: Shown} {
		d := NewDraft(200)
		d.Table("t", "t", Column{"n", "n"})
		for _, k := range []string{"a", "b", "c", "d"} {
			d.Row("t", k, Count(map[string]int{"a": 3, "b": 4, "c": 20, "d": 173}[k]))
		}
		d.Row("t", "total", Count(200))
		d.Relate(Ref{"t", "total", "n"}, Ref{"t", "a", "n"}, Ref{"t", "b", "n"}, Ref{"t", "c", "n"}, Ref{"t", "d", "n"})
		rel, err := Apply(Rules{Round: round}, d)
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := rel.Table("t")
		for row, want := range map[string]State{"a": Suppressed, "b": Suppressed, "c": c, "d": Shown, "total": Shown} {
			if cell, _ := tb.Lookup(row, "n"); cell.State() != want {
				t.Errorf("round %d: %s: %v, want %v", round, row, cell.State(), want)
			}
		}
	}
}

// TestOneUnmatchedKeepsMatchedShown reproduces the synthetic world's case:
// 1 of the eligible participants is outside the caliper and no other
// drop-out reason has anyone, so the relation eligible = outside caliper +
// no comparator + matched has one small cell and no other small reason to
// withhold beside it. The old rule withheld Matched, the cohort itself.
// With rounding, eligible 502 (shown 500) and matched 501 (shown 500) leave
// a reader 498−502..502−498 = −4..4, i.e. 1..4 people outside the caliper:
// 4 values, the protection. So Matched and every weekly observed count are
// shown and only the reason is withheld. Without rounding the reason would
// be exact, and Matched (the only shown non-zero member left) must go.
func TestOneUnmatchedKeepsMatchedShown(t *testing.T) {
	for _, c := range []struct {
		eligible int
		round    int
		matched  State
	}{
		{502, 5, Shown}, {500, 5, Shown}, {503, 5, Shown}, {1000, 5, Shown}, {502, 1, Suppressed},
	} {
		d := NewDraft(c.eligible - 1)
		d.Table("funnel", "Funnel", Column{"stage", "Stage"}, Column{"people", "People"})
		people := func(row string) Ref { return Ref{"funnel", row, "people"} }
		d.Row("funnel", "linked", Label("Linked"), Count(c.eligible+40))
		d.Row("funnel", "ineligible", Label("Ineligible"), Count(40))
		d.Row("funnel", "eligible", Label("Eligible"), Count(c.eligible))
		d.Row("funnel", "outside_caliper", Label("Outside the caliper"), Count(1))
		d.Row("funnel", "no_comparator", Label("No comparator"), Count(0))
		d.Row("funnel", "matched", Label("Matched"), Count(c.eligible-1))
		d.Relate(people("linked"), people("ineligible"), people("eligible"))
		d.Relate(people("eligible"), people("outside_caliper"), people("no_comparator"), people("matched"))
		d.Essential(people("linked"), people("eligible"), people("matched"))
		// Weekly observed counts and their unobserved complements.
		d.Table("weeks", "Weeks", Column{"week", "Week"}, Column{"people", "People"})
		for w, unobserved := range []int{0, 0, 3, 60} {
			key := fmt.Sprintf("w%d", w)
			d.Row("weeks", key, Label(key), Count(c.eligible-1-unobserved))
			d.Relate(people("matched"), Ref{"weeks", key, "people"}, d.Hidden("unobserved_"+key, unobserved))
		}
		rel, err := Apply(Rules{Round: c.round}, d)
		if err != nil {
			t.Fatal(err)
		}
		funnel, _ := rel.Table("funnel")
		state := func(row string) State { cell, _ := funnel.Lookup(row, "people"); return cell.State() }
		if state("outside_caliper") != Suppressed || state("matched") != c.matched || state("eligible") != Shown {
			t.Errorf("eligible %d round %d: outside caliper %v, matched %v (want %v), eligible %v",
				c.eligible, c.round, state("outside_caliper"), state("matched"), c.matched, state("eligible"))
		}
		if c.round == 5 {
			if s := rel.Stats(); s.SuppressedSecondary != 0 {
				t.Errorf("eligible %d: %d secondary suppressions, want none", c.eligible, s.SuppressedSecondary)
			}
		}
		if what, ok := recovered(rel, d); ok {
			t.Errorf("eligible %d round %d: the attacker recovered %s", c.eligible, c.round, what)
		}
	}
}

// TestSeveralSmallReasonsUnderOneDifference: 1 + 1 + 1 + 1 people dropped
// out for four reasons between eligible 502 and matched 498, both shown as
// 500. A reader gets the four together at 498−502..502−498 = −4..4, and
// since each withheld cell is at least 1, exactly 4 with each cell exactly
// 1: rounding alone does not protect several small counts under one
// difference, and secondary suppression must (here only a stage is left to
// withhold).
func TestSeveralSmallReasonsUnderOneDifference(t *testing.T) {
	d := NewDraft(498)
	d.Table("f", "f", Column{"n", "n"})
	d.Row("f", "eligible", Count(502))
	parts := []Ref{}
	for _, k := range []string{"a", "b", "c", "d"} {
		d.Row("f", k, Count(1))
		parts = append(parts, Ref{"f", k, "n"})
	}
	d.Row("f", "matched", Count(498))
	d.Relate(Ref{"f", "eligible", "n"}, append(parts, Ref{"f", "matched", "n"})...)
	d.Essential(Ref{"f", "eligible", "n"}, Ref{"f", "matched", "n"})
	rel, err := Apply(DefaultRules(), d)
	if err != nil {
		t.Fatal(err)
	}
	if what, ok := recovered(rel, d); ok {
		t.Fatalf("the attacker recovered %s", what)
	}
	if s := rel.Stats(); s.SuppressedSecondary != 1 {
		t.Errorf("stats %+v, want one stage withheld", s)
	}
	// Without secondary suppression the attacker does pin them.
	rel, _ = apply(DefaultRules(), d, false)
	if _, ok := recovered(rel, d); !ok {
		t.Error("without secondary suppression the four cells of 1 were not recovered; the test proves nothing")
	}
}

// TestStatistics: statistics are withheld together when any group they rest
// on has 1..9 people, a proportion also when 1..9 people have (or lack) the
// outcome, and are never rounded.
func TestStatistics(t *testing.T) {
	cases := []struct {
		name  string
		row   []Figure
		state State
	}{
		{"both arms large", []Figure{Statistic(fp(0.1234), 120, 130), Statistic(fp(0.05), 120, 130)}, Shown},
		{"comparison arm of 9", []Figure{Statistic(fp(0.1234), 120, 9), Statistic(fp(0.05), 120, 130)}, Suppressed},
		{"3 of 200 employed", []Figure{Proportion(fp(3.0/200), 200), Statistic(fp(0.01), 200, 200)}, Suppressed},
		{"196 of 200 employed (4 not)", []Figure{Proportion(fp(196.0/200), 200), Statistic(fp(0.01), 200, 200)}, Suppressed},
		{"none employed", []Figure{Proportion(fp(0), 200), Statistic(fp(0.01), 200, 200)}, Shown},
		{"20 of 200 employed", []Figure{Proportion(fp(0.1), 200), Statistic(fp(0.01), 200, 200)}, Shown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDraft(100)
			d.Table("t", "t", Column{"a", "a"}, Column{"b", "b"}, Column{"na", "na"})
			d.Row("t", "r", append(c.row, Statistic(nil, 100))...)
			rel, err := Apply(DefaultRules(), d)
			if err != nil {
				t.Fatal(err)
			}
			tb, _ := rel.Table("t")
			for _, col := range []string{"a", "b"} {
				cell, _ := tb.Lookup("r", col)
				if cell.State() != c.state {
					t.Errorf("%s: %v, want %v", col, cell.State(), c.state)
				}
			}
			if cell, _ := tb.Lookup("r", "na"); cell.State() != NotAvailable {
				t.Errorf("nil statistic: %v, want not available", cell.State())
			}
			if c.state == Shown {
				cell, _ := tb.Lookup("r", "b")
				if v, _ := cell.Value(); v != c.row[1].value {
					t.Errorf("statistic changed from %v to %v", c.row[1].value, v)
				}
			}
		})
	}
}

func TestRoundCount(t *testing.T) {
	r := DefaultRules()
	for n, want := range map[int]int{0: 0, 10: 10, 12: 10, 13: 15, 17: 15, 18: 20, 102: 100, 103: 105} {
		if got := r.RoundCount(n); got != want {
			t.Errorf("RoundCount(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestRefusals(t *testing.T) {
	d := NewDraft(99)
	_, err := Apply(DefaultRules(), d)
	var ref *Refusal
	if !errors.As(err, &ref) || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "99") {
		t.Errorf("cohort of 99: %v, want a refusal naming 99", err)
	}
	d = NewDraft(100)
	d.Table("t", "t", Column{"n", "n"})
	d.Row("t", "a", Count(50))
	d.Row("t", "b", Count(40))
	d.Relate(Ref{"t", "a", "n"}, Ref{"t", "b", "n"})
	if _, err := Apply(DefaultRules(), d); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("broken relation: %v", err)
	}
	d = NewDraft(100)
	d.Table("t", "t", Column{"n", "n"})
	d.Row("t", "a", Count(50), Count(1))
	if _, err := Apply(DefaultRules(), d); err == nil {
		t.Error("row with too many figures was accepted")
	}
}

func TestJSONShape(t *testing.T) {
	d := NewDraft(100)
	d.Table("t", "Title", Column{"label", "Label"}, Column{"n", "People"}, Column{"m", "Mean"})
	d.Row("t", "r1", Label("one"), Count(52), Statistic(fp(0.5), 52, 60))
	d.Row("t", "r2", Label("two"), Count(4), Statistic(fp(0.5), 4, 60))
	rel, err := Apply(DefaultRules(), d)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := rel.Table("t")
	b, err := json.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"t","title":"Title","columns":[{"key":"label","label":"Label"},{"key":"n","label":"People"},{"key":"m","label":"Mean"}],"kinds":["label","count","statistic"],` +
		`"rows":[{"key":"r1","values":["one",50,0.5],"status":["shown","shown","shown"]},{"key":"r2","values":["two",null,null],"status":["shown","suppressed","suppressed"]}]}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}

// members makes n distinct digests starting at person from.
func members(t *testing.T, from, n int) []string {
	t.Helper()
	key := []byte(strings.Repeat("k", MinKeyBytes))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("P%07d", from+i)
	}
	m, err := Members(key, ids)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDifferencingGuard: a cohort of 500 republished identically is
// accepted; one differing by 1 to 99 people (added, removed or both) is
// refused; one differing by 100 or more is accepted.
func TestDifferencingGuard(t *testing.T) {
	earlier := []PublishedCohort{{Label: "first", PublishedAt: "2025-01-01", Members: members(t, 0, 500)}}
	rules := DefaultRules()
	cases := []struct {
		name    string
		from, n int
		refused bool
	}{
		{"identical", 0, 500, false},
		{"one added", 0, 501, true},
		{"one removed", 0, 499, true},
		{"99 added", 0, 599, true},
		{"shifted by 40 (80 differ)", 40, 500, true},
		{"shifted by 49 (98 differ)", 49, 500, true},
		{"100 added", 0, 600, false},
		{"shifted by 50 (100 differ)", 50, 500, false},
		{"disjoint", 10000, 150, false},
	}
	for _, c := range cases {
		err := rules.CheckDifferencing(members(t, c.from, c.n), earlier)
		if refused := errors.Is(err, ErrRefused); refused != c.refused {
			t.Errorf("%s: refused %v (%v), want %v", c.name, refused, err, c.refused)
		}
	}
	// The refusal's words agree with the number.
	for n, want := range map[int][]string{501: {"by 1 person,", "describe that person;"}, 502: {"by 2 people,", "describe those 2 people;"}} {
		err := rules.CheckDifferencing(members(t, 0, n), earlier)
		for _, w := range want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%d members: %v, want %q", n, err, w)
			}
		}
	}
	if got := SymmetricDifference(members(t, 0, 10), members(t, 5, 10)); got != 10 {
		t.Errorf("|A Δ B| = %d, want 10", got)
	}
	if _, err := Members([]byte("short"), []string{"P1"}); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

// TestPublishWithFileRegistry: the first cohort is recorded, an identical
// one is accepted without a second record, a near-copy is refused, and the
// registry holds digests only.
func TestPublishWithFileRegistry(t *testing.T) {
	ctx := context.Background()
	reg := FileRegistry{Path: filepath.Join(t.TempDir(), "registry.json")}
	first := PublishedCohort{Label: "prog 2025-01", PublishedAt: "2025-01-01", Members: members(t, 0, 300)}
	if err := Publish(ctx, reg, DefaultRules(), "Org A", first); err != nil {
		t.Fatal(err)
	}
	if err := Publish(ctx, reg, DefaultRules(), "Org A", first); err != nil {
		t.Fatalf("identical republication: %v", err)
	}
	near := PublishedCohort{Label: "prog 2025-02", Members: members(t, 0, 305)}
	if err := Publish(ctx, reg, DefaultRules(), "Org A", near); !errors.Is(err, ErrRefused) {
		t.Fatalf("near-copy: %v, want a refusal", err)
	}
	if err := Publish(ctx, reg, DefaultRules(), "Org B", near); err != nil {
		t.Fatalf("another organisation: %v", err)
	}
	got, err := reg.Published(ctx, "Org A")
	if err != nil || len(got) != 1 {
		t.Fatalf("Org A has %d cohorts (%v), want 1", len(got), err)
	}
	for _, m := range got[0].Members {
		if strings.HasPrefix(m, "P") || len(m) != 64 {
			t.Fatalf("registry holds %q, not a digest", m)
		}
	}
}
