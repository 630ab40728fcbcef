package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Role is what a user may do. Authorisation is the server's job; the
// store re-checks the roles of the transitions it records (review,
// approval, publication, role changes) as a second line.
type Role string

// The four roles of issue 6.
const (
	// RoleProvider uploads its own organisation's submissions and sees
	// only its own organisation's rows.
	RoleProvider Role = "provider"
	// RoleAnalyst reviews evaluations: balance, QA checklist, comments.
	RoleAnalyst Role = "analyst"
	// RolePublisher approves reviewed evaluations and publishes them.
	RolePublisher Role = "publisher"
	// RoleAdmin manages organisations and users and may act as analyst
	// and publisher (but never approve an evaluation it reviewed).
	RoleAdmin Role = "admin"
)

// Roles lists the roles in order of the flow.
func Roles() []Role { return []Role{RoleProvider, RoleAnalyst, RolePublisher, RoleAdmin} }

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	switch r {
	case RoleProvider, RoleAnalyst, RolePublisher, RoleAdmin:
		return true
	}
	return false
}

// ParseRole checks s names a role.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", invalid("role %q: use provider, analyst, publisher or admin", s)
}

// Scope limits which organisations' rows a read may return. The zero
// Scope sees nothing, so a forgotten scope fails closed.
type Scope struct {
	All   bool  // every organisation (analyst, publisher, admin)
	OrgID int64 // otherwise only this organisation's rows
}

// AllOrgs is the scope of staff who see every organisation.
func AllOrgs() Scope { return Scope{All: true} }

// OrgScope is one organisation's scope.
func OrgScope(id int64) Scope { return Scope{OrgID: id} }

// ScopeOf is u's scope: a provider sees its own organisation only, other
// roles see all; a disabled user, or a provider without an organisation,
// sees nothing.
func ScopeOf(u User) Scope {
	if u.Disabled {
		return Scope{}
	}
	if u.Role == RoleProvider {
		if u.OrgID == nil {
			return Scope{}
		}
		return OrgScope(*u.OrgID)
	}
	if u.Role.Valid() {
		return AllOrgs()
	}
	return Scope{}
}

// sees reports whether the scope covers organisation org.
func (sc Scope) sees(org int64) bool { return sc.All || (sc.OrgID != 0 && sc.OrgID == org) }

// where returns an SQL condition on column col (an organisation id) and
// its arguments.
func (sc Scope) where(col string) (string, []any) {
	if sc.All {
		return "1=1", nil
	}
	return col + " = ?", []any{sc.OrgID}
}

func (sc Scope) String() string {
	if sc.All {
		return "all organisations"
	}
	return fmt.Sprintf("organisation %d", sc.OrgID)
}

// Organisation is a provider organisation.
type Organisation struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a lab user. The password hash never leaves the store.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"` // lower-cased, unique
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	OrgID     *int64    `json:"org_id,omitempty"` // required for providers, optional otherwise
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewUser is what CreateUser needs. Password may be empty for a user who
// will only use API tokens (they cannot log in until SetPassword).
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	OrgID    *int64
	Password string
}

// Session is a logged-in browser session. The token itself is returned
// once by CreateSession and stored only as its SHA-256.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	CSRFSecret []byte    `json:"-"` // 32 random bytes for the session's CSRF tokens
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// APIToken is a named, revocable bearer token of one user. The secret is
// returned once by CreateAPIToken and stored only as its SHA-256.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the secret's first characters, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// LoginAttempt is one login, kept for rate limiting.
type LoginAttempt struct {
	Email  string
	Remote string // client address
	OK     bool
	At     time.Time
}

// SubmissionState is where a submission is before linkage.
type SubmissionState string

// Submission states.
const (
	SubmissionReceived SubmissionState = "received" // uploaded, not yet checked
	SubmissionChecked  SubmissionState = "checked"  // checks passed: ready for a job
	SubmissionRejected SubmissionState = "rejected" // checks failed; see Checks
)

// Submission is a provider's upload of participants.csv. The file itself
// holds direct identifiers: it is kept apart (SubmissionFile) only until
// linkage finishes, then DeleteSubmissionFile removes it and records when
// and why.
type Submission struct {
	ID                int64           `json:"id"`
	OrgID             int64           `json:"org_id"`
	UploaderID        int64           `json:"uploader_id"`
	FileName          string          `json:"file_name"` // sanitised
	SizeBytes         int64           `json:"size_bytes"`
	SHA256            string          `json:"sha256"` // hex, of the uploaded bytes
	State             SubmissionState `json:"state"`
	Checks            json.RawMessage `json:"checks,omitempty"` // the checks' report; must hold no identifiers
	CreatedAt         time.Time       `json:"created_at"`
	CheckedAt         *time.Time      `json:"checked_at,omitempty"`
	FileDeletedAt     *time.Time      `json:"file_deleted_at,omitempty"`
	FileDeletedReason string          `json:"file_deleted_reason,omitempty"`
}

