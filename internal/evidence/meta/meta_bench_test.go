package meta

import (
	"context"
	"math/rand/v2"
	"testing"
)

func synthetic(k int) []Study {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]Study, k)
	for i := range out {
		v := 0.01 + r.Float64()*0.2
		out[i] = Study{Label: "s", Yi: 0.3 + r.NormFloat64()*0.4 + r.NormFloat64()*v, Vi: v}
	}
	return out
}

func BenchmarkPoolREML(b *testing.B) {
	for _, k := range []int{13, 1000} {
		s := synthetic(k)
		b.Run(map[int]string{13: "k=13", 1000: "k=1000"}[k], func(b *testing.B) {
			for b.Loop() {
				if _, err := Pool(s, Spec{Method: REML}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAnalyseK100(b *testing.B) {
	s := synthetic(100)
	for b.Loop() {
		if _, err := Analyse(context.Background(), s, "", AnalysisSpec{}); err != nil {
			b.Fatal(err)
		}
	}
}
