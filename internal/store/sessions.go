package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// APITokenPrefix starts every API token, so a leaked one is recognisable
// (and secret scanners can be taught it).
const APITokenPrefix = "dlt_"

// secret draws n random bytes.
func (s *DB) secret(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.random, b); err != nil {
		return nil, fmt.Errorf("random source: %w", err)
	}
	return b, nil
}

// tokenHash is what is stored for a token: its SHA-256, hex.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateSession starts a session of user userID lasting ttl and returns
// its token (32 random bytes, base64url) — shown only now; the store
// keeps its SHA-256 — and the session with its CSRF secret.
func (s *DB) CreateSession(ctx context.Context, userID int64, now time.Time, ttl time.Duration) (string, Session, error) {
	if ttl <= 0 {
		return "", Session{}, fmt.Errorf("store: create session: %w", invalid("lifetime %s: give a positive duration", ttl))
	}
	raw, err := s.secret(32)
	if err != nil {
		return "", Session{}, fmt.Errorf("store: create session: %w", err)
	}
	csrf, err := s.secret(32)
	if err != nil {
		return "", Session{}, fmt.Errorf("store: create session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now = at(now)
	ses := Session{UserID: userID, CSRFSecret: csrf, CreatedAt: now, ExpiresAt: at(now.Add(ttl))}
	err = s.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_secret, created_at, expires_at)
		SELECT ?, id, ?, ?, ? FROM users WHERE id = ? AND NOT disabled RETURNING id`,
		tokenHash(token), csrf, ts(ses.CreatedAt), ts(ses.ExpiresAt), userID).Scan(&ses.ID)
	if isNoRows(err) {
		return "", Session{}, fmt.Errorf("store: create session: user %d: %w (or disabled)", userID, ErrNotFound)
	}
	if err != nil {
		return "", Session{}, fmt.Errorf("store: create session for user %d: %w", userID, err)
	}
	return token, ses, nil
}

// SessionByToken returns the unexpired session with this token and its
// (enabled) user; anything else is ErrNotFound.
func (s *DB) SessionByToken(ctx context.Context, token string, now time.Time) (Session, User, error) {
	var ses Session
	u, err := scanUser(s.QueryRowContext(ctx, `SELECT `+prefixed("u.", userColumns)+`, s.id, s.csrf_secret, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND NOT u.disabled`, tokenHash(token), ts(now)),
		&ses.ID, &ses.CSRFSecret, tcol{&ses.CreatedAt}, tcol{&ses.ExpiresAt})
	if isNoRows(err) {
		return Session{}, User{}, fmt.Errorf("store: session: %w (unknown, expired or the user is disabled): sign in again", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("store: session: %w", err)
	}
	ses.UserID = u.ID
	return ses, u, nil
}

// DeleteSession ends the session with this token (signing out); an
// unknown token is not an error.
func (s *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of user userID.
func (s *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions expired by now, and login
// attempts older than a day, and says how many sessions went.
func (s *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, ts(now))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	if _, err := s.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, ts(now.Add(-24*time.Hour))); err != nil {
		return 0, fmt.Errorf("store: delete old login attempts: %w", err)
	}
	return res.RowsAffected()
}

const apiTokenColumns = `id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at`

func scanAPIToken(sc interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	err := sc.Scan(append([]any{&t.ID, &t.UserID, &t.Name, &t.Prefix, tcol{&t.CreatedAt}, tnull{&t.ExpiresAt}, tnull{&t.LastUsedAt}, tnull{&t.RevokedAt}}, extra...)...)
	return t, err
}

// CreateAPIToken issues a named API token for owner, expiring at expires
// (nil: never), and returns its secret ("dlt_" and 43 base64url
// characters) — shown only now; the store keeps its SHA-256.
func (s *DB) CreateAPIToken(ctx context.Context, owner User, name string, now time.Time, expires *time.Time) (string, APIToken, error) {
	name = strings.TrimSpace(name)
	fail := func(err error) (string, APIToken, error) {
		return "", APIToken{}, fmt.Errorf("store: create API token %q for user %d: %w", name, owner.ID, err)
	}
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return fail(invalid("name: give 1–100 characters saying what the token is for"))
	}
	if owner.Disabled {
		return fail(forbidden("the user is disabled"))
	}
	now = at(now)
	if expires != nil && !expires.After(now) {
		return fail(invalid("expiry %s is not in the future", expires.Format(time.RFC3339)))
	}
	raw, err := s.secret(32)
	if err != nil {
		return fail(err)
	}
	secret := APITokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := APIToken{UserID: owner.ID, Name: name, Prefix: secret[:len(APITokenPrefix)+6], CreatedAt: now}
	if expires != nil {
		e := at(*expires)
		t.ExpiresAt = &e
	}
	err = s.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			t.UserID, t.Name, t.Prefix, tokenHash(secret), ts(now), tsOpt(t.ExpiresAt)).Scan(&t.ID)
		if isForeignKeyViolation(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(&owner, ActionTokenCreate, "api_token", t.ID, owner.OrgID, now, map[string]any{"name": name, "prefix": t.Prefix}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return secret, t, nil
}

// APITokenUser returns the live token with this secret and its (enabled)
// user, and records its use; a revoked, expired or unknown token is
// ErrNotFound.
func (s *DB) APITokenUser(ctx context.Context, secret string, now time.Time) (APIToken, User, error) {
	if !strings.HasPrefix(secret, APITokenPrefix) {
		return APIToken{}, User{}, fmt.Errorf("store: API token: %w", ErrNotFound)
	}
	var u User
	var role string
	t, err := scanAPIToken(s.QueryRowContext(ctx, `SELECT `+prefixed("t.", apiTokenColumns)+`, `+prefixed("u.", userColumns)+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND NOT u.disabled`, tokenHash(secret), ts(now)),
		&u.ID, &u.Email, &u.Name, &role, inull{&u.OrgID}, &u.Disabled, tcol{&u.CreatedAt}, tcol{&u.UpdatedAt})
	if isNoRows(err) {
		return APIToken{}, User{}, fmt.Errorf("store: API token: %w (unknown, revoked or expired, or the user is disabled)", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, User{}, fmt.Errorf("store: API token: %w", err)
	}
	u.Role = Role(role)
	now = at(now)
	if _, err := s.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ts(now), t.ID); err != nil {
		return APIToken{}, User{}, fmt.Errorf("store: API token %d: record use: %w", t.ID, err)
	}
	t.LastUsedAt = &now
	return t, u, nil
}

