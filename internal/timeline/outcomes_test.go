package timeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The window used by the outcome tests: complete to 2023-12-31, earnings
// from 2016-04.
func testWindow(t *testing.T) Window {
	return Window{Start: day(t, "2015-01-01"), End: day(t, "2023-12-31"), EarningsFrom: month(t, "2016-04")}
}

// want is an expected outcome value: ok false means unavailable.
type want struct {
	v  float64
	ok bool
}

func yes(v float64) want { return want{v, true} }

var unavailable = want{}

// checkValues compares Value(name, week) against expected values.
func checkValues(t *testing.T, o *Outcomes, cases map[string]want, week int) {
	t.Helper()
	for name, w := range cases {
		v, ok := o.Value(name, week)
		if ok != w.ok || (ok && !close(v, w.v, 1e-12)) {
			t.Errorf("Value(%q, %d) = %v, %v; want %v, %v", name, week, v, ok, w.v, w.ok)
		}
	}
}

// Expected outcomes worked by hand. Week w is day d+7w; AvailableWeeks is
// floor((End-d)/7)+1, at most 105.
func TestOutcomes(t *testing.T) {
	win := testWindow(t)
	everyMonth := func(from, to string, amount float64) []Earning {
		var out []Earning
		for m := month(t, from); m <= month(t, to); m++ {
			out = append(out, Earning{m, amount})
		}
		return out
	}
	cases := []struct {
		name      string
		rows      Rows
		d         string
		available int
		summary   map[string]want
		weekly    map[int]map[string]want // week -> name -> value
	}{
		{
			name: "employment ends on d, JSA from the day after; full window",
			rows: Rows{
				Employment: []Interval{span(t, "2021-01-01", "2021-06-15")},
				Benefits:   []BenefitSpell{{"JSA", span(t, "2021-06-16", "")}},
				Earnings:   everyMonth("2021-01", "2021-06", 2000),
			},
			d: "2021-06-15",
			// d + 728 = 2023-06-13 <= 2023-12-31: all 105 weeks.
			available: 105,
			summary: map[string]want{
				"weeks_employed_0_51":  yes(1), // week 0 only
				"weeks_employed_0_103": yes(1),
				// Months 2021-07..2022-06 and 2022-07..2023-06: no rows, and
				// 2023-06-30 <= End, so a known zero.
				"earnings_months_1_12":    yes(0),
				"earnings_months_13_24":   yes(0),
				"sustained_employment_13": yes(0), // 105 >= 64 weeks seen
				"sustained_employment_26": yes(0), // 105 >= 77
			},
			weekly: map[int]map[string]want{
				0:   {"employed": yes(1), "on_out_of_work_benefit": yes(0), "on_inactivity_benefit": yes(0)},
				1:   {"employed": yes(0), "on_out_of_work_benefit": yes(1)},
				104: {"employed": yes(0), "on_out_of_work_benefit": yes(1)},
				105: {"employed": unavailable, "on_out_of_work_benefit": unavailable}, // past Horizon
				-1:  {"employed": unavailable},
			},
		},
		{
			name: "near the window's end: ongoing job from d",
			rows: Rows{Employment: []Interval{span(t, "2023-06-01", "")}},
			d:    "2023-06-01",
			// End - d = 30+31+31+30+31+30+31 - 1 = 213; floor(213/7) + 1 = 31: weeks 0..30.
			available: 31,
			summary: map[string]want{
				"weeks_employed_0_51":   unavailable, // needs weeks 0..51
				"weeks_employed_0_103":  unavailable,
				"earnings_months_1_12":  unavailable, // 2023-07..2024-06 ends after 2023-12-31
				"earnings_months_13_24": unavailable,
				// Weeks 0..12 and 0..25 are seen employed, but 31 < 64: still
				// unavailable, so availability cannot depend on the outcome.
				"sustained_employment_13": unavailable,
				"sustained_employment_26": unavailable,
			},
			weekly: map[int]map[string]want{
				30: {"employed": yes(1)},
				31: {"employed": unavailable, "on_out_of_work_benefit": unavailable}, // 2024-01-04: the spell is ongoing, but unobserved
			},
		},
		{
			name: "near the window's end: job starts 2023-09-01",
			rows: Rows{Employment: []Interval{span(t, "2023-09-01", "")}},
			d:    "2023-06-01",
			// 09-01 is d + 92 (30+31+31): employed from week 14 (98) to week 30: 17 weeks.
			available: 31,
			summary: map[string]want{
				"sustained_employment_13": unavailable, // a run at weeks 14..26 is seen, but 31 < 64 weeks observed
				"sustained_employment_26": unavailable, // 31 < 77
			},
		},
		{
			name:      "near the window's end: never employed",
			rows:      Rows{},
			d:         "2023-06-01",
			available: 31,
			summary: map[string]want{
				"sustained_employment_13": unavailable, // 31 < 64: a run could start later
				"sustained_employment_26": unavailable,
			},
		},
		{
			name: "a year before the window's end: never employed",
			rows: Rows{},
			d:    "2022-06-01",
			// End - d = 365 + 213 = 578; floor(578/7) + 1 = 83.
			available: 83,
			summary: map[string]want{
				"weeks_employed_0_51":     yes(0),      // 83 >= 52
				"weeks_employed_0_103":    unavailable, // 83 < 104
				"sustained_employment_13": yes(0),      // 83 >= 64
				"sustained_employment_26": yes(0),      // 83 >= 77
				// m = 2022-06: 2022-07..2023-06 known; 2023-07..2024-06 not.
				"earnings_months_1_12":  yes(0),
				"earnings_months_13_24": unavailable,
			},
		},
		{
			name: "reference date after the window's end",
			rows: Rows{Employment: []Interval{span(t, "2020-01-01", "")}},
			d:    "2024-01-01",
			summary: map[string]want{
				"weeks_employed_0_51": unavailable, "earnings_months_1_12": unavailable,
				"sustained_employment_13": unavailable, "course_achieved_0_103": unavailable,
			},
			weekly: map[int]map[string]want{0: {"employed": unavailable}},
		},
		{
			name:      "reference date on the window's last day: week 0 only",
			rows:      Rows{Employment: []Interval{span(t, "2020-01-01", "")}},
			d:         "2023-12-31",
			available: 1,
			weekly:    map[int]map[string]want{0: {"employed": yes(1)}, 1: {"employed": unavailable}},
		},
		{
			name: "earnings months partly outside the window",
			rows: Rows{Earnings: everyMonth("2016-01", "2023-12", 100)},
			d:    "2022-12-15",
			// 2022-12-15 + 728 = 2024-12-12 > End: floor((End-d)/7)+1 = floor(381/7)+1 = 55.
			available: 55,
			summary: map[string]want{
				"earnings_months_1_12":  yes(1200),   // 2023-01..2023-12, last day = End
				"earnings_months_13_24": unavailable, // 2024-01..2024-12
			},
		},
		{
			name:      "earnings: first month after d is the window's first earnings month",
			rows:      Rows{Earnings: everyMonth("2016-01", "2023-12", 100)},
			d:         "2016-03-10",
			available: 105,
			summary: map[string]want{
				"earnings_months_1_12":  yes(1200), // 2016-04..2017-03
				"earnings_months_13_24": yes(1200), // 2017-04..2018-03
			},
		},
		{
			name:      "earnings: months 1-12 begin before the earnings file does (d = 2016-02-29)",
			rows:      Rows{Earnings: everyMonth("2016-01", "2023-12", 100)},
			d:         "2016-02-29",
			available: 105,
			summary: map[string]want{
				"earnings_months_1_12":  unavailable, // 2016-03 < EarningsFrom 2016-04
				"earnings_months_13_24": yes(1200),   // 2017-03..2018-02
			},
		},
		{
			name: "leap day: jobs adjacent across 2020-02-29",
			rows: Rows{Employment: []Interval{span(t, "2020-02-01", "2020-02-29"), span(t, "2020-03-01", "2020-05-23")}},
			d:    "2020-02-29",
			// Merged [02-01, 05-23]; 05-23 is d + 84 (31+30+23): weeks 0..12, 13 weeks.
			available: 105,
			summary: map[string]want{
				"weeks_employed_0_51":     yes(13),
				"sustained_employment_13": yes(1), // weeks 0..12
				"sustained_employment_26": yes(0),
			},
			weekly: map[int]map[string]want{12: {"employed": yes(1)}, 13: {"employed": yes(0)}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := Build(c.rows)
			o := tl.Outcomes(day(t, c.d), win)
			if o.AvailableWeeks != c.available {
				t.Errorf("AvailableWeeks = %d, want %d", o.AvailableWeeks, c.available)
			}
			checkValues(t, &o, c.summary, 0)
			for w, vals := range c.weekly {
				checkValues(t, &o, vals, w)
			}
		})
	}
}

