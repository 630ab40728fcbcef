package store

import (
	"fmt"
	"time"
)

// storeTime is how the lab-records tables keep times on both back-ends:
// UTC, fixed width, microseconds, so text order is time order.
const storeTime = "2006-01-02T15:04:05.000000Z"

// ts is t as stored.
func ts(t time.Time) string { return t.UTC().Format(storeTime) }

// tsOpt is t as stored, or NULL.
func tsOpt(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// at truncates now to what the store keeps, so values returned from a
// write equal the values read back later.
func at(now time.Time) time.Time { return now.UTC().Truncate(time.Microsecond) }

// parseStoreTime reads a stored time; it also accepts RFC 3339 and
// CURRENT_TIMESTAMP's forms on either back-end (organisations created by
// older code carry SQLite's default).
func parseStoreTime(s string) (time.Time, error) {
	for _, layout := range []string{storeTime, time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

// tcol scans a NOT NULL time column.
type tcol struct{ t *time.Time }

func (c tcol) Scan(v any) error {
	s, err := textValue(v)
	if err != nil || s == nil {
		if err == nil {
			err = fmt.Errorf("NULL time")
		}
		return err
	}
	t, err := parseStoreTime(*s)
	*c.t = t
	return err
}

// tnull scans a nullable time column into a *time.Time.
type tnull struct{ p **time.Time }

func (c tnull) Scan(v any) error {
	s, err := textValue(v)
	if err != nil {
		return err
	}
	if s == nil {
		*c.p = nil
		return nil
	}
	t, err := parseStoreTime(*s)
	if err != nil {
		return err
	}
	*c.p = &t
	return nil
}

func textValue(v any) (*string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return &x, nil
	case []byte:
		s := string(x)
		return &s, nil
	case time.Time:
		s := x.UTC().Format(storeTime)
		return &s, nil
	}
	return nil, fmt.Errorf("time column holds %T", v)
}

// inull scans a nullable integer column into a *int64.
type inull struct{ p **int64 }

func (c inull) Scan(v any) error {
	if v == nil {
		*c.p = nil
		return nil
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int32:
		n = int64(x)
	default:
		return fmt.Errorf("integer column holds %T", v)
	}
	*c.p = &n
	return nil
}

// iopt is p as stored, or NULL.
func iopt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
