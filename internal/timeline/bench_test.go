package timeline

import (
	"testing"
)

// typicalRows is a person with 10 spells and 60 months of earnings: three
// jobs (two at once), five benefit spells, two education spells.
func typicalRows() Rows {
	d := func(s string) Date { x, _ := ParseDate(s); return x }
	m0, _ := ParseMonth("2018-01")
	r := Rows{
		Person: Person{DateOfBirth: d("1990-05-17"), Sex: 'F', Region: "North East"},
		Employment: []Interval{
			{d("2018-01-08"), d("2018-09-30")},
			{d("2019-03-01"), d("2020-03-31")},
			{d("2019-11-01"), Ongoing},
		},
		Benefits: []BenefitSpell{
			{"JSA", Interval{d("2018-10-01"), d("2019-02-28")}},
			{"UC_SEARCHING", Interval{d("2020-04-01"), d("2020-08-31")}},
			{"ESA", Interval{d("2016-01-01"), d("2017-12-31")}},
			{"UC_WORKING", Interval{d("2020-09-01"), Ongoing}},
			{"PIP", Interval{d("2017-06-01"), Ongoing}},
		},
		Education: []EducationSpell{
			{Interval: Interval{d("2016-09-01"), d("2017-06-30")}, Level: "L2", Achieved: true},
			{Interval: Interval{d("2021-09-01"), d("2022-06-30")}, Level: "L3"},
		},
	}
	for i := range 60 {
		r.Earnings = append(r.Earnings, Earning{m0 + Month(i), 1500 + float64(i%7)*25})
	}
	return r
}

func BenchmarkBuild(b *testing.B) {
	r := typicalRows()
	b.ReportAllocs()
	for b.Loop() {
		Build(r)
	}
}

func BenchmarkBuilderBuild(b *testing.B) {
	r := typicalRows()
	var bl Builder
	b.ReportAllocs()
	for b.Loop() {
		bl.Build(r)
	}
}

func BenchmarkCovariates(b *testing.B) {
	tl := Build(typicalRows())
	d, _ := ParseDate("2020-06-15")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tl.Covariates(d + Date(i&255))
	}
}

func BenchmarkOutcomes(b *testing.B) {
	tl := Build(typicalRows())
	d, _ := ParseDate("2020-06-15")
	end, _ := ParseDate("2023-12-31")
	from, _ := ParseMonth("2016-04")
	w := Window{End: end, EarningsFrom: from}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tl.Outcomes(d+Date(i&255), w)
	}
}

func BenchmarkEncode(b *testing.B) {
	tl := Build(typicalRows())
	d, _ := ParseDate("2020-06-15")
	c := tl.Covariates(d)
	e := NewEncoder([]Covariates{c}, IndicatorCoding)
	row := make([]float64, e.Width())
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Encode(row, &c); err != nil {
			b.Fatal(err)
		}
	}
}
