package power

import "testing"

func BenchmarkSolveTwoMeansN(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Solve(Problem{Test: TwoMeans, D: 0.2, Power: 0.8}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolveTwoProportionsN(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Solve(Problem{Test: TwoProportions, P1: 0.3, P2: 0.25, Power: 0.8}); err != nil {
			b.Fatal(err)
		}
	}
}
