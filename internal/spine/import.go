package spine

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// ImportOptions are the settings of Import.
type ImportOptions struct {
	ValidateOptions
	// Strict aborts on any problem and changes nothing. Otherwise valid rows
	// load and every problem goes to the rejects file.
	Strict bool
	// Version is the program version recorded in spine_meta.
	Version string
}

// RejectsPath is the rejects file written beside a spine database.
func RejectsPath(dbPath string) string { return dbPath + ".rejects.csv" }

// ErrStrict is wrapped by Import's error when --strict found problems.
var ErrStrict = errors.New("strict import: the spine has problems")

// Import validates the spine in dir and loads it into the DuckDB database
// at dbPath, replacing any spine there atomically: the new database is built
// in a temporary file beside dbPath and renamed over it only when complete,
// so a failed, cancelled or strict-rejected import leaves the previous
// database byte for byte as it was.
//
// Without Strict, rows that break the contract are left out and listed in
// RejectsPath(dbPath) (file, line, column, reason; never an identity value).
func Import(ctx context.Context, dir, dbPath string, opts ImportOptions) (rep Report, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return rep, fmt.Errorf("spine: %w", err)
	}
	tmp := dbPath + ".tmp-" + hex.EncodeToString(suffix)
	tmpRejects := RejectsPath(dbPath) + ".tmp-" + hex.EncodeToString(suffix)
	committed := false
	defer func() {
		if !committed {
			os.Remove(tmp)
			os.Remove(tmp + ".wal")
			os.Remove(tmpRejects)
		}
	}()

	connector, err := duckdb.NewConnector(tmp, nil)
	if err != nil {
		return rep, fmt.Errorf("spine: creating %s: %w", tmp, err)
	}
	db := sql.OpenDB(connector)
	closeDB := func() error {
		e1 := db.Close()
		e2 := connector.Close()
		return errors.Join(e1, e2)
	}
	dbOpen := true
	defer func() {
		if dbOpen {
			closeDB()
		}
	}()
	if err := createTables(ctx, db); err != nil {
		return rep, err
	}
	conn, err := connector.Connect(ctx)
	if err != nil {
		return rep, fmt.Errorf("spine: connecting to %s: %w", tmp, err)
	}
	defer conn.Close()

	rf, err := os.Create(tmpRejects)
	if err != nil {
		return rep, fmt.Errorf("spine: rejects file: %w", err)
	}
	defer rf.Close()
	writeReject, flushRejects := RejectsWriter(rf)
	userOnProblem := opts.OnProblem
	opts.OnProblem = func(p Problem) error {
		if err := writeReject(p); err != nil {
			return fmt.Errorf("spine: rejects file: %w", err)
		}
		if userOnProblem != nil {
			return userOnProblem(p)
		}
		return nil
	}
	opts.DuckDB = func() (*sql.DB, error) { return db, nil }

	l := &loader{conn: conn, rows: make(map[string]int64)}
	defer l.close()
	v := newValidator(dir, opts.ValidateOptions, l)
	v.strict = opts.Strict
	defer v.close()
	if err := v.run(ctx); err != nil {
		return v.rep, err
	}
	rep = v.rep
	if opts.Strict && rep.ProblemCount > 0 {
		return rep, fmt.Errorf("%w: %d problems in %d rows; nothing was loaded and %s is unchanged (run datalab spine check to list them, or import without --strict to load the valid rows)", ErrStrict, rep.ProblemCount, rep.RejectedRows, dbPath)
	}
	if l.rows["people"] == 0 {
		return rep, fmt.Errorf("spine: %s has no valid people rows; nothing to load", dir)
	}
	if rep.Window.End == 0 && rep.Window.Start == 0 {
		return rep, fmt.Errorf("spine: %s has no valid earnings rows: the spine's window is set by its earnings months", dir)
	}

	// Keep every person table grouped by pid on disk, so the timeline index
	// streams it in one ordered scan.
	for _, fr := range rep.Files {
		if fr.SortedByPerson {
			continue
		}
		fs := contractFile(fr.Table)
		q := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s ORDER BY %s", fs.Name, fs.Name, orderSQL(fs))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return rep, fmt.Errorf("spine: ordering %s by person: %w", fs.Name, err)
		}
	}
	meta := Meta{
		ContentHash:     rep.ContentHash,
		Window:          rep.Window,
		ImportedAt:      opts.Now().UTC(),
		Rows:            l.rows,
		Attributes:      l.attrRows,
		RejectedRows:    rep.RejectedRows,
		Problems:        rep.ProblemCount,
		Version:         opts.Version,
		ContractVersion: ContractVersion,
	}
	if err := writeMeta(ctx, db, meta); err != nil {
		return rep, err
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return rep, fmt.Errorf("spine: checkpoint %s: %w", tmp, err)
	}
	l.close()
	conn.Close()
	dbOpen = false
	if err := closeDB(); err != nil {
		return rep, fmt.Errorf("spine: closing %s: %w", tmp, err)
	}
	if err := flushRejects(); err != nil {
		return rep, fmt.Errorf("spine: rejects file: %w", err)
	}
	if err := syncClose(rf); err != nil {
		return rep, fmt.Errorf("spine: rejects file: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	// Commit: the rename is atomic; a stale write-ahead log of the old file
	// must not be replayed onto the new one.
	if err := os.Rename(tmp, dbPath); err != nil {
		return rep, fmt.Errorf("spine: replacing %s: %w", dbPath, err)
	}
	committed = true
	os.Remove(dbPath + ".wal")
	if err := os.Rename(tmpRejects, RejectsPath(dbPath)); err != nil {
		return rep, fmt.Errorf("spine: writing %s: %w", RejectsPath(dbPath), err)
	}
	syncDir(filepath.Dir(dbPath))
	return rep, nil
}

// contractFile returns the contract's schema for a table name.
func contractFile(name string) *FileSchema {
	for _, fs := range Contract() {
		if fs.Name == name {
			return &fs
		}
	}
	panic("spine: no contract file " + name) // programmer error
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("spine: %w", err)
	}
	return syncClose(f)
}

func syncClose(f *os.File) error {
	err := f.Sync()
	if e := f.Close(); err == nil && !errors.Is(e, os.ErrClosed) {
		err = e
	}
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
