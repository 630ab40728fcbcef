package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Audit appends e to the audit log and returns it with its id. At must
// be set (the store reads no clock); Detail, if given, must be a JSON
// object and must hold no participant identifiers.
func (s *DB) Audit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	var out AuditEntry
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: audit %s: %w", e.Action, err)
	}
	return out, nil
}

// AuditMany appends entries in one transaction, in order: all or none. The
// server's audit queue uses it to write views and sign-ins in batches, so a
// burst of page views costs one commit (one WAL flush) rather than one each.
func (s *DB) AuditMany(ctx context.Context, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *Tx) error {
		for _, e := range entries {
			if _, err := appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: audit %d entries: %w", len(entries), err)
	}
	return nil
}

// appendAudit writes e in tx: the store's own changes call it in the
// transaction that makes the change.
func appendAudit(ctx context.Context, tx *Tx, e AuditEntry) (AuditEntry, error) {
	if strings.TrimSpace(e.Action) == "" {
		return e, invalid("audit entry: action is empty")
	}
	if e.At.IsZero() {
		return e, invalid("audit entry %s: at is not set", e.Action)
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage(`{}`)
	}
	var obj map[string]any
	if err := json.Unmarshal(e.Detail, &obj); err != nil {
		return e, invalid("audit entry %s: detail is not a JSON object: %v", e.Action, err)
	}
	e.At = at(e.At)
	err := tx.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor_id, action, object_type, object_id, org_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ts(e.At), iopt(e.ActorID), e.Action, e.ObjectType, e.ObjectID, iopt(e.OrgID), string(e.Detail)).Scan(&e.ID)
	return e, err
}

// auditOf builds an entry for a change made by actor (nil: the system)
// on object typ/id of organisation org.
func auditOf(actor *User, action, typ string, id int64, org *int64, now time.Time, detail map[string]any) AuditEntry {
	e := AuditEntry{At: now, Action: action, ObjectType: typ, OrgID: org}
	if id != 0 {
		e.ObjectID = strconv.FormatInt(id, 10)
	}
	if actor != nil {
		a := actor.ID
		e.ActorID = &a
	}
	if detail != nil {
		b, _ := json.Marshal(detail)
		e.Detail = b
	}
	return e
}

// AuditLog returns audit entries within scope (a provider sees its own
// organisation's entries only), newest first.
func (s *DB) AuditLog(ctx context.Context, scope Scope, f AuditFilter) ([]AuditEntry, error) {
	cond, args := scope.where("org_id")
	q := `SELECT id, at, actor_id, action, object_type, object_id, org_id, detail FROM audit_log WHERE ` + cond
	if f.ActorID != nil {
		q += ` AND actor_id = ?`
		args = append(args, *f.ActorID)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.ObjectType != "" {
		q += ` AND object_type = ?`
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		q += ` AND object_id = ?`
		args = append(args, f.ObjectID)
	}
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, ts(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND at < ?`
		args = append(args, ts(f.Until))
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var detail string
		if err := rows.Scan(&e.ID, tcol{&e.At}, inull{&e.ActorID}, &e.Action, &e.ObjectType, &e.ObjectID, inull{&e.OrgID}, &detail); err != nil {
			return nil, fmt.Errorf("store: read audit log: %w", err)
		}
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}
