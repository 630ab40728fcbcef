package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SanitiseFileName reduces a client's file name to a safe display name:
// the last path element, letters, digits, '.', '-' and '_' only (others
// become '_'), no leading dots, at most 100 bytes; "participants.csv" if
// nothing is left. The name is only displayed: files are never written
// under it.
func SanitiseFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	for strings.Contains(out, "__") {
		out = strings.ReplaceAll(out, "__", "_")
	}
	if len(out) > 100 {
		out = out[len(out)-100:]
	}
	if strings.Trim(out, "_.") == "" {
		return "participants.csv"
	}
	return out
}

const submissionColumns = `id, org_id, uploader_id, file_name, size_bytes, sha256, state, checks, created_at, checked_at, file_deleted_at, file_deleted_reason`

func scanSubmission(sc interface{ Scan(...any) error }) (Submission, error) {
	var sub Submission
	var state string
	var checks *string
	err := sc.Scan(&sub.ID, &sub.OrgID, &sub.UploaderID, &sub.FileName, &sub.SizeBytes, &sub.SHA256, &state, &checks,
		tcol{&sub.CreatedAt}, tnull{&sub.CheckedAt}, tnull{&sub.FileDeletedAt}, &sub.FileDeletedReason)
	sub.State = SubmissionState(state)
	if checks != nil {
		sub.Checks = json.RawMessage(*checks)
	}
	return sub, err
}

