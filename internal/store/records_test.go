package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var now0 = time.Date(2026, 5, 4, 10, 30, 15, 123456789, time.UTC)

// world is a store with two organisations and one user per role.
type world struct {
	db                                      *DB
	orgA, orgB                              Organisation
	admin, analyst, publisher, provA, provB User
}

const participants = "participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date\nP1,QQ123456C,Zebedee,Quixote,1990-01-02,ZZ9 9ZZ,2024-03-01\n"

func newWorld(t *testing.T, db *DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db}
	var err error
	must := func(u User, err error) User {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.admin = must(db.CreateUser(ctx, nil, NewUser{Email: "Admin@Lab.example", Name: "Ada", Role: RoleAdmin, Password: "correct horse battery"}, now0))
	if w.orgA, err = db.CreateOrganisation(ctx, &w.admin, "Acme Employment", now0); err != nil {
		t.Fatal(err)
	}
	if w.orgB, err = db.CreateOrganisation(ctx, &w.admin, "Bright Futures", now0); err != nil {
		t.Fatal(err)
	}
	w.analyst = must(db.CreateUser(ctx, &w.admin, NewUser{Email: "ann@lab.example", Role: RoleAnalyst, Password: "analyst password 1"}, now0))
	w.publisher = must(db.CreateUser(ctx, &w.admin, NewUser{Email: "pat@lab.example", Role: RolePublisher, Password: "publisher password 1"}, now0))
	w.provA = must(db.CreateUser(ctx, &w.admin, NewUser{Email: "a@acme.example", Role: RoleProvider, OrgID: &w.orgA.ID, Password: "provider A password"}, now0))
	w.provB = must(db.CreateUser(ctx, &w.admin, NewUser{Email: "b@bright.example", Role: RoleProvider, OrgID: &w.orgB.ID, Password: "provider B password"}, now0))
	return w
}

// submit uploads and passes checks for u's organisation.
func (w *world) submit(t *testing.T, u User) Submission {
	t.Helper()
	ctx := context.Background()
	sub, err := w.db.CreateSubmission(ctx, u, NewSubmission{OrgID: *u.OrgID, FileName: "../../etc/participants.csv", Content: []byte(participants)}, now0)
	if err != nil {
		t.Fatal(err)
	}
	if sub, err = w.db.RecordChecks(ctx, sub.ID, true, json.RawMessage(`{"rows":1,"problems":[]}`), now0); err != nil {
		t.Fatal(err)
	}
	return sub
}

// evaluate runs a job for sub to an evaluation awaiting review.
func (w *world) evaluate(t *testing.T, sub Submission) Evaluation {
	t.Helper()
	ctx := context.Background()
	j, err := w.db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", SubmissionID: &sub.ID}, now0)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := w.db.ClaimJob(ctx, "test:1", now0, time.Minute)
	if err != nil || !ok || got.ID != j.ID {
		t.Fatalf("claim: %+v %v %v", got, ok, err)
	}
	if err := w.db.DeleteSubmissionFile(ctx, sub.ID, "linkage finished", now0); err != nil {
		t.Fatal(err)
	}
	e, err := w.db.CreateEvaluation(ctx, NewEvaluation{SubmissionID: sub.ID, JobID: &j.ID, Title: "Acme work coaching", Result: json.RawMessage(`{"counts":{"matched":120}}`)}, now0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.CompleteJob(ctx, j.ID, "test:1", now0); err != nil {
		t.Fatal(err)
	}
	return e
}

func wantErr(t *testing.T, what string, err, kind error, text string) {
	t.Helper()
	if !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
		t.Errorf("%s: got %v, want %v containing %q", what, err, kind, text)
	}
}

