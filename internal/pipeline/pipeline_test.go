package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/synth"
)

// world is one synthetic world shared by the tests: 30,000 people, seed 3,
// imported into DuckDB.
type world struct {
	dir, db string
	truth   synth.Truth
}

// sharedWorld builds the world once for the package's tests (synth and
// import take a few seconds).
var sharedWorld = sync.OnceValues(func() (world, error) {
	dir, err := os.MkdirTemp("", "datalab-pipeline-*")
	if err != nil {
		return world{}, err
	}
	return buildWorld(dir)
})

func TestMain(m *testing.M) {
	code := m.Run()
	if w, err := sharedWorld(); err == nil {
		os.RemoveAll(w.dir)
	}
	os.Exit(code)
}

func newWorld(t *testing.T) world {
	t.Helper()
	w, err := sharedWorld()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func buildWorld(dir string) (world, error) {
	ctx := context.Background()
	cfg := synth.DefaultConfig()
	cfg.People, cfg.Seed = 30000, 3
	if _, err := synth.Write(ctx, dir, cfg, nil); err != nil {
		return world{}, err
	}
	db := filepath.Join(dir, "spine.duckdb")
	if _, err := spine.Import(ctx, filepath.Join(dir, "spine"), db, spine.ImportOptions{}); err != nil {
		return world{}, err
	}
	tr, err := synth.ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		return world{}, err
	}
	return world{dir: dir, db: db, truth: tr}, nil
}

// TestEvaluationRecoversSyntheticTruth runs the whole flow on a synthetic
// world whose true effects are known (take-up depends only on observed
// covariates, so matching can recover them): every available headline
// estimate's 95% CI must cover the true ATT, for a programme with an effect
// and for one with none. The world and seeds are fixed, so the outcome is
// deterministic; a change that biases the estimator moves estimates off
// the truth and fails here.
func TestEvaluationRecoversSyntheticTruth(t *testing.T) {
	w := newWorld(t)
	for _, prog := range []string{"jobsearch_plus", "mentoring_null"} {
		t.Run(prog, func(t *testing.T) {
			out := t.TempDir()
			res, err := Evaluate(context.Background(), Config{
				Spine:        w.db,
				Participants: filepath.Join(w.dir, "programmes", prog, "participants.csv"),
				OutDir:       out,
				Truth:        filepath.Join(w.dir, "truth.json"),
				Spec:         evaluation.Spec{Seed: 1},
			})
			if err != nil {
				t.Fatal(err)
			}
			ev := res.Evaluation
			p, _ := w.truth.Programme(prog)
			checked := 0
			for _, h := range ev.Headline {
				week := 0
				if h.Week != nil {
					week = *h.Week
				}
				truth, ok := p.ATT[h.Outcome].At(week)
				if !ok || !h.Available {
					continue
				}
				checked++
				if *h.CILow > truth || truth > *h.CIHigh {
					t.Errorf("%s week %v: 95%% CI [%.4f, %.4f] (estimate %.4f) misses the true ATT %.4f", h.Outcome, h.Week, *h.CILow, *h.CIHigh, *h.Estimate, truth)
				}
			}
			if checked < 4 {
				t.Fatalf("only %d headline outcomes could be checked against the truth", checked)
			}
			if ev.Counts.Matched < ev.Counts.Eligible*9/10 {
				t.Errorf("matched %d of %d eligible participants; want at least 90%%", ev.Counts.Matched, ev.Counts.Eligible)
			}
			// evaluation.json is written, parses, and carries the schema's fields.
			b, err := os.ReadFile(res.JSONPath)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"counts", "method", "balance", "estimates", "sensitivity", "subgroups"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("evaluation.json has no %q", k)
				}
			}
			if !strings.Contains(res.Summary, "true impact") {
				t.Errorf("summary does not show the truth beside the estimates:\n%s", res.Summary)
			}
		})
	}
}

// TestNoIdentifierInEvaluationOutputs checks that none of the submitted
// names, NINOs, dates of birth or postcodes reach any file evaluate writes.
func TestNoIdentifierInEvaluationOutputs(t *testing.T) {
	w := newWorld(t)
	part := filepath.Join(w.dir, "programmes", "jobsearch_plus", "participants_noisy.csv")
	out := t.TempDir()
	var logBuf bytes.Buffer
	if _, err := Evaluate(context.Background(), Config{Spine: w.db, Participants: part, OutDir: out, Stdout: &logBuf}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	header := strings.Split(lines[0], ",")
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	var secrets []string
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		// A single first or last name is an ordinary word ("West" is also a
		// region): look for the full name, and for each identifying value.
		full := strings.TrimSpace(f[col["first_name"]]) + " " + strings.TrimSpace(f[col["last_name"]])
		for _, v := range []string{f[col["nino"]], f[col["date_of_birth"]], f[col["postcode"]], full} {
			if v = strings.TrimSpace(v); len(v) >= 4 {
				secrets = append(secrets, v)
			}
		}
	}
	files := map[string][]byte{"stdout": logBuf.Bytes()}
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			files[path] = b
		}
		return nil
	})
	for name, b := range files {
		s := string(b)
		for _, secret := range secrets {
			// Whole words only: the first name "Rose" may stand in "Rosenbaum".
			if regexp.MustCompile(`(^|[^\pL\pN])` + regexp.QuoteMeta(secret) + `($|[^\pL\pN])`).MatchString(s) {
				t.Fatalf("%s contains a submitted identifier %q", name, secret)
			}
		}
	}
}
