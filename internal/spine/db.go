package spine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// The tables the importer adds beside those of the contract's files.
const (
	tableAttributes = "people_attributes"
	tableMeta       = "spine_meta"
)

// createTableSQL returns the CREATE TABLE statement of a contract file's
// table: people gains a dense pid (its row order in people.csv); files of
// RolePersonRows store pid instead of person_id; identities keep person_id.
func createTableSQL(fs *FileSchema) string {
	var cols []string
	if fs.Role == RolePeople {
		cols = append(cols, "pid INTEGER NOT NULL")
	}
	for _, c := range fs.Columns {
		if c.Kind == KindPerson && fs.Role == RolePersonRows {
			cols = append(cols, "pid INTEGER NOT NULL")
			continue
		}
		col := c.Name + " " + c.Kind.sqlType()
		if c.Required && !c.Nullable {
			col += " NOT NULL"
		}
		cols = append(cols, col)
	}
	return fmt.Sprintf("CREATE TABLE %s (%s)", fs.Name, strings.Join(cols, ", "))
}

// orderSQL is the ORDER BY that groups a table by person, deterministically.
func orderSQL(fs *FileSchema) string {
	keys := []string{"pid"}
	for _, c := range fs.Columns {
		if c.Kind == KindDate || c.Kind == KindMonth {
			keys = append(keys, c.Name)
			break
		}
	}
	return strings.Join(keys, ", ")
}

func createTables(ctx context.Context, db *sql.DB) error {
	stmts := []string{
		fmt.Sprintf("CREATE TABLE %s (pid INTEGER NOT NULL, name VARCHAR NOT NULL, value VARCHAR)", tableAttributes),
		fmt.Sprintf("CREATE TABLE %s (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)", tableMeta),
	}
	for _, fs := range Contract() {
		stmts = append(stmts, createTableSQL(&fs))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("spine: creating tables (%s): %w", s, err)
		}
	}
	return nil
}

// loader is the importer's sink: valid rows go to the DuckDB Appender of
// their table.
type loader struct {
	conn     driver.Conn
	app      *duckdb.Appender
	attrs    *duckdb.Appender
	fs       *FileSchema
	extra    []string
	args     []driver.Value
	rows     map[string]int64
	attrRows int64
}

func (l *loader) begin(fs *FileSchema, extraNames []string) error {
	app, err := duckdb.NewAppenderFromConn(l.conn, "", fs.Name)
	if err != nil {
		return fmt.Errorf("spine: appender for %s: %w", fs.Name, err)
	}
	l.app, l.fs, l.extra = app, fs, extraNames
	n := len(fs.Columns)
	if fs.Role == RolePeople {
		n++
	}
	l.args = make([]driver.Value, n)
	if len(extraNames) > 0 {
		if l.attrs, err = duckdb.NewAppenderFromConn(l.conn, "", tableAttributes); err != nil {
			return fmt.Errorf("spine: appender for %s: %w", tableAttributes, err)
		}
	}
	return nil
}

func (l *loader) row(pid int32, vals []Value, extra []string) error {
	args := l.args[:0]
	if l.fs.Role == RolePeople {
		args = append(args, pid)
	}
	for i, c := range l.fs.Columns {
		v := vals[i]
		switch {
		case c.Kind == KindPerson && l.fs.Role == RolePersonRows:
			args = append(args, pid)
		case v.Null:
			args = append(args, nil)
		case c.Kind == KindDate || c.Kind == KindMonth:
			args = append(args, v.Day.Time())
		case c.Kind == KindAmount:
			args = append(args, v.Amount)
		case c.Kind == KindBool:
			args = append(args, v.Bool)
		default:
			args = append(args, v.Str)
		}
	}
	if err := l.app.AppendRow(args...); err != nil {
		return fmt.Errorf("spine: loading %s: %w", l.fs.Name, err)
	}
	l.rows[l.fs.Name]++
	for k, name := range l.extra {
		if extra[k] == "" {
			continue
		}
		if err := l.attrs.AppendRow(pid, name, extra[k]); err != nil {
			return fmt.Errorf("spine: loading %s: %w", tableAttributes, err)
		}
		l.attrRows++
	}
	return nil
}

func (l *loader) end(fs *FileSchema) error {
	err := l.app.Close()
	l.app = nil
	if l.attrs != nil {
		if e := l.attrs.Close(); err == nil {
			err = e
		}
		l.attrs = nil
	}
	if err != nil {
		return fmt.Errorf("spine: loading %s: %w", fs.Name, err)
	}
	return nil
}

// close releases any appender left open by an interrupted load.
func (l *loader) close() {
	if l.app != nil {
		l.app.Close()
	}
	if l.attrs != nil {
		l.attrs.Close()
	}
}