// A provider cannot read, cancel or comment on another organisation's
// rows by id: each is ErrNotFound, never the row.
func TestProviderSeesOwnOrganisationOnly(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		subA := w.submit(t, w.provA)
		subB := w.submit(t, w.provB)
		evB := w.evaluate(t, subB)
		jobB, err := db.EnqueueJob(ctx, nil, NewJob{Kind: "relink", SubmissionID: &subB.ID}, now0)
		if err != nil {
			t.Fatal(err)
		}
		a := ScopeOf(w.provA)
		if _, err := db.Submission(ctx, a, subB.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("A reads B's submission: %v", err)
		}
		if _, err := db.SubmissionFile(ctx, a, subB.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("A reads B's file: %v", err)
		}
		if e, err := db.Evaluation(ctx, a, evB.ID); !errors.Is(err, ErrNotFound) || e.Result != nil {
			t.Errorf("A reads B's evaluation: %+v %v", e, err)
		}
		for name, f := range map[string]func() error{
			"QA":        func() error { _, err := db.QA(ctx, a, evB.ID); return err },
			"comments":  func() error { _, err := db.Comments(ctx, a, evB.ID); return err },
			"decisions": func() error { _, err := db.Decisions(ctx, a, evB.ID); return err },
			"job":       func() error { _, err := db.Job(ctx, a, jobB.ID); return err },
			"cancel":    func() error { _, err := db.CancelJob(ctx, w.provA, a, jobB.ID, now0); return err },
			"comment":   func() error { _, err := db.AddComment(ctx, w.provA, evB.ID, "hello", now0); return err },
			"decide":    func() error { _, err := db.Decide(ctx, w.provA, evB.ID, EvaluationRejected, "no", now0); return err },
			"org":       func() error { _, err := db.Organisation(ctx, a, w.orgB.ID); return err },
		} {
			if err := f(); !errors.Is(err, ErrNotFound) {
				t.Errorf("A's %s on B's row: %v, want ErrNotFound", name, err)
			}
		}
		if j, _ := db.Job(ctx, AllOrgs(), jobB.ID); j.State != JobQueued {
			t.Errorf("B's job after A's cancel: %s", j.State)
		}
		subs, err := db.Submissions(ctx, a)
		if err != nil || len(subs) != 1 || subs[0].ID != subA.ID {
			t.Errorf("A's submissions: %+v %v", subs, err)
		}
		if evs, _ := db.Evaluations(ctx, a, EvaluationFilter{}); len(evs) != 0 {
			t.Errorf("A lists %d evaluations, want 0", len(evs))
		}
		if evs, _ := db.Evaluations(ctx, ScopeOf(w.provB), EvaluationFilter{}); len(evs) != 1 || evs[0].ID != evB.ID {
			t.Errorf("B lists %+v", evs)
		}
		log, err := db.AuditLog(ctx, a, AuditFilter{Limit: 1000})
		if err != nil || len(log) == 0 {
			t.Fatalf("A's audit log: %d entries, %v", len(log), err)
		}
		for _, e := range log {
			if e.OrgID == nil || *e.OrgID != w.orgA.ID {
				t.Errorf("A's audit log holds %+v", e)
			}
		}
		users, _ := db.Users(ctx, a)
		if len(users) != 1 || users[0].ID != w.provA.ID {
			t.Errorf("A's users: %+v", users)
		}
		// The zero scope sees nothing; staff see all.
		if _, err := db.Submission(ctx, Scope{}, subA.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("zero scope: %v", err)
		}
		if subs, _ := db.Submissions(ctx, ScopeOf(w.analyst)); len(subs) != 2 {
			t.Errorf("analyst sees %d submissions, want 2", len(subs))
		}
		if _, err := db.CreateSubmission(ctx, w.provA, NewSubmission{OrgID: w.orgB.ID, Content: []byte("x")}, now0); !errors.Is(err, ErrForbidden) {
			t.Errorf("A uploads for B: %v", err)
		}
		if _, err := db.CreateSubmission(ctx, w.analyst, NewSubmission{OrgID: w.orgB.ID, Content: []byte("x")}, now0); !errors.Is(err, ErrForbidden) {
			t.Errorf("analyst uploads: %v", err)
		}
	})
}

