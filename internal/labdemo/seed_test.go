package labdemo

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/store"
)

// testKey is a differencing key for tests only.
var testKey = bytes.Repeat([]byte{0x42}, 32)

// TestSeedIsCompleteAndIdempotent seeds a demo lab on a small world and
// checks that every role can log in, the example report is published
// through the whole flow, a second evaluation awaits review, the
// identifiers were deleted, and that seeding again reuses everything and
// only renews the passwords.
func TestSeedIsCompleteAndIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a synthetic world (about 10 s)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.OpenWith(ctx, filepath.Join(dir, "lab.db"), store.Options{Password: store.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// 12,000 people: about 180 jobsearch_plus rows (published: its
	// matched cohort must clear disclosure control's 100) and 55
	// health_works rows, so the linkage minimum is lowered for this tiny
	// world only.
	opt := Options{DataDir: dir, Store: db, People: 12000, Seed: 2, MinCohort: 30, DigestKey: testKey}
	first, err := Seed(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}

	if len(first.Accounts) != 5 {
		t.Fatalf("%d accounts, want admin, analyst, publisher and a provider of each of 2 organisations", len(first.Accounts))
	}
	roles := map[store.Role]int{}
	seen := map[string]bool{}
	pwForm := regexp.MustCompile(`^[a-z2-9]{5}(-[a-z2-9]{5}){3}$`)
	for _, a := range first.Accounts {
		roles[a.Role]++
		if !pwForm.MatchString(a.Password) || seen[a.Password] {
			t.Errorf("%s: password %q is not a fresh generated one", a.Email, a.Password)
		}
		seen[a.Password] = true
		u, err := db.Authenticate(ctx, a.Email, a.Password, time.Now())
		if err != nil || u.Role != a.Role {
			t.Errorf("%s cannot log in as %s with the printed password: %v", a.Email, a.Role, err)
		}
	}
	if roles[store.RoleProvider] != 2 || roles[store.RoleAnalyst] != 1 || roles[store.RolePublisher] != 1 || roles[store.RoleAdmin] != 1 {
		t.Errorf("roles %v", roles)
	}

	rep, err := db.ReportBySlug(ctx, first.Published.Slug)
	if err != nil {
		t.Fatalf("published report: %v", err)
	}
	if !bytes.Contains(rep.HTML, []byte("Jobsearch Plus")) {
		t.Errorf("the published report does not name its programme")
	}
	ev, err := db.Evaluation(ctx, store.AllOrgs(), first.Published.EvaluationID)
	if err != nil || ev.Status != store.EvaluationPublished || ev.ReviewedBy == nil || ev.ApprovedBy == nil || *ev.ReviewedBy == *ev.ApprovedBy {
		t.Errorf("published evaluation: %+v, %v; want published, reviewed and approved by two people", ev, err)
	}
	// The demo report went through the differencing guard: its cohort's
	// keyed digests are recorded, one per linked participant; the
	// evaluation awaiting review has its digests ready for publication.
	var published evaluation.Evaluation
	if err := json.Unmarshal(ev.Result, &published); err != nil {
		t.Fatal(err)
	}
	cohorts, err := db.PublishedCohorts(ctx, ev.OrgID)
	var digests []string
	if err == nil && len(cohorts) == 1 {
		err = json.Unmarshal(cohorts[0].Digests, &digests)
	}
	if err != nil || len(cohorts) != 1 || len(digests) != published.Counts.Linked || len(digests[0]) != 64 {
		t.Errorf("published cohorts of the demo organisation: %d, %d digests (%v); want 1 with a 64-hex digest per linked participant (%d)",
			len(cohorts), len(digests), err, published.Counts.Linked)
	}
	if n, ok, err := db.CohortPeople(ctx, store.AllOrgs(), first.AwaitingReview.ID); !ok || n == 0 || err != nil {
		t.Errorf("the evaluation awaiting review has no cohort digests: %d %v %v", n, ok, err)
	}
	if _, err := Seed(ctx, Options{DataDir: dir, Store: db, DigestKey: testKey[:31]}); err == nil || !strings.Contains(err.Error(), "differencing key") {
		t.Errorf("a 31-byte key: %v; want Seed to refuse it", err)
	}
	if first.AwaitingReview.Status != store.EvaluationAwaitingReview {
		t.Errorf("second evaluation is %s, want awaiting review", first.AwaitingReview.Status)
	}
	subs, err := db.Submissions(ctx, store.AllOrgs())
	if err != nil || len(subs) != 2 {
		t.Fatalf("submissions: %d, %v", len(subs), err)
	}
	for _, s := range subs {
		if s.FileDeletedAt == nil {
			t.Errorf("submission %d's participants file was not deleted after linkage", s.ID)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "jobs")); len(entries) != 0 {
		t.Errorf("jobs' work folders left behind: %v", entries)
	}

	second, err := Seed(ctx, opt)
	if err != nil {
		t.Fatalf("seeding again: %v", err)
	}
	if second.Published.ID != first.Published.ID || second.AwaitingReview.ID != first.AwaitingReview.ID {
		t.Errorf("seeding again made new evaluations: published %d→%d, awaiting %d→%d",
			first.Published.ID, second.Published.ID, first.AwaitingReview.ID, second.AwaitingReview.ID)
	}
	for i := range first.Organisations {
		if first.Organisations[i].ID != second.Organisations[i].ID {
			t.Errorf("organisation %s created twice", first.Organisations[i].Name)
		}
	}
	if subs, _ := db.Submissions(ctx, store.AllOrgs()); len(subs) != 2 {
		t.Errorf("seeding again uploaded again: %d submissions", len(subs))
	}
	for i, a := range second.Accounts {
		if a.Password == first.Accounts[i].Password {
			t.Errorf("%s: password not renewed", a.Email)
		}
		if _, err := db.Authenticate(ctx, a.Email, first.Accounts[i].Password, time.Now()); err == nil {
			t.Errorf("%s: the old password still works", a.Email)
		}
		if _, err := db.Authenticate(ctx, a.Email, a.Password, time.Now()); err != nil {
			t.Errorf("%s: the new password does not work: %v", a.Email, err)
		}
	}
}

func TestPasswordAlphabetAndLength(t *testing.T) {
	// An all-0xff source gives the alphabet's letter 255 mod 31 = 7 ('h').
	pw, err := password(bytes.NewReader(bytes.Repeat([]byte{0xff}, 20)))
	if err != nil || pw != "hhhhh-hhhhh-hhhhh-hhhhh" {
		t.Errorf("password = %q, %v", pw, err)
	}
	if _, err := password(bytes.NewReader(nil)); err == nil {
		t.Error("an exhausted random source gave a password")
	}
}

// cancelOn is a slog handler that calls cancel when a record with message
// msg is logged: a way to stop Seed at a known point.
type cancelOn struct {
	msg    string
	cancel context.CancelFunc
}

func (h cancelOn) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOn) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.cancel()
	}
	return nil
}
func (h cancelOn) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOn) WithGroup(string) slog.Handler      { return h }

