package spine

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Summary describes an imported spine: what it holds, over which dates, and
// its benefit mix. It holds counts only, never a person's values.
type Summary struct {
	Path     string
	Meta     Meta
	Coverage []Coverage
	Benefits []BenefitShare
}

// Coverage is the date span of one table's rows.
type Coverage struct {
	Table          string
	Rows           int64
	First, Last    timeline.Date // earliest start (month) and latest end (month)
	Ongoing        int64         // rows with no end_date
	HasRows        bool
	FirstM, LastM  timeline.Month // for earnings
	MonthsNotDates bool
}

// BenefitShare is one benefit code's share of the benefit spells.
type BenefitShare struct {
	Code   string
	Class  timeline.BenefitClass
	Spells int64
	People int64
	Share  float64 // of all benefit spells
}

// Summarize reads the summary of the spine database at dbPath.
func Summarize(ctx context.Context, dbPath string) (Summary, error) {
	db, err := OpenReadOnly(dbPath)
	if err != nil {
		return Summary{}, err
	}
	defer db.Close()
	m, err := readMeta(ctx, db, dbPath)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Path: dbPath, Meta: m}
	for _, t := range []string{"benefit_spells", "employment_spells", "education"} {
		c := Coverage{Table: t}
		var first, last sql.NullInt64
		q := fmt.Sprintf(`SELECT count(*), min(start_date) - DATE '1970-01-01', max(end_date) - DATE '1970-01-01', count(*) - count(end_date) FROM %s`, t)
		if err := db.QueryRowContext(ctx, q).Scan(&c.Rows, &first, &last, &c.Ongoing); err != nil {
			return s, fmt.Errorf("spine: summarising %s of %s: %w", t, dbPath, err)
		}
		c.First, c.Last, c.HasRows = timeline.Date(first.Int64), timeline.Date(last.Int64), first.Valid
		if !last.Valid {
			c.Last = timeline.Ongoing
		}
		s.Coverage = append(s.Coverage, c)
	}
	c := Coverage{Table: "earnings", MonthsNotDates: true}
	var first, last sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT count(*), min(datediff('month', DATE '1970-01-01', month)), max(datediff('month', DATE '1970-01-01', month)) FROM earnings`).Scan(&c.Rows, &first, &last); err != nil {
		return s, fmt.Errorf("spine: summarising earnings of %s: %w", dbPath, err)
	}
	c.FirstM, c.LastM, c.HasRows = timeline.Month(first.Int64), timeline.Month(last.Int64), first.Valid
	s.Coverage = append(s.Coverage, c)

	rows, err := db.QueryContext(ctx, `SELECT benefit, count(*), count(DISTINCT pid) FROM benefit_spells GROUP BY benefit ORDER BY count(*) DESC, benefit`)
	if err != nil {
		return s, fmt.Errorf("spine: summarising benefits of %s: %w", dbPath, err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var b BenefitShare
		if err := rows.Scan(&b.Code, &b.Spells, &b.People); err != nil {
			return s, fmt.Errorf("spine: summarising benefits of %s: %w", dbPath, err)
		}
		b.Class, _ = timeline.ClassOf(b.Code)
		total += b.Spells
		s.Benefits = append(s.Benefits, b)
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("spine: summarising benefits of %s: %w", dbPath, err)
	}
	for i := range s.Benefits {
		s.Benefits[i].Share = float64(s.Benefits[i].Spells) / float64(total)
	}
	return s, nil
}

// Write prints the summary as aligned text.
func (s Summary) Write(w io.Writer) error {
	m := s.Meta
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "spine\t%s\n", s.Path)
	fmt.Fprintf(tw, "content hash\t%s\n", m.ContentHash)
	fmt.Fprintf(tw, "imported\t%s by datalab %s (contract v%s)\n", m.ImportedAt.Format("2006-01-02 15:04:05 MST"), m.Version, m.ContractVersion)
	fmt.Fprintf(tw, "window\t%s to %s (earnings from %s)\n", m.Window.Start, m.Window.End, m.Window.EarningsFrom)
	fmt.Fprintf(tw, "people\t%d\n", m.Rows["people"])
	fmt.Fprintf(tw, "rejected rows\t%d (%d problems)\n", m.RejectedRows, m.Problems)
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "table\trows\tfirst\tlast\tongoing\n")
	fmt.Fprintf(tw, "identities\t%d\t\t\t\n", m.Rows["identities"])
	for _, c := range s.Coverage {
		first, last := "-", "-"
		switch {
		case c.HasRows && c.MonthsNotDates:
			first, last = c.FirstM.String(), c.LastM.String()
		case c.HasRows:
			first, last = c.First.String(), c.Last.String()
		}
		ongoing := ""
		if !c.MonthsNotDates {
			ongoing = fmt.Sprint(c.Ongoing)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", c.Table, c.Rows, first, last, ongoing)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "benefit\tclass\tspells\tshare\tpeople\n")
	for _, b := range s.Benefits {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f%%\t%d\n", b.Code, b.Class, b.Spells, 100*b.Share, b.People)
	}
	return tw.Flush()
}