func TestUsersPasswordsSessionsTokens(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		// Validation and uniqueness.
		_, err := db.CreateUser(ctx, &w.admin, NewUser{Email: "x@y.example", Role: RoleProvider, Password: "long enough password"}, now0)
		wantErr(t, "provider without organisation", err, ErrInvalid, "organisation")
		_, err = db.CreateUser(ctx, &w.admin, NewUser{Email: "ANN@lab.example", Role: RoleAnalyst}, now0)
		wantErr(t, "duplicate email", err, ErrConflict, "exists")
		_, err = db.CreateUser(ctx, &w.admin, NewUser{Email: "new@lab.example", Role: RoleAnalyst, Password: "short"}, now0)
		wantErr(t, "short password", err, ErrInvalid, "at least 12")
		_, err = db.CreateUser(ctx, &w.analyst, NewUser{Email: "new@lab.example", Role: RoleAdmin}, now0)
		wantErr(t, "analyst adds user", err, ErrForbidden, "admin")
		orphan := int64(9999)
		_, err = db.CreateUser(ctx, &w.admin, NewUser{Email: "o@x.example", Role: RoleProvider, OrgID: &orphan}, now0)
		wantErr(t, "unknown organisation", err, ErrInvalid, "9999")
		if got, err := db.User(ctx, w.admin.ID); err != nil || got.Email != "admin@lab.example" || !got.CreatedAt.Equal(at(now0)) {
			t.Errorf("admin read back: %+v %v (want lower-cased email, created %s)", got, err, at(now0))
		}

		// Passwords: argon2id PHC strings, never the password.
		var hash string
		db.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, w.analyst.ID).Scan(&hash)
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(hash, "analyst password") {
			t.Errorf("stored hash %q", hash)
		}
		if u, err := db.Authenticate(ctx, " ANN@lab.example ", "analyst password 1", now0); err != nil || u.ID != w.analyst.ID {
			t.Errorf("good login: %+v %v", u, err)
		}
		for _, c := range []struct{ email, pw string }{{"ann@lab.example", "wrong password!!"}, {"nobody@lab.example", "analyst password 1"}, {"ann@lab.example", ""}} {
			if _, err := db.Authenticate(ctx, c.email, c.pw, now0); !errors.Is(err, ErrBadCredentials) {
				t.Errorf("login %s/%q: %v", c.email, c.pw, err)
			}
		}

		// Roles: only an admin, never their own; audited with from and to.
		_, err = db.SetRole(ctx, w.analyst, w.provA.ID, RoleAdmin, nil, now0)
		wantErr(t, "analyst changes role", err, ErrForbidden, "admin")
		_, err = db.SetRole(ctx, w.admin, w.admin.ID, RoleAnalyst, nil, now0)
		wantErr(t, "admin demotes self", err, ErrForbidden, "own role")
		if u, err := db.SetRole(ctx, w.admin, w.analyst.ID, RolePublisher, nil, now0.Add(time.Minute)); err != nil || u.Role != RolePublisher {
			t.Fatalf("role change: %+v %v", u, err)
		}
		log, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionRoleChange})
		if len(log) != 1 || *log[0].ActorID != w.admin.ID || log[0].ObjectID != fmt.Sprint(w.analyst.ID) || !strings.Contains(string(log[0].Detail), `"from":"analyst"`) || !strings.Contains(string(log[0].Detail), `"to":"publisher"`) {
			t.Errorf("role change audit: %+v", log)
		}

		// Sessions: token stored only as its SHA-256; expiry; disabled user.
		token, ses, err := db.CreateSession(ctx, w.provA.ID, now0, time.Hour)
		if err != nil || len(token) != 43 || len(ses.CSRFSecret) != 32 {
			t.Fatalf("session: %q %+v %v", token, ses, err)
		}
		var stored string
		db.QueryRow(`SELECT token_hash FROM sessions WHERE id = ?`, ses.ID).Scan(&stored)
		sum := sha256.Sum256([]byte(token))
		if stored != hex.EncodeToString(sum[:]) {
			t.Errorf("stored session token %q is not the token's SHA-256", stored)
		}
		if got, u, err := db.SessionByToken(ctx, token, now0.Add(59*time.Minute)); err != nil || u.ID != w.provA.ID || string(got.CSRFSecret) != string(ses.CSRFSecret) || !got.ExpiresAt.Equal(ses.ExpiresAt) {
			t.Errorf("session lookup: %+v %+v %v", got, u, err)
		}
		if _, _, err := db.SessionByToken(ctx, token, now0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired session: %v", err)
		}
		if _, _, err := db.SessionByToken(ctx, token+"x", now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("wrong token: %v", err)
		}
		secret, tok, err := db.CreateAPIToken(ctx, w.provA, "nightly upload", now0, nil)
		if err != nil || !strings.HasPrefix(secret, "dlt_") || !strings.HasPrefix(secret, tok.Prefix) {
			t.Fatalf("API token: %q %+v %v", secret, tok, err)
		}
		if got, u, err := db.APITokenUser(ctx, secret, now0.Add(time.Hour)); err != nil || u.ID != w.provA.ID || got.LastUsedAt == nil {
			t.Errorf("API token lookup: %+v %+v %v", got, u, err)
		}
		// Disabling ends sessions and refuses tokens; enabling restores tokens only.
		if _, err := db.SetDisabled(ctx, w.admin, w.provA.ID, true, now0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionByToken(ctx, token, now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("disabled user's session: %v", err)
		}
		if _, _, err := db.APITokenUser(ctx, secret, now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("disabled user's token: %v", err)
		}
		if _, err := db.Authenticate(ctx, "a@acme.example", "provider A password", now0); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("disabled user's login: %v", err)
		}
		db.SetDisabled(ctx, w.admin, w.provA.ID, false, now0)
		if _, _, err := db.APITokenUser(ctx, secret, now0); err != nil {
			t.Errorf("re-enabled user's token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, w.provB, tok.ID, now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("B revokes A's token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, w.provA, tok.ID, now0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.APITokenUser(ctx, secret, now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoked token: %v", err)
		}
		exp := now0.Add(time.Hour)
		secret2, _, _ := db.CreateAPIToken(ctx, w.provA, "short-lived", now0, &exp)
		if _, _, err := db.APITokenUser(ctx, secret2, exp); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired token: %v", err)
		}
		// A new password ends sessions.
		token, _, _ = db.CreateSession(ctx, w.provB.ID, now0, time.Hour)
		if err := db.SetPassword(ctx, &w.provB, w.provB.ID, "a brand new password", now0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionByToken(ctx, token, now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("session after password change: %v", err)
		}
		if _, err := db.Authenticate(ctx, "b@bright.example", "a brand new password", now0); err != nil {
			t.Errorf("login with new password: %v", err)
		}
	})
}

// Failed logins count per email since the last success, and per address.
func TestFailedLogins(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for i, a := range []LoginAttempt{
			{"ann@lab.example", "10.0.0.1", false, now0},
			{"ann@lab.example", "10.0.0.1", false, now0.Add(1 * time.Second)},
			{"ann@lab.example", "10.0.0.1", true, now0.Add(2 * time.Second)},
			{"Ann@lab.example", "10.0.0.2", false, now0.Add(3 * time.Second)},
			{"bob@lab.example", "10.0.0.1", false, now0.Add(4 * time.Second)},
		} {
			if err := db.RecordLoginAttempt(ctx, a); err != nil {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		byEmail, byRemote, err := db.FailedLogins(ctx, "ann@lab.example", "10.0.0.1", now0.Add(-time.Minute))
		if err != nil || byEmail != 1 || byRemote != 3 {
			t.Errorf("failed logins: email %d (want 1, after the success), remote %d (want 3), %v", byEmail, byRemote, err)
		}
		byEmail, byRemote, _ = db.FailedLogins(ctx, "bob@lab.example", "10.0.0.1", now0.Add(2*time.Second))
		if byEmail != 1 || byRemote != 1 {
			t.Errorf("since a later time: email %d remote %d, want 1 and 1", byEmail, byRemote)
		}
	})
}

