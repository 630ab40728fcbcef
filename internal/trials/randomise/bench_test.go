package randomise

import (
	"fmt"
	"testing"
)

// The arm of the k-th allocation in a stratum replays the stratum's blocks
// up to k: the cost grows with k.
func BenchmarkArm(b *testing.B) {
	for _, k := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				twoArms.Arm(seedOf(1), "site=North", k)
			}
		})
	}
}

// BenchmarkVerify checks a log of 10,000 allocations in two strata.
func BenchmarkVerify(b *testing.B) {
	c, d, seed := chainOf(10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := Verify(c, d, &seed); !r.OK {
			b.Fatal(r.Break)
		}
	}
}
