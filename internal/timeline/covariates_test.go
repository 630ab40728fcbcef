package timeline

import (
	"testing"
)

// Expected covariates worked by hand from the definitions in doc.go. Week w
// before d is the day d-7k (k = -w); a spell [a, b] covers k when
// d-b <= 7k <= d-a.
func TestCovariates(t *testing.T) {
	cases := []struct {
		name string
		rows Rows
		d    string
		want Covariates
	}{
		{
			name: "employment ends on d, JSA starts the day after",
			rows: Rows{
				Person:     Person{DateOfBirth: day(t, "1990-06-15"), Sex: 'F', Region: "North East"},
				Employment: []Interval{span(t, "2021-01-01", "2021-06-15")},
				Benefits:   []BenefitSpell{{"JSA", span(t, "2021-06-16", "")}},
				Earnings: []Earning{
					{month(t, "2020-05"), 1000}, // before m-12 = 2020-06: out
					{month(t, "2020-06"), 100},
					{month(t, "2021-01"), 2000}, {month(t, "2021-02"), 2000}, {month(t, "2021-03"), 2000},
					{month(t, "2021-04"), 2000}, {month(t, "2021-05"), 2000},
					{month(t, "2021-06"), 500}, // the month of d: out
				},
			},
			d: "2021-06-15",
			want: Covariates{
				// 31 years of 365 days + 8 leap days (1992..2020) = 11323 days.
				Age: 11323 / 365.25, Sex: 'F', Region: "North East",
				BenefitClass: ClassNone, // JSA starts 06-16
				// d - 2021-01-01 = 31+28+31+30+31+14 = 165; 7k <= 165 <=> k <= 23.
				WeeksEmployed52: 23, WeeksEmployed104: 23,
				EarningsPrior12: 10100, // 100 + 5 × 2000
				StartMonth:      month(t, "2021-06"),
			},
		},
		{
			name: "overlapping, adjacent and contained jobs count once",
			rows: Rows{
				Person: Person{DateOfBirth: day(t, "1985-01-01"), Sex: 'M', Region: "London"},
				Employment: []Interval{
					span(t, "2019-01-01", "2019-06-30"),
					span(t, "2019-05-01", "2019-09-30"), // overlaps: second employer
					span(t, "2019-10-01", "2019-10-31"), // adjacent
					span(t, "2019-03-01", "2019-03-31"), // inside the first
				},
			},
			d: "2020-01-01",
			want: Covariates{
				// 35 years of 365 days + 8 leap days (1988, 92, 96, 2000, 04, 08, 12, 16) = 12783 days.
				Age: 12783 / 365.25, Sex: 'M', Region: "London",
				// Union [2019-01-01, 2019-10-31]. d - 10-31 = 30+31+1 = 62, so k >= 9 (63);
				// d - 2019-01-01 = 365, so k <= 52: k = 9..52 is 44 weeks, in both look-backs.
				WeeksEmployed52: 44, WeeksEmployed104: 44,
				StartMonth: month(t, "2020-01"),
			},
		},
		{
			name: "leap day: d = 2020-02-29, born 2000-02-29",
			rows: Rows{
				Person: Person{DateOfBirth: day(t, "2000-02-29"), Sex: 'F', Region: "Wales"},
				Employment: []Interval{
					span(t, "2020-02-28", "2020-02-29"), span(t, "2020-03-01", ""), // adjacent across the leap day
				},
				Benefits: []BenefitSpell{{"IS", span(t, "2019-02-28", "2020-02-28")}},
				Earnings: []Earning{
					{month(t, "2019-01"), 999}, {month(t, "2019-02"), 10}, {month(t, "2020-01"), 20}, {month(t, "2020-02"), 40},
				},
			},
			d: "2020-02-29",
			want: Covariates{
				// Day 18321 - day 11016 (GNU date, as in TestParseDate) = 7305 = 20 × 365.25 exactly.
				Age: 20, Sex: 'F', Region: "Wales",
				BenefitClass: ClassNone, // IS ended the day before
				// Employment covers d but week -1 (02-22) is before 02-28.
				WeeksEmployed52: 0, WeeksEmployed104: 0,
				// IS: d-7k <= 02-28 <=> k >= 1; d - 2019-02-28 = 366 <=> k <= 52.
				WeeksInactivity52: 52, WeeksInactivity104: 52,
				EarningsPrior12: 30, // months 2019-02..2020-01: 10 + 20
				StartMonth:      month(t, "2020-02"),
			},
		},
		{
			name: "spells before the spine's first earnings month are counted",
			rows: Rows{
				Person:     Person{DateOfBirth: day(t, "1970-01-01"), Sex: 'M', Region: "Scotland"},
				Employment: []Interval{span(t, "2015-01-01", "2016-12-31")},
				Benefits:   []BenefitSpell{{"UC_SEARCHING", span(t, "2017-01-01", "")}},
			},
			d: "2017-06-01",
			want: Covariates{
				// 1970-01-01 is day 0; 2017-06-01 is day 17318 (date -u -d 2017-06-01 +%s / 86400).
				Age: 17318 / 365.25, Sex: 'M', Region: "Scotland",
				BenefitClass: ClassOutOfWork,
				// d - 2016-12-31 = 152 (31+28+31+30+31+1): k >= 22 (154);
				// d - 2015-01-01 = 365+366+151 = 882: k <= 126, so all of 22..52 and 22..104.
				WeeksEmployed52: 31, WeeksEmployed104: 83,
				// UC_SEARCHING from d - 151: k <= 21.
				WeeksOutOfWork52: 21, WeeksOutOfWork104: 21,
				StartMonth: month(t, "2017-06"),
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := Build(c.rows)
			got := tl.Covariates(day(t, c.d))
			if !close(got.Age, c.want.Age, 1e-12) || !close(got.EarningsPrior12, c.want.EarningsPrior12, 1e-12) {
				t.Errorf("Age, EarningsPrior12 = %v, %v; want %v, %v", got.Age, got.EarningsPrior12, c.want.Age, c.want.EarningsPrior12)
			}
			got.Age, got.EarningsPrior12 = c.want.Age, c.want.EarningsPrior12
			if got != c.want {
				t.Errorf("Covariates(%s) =\n %+v\nwant\n %+v", c.d, got, c.want)
			}
		})
	}
}

