package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/spinetest"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// benchSizes are the benchmark spines: 100k people always, 1M with
// DATALAB_BENCH_LARGE=1 (seven years of earnings, ~65M rows). Set
// DATALAB_BENCH_DIR to keep the generated spines there and reuse them, so
// that a run measures (and its peak RSS counts) the index alone.
func benchSizes() []int {
	if os.Getenv("DATALAB_BENCH_LARGE") == "1" {
		return []int{100_000, 1_000_000}
	}
	return []int{100_000}
}

// benchSpines caches one imported spine per size for the whole run.
var benchSpines = struct {
	sync.Mutex
	dir string
	db  map[int]string
}{db: map[int]string{}}

func benchSpine(b *testing.B, n int) string {
	b.Helper()
	benchSpines.Lock()
	defer benchSpines.Unlock()
	if db, ok := benchSpines.db[n]; ok {
		return db
	}
	keep := os.Getenv("DATALAB_BENCH_DIR") // reuse spines across runs
	if keep != "" {
		db := filepath.Join(keep, fmt.Sprintf("spine-%d.duckdb", n))
		if _, err := os.Stat(db); err == nil {
			benchSpines.db[n] = db
			return db
		}
	}
	if benchSpines.dir == "" {
		benchSpines.dir = keep
		if keep == "" {
			d, err := os.MkdirTemp("", "spine-bench-")
			if err != nil {
				b.Fatal(err)
			}
			benchSpines.dir = d
		}
	}
	dir := filepath.Join(benchSpines.dir, fmt.Sprint(n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := spinetest.Write(dir, spinetest.Config{People: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(benchSpines.dir, fmt.Sprintf("spine-%d.duckdb", n))
	if _, err := spine.Import(context.Background(), dir, db, spine.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	benchSpines.db[n] = db
	return db
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchSpines.dir != "" && os.Getenv("DATALAB_BENCH_DIR") == "" {
		os.RemoveAll(benchSpines.dir)
	}
	os.Exit(code)
}

// maxRSSMB is the process's peak resident set so far (getrusage).
func maxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

func BenchmarkIndexBuild(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			db := benchSpine(b, n)
			runtime.GC()
			b.ResetTimer()
			var st Stats
			for range b.N {
				ix, err := Open(context.Background(), db, Options{Rebuild: true})
				if err != nil {
					b.Fatal(err)
				}
				st = ix.Stats()
			}
			b.ReportMetric(maxRSSMB(), "peak-RSS-MB")
			b.ReportMetric(float64(st.Intervals+st.EarningsMonths), "items")
		})
	}
}

func BenchmarkIndexLoad(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			db := benchSpine(b, n)
			if _, err := Open(context.Background(), db, Options{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := Open(context.Background(), db, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCovariates extracts the default covariates for one (person,
// date) pair per person: 1M pairs at people=1000000.
func BenchmarkCovariates(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("pairs=%d", n), func(b *testing.B) {
			db := benchSpine(b, n)
			ix, err := Open(context.Background(), db, Options{})
			if err != nil {
				b.Fatal(err)
			}
			pairs := make([]Pair, ix.Len())
			base := timeline.DateOf(2021, 1, 4)
			for i := range pairs {
				pairs[i] = Pair{Person: i, Date: base + timeline.Date(i%365)}
			}
			out := make([]timeline.Covariates, len(pairs))
			b.ResetTimer()
			for range b.N {
				if err := ix.Covariates(context.Background(), pairs, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
