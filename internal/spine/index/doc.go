// Package index is the timeline index of an imported spine: every person's
// weekly statuses (employed; out-of-work, inactivity, in-work and disability
// benefit; in education) as merged day intervals, and their monthly
// earnings as running totals, held in flat arrays (timeline.Flat) and
// cached on disk beside the spine database.
//
// The index does not define any status, covariate or outcome: it streams
// each person's rows from DuckDB into timeline.Builder and serves
// timeline.Timeline views onto its arrays, so Covariates and Outcomes are
// the timeline package's (DESIGN.md §6: the definitions are written once).
//
// # Build
//
// Each table is read in one scan grouped by pid (the importer stores them
// so) on its own connection; the streams are merge-joined by pid in Go and
// each person is built and appended before the next is read. Memory grows
// with the people and their merged intervals and earnings months, never
// with every row at once. Rows out of pid order are an error (re-import).
//
// # Cache
//
// Open keys the cache file (Path: DB.index-<first 16 hex digits of the
// content hash>) on the spine's content hash (spine.Meta.ContentHash): the
// index is rebuilt only when the spine changes, and caches of earlier
// spines are removed. The file is written atomically (temporary file,
// fsync, rename) and read back with one read, its sections viewed in place;
// a CRC-32C trailer and timeline.Flat.Check catch a damaged file, which is
// rebuilt rather than trusted. The format is documented in file.go.
//
// # Performance
//
// Measured with go test -bench on a 2-core virtual machine shared with
// other jobs (load average ~8, so this process got 42–52% of the CPU;
// figures are noisy), on the spinetest spine of 1M people over seven years
// (70M intervals and earnings months): BenchmarkIndexBuild 35 s wall for
// 15 s of CPU, peak RSS 1.3 GB; BenchmarkIndexLoad 1.2 s; BenchmarkCovariates
// 2.2 s for 1M pairs (92–157 ms for 100k). Set DATALAB_BENCH_LARGE=1 for
// the 1M runs and DATALAB_BENCH_DIR to reuse the generated spines.
//
// Lookup by person_id is a binary search over a stored person_id order,
// so opening a cached index builds no hash map.
package index