// TestSeedResumesAfterInterruption stops the first start while the first
// demo job runs (as Ctrl-C would): the next start must finish the same
// submissions' jobs, not upload again.
func TestSeedResumesAfterInterruption(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a synthetic world (about 10 s)")
	}
	dir := t.TempDir()
	db, err := store.OpenWith(context.Background(), filepath.Join(dir, "lab.db"), store.Options{Password: store.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	opt := Options{DataDir: dir, Store: db, People: 12000, Seed: 2, MinCohort: 30, DigestKey: testKey, Log: slog.New(cancelOn{"job started", cancel})}
	if _, err := Seed(ctx, opt); err == nil {
		t.Fatal("Seed stopped mid-job returned no error")
	}
	opt.Log = nil
	res, err := Seed(context.Background(), opt)
	if err != nil {
		t.Fatalf("seeding after the interruption: %v", err)
	}
	if res.Published.Slug == "" || res.AwaitingReview.ID == 0 {
		t.Fatalf("after the interruption: published %q, awaiting review %d", res.Published.Slug, res.AwaitingReview.ID)
	}
	subs, err := db.Submissions(context.Background(), store.AllOrgs())
	if err != nil || len(subs) != 2 {
		t.Errorf("%d submissions after the interruption (%v), want the 2 first uploaded", len(subs), err)
	}
	js, err := db.Jobs(context.Background(), store.AllOrgs(), store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if j.State != store.JobSucceeded {
			t.Errorf("job %d is %s (%q)", j.ID, j.State, j.Error)
		}
	}
}
