package store

import (
	"context"
	"testing"
)

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) { testOpenAppliesMigrationsOnce(t, b.dsn(t)) })
}

func testOpenAppliesMigrationsOnce(t *testing.T, path string) {
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		ms, _ := migrations(db.Backend())
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Fatalf("open %d: %d migrations recorded, want %d", i, n, len(ms))
		}
		if _, err := db.Exec(`INSERT INTO organisations (name) VALUES (?)`, "org"+string(rune('A'+i))); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
}
