package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
)

// fixture is a real evaluation: a synthetic world of 30,000 people (datalab
// synth --people 30000 --seed 3), programme jobsearch_plus with noisy
// identifiers, evaluated with --seed 1.
func fixture(t *testing.T) *evaluation.Evaluation {
	t.Helper()
	b, err := os.ReadFile("testdata/evaluation.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev evaluation.Evaluation
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}

func build(t *testing.T, ev *evaluation.Evaluation) (*Report, string) {
	t.Helper()
	r, err := Build(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	return r, string(h)
}

// TestHTMLIsSelfContainedAndAccessible checks the page makes no request and
// runs no script, its headings do not skip a level, every table has a
// caption and scoped headers, and every chart is followed by a table.
func TestHTMLIsSelfContainedAndAccessible(t *testing.T) {
	_, h := build(t, fixture(t))
	// The SVG namespace is an identifier, not a request.
	stripped := strings.ReplaceAll(h, `xmlns="http://www.w3.org/2000/svg"`, "")
	stripped = strings.ReplaceAll(stripped, `xmlns:xlink="http://www.w3.org/1999/xlink"`, "")
	for _, bad := range []string{"http://", "https://", "<script", " src=", "@import", "url("} {
		if strings.Contains(stripped, bad) {
			i := strings.Index(stripped, bad)
			t.Errorf("HTML contains %q: …%s…", bad, stripped[max(0, i-60):min(len(stripped), i+60)])
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(h, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("link to %q leaves the page", m[1])
		}
	}
	last := 0
	for _, m := range regexp.MustCompile(`<h([1-6])[ >]`).FindAllStringSubmatch(h, -1) {
		level, _ := strconv.Atoi(m[1])
		if level > last+1 {
			t.Errorf("heading h%d follows h%d", level, last)
		}
		last = level
	}
	if n := strings.Count(h, "<h1"); n != 1 {
		t.Errorf("%d h1 headings, want 1", n)
	}
	if tables, captions := strings.Count(h, "<table"), strings.Count(h, "<caption"); tables == 0 || tables != captions {
		t.Errorf("%d tables, %d captions", tables, captions)
	}
	if strings.Contains(h, "<th>") {
		t.Error("a table header cell has no scope")
	}
	figures := regexp.MustCompile(`(?s)<figure aria-describedby="([^"]+)-caption">.*?</figure>`).FindAllStringSubmatchIndex(h, -1)
	if len(figures) < 7 {
		t.Errorf("%d charts, want 3 weekly outcomes × 2 and the Love plot", len(figures))
	}
	for _, f := range figures {
		id := h[f[2]:f[3]]
		if !regexp.MustCompile(`<table id="` + regexp.QuoteMeta(id) + `"[ >]`).MatchString(h[f[1]:]) {
			t.Errorf("chart described by %s has no table after it", id)
		}
	}
	if !strings.Contains(h, `<html lang="en-GB">`) || !strings.Contains(h, "@media print") {
		t.Error("page language or print styles missing")
	}
}

// TestHeadlineSentenceCarriesInterval: the primary outcome leads, and its
// sentence gives the evaluation's 95% interval in percentage points (to one
// decimal) and says whether it is significant.
func TestHeadlineSentenceCarriesInterval(t *testing.T) {
	ev := fixture(t)
	r, h := build(t, ev)
	p := ev.Headline[0]
	lo, hi := fmt.Sprintf("%.1f", 100*(*p.CILow)), fmt.Sprintf("%.1f", 100*(*p.CIHigh))
	lo = strings.TrimPrefix(lo, "-")
	first := r.Headlines[0]
	if !first.Primary || first.Key != "employed@104" {
		t.Fatalf("first headline %+v, want the primary outcome employed@104", first)
	}
	if !strings.Contains(first.Sentence, lo) || !strings.Contains(first.Sentence, hi) || !strings.Contains(first.Sentence, "percentage point") {
		t.Errorf("sentence %q does not carry the interval %s to %s percentage points", first.Sentence, lo, hi)
	}
	sig := *p.PValue < 0.05
	if first.Significant == nil || *first.Significant != sig {
		t.Errorf("significance %v, want %v (p = %.3f)", first.Significant, sig, *p.PValue)
	}
	word := "is statistically significant"
	if !sig {
		word = "is not statistically significant"
	}
	if !strings.Contains(first.Significance, word) || !strings.Contains(h, first.Title) {
		t.Errorf("significance %q; want %q, in the page", first.Significance, word)
	}
}

// smallCells is the fixture with small groups planted: 3 people left for
// clerical review, a site of 7 participants (with estimates), and a
// subgroup level whose name is a spreadsheet formula.
func smallCells(t *testing.T) *evaluation.Evaluation {
	ev := fixture(t)
	ev.Counts.ClericalReview += 3
	ev.Counts.Submitted += 3
	var site []evaluation.SubgroupResult
	for _, s := range ev.Subgroups {
		if s.By == "site" {
			site = append(site, s)
		}
	}
	if len(site) < 2 {
		t.Fatal("fixture has no site subgroups")
	}
	// Move 7 people from the first site into a new, tiny one.
	for i := range ev.Subgroups {
		if ev.Subgroups[i].By == "site" && ev.Subgroups[i].Level == site[0].Level {
			ev.Subgroups[i].Participants -= 7
		}
	}
	tiny := site[1]
	tiny.Level, tiny.Participants = "=HYPERLINK(\"x\")", 7
	tiny.Estimates = append([]evaluation.EstimateRow{}, tiny.Estimates...)
	for k := range tiny.Estimates {
		tiny.Estimates[k].Participants, tiny.Estimates[k].Comparison = 7, 7
	}
	ev.Subgroups = append(ev.Subgroups, tiny)
	return ev
}

// TestNoPublishedFigureRestsOnFewPeople: every shown count is 0 or at least
// 10 and a multiple of 5; the planted small cells are withheld in HTML,
// JSON and CSV; and their complements are withheld too, so subtraction
// cannot recover them.
func TestNoPublishedFigureRestsOnFewPeople(t *testing.T) {
	ev := smallCells(t)
	r, h := build(t, ev)
	for _, tb := range r.Release.Tables() {
		for _, row := range tb.Rows() {
			for _, c := range row.Cells() {
				if n, ok := c.Count(); ok && (n%5 != 0 || (n > 0 && n < 10)) {
					t.Errorf("%s/%s shows the count %d", tb.ID(), row.Key(), n)
				}
			}
		}
	}
	funnel, _ := r.Release.Table("funnel")
	review, _ := funnel.Lookup("review", "people")
	if review.State() != disclosure.Suppressed {
		t.Errorf("clerical review (%d people) is %v", ev.Counts.ClericalReview, review.State())
	}
	// Submitted = excluded + review + reasons + linked. A reader who knows
	// the rounding (a shown r is r−2..r+2, and 0 or at least 10) and that a
	// withheld count is 1..9 (review) or at least 1 (any other) must be
	// left with at least 4 possible values for the review count: the
	// protection internal/disclosure promises with rounding to 5.
	rng := func(row string) (lo, hi int) {
		c, _ := funnel.Lookup(row, "people")
		switch n, ok := c.Count(); {
		case ok && n == 0:
			return 0, 0
		case ok:
			return max(n-2, 10), n + 2
		case c.Reason() == disclosure.ReasonSmallCount:
			return 1, 9
		}
		return 1, 1 << 30
	}
	subLo, subHi := rng("submitted")
	lo, hi := subLo, subHi
	for _, row := range funnel.Rows() {
		if k := row.Key(); strings.HasPrefix(k, "not_linked") || k == "excluded" || k == "linked" || k == "submitted_other" {
			plo, phi := rng(k)
			lo, hi = lo-phi, hi-plo
		}
	}
	lo, hi = max(lo, 1), min(hi, 9)
	if hi-lo+1 < 4 {
		t.Errorf("a reader narrows the clerical review count (%d) to %d..%d", ev.Counts.ClericalReview, lo, hi)
	}
	sizes, _ := r.Release.Table("subgroup_sizes")
	tinyKey := `site==HYPERLINK("x")`
	if c, _ := sizes.Lookup(tinyKey, "people"); c.State() != disclosure.Suppressed {
		t.Errorf("subgroup of 7 is %v", c.State())
	}
	est, _ := r.Release.Table("subgroup_estimates")
	shown := 0
	for _, row := range est.Rows() {
		if strings.HasPrefix(row.Key(), tinyKey+"/") {
			for _, c := range row.Cells() {
				if c.Kind() == disclosure.KindStatistic && c.State() == disclosure.Shown {
					shown++
				}
			}
		}
	}
	if shown > 0 {
		t.Errorf("%d statistics of the subgroup of 7 are shown", shown)
	}
	// The HTML shows the subgroup's size as [c], escaped.
	if !strings.Contains(h, "=HYPERLINK(&#34;x&#34;)") {
		t.Error("the formula-like level is missing from the HTML or not escaped")
	}
	// Nothing in the JSON shows 7 or 3 as a count.
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string
		Tables []struct {
			ID    string
			Kinds []string
			Rows  []struct{ Values []any }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Schema != Schema {
		t.Fatalf("JSON schema %q: %v", doc.Schema, err)
	}
	for _, tb := range doc.Tables {
		for _, row := range tb.Rows {
			for i, v := range row.Values {
				if n, ok := v.(float64); ok && tb.Kinds[i] == "count" && (int(n)%5 != 0 || (n > 0 && n < 10)) {
					t.Errorf("JSON %s has the count %v", tb.ID, n)
				}
			}
		}
	}
}

// TestCSV: one long table, formula-like cells escaped, numbers left as
// numbers, counts rounded.
func TestCSV(t *testing.T) {
	r, _ := build(t, smallCells(t))
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "table,row,column,column_label,kind,status,value" {
		t.Fatalf("header %v", recs[0])
	}
	escaped, negative := false, false
	for _, rec := range recs[1:] {
		for _, f := range rec {
			if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				if _, err := strconv.ParseFloat(f, 64); err != nil {
					t.Errorf("cell %q is not escaped", f)
				}
			}
		}
		if strings.HasPrefix(rec[6], "'=HYPERLINK") {
			escaped = true
		}
		if strings.HasPrefix(rec[6], "-") {
			negative = true
		}
		if rec[4] == "count" && rec[5] == "shown" {
			n, _ := strconv.Atoi(rec[6])
			if n%5 != 0 || (n > 0 && n < 10) {
				t.Errorf("CSV %s/%s count %d", rec[0], rec[1], n)
			}
		}
	}
	if !escaped || !negative {
		t.Errorf("escaped formula found %v, negative number kept %v", escaped, negative)
	}
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+1": "'+1", "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "-0.012": "-0.012", "-1.5e-3": "-1.5e-3", "North": "North", "": "",
	} {
		if got := EscapeCell(in); got != want {
			t.Errorf("EscapeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOneUnmatchedParticipant reproduces the synthetic world's case: one
// eligible participant outside the caliper and no other reason for not
// being matched. The headline count of matched participants is published
// (rounding protects the 1, see internal/disclosure), the reason is
// withheld, and the sentence on who was analysed names every stage.
func TestOneUnmatchedParticipant(t *testing.T) {
	ev := fixture(t)
	c := &ev.Counts
	c.Eligible += c.UnmatchedCaliper + c.UnmatchedNoComparator - 1
	c.UnmatchedCaliper, c.UnmatchedNoComparator = 1, 0
	c.Matched = c.Eligible - 1
	// Keep the pool-by-month table consistent with the eligible total.
	sum := 0
	for _, m := range ev.Pool {
		sum += m.Participants
	}
	if len(ev.Pool) > 0 {
		ev.Pool[0].Participants += c.Eligible - sum
	}
	r, err := Build(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	funnel, _ := r.Release.Table("funnel")
	for row, want := range map[string]disclosure.State{
		"submitted": disclosure.Shown, "linked": disclosure.Shown, "eligible": disclosure.Shown, "matched": disclosure.Shown,
		"outside_caliper": disclosure.Suppressed, "no_comparator": disclosure.Shown,
	} {
		if cell, _ := funnel.Lookup(row, "people"); cell.State() != want {
			t.Errorf("%s (%d matched of %d eligible): %v, want %v", row, c.Matched, c.Eligible, cell.State(), want)
		}
	}
	if strings.Contains(r.Analysed, "undisclosed") {
		t.Errorf("sentence: %q", r.Analysed)
	}
	if want := thousands(disclosure.DefaultRules().RoundCount(c.Matched)) + " were matched"; !strings.Contains(r.Analysed, want) {
		t.Errorf("sentence %q does not say %q", r.Analysed, want)
	}
}

// TestRefusedBelowMinimumCohort: 99 matched participants is below the
// minimum of 100.
func TestRefusedBelowMinimumCohort(t *testing.T) {
	ev := fixture(t)
	ev.Counts.Matched = 99
	_, err := Build(ev, Options{})
	if !errors.Is(err, disclosure.ErrRefused) || !strings.Contains(err.Error(), "99") {
		t.Fatalf("%v, want a refusal naming 99", err)
	}
}

// TestDeterministic: the report is a pure function of the evaluation.
func TestDeterministic(t *testing.T) {
	_, a := build(t, fixture(t))
	_, b := build(t, fixture(t))
	if a != b {
		t.Error("two builds of one evaluation differ")
	}
}

// TestPublishDifferencingGuard runs the command's front door: the first
// cohort is published and recorded; the same evaluation with one linked
// participant more is refused with nothing written; 100 more is accepted.
func TestPublishDifferencingGuard(t *testing.T) {
	dir := t.TempDir()
	evPath := filepath.Join(dir, "evaluation.json")
	b, _ := os.ReadFile("testdata/evaluation.json")
	os.WriteFile(evPath, b, 0o600)
	key := filepath.Join(dir, "key")
	os.WriteFile(key, bytes.Repeat([]byte{7}, 32), 0o600)
	linked := func(n int) string {
		var s strings.Builder
		s.WriteString("participant_ref,person_id,status\n")
		for i := range n {
			fmt.Fprintf(&s, "R%d,P%06d,match\n", i, i)
		}
		fmt.Fprintf(&s, "X,P999999,non-match\n")
		p := filepath.Join(dir, fmt.Sprintf("linked%d.csv", n))
		os.WriteFile(p, []byte(s.String()), 0o600)
		return p
	}
	cfg := func(n int, out string) PublishConfig {
		return PublishConfig{Evaluation: evPath, Out: filepath.Join(dir, out), Organisation: "Org", Registry: filepath.Join(dir, "reg.json"), KeyFile: key, Members: linked(n)}
	}
	ctx := context.Background()
	if err := Publish(ctx, cfg(490, "a.html")); err != nil {
		t.Fatal(err)
	}
	err := Publish(ctx, cfg(491, "b.html"))
	if !errors.Is(err, disclosure.ErrRefused) || !strings.Contains(err.Error(), "by 1 person,") {
		t.Fatalf("one more person: %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.html")); err == nil {
		t.Error("a refused report was written")
	}
	if err := Publish(ctx, cfg(490, "c.html")); err != nil {
		t.Errorf("identical republication: %v", err)
	}
	if err := Publish(ctx, cfg(590, "d.csv")); err != nil {
		t.Errorf("100 more people: %v", err)
	}
	reg, _ := os.ReadFile(filepath.Join(dir, "reg.json"))
	if bytes.Contains(reg, []byte("P000001")) {
		t.Error("the registry holds a raw person_id")
	}
}
