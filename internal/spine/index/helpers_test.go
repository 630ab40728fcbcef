package index

import (
	"database/sql"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

func timeMonth(m int) time.Month { return time.Month(m) }

func dateOf(t time.Time) timeline.Date { return timeline.DateOf(t.Year(), t.Month(), t.Day()) }

func sqlEnd(t sql.NullTime) timeline.Date {
	if !t.Valid {
		return timeline.Ongoing
	}
	return dateOf(t.Time)
}

// buildFromSQL reads person pid's rows with plain database/sql scans (time
// values, not the index's day arithmetic) and builds their timeline.
func buildFromSQL(t *testing.T, dbPath string, pid int32) timeline.Timeline {
	t.Helper()
	db, err := spine.OpenReadOnly(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var r timeline.Rows
	var dob time.Time
	var sex string
	if err := db.QueryRow(`SELECT date_of_birth, sex, region FROM people WHERE pid = ?`, pid).Scan(&dob, &sex, &r.Person.Region); err != nil {
		t.Fatal(err)
	}
	r.Person.DateOfBirth, r.Person.Sex = dateOf(dob), sex[0]
	each := func(q string, fn func(*sql.Rows) error) {
		rows, err := db.Query(q, pid)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	each(`SELECT start_date, end_date FROM employment_spells WHERE pid = ?`, func(rs *sql.Rows) error {
		var s time.Time
		var e sql.NullTime
		err := rs.Scan(&s, &e)
		r.Employment = append(r.Employment, timeline.Interval{Start: dateOf(s), End: sqlEnd(e)})
		return err
	})
	each(`SELECT benefit, start_date, end_date FROM benefit_spells WHERE pid = ?`, func(rs *sql.Rows) error {
		var code string
		var s time.Time
		var e sql.NullTime
		err := rs.Scan(&code, &s, &e)
		r.Benefits = append(r.Benefits, timeline.BenefitSpell{Code: code, Interval: timeline.Interval{Start: dateOf(s), End: sqlEnd(e)}})
		return err
	})
	each(`SELECT start_date, end_date, coalesce(achieved, false) FROM education WHERE pid = ?`, func(rs *sql.Rows) error {
		var s time.Time
		var e sql.NullTime
		var a bool
		err := rs.Scan(&s, &e, &a)
		r.Education = append(r.Education, timeline.EducationSpell{Interval: timeline.Interval{Start: dateOf(s), End: sqlEnd(e)}, Achieved: a})
		return err
	})
	each(`SELECT month, amount FROM earnings WHERE pid = ?`, func(rs *sql.Rows) error {
		var m time.Time
		var a float64
		err := rs.Scan(&m, &a)
		r.Earnings = append(r.Earnings, timeline.Earning{Month: timeline.MonthOf(m.Year(), m.Month()), Amount: a})
		return err
	})
	return timeline.Build(r)
}