// APITokens lists user userID's tokens, newest first, revoked ones too.
func (s *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list API tokens of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list API tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes token tokenID. actor is its owner or an admin;
// anyone else gets ErrNotFound.
func (s *DB) RevokeAPIToken(ctx context.Context, actor User, tokenID int64, now time.Time) error {
	now = at(now)
	err := s.inTx(ctx, func(tx *Tx) error {
		var owner int64
		var revoked *time.Time
		err := tx.QueryRowContext(ctx, `SELECT user_id, revoked_at FROM api_tokens WHERE id = ?`, tokenID).Scan(&owner, tnull{&revoked})
		if isNoRows(err) || (err == nil && owner != actor.ID && actor.Role != RoleAdmin) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if revoked != nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(now), tokenID); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(&actor, ActionTokenRevoke, "api_token", tokenID, actor.OrgID, now, map[string]any{"owner_id": owner}))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: revoke API token %d: %w", tokenID, err)
	}
	return nil
}

// RecordLoginAttempt keeps a login attempt for rate limiting.
func (s *DB) RecordLoginAttempt(ctx context.Context, a LoginAttempt) error {
	if a.At.IsZero() {
		return fmt.Errorf("store: record login attempt: %w", invalid("at is not set"))
	}
	if _, err := s.ExecContext(ctx, `INSERT INTO login_attempts (email, remote, ok, at) VALUES (?, ?, ?, ?)`,
		NormaliseEmail(a.Email), a.Remote, a.OK, ts(a.At)); err != nil {
		return fmt.Errorf("store: record login attempt: %w", err)
	}
	return nil
}

// FailedLogins counts failed logins since since: for email, only those
// after its last successful login; for remote, all of them. The server
// refuses further attempts above its thresholds.
func (s *DB) FailedLogins(ctx context.Context, email, remote string, since time.Time) (byEmail, byRemote int, err error) {
	email = NormaliseEmail(email)
	err = s.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_attempts WHERE email = ? AND NOT ok AND at >= ?
			AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE email = ? AND ok), '')),
		(SELECT COUNT(*) FROM login_attempts WHERE remote = ? AND NOT ok AND at >= ?)`,
		email, ts(since), email, remote, ts(since)).Scan(&byEmail, &byRemote)
	if err != nil {
		return 0, 0, fmt.Errorf("store: count failed logins: %w", err)
	}
	return byEmail, byRemote, nil
}

func prefixed(p, cols string) string { return evPrefixed(p, cols) }
