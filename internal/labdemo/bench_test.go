package labdemo

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/employment-data-lab/datalab/internal/store"
)

// BenchmarkSeed measures a first `serve --demo` start at the default size
// (a fresh data folder and store each time: world, import, index, two
// evaluations through the runner, review and publication), and a restart
// on the seeded folder. Run with -benchtime 1x; set DATALAB_BENCH_LOG=1 to
// see the stages.
func BenchmarkSeed(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("DATALAB_BENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx := context.Background()
	open := func(b *testing.B, dir string) *store.DB {
		db, err := store.OpenWith(ctx, filepath.Join(dir, "lab.db"), store.Options{Password: store.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	b.Run("first-start", func(b *testing.B) {
		for range b.N {
			dir := b.TempDir()
			if _, err := Seed(ctx, Options{DataDir: dir, Store: open(b, dir), DigestKey: testKey, Log: log}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("restart", func(b *testing.B) {
		dir := b.TempDir()
		db := open(b, dir)
		if _, err := Seed(ctx, Options{DataDir: dir, Store: db, DigestKey: testKey, Log: log}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if _, err := Seed(ctx, Options{DataDir: dir, Store: db, DigestKey: testKey, Log: log}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
