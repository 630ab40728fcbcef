package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportCommand writes the HTML and CSV reports of the report package's
// fixture, and refuses (non-zero, nothing written) when the minimum cohort
// is above the matched participants.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join("..", "..", "internal", "report", "testdata", "evaluation.json")
	var out, errs bytes.Buffer
	for _, format := range []string{"html", "csv", "json"} {
		path := filepath.Join(dir, "report."+format)
		if err := run(context.Background(), []string{"report", "--evaluation", ev, "--out", path, "--format", format}, &out, &errs); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b, err := os.ReadFile(path); err != nil || len(b) < 1000 {
			t.Fatalf("%s: %d bytes (%v)", format, len(b), err)
		}
	}
	path := filepath.Join(dir, "refused.html")
	err := run(context.Background(), []string{"report", "--evaluation", ev, "--out", path, "--min-cohort", "1000"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "refused for publication") {
		t.Fatalf("min cohort 1000: %v, want a refusal", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a refused report was written")
	}
}
