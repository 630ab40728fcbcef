package index

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Index is the timeline index of an imported spine: every person's
// timeline in flat arrays (timeline.Flat), their person_ids, and the
// spine's window. It is read-only and safe for concurrent use.
type Index struct {
	flat     timeline.Flat
	ids      []byte   // person_ids, concatenated
	idOff    []int64  // person i's id is ids[idOff[i]:idOff[i+1]]
	byID     []uint32 // people ordered by person_id, for Lookup
	regionOf []uint32 // person i's region is regions[regionOf[i]]
	regions  []string
	window   timeline.Window
	hashRaw  []byte
	data     []byte // the file buffer the slices view, when loaded
	path     string
	built    bool
}

// Options are the settings of Open.
type Options struct {
	// Rebuild builds the index even when a cache file for the spine's
	// content hash exists.
	Rebuild bool
	// Progress, if set, is called every few seconds while the index builds.
	Progress func(BuildProgress)
	// Log receives notes on cache use (nil: discarded).
	Log *slog.Logger
	// Now is the clock for progress (default time.Now).
	Now func() time.Time
}

// BuildProgress reports a build under way.
type BuildProgress struct {
	People, Of int
	Elapsed    time.Duration
	Done       bool
}

// Path returns the cache file of the index of the spine at dbPath with the
// given content hash: beside the database, named by the hash's first 16
// hex digits.
func Path(dbPath, contentHash string) string {
	return dbPath + ".index-" + contentHash[:min(16, len(contentHash))]
}

