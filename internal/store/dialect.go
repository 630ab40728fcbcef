package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// dialect is everything that differs between the back-ends outside the
// migration files. Statements are written once, with ? placeholders and
// the SQL both back-ends share (INSERT … RETURNING, ON CONFLICT, CASE,
// COALESCE); the few differences are here.
type dialect struct {
	name string
	// dollar: rewrite ? placeholders to $1, $2, … (PostgreSQL).
	dollar bool
	// skipLocked is appended to the sub-select that picks the next
	// queued job: on PostgreSQL concurrent claimers skip rows another
	// transaction has locked; SQLite transactions are serial already.
	skipLocked string
}

var (
	sqliteDialect   = dialect{name: SQLite}
	postgresDialect = dialect{name: Postgres, dollar: true, skipLocked: " FOR UPDATE SKIP LOCKED"}
)

// rebind rewrites the ? placeholders of q to $1, $2, … for PostgreSQL,
// leaving ? inside quoted strings, quoted identifiers and comments alone.
func (d dialect) rebind(q string) string {
	if !d.dollar || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either back-end.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_UNIQUE (2067), SQLITE_CONSTRAINT_PRIMARYKEY (1555)
		return se.Code() == 2067 || se.Code() == 1555
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key failure.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 787 // SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