// Sustained employment at the edges of "a start week in 0..51", with
// spells placed by day offsets from d (week w is d + 7w).
func TestSustainedEmployment(t *testing.T) {
	d := day(t, "2020-01-06")
	win := Window{End: day(t, "2030-12-31")}
	weeks := func(from, to int) Interval { return Interval{d + Date(7*from), d + Date(7*to)} }
	cases := []struct {
		name        string
		jobs        []Interval
		s13, s26    float64
		employed051 float64
	}{
		{"weeks 51..63: a 13-week run starting at week 51", []Interval{weeks(51, 63)}, 1, 0, 1},
		{"weeks 52..64: starts too late", []Interval{weeks(52, 64)}, 0, 0, 0},
		{"weeks 0..11 and 13..25: the second run has 13", []Interval{weeks(0, 11), weeks(13, 25)}, 1, 0, 25},
		{"weeks 0..11 and 13..24: 12 and 12", []Interval{weeks(0, 11), weeks(13, 24)}, 0, 0, 24},
		{"weeks 51..76: a 26-week run starting at week 51", []Interval{weeks(51, 76)}, 1, 1, 1},
		{"weeks 52..77: 26 weeks starting too late", []Interval{weeks(52, 77)}, 0, 0, 0},
		// Ends the day before week 26 (d+181): weeks 0..25, 26 weeks.
		{"d to d+181: weeks 0..25", []Interval{{d, d + 181}}, 1, 1, 26},
		// Ends the day before week 25: weeks 0..24 only.
		{"d to d+174: weeks 0..24", []Interval{{d, d + 174}}, 1, 0, 25},
	}
	for _, c := range cases {
		tl := Build(Rows{Employment: c.jobs})
		o := tl.Outcomes(d, win)
		checkValues(t, &o, map[string]want{
			"sustained_employment_13": yes(c.s13),
			"sustained_employment_26": yes(c.s26),
			"weeks_employed_0_51":     yes(c.employed051),
		}, 0)
		if t.Failed() {
			t.Fatalf("case %q", c.name)
		}
	}
}

