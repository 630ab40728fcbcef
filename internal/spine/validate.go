package spine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Problem is one validation error: a row (or a file) that breaks data
// contract v1. Value is empty for identity columns, whose values are never
// shown.
type Problem struct {
	File   string // base name, e.g. people.csv
	Line   int64  // CSV line (header = 1) or Parquet row number; 0 for the whole file
	Column string // empty when the problem is the row's shape
	Reason string
	Value  string
}

// String formats the problem as file:line: column: reason (value "...").
func (p Problem) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.FormatInt(p.Line, 10)
	}
	s += ": "
	if p.Column != "" {
		s += p.Column + ": "
	}
	s += p.Reason
	if p.Value != "" {
		s += fmt.Sprintf(" (value %q)", p.Value)
	}
	return s
}

// FileReport counts the rows of one spine file.
type FileReport struct {
	Name     string // base name, e.g. people.csv
	Table    string
	Format   Format
	Rows     int64 // data rows read
	Valid    int64
	Rejected int64
	// SortedByPerson is true when the valid rows came grouped in people.csv
	// order (pids non-decreasing); the importer sorts the table otherwise.
	SortedByPerson bool
}

// Report is the outcome of validating a spine.
type Report struct {
	Files []FileReport
	// Problems holds the first MaxProblems problems; ProblemCount counts all.
	Problems     []Problem
	ProblemCount int64
	RejectedRows int64
	Warnings     []string
	// ContentHash is the hex sha256 over each file's name and the sha256 of
	// its bytes, in Contract order.
	ContentHash string
	// Window runs from the first day of the earliest earnings month to the
	// last day of the latest, over valid rows.
	Window timeline.Window
}

// Progress is reported while a long file is read.
type Progress struct {
	File    string
	Rows    int64
	Elapsed time.Duration
	Done    bool
}

// RowsPerSecond is the reading rate so far.
func (p Progress) RowsPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Rows) / p.Elapsed.Seconds()
}

// ValidateOptions are the settings of a validation pass.
type ValidateOptions struct {
	// MaxProblems caps Report.Problems (default 20); all are counted.
	MaxProblems int
	// OnProblem, if set, sees every problem (the importer writes the
	// rejects file from it).
	OnProblem func(Problem) error
	// Progress, if set, is called every few seconds and at the end of each
	// file. Now is the clock (default time.Now).
	Progress func(Progress)
	Now      func() time.Time
	// Only, if set, restricts the pass to these files (people is always
	// read, since other files refer to it).
	Only []string
	// DuckDB opens a DuckDB handle for reading Parquet files (nil: an
	// in-memory database is opened when a Parquet file is found).
	DuckDB func() (*sql.DB, error)
}

// rowSink receives the valid rows of each file. vals is parallel to
// fs.Columns (absent columns are Null); extra holds the values of unknown
// columns kept as attributes. Slices are reused between calls.
type rowSink interface {
	begin(fs *FileSchema, extraNames []string) error
	row(pid int32, vals []Value, extra []string) error
	end(fs *FileSchema) error
}

// errStop is returned by a sink to end validation early without error.
var errStop = errors.New("spine: stop")

// validator is the one validation path shared by check, import and
// ReadIdentities.
type validator struct {
	dir    string
	opts   ValidateOptions
	people map[string]int32 // person_id -> pid, people.csv order
	rep    Report
	sink   rowSink
	duck   *sql.DB
	closer func() error
	// stopLoading is set by the importer in strict mode after the first
	// problem: validation goes on, rows are no longer passed to the sink.
	stopLoading bool
	strict      bool
	minMonth    timeline.Month
	maxMonth    timeline.Month
	haveMonth   bool
}

