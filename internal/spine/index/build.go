package index

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// The build streams each table in one scan, grouped by pid (the importer
// stores every person table in pid order), merge-joins the streams by pid,
// and passes each person's rows to timeline.Builder: memory grows with the
// people and their merged intervals, never with the whole spine's rows at
// once. DATE columns arrive as day numbers since 1970-01-01, the timeline
// package's own unit; months are converted to month numbers in SQL.
const (
	qPeople     = `SELECT pid, person_id, date_of_birth, sex, region FROM people ORDER BY pid`
	qEmployment = `SELECT pid, start_date, end_date FROM employment_spells`
	qBenefits   = `SELECT pid, benefit, start_date, end_date FROM benefit_spells`
	qEducation  = `SELECT pid, start_date, end_date, level, achieved FROM education`
	qEarnings   = `SELECT pid, CAST(datediff('month', DATE '1970-01-01', month) AS INTEGER), amount FROM earnings`
)

const batchSize = 8192

// batch is a run of rows of one table with their pids.
type batch[T any] struct {
	pid []int32
	row []T
}

func newBatch[T any]() batch[T] {
	return batch[T]{make([]int32, 0, batchSize+2048), make([]T, 0, batchSize+2048)}
}

// produce streams query and sends its rows, converted chunk by chunk by
// conv, in batches. It closes out when done.
// Batches the consumer has finished with come back on free and are reused,
// so the build allocates a handful of batches per table, not one per 8192
// rows.
func produce[T any](ctx context.Context, d *duck, table, query string, conv func(chunk, *batch[T]), out chan<- batch[T], free <-chan batch[T]) error {
	defer close(out)
	b := newBatch[T]()
	send := func() error {
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case b = <-free:
			b.pid, b.row = b.pid[:0], b.row[:0]
		default:
			b = newBatch[T]()
		}
		return nil
	}
	err := d.scan(ctx, query, func(c chunk) error {
		conv(c, &b)
		if len(b.pid) >= batchSize {
			return send()
		}
		return nil
	})
	if err == nil && len(b.pid) > 0 {
		err = send()
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("index: reading %s: %w", table, err)
	}
	return err
}

// interner shares one string per distinct value (regions, benefit codes).
type interner map[string]string