// NewSubmission is an upload.
type NewSubmission struct {
	OrgID    int64
	FileName string // as the client sent it; sanitised on the way in
	Content  []byte
}

// JobState is a background job's state.
type JobState string

// Job states: queued → running → succeeded | failed | cancelled; a
// running job whose lease expires is re-queued or failed by RecoverJobs.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// Terminal reports whether the state is final.
func (s JobState) Terminal() bool { return s == JobSucceeded || s == JobFailed || s == JobCancelled }

// Job is a persisted background job (linkage and evaluation of a
// submission).
type Job struct {
	ID              int64           `json:"id"`
	Kind            string          `json:"kind"`
	OrgID           *int64          `json:"org_id,omitempty"`
	SubmissionID    *int64          `json:"submission_id,omitempty"`
	Params          json.RawMessage `json:"params,omitempty"`
	State           JobState        `json:"state"`
	Stage           string          `json:"stage"`    // e.g. "linkage", "matching"
	Progress        float64         `json:"progress"` // 0..1 within the job
	Attempts        int             `json:"attempts"` // claims so far
	MaxAttempts     int             `json:"max_attempts"`
	LeaseOwner      string          `json:"lease_owner,omitempty"`
	LeaseExpiresAt  *time.Time      `json:"lease_expires_at,omitempty"`
	CancelRequested bool            `json:"cancel_requested"`
	Error           string          `json:"error,omitempty"` // why it failed, or why it was re-queued
	CreatedAt       time.Time       `json:"created_at"`
	StartedAt       *time.Time      `json:"started_at,omitempty"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// NewJob is what EnqueueJob needs. MaxAttempts 0 means 3.
type NewJob struct {
	Kind         string
	OrgID        *int64
	SubmissionID *int64
	Params       json.RawMessage
	MaxAttempts  int
}

// Progress is a job's visible progress.
type Progress struct {
	Stage    string  `json:"stage"`
	Fraction float64 `json:"fraction"` // 0..1
}

// JobFilter narrows Jobs. Zero fields do not filter; Limit 0 means 100.
type JobFilter struct {
	SubmissionID *int64
	States       []JobState
	Limit        int
}

// Recovery is what RecoverJobs did.
type Recovery struct {
	Requeued  []int64 `json:"requeued"`
	Failed    []int64 `json:"failed"`
	Cancelled []int64 `json:"cancelled"`
}

// EvaluationStatus is where an evaluation is in review and publication.
type EvaluationStatus string

// Evaluation statuses. The flow:
//
//	awaiting_review ──(analyst: QA complete)──► reviewed ──(publisher)──► approved ──Publish──► published
//	      ▲  │                                     │
//	      │  └──► changes_requested ◄──────────────┘  (analyst or publisher)
//	      └───────────────┘ (new result, or analyst reopens)
//	awaiting_review | changes_requested | reviewed ──► rejected
const (
	EvaluationAwaitingReview   EvaluationStatus = "awaiting_review"
	EvaluationChangesRequested EvaluationStatus = "changes_requested"
	EvaluationReviewed         EvaluationStatus = "reviewed"
	EvaluationApproved         EvaluationStatus = "approved"
	EvaluationPublished        EvaluationStatus = "published"
	EvaluationRejected         EvaluationStatus = "rejected"
)

// Evaluation is one stored evaluation (evaluation.json) of a submission
// and its review state. Result is filled by Evaluation, not by the list.
type Evaluation struct {
	ID           int64            `json:"id"`
	SubmissionID int64            `json:"submission_id"`
	OrgID        int64            `json:"org_id"`
	JobID        *int64           `json:"job_id,omitempty"`
	Title        string           `json:"title"`
	Status       EvaluationStatus `json:"status"`
	Result       json.RawMessage  `json:"result,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	ReviewedBy   *int64           `json:"reviewed_by,omitempty"`
	ReviewedAt   *time.Time       `json:"reviewed_at,omitempty"`
	ApprovedBy   *int64           `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time       `json:"approved_at,omitempty"`
	PublishedAt  *time.Time       `json:"published_at,omitempty"`
	ReportSlug   string           `json:"report_slug,omitempty"`
}

// NewEvaluation is a job's result.
type NewEvaluation struct {
	SubmissionID int64
	JobID        *int64
	Title        string
	Result       json.RawMessage // evaluation.json
}

// EvaluationFilter narrows Evaluations. Zero fields do not filter.
type EvaluationFilter struct {
	SubmissionID *int64
	Statuses     []EvaluationStatus
}

// QAItem is one item of an evaluation's QA checklist.
type QAItem struct {
	Key      string     `json:"key"`
	Label    string     `json:"label"`
	Ticked   bool       `json:"ticked"`
	TickedBy *int64     `json:"ticked_by,omitempty"`
	TickedAt *time.Time `json:"ticked_at,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// Comment is a review comment on an evaluation.
type Comment struct {
	ID           int64     `json:"id"`
	EvaluationID int64     `json:"evaluation_id"`
	AuthorID     int64     `json:"author_id"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// Decision is one recorded status change of an evaluation (review
// sign-off, approval, changes requested, rejection, publication).
type Decision struct {
	ID           int64            `json:"id"`
	EvaluationID int64            `json:"evaluation_id"`
	ActorID      int64            `json:"actor_id"`
	From         EvaluationStatus `json:"from"`
	To           EvaluationStatus `json:"to"`
	Note         string           `json:"note,omitempty"`
	At           time.Time        `json:"at"`
}

// Publication is what Publish stores: the report and the published
// cohort's keyed-hash digests (for internal/disclosure's differencing
// guard).
type Publication struct {
	Slug  string // the public URL's last part; empty: generated
	Title string
	HTML  []byte
	// CohortDigests are the cohort's keyed digests: a JSON array of the
	// sorted, distinct hex HMAC-SHA-256 digests disclosure.Members makes.
	// Nil: the digests the evaluation's job stored (SetCohortDigests).
	CohortDigests []byte
}

// Report is a published report. HTML is filled by ReportBySlug only.
type Report struct {
	ID           int64     `json:"id"`
	EvaluationID int64     `json:"evaluation_id"`
	OrgID        int64     `json:"org_id"`
	Slug         string    `json:"slug"`
	Title        string    `json:"title"`
	HTML         []byte    `json:"-"`
	PublishedAt  time.Time `json:"published_at"`
	PublishedBy  int64     `json:"published_by"`
}

// PublishedCohort is one published evaluation's cohort: Digests is the
// JSON array of its keyed digests, as published (see Publication).
type PublishedCohort struct {
	EvaluationID int64     `json:"evaluation_id"`
	OrgID        int64     `json:"org_id"`
	Digests      []byte    `json:"-"`
	PublishedAt  time.Time `json:"published_at"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    *int64          `json:"actor_id,omitempty"` // nil: the system (a job, start-up recovery)
	Action     string          `json:"action"`             // one of the Action constants
	ObjectType string          `json:"object_type,omitempty"`
	ObjectID   string          `json:"object_id,omitempty"`
	OrgID      *int64          `json:"org_id,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"` // JSON object; never identifiers
}

// AuditFilter narrows AuditLog. Zero fields do not filter; entries come
// newest first, Limit 0 means 100; BeforeID pages back.
type AuditFilter struct {
	ActorID    *int64
	Action     string
	ObjectType string
	ObjectID   string
	Since      time.Time
	Until      time.Time
	BeforeID   int64
	Limit      int
}

// Audit actions. Those marked (store) are written by the store itself,
// in the same transaction as the change; the server writes the others.
const (
	ActionLogin            = "login"                      // server
	ActionLoginFailed      = "login.failed"               // server
	ActionLogout           = "logout"                     // server
	ActionOrgCreate        = "organisation.create"        // store
	ActionUserCreate       = "user.create"                // store
	ActionRoleChange       = "user.role"                  // store
	ActionUserDisable      = "user.disable"               // store
	ActionUserEnable       = "user.enable"                // store
	ActionPasswordChange   = "user.password"              // store
	ActionTokenCreate      = "token.create"               // store
	ActionTokenRevoke      = "token.revoke"               // store
	ActionUpload           = "submission.upload"          // store
	ActionChecks           = "submission.checks"          // store
	ActionFileDelete       = "submission.file_deleted"    // store
	ActionView             = "view"                       // server: object_type says what
	ActionDownload         = "download"                   // server
	ActionJobEnqueue       = "job.enqueue"                // store
	ActionJobCancel        = "job.cancel"                 // store
	ActionJobFinish        = "job.finish"                 // store: succeeded, failed, cancelled
	ActionJobRecover       = "job.recover"                // store
	ActionEvaluationCreate = "evaluation.create"          // store
	ActionEvaluationResult = "evaluation.result"          // store: result replaced
	ActionQATick           = "evaluation.qa"              // store
	ActionComment          = "evaluation.comment"         // store
	ActionDecision         = "evaluation.decision"        // store: review sign-off, approval, changes, rejection
	ActionPublish          = "evaluation.publish"         // store
	ActionCohortDigests    = "evaluation.cohort"          // store: the cohort's keyed digests recorded (a count, never a digest)
	ActionPublishRefused   = "evaluation.publish_refused" // store: the differencing guard refused a publication
)
