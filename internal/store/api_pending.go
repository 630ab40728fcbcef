package store

// This file holds the lab-records methods whose bodies are being written;
// each moves to its own file (users.go, sessions.go, submissions.go,
// jobs.go, evaluations.go, reports.go, audit.go) as it is implemented.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"
)

var errPending = errors.New("store: not implemented yet")

// PasswordParams is the argon2id cost (RFC 9106).
type PasswordParams struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordParams is RFC 9106 §4's second recommended option:
// t=3, m=64 MiB, p=4.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}
}

func (p PasswordParams) validate() error { return nil }

// HashPassword hashes pw with argon2id into a PHC string.
func HashPassword(pw string, p PasswordParams, random io.Reader) (string, error) {
	return "", errPending
}

// VerifyPassword checks pw against a PHC string from HashPassword.
func VerifyPassword(pw, encoded string) (bool, error) { return false, errPending }

func (s *DB) CreateOrganisation(ctx context.Context, actor *User, name string, now time.Time) (Organisation, error) {
	return Organisation{}, errPending
}
func (s *DB) Organisation(ctx context.Context, scope Scope, id int64) (Organisation, error) {
	return Organisation{}, errPending
}
func (s *DB) Organisations(ctx context.Context, scope Scope) ([]Organisation, error) {
	return nil, errPending
}

func (s *DB) CreateUser(ctx context.Context, actor *User, u NewUser, now time.Time) (User, error) {
	return User{}, errPending
}
func (s *DB) User(ctx context.Context, id int64) (User, error)            { return User{}, errPending }
func (s *DB) UserByEmail(ctx context.Context, email string) (User, error) { return User{}, errPending }
func (s *DB) Users(ctx context.Context, scope Scope) ([]User, error)      { return nil, errPending }
func (s *DB) SetRole(ctx context.Context, actor User, userID int64, role Role, orgID *int64, now time.Time) (User, error) {
	return User{}, errPending
}
func (s *DB) SetPassword(ctx context.Context, actor *User, userID int64, password string, now time.Time) error {
	return errPending
}
func (s *DB) SetDisabled(ctx context.Context, actor User, userID int64, disabled bool, now time.Time) (User, error) {
	return User{}, errPending
}
func (s *DB) Authenticate(ctx context.Context, email, password string, now time.Time) (User, error) {
	return User{}, errPending
}

func (s *DB) CreateSession(ctx context.Context, userID int64, now time.Time, ttl time.Duration) (string, Session, error) {
	return "", Session{}, errPending
}
func (s *DB) SessionByToken(ctx context.Context, token string, now time.Time) (Session, User, error) {
	return Session{}, User{}, errPending
}
func (s *DB) DeleteSession(ctx context.Context, token string) error      { return errPending }
func (s *DB) DeleteUserSessions(ctx context.Context, userID int64) error { return errPending }
func (s *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return 0, errPending
}
func (s *DB) CreateAPIToken(ctx context.Context, owner User, name string, now time.Time, expires *time.Time) (string, APIToken, error) {
	return "", APIToken{}, errPending
}
func (s *DB) APITokenUser(ctx context.Context, secret string, now time.Time) (APIToken, User, error) {
	return APIToken{}, User{}, errPending
}
func (s *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) { return nil, errPending }
func (s *DB) RevokeAPIToken(ctx context.Context, actor User, tokenID int64, now time.Time) error {
	return errPending
}
func (s *DB) RecordLoginAttempt(ctx context.Context, a LoginAttempt) error { return errPending }
func (s *DB) FailedLogins(ctx context.Context, email, remote string, since time.Time) (byEmail, byRemote int, err error) {
	return 0, 0, errPending
}

func SanitiseFileName(name string) string { return name }
func (s *DB) CreateSubmission(ctx context.Context, uploader User, n NewSubmission, now time.Time) (Submission, error) {
	return Submission{}, errPending
}
func (s *DB) Submission(ctx context.Context, scope Scope, id int64) (Submission, error) {
	return Submission{}, errPending
}
func (s *DB) Submissions(ctx context.Context, scope Scope) ([]Submission, error) {
	return nil, errPending
}
func (s *DB) RecordChecks(ctx context.Context, id int64, passed bool, report json.RawMessage, now time.Time) (Submission, error) {
	return Submission{}, errPending
}
func (s *DB) SubmissionFile(ctx context.Context, scope Scope, id int64) ([]byte, error) {
	return nil, errPending
}
func (s *DB) DeleteSubmissionFile(ctx context.Context, id int64, reason string, now time.Time) error {
	return errPending
}