func (in interner) of(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// endOf is an end date, Ongoing when NULL.
func endOf(ends []int32, mask []uint64, k int) timeline.Date {
	if !valid(mask, k) {
		return timeline.Ongoing
	}
	return timeline.Date(ends[k])
}

// cursor reads one table's batches in pid order.
type cursor[T any] struct {
	table string
	ch    <-chan batch[T]
	free  chan batch[T]
	b     batch[T]
	k     int
	done  bool
}

// take appends the rows of person p to dst. Rows of a smaller pid mean the
// table is not grouped by person (or names a pid people does not have).
func (c *cursor[T]) take(p int32, dst []T) ([]T, error) {
	for !c.done {
		if c.k == len(c.b.pid) {
			c.recycle()
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

// recycle hands the finished batch back to its producer, if it has room.
func (c *cursor[T]) recycle() {
	if c.b.pid == nil || c.free == nil {
		return
	}
	select {
	case c.free <- c.b:
	default:
	}
	c.b = batch[T]{}
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

// build reads the spine at dbPath into a new in-memory Index.
func build(ctx context.Context, dbPath string, meta spine.Meta, opts Options) (*Index, error) {
	d, err := openDuck(dbPath)
	if err != nil {
		return nil, err
	}
	defer d.close()
	g, ctx := errgroup.WithContext(ctx)

	people := make(chan batch[personRow], 4)
	employment, employmentFree := make(chan batch[timeline.Interval], 4), make(chan batch[timeline.Interval], 8)
	benefits, benefitsFree := make(chan batch[timeline.BenefitSpell], 4), make(chan batch[timeline.BenefitSpell], 8)
	education, educationFree := make(chan batch[timeline.EducationSpell], 4), make(chan batch[timeline.EducationSpell], 8)
	earnings, earningsFree := make(chan batch[timeline.Earning], 4), make(chan batch[timeline.Earning], 8)
	regions := interner{}
	g.Go(func() error {
		return produce(ctx, d, "people", qPeople, func(c chunk, b *batch[personRow]) {
			pid, id, dob := column[int32](c, 0), column[stringT](c, 1), column[int32](c, 2)
			sex, region := column[stringT](c, 3), column[stringT](c, 4)
			for k := range c.n {
				r := personRow{id: string(id[k].bytes()), dob: timeline.Date(dob[k]), region: regions.of(region[k].bytes())}
				if sb := sex[k].bytes(); len(sb) == 1 {
					r.sex = sb[0]
				}
				b.pid = append(b.pid, pid[k])
				b.row = append(b.row, r)
			}
		}, people, nil)
	})
	g.Go(func() error {
		return produce(ctx, d, "employment_spells", qEmployment, func(c chunk, b *batch[timeline.Interval]) {
			pid, start, end, endOK := column[int32](c, 0), column[int32](c, 1), column[int32](c, 2), c.validity(2)
			for k := range c.n {
				b.pid = append(b.pid, pid[k])
				b.row = append(b.row, timeline.Interval{Start: timeline.Date(start[k]), End: endOf(end, endOK, k)})
			}
		}, employment, employmentFree)
	})
	codes := interner{}
	g.Go(func() error {
		return produce(ctx, d, "benefit_spells", qBenefits, func(c chunk, b *batch[timeline.BenefitSpell]) {
			pid, code, start, end, endOK := column[int32](c, 0), column[stringT](c, 1), column[int32](c, 2), column[int32](c, 3), c.validity(3)
			for k := range c.n {
				b.pid = append(b.pid, pid[k])
				b.row = append(b.row, timeline.BenefitSpell{Code: codes.of(code[k].bytes()),
					Interval: timeline.Interval{Start: timeline.Date(start[k]), End: endOf(end, endOK, k)}})
			}
		}, benefits, benefitsFree)
	})
	levels := interner{}
	g.Go(func() error {
		return produce(ctx, d, "education", qEducation, func(c chunk, b *batch[timeline.EducationSpell]) {
			pid, start, end, endOK := column[int32](c, 0), column[int32](c, 1), column[int32](c, 2), c.validity(2)
			level, levelOK, ach, achOK := column[stringT](c, 3), c.validity(3), column[bool](c, 4), c.validity(4)
			for k := range c.n {
				e := timeline.EducationSpell{Interval: timeline.Interval{Start: timeline.Date(start[k]), End: endOf(end, endOK, k)}}
				if valid(levelOK, k) {
					e.Level = levels.of(level[k].bytes())
				}
				e.Achieved = valid(achOK, k) && ach[k]
				b.pid = append(b.pid, pid[k])
				b.row = append(b.row, e)
			}
		}, education, educationFree)
	})
	g.Go(func() error {
		return produce(ctx, d, "earnings", qEarnings, func(c chunk, b *batch[timeline.Earning]) {
			pid, month, amount := column[int32](c, 0), column[int32](c, 1), column[float64](c, 2)
			for k := range c.n {
				b.pid = append(b.pid, pid[k])
				b.row = append(b.row, timeline.Earning{Month: timeline.Month(month[k]), Amount: amount[k]})
			}
		}, earnings, earningsFree)
	})

	ix := &Index{window: meta.Window}
	g.Go(func() error {
		return ix.consume(ctx, meta, opts, people,
			&cursor[timeline.Interval]{table: "employment_spells", ch: employment, free: employmentFree},
			&cursor[timeline.BenefitSpell]{table: "benefit_spells", ch: benefits, free: benefitsFree},
			&cursor[timeline.EducationSpell]{table: "education", ch: education, free: educationFree},
			&cursor[timeline.Earning]{table: "earnings", ch: earnings, free: earningsFree})
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ix, nil
}

// consume merge-joins the table streams by pid and builds each timeline.
func (ix *Index) consume(ctx context.Context, meta spine.Meta, opts Options,
	people <-chan batch[personRow], emp *cursor[timeline.Interval], ben *cursor[timeline.BenefitSpell],
	edu *cursor[timeline.EducationSpell], ear *cursor[timeline.Earning]) error {
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
