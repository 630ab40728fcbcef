package timeline

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// Expected merges worked by hand from the closed-interval rule: spells of one
// status join when they overlap or when one ends the day before the next
// starts (end+1 == start).
func TestBuildMergesSpells(t *testing.T) {
	type want struct {
		status Status
		spells [][2]string
	}
	cases := []struct {
		name string
		rows Rows
		want []want
	}{
		{
			name: "overlapping spells of one class become one",
			rows: Rows{Employment: []Interval{span(t, "2020-01-01", "2020-03-31"), span(t, "2020-03-01", "2020-06-30")}},
			want: []want{{Employed, [][2]string{{"2020-01-01", "2020-06-30"}}}},
		},
		{
			name: "adjacent spells (end+1 == start) become one; a one-day gap keeps two",
			rows: Rows{Employment: []Interval{
				span(t, "2020-01-01", "2020-01-31"), span(t, "2020-02-01", "2020-02-10"), // adjacent
				span(t, "2020-02-12", "2020-02-20"), // 2020-02-11 uncovered
			}},
			want: []want{{Employed, [][2]string{{"2020-01-01", "2020-02-10"}, {"2020-02-12", "2020-02-20"}}}},
		},
		{
			name: "two employers at once: the later job lies inside the ongoing one",
			rows: Rows{Employment: []Interval{span(t, "2020-06-01", "2020-12-31"), span(t, "2019-01-01", "")}},
			want: []want{{Employed, [][2]string{{"2019-01-01", ""}}}},
		},
		{
			name: "an ongoing spell absorbs a later one and stays ongoing",
			rows: Rows{Employment: []Interval{span(t, "2021-01-01", ""), span(t, "2022-01-01", "2022-02-01")}},
			want: []want{{Employed, [][2]string{{"2021-01-01", ""}}}},
		},
		{
			name: "spells across 2020-02-29 are adjacent to one starting 2020-03-01",
			rows: Rows{Employment: []Interval{span(t, "2020-03-01", "2020-03-31"), span(t, "2020-02-01", "2020-02-29")}},
			want: []want{{Employed, [][2]string{{"2020-02-01", "2020-03-31"}}}},
		},
		{
			name: "a spell ending before it starts covers no day and is dropped",
			rows: Rows{Employment: []Interval{span(t, "2020-05-01", "2020-04-30"), span(t, "2020-01-01", "2020-01-01")}},
			want: []want{{Employed, [][2]string{{"2020-01-01", "2020-01-01"}}}},
		},
		{
			name: "benefit codes map to their classes; JSA and UC_SEARCHING adjacent merge; unknown code skipped",
			rows: Rows{Benefits: []BenefitSpell{
				{"UC_SEARCHING", span(t, "2020-02-01", "2020-03-31")},
				{"JSA", span(t, "2020-01-01", "2020-01-31")},
				{"ESA", span(t, "2019-01-01", "2019-06-30")},
				{"UC_NO_WORK_REQ", span(t, "2019-06-15", "2019-12-31")},
				{"UC_WORKING", span(t, "2021-01-01", "")},
				{"PIP", span(t, "2018-01-01", "")},
				{"DLA", span(t, "2010-01-01", "2017-12-31")},
				{"HOUSING", span(t, "2015-01-01", "")},
			}},
			want: []want{
				{OutOfWorkBenefit, [][2]string{{"2020-01-01", "2020-03-31"}}},
				{InactivityBenefit, [][2]string{{"2019-01-01", "2019-12-31"}}},
				{InWorkBenefit, [][2]string{{"2021-01-01", ""}}},
				{DisabilityBenefit, [][2]string{{"2010-01-01", ""}}}, // DLA to 2017-12-31, PIP from 2018-01-01
			},
		},
		{
			name: "education spells give InEducation",
			rows: Rows{Education: []EducationSpell{
				{Interval: span(t, "2019-09-01", "2020-06-30"), Level: "L2", Achieved: true},
				{Interval: span(t, "2020-09-01", ""), Level: "L3"},
			}},
			want: []want{{InEducation, [][2]string{{"2019-09-01", "2020-06-30"}, {"2020-09-01", ""}}}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := Build(c.rows)
			var wantAll [NumStatus][]Interval
			for _, w := range c.want {
				for _, s := range w.spells {
					wantAll[w.status] = append(wantAll[w.status], span(t, s[0], s[1]))
				}
			}
			for s := range NumStatus {
				if !slices.Equal(tl.Spells[s], wantAll[s]) {
					t.Errorf("%s spells = %v, want %v", s, tl.Spells[s], wantAll[s])
				}
			}
			if err := tl.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestBuildEarnings(t *testing.T) {
	rows := Rows{Earnings: []Earning{
		{month(t, "2020-03"), 300},
		{month(t, "2020-01"), 100},
		{month(t, "2020-03"), 50.5}, // a second row for 2020-03: summed, 300 + 50.5
		{month(t, "2019-12"), 1000},
		{month(t, "2020-02"), 0},
	}}
	tl := Build(rows)
	wantMonths := []Month{month(t, "2019-12"), month(t, "2020-01"), month(t, "2020-02"), month(t, "2020-03")}
	// Running totals: 1000; 1000+100 = 1100; 1100+0 = 1100; 1100+350.5 = 1450.5.
	wantCum := []float64{1000, 1100, 1100, 1450.5}
	if !slices.Equal(tl.EarnMonths, wantMonths) {
		t.Errorf("EarnMonths = %v, want %v", tl.EarnMonths, wantMonths)
	}
	if len(tl.EarnCum) != len(wantCum) {
		t.Fatalf("EarnCum = %v, want %v", tl.EarnCum, wantCum)
	}
	for i := range wantCum {
		if !close(tl.EarnCum[i], wantCum[i], 1e-12) {
			t.Errorf("EarnCum[%d] = %v, want %v", i, tl.EarnCum[i], wantCum[i])
		}
	}
	if err := tl.Check(); err != nil {
		t.Error(err)
	}
}

func TestBuildCourseAchieved(t *testing.T) {
	rows := Rows{Education: []EducationSpell{
		{Interval: span(t, "2021-09-01", "2022-06-30"), Achieved: true},
		{Interval: span(t, "2019-09-01", "2020-07-15"), Achieved: true},
		{Interval: span(t, "2020-09-01", "2021-06-30"), Achieved: false}, // not achieved
		{Interval: span(t, "2022-09-01", ""), Achieved: true},            // ongoing: no end date to count
	}}
	want := []Date{day(t, "2020-07-15"), day(t, "2022-06-30")} // sorted
	if got := Build(rows).CourseAchieved; !slices.Equal(got, want) {
		t.Errorf("CourseAchieved = %v, want %v", got, want)
	}
}

// randomRows draws a person with up to n spells of each kind over about 20
// years, some ongoing, some touching or overlapping, and unsorted earnings
// with repeated months.
func randomRows(rng *rand.Rand, n int) Rows {
	base := int32(14000)
	iv := func() Interval {
		s := Date(base + rng.Int32N(7300))
		e := s + Date(rng.Int32N(400))
		if rng.IntN(8) == 0 {
			e = Ongoing
		}
		return Interval{s, e}
	}
	codes := []string{"JSA", "UC_SEARCHING", "ESA", "IS", "IB", "UC_PREPARING", "UC_NO_WORK_REQ", "UC_WORKING", "PIP", "DLA"}
	var r Rows
	r.Person = Person{DateOfBirth: Date(base - 9000 + rng.Int32N(5000)), Sex: "FM"[rng.IntN(2)], Region: "R"}
	for range rng.IntN(n + 1) {
		r.Employment = append(r.Employment, iv())
	}
	for range rng.IntN(n + 1) {
		r.Benefits = append(r.Benefits, BenefitSpell{codes[rng.IntN(len(codes))], iv()})
	}
	for range rng.IntN(n/2 + 1) {
		r.Education = append(r.Education, EducationSpell{Interval: iv(), Achieved: rng.IntN(2) == 0})
	}
	for range rng.IntN(6 * n) {
		r.Earnings = append(r.Earnings, Earning{Month(460 + rng.IntN(240)), float64(rng.IntN(300000)) / 100})
	}
	return r
}

// rawSpells returns r's valid spells of status s, unmerged.
func rawSpells(r Rows, s Status) []Interval {
	var out []Interval
	keep := func(iv Interval) {
		if iv.Start <= iv.End {
			out = append(out, iv)
		}
	}
	switch s {
	case Employed:
		for _, iv := range r.Employment {
			keep(iv)
		}
	case InEducation:
		for _, e := range r.Education {
			keep(e.Interval)
		}
	default:
		for _, b := range r.Benefits {
			if c, ok := ClassOf(b.Code); ok {
				if bs, _ := statusOfClass(c); bs == s {
					keep(b.Interval)
				}
			}
		}
	}
	return out
}

// Property: the merged intervals cover exactly the days the raw spells
// cover, and keep the invariants Check verifies; a reused Builder gives the
// same timelines as Build.
func TestBuildCoversSameDaysAsRawSpells(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var b Builder
	for trial := range 300 {
		r := randomRows(rng, 8)
		tl := Build(r)
		if err := tl.Check(); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		for s := range NumStatus {
			raw := rawSpells(r, s)
			for x := Date(13990); x < 21800; x++ {
				want := naiveWeeks(raw, x, 0, 0) == 1
				if got := tl.Covers(s, x); got != want {
					t.Fatalf("trial %d: Covers(%s, %s) = %v, raw spells say %v (raw %v, merged %v)", trial, s, x, got, want, raw, tl.Spells[s])
				}
			}
		}
		// Earnings by month against a direct sum of the raw rows.
		for m := Month(455); m < 705; m += 7 {
			want := 0.0
			for _, e := range r.Earnings {
				if e.Month >= m && e.Month <= m+11 {
					want += e.Amount
				}
			}
			if got := tl.Earnings(m, m+11); !close(got, want, 1e-9) {
				t.Fatalf("trial %d: Earnings(%s, %s) = %v, raw rows sum to %v", trial, m, m+11, got, want)
			}
		}
		if got := b.Build(r); !reflect.DeepEqual(got, tl) {
			t.Fatalf("trial %d: Builder.Build = %+v, Build = %+v", trial, got, tl)
		}
	}
}

func TestBuilderAllocatesNothingOnceGrown(t *testing.T) {
	r := typicalRows()
	var b Builder
	b.Build(r)
	if n := testing.AllocsPerRun(100, func() { b.Build(r) }); n != 0 {
		t.Errorf("Builder.Build allocates %v times a call once grown, want 0", n)
	}
	// Build: one buffer each for spells, months, running totals and
	// achievement dates (earnings arrive sorted here).
	if n := testing.AllocsPerRun(100, func() { Build(r) }); n > 4 {
		t.Errorf("Build allocates %v times a call, want at most 4", n)
	}
}

func TestCheckRejectsBrokenTimelines(t *testing.T) {
	good := Build(typicalRows())
	cases := []struct {
		name  string
		spoil func(tl *Timeline)
	}{
		{"overlap", func(tl *Timeline) { tl.Spells[Employed] = []Interval{{10, 20}, {15, 30}} }},
		{"adjacent", func(tl *Timeline) { tl.Spells[Employed] = []Interval{{10, 20}, {21, 30}} }},
		{"reversed", func(tl *Timeline) { tl.Spells[OutOfWorkBenefit] = []Interval{{20, 10}} }},
		{"months out of order", func(tl *Timeline) { tl.EarnMonths = []Month{5, 4}; tl.EarnCum = []float64{1, 2} }},
		{"totals missing", func(tl *Timeline) { tl.EarnMonths = []Month{4, 5}; tl.EarnCum = []float64{1} }},
		{"achievements unsorted", func(tl *Timeline) { tl.CourseAchieved = []Date{9, 3} }},
	}
	if err := good.Check(); err != nil {
		t.Fatalf("Check on a built timeline: %v", err)
	}
	for _, c := range cases {
		tl := good
		c.spoil(&tl)
		if err := tl.Check(); err == nil {
			t.Errorf("%s: Check returned nil", c.name)
		}
	}
}

func TestFlatViewsAgreeWithTimelines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var f Flat
	var want []Timeline
	var b Builder
	for range 200 {
		r := randomRows(rng, 6)
		tl := b.Build(r) // aliases b's buffers: Append must copy
		if i := f.Append(&tl); i != len(want) {
			t.Fatalf("Append returned %d, want %d", i, len(want))
		}
		want = append(want, Build(r))
	}
	if f.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", f.Len(), len(want))
	}
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}
	d := day(t, "2020-02-29")
	win := Window{End: day(t, "2030-12-31")}
	for i := range want {
		v := f.Timeline(i)
		if !reflect.DeepEqual(v, want[i]) {
			t.Fatalf("Flat.Timeline(%d) = %+v, want %+v", i, v, want[i])
		}
		if v.Covariates(d) != want[i].Covariates(d) || v.Outcomes(d, win) != want[i].Outcomes(d, win) {
			t.Fatalf("timeline %d: covariates or outcomes differ between the view and the built timeline", i)
		}
	}
	f.SpellOff[3] = f.SpellOff[4] + 1
	if err := f.Check(); err == nil {
		t.Error("Check accepted decreasing offsets")
	}
}
