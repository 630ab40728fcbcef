package power_test

import (
	"fmt"

	"github.com/employment-data-lab/datalab/internal/trials/power"
)

// How many people per arm to detect a fall in the proportion on benefit
// from 30% to 25% with 80% power at the 5% level (two-sided)?
func ExampleSolve() {
	r, err := power.Solve(power.Problem{Test: power.TwoProportions, P1: 0.30, P2: 0.25, Power: 0.8})
	if err != nil {
		panic(err)
	}
	fmt.Printf("h = %.4f, n = %.3f per arm: recruit %d + %d\n", r.Effect, r.N1, r.N1Required, r.N2Required)

	// The same trial randomising job centres of 40 claimants, ICC 0.02.
	r, err = power.Solve(power.Problem{Test: power.TwoProportions, P1: 0.30, P2: 0.25, Power: 0.8,
		Cluster: &power.Cluster{Size: 40, ICC: 0.02}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("design effect %.2f: %d job centres per arm\n", r.DesignEffect, r.Clusters1Required)
	// Output:
	// h = 0.1121, n = 1249.584 per arm: recruit 1250 + 1250
	// design effect 1.78: 56 job centres per arm
}
