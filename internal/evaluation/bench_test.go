package evaluation_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/synth"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// BenchmarkEvaluation1M times the whole evaluation stage, evaluation.Run
// from a loaded timeline index to the Evaluation, on a 1,000,000-person
// synthetic spine with a cohort of 10,000 participants over 12 start
// months. Targets: under 15 s and 4 GB on 2 cores.
//
// It runs only with DATALAB_BENCH_LARGE=1. The world (synth, seed 1; about
// 1.6 GB of CSV and a DuckDB file) and its index cache are built on the
// first run, in DATALAB_BENCH_DIR or else os.TempDir()/datalab-bench-eval-1M,
// and reused afterwards. Peak RSS is measured over the timed loop alone:
// the high-water mark is reset (/proc/self/clear_refs) after setup, so it
// counts the loaded index (as a real run holds it) but not the world build.
// Reported as peak-RSS-GB.
func BenchmarkEvaluation1M(b *testing.B) {
	if os.Getenv("DATALAB_BENCH_LARGE") != "1" {
		b.Skip("set DATALAB_BENCH_LARGE=1 to run the 1M-person evaluation benchmark")
	}
	ctx := context.Background()
	dir := os.Getenv("DATALAB_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "datalab-bench-eval-1M")
	}
	db, err := benchWorld(ctx, dir, 1_000_000)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := index.Open(ctx, db, index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cohort, months, err := benchCohort(filepath.Join(dir, "world"), 10_000, 12)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("cohort: %d participants, start months %s to %s; spine %d people", len(cohort), months[0], months[len(months)-1], ix.Len())
	resetPeakRSS()
	b.ResetTimer()
	var ev *evaluation.Evaluation
	cpu0 := cpuSeconds()
	for b.Loop() {
		ev, err = evaluation.Run(ctx, ix, cohort, evaluation.Spec{Programme: "bench", Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU time (all threads) per run tells more than wall time on a
	// shared machine.
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	if gb, ok := peakRSSGB(); ok {
		b.ReportMetric(gb, "peak-RSS-GB")
	}
	c := ev.Counts
	b.Logf("eligible %d, matched %d, comparison pool %d, comparison used %d", c.Eligible, c.Matched, c.ComparisonPool, c.Comparison)
}

// benchWorld returns the imported spine database of a synthetic world of n
// people in dir, building it when it is not there yet.
func benchWorld(ctx context.Context, dir string, n int) (string, error) {
	db := filepath.Join(dir, "spine.duckdb")
	done := filepath.Join(dir, "READY")
	if _, err := os.Stat(done); err == nil {
		return db, nil
	}
	os.RemoveAll(dir)
	world := filepath.Join(dir, "world")
	cfg := synth.DefaultConfig()
	cfg.People, cfg.Seed = n, 1
	if _, err := synth.Write(ctx, world, cfg, nil); err != nil {
		return "", fmt.Errorf("building the benchmark world in %s: %w", world, err)
	}
	if _, err := spine.Import(ctx, filepath.Join(world, "spine"), db, spine.ImportOptions{}); err != nil {
		return "", fmt.Errorf("importing the benchmark world: %w", err)
	}
	// The spine CSVs are not needed once imported; keep the programmes.
	os.RemoveAll(filepath.Join(world, "spine"))
	return db, os.WriteFile(done, nil, 0o644)
}

// benchCohort is the benchmark's cohort: the participants of every synth
// programme (person_id from true_links.csv, start date from
// participants.csv) in the run of months consecutive start months that holds
// the most of them, up to size people, earliest starts first.
func benchCohort(world string, size, months int) ([]evaluation.Participant, []timeline.Month, error) {
	progs, err := os.ReadDir(filepath.Join(world, "programmes"))
	if err != nil {
		return nil, nil, err
	}
	var all []evaluation.Participant
	seen := map[string]bool{}
	for _, p := range progs {
		d := filepath.Join(world, "programmes", p.Name())
		links, err := readColumns(filepath.Join(d, "true_links.csv"), "participant_ref", "person_id")
		if err != nil {
			return nil, nil, err
		}
		person := map[string]string{}
		for _, r := range links {
			person[r[0]] = r[1]
		}
		starts, err := readColumns(filepath.Join(d, "participants.csv"), "participant_ref", "start_date")
		if err != nil {
			return nil, nil, err
		}
		for _, r := range starts {
			id := person[r[0]]
			if id == "" || seen[id] {
				continue
			}
			day, err := timeline.ParseDate(r[1])
			if err != nil {
				return nil, nil, fmt.Errorf("%s: start_date %q: %w", d, r[1], err)
			}
			seen[id] = true
			all = append(all, evaluation.Participant{PersonID: id, Start: day})
		}
	}
	slices.SortFunc(all, func(a, b evaluation.Participant) int {
		if a.Start != b.Start {
			return int(a.Start - b.Start)
		}
		return strings.Compare(a.PersonID, b.PersonID)
	})
	count := map[timeline.Month]int{}
	for _, p := range all {
		count[p.Start.Month()]++
	}
	var best timeline.Month
	bestN := -1
	for m := range count {
		n := 0
		for k := range months {
			n += count[m+timeline.Month(k)]
		}
		if n > bestN || (n == bestN && m < best) {
			best, bestN = m, n
		}
	}
	var out []evaluation.Participant
	for _, p := range all {
		if m := p.Start.Month(); m >= best && m < best+timeline.Month(months) && len(out) < size {
			out = append(out, p)
		}
	}
	if len(out) < size {
		return nil, nil, fmt.Errorf("the world's programmes have %d participants in their busiest %d start months, fewer than %d: build a larger world", len(out), months, size)
	}
	var ms []timeline.Month
	for k := range months {
		ms = append(ms, best+timeline.Month(k))
	}
	return out, ms, nil
}

func readColumns(path string, names ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	idx := make([]int, len(names))
	for k, n := range names {
		idx[k] = slices.Index(head, n)
		if idx[k] < 0 {
			return nil, fmt.Errorf("%s: no column %q", path, n)
		}
	}
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := make([]string, len(idx))
		for k, i := range idx {
			row[k] = rec[i]
		}
		out = append(out, row)
	}
}

// cpuSeconds is this process's user + system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// resetPeakRSS resets the kernel's peak-RSS mark for this process (Linux).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSGB reads VmHWM from /proc/self/status, in GB (10^9 bytes).
func peakRSSGB() (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb * 1024 / 1e9, err == nil
		}
	}
	return 0, false
}