func newValidator(dir string, opts ValidateOptions, sink rowSink) *validator {
	if opts.MaxProblems == 0 {
		opts.MaxProblems = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &validator{dir: dir, opts: opts, sink: sink, people: make(map[string]int32)}
}

func (v *validator) close() {
	if v.closer != nil {
		v.closer()
		v.closer = nil
	}
}

// problem records a problem; the row it belongs to is rejected by the caller.
func (v *validator) problem(p Problem) error {
	v.rep.ProblemCount++
	if len(v.rep.Problems) < v.opts.MaxProblems {
		v.rep.Problems = append(v.rep.Problems, p)
	}
	if v.strict {
		v.stopLoading = true
	}
	if v.opts.OnProblem != nil {
		return v.opts.OnProblem(p)
	}
	return nil
}

// run validates every file of the contract in order.
func (v *validator) run(ctx context.Context) error {
	total := sha256.New()
	for _, fs := range Contract() {
		if !v.wanted(fs.Name) {
			continue
		}
		fs := fs
		path, format, err := locate(v.dir, fs.Name)
		if err != nil {
			return err
		}
		if path == "" {
			if fs.Required {
				return fmt.Errorf("spine: %s has no %s.csv (or %s.parquet): every spine needs one (DESIGN.md §4)", v.dir, fs.Name, fs.Name)
			}
			continue
		}
		digest, err := v.file(ctx, &fs, path, format)
		if err != nil {
			return err
		}
		fmt.Fprintf(total, "%s\x00%x\x00", filepath.Base(path), digest)
	}
	v.rep.ContentHash = hex.EncodeToString(total.Sum(nil))
	if v.haveMonth {
		v.rep.Window = timeline.Window{Start: v.minMonth.First(), End: v.maxMonth.Last(), EarningsFrom: v.minMonth}
	}
	return nil
}

func (v *validator) wanted(name string) bool {
	if v.opts.Only == nil || name == "people" {
		return true
	}
	for _, o := range v.opts.Only {
		if o == name {
			return true
		}
	}
	return false
}

func (v *validator) open(ctx context.Context, path string, format Format) (source, error) {
	if format == FormatCSV {
		return openCSV(path)
	}
	if v.duck == nil {
		open := v.opts.DuckDB
		if open == nil {
			open = func() (*sql.DB, error) { return sql.Open("duckdb", "") }
		}
		db, err := open()
		if err != nil {
			return nil, fmt.Errorf("spine: opening DuckDB to read %s: %w", filepath.Base(path), err)
		}
		v.duck = db
		if v.opts.DuckDB == nil {
			v.closer = db.Close
		}
	}
	return openParquet(ctx, v.duck, path)
}

// file validates one file, passing its valid rows to the sink, and returns
// the sha256 of its bytes.
func (v *validator) file(ctx context.Context, fs *FileSchema, path string, format Format) ([]byte, error) {
	name := filepath.Base(path)
	src, err := v.open(ctx, path, format)
	if err != nil {
		return nil, err
	}
	defer src.Close()

	// Map the header onto the schema: a missing required column or a
	// repeated column makes every row unreadable, so it stops the pass.
	header := src.Header()
	pos := make([]int, len(fs.Columns))
	for i := range pos {
		pos[i] = -1
	}
	var extraNames []string
	var extraPos []int
	seen := make(map[string]bool, len(header))
	for j, h := range header {
		if seen[h] {
			return nil, fmt.Errorf("%s:1: column %q appears twice in the header: keep one", name, h)
		}
		seen[h] = true
		if i := fs.columnIndex(h); i >= 0 {
			pos[i] = j
			continue
		}
		if fs.KeepExtra {
			extraNames = append(extraNames, h)
			extraPos = append(extraPos, j)
			v.rep.Warnings = append(v.rep.Warnings, fmt.Sprintf("%s: column %q is not in data contract v1: kept as a person attribute", name, h))
		} else {
			v.rep.Warnings = append(v.rep.Warnings, fmt.Sprintf("%s: column %q is not in data contract v1: ignored", name, h))
		}
	}
	for i, c := range fs.Columns {
		if c.Required && pos[i] < 0 {
			return nil, fmt.Errorf("%s:1: %s: required column is missing (the header has %d columns: %v); add it (DESIGN.md §4)", name, c.Name, len(header), header)
		}
	}
	start, end := fs.columnIndex(fs.Start), fs.columnIndex(fs.End)

	fr := FileReport{Name: name, Table: fs.Name, Format: format, SortedByPerson: true}
	if err := v.sink.begin(fs, extraNames); err != nil {
		return nil, err
	}
	vals := make([]Value, len(fs.Columns))
	colBad := make([]bool, len(fs.Columns))
	extra := make([]string, len(extraNames))
	began := v.opts.Now()
	lastReport := began
	lastPID := int32(-1)
	for {
		if fr.Rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if fr.Rows&(1<<16-1) == 0 && v.opts.Progress != nil {
				if now := v.opts.Now(); now.Sub(lastReport) >= 2*time.Second {
					lastReport = now
					v.opts.Progress(Progress{File: name, Rows: fr.Rows, Elapsed: now.Sub(began)})
				}
			}
		}
		rec, line, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("spine: %s: %w", name, err)
			}
			fr.Rows++
			fr.Rejected++
			if err := v.problem(Problem{File: name, Line: line, Reason: "malformed CSV: " + pe.Err.Error()}); err != nil {
				return nil, err
			}
			continue
		}
		fr.Rows++
		if len(rec) != len(header) {
			fr.Rejected++
			if err := v.problem(Problem{File: name, Line: line, Reason: fmt.Sprintf("the row has %d fields but the header has %d", len(rec), len(header))}); err != nil {
				return nil, err
			}
			continue
		}

		// Parse every column, then the checks across columns.
		bad := false
		for i := range colBad {
			colBad[i] = false
		}
		for i, c := range fs.Columns {
			if pos[i] < 0 {
				vals[i] = Value{Null: true}
				continue
			}
			raw := rec[pos[i]]
			if raw == "" {
				if c.Nullable {
					vals[i] = Value{Null: true}
					continue
				}
				bad, colBad[i] = true, true
				if err := v.problem(Problem{File: name, Line: line, Column: c.Name, Reason: "empty, but a value is required"}); err != nil {
					return nil, err
				}
				continue
			}
			val, reason := parseValue(c.Kind, raw)
			if reason != "" {
				bad, colBad[i] = true, true
				if err := v.problem(v.cellProblem(name, line, c, reason, raw)); err != nil {
					return nil, err
				}
				continue
			}
			vals[i] = val
		}
		// The date pair is checked whenever both dates parsed, so a row
		// with an unknown code and reversed dates reports both.
		if start >= 0 && end >= 0 && !colBad[start] && !colBad[end] && !vals[end].Null && vals[end].Day < vals[start].Day {
			bad = true
			if err := v.problem(v.cellProblem(name, line, fs.Columns[end], "end before start: "+fs.End+" is earlier than "+fs.Start, rec[pos[end]])); err != nil {
				return nil, err
			}
		}
		var pid int32
		if !bad {
			pid, bad, err = v.person(fs, name, line, vals)
			if err != nil {
				return nil, err
			}
		}
		if bad {
			fr.Rejected++
			continue
		}
		fr.Valid++
		if pid < lastPID {
			fr.SortedByPerson = false
		}
		lastPID = pid
		if fs.Name == "earnings" {
			m := vals[fs.columnIndex("month")].Day.Month()
			if !v.haveMonth || m < v.minMonth {
				v.minMonth = m
			}
			if !v.haveMonth || m > v.maxMonth {
				v.maxMonth = m
			}
			v.haveMonth = true
		}
		if v.stopLoading {
			continue
		}
		for k, j := range extraPos {
			extra[k] = rec[j]
		}
		if err := v.sink.row(pid, vals, extra); err != nil {
			if err == errStop {
				break
			}
			return nil, err
		}
	}
	if err := v.sink.end(fs); err != nil {
		return nil, err
	}
	digest, err := src.Digest()
	if err != nil {
		return nil, fmt.Errorf("spine: %s: %w", name, err)
	}
	v.rep.RejectedRows += fr.Rejected
	v.rep.Files = append(v.rep.Files, fr)
	if v.opts.Progress != nil {
		v.opts.Progress(Progress{File: name, Rows: fr.Rows, Elapsed: v.opts.Now().Sub(began), Done: true})
	}
	return digest, nil
}

