package server

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// Store is what the server needs of the lab's records; *store.DB
// satisfies it. Every read of organisation data takes a store.Scope built
// from the acting user (store.ScopeOf), so a provider's reads are limited
// by the query itself; a row outside the scope is store.ErrNotFound, the
// same as a missing one. The store writes the audit rows of the changes
// it makes; the server writes sign-ins, views and downloads.
type Store interface {
	CreateOrganisation(ctx context.Context, actor *store.User, name string, now time.Time) (store.Organisation, error)
	Organisation(ctx context.Context, scope store.Scope, id int64) (store.Organisation, error)
	Organisations(ctx context.Context, scope store.Scope) ([]store.Organisation, error)

	CreateUser(ctx context.Context, actor *store.User, u store.NewUser, now time.Time) (store.User, error)
	User(ctx context.Context, id int64) (store.User, error)
	Users(ctx context.Context, scope store.Scope) ([]store.User, error)
	SetRole(ctx context.Context, actor store.User, userID int64, role store.Role, orgID *int64, now time.Time) (store.User, error)
	SetDisabled(ctx context.Context, actor store.User, userID int64, disabled bool, now time.Time) (store.User, error)
	Authenticate(ctx context.Context, email, password string, now time.Time) (store.User, error)
	RecordLoginAttempt(ctx context.Context, a store.LoginAttempt) error

	CreateSession(ctx context.Context, userID int64, now time.Time, ttl time.Duration) (string, store.Session, error)
	SessionByToken(ctx context.Context, token string, now time.Time) (store.Session, store.User, error)
	DeleteSession(ctx context.Context, token string) error
	CreateAPIToken(ctx context.Context, owner store.User, name string, now time.Time, expires *time.Time) (string, store.APIToken, error)
	APITokenUser(ctx context.Context, secret string, now time.Time) (store.APIToken, store.User, error)
	APITokens(ctx context.Context, userID int64) ([]store.APIToken, error)
	RevokeAPIToken(ctx context.Context, actor store.User, tokenID int64, now time.Time) error

	CreateSubmission(ctx context.Context, uploader store.User, n store.NewSubmission, now time.Time) (store.Submission, error)
	RecordChecks(ctx context.Context, id int64, passed bool, report json.RawMessage, now time.Time) (store.Submission, error)
	DeleteSubmissionFile(ctx context.Context, id int64, reason string, now time.Time) error
	Submission(ctx context.Context, scope store.Scope, id int64) (store.Submission, error)
	Submissions(ctx context.Context, scope store.Scope) ([]store.Submission, error)

	EnqueueJob(ctx context.Context, actor *store.User, j store.NewJob, now time.Time) (store.Job, error)
	CancelJob(ctx context.Context, actor store.User, scope store.Scope, id int64, now time.Time) (store.Job, error)
	Jobs(ctx context.Context, scope store.Scope, f store.JobFilter) ([]store.Job, error)

	Evaluation(ctx context.Context, scope store.Scope, id int64) (store.Evaluation, error)
	Evaluations(ctx context.Context, scope store.Scope, f store.EvaluationFilter) ([]store.Evaluation, error)
	QA(ctx context.Context, scope store.Scope, evaluationID int64) ([]store.QAItem, error)
	TickQA(ctx context.Context, actor store.User, evaluationID int64, key string, ticked bool, note string, now time.Time) ([]store.QAItem, error)
	AddComment(ctx context.Context, actor store.User, evaluationID int64, body string, now time.Time) (store.Comment, error)
	Comments(ctx context.Context, scope store.Scope, evaluationID int64) ([]store.Comment, error)
	Decide(ctx context.Context, actor store.User, evaluationID int64, to store.EvaluationStatus, note string, now time.Time) (store.Evaluation, error)
	Decisions(ctx context.Context, scope store.Scope, evaluationID int64) ([]store.Decision, error)

	Publish(ctx context.Context, actor store.User, evaluationID int64, p store.Publication, now time.Time) (store.Report, error)
	ReportBySlug(ctx context.Context, slug string) (store.Report, error)
	Reports(ctx context.Context) ([]store.Report, error)

	// The randomisation service (trials_api.go), as datalab trial uses it.
	CreateTrial(ctx context.Context, id, title string, d randomise.Design, now time.Time, entropy io.Reader) (store.Trial, error)
	Trial(ctx context.Context, id string) (store.Trial, error)
	Enrol(ctx context.Context, id, ref string, levels map[string]string, now time.Time) (store.Enrolment, error)
	Allocations(ctx context.Context, id string) ([]randomise.Entry, error)
	VerifyTrial(ctx context.Context, id, externalHead string) (randomise.Report, error)

	Audit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	AuditMany(ctx context.Context, entries []store.AuditEntry) error
	AuditLog(ctx context.Context, scope store.Scope, f store.AuditFilter) ([]store.AuditEntry, error)
}

// Render turns a stored evaluation (evaluation.json) into the report's
// self-contained HTML, with disclosure control applied (internal/report).
type Render func(ctx context.Context, evaluationJSON []byte) ([]byte, error)

// Enqueue builds the job that evaluates submission sub of organisation org
// for the named programme (jobs.NewEvaluationJob).
type Enqueue func(org, sub int64, programme string) (store.NewJob, error)
