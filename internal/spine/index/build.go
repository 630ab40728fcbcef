package index

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// The build streams each table in one scan, grouped by pid (the importer
// stores every person table in pid order), merge-joins the streams by pid,
// and passes each person's rows to timeline.Builder: memory grows with the
// people and their merged intervals, never with the whole spine's rows at
// once. Dates come out of DuckDB as day numbers (date - 1970-01-01) and
// months as month numbers, the timeline package's own units.
const (
	qPeople     = `SELECT pid, person_id, date_of_birth - DATE '1970-01-01', sex, region FROM people ORDER BY pid`
	qEmployment = `SELECT pid, start_date - DATE '1970-01-01', end_date - DATE '1970-01-01' FROM employment_spells`
	qBenefits   = `SELECT pid, benefit, start_date - DATE '1970-01-01', end_date - DATE '1970-01-01' FROM benefit_spells`
	qEducation  = `SELECT pid, start_date - DATE '1970-01-01', end_date - DATE '1970-01-01', level, achieved FROM education`
	qEarnings   = `SELECT pid, datediff('month', DATE '1970-01-01', month), amount FROM earnings`
)

const batchSize = 8192

// batch is a run of rows of one table with their pids.
type batch[T any] struct {
	pid []int32
	row []T
}

// produce runs query on its own connection and sends its rows, decoded by
// scan, in batches. It closes out when done.
func produce[T any](ctx context.Context, db *sql.DB, table, query string, ncol int, scan func([]driver.Value) (int32, T, error), out chan<- batch[T]) error {
	defer close(out)
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("index: reading %s: %w", table, err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("index: the DuckDB driver cannot run queries directly")
		}
		rows, err := q.QueryContext(ctx, query, nil)
		if err != nil {
			return fmt.Errorf("index: reading %s: %w", table, err)
		}
		defer rows.Close()
		vals := make([]driver.Value, ncol)
		b := batch[T]{make([]int32, 0, batchSize), make([]T, 0, batchSize)}
		send := func() error {
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = batch[T]{make([]int32, 0, batchSize), make([]T, 0, batchSize)}
			return nil
		}
		for {
			err := rows.Next(vals)
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("index: reading %s: %w", table, err)
			}
			pid, row, err := scan(vals)
			if err != nil {
				return fmt.Errorf("index: reading %s: %w", table, err)
			}
			b.pid = append(b.pid, pid)
			b.row = append(b.row, row)
			if len(b.pid) == batchSize {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if len(b.pid) > 0 {
			return send()
		}
		return nil
	})
}

// cursor reads one table's batches in pid order.
type cursor[T any] struct {
	table string
	ch    <-chan batch[T]
	b     batch[T]
	k     int
	done  bool
}

// take appends the rows of person p to dst. Rows of a smaller pid mean the
// table is not grouped by person (or names a pid people does not have).
func (c *cursor[T]) take(p int32, dst []T) ([]T, error) {
	for !c.done {
		if c.k == len(c.b.pid) {
			b, ok := <-c.ch
			if !ok {
				c.done = true
				break
			}
			c.b, c.k = b, 0
			continue
		}
		q := c.b.pid[c.k]
		if q > p {
			break
		}
		if q < p {
			return dst, fmt.Errorf("index: %s is not grouped by pid (pid %d after %d) or names a person people lacks: re-import the spine with datalab spine import", c.table, q, p)
		}
		dst = append(dst, c.b.row[c.k])
		c.k++
	}
	return dst, nil
}

// rest reports rows left after the last person.
func (c *cursor[T]) rest() error {
	for !c.done && c.k == len(c.b.pid) {
		b, ok := <-c.ch
		if !ok {
			c.done = true
			break
		}
		c.b, c.k = b, 0
	}
	if c.k < len(c.b.pid) {
		return fmt.Errorf("index: %s has rows for pid %d, which people does not have: re-import the spine", c.table, c.b.pid[c.k])
	}
	return nil
}

type personRow struct {
	id     string
	dob    timeline.Date
	sex    byte
	region string
}