func TestExtendedOutcomes(t *testing.T) {
	win := testWindow(t)
	d := day(t, "2020-02-29")
	// Born 2000-02-29: 20 at d. Employed weeks 0..9 (d..d+63), in education
	// weeks 20..29 (d+140..d+203) and from week 43 (ceil(300/7)) on: NEET in
	// 105 - 10 - 10 - 62 (43..104) = 23 weeks (10..19 and 30..42).
	rows := Rows{
		Person:     Person{DateOfBirth: day(t, "2000-02-29"), Sex: 'F', Region: "Wales"},
		Employment: []Interval{{d, d + 63}},
		Education: []EducationSpell{
			{Interval: Interval{d + 140, d + 203}, Achieved: true}, // ends d+203: in weeks 0..103
			{Interval: Interval{d + 300, Ongoing}, Achieved: true}, // ongoing: no achievement yet
		},
	}
	tl := Build(rows)
	o := tl.Outcomes(d, win)
	if !o.NEETEligible || o.NEET.Count() != 23 {
		t.Errorf("NEET: eligible %v, weeks %d; want true, 23", o.NEETEligible, o.NEET.Count())
	}
	checkValues(t, &o, map[string]want{"neet": yes(0), "course_achieved_0_103": yes(1)}, 0) // employed at week 0
	checkValues(t, &o, map[string]want{"neet": yes(1)}, 10)
	checkValues(t, &o, map[string]want{"neet": yes(0)}, 20) // in education
	checkValues(t, &o, map[string]want{"neet": yes(1)}, 42)
	checkValues(t, &o, map[string]want{"neet": yes(0)}, 43) // back in education

	// Age bands at d (AgeInYears): 24 and 16 are in, 25 and 15 out.
	for _, c := range []struct {
		dob, d string
		ok     bool
	}{
		{"1995-03-01", "2020-02-29", true},  // 24
		{"1995-03-01", "2020-03-01", false}, // 25 that day
		{"2004-03-01", "2020-02-29", false}, // 15
		{"2004-03-01", "2020-03-01", true},  // 16 that day
	} {
		tl := Build(Rows{Person: Person{DateOfBirth: day(t, c.dob)}})
		o := tl.Outcomes(day(t, c.d), win)
		if _, ok := o.Value("neet", 0); ok != c.ok {
			t.Errorf("born %s, d %s: neet available %v, want %v", c.dob, c.d, ok, c.ok)
		}
	}

	// course_achieved_0_103 covers days d..d+727.
	for _, c := range []struct {
		name string
		end  Date
		d    Date
		want want
	}{
		{"ends on the last day of week 103", d + 727, d, yes(1)},
		{"ends the day after", d + 728, d, yes(0)},
		{"ends the day before d", d - 1, d, yes(0)},
		{"ends on d", d, d, yes(1)},
		// Near the window's end: unknown whether or not an achievement is seen,
		// so availability does not depend on the outcome.
		{"achieved before the window's end", day(t, "2023-07-01"), day(t, "2023-06-01"), unavailable},
		{"not achieved by the window's end", day(t, "2025-07-01"), day(t, "2023-06-01"), unavailable},
	} {
		tl := Build(Rows{Education: []EducationSpell{{Interval: Interval{c.end - 100, c.end}, Achieved: true}}})
		o := tl.Outcomes(c.d, win)
		v, ok := o.Value("course_achieved_0_103", 0)
		if ok != c.want.ok || v != c.want.v {
			t.Errorf("%s: course_achieved_0_103 = %v, %v; want %v, %v", c.name, v, ok, c.want.v, c.want.ok)
		}
	}
}

