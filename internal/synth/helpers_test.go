package synth

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// sharedWorld is one 20,000-person world written once for the tests that
// only read it.
var sharedWorld struct {
	once sync.Once
	dir  string
	sum  Summary
	err  error
}

var sharedPeople = envInt("SYNTH_TEST_PEOPLE", 20000)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedWorld.dir != "" {
		os.RemoveAll(sharedWorld.dir)
	}
	os.Exit(code)
}

func world(t *testing.T) (string, Summary) {
	t.Helper()
	sharedWorld.once.Do(func() {
		dir, err := os.MkdirTemp("", "synth-test-")
		if err != nil {
			sharedWorld.err = err
			return
		}
		sharedWorld.dir = dir
		cfg := DefaultConfig()
		cfg.People = sharedPeople
		cfg.Seed = 11
		sharedWorld.sum, sharedWorld.err = Write(context.Background(), dir, cfg, nil)
	})
	if sharedWorld.err != nil {
		t.Fatalf("writing the shared world: %v", sharedWorld.err)
	}
	return sharedWorld.dir, sharedWorld.sum
}

// readCSV reads a whole CSV file, checking its header.
func readCSV(t *testing.T, path string, header ...string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no header", path)
	}
	if fmt.Sprint(rows[0]) != fmt.Sprint(header) {
		t.Fatalf("%s: header %v, want %v", path, rows[0], header)
	}
	return rows[1:]
}

// spineRows reads a written spine back into timeline.Rows by person_id, as
// the lab would import it.
func spineRows(t *testing.T, dir string) map[string]*timeline.Rows {
	t.Helper()
	out := map[string]*timeline.Rows{}
	date := func(s string) timeline.Date {
		if s == "" {
			return timeline.Ongoing
		}
		d, err := timeline.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "people.csv"), "person_id", "date_of_birth", "sex", "region", "district") {
		out[r[0]] = &timeline.Rows{Person: timeline.Person{DateOfBirth: date(r[1]), Sex: r[2][0], Region: r[3]}}
	}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "employment_spells.csv"), "person_id", "employer_id", "start_date", "end_date") {
		p := out[r[0]]
		p.Employment = append(p.Employment, timeline.Interval{Start: date(r[2]), End: date(r[3])})
	}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "benefit_spells.csv"), "person_id", "benefit", "start_date", "end_date") {
		p := out[r[0]]
		p.Benefits = append(p.Benefits, timeline.BenefitSpell{Code: r[1], Interval: timeline.Interval{Start: date(r[2]), End: date(r[3])}})
	}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "education.csv"), "person_id", "start_date", "end_date", "level", "achieved") {
		p := out[r[0]]
		p.Education = append(p.Education, timeline.EducationSpell{Interval: timeline.Interval{Start: date(r[1]), End: date(r[2])}, Level: r[3], Achieved: r[4] == "true"})
	}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "earnings.csv"), "person_id", "month", "amount") {
		p := out[r[0]]
		m, err := timeline.ParseMonth(r[1])
		if err != nil {
			t.Fatal(err)
		}
		var v float64
		if _, err := fmt.Sscan(r[2], &v); err != nil {
			t.Fatal(err)
		}
		p.Earnings = append(p.Earnings, timeline.Earning{Month: m, Amount: v})
	}
	return out
}

// near reports whether got is within abs or rel of want.
func near(got, want, abs, rel float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	w := want
	if w < 0 {
		w = -w
	}
	return d <= abs || d <= rel*w
}

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "synth-example-") }
func osRemoveAll(dir string)       { os.RemoveAll(dir) }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