// Benefit class precedence (BenefitClass doc): out-of-work over inactivity
// over in-work; disability is its own covariate.
func TestCovariatesBenefitClassPrecedence(t *testing.T) {
	d := "2022-03-10"
	jsa := BenefitSpell{"JSA", span(t, "2022-03-10", "2022-03-10")} // a one-day spell on d
	esa := BenefitSpell{"ESA", span(t, "2021-01-01", "2022-03-10")} // ends on d
	ucw := BenefitSpell{"UC_WORKING", span(t, "2022-01-01", "")}
	pip := BenefitSpell{"PIP", span(t, "2019-01-01", "")}
	after := BenefitSpell{"JSA", span(t, "2022-03-11", "")} // starts the day after d
	cases := []struct {
		spells     []BenefitSpell
		class      BenefitClass
		disability bool
	}{
		{[]BenefitSpell{jsa, esa, ucw, pip}, ClassOutOfWork, true},
		{[]BenefitSpell{esa, ucw, pip}, ClassInactivity, true},
		{[]BenefitSpell{ucw}, ClassInWork, false},
		{[]BenefitSpell{pip, after}, ClassNone, true},
		{nil, ClassNone, false},
	}
	for _, c := range cases {
		tl := Build(Rows{Benefits: c.spells})
		got := tl.Covariates(day(t, d))
		if got.BenefitClass != c.class || got.Disability != c.disability {
			t.Errorf("spells %v: class %s, disability %v; want %s, %v", c.spells, got.BenefitClass, got.Disability, c.class, c.disability)
		}
	}
	// ESA from 2021-01-01 to d: d - 2021-01-01 = 365+31+28+9 = 433, k <= 61.
	tl := Build(Rows{Benefits: []BenefitSpell{jsa, esa}})
	got := tl.Covariates(day(t, d))
	if got.WeeksInactivity52 != 52 || got.WeeksInactivity104 != 61 || got.WeeksOutOfWork52 != 0 {
		t.Errorf("weeks inactivity 52/104 = %d/%d, out of work 52 = %d; want 52/61, 0", got.WeeksInactivity52, got.WeeksInactivity104, got.WeeksOutOfWork52)
	}
}

