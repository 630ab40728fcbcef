package synth

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWrite writes a default world (7 years) of 100,000 people, and of
// 1,000,000 with DATALAB_BENCH_LARGE=1 (the target is under 2 minutes on 2
// cores). It reports people per second and megabytes written.
func BenchmarkWrite(b *testing.B) {
	sizes := []struct {
		name   string
		people int
	}{{"100k", 100_000}}
	if os.Getenv("DATALAB_BENCH_LARGE") == "1" {
		sizes = append(sizes, struct {
			name   string
			people int
		}{"1M", 1_000_000})
	}
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.People = sz.people
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				if _, err := Write(context.Background(), dir, cfg, nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var bytes int64
				filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
					if err == nil && !info.IsDir() {
						bytes += info.Size()
					}
					return nil
				})
				b.ReportMetric(float64(bytes)/1e6, "MB")
				os.RemoveAll(dir)
				b.StartTimer()
			}
			b.ReportMetric(float64(sz.people)*float64(b.N)/b.Elapsed().Seconds(), "people/s")
		})
	}
}
