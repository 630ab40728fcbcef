package power

import (
	"math"
	"testing"
)

// Expected: R 4.2.2 pt(t, df, ncp = ncp) (C's pnt, AS 243). Rows with
// negative t and huge df or noncentrality are where gonum's own
// NoncentralT.CDF takes the wrong tail; tolerance 1e-9 absolute.
func TestNoncentralTCDFAgainstR(t *testing.T) {
	tests := []struct{ t, nu, ncp, want float64 }{
		{-2.33, 200, -2.82842712474619, 0.690752268574949},
		{-2.6, 1e+06, -8, 0.999999966677977},
		{2.6, 1e+06, 8, 3.33220228172637e-08},
		{-1.5, 30, 2, 0.000306191061017924},
		{1.96, 10, 1, 0.798431728573465},
		{-1.96, 10, -1, 0.201568271426535},
		{1.96, 500000, 3, 0.149170186723072},
		{-3, 2e+09, -50, 1},
		{3, 2e+09, 50, 0},
		{0.5, 4, -1, 0.926388827953905},
		{-2.33, 200, -60, 1}, // gonum v0.17.0 gives 0
		{-2.33, 2e9, -17889, 1},
	}
	for _, tt := range tests {
		if got := nctCDF(tt.t, tt.nu, tt.ncp); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("pt(%g, %g, ncp=%g) = %.15g, want %.15g (R)", tt.t, tt.nu, tt.ncp, got, tt.want)
		}
	}
}
