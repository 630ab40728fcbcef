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

// TestPrimaryAndSecondarySuppression works one funnel by hand: 3 people
// excluded by the checks must be withheld, and so must the next smallest
// reason, so that 3 = 250 − 230 − 17 cannot be worked out; the remaining
// counts are rounded to the nearest 5.
func TestPrimaryAndSecondarySuppression(t *testing.T) {
	d := NewDraft(230)
	d.Table("funnel", "Who was analysed", Column{"stage", "Stage"}, Column{"people", "People"})
	d.Row("funnel", "submitted", Label("Submitted"), Count(250))
	d.Row("funnel", "excluded", Label("Excluded by checks"), Count(3))
	d.Row("funnel", "no_candidate", Label("No candidate"), Count(17))
	d.Row("funnel", "linked", Label("Linked"), Count(230))
	ref := func(row string) Ref { return Ref{"funnel", row, "people"} }
	d.Relate(ref("submitted"), ref("excluded"), ref("no_candidate"), ref("linked"))
	rel, err := Apply(DefaultRules(), d)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := rel.Table("funnel")
	want := []struct {
		row   string
		state State
		n     int
	}{
		{"submitted", Shown, 250},
		{"excluded", Suppressed, 0},
		{"no_candidate", Suppressed, 0},
		{"linked", Shown, 230},
	}
	for _, w := range want {
		c, _ := tb.Lookup(w.row, "people")
		n, _ := c.Count()
		if c.State() != w.state || n != w.n {
			t.Errorf("%s: %v %d, want %v %d", w.row, c.State(), n, w.state, w.n)
		}
	}
	if s := rel.Stats(); s.SuppressedPrimary != 1 || s.SuppressedSecondary != 1 {
		t.Errorf("stats %+v, want 1 primary and 1 secondary", s)
	}
}

// TestSuppressedGroupBelowMinimum: two suppressed parts summing to 7 (3+4)
// under a shown total would disclose a group of 7; a third part is withheld.
func TestSuppressedGroupBelowMinimum(t *testing.T) {
	d := NewDraft(200)
	d.Table("t", "t", Column{"n", "n"})
	for k, n := range map[string]int{"a": 3, "b": 4, "c": 20, "d": 173} {
		d.Row("t", k, Count(n))
	}
	d.Row("t", "total", Count(200))
	d.Relate(Ref{"t", "total", "n"}, Ref{"t", "a", "n"}, Ref{"t", "b", "n"}, Ref{"t", "c", "n"}, Ref{"t", "d", "n"})
	rel, err := Apply(DefaultRules(), d)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := rel.Table("t")
	for row, want := range map[string]State{"a": Suppressed, "b": Suppressed, "c": Suppressed, "d": Shown, "total": Shown} {
		if c, _ := tb.Lookup(row, "n"); c.State() != want {
			t.Errorf("%s: %v, want %v", row, c.State(), want)
		}
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