func TestSanitiseFileName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"participants.csv", "participants.csv"},
		{`C:\Users\me\My Participants (2).csv`, "My_Participants_2_.csv"},
		{"../../etc/passwd", "passwd"},
		{".hidden", "hidden"},
		{"<script>.csv", "_script_.csv"},
		{"", "participants.csv"},
		{"../..", "participants.csv"},
	} {
		if got := SanitiseFileName(tt.in); got != tt.want {
			t.Errorf("SanitiseFileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The participants file is kept until linkage finishes, then deleted and
// the deletion recorded; no audit entry holds its content.
func TestSubmissionFileDeleted(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		sub, err := db.CreateSubmission(ctx, w.provA, NewSubmission{OrgID: w.orgA.ID, FileName: "../x/participants.csv", Content: []byte(participants)}, now0)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(participants))
		if sub.FileName != "participants.csv" || sub.SizeBytes != int64(len(participants)) || sub.SHA256 != hex.EncodeToString(sum[:]) || sub.State != SubmissionReceived {
			t.Errorf("submission %+v", sub)
		}
		if _, err := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", SubmissionID: &sub.ID}, now0); !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), "it is received") {
			t.Errorf("job before checks: %v", err)
		}
		b, err := db.SubmissionFile(ctx, ScopeOf(w.provA), sub.ID)
		if err != nil || string(b) != participants {
			t.Fatalf("file: %q %v", b, err)
		}
		if _, err := db.RecordChecks(ctx, sub.ID, true, json.RawMessage(`{"rows":1}`), now0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordChecks(ctx, sub.ID, true, nil, now0); !errors.Is(err, ErrInvalidState) {
			t.Errorf("checks twice: %v", err)
		}
		later := now0.Add(time.Hour)
		if err := db.DeleteSubmissionFile(ctx, sub.ID, "linkage finished", later); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSubmissionFile(ctx, sub.ID, "again", later.Add(time.Hour)); err != nil {
			t.Errorf("second delete: %v", err)
		}
		if _, err := db.SubmissionFile(ctx, AllOrgs(), sub.ID); !errors.Is(err, ErrFileDeleted) || !strings.Contains(err.Error(), "linkage finished") {
			t.Errorf("file after deletion: %v", err)
		}
		got, _ := db.Submission(ctx, AllOrgs(), sub.ID)
		if got.FileDeletedAt == nil || !got.FileDeletedAt.Equal(at(later)) || got.FileDeletedReason != "linkage finished" {
			t.Errorf("deletion record: %+v", got)
		}
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM submission_files`).Scan(&n)
		if n != 0 {
			t.Errorf("%d file rows left", n)
		}
		if db.Backend() == SQLite {
			// Deleted pages are overwritten, not left in the file.
			var secure int
			db.QueryRow(`PRAGMA secure_delete`).Scan(&secure)
			if secure != 1 {
				t.Errorf("secure_delete = %d, want 1", secure)
			}
		}
		// Checks that fail delete the file at once.
		sub2, _ := db.CreateSubmission(ctx, w.provA, NewSubmission{OrgID: w.orgA.ID, Content: []byte(participants)}, now0)
		if s, err := db.RecordChecks(ctx, sub2.ID, false, json.RawMessage(`{"problems":["start_date missing on line 2"]}`), now0); err != nil || s.State != SubmissionRejected || s.FileDeletedAt == nil {
			t.Errorf("rejected: %+v %v", s, err)
		}
		log, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Limit: 1000})
		for _, e := range log {
			for _, id := range []string{"Zebedee", "QQ123456C", "ZZ9 9ZZ", "1990-01-02"} {
				if strings.Contains(string(e.Detail), id) {
					t.Errorf("audit entry %d holds an identifier: %s", e.ID, e.Detail)
				}
			}
		}
		uploads, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionUpload})
		deletions, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionFileDelete})
		if len(uploads) != 2 || len(deletions) != 2 || *uploads[0].ActorID != w.provA.ID {
			t.Errorf("%d uploads, %d deletions audited: %+v", len(uploads), len(deletions), uploads)
		}
	})
}

func TestJobLifecycle(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		sub := w.submit(t, w.provA)
		j, err := db.EnqueueJob(ctx, &w.provA, NewJob{Kind: "evaluate", SubmissionID: &sub.ID, Params: json.RawMessage(`{"ratio":1}`)}, now0)
		if err != nil || j.State != JobQueued || *j.OrgID != w.orgA.ID || j.MaxAttempts != 3 {
			t.Fatalf("enqueue: %+v %v", j, err)
		}
		if _, err := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", SubmissionID: &sub.ID}, now0); !errors.Is(err, ErrConflict) {
			t.Errorf("second active job: %v", err)
		}
		if _, ok, _ := db.ClaimJob(ctx, "w1", now0, time.Minute, "other-kind"); ok {
			t.Error("claimed a job of another kind")
		}
		c, ok, err := db.ClaimJob(ctx, "w1", now0, time.Minute, "evaluate")
		if err != nil || !ok || c.ID != j.ID || c.State != JobRunning || c.Attempts != 1 || c.LeaseOwner != "w1" || !c.LeaseExpiresAt.Equal(at(now0.Add(time.Minute))) || string(c.Params) != `{"ratio":1}` {
			t.Fatalf("claim: %+v %v %v", c, ok, err)
		}
		if _, ok, _ := db.ClaimJob(ctx, "w2", now0, time.Minute); ok {
			t.Error("claimed a running job")
		}
		cancel, err := db.Heartbeat(ctx, j.ID, "w1", Progress{Stage: "linkage", Fraction: 0.25}, now0.Add(30*time.Second), time.Minute)
		if err != nil || cancel {
			t.Fatalf("heartbeat: %v %v", cancel, err)
		}
		seen, _ := db.Job(ctx, ScopeOf(w.provA), j.ID)
		if seen.Stage != "linkage" || seen.Progress != 0.25 || !seen.LeaseExpiresAt.Equal(at(now0.Add(90*time.Second))) {
			t.Errorf("progress as the provider sees it: %+v", seen)
		}
		if _, err := db.Heartbeat(ctx, j.ID, "w2", Progress{Fraction: 0.5}, now0, time.Minute); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("heartbeat by another owner: %v", err)
		}
		if err := db.CompleteJob(ctx, j.ID, "w2", now0); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("complete by another owner: %v", err)
		}
		// Cancel while running: the worker sees it at its next heartbeat.
		if got, err := db.CancelJob(ctx, w.provA, ScopeOf(w.provA), j.ID, now0); err != nil || got.State != JobRunning || !got.CancelRequested {
			t.Fatalf("cancel running: %+v %v", got, err)
		}
		if cancel, err := db.Heartbeat(ctx, j.ID, "w1", Progress{Fraction: 0.3}, now0, time.Minute); err != nil || !cancel {
			t.Errorf("heartbeat after cancel: %v %v", cancel, err)
		}
		if err := db.AcknowledgeCancel(ctx, j.ID, "w1", now0); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Job(ctx, AllOrgs(), j.ID); got.State != JobCancelled || got.FinishedAt == nil || got.LeaseOwner != "" {
			t.Errorf("after cancel: %+v", got)
		}
		if _, err := db.CancelJob(ctx, w.provA, ScopeOf(w.provA), j.ID, now0); !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), "it is cancelled") {
			t.Errorf("cancel a cancelled job: %v", err)
		}
		// Cancel while queued: at once.
		j2, _ := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", SubmissionID: &sub.ID}, now0)
		if got, err := db.CancelJob(ctx, w.analyst, AllOrgs(), j2.ID, now0); err != nil || got.State != JobCancelled {
			t.Errorf("cancel queued: %+v %v", got, err)
		}
		if _, ok, _ := db.ClaimJob(ctx, "w1", now0, time.Minute); ok {
			t.Error("claimed a cancelled job")
		}
		// Fail with a reason; succeed.
		j3, _ := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", SubmissionID: &sub.ID}, now0)
		db.ClaimJob(ctx, "w1", now0, time.Minute)
		if err := db.FailJob(ctx, j3.ID, "w1", "no participant could be linked", now0); err != nil {
			t.Fatal(err)
		}
		j4, _ := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", SubmissionID: &sub.ID}, now0)
		db.ClaimJob(ctx, "w1", now0, time.Minute)
		if err := db.CompleteJob(ctx, j4.ID, "w1", now0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		jobs, _ := db.Jobs(ctx, ScopeOf(w.provA), JobFilter{SubmissionID: &sub.ID})
		want := []JobState{JobSucceeded, JobFailed, JobCancelled, JobCancelled}
		if len(jobs) != len(want) {
			t.Fatalf("%d jobs, want %d", len(jobs), len(want))
		}
		for i, jj := range jobs {
			if jj.State != want[i] {
				t.Errorf("job %d: %s, want %s", jj.ID, jj.State, want[i])
			}
		}
		if jobs[1].Error != "no participant could be linked" || jobs[0].Progress != 1 {
			t.Errorf("failed job reason %q, succeeded progress %g", jobs[1].Error, jobs[0].Progress)
		}
		if failed, _ := db.Jobs(ctx, AllOrgs(), JobFilter{States: []JobState{JobFailed}}); len(failed) != 1 {
			t.Errorf("%d failed jobs, want 1", len(failed))
		}
	})
}

// A job whose worker died (its lease expired, as after a crash) is
// re-queued by RecoverJobs on the next start, or failed with the reason
// once its attempts are used up: never silently lost.
func TestRecoverJobsAfterRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.dsn(t)
		db := openTest(t, dsn)
		j, err := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate", MaxAttempts: 2}, now0)
		if err != nil {
			t.Fatal(err)
		}
		cancelled, _ := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate"}, now0)
		db.ClaimJob(ctx, "old:1", now0, time.Minute)
		db.ClaimJob(ctx, "old:1", now0, time.Minute)
		db.CancelJob(ctx, User{ID: 1, Role: RoleAdmin}, AllOrgs(), cancelled.ID, now0)
		db.Heartbeat(ctx, j.ID, "old:1", Progress{Stage: "matching", Fraction: 0.6}, now0, time.Minute)
		db.Close() // the crash

		db = openTest(t, dsn) // the restart
		if r, err := db.RecoverJobs(ctx, now0.Add(30*time.Second)); err != nil || len(r.Requeued)+len(r.Failed)+len(r.Cancelled) != 0 {
			t.Errorf("recovery within the lease: %+v %v", r, err)
		}
		r, err := db.RecoverJobs(ctx, now0.Add(2*time.Minute))
		if err != nil || len(r.Requeued) != 1 || r.Requeued[0] != j.ID || len(r.Cancelled) != 1 || r.Cancelled[0] != cancelled.ID {
			t.Fatalf("recovery: %+v %v", r, err)
		}
		got, _ := db.Job(ctx, AllOrgs(), j.ID)
		if got.State != JobQueued || !strings.Contains(got.Error, "interrupted by a restart") || !strings.Contains(got.Error, "attempt 2 of 2") || got.LeaseOwner != "" || got.Stage != "matching" {
			t.Errorf("re-queued job: %+v", got)
		}
		// The old worker, if it was only slow, has lost the job.
		if _, err := db.Heartbeat(ctx, j.ID, "old:1", Progress{Fraction: 0.7}, now0.Add(2*time.Minute), time.Minute); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("old worker's heartbeat: %v", err)
		}
		c, ok, err := db.ClaimJob(ctx, "new:2", now0.Add(3*time.Minute), time.Minute)
		if err != nil || !ok || c.ID != j.ID || c.Attempts != 2 || !c.StartedAt.Equal(at(now0)) {
			t.Fatalf("second claim: %+v %v %v", c, ok, err)
		}
		db.Close() // crashes again, attempts used up
		db = openTest(t, dsn)
		r, err = db.RecoverJobs(ctx, now0.Add(10*time.Minute))
		if err != nil || len(r.Failed) != 1 || r.Failed[0] != j.ID {
			t.Fatalf("second recovery: %+v %v", r, err)
		}
		got, _ = db.Job(ctx, AllOrgs(), j.ID)
		if got.State != JobFailed || !strings.Contains(got.Error, "interrupted by a restart") || !strings.Contains(got.Error, "2 of 2 attempts") || got.FinishedAt == nil {
			t.Errorf("failed job: %+v", got)
		}
		log, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionJobRecover})
		if len(log) != 3 {
			t.Errorf("%d recoveries audited, want 3", len(log))
		}
	})
}

// Eight workers, each with its own connection pool, claim jobs at once:
// no job is claimed twice and none is left behind.
func TestClaimJobConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.dsn(t)
		db := openTest(t, dsn)
		const jobs, workers = 120, 8
		for i := 0; i < jobs; i++ {
			if _, err := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate"}, now0); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		claimedBy := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				wdb, err := OpenWith(ctx, dsn, Options{Password: testPassword})
				if err != nil {
					errs <- err
					return
				}
				defer wdb.Close()
				owner := fmt.Sprintf("worker:%d", w)
				for {
					j, ok, err := wdb.ClaimJob(ctx, owner, now0, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if !ok {
						return
					}
					mu.Lock()
					if prev, dup := claimedBy[j.ID]; dup {
						errs <- fmt.Errorf("job %d claimed by %s and %s", j.ID, prev, owner)
					}
					claimedBy[j.ID] = owner
					mu.Unlock()
					if err := wdb.CompleteJob(ctx, j.ID, owner, now0); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(claimedBy) != jobs {
			t.Errorf("%d jobs claimed, want %d", len(claimedBy), jobs)
		}
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND attempts = 1`).Scan(&n)
		if n != jobs {
			t.Errorf("%d jobs succeeded at the first attempt, want %d", n, jobs)
		}
	})
}

