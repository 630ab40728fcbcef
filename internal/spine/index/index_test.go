package index

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/spinetest"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// importSpine writes files into a folder and imports them, returning the
// database path.
func importSpine(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	rep, err := spine.Import(context.Background(), dir, db, spine.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ProblemCount != 0 {
		t.Fatalf("import problems: %v", rep.Problems)
	}
	return db
}

// edgeSpine is the hand-built spine of the exactness tests. The window runs
// from 2019-01-01 (E's first earnings month) to 2024-12-31 (E's last).
//
//	A: one job 2020-01-01..2021-03-01, ending on the reference day.
//	B: out-of-work benefit, overlapping spells of one class (UC_SEARCHING
//	   2020-05-01..2020-07-01, JSA 2020-06-01..ongoing); PIP ongoing.
//	C: two employers at once (2020-01-06..2020-12-31 and
//	   2020-06-01..2021-06-30); earnings 1000 a month 2020-01..2021-06 with
//	   a second employer's 200 in 2020-06.
//	D: born on a leap day; employed on 2020-02-29 only.
//	E: employed 2018-01-01..ongoing (from before the window); earnings in
//	   the window's first and last months.
func edgeSpine() map[string]string {
	earnings := "person_id,month,amount\n"
	for m := timeline.MonthOf(2020, 1); m <= timeline.MonthOf(2021, 6); m++ {
		earnings += "C," + m.String() + ",1000\n"
	}
	earnings += "C,2020-06,200\nE,2019-01,50\nE,2024-12,70\n"
	return map[string]string{
		"people.csv": "person_id,date_of_birth,sex,region\n" +
			"A,1980-03-01,F,London\nB,1990-01-01,M,Wales\nC,1975-07-15,F,London\nD,2000-02-29,M,Scotland\nE,1999-12-31,F,Wales\n",
		"identities.csv": "person_id,nino,first_name,last_name,date_of_birth,postcode\n" +
			"A,,,,,\nB,,,,,\nC,,,,,\nD,,,,,\nE,,,,,\n",
		"benefit_spells.csv": "person_id,benefit,start_date,end_date\n" +
			"B,UC_SEARCHING,2020-05-01,2020-07-01\nB,JSA,2020-06-01,\nB,PIP,2019-01-01,\n",
		"employment_spells.csv": "person_id,employer_id,start_date,end_date\n" +
			"A,X,2020-01-01,2021-03-01\n" +
			"C,X,2020-01-06,2020-12-31\nC,Y,2020-06-01,2021-06-30\n" +
			"D,X,2020-02-29,2020-02-29\n" +
			"E,X,2018-01-01,\n",
		"earnings.csv": earnings,
	}
}

func cal(y, m, d int) timeline.Date { return timeline.DateOf(y, timeMonth(m), d) }

func TestIndexExact(t *testing.T) {
	ctx := context.Background()
	db := importSpine(t, edgeSpine())
	ix, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 5 {
		t.Fatalf("Len = %d, want 5", ix.Len())
	}
	wantWin := timeline.Window{Start: cal(2019, 1, 1), End: cal(2024, 12, 31), EarningsFrom: timeline.MonthOf(2019, 1)}
	if ix.Window() != wantWin {
		t.Fatalf("window %+v, want %+v", ix.Window(), wantWin)
	}
	person := func(id string) int {
		i, ok := ix.Lookup(id)
		if !ok || ix.PersonID(i) != id {
			t.Fatalf("Lookup(%s) = %d, %v", id, i, ok)
		}
		return i
	}
	if _, ok := ix.Lookup("Z"); ok {
		t.Error("Lookup found a person who is not in the spine")
	}

	// Expected figures are counted by hand from the calendar (day counts
	// in the comments); the timeline package's definitions (doc.go) apply.
	ref := cal(2021, 3, 1)
	cases := []struct {
		name string
		id   string
		d    timeline.Date
		want timeline.Covariates
	}{
		{
			// 2020-01-01 is 425 days before 2021-03-01: weeks -60..-1 employed.
			name: "spell ending on the reference day", id: "A", d: ref,
			want: timeline.Covariates{Age: float64(ref-cal(1980, 3, 1)) / 365.25, Sex: 'F', Region: "London",
				WeeksEmployed52: 52, WeeksEmployed104: 60, StartMonth: timeline.MonthOf(2021, 3)},
		},
		{
			// Out-of-work from 2020-05-01, 304 days before d: weeks -43..-1.
			name: "overlapping spells of one class, ongoing", id: "B", d: ref,
			want: timeline.Covariates{Age: float64(ref-cal(1990, 1, 1)) / 365.25, Sex: 'M', Region: "Wales",
				BenefitClass: timeline.ClassOutOfWork, Disability: true,
				WeeksOutOfWork52: 43, WeeksOutOfWork104: 43, StartMonth: timeline.MonthOf(2021, 3)},
		},
		{
			// Employed from 2020-01-06 (420 days before d): weeks -60..-1.
			// Earnings 2020-03..2021-02: 12 x 1000 + 200 in 2020-06.
			name: "two employers at once", id: "C", d: ref,
			want: timeline.Covariates{Age: float64(ref-cal(1975, 7, 15)) / 365.25, Sex: 'F', Region: "London",
				WeeksEmployed52: 52, WeeksEmployed104: 60, EarningsPrior12: 12200, StartMonth: timeline.MonthOf(2021, 3)},
		},
		{
			// Week -1 of 2020-03-07 is 2020-02-29, the one day employed.
			name: "leap day", id: "D", d: cal(2020, 3, 7),
			want: timeline.Covariates{Age: float64(cal(2020, 3, 7)-cal(2000, 2, 29)) / 365.25, Sex: 'M', Region: "Scotland",
				WeeksEmployed52: 1, WeeksEmployed104: 1, StartMonth: timeline.MonthOf(2020, 3)},
		},
		{
			// On the window's first day: the job began a year before it and
			// the look-back counts it (true dates kept); no earnings before.
			name: "reference date on the window's start", id: "E", d: cal(2019, 1, 1),
			want: timeline.Covariates{Age: float64(cal(2019, 1, 1)-cal(1999, 12, 31)) / 365.25, Sex: 'F', Region: "Wales",
				WeeksEmployed52: 52, WeeksEmployed104: 52, StartMonth: timeline.MonthOf(2019, 1)},
		},
	}
	pairs := make([]Pair, len(cases))
	for k, c := range cases {
		pairs[k] = Pair{Person: person(c.id), Date: c.d}
	}
	got := make([]timeline.Covariates, len(pairs))
	if err := ix.Covariates(ctx, pairs, got); err != nil {
		t.Fatal(err)
	}
	for k, c := range cases {
		w, g := c.want, got[k]
		if d := g.Age - w.Age; d > 1e-12 || d < -1e-12 {
			t.Errorf("%s: age %v, want %v", c.name, g.Age, w.Age)
		}
		if d := g.EarningsPrior12 - w.EarningsPrior12; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: earnings %v, want %v", c.name, g.EarningsPrior12, w.EarningsPrior12)
		}
		g.Age, w.Age, g.EarningsPrior12, w.EarningsPrior12 = 0, 0, 0, 0
		if g != w {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, g, w)
		}
	}
	if d := got[3].Age - 20.01917; d > 1e-5 || d < -1e-5 { // 7312 days / 365.25
		t.Errorf("leap-day age %v, want 20.01917", got[3].Age)
	}

	// Outcomes.
	weeks := func(o timeline.Weeks) []int {
		var w []int
		for k := 0; k <= timeline.Horizon; k++ {
			if o.Has(k) {
				w = append(w, k)
			}
		}
		return w
	}
	// A: employed at week 0 (the spell's last day) only.
	oa := ix.Outcomes(person("A"), ref)
	if oa.AvailableWeeks != 105 || len(weeks(oa.Employed)) != 1 || !oa.Employed.Has(0) || oa.WeeksEmployed0_51 != 1 || !oa.WeeksEmployed0_51OK {
		t.Errorf("A outcomes: available %d employed %v weeks0_51 %d", oa.AvailableWeeks, weeks(oa.Employed), oa.WeeksEmployed0_51)
	}
	// B: on out-of-work benefit every week 0..104 (ongoing).
	ob := ix.Outcomes(person("B"), ref)
	if len(weeks(ob.OutOfWorkBenefit)) != 105 || len(weeks(ob.Employed)) != 0 {
		t.Errorf("B outcomes: out of work %d weeks, employed %d", len(weeks(ob.OutOfWorkBenefit)), len(weeks(ob.Employed)))
	}
	// C: employed to 2021-06-30, 121 days after d: weeks 0..17.
	oc := ix.Outcomes(person("C"), ref)
	if oc.WeeksEmployed0_51 != 18 || oc.WeeksEmployed0_103 != 18 || !oc.Sustained13 || !oc.Sustained13OK || oc.Sustained26 || !oc.Sustained26OK {
		t.Errorf("C outcomes: %d/%d weeks, sustained13 %v/%v sustained26 %v/%v", oc.WeeksEmployed0_51, oc.WeeksEmployed0_103, oc.Sustained13, oc.Sustained13OK, oc.Sustained26, oc.Sustained26OK)
	}
	// C earnings 2021-04..2022-03 = 3000 (Apr-Jun); 2022-04..2023-03 = 0, known.
	if oc.Earnings1_12 != 3000 || !oc.Earnings1_12OK || oc.Earnings13_24 != 0 || !oc.Earnings13_24OK {
		t.Errorf("C earnings outcomes %v/%v %v/%v", oc.Earnings1_12, oc.Earnings1_12OK, oc.Earnings13_24, oc.Earnings13_24OK)
	}
	// D on the leap day itself: week 0 employed only.
	od := ix.Outcomes(person("D"), cal(2020, 2, 29))
	if w := weeks(od.Employed); len(w) != 1 || w[0] != 0 {
		t.Errorf("D employed weeks %v, want [0]", w)
	}
	// E near the window's end: 2024-12-01 + 7w <= 2024-12-31 for w 0..4;
	// later weeks and every 12-month total are unavailable, not zero.
	oe := ix.Outcomes(person("E"), cal(2024, 12, 1))
	if oe.AvailableWeeks != 5 || len(weeks(oe.Employed)) != 5 || oe.WeeksEmployed0_51OK || oe.Earnings1_12OK || oe.Earnings13_24OK {
		t.Errorf("E outcomes near the end: %+v", oe)
	}
	if v, ok := oe.Value("employed", 5); ok {
		t.Errorf("employed at week 5 past the window = %v, available; want unavailable", v)
	}
	if v, ok := oe.Value("employed", 4); !ok || v != 1 {
		t.Errorf("employed at week 4 = %v, %v; want 1, available", v, ok)
	}
	// Past the window's end entirely: nothing available.
	if o := ix.Outcomes(person("E"), cal(2025, 1, 1)); o.AvailableWeeks != 0 {
		t.Errorf("reference date after the window: %d weeks available", o.AvailableWeeks)
	}

	// The batch form agrees with the single form.
	outs := make([]timeline.Outcomes, len(pairs))
	if err := ix.OutcomesOf(ctx, pairs, outs); err != nil {
		t.Fatal(err)
	}
	for k, p := range pairs {
		if outs[k] != ix.Outcomes(p.Person, p.Date) {
			t.Errorf("OutcomesOf[%d] differs from Outcomes", k)
		}
	}
	if err := ix.Covariates(ctx, []Pair{{Person: 5}}, make([]timeline.Covariates, 1)); err == nil {
		t.Error("a pair naming person 5 of 5 was accepted")
	}
}

