package matching

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// scaleProblem is the MatchIt-at-scale problem of shared/reference/README.md:
// 10 standard-normal covariates, participants shifted by +0.2 on x1..x5.
// (R's set.seed(1) stream cannot be reproduced in Go; the design is the
// same.)
func scaleProblem(nt, nc int) (*Design, []bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := nt + nc
	p := 10
	data := make([]float64, n*p)
	treated := make([]bool, n)
	for i := range n {
		treated[i] = i < nt
		for j := range p {
			v := rng.NormFloat64()
			if treated[i] && j < 5 {
				v += 0.2
			}
			data[i*p+j] = v
		}
	}
	names := make([]string, p)
	for j := range names {
		names[j] = fmt.Sprintf("x%d", j+1)
	}
	d, err := NewDesign(names, data)
	if err != nil {
		panic(err)
	}
	return d, treated
}

var scaleSizes = []struct{ nt, nc int }{{1000, 100000}, {10000, 1000000}}

func benchSizes(b *testing.B, fn func(b *testing.B, X *Design, treated []bool)) {
	for _, s := range scaleSizes {
		if s.nc > 100000 && os.Getenv("DATALAB_BENCH_LARGE") != "1" {
			continue
		}
		b.Run(fmt.Sprintf("%dx%d", s.nt, s.nc), func(b *testing.B) {
			X, treated := scaleProblem(s.nt, s.nc)
			b.ResetTimer()
			fn(b, X, treated)
		})
	}
}

// matchItSpec is what matchit(treat ~ x1 + … + x10, method = "nearest")
// does: 1:1 on the propensity score, largest first, no caliper.
var matchItSpec = Spec{Distance: DistancePropensity, Caliper: NoCaliper}

func BenchmarkPropensityFit(b *testing.B) {
	benchSizes(b, func(b *testing.B, X *Design, treated []bool) {
		cpu0 := cpuSeconds()
		defer func() { b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op") }()
		for b.Loop() {
			if _, err := Fit(context.Background(), X, treated, PropensitySpec{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMatchNearest(b *testing.B) {
	benchSizes(b, func(b *testing.B, X *Design, treated []bool) {
		m, err := Fit(context.Background(), X, treated, PropensitySpec{})
		if err != nil {
			b.Fatal(err)
		}
		prob := NewProblem(m, treated, nil)
		b.ResetTimer()
		for b.Loop() {
			if _, err := Match(context.Background(), prob, matchItSpec); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cpuSeconds is this process's user + system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkWholeStep times the propensity fit and the matching together, as
// MatchIt's matchit() call does; cpu-s/op is the CPU time (all threads),
// which tells more than wall time on a shared machine.
func BenchmarkWholeStep(b *testing.B) {
	benchSizes(b, func(b *testing.B, X *Design, treated []bool) {
		cpu0 := cpuSeconds()
		defer func() { b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op") }()
		for b.Loop() {
			m, err := Fit(context.Background(), X, treated, PropensitySpec{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Match(context.Background(), NewProblem(m, treated, nil), matchItSpec); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestWriteScaleProblem writes the 10k × 1M benchmark problem to the CSV
// named by DATALAB_SCALE_CSV (treat, x1..x10; values round-trip exactly),
// so that testdata/scale_matchit.R can time MatchIt on the same data and
// save its matches; DATALAB_SCALE_PAIRS then names the pairs it wrote, and
// the test compares them with ours. Skipped unless DATALAB_SCALE_CSV is set.
func TestWriteScaleProblem(t *testing.T) {
	path := os.Getenv("DATALAB_SCALE_CSV")
	if path == "" {
		t.Skip("set DATALAB_SCALE_CSV=path to write the 10k × 1M problem for R")
	}
	X, treated := scaleProblem(10000, 1000000)
	if _, err := os.Stat(path); err != nil {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		w.WriteString("treat,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10\n")
		buf := make([]byte, 0, 256)
		for i := range X.Rows() {
			buf = buf[:0]
			if treated[i] {
				buf = append(buf, '1')
			} else {
				buf = append(buf, '0')
			}
			for _, v := range X.Row(i) {
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
			}
			buf = append(buf, '\n')
			w.Write(buf)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	pairsPath := os.Getenv("DATALAB_SCALE_PAIRS")
	if pairsPath == "" {
		return
	}
	m, err := Fit(context.Background(), X, treated, PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	want := rPairs(t, pairsPath)
	for _, cmp := range []string{CompareExact, CompareTruncated} {
		spec := matchItSpec
		spec.Compare = cmp
		res, err := Match(context.Background(), NewProblem(m, treated, nil), spec)
		if err != nil {
			t.Fatal(err)
		}
		same := 0
		for _, p := range res.Pairs {
			if c, ok := want[p.Treated]; ok && c == p.Control {
				same++
			}
		}
		t.Logf("%s: %d of %d pairs equal to %s's (%d there)", cmp, same, len(res.Pairs), pairsPath, len(want))
	}
}
