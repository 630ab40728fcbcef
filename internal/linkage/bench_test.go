package linkage_test

import (
	"context"
	"os"
	"strings"
	"testing"

	. "github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/linkagetest"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
)

// BenchmarkLink times Link end to end (blocking, comparison, u sampling,
// EM, assignment, bands) on identities held in memory; reading the spine
// is timed by the spine package. The target is 10,000 participants
// against 1,000,000 identities in under 10 s: set DATALAB_BENCH_LARGE=1 to
// run that size.
func BenchmarkLink(b *testing.B) {
	sizes := []struct {
		name            string
		spine, partners int
	}{{"1k_x_100k", 100_000, 1_000}}
	if os.Getenv("DATALAB_BENCH_LARGE") == "1" {
		sizes = append(sizes, struct {
			name            string
			spine, partners int
		}{"10k_x_1M", 1_000_000, 10_000})
	}
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			w := linkagetest.NewWorld(42, sz.spine, sz.partners, linkagetest.DefaultNoise())
			sub, err := submission.Read(strings.NewReader(w.CSV), "participants.csv", submission.Options{})
			if err != nil {
				b.Fatal(err)
			}
			src := Identities(w.Identities)
			b.ResetTimer()
			var res Result
			for i := 0; i < b.N; i++ {
				res, err = Link(context.Background(), sub, src, Spec{})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			a := score(res, w.Truth)
			b.ReportMetric(a.precision(), "precision")
			b.ReportMetric(a.recall(), "recall")
			b.ReportMetric(float64(res.Cohort.Report.CandidatePairs), "pairs")
		})
	}
}