// cellProblem builds a problem about one cell, quoting its value only when
// the column is not an identity.
func (v *validator) cellProblem(file string, line int64, c Column, reason, raw string) Problem {
	p := Problem{File: file, Line: line, Column: c.Name, Reason: reason}
	if !c.Identity {
		p.Value = raw
	}
	return p
}

// person resolves the row's person: a new pid for people.csv (rejecting a
// duplicate person_id), the known pid for every other file (rejecting an
// unknown one).
func (v *validator) person(fs *FileSchema, name string, line int64, vals []Value) (int32, bool, error) {
	i := fs.columnIndex("person_id")
	id := vals[i].Str
	if fs.Role == RolePeople {
		if _, dup := v.people[id]; dup {
			return 0, true, v.problem(Problem{File: name, Line: line, Column: "person_id", Reason: "duplicate person_id: it already appears on an earlier row", Value: id})
		}
		pid := int32(len(v.people))
		v.people[id] = pid
		return pid, false, nil
	}
	pid, ok := v.people[id]
	if !ok {
		return 0, true, v.problem(Problem{File: name, Line: line, Column: "person_id", Reason: "unknown person: not in people (or that row was rejected)", Value: id})
	}
	return pid, false, nil
}

// discard is the sink of a check: it keeps nothing.
type discard struct{}