// Property: the outcomes agree with the slower routes to the same figures
// (Covers week by week, WeeksCovered, Earnings, a loop over start weeks),
// and an unavailable value is never returned as available.
func TestOutcomesAgreeWithDirectRoutes(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 29))
	win := Window{End: Date(20500), EarningsFrom: Month(500)}
	for trial := range 1500 {
		r := randomRows(rng, 6)
		tl := Build(r)
		d := Date(19000 + rng.Int32N(1700))
		o := tl.Outcomes(d, win)
		avail := 0
		for w := 0; w <= Horizon && d+Date(7*w) <= win.End; w++ {
			avail++
		}
		if o.AvailableWeeks != avail {
			t.Fatalf("trial %d: AvailableWeeks %d, loop says %d", trial, o.AvailableWeeks, avail)
		}
		for w := -1; w <= Horizon+1; w++ {
			for _, c := range []struct {
				name string
				s    Status
			}{{"employed", Employed}, {"on_out_of_work_benefit", OutOfWorkBenefit}, {"on_inactivity_benefit", InactivityBenefit}} {
				v, ok := o.Value(c.name, w)
				wantOK := w >= 0 && w < avail
				if ok != wantOK || (ok && (v == 1) != tl.Covers(c.s, d+Date(7*w))) {
					t.Fatalf("trial %d: Value(%s, %d) = %v, %v", trial, c.name, w, v, ok)
				}
			}
		}
		if v, ok := o.Value("weeks_employed_0_51", 0); ok != (avail >= 52) || (ok && int(v) != tl.WeeksCovered(Employed, d, 0, 51)) {
			t.Fatalf("trial %d: weeks_employed_0_51 = %v, %v", trial, v, ok)
		}
		if v, ok := o.Value("weeks_employed_0_103", 0); ok != (avail >= 104) || (ok && int(v) != tl.WeeksCovered(Employed, d, 0, 103)) {
			t.Fatalf("trial %d: weeks_employed_0_103 = %v, %v", trial, v, ok)
		}
		m := d.Month()
		if v, ok := o.Value("earnings_months_1_12", 0); ok != ((m+12).Last() <= win.End && m+1 >= win.EarningsFrom) || (ok && v != tl.Earnings(m+1, m+12)) {
			t.Fatalf("trial %d: earnings_months_1_12 = %v, %v", trial, v, ok)
		}
		for _, k := range []int{13, 26} {
			achieved := false
			for s := 0; s <= 51 && !achieved; s++ {
				run := true
				for w := s; w < s+k; w++ {
					run = run && w < avail && tl.Covers(Employed, d+Date(7*w))
				}
				achieved = run
			}
			name := map[int]string{13: "sustained_employment_13", 26: "sustained_employment_26"}[k]
			v, ok := o.Value(name, 0)
			wantOK := avail >= 51+k
			if ok != wantOK || (ok && (v == 1) != achieved) {
				t.Fatalf("trial %d: %s = %v, %v; loop says achieved %v, known %v", trial, name, v, ok, achieved, wantOK)
			}
			if o.SustainedComplete(k) != (avail >= 51+k) {
				t.Fatalf("trial %d: SustainedComplete(%d) = %v with %d weeks", trial, k, o.SustainedComplete(k), avail)
			}
		}
	}
}