// TestIndexCache checks that the cache is reused while the spine is
// unchanged, rebuilt when it changes (and the old cache removed), and
// rebuilt when damaged.
func TestIndexCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFiles(t, dir, edgeSpine())
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	if _, err := spine.Import(ctx, dir, db, spine.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	first, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path1, built := first.File()
	if !built {
		t.Fatal("first Open did not build")
	}
	second, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p, built := second.File(); built || p != path1 {
		t.Fatalf("second Open: built %v file %s, want loaded from %s", built, p, path1)
	}
	sameIndex(t, first, second)

	// Change one earnings amount: a new hash, a rebuild, the old cache gone.
	files := edgeSpine()
	files["earnings.csv"] += "A,2020-02,10\n"
	writeFiles(t, dir, files)
	if _, err := spine.Import(ctx, dir, db, spine.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	third, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path3, built := third.File()
	if !built || path3 == path1 {
		t.Fatalf("after a change: built %v, file %s (was %s)", built, path3, path1)
	}
	if _, err := os.Stat(path1); !os.IsNotExist(err) {
		t.Errorf("old cache %s still there (%v)", path1, err)
	}
	if third.ContentHash() == first.ContentHash() {
		t.Error("content hash unchanged after a change")
	}
	a, _ := third.Lookup("A")
	if c := third.Covariate(a, cal(2020, 3, 1)); c.EarningsPrior12 != 10 {
		t.Errorf("rebuilt index: A earnings %v, want 10", c.EarningsPrior12)
	}

	// Damage the cache: it is rebuilt, not trusted.
	b, err := os.ReadFile(path3)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path3, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fourth, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, built := fourth.File(); !built {
		t.Error("a damaged cache was loaded")
	}
	sameIndex(t, third, fourth)
}

// TestIndexRoundTrip compares a built index with the one read back from
// its file on a synthetic spine: every array and every covariate.
func TestIndexRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := spinetest.Write(dir, spinetest.Config{People: 2000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	if _, err := spine.Import(ctx, dir, db, spine.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	built, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, b := loaded.File(); b {
		t.Fatal("second Open rebuilt")
	}
	sameIndex(t, built, loaded)
	// Every person's timeline equals timeline.Build of their rows read
	// independently through SQL (a second route to the same answer).
	for _, i := range []int{0, 1, 17, 999, 1999} {
		want := buildFromSQL(t, db, int32(i))
		got := loaded.Timeline(i)
		if !equalTimelines(&got, &want) {
			t.Errorf("person %d: index timeline differs from timeline.Build of its rows", i)
		}
	}
	if st := loaded.Stats(); st.People != 2000 || st.Intervals == 0 || st.EarningsMonths == 0 {
		t.Errorf("stats %+v", st)
	}
}

func sameIndex(t *testing.T, a, b *Index) {
	t.Helper()
	if a.Len() != b.Len() || a.Window() != b.Window() || a.ContentHash() != b.ContentHash() {
		t.Fatalf("indexes differ: len %d/%d window %v/%v", a.Len(), b.Len(), a.Window(), b.Window())
	}
	for i := range a.Len() {
		ta, tb := a.Timeline(i), b.Timeline(i)
		if !equalTimelines(&ta, &tb) || a.PersonID(i) != b.PersonID(i) {
			t.Fatalf("person %d differs", i)
		}
		if j, ok := b.Lookup(a.PersonID(i)); !ok || j != i {
			t.Fatalf("Lookup(%s) = %d, %v; want %d", a.PersonID(i), j, ok, i)
		}
	}
}

func equalTimelines(a, b *timeline.Timeline) bool {
	if a.Person != b.Person {
		return false
	}
	for s := range timeline.NumStatus {
		if !equalSlices(a.Spells[s], b.Spells[s]) {
			return false
		}
	}
	return equalSlices(a.EarnMonths, b.EarnMonths) && equalSlices(a.EarnCum, b.EarnCum) && equalSlices(a.CourseAchieved, b.CourseAchieved)
}

func equalSlices[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBuildRejectsBadOrder: a table whose rows are not grouped by pid, or
// that names a pid people lacks, fails the build with a clear error rather
// than producing a wrong index.
func TestBuildRejectsBadOrder(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ name, sql, want string }{
		{"out of order", `INSERT INTO employment_spells VALUES (0, 'X', DATE '2020-01-01', NULL)`, "not grouped by pid"},
		{"unknown pid", `INSERT INTO employment_spells VALUES (99, 'X', DATE '2020-01-01', NULL)`, "people does not have"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := importSpine(t, edgeSpine())
			conn, err := sql.Open("duckdb", db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			if _, err := Open(ctx, db, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Open: %v, want an error containing %q", err, c.want)
			}
		})
	}
}