// Ages in completed years; a 29 February birthday passes on 1 March in a
// common year.
func TestAgeInYears(t *testing.T) {
	cases := []struct {
		dob, d string
		want   int
	}{
		{"2000-02-29", "2016-02-28", 15},
		{"2000-02-29", "2016-02-29", 16}, // 2016 is leap: the birthday itself
		{"2000-02-29", "2017-02-28", 16}, // 2017 is common: not yet
		{"2000-02-29", "2017-03-01", 17},
		{"1995-03-01", "2020-02-29", 24},
		{"1995-03-01", "2020-03-01", 25},
		{"1969-12-31", "1970-01-01", 0},
		{"1950-06-15", "2020-06-14", 69},
		{"1950-06-15", "2020-06-15", 70},
	}
	for _, c := range cases {
		if got := AgeInYears(day(t, c.dob), day(t, c.d)); got != c.want {
			t.Errorf("AgeInYears(%s, %s) = %d, want %d", c.dob, c.d, got, c.want)
		}
	}
}

func TestCovariateCatalogueAndValue(t *testing.T) {
	defs := DefaultCovariates()
	want := []string{"age", "sex", "region", "benefit_class", "disability",
		"weeks_employed_52", "weeks_employed_104", "weeks_out_of_work_benefit_52", "weeks_out_of_work_benefit_104",
		"weeks_inactivity_benefit_52", "weeks_inactivity_benefit_104", "earnings_prior_12"}
	if len(defs) != len(want) {
		t.Fatalf("DefaultCovariates has %d entries, want %d", len(defs), len(want))
	}
	c := Covariates{Age: 33.5, Sex: 'M', Region: "Wales", BenefitClass: ClassInactivity, Disability: true,
		WeeksEmployed52: 1, WeeksEmployed104: 2, WeeksOutOfWork52: 3, WeeksOutOfWork104: 4,
		WeeksInactivity52: 5, WeeksInactivity104: 6, EarningsPrior12: 7.25}
	values := map[string]float64{"age": 33.5, "sex": 1, "disability": 1, "weeks_employed_52": 1, "weeks_employed_104": 2,
		"weeks_out_of_work_benefit_52": 3, "weeks_out_of_work_benefit_104": 4,
		"weeks_inactivity_benefit_52": 5, "weeks_inactivity_benefit_104": 6, "earnings_prior_12": 7.25}
	for i, d := range defs {
		if d.Name != want[i] || d.Description == "" {
			t.Errorf("DefaultCovariates()[%d] = %+v, want name %q and a description", i, d, want[i])
		}
		v, ok := c.Value(d.Name)
		if wantV, numeric := values[d.Name]; numeric {
			if !ok || v != wantV {
				t.Errorf("Value(%q) = %v, %v; want %v", d.Name, v, ok, wantV)
			}
			if d.Kind == Categorical {
				t.Errorf("%s is numeric or binary but catalogued %s", d.Name, d.Kind)
			}
		} else if ok || d.Kind != Categorical {
			t.Errorf("Value(%q) = %v, %v; want not ok for a categorical covariate (kind %s)", d.Name, v, ok, d.Kind)
		}
	}
	if _, ok := c.Value("start_month"); ok {
		t.Error("Value(start_month) ok: the exact-matching key is not a design covariate")
	}
}