func day(v driver.Value) (timeline.Date, error) {
	switch x := v.(type) {
	case nil:
		return timeline.Ongoing, nil
	case int64:
		return timeline.Date(x), nil
	case int32:
		return timeline.Date(x), nil
	}
	return 0, fmt.Errorf("unexpected date value of type %T", v)
}

func pidOf(v driver.Value) (int32, error) {
	if x, ok := v.(int32); ok {
		return x, nil
	}
	return 0, fmt.Errorf("unexpected pid value of type %T", v)
}

func str(v driver.Value) string {
	s, _ := v.(string)
	return s
}

// build reads the spine at dbPath into a new in-memory Index.
func build(ctx context.Context, dbPath string, meta spine.Meta, opts Options) (*Index, error) {
	db, err := spine.OpenReadOnly(dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	g, ctx := errgroup.WithContext(ctx)

	people := make(chan batch[personRow], 4)
	employment := make(chan batch[timeline.Interval], 4)
	benefits := make(chan batch[timeline.BenefitSpell], 4)
	education := make(chan batch[timeline.EducationSpell], 4)
	earnings := make(chan batch[timeline.Earning], 4)
	g.Go(func() error {
		return produce(ctx, db, "people", qPeople, 5, func(v []driver.Value) (int32, personRow, error) {
			pid, err := pidOf(v[0])
			if err != nil {
				return 0, personRow{}, err
			}
			dob, err := day(v[2])
			sex := str(v[3])
			r := personRow{id: str(v[1]), dob: dob, region: str(v[4])}
			if len(sex) == 1 {
				r.sex = sex[0]
			}
			return pid, r, err
		}, people)
	})
	g.Go(func() error {
		return produce(ctx, db, "employment_spells", qEmployment, 3, func(v []driver.Value) (int32, timeline.Interval, error) {
			pid, err := pidOf(v[0])
			if err != nil {
				return 0, timeline.Interval{}, err
			}
			s, err1 := day(v[1])
			e, err2 := day(v[2])
			return pid, timeline.Interval{Start: s, End: e}, errors.Join(err1, err2)
		}, employment)
	})
	g.Go(func() error {
		return produce(ctx, db, "benefit_spells", qBenefits, 4, func(v []driver.Value) (int32, timeline.BenefitSpell, error) {
			pid, err := pidOf(v[0])
			if err != nil {
				return 0, timeline.BenefitSpell{}, err
			}
			s, err1 := day(v[2])
			e, err2 := day(v[3])
			return pid, timeline.BenefitSpell{Code: str(v[1]), Interval: timeline.Interval{Start: s, End: e}}, errors.Join(err1, err2)
		}, benefits)
	})
	g.Go(func() error {
		return produce(ctx, db, "education", qEducation, 5, func(v []driver.Value) (int32, timeline.EducationSpell, error) {
			pid, err := pidOf(v[0])
			if err != nil {
				return 0, timeline.EducationSpell{}, err
			}
			s, err1 := day(v[1])
			e, err2 := day(v[2])
			ach, _ := v[4].(bool)
			return pid, timeline.EducationSpell{Interval: timeline.Interval{Start: s, End: e}, Level: str(v[3]), Achieved: ach}, errors.Join(err1, err2)
		}, education)
	})
	g.Go(func() error {
		return produce(ctx, db, "earnings", qEarnings, 3, func(v []driver.Value) (int32, timeline.Earning, error) {
			pid, err := pidOf(v[0])
			if err != nil {
				return 0, timeline.Earning{}, err
			}
			m, ok := v[1].(int64)
			a, ok2 := v[2].(float64)
			if !ok || !ok2 {
				return 0, timeline.Earning{}, fmt.Errorf("unexpected earnings values of types %T, %T", v[1], v[2])
			}
			return pid, timeline.Earning{Month: timeline.Month(m), Amount: a}, nil
		}, earnings)
	})

	ix := &Index{window: meta.Window}
	g.Go(func() error { return ix.consume(ctx, meta, opts, people, employment, benefits, education, earnings) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ix, nil
}

// consume merge-joins the table streams by pid and builds each timeline.
func (ix *Index) consume(ctx context.Context, meta spine.Meta, opts Options,
	people <-chan batch[personRow], employment <-chan batch[timeline.Interval],
	benefits <-chan batch[timeline.BenefitSpell], education <-chan batch[timeline.EducationSpell],
	earnings <-chan batch[timeline.Earning]) error {
	n := int(meta.Rows["people"])
	fl := &ix.flat
	// Capacities from the row counts: merged intervals and months never
	// outnumber the rows, so the arrays are allocated once.
	fl.People = make([]timeline.Person, 0, n)
	fl.SpellOff = make([]int64, 1, n*int(timeline.NumStatus)+1)
	fl.Spells = make([]timeline.Interval, 0, meta.Rows["employment_spells"]+meta.Rows["benefit_spells"]+meta.Rows["education"])
	fl.EarnOff = make([]int64, 1, n+1)
	fl.EarnMonths = make([]timeline.Month, 0, meta.Rows["earnings"])
	fl.EarnCum = make([]float64, 0, meta.Rows["earnings"])
	fl.AchOff = make([]int64, 1, n+1)
	ix.idOff = make([]int64, 1, n+1)
	ix.regionOf = make([]uint32, 0, n)
	regionNum := map[string]uint32{}

	emp := &cursor[timeline.Interval]{table: "employment_spells", ch: employment}
	ben := &cursor[timeline.BenefitSpell]{table: "benefit_spells", ch: benefits}
	edu := &cursor[timeline.EducationSpell]{table: "education", ch: education}
	ear := &cursor[timeline.Earning]{table: "earnings", ch: earnings}
	var b timeline.Builder
	var rows timeline.Rows
	began := opts.Now()
	last := began
	var err error
	for pb := range people {
		for k, pid := range pb.pid {
			if int(pid) != fl.Len() {
				return fmt.Errorf("index: people pids are not 0..%d in order (found %d at %d): re-import the spine", n-1, pid, fl.Len())
			}
			p := pb.row[k]
			rows.Person = timeline.Person{DateOfBirth: p.dob, Sex: p.sex, Region: p.region}
			if rows.Employment, err = emp.take(pid, rows.Employment[:0]); err != nil {
				return err
			}
			if rows.Benefits, err = ben.take(pid, rows.Benefits[:0]); err != nil {
				return err
			}
			if rows.Education, err = edu.take(pid, rows.Education[:0]); err != nil {
				return err
			}
			if rows.Earnings, err = ear.take(pid, rows.Earnings[:0]); err != nil {
				return err
			}
			t := b.Build(rows)
			fl.Append(&t)
			ix.ids = append(ix.ids, p.id...)
			ix.idOff = append(ix.idOff, int64(len(ix.ids)))
			r, ok := regionNum[p.region]
			if !ok {
				r = uint32(len(ix.regions))
				regionNum[p.region] = r
				ix.regions = append(ix.regions, p.region)
			}
			ix.regionOf = append(ix.regionOf, r)
			fl.People[len(fl.People)-1].Region = ix.regions[r] // share one string per region
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if opts.Progress != nil {
			if now := opts.Now(); now.Sub(last) >= 2e9 {
				last = now
				opts.Progress(BuildProgress{People: fl.Len(), Of: n, Elapsed: now.Sub(began)})
			}
		}
	}
	for _, c := range []interface{ rest() error }{emp, ben, edu, ear} {
		if err := c.rest(); err != nil {
			return err
		}
	}
	if fl.Len() != n {
		return fmt.Errorf("index: people has %d rows but spine_meta counts %d: re-import the spine", fl.Len(), n)
	}

	// Lookup order: people by person_id (often already sorted).
	ix.byID = make([]uint32, n)
	for i := range ix.byID {
		ix.byID[i] = uint32(i)
	}
	cmpID := func(a, b uint32) int { return bytes.Compare(ix.idBytes(int(a)), ix.idBytes(int(b))) }
	if !slices.IsSortedFunc(ix.byID, cmpID) {
		slices.SortFunc(ix.byID, cmpID)
	}
	if opts.Progress != nil {
		opts.Progress(BuildProgress{People: n, Of: n, Elapsed: opts.Now().Sub(began), Done: true})
	}
	return nil
}
