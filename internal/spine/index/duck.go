package index

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go-bindings"
)

// The build reads DuckDB through its C API (duckdb-go's bindings), not
// database/sql: duckdb-go v2.10506.0 materialises a whole query result
// before the first row is read, and boxes every value into an interface.
// For a 65-million-row earnings table that is gigabytes of memory and tens
// of seconds. A streaming result read chunk by chunk, with each column's
// vector viewed in place, keeps memory to a few chunks per table and costs
// a copy per value (measured in BenchmarkIndexBuild).

// duck is a read-only DuckDB database opened through the C API.
type duck struct{ db duckdb.Database }

func openDuck(path string) (*duck, error) {
	var cfg duckdb.Config
	if duckdb.CreateConfig(&cfg) == duckdb.StateError {
		return nil, errors.New("index: DuckDB: cannot create a configuration")
	}
	defer duckdb.DestroyConfig(&cfg)
	if duckdb.SetConfig(cfg, "access_mode", "READ_ONLY") == duckdb.StateError {
		return nil, errors.New("index: DuckDB: cannot set read-only access")
	}
	var d duck
	var msg string
	if duckdb.OpenExt(path, &d.db, cfg, &msg) == duckdb.StateError {
		return nil, fmt.Errorf("index: opening %s: %s", path, msg)
	}
	return &d, nil
}

func (d *duck) close() { duckdb.Close(&d.db) }

// chunk is one DuckDB data chunk of a streaming result.
type chunk struct {
	c duckdb.DataChunk
	n int
}

// scan runs query on its own connection as a streaming result and calls fn
// for each chunk; the chunk is valid only during the call.
func (d *duck) scan(ctx context.Context, query string, fn func(chunk) error) error {
	var conn duckdb.Connection
	if duckdb.Connect(d.db, &conn) == duckdb.StateError {
		return errors.New("DuckDB: cannot connect")
	}
	defer duckdb.Disconnect(&conn)
	var stmt duckdb.PreparedStatement
	if duckdb.Prepare(conn, query, &stmt) == duckdb.StateError {
		err := errors.New(duckdb.PrepareError(stmt))
		duckdb.DestroyPrepare(&stmt)
		return err
	}
	defer duckdb.DestroyPrepare(&stmt)
	var pending duckdb.PendingResult
	if duckdb.PendingPreparedStreaming(stmt, &pending) == duckdb.StateError {
		err := errors.New(duckdb.PendingError(pending))
		duckdb.DestroyPending(&pending)
		return err
	}
	defer duckdb.DestroyPending(&pending)
	var res duckdb.Result
	if duckdb.ExecutePending(pending, &res) == duckdb.StateError {
		err := errors.New(duckdb.ResultError(&res))
		duckdb.DestroyResult(&res)
		return err
	}
	defer duckdb.DestroyResult(&res)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := duckdb.FetchChunk(res)
		if c.Ptr == nil {
			break
		}
		n := int(duckdb.DataChunkGetSize(c))
		if n == 0 {
			duckdb.DestroyDataChunk(&c)
			break
		}
		err := fn(chunk{c, n})
		duckdb.DestroyDataChunk(&c)
		if err != nil {
			return err
		}
	}
	if msg := duckdb.ResultError(&res); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// column views column i's data as n values of T (INTEGER and DATE as int32,
// DOUBLE as float64, BOOLEAN as bool, VARCHAR as stringT).
func column[T any](c chunk, i int) []T {
	v := duckdb.DataChunkGetVector(c.c, duckdb.IdxT(i))
	return unsafe.Slice((*T)(duckdb.VectorGetData(v)), c.n)
}

// validity returns column i's validity mask (nil: every row is valid).
func (c chunk) validity(i int) []uint64 {
	v := duckdb.DataChunkGetVector(c.c, duckdb.IdxT(i))
	p := duckdb.VectorGetValidity(v)
	if p == nil {
		return nil
	}
	return unsafe.Slice((*uint64)(p), (c.n+63)/64)
}

func valid(mask []uint64, row int) bool { return mask == nil || mask[row>>6]>>(row&63)&1 == 1 }

// stringT is DuckDB's duckdb_string_t: a length, then either the string
// inlined (up to 12 bytes) or a 4-byte prefix and a pointer.
type stringT struct {
	length uint32
	inline [12]byte
}

// bytes returns the string's bytes, valid while the chunk is.
func (s *stringT) bytes() []byte {
	if s.length <= 12 {
		return s.inline[:s.length]
	}
	p := *(*unsafe.Pointer)(unsafe.Pointer(&s.inline[4]))
	return unsafe.Slice((*byte)(p), s.length)
}
