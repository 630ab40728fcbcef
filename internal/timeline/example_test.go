package timeline_test

import (
	"fmt"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// exampleRows is one person's spine rows: a job that ended, a JSA claim,
// then a new job that is still going.
func exampleRows() timeline.Rows {
	d := func(s string) timeline.Date {
		x, err := timeline.ParseDate(s)
		if err != nil {
			panic(err)
		}
		return x
	}
	r := timeline.Rows{
		Person: timeline.Person{DateOfBirth: d("1990-05-17"), Sex: 'F', Region: "North East"},
		Employment: []timeline.Interval{
			{Start: d("2021-06-01"), End: d("2022-12-31")},
			{Start: d("2023-04-03"), End: timeline.Ongoing},
		},
		Benefits: []timeline.BenefitSpell{
			{Code: "JSA", Interval: timeline.Interval{Start: d("2023-01-09"), End: d("2023-03-31")}},
		},
	}
	for m := timeline.MonthOf(2021, 6); m <= timeline.MonthOf(2022, 12); m++ {
		r.Earnings = append(r.Earnings, timeline.Earning{Month: m, Amount: 1800})
	}
	for m := timeline.MonthOf(2023, 4); m <= timeline.MonthOf(2025, 6); m++ {
		r.Earnings = append(r.Earnings, timeline.Earning{Month: m, Amount: 2000})
	}
	return r
}

func ExampleTimeline_Covariates() {
	tl := timeline.Build(exampleRows())
	start, _ := timeline.ParseDate("2023-03-06") // joined the programme
	c := tl.Covariates(start)
	fmt.Printf("age %.2f, benefit class %s, start month %s\n", c.Age, c.BenefitClass, c.StartMonth)
	fmt.Printf("weeks employed in the last 52: %d, last 104: %d\n", c.WeeksEmployed52, c.WeeksEmployed104)
	fmt.Printf("weeks on out-of-work benefit in the last 52: %d\n", c.WeeksOutOfWork52)
	fmt.Printf("earnings in the 12 months before March 2023: £%.0f\n", c.EarningsPrior12)
	// Output:
	// age 32.80, benefit class out_of_work, start month 2023-03
	// weeks employed in the last 52: 43, last 104: 82
	// weeks on out-of-work benefit in the last 52: 8
	// earnings in the 12 months before March 2023: £18000
}

func ExampleTimeline_Outcomes() {
	tl := timeline.Build(exampleRows())
	start, _ := timeline.ParseDate("2023-03-06")
	end, _ := timeline.ParseDate("2024-12-31") // the spine is complete to here: weeks 0..95

	o := tl.Outcomes(start, timeline.Window{End: end, EarningsFrom: timeline.MonthOf(2016, 4)})
	for _, def := range timeline.DefaultOutcomes() {
		if def.Weekly {
			v0, _ := o.Value(def.Name, 0)
			v5, _ := o.Value(def.Name, 5)
			_, ok := o.Value(def.Name, 104)
			fmt.Printf("%s: week 0 %.0f, week 5 %.0f, week 104 available %v\n", def.Name, v0, v5, ok)
			continue
		}
		if v, ok := o.Value(def.Name, 0); ok {
			fmt.Printf("%s: %.0f\n", def.Name, v)
		} else {
			fmt.Printf("%s: unavailable\n", def.Name)
		}
	}
	// Output:
	// employed: week 0 0, week 5 1, week 104 available false
	// on_out_of_work_benefit: week 0 1, week 5 0, week 104 available false
	// on_inactivity_benefit: week 0 0, week 5 0, week 104 available false
	// weeks_employed_0_51: 48
	// weeks_employed_0_103: unavailable
	// earnings_months_1_12: 24000
	// earnings_months_13_24: unavailable
	// sustained_employment_13: 1
	// sustained_employment_26: 1
}

// An index keeps many timelines in flat arrays and reads each back as a
// view, without copying.
func ExampleFlat() {
	var b timeline.Builder // reuses its memory person after person
	var f timeline.Flat
	for range 3 {
		t := b.Build(exampleRows())
		f.Append(&t) // copies out of the Builder's buffers
	}
	v := f.Timeline(2)
	fmt.Println(f.Len(), len(v.Spells[timeline.Employed]), f.Check())
	// Output: 3 2 <nil>
}
