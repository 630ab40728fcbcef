package spine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// ContractVersion is the data contract a spine database was loaded under.
const ContractVersion = "1"

// Meta is a spine database's record of itself, held in spine_meta.
type Meta struct {
	// ContentHash identifies the input files (Report.ContentHash); caches
	// built from the spine, such as the timeline index, are keyed on it.
	ContentHash string
	Window      timeline.Window
	ImportedAt  time.Time
	// Rows counts the rows loaded into each contract table.
	Rows            map[string]int64
	Attributes      int64 // rows of people_attributes
	RejectedRows    int64
	Problems        int64
	Version         string // the datalab version that imported it
	ContractVersion string
}

func writeMeta(ctx context.Context, db *sql.DB, m Meta) error {
	kv := map[string]string{
		"content_hash":            m.ContentHash,
		"window_start":            m.Window.Start.String(),
		"window_end":              m.Window.End.String(),
		"earnings_from":           m.Window.EarningsFrom.String(),
		"imported_at":             m.ImportedAt.Format(time.RFC3339),
		"rejected_rows":           strconv.FormatInt(m.RejectedRows, 10),
		"problems":                strconv.FormatInt(m.Problems, 10),
		"program_version":         m.Version,
		"contract_version":        m.ContractVersion,
		"rows." + tableAttributes: strconv.FormatInt(m.Attributes, 10),
	}
	for _, fs := range Contract() {
		kv["rows."+fs.Name] = strconv.FormatInt(m.Rows[fs.Name], 10)
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+tableMeta+" VALUES (?, ?)", k, kv[k]); err != nil {
			return fmt.Errorf("spine: writing %s: %w", tableMeta, err)
		}
	}
	return nil
}

// OpenReadOnly opens an imported spine database for reading. It fails with
// a clear message when dbPath does not exist (DuckDB would create it).
func OpenReadOnly(dbPath string) (*sql.DB, error) {
	st, err := os.Stat(dbPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("spine: %s does not exist: import a spine first (datalab spine import --from DIR --db %s)", dbPath, dbPath)
		}
		return nil, fmt.Errorf("spine: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("spine: %s is a folder, not a spine database (a .duckdb file written by datalab spine import)", dbPath)
	}
	db, err := sql.Open("duckdb", dbPath+"?access_mode=read_only")
	if err != nil {
		return nil, fmt.Errorf("spine: opening %s: %w", dbPath, err)
	}
	return db, nil
}

// ReadMeta reads the spine_meta record of an imported spine database.
func ReadMeta(ctx context.Context, dbPath string) (Meta, error) {
	db, err := OpenReadOnly(dbPath)
	if err != nil {
		return Meta{}, err
	}
	defer db.Close()
	return readMeta(ctx, db, dbPath)
}

func readMeta(ctx context.Context, db *sql.DB, dbPath string) (Meta, error) {
	rows, err := db.QueryContext(ctx, "SELECT key, value FROM "+tableMeta)
	if err != nil {
		return Meta{}, fmt.Errorf("spine: %s has no readable %s table (is it a spine imported by datalab spine import?): %w", dbPath, tableMeta, err)
	}
	defer rows.Close()
	kv := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return Meta{}, fmt.Errorf("spine: reading %s of %s: %w", tableMeta, dbPath, err)
		}
		kv[k] = v
	}
	if err := rows.Err(); err != nil {
		return Meta{}, fmt.Errorf("spine: reading %s of %s: %w", tableMeta, dbPath, err)
	}
	m := Meta{ContentHash: kv["content_hash"], Version: kv["program_version"], ContractVersion: kv["contract_version"], Rows: map[string]int64{}}
	if m.ContentHash == "" {
		return Meta{}, fmt.Errorf("spine: %s has no content_hash in %s: re-import the spine", dbPath, tableMeta)
	}
	var errs []error
	date := func(k string) timeline.Date {
		d, reason := parseDate(kv[k])
		if reason != "" {
			errs = append(errs, fmt.Errorf("%s %q: %s", k, kv[k], reason))
		}
		return d
	}
	num := func(k string) int64 {
		n, err := strconv.ParseInt(kv[k], 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: not a count", k, kv[k]))
		}
		return n
	}
	m.Window.Start = date("window_start")
	m.Window.End = date("window_end")
	ef, reason := parseMonth(kv["earnings_from"])
	if reason != "" {
		errs = append(errs, fmt.Errorf("earnings_from %q: %s", kv["earnings_from"], reason))
	}
	m.Window.EarningsFrom = ef
	m.ImportedAt, err = time.Parse(time.RFC3339, kv["imported_at"])
	if err != nil {
		errs = append(errs, fmt.Errorf("imported_at %q: %w", kv["imported_at"], err))
	}
	m.RejectedRows = num("rejected_rows")
	m.Problems = num("problems")
	m.Attributes = num("rows." + tableAttributes)
	for k := range kv {
		if t, ok := strings.CutPrefix(k, "rows."); ok && t != tableAttributes {
			m.Rows[t] = num(k)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Meta{}, fmt.Errorf("spine: %s: %s is damaged (re-import the spine): %w", dbPath, tableMeta, err)
	}
	return m, nil
}

// Window returns the window of an imported spine and its content hash.
func Window(ctx context.Context, dbPath string) (timeline.Window, string, error) {
	m, err := ReadMeta(ctx, dbPath)
	if err != nil {
		return timeline.Window{}, "", err
	}
	return m.Window, m.ContentHash, nil
}