// The review flow, with its checks: QA before sign-off, four eyes before
// approval, approval before publication.
func TestEvaluationReviewAndPublication(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		e := w.evaluate(t, w.submit(t, w.provA))
		if e.Status != EvaluationAwaitingReview || e.OrgID != w.orgA.ID {
			t.Fatalf("new evaluation %+v", e)
		}
		got, err := db.Evaluation(ctx, ScopeOf(w.provA), e.ID)
		if err != nil || string(got.Result) != `{"counts":{"matched":120}}` || !got.CreatedAt.Equal(at(now0)) {
			t.Errorf("read back: %+v %v", got, err)
		}
		pub := Publication{Slug: "acme-work-coaching-2026", HTML: []byte("<h1>Acme</h1>"), CohortDigests: cohort(t, 0, 150)}
		_, err = db.Publish(ctx, w.publisher, e.ID, pub, now0)
		wantErr(t, "publish before approval", err, ErrInvalidState, "it is awaiting_review; publish needs it to be approved")
		_, err = db.Decide(ctx, w.publisher, e.ID, EvaluationApproved, "", now0)
		wantErr(t, "approve before review", err, ErrInvalidState, "it is awaiting_review")
		_, err = db.Decide(ctx, w.analyst, e.ID, EvaluationReviewed, "", now0)
		wantErr(t, "sign off with QA open", err, ErrInvalidState, "balance")
		_, err = db.TickQA(ctx, w.provA, e.ID, "balance", true, "", now0)
		wantErr(t, "provider ticks QA", err, ErrForbidden, "analyst")
		_, err = db.TickQA(ctx, w.analyst, e.ID, "nonsense", true, "", now0)
		wantErr(t, "unknown QA item", err, ErrInvalid, "balance")
		_, err = db.Decide(ctx, w.analyst, e.ID, EvaluationChangesRequested, "", now0)
		wantErr(t, "changes without a note", err, ErrInvalid, "note")
		var items []QAItem
		for _, q := range QAChecklist() {
			if items, err = db.TickQA(ctx, w.admin, e.ID, q.Key, true, "checked", now0); err != nil {
				t.Fatal(err)
			}
		}
		if len(items) != len(QAChecklist()) || !items[2].Ticked || *items[2].TickedBy != w.admin.ID || items[2].Key != "balance" {
			t.Errorf("QA after ticking: %+v", items)
		}
		if _, err := db.AddComment(ctx, w.provA, e.ID, "Site B started late.", now0); err != nil {
			t.Errorf("provider comments on own evaluation: %v", err)
		}
		// The admin signs off as analyst, so cannot also approve.
		if e, err = db.Decide(ctx, w.admin, e.ID, EvaluationReviewed, "balance fine", now0); err != nil || e.Status != EvaluationReviewed || *e.ReviewedBy != w.admin.ID {
			t.Fatalf("sign off: %+v %v", e, err)
		}
		_, err = db.TickQA(ctx, w.analyst, e.ID, "balance", false, "", now0)
		wantErr(t, "untick after sign-off", err, ErrInvalidState, "it is reviewed")
		_, err = db.Decide(ctx, w.admin, e.ID, EvaluationApproved, "", now0)
		wantErr(t, "approve own review", err, ErrForbidden, "four eyes")
		_, err = db.Decide(ctx, w.analyst, e.ID, EvaluationApproved, "", now0)
		wantErr(t, "analyst approves", err, ErrForbidden, "publisher")
		if e, err = db.Decide(ctx, w.publisher, e.ID, EvaluationApproved, "", now0.Add(time.Hour)); err != nil || e.Status != EvaluationApproved {
			t.Fatalf("approve: %+v %v", e, err)
		}
		_, err = db.Publish(ctx, w.analyst, e.ID, pub, now0)
		wantErr(t, "analyst publishes", err, ErrForbidden, "publisher")
		_, err = db.Publish(ctx, w.publisher, e.ID, Publication{Slug: "Bad Slug!", HTML: pub.HTML}, now0)
		wantErr(t, "bad slug", err, ErrInvalid, "slug")
		r, err := db.Publish(ctx, w.publisher, e.ID, pub, now0.Add(2*time.Hour))
		if err != nil || r.Slug != pub.Slug || r.Title != "Acme work coaching" {
			t.Fatalf("publish: %+v %v", r, err)
		}
		if got, err := db.ReportBySlug(ctx, pub.Slug); err != nil || string(got.HTML) != "<h1>Acme</h1>" || got.EvaluationID != e.ID || !got.PublishedAt.Equal(at(now0.Add(2*time.Hour))) {
			t.Errorf("report by slug: %+v %v", got, err)
		}
		if got, _ := db.Evaluation(ctx, AllOrgs(), e.ID); got.Status != EvaluationPublished || got.ReportSlug != pub.Slug || got.PublishedAt == nil {
			t.Errorf("published evaluation: %+v", got)
		}
		_, err = db.Decide(ctx, w.publisher, e.ID, EvaluationRejected, "too late", now0)
		wantErr(t, "reject after publication", err, ErrInvalidState, "it is published")
		if cs, _ := db.PublishedCohorts(ctx, w.orgA.ID); len(cs) != 1 || string(cs[0].Digests) != string(pub.CohortDigests) {
			t.Errorf("published cohorts: %+v", cs)
		}
		ds, _ := db.Decisions(ctx, ScopeOf(w.provA), e.ID)
		if len(ds) != 3 || ds[0].To != EvaluationReviewed || ds[1].To != EvaluationApproved || ds[2].To != EvaluationPublished || ds[2].ActorID != w.publisher.ID {
			t.Errorf("decisions: %+v", ds)
		}
		// A second evaluation cannot take the slug; an empty slug is generated.
		e2 := w.evaluate(t, w.submit(t, w.provA))
		if _, err := db.Decide(ctx, w.analyst, e2.ID, EvaluationChangesRequested, "rerun with a caliper of 0.1", now0); err != nil {
			t.Fatal(err)
		}
		if e2, err = db.ReplaceEvaluationResult(ctx, nil, e2.ID, json.RawMessage(`{"caliper":0.1}`), now0); err != nil || e2.Status != EvaluationAwaitingReview {
			t.Fatalf("replace: %+v %v", e2, err)
		}
		// The re-run's job leaves its digests: the same people.
		if err := db.SetCohortDigests(ctx, e2.ID, cohort(t, 0, 150), now0); err != nil {
			t.Fatal(err)
		}
		for _, q := range QAChecklist() {
			db.TickQA(ctx, w.analyst, e2.ID, q.Key, true, "", now0)
		}
		db.Decide(ctx, w.analyst, e2.ID, EvaluationReviewed, "", now0)
		db.Decide(ctx, w.publisher, e2.ID, EvaluationApproved, "", now0)
		_, err = db.Publish(ctx, w.publisher, e2.ID, pub, now0)
		wantErr(t, "taken slug", err, ErrConflict, "taken")
		r2, err := db.Publish(ctx, w.publisher, e2.ID, Publication{Title: "Acme: Work Coaching (rerun)", HTML: pub.HTML}, now0.Add(3*time.Hour))
		if err != nil || !slugPattern.MatchString(r2.Slug) || !strings.HasPrefix(r2.Slug, "acme-work-coaching-rerun-") {
			t.Errorf("generated slug: %+v %v", r2, err)
		}
		if rs, _ := db.Reports(ctx); len(rs) != 2 || rs[0].ID != r2.ID {
			t.Errorf("reports: %+v", rs)
		}
		if cs, _ := db.PublishedCohorts(ctx, w.orgA.ID); len(cs) != 2 || cs[1].EvaluationID != e2.ID || string(cs[1].Digests) != string(cohort(t, 0, 150)) {
			t.Errorf("published cohorts after the re-run: %+v; want the re-run's stored digests recorded", cs)
		}
		approvals, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionDecision, ObjectType: "evaluation", ObjectID: fmt.Sprint(e.ID)})
		if len(approvals) != 2 || *approvals[0].ActorID != w.publisher.ID || !strings.Contains(string(approvals[0].Detail), `"to":"approved"`) {
			t.Errorf("approval audit: %+v", approvals)
		}
	})
}

