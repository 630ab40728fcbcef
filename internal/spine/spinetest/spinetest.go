// Package spinetest writes synthetic spine folders (data contract v1) for
// the tests and benchmarks of spine and spine/index. The world is crude on
// purpose (alternating employment and benefit spells, flat earnings): it
// has the shape and volume of a real spine, not its economics; the
// synthetic world with known programme effects is internal/synth.
package spinetest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Config sizes a synthetic spine.
type Config struct {
	People int
	Seed   uint64
	// From and To are the first and last earnings months (default
	// 2017-01 to 2023-12: seven years).
	From, To timeline.Month
}

// Write writes people, identities, benefit_spells, employment_spells,
// earnings and education CSV files into dir.
func Write(dir string, cfg Config) error {
	if cfg.From == 0 && cfg.To == 0 {
		cfg.From, cfg.To = timeline.MonthOf(2017, 1), timeline.MonthOf(2023, 12)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	names := []string{"people", "identities", "benefit_spells", "employment_spells", "earnings", "education"}
	headers := []string{
		"person_id,date_of_birth,sex,region\n",
		"person_id,nino,first_name,last_name,date_of_birth,postcode\n",
		"person_id,benefit,start_date,end_date\n",
		"person_id,employer_id,start_date,end_date\n",
		"person_id,month,amount\n",
		"person_id,start_date,end_date,level,achieved\n",
	}
	files := make([]*os.File, len(names))
	w := make([]*bufio.Writer, len(names))
	for i, n := range names {
		f, err := os.Create(filepath.Join(dir, n+".csv"))
		if err != nil {
			return err
		}
		defer f.Close()
		files[i] = f
		w[i] = bufio.NewWriterSize(f, 1<<20)
		w[i].WriteString(headers[i])
	}
	people, ids, ben, emp, earn, edu := w[0], w[1], w[2], w[3], w[4], w[5]
	regions := []string{"London", "North East", "North West", "Yorkshire", "East Midlands", "West Midlands", "East", "South East", "South West", "Wales", "Scotland"}
	benefitOut := []string{"JSA", "UC_SEARCHING"}
	benefitInact := []string{"ESA", "IS", "UC_PREPARING", "UC_NO_WORK_REQ", "IB"}
	start, end := cfg.From.First(), cfg.To.Last()
	span := int(end - start)
	var buf []byte
	date := func(d timeline.Date) []byte { return append(buf[:0], d.String()...) }
	for p := 0; p < cfg.People; p++ {
		pid := fmt.Sprintf("P%08d", p)
		dob := timeline.DateOf(1960, 1, 1) + timeline.Date(rng.IntN(45*365))
		sex := "F"
		if rng.IntN(2) == 1 {
			sex = "M"
		}
		fmt.Fprintf(people, "%s,%s,%s,%s\n", pid, dob, sex, regions[rng.IntN(len(regions))])
		fmt.Fprintf(ids, "%s,QQ%06dC,Name%d,Surname%d,%s,AB%d %dCD\n", pid, p%1000000, rng.IntN(500), rng.IntN(2000), dob, rng.IntN(99), rng.IntN(9))

		// Alternate employment and benefit spells from a year before the
		// window to its end; the last spell may be ongoing.
		t := start - 365 + timeline.Date(rng.IntN(365))
		employed := rng.IntN(3) > 0
		for t < end {
			if employed {
				d := timeline.Date(60 + rng.ExpFloat64()*700)
				e := t + d
				emp.WriteString(pid)
				emp.WriteString(",E")
				emp.WriteString(strconv.Itoa(rng.IntN(50000)))
				emp.WriteByte(',')
				emp.Write(date(t))
				emp.WriteByte(',')
				if e < end || rng.IntN(2) == 0 {
					emp.Write(date(e))
				}
				emp.WriteByte('\n')
				wage := 800 + rng.Float64()*2500
				for m := max(t.Month(), cfg.From); m <= min(e.Month(), cfg.To); m++ {
					earn.WriteString(pid)
					earn.WriteByte(',')
					earn.WriteString(m.String())
					earn.WriteByte(',')
					earn.Write(strconv.AppendFloat(buf[:0], float64(int(wage*100))/100, 'f', 2, 64))
					earn.WriteByte('\n')
				}
				t = e + 1
			} else {
				d := timeline.Date(14 + rng.ExpFloat64()*250)
				e := t + d
				code := benefitOut[rng.IntN(len(benefitOut))]
				if rng.IntN(4) == 0 {
					code = benefitInact[rng.IntN(len(benefitInact))]
				}
				if rng.IntN(3) > 0 {
					fmt.Fprintf(ben, "%s,%s,%s,%s\n", pid, code, t, e)
				}
				t = e + 1
			}
			employed = !employed
		}
		if rng.IntN(10) == 0 {
			s := start + timeline.Date(rng.IntN(span))
			fmt.Fprintf(ben, "%s,PIP,%s,\n", pid, s)
		}
		if rng.IntN(20) == 0 {
			s := start + timeline.Date(rng.IntN(span))
			fmt.Fprintf(edu, "%s,%s,%s,L%d,%t\n", pid, s, s+300, 1+rng.IntN(4), rng.IntN(2) == 0)
		}
	}
	for i, b := range w {
		if err := b.Flush(); err != nil {
			return err
		}
		if err := files[i].Close(); err != nil {
			return err
		}
	}
	return nil
}