func TestOutcomeCatalogue(t *testing.T) {
	var names []string
	for _, d := range DefaultOutcomes() {
		names = append(names, d.Name)
		if d.Description == "" {
			t.Errorf("%s has no description", d.Name)
		}
		if got, ok := LookupOutcome(d.Name); !ok || got != d {
			t.Errorf("LookupOutcome(%q) = %+v, %v", d.Name, got, ok)
		}
	}
	want := []string{"employed", "on_out_of_work_benefit", "on_inactivity_benefit",
		"weeks_employed_0_51", "weeks_employed_0_103", "earnings_months_1_12", "earnings_months_13_24",
		"sustained_employment_13", "sustained_employment_26"}
	if !slices.Equal(names, want) {
		t.Errorf("DefaultOutcomes names = %v, want %v", names, want)
	}
	for _, d := range DefaultOutcomes() {
		if d.Weekly != (d.Name == "employed" || d.Name == "on_out_of_work_benefit" || d.Name == "on_inactivity_benefit") {
			t.Errorf("%s: Weekly = %v", d.Name, d.Weekly)
		}
	}
	var ext []string
	for _, d := range ExtendedOutcomes() {
		ext = append(ext, d.Name)
	}
	if !slices.Equal(ext, []string{"neet", "course_achieved_0_103"}) {
		t.Errorf("ExtendedOutcomes names = %v", ext)
	}
	if _, ok := LookupOutcome("employment"); ok {
		t.Error("LookupOutcome accepted an unknown name")
	}
	// Every outcome is unavailable, not zero, when nothing after d is observed.
	tl := Build(Rows{})
	o := tl.Outcomes(day(t, "2024-06-01"), testWindow(t))
	for _, d := range slices.Concat(DefaultOutcomes(), ExtendedOutcomes()) {
		if v, ok := o.Value(d.Name, 0); ok {
			t.Errorf("Value(%q, 0) past the window = %v, available", d.Name, v)
		}
	}
	if v, ok := o.Value("employment", 0); ok {
		t.Errorf("Value of an unknown name = %v, available", v)
	}
}

// The bitset helpers across the 64-bit word boundary, by hand.
func TestWeeksBits(t *testing.T) {
	var b Weeks
	b.setRange(60, 70) // weeks 60..70: 11 weeks, crossing from word 0 to word 1
	if b.Count() != 11 || b.Has(59) || !b.Has(60) || !b.Has(63) || !b.Has(64) || !b.Has(70) || b.Has(71) {
		t.Errorf("setRange(60, 70) = %x", b)
	}
	var one Weeks
	one.Set(66)
	if s := one.shr(5); !s.Has(61) || s.Count() != 1 { // 66 - 5 = 61, back into word 0
		t.Errorf("{66}.shr(5) = %x, want {61}", s)
	}
	if s := one.shr(64); !s.Has(2) || s.Count() != 1 { // 66 - 64 = 2
		t.Errorf("{66}.shr(64) = %x, want {2}", s)
	}
	if p := prefix(Horizon + 1); p.Count() != 105 || !p.Has(104) || p.Has(105) {
		t.Errorf("prefix(105) = %x", p)
	}
	if p := prefix(0); p != (Weeks{}) {
		t.Errorf("prefix(0) = %x, want empty", p)
	}
}
