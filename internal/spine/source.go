package spine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is how a spine file is stored.
type Format string

// The formats a spine file may take.
const (
	FormatCSV     Format = "csv"
	FormatParquet Format = "parquet"
)

// locate finds name.csv or name.parquet in dir. It returns "" when neither
// exists, and an error when both do (which one is the spine is ambiguous).
func locate(dir, name string) (string, Format, error) {
	var found []string
	var formats []Format
	for _, f := range []Format{FormatCSV, FormatParquet} {
		p := filepath.Join(dir, name+"."+string(f))
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
			formats = append(formats, f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", "", fmt.Errorf("spine: %s: %w", p, err)
		}
	}
	switch len(found) {
	case 0:
		return "", "", nil
	case 1:
		return found[0], formats[0], nil
	}
	return "", "", fmt.Errorf("spine: both %s.csv and %s.parquet are in %s: keep one", name, name, dir)
}

// source yields the records of one spine file with their line numbers.
type source interface {
	// Header returns the column names.
	Header() []string
	// Next returns the next record and its line (CSV: the line the record
	// starts on, the header being line 1; Parquet: the row number, from 1).
	// A malformed record returns a *csv.ParseError and reading may
	// continue; io.EOF ends the file.
	Next() ([]string, int64, error)
	// Digest returns the sha256 of the file's bytes once it is fully read.
	Digest() ([]byte, error)
	Close() error
}

// csvSource streams a CSV file through encoding/csv: quoted fields, CRLF
// line ends and a leading byte-order mark are accepted.
type csvSource struct {
	f      *os.File
	h      hash.Hash
	r      *csv.Reader
	header []string
}

func openCSV(path string) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spine: %w", err)
	}
	h := sha256.New()
	r := csv.NewReader(io.TeeReader(f, h))
	r.FieldsPerRecord = -1 // the validator reports wrong field counts itself
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		f.Close()
		if err == io.EOF {
			return nil, fmt.Errorf("%s:1: the file is empty: it needs a header row naming its columns", filepath.Base(path))
		}
		return nil, fmt.Errorf("%s: header row: %w", filepath.Base(path), err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	return &csvSource{f: f, h: h, r: r, header: header}, nil
}

func (s *csvSource) Header() []string { return s.header }

func (s *csvSource) Next() ([]string, int64, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, int64(pe.StartLine), err
		}
		return nil, 0, err
	}
	line, _ := s.r.FieldPos(0)
	return rec, int64(line), nil
}

func (s *csvSource) Digest() ([]byte, error) {
	// Drain anything the CSV reader did not consume (nothing, after EOF).
	if _, err := io.Copy(s.h, s.f); err != nil {
		return nil, err
	}
	return s.h.Sum(nil), nil
}

func (s *csvSource) Close() error { return s.f.Close() }

// parquetSource reads a Parquet file through DuckDB's read_parquet, every
// column cast to VARCHAR so the one validation path applies.
type parquetSource struct {
	path   string
	rows   *sql.Rows
	header []string
	n      int64
	vals   []sql.NullString
	ptrs   []any
	rec    []string
}

func openParquet(ctx context.Context, db *sql.DB, path string) (*parquetSource, error) {
	q := fmt.Sprintf("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM read_parquet(%s)", sqlString(path))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s: reading Parquet: %w", filepath.Base(path), err)
	}
	header, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, fmt.Errorf("%s: reading Parquet columns: %w", filepath.Base(path), err)
	}
	s := &parquetSource{path: path, rows: rows, header: header}
	s.vals = make([]sql.NullString, len(header))
	s.ptrs = make([]any, len(header))
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	s.rec = make([]string, len(header))
	return s, nil
}

func (s *parquetSource) Header() []string { return s.header }

func (s *parquetSource) Next() ([]string, int64, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return nil, 0, fmt.Errorf("%s: reading Parquet: %w", filepath.Base(s.path), err)
		}
		return nil, 0, io.EOF
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		return nil, 0, fmt.Errorf("%s: reading Parquet: %w", filepath.Base(s.path), err)
	}
	s.n++
	for i, v := range s.vals {
		s.rec[i] = v.String // NULL reads as empty, as in CSV
	}
	return s.rec, s.n, nil
}

func (s *parquetSource) Digest() ([]byte, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

func (s *parquetSource) Close() error { return s.rows.Close() }

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