// The audit log is append-only on both back-ends: the database itself
// refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL).
func TestAuditLogAppendOnly(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		actor := int64(7)
		e, err := db.Audit(ctx, AuditEntry{At: now0, ActorID: &actor, Action: ActionDownload, ObjectType: "report", ObjectID: "acme", Detail: json.RawMessage(`{"format":"csv"}`)})
		if err != nil || e.ID == 0 {
			t.Fatalf("audit: %+v %v", e, err)
		}
		if _, err := db.Audit(ctx, AuditEntry{Action: ActionView}); !errors.Is(err, ErrInvalid) {
			t.Errorf("entry without a time: %v", err)
		}
		if _, err := db.Audit(ctx, AuditEntry{At: now0, Action: ActionView, Detail: json.RawMessage(`[1]`)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("detail not an object: %v", err)
		}
		stmts := []string{`UPDATE audit_log SET action = 'nothing' WHERE id = ?`, `DELETE FROM audit_log WHERE id = ?`}
		if db.Backend() == Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`)
		}
		for _, q := range stmts {
			args := []any{e.ID}
			if !strings.Contains(q, "?") {
				args = nil
			}
			_, err := db.Exec(q, args...)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", q, err)
			}
		}
		got, err := db.AuditLog(ctx, AllOrgs(), AuditFilter{})
		if err != nil || len(got) != 1 || got[0].Action != ActionDownload || !got[0].At.Equal(at(now0)) || *got[0].ActorID != 7 || string(got[0].Detail) != `{"format":"csv"}` {
			t.Errorf("after refused changes: %+v %v", got, err)
		}
	})
}

// AuditMany writes a batch in order in one transaction: all of it, or none
// when one entry is invalid.
func TestAuditManyAllOrNone(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		actor := int64(3)
		batch := []AuditEntry{
			{At: now0, ActorID: &actor, Action: ActionView, ObjectType: "submission", ObjectID: "1"},
			{At: now0.Add(time.Second), ActorID: &actor, Action: ActionView, ObjectType: "submission", ObjectID: "2"},
		}
		if err := db.AuditMany(ctx, batch); err != nil {
			t.Fatal(err)
		}
		bad := append(append([]AuditEntry{}, batch...), AuditEntry{Action: ActionView}) // no time
		if err := db.AuditMany(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("batch with an invalid entry: %v, want ErrInvalid", err)
		}
		got, err := db.AuditLog(ctx, AllOrgs(), AuditFilter{})
		if err != nil || len(got) != 2 {
			t.Fatalf("after one good and one refused batch: %d rows, %v; want 2", len(got), err)
		}
		ids := map[string]bool{got[0].ObjectID: true, got[1].ObjectID: true}
		if !ids["1"] || !ids["2"] {
			t.Errorf("rows %+v; want the first batch's two views", got)
		}
	})
}

// BenchmarkClaimJob measures enqueue+claim+complete round trips, one
// worker, on each back-end.
func BenchmarkClaimJob(b *testing.B) {
	for _, be := range []backend{SQLite, Postgres} {
		b.Run(string(be), func(b *testing.B) {
			if be == Postgres {
				requirePostgres(b)
			}
			ctx := context.Background()
			db := openTest(b, be.dsn(b))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.EnqueueJob(ctx, nil, NewJob{Kind: "evaluate"}, now0); err != nil {
					b.Fatal(err)
				}
				j, ok, err := db.ClaimJob(ctx, "bench", now0, time.Minute)
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				if err := db.CompleteJob(ctx, j.ID, "bench", now0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