// CreateSubmission stores an upload of participants.csv for organisation
// n.OrgID by uploader, a provider of that organisation or an admin, and
// audits it (never the content). The bytes are kept apart until
// DeleteSubmissionFile.
func (s *DB) CreateSubmission(ctx context.Context, uploader User, n NewSubmission, now time.Time) (Submission, error) {
	fail := func(err error) (Submission, error) {
		return Submission{}, fmt.Errorf("store: create submission for organisation %d: %w", n.OrgID, err)
	}
	switch {
	case uploader.Disabled:
		return fail(forbidden("user %d is disabled", uploader.ID))
	case uploader.Role == RoleProvider && (uploader.OrgID == nil || *uploader.OrgID != n.OrgID):
		return fail(forbidden("a provider uploads for its own organisation only"))
	case uploader.Role != RoleProvider && uploader.Role != RoleAdmin:
		return fail(forbidden("only a provider (or an admin) uploads submissions; you are %s", uploader.Role))
	case len(n.Content) == 0:
		return fail(invalid("the file is empty: upload participants.csv with a header row and one row per participant"))
	}
	sum := sha256.Sum256(n.Content)
	now = at(now)
	sub := Submission{OrgID: n.OrgID, UploaderID: uploader.ID, FileName: SanitiseFileName(n.FileName), SizeBytes: int64(len(n.Content)),
		SHA256: hex.EncodeToString(sum[:]), State: SubmissionReceived, CreatedAt: now}
	err := s.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO submissions (org_id, uploader_id, file_name, size_bytes, sha256, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, sub.OrgID, sub.UploaderID, sub.FileName, sub.SizeBytes, sub.SHA256, string(sub.State), ts(now)).Scan(&sub.ID)
		if isForeignKeyViolation(err) {
			return invalid("organisation %d or user %d does not exist", n.OrgID, uploader.ID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO submission_files (submission_id, content) VALUES (?, ?)`, sub.ID, n.Content); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(&uploader, ActionUpload, "submission", sub.ID, &sub.OrgID, now,
			map[string]any{"file_name": sub.FileName, "size_bytes": sub.SizeBytes, "sha256": sub.SHA256}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return sub, nil
}

// Submission returns submission id if scope covers its organisation.
func (s *DB) Submission(ctx context.Context, scope Scope, id int64) (Submission, error) {
	cond, args := scope.where("org_id")
	sub, err := scanSubmission(s.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if isNoRows(err) {
		return sub, fmt.Errorf("store: submission %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return sub, fmt.Errorf("store: submission %d: %w", id, err)
	}
	return sub, nil
}

// Submissions lists the submissions in scope, newest first.
func (s *DB) Submissions(ctx context.Context, scope Scope) ([]Submission, error) {
	cond, args := scope.where("org_id")
	rows, err := s.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE `+cond+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list submissions: %w", err)
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list submissions: %w", err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// RecordChecks records the submission checks' outcome and report (a JSON
// value holding no identifiers): received → checked, or → rejected, in
// which case the file is deleted at once (reason "submission checks
// failed").
func (s *DB) RecordChecks(ctx context.Context, id int64, passed bool, report json.RawMessage, now time.Time) (Submission, error) {
	if len(report) > 0 && !json.Valid(report) {
		return Submission{}, fmt.Errorf("store: record checks of submission %d: %w", id, invalid("the report is not valid JSON"))
	}
	now = at(now)
	var sub Submission
	err := s.inTx(ctx, func(tx *Tx) error {
		if err := tx.lockForUpdate(ctx, "submissions", "id = ?", id); err != nil {
			return err
		}
		var err error
		sub, err = scanSubmission(tx.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = ?`, id))
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if sub.State != SubmissionReceived {
			return &StateError{Object: "submission", ID: id, State: string(sub.State), Action: "record checks of", Allowed: []string{string(SubmissionReceived)}}
		}
		sub.State = SubmissionChecked
		if !passed {
			sub.State = SubmissionRejected
		}
		var rep any
		if len(report) > 0 {
			rep = string(report)
			sub.Checks = report
		}
		sub.CheckedAt = &now
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET state = ?, checks = ?, checked_at = ? WHERE id = ?`, string(sub.State), rep, ts(now), id); err != nil {
			return err
		}
		if !passed {
			if err := deleteFile(ctx, tx, &sub, "submission checks failed", now); err != nil {
				return err
			}
		}
		_, err = appendAudit(ctx, tx, auditOf(nil, ActionChecks, "submission", id, &sub.OrgID, now, map[string]any{"passed": passed}))
		return err
	})
	if err != nil {
		return Submission{}, fmt.Errorf("store: record checks of submission %d: %w", id, err)
	}
	return sub, nil
}

// SubmissionFile returns the uploaded bytes of submission id, for the
// linkage job; ErrFileDeleted once they are deleted.
func (s *DB) SubmissionFile(ctx context.Context, scope Scope, id int64) ([]byte, error) {
	sub, err := s.Submission(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	if sub.FileDeletedAt != nil {
		return nil, fmt.Errorf("store: submission %d: %w at %s (%s)", id, ErrFileDeleted, sub.FileDeletedAt.Format(time.RFC3339), sub.FileDeletedReason)
	}
	var b []byte
	err = s.QueryRowContext(ctx, `SELECT content FROM submission_files WHERE submission_id = ?`, id).Scan(&b)
	if isNoRows(err) {
		return nil, fmt.Errorf("store: submission %d: %w", id, ErrFileDeleted)
	}
	if err != nil {
		return nil, fmt.Errorf("store: submission %d file: %w", id, err)
	}
	return b, nil
}

// DeleteSubmissionFile deletes submission id's uploaded bytes — call it
// when linkage finishes, or the job fails for good — and records when
// and why. Deleting again is a no-op.
func (s *DB) DeleteSubmissionFile(ctx context.Context, id int64, reason string, now time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("store: delete file of submission %d: %w", id, invalid("give the reason, e.g. \"linkage finished\""))
	}
	now = at(now)
	err := s.inTx(ctx, func(tx *Tx) error {
		if err := tx.lockForUpdate(ctx, "submissions", "id = ?", id); err != nil {
			return err
		}
		sub, err := scanSubmission(tx.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = ?`, id))
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if sub.FileDeletedAt != nil {
			return nil
		}
		return deleteFile(ctx, tx, &sub, reason, now)
	})
	if err != nil {
		return fmt.Errorf("store: delete file of submission %d: %w", id, err)
	}
	return nil
}

func deleteFile(ctx context.Context, tx *Tx, sub *Submission, reason string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM submission_files WHERE submission_id = ?`, sub.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE submissions SET file_deleted_at = ?, file_deleted_reason = ? WHERE id = ?`, ts(now), reason, sub.ID); err != nil {
		return err
	}
	sub.FileDeletedAt, sub.FileDeletedReason = &now, reason
	_, err := appendAudit(ctx, tx, auditOf(nil, ActionFileDelete, "submission", sub.ID, &sub.OrgID, now, map[string]any{"reason": reason}))
	return err
}
