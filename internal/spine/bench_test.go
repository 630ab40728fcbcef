package spine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/employment-data-lab/datalab/internal/spine/spinetest"
)

// BenchmarkImport validates and loads a synthetic seven-year spine: 100k
// people always, 1M with DATALAB_BENCH_LARGE=1. rows/s counts every row of
// every file.
func BenchmarkImport(b *testing.B) {
	sizes := []int{100_000}
	if os.Getenv("DATALAB_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := spinetest.Write(dir, spinetest.Config{People: n, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			db := filepath.Join(b.TempDir(), "spine.duckdb")
			b.ResetTimer()
			var rows int64
			for range b.N {
				rep, err := Import(context.Background(), dir, db, ImportOptions{})
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				for _, f := range rep.Files {
					rows += f.Rows
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