func (discard) begin(*FileSchema, []string) error  { return nil }
func (discard) row(int32, []Value, []string) error { return nil }
func (discard) end(*FileSchema) error              { return nil }

// Check validates the spine in dir without loading it: the same checks as
// Import, row by row. The error is non-nil only when the spine cannot be
// read at all (a missing file or column); row problems are in the Report.
func Check(ctx context.Context, dir string, opts ValidateOptions) (Report, error) {
	v := newValidator(dir, opts, discard{})
	defer v.close()
	if err := v.run(ctx); err != nil {
		return v.rep, err
	}
	return v.rep, nil
}

// Write prints the report: each file's counts, the warnings, and the first
// problems (never an identity value: Problem holds none).
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\tformat\trows\tvalid\trejected\n")
	for _, f := range r.Files {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", f.Name, f.Format, f.Rows, f.Valid, f.Rejected)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "%s\n", p)
	}
	if more := r.ProblemCount - int64(len(r.Problems)); more > 0 {
		fmt.Fprintf(w, "... and %d more problems\n", more)
	}
	fmt.Fprintf(w, "%d problems in %d rejected rows\n", r.ProblemCount, r.RejectedRows)
	if r.ContentHash != "" {
		fmt.Fprintf(w, "content hash %s\n", r.ContentHash)
	}
	return nil
}

// RejectsWriter returns an OnProblem callback that writes every problem as
// a CSV row (file, line, column, reason, value) to w, and a flush to call
// at the end. Identity values are never written: Problem holds none.
func RejectsWriter(w io.Writer) (onProblem func(Problem) error, flush func() error) {
	cw := csv.NewWriter(w)
	cw.Write([]string{"file", "line", "column", "reason", "value"})
	return func(p Problem) error {
			return cw.Write([]string{p.File, strconv.FormatInt(p.Line, 10), p.Column, p.Reason, p.Value})
		}, func() error {
			cw.Flush()
			return cw.Error()
		}
}