func (s *DB) EnqueueJob(ctx context.Context, actor *User, j NewJob, now time.Time) (Job, error) {
	return Job{}, errPending
}
func (s *DB) ClaimJob(ctx context.Context, owner string, now time.Time, lease time.Duration, kinds ...string) (Job, bool, error) {
	return Job{}, false, errPending
}
func (s *DB) Heartbeat(ctx context.Context, id int64, owner string, p Progress, now time.Time, lease time.Duration) (bool, error) {
	return false, errPending
}
func (s *DB) CompleteJob(ctx context.Context, id int64, owner string, now time.Time) error {
	return errPending
}
func (s *DB) FailJob(ctx context.Context, id int64, owner, reason string, now time.Time) error {
	return errPending
}
func (s *DB) CancelJob(ctx context.Context, actor User, scope Scope, id int64, now time.Time) (Job, error) {
	return Job{}, errPending
}
func (s *DB) AcknowledgeCancel(ctx context.Context, id int64, owner string, now time.Time) error {
	return errPending
}
func (s *DB) RecoverJobs(ctx context.Context, now time.Time) (Recovery, error) {
	return Recovery{}, errPending
}
func (s *DB) Job(ctx context.Context, scope Scope, id int64) (Job, error) { return Job{}, errPending }
func (s *DB) Jobs(ctx context.Context, scope Scope, f JobFilter) ([]Job, error) {
	return nil, errPending
}

func QAChecklist() []QAItem { return nil }
func (s *DB) CreateEvaluation(ctx context.Context, n NewEvaluation, now time.Time) (Evaluation, error) {
	return Evaluation{}, errPending
}
func (s *DB) Evaluation(ctx context.Context, scope Scope, id int64) (Evaluation, error) {
	return Evaluation{}, errPending
}
func (s *DB) Evaluations(ctx context.Context, scope Scope, f EvaluationFilter) ([]Evaluation, error) {
	return nil, errPending
}
func (s *DB) ReplaceEvaluationResult(ctx context.Context, actor *User, id int64, result json.RawMessage, now time.Time) (Evaluation, error) {
	return Evaluation{}, errPending
}
func (s *DB) QA(ctx context.Context, scope Scope, evaluationID int64) ([]QAItem, error) {
	return nil, errPending
}
func (s *DB) TickQA(ctx context.Context, actor User, evaluationID int64, key string, ticked bool, note string, now time.Time) ([]QAItem, error) {
	return nil, errPending
}
func (s *DB) AddComment(ctx context.Context, actor User, evaluationID int64, body string, now time.Time) (Comment, error) {
	return Comment{}, errPending
}
func (s *DB) Comments(ctx context.Context, scope Scope, evaluationID int64) ([]Comment, error) {
	return nil, errPending
}
func (s *DB) Decide(ctx context.Context, actor User, evaluationID int64, to EvaluationStatus, note string, now time.Time) (Evaluation, error) {
	return Evaluation{}, errPending
}
func (s *DB) Decisions(ctx context.Context, scope Scope, evaluationID int64) ([]Decision, error) {
	return nil, errPending
}
func (s *DB) Publish(ctx context.Context, actor User, evaluationID int64, p Publication, now time.Time) (Report, error) {
	return Report{}, errPending
}
func (s *DB) ReportBySlug(ctx context.Context, slug string) (Report, error) {
	return Report{}, errPending
}
func (s *DB) Reports(ctx context.Context) ([]Report, error) { return nil, errPending }
func (s *DB) PublishedCohorts(ctx context.Context, orgID int64) ([]PublishedCohort, error) {
	return nil, errPending
}

func (s *DB) Audit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	return AuditEntry{}, errPending
}
func (s *DB) AuditLog(ctx context.Context, scope Scope, f AuditFilter) ([]AuditEntry, error) {
	return nil, errPending
}