// Open returns the timeline index of the spine database at dbPath. It loads
// the cache file beside the database when one exists for the spine's
// current content hash, and otherwise builds the index from the database,
// writes the cache (atomically) and removes caches of earlier spines. A
// damaged or outdated cache file is rebuilt, never trusted.
func Open(ctx context.Context, dbPath string, opts Options) (*Index, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	meta, err := spine.ReadMeta(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	hashRaw, err := hex.DecodeString(meta.ContentHash)
	if err != nil || len(hashRaw) != 32 {
		return nil, fmt.Errorf("index: %s: content hash %q is not a sha256: re-import the spine", dbPath, meta.ContentHash)
	}
	path := Path(dbPath, meta.ContentHash)
	if !opts.Rebuild {
		ix, err := readFile(path)
		switch {
		case err == nil && bytes.Equal(ix.hashRaw, hashRaw):
			ix.path = path
			opts.Log.Debug("timeline index loaded from cache", "file", path, "people", ix.Len())
			return ix, nil
		case err == nil:
			opts.Log.Warn("timeline index cache is for another spine: rebuilding", "file", path)
		case !os.IsNotExist(err):
			opts.Log.Warn("timeline index cache unreadable: rebuilding", "file", path, "reason", err)
		}
	}
	ix, err := build(ctx, dbPath, meta, opts)
	if err != nil {
		return nil, err
	}
	ix.hashRaw = hashRaw
	if err := ix.writeFile(path); err != nil {
		return nil, err
	}
	ix.path, ix.built = path, true
	removeStale(dbPath, path, opts.Log)
	return ix, nil
}

// removeStale deletes index caches of earlier spines beside dbPath.
func removeStale(dbPath, keep string, log *slog.Logger) {
	matches, _ := filepath.Glob(dbPath + ".index-*")
	for _, m := range matches {
		if m != keep && !strings.Contains(filepath.Base(m), ".tmp-") {
			if err := os.Remove(m); err == nil {
				log.Debug("removed outdated timeline index", "file", m)
			}
		}
	}
}

// Len returns the number of people.
func (ix *Index) Len() int { return ix.flat.Len() }

// PersonID returns person i's person_id.
func (ix *Index) PersonID(i int) string { return string(ix.ids[ix.idOff[i]:ix.idOff[i+1]]) }

func (ix *Index) idBytes(i int) []byte { return ix.ids[ix.idOff[i]:ix.idOff[i+1]] }

// Lookup returns the index number of a person_id (a binary search).
func (ix *Index) Lookup(personID string) (int, bool) {
	k := sort.Search(len(ix.byID), func(k int) bool {
		return string(ix.idBytes(int(ix.byID[k]))) >= personID
	})
	if k < len(ix.byID) && string(ix.idBytes(int(ix.byID[k]))) == personID {
		return int(ix.byID[k]), true
	}
	return 0, false
}

// Timeline returns a read-only view of person i's timeline.
func (ix *Index) Timeline(i int) timeline.Timeline { return ix.flat.Timeline(i) }

// Window returns the spine's window.
func (ix *Index) Window() timeline.Window { return ix.window }

// ContentHash returns the content hash of the spine the index was built
// from.
func (ix *Index) ContentHash() string { return hex.EncodeToString(ix.hashRaw) }

// File returns the cache file the index was loaded from or written to, and
// whether this Open built it.
func (ix *Index) File() (string, bool) { return ix.path, ix.built }

// Stats counts what the index holds.
type Stats struct {
	People, Intervals, EarningsMonths, AchievedCourses int
}

// Stats returns the index's counts.
func (ix *Index) Stats() Stats {
	return Stats{ix.Len(), len(ix.flat.Spells), len(ix.flat.EarnMonths), len(ix.flat.CourseAchieved)}
}

// Outcomes returns the default outcomes of person i after reference date d
// (timeline.Timeline.Outcomes over the spine's window: weeks past its end
// are unavailable, never zero).
func (ix *Index) Outcomes(i int, d timeline.Date) timeline.Outcomes {
	t := ix.flat.Timeline(i)
	return t.Outcomes(d, ix.window)
}

// Covariate returns the default covariates of person i at reference date d.
func (ix *Index) Covariate(i int, d timeline.Date) timeline.Covariates {
	t := ix.flat.Timeline(i)
	return t.Covariates(d)
}

// Pair is a person (an index number) and a reference date.
type Pair struct {
	Person int
	Date   timeline.Date
}

// Covariates fills out[k] with the default covariates of pairs[k], in
// parallel over the available cores.
func (ix *Index) Covariates(ctx context.Context, pairs []Pair, out []timeline.Covariates) error {
	if len(out) != len(pairs) {
		panic(fmt.Sprintf("index: Covariates: %d pairs but %d outputs", len(pairs), len(out)))
	}
	return ix.each(ctx, pairs, func(k int, t *timeline.Timeline) { out[k] = t.Covariates(pairs[k].Date) })
}

// OutcomesOf fills out[k] with the default outcomes of pairs[k], in
// parallel over the available cores.
func (ix *Index) OutcomesOf(ctx context.Context, pairs []Pair, out []timeline.Outcomes) error {
	if len(out) != len(pairs) {
		panic(fmt.Sprintf("index: OutcomesOf: %d pairs but %d outputs", len(pairs), len(out)))
	}
	return ix.each(ctx, pairs, func(k int, t *timeline.Timeline) { out[k] = t.Outcomes(pairs[k].Date, ix.window) })
}

// each calls fn for every pair, in blocks spread over the cores.
func (ix *Index) each(ctx context.Context, pairs []Pair, fn func(k int, t *timeline.Timeline)) error {
	for k, p := range pairs {
		if p.Person < 0 || p.Person >= ix.Len() {
			return fmt.Errorf("index: pair %d names person %d, but the index holds people 0..%d", k, p.Person, ix.Len()-1)
		}
	}
	const block = 4096
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), (len(pairs)+block-1)/block)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				lo := int(next.Add(block)) - block
				if lo >= len(pairs) {
					return
				}
				for k := lo; k < min(lo+block, len(pairs)); k++ {
					t := ix.flat.Timeline(pairs[k].Person)
					fn(k, &t)
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// People calls fn for each person in index order (pid order), stopping at
// the first error: the comparison pool is drawn from them.
func (ix *Index) People(ctx context.Context, fn func(i int, t *timeline.Timeline) error) error {
	for i := range ix.Len() {
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t := ix.flat.Timeline(i)
		if err := fn(i, &t); err != nil {
			return err
		}
	}
	return nil
}
