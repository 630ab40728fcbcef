package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// CreateOrganisation records a provider organisation. actor must be an
// admin (nil: the system, e.g. the command line).
func (s *DB) CreateOrganisation(ctx context.Context, actor *User, name string, now time.Time) (Organisation, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Organisation{}, fmt.Errorf("store: create organisation: %w", invalid("name %q: give 1–200 characters", name))
	}
	if actor != nil && actor.Role != RoleAdmin {
		return Organisation{}, fmt.Errorf("store: create organisation: %w", forbidden("only an admin creates organisations (you are %s)", actor.Role))
	}
	o := Organisation{Name: name, CreatedAt: at(now)}
	err := s.inTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO organisations (name, created_at) VALUES (?, ?) RETURNING id`, name, ts(o.CreatedAt)).Scan(&o.ID); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("%w: an organisation named %q exists", ErrConflict, name)
			}
			return err
		}
		_, err := appendAudit(ctx, tx, auditOf(actor, ActionOrgCreate, "organisation", o.ID, &o.ID, o.CreatedAt, map[string]any{"name": name}))
		return err
	})
	if err != nil {
		return Organisation{}, fmt.Errorf("store: create organisation %q: %w", name, err)
	}
	return o, nil
}

// Organisation returns organisation id if scope covers it.
func (s *DB) Organisation(ctx context.Context, scope Scope, id int64) (Organisation, error) {
	if !scope.sees(id) {
		return Organisation{}, fmt.Errorf("store: organisation %d: %w", id, ErrNotFound)
	}
	var o Organisation
	err := s.QueryRowContext(ctx, `SELECT id, name, created_at FROM organisations WHERE id = ?`, id).Scan(&o.ID, &o.Name, tcol{&o.CreatedAt})
	if isNoRows(err) {
		return o, fmt.Errorf("store: organisation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("store: organisation %d: %w", id, err)
	}
	return o, nil
}

// Organisations lists the organisations scope covers, by name.
func (s *DB) Organisations(ctx context.Context, scope Scope) ([]Organisation, error) {
	cond, args := scope.where("id")
	rows, err := s.QueryContext(ctx, `SELECT id, name, created_at FROM organisations WHERE `+cond+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list organisations: %w", err)
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		var o Organisation
		if err := rows.Scan(&o.ID, &o.Name, tcol{&o.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list organisations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// NormaliseEmail is the form emails are stored and looked up in.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func checkEmail(email string) error {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(email, " \t\r\n<>,;\"") || len(email) > 254 {
		return invalid("email %q: give an address like name@example.org", email)
	}
	return nil
}

func checkRoleOrg(role Role, org *int64) error {
	if !role.Valid() {
		return invalid("role %q: use provider, analyst, publisher or admin", role)
	}
	if role == RoleProvider && org == nil {
		return invalid("a provider must belong to an organisation: give its organisation id")
	}
	return nil
}

const userColumns = `id, email, name, role, org_id, disabled, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var role string
	dst := append([]any{&u.ID, &u.Email, &u.Name, &role, inull{&u.OrgID}, &u.Disabled, tcol{&u.CreatedAt}, tcol{&u.UpdatedAt}}, extra...)
	err := sc.Scan(dst...)
	u.Role = Role(role)
	return u, err
}

// CreateUser adds a user. actor must be an admin; nil is the system
// (the command line that creates the first admin).
func (s *DB) CreateUser(ctx context.Context, actor *User, n NewUser, now time.Time) (User, error) {
	email := NormaliseEmail(n.Email)
	fail := func(err error) (User, error) { return User{}, fmt.Errorf("store: create user %s: %w", email, err) }
	if actor != nil && actor.Role != RoleAdmin {
		return fail(forbidden("only an admin adds users (you are %s)", actor.Role))
	}
	if err := checkEmail(email); err != nil {
		return fail(err)
	}
	if err := checkRoleOrg(n.Role, n.OrgID); err != nil {
		return fail(err)
	}
	hash := ""
	if n.Password != "" {
		if err := CheckPassword(n.Password); err != nil {
			return fail(err)
		}
		var err error
		if hash, err = HashPassword(n.Password, s.pw, s.random); err != nil {
			return fail(err)
		}
	}
	now = at(now)
	u := User{Email: email, Name: strings.TrimSpace(n.Name), Role: n.Role, OrgID: n.OrgID, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, org_id, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.Email, u.Name, string(u.Role), iopt(u.OrgID), hash, false, ts(now), ts(now)).Scan(&u.ID)
		switch {
		case isUniqueViolation(err):
			return fmt.Errorf("%w: a user with this email exists", ErrConflict)
		case isForeignKeyViolation(err):
			return invalid("organisation %d does not exist", *u.OrgID)
		case err != nil:
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(actor, ActionUserCreate, "user", u.ID, u.OrgID, now, map[string]any{"email": u.Email, "role": u.Role}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return u, nil
}

// User returns user id. Users are not organisation-scoped rows: the
// server needs them to authenticate.
func (s *DB) User(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if isNoRows(err) {
		return u, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with this email (case-insensitive).
func (s *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, NormaliseEmail(email)))
	if isNoRows(err) {
		return u, fmt.Errorf("store: user %s: %w", NormaliseEmail(email), ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: user %s: %w", NormaliseEmail(email), err)
	}
	return u, nil
}

// Users lists users in scope (a provider scope: that organisation's
// users), by email.
func (s *DB) Users(ctx context.Context, scope Scope) ([]User, error) {
	cond, args := scope.where("org_id")
	rows, err := s.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+cond+` ORDER BY email`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetRole changes user userID's role and organisation. Only an admin may,
// and not for themself (so the last admin cannot demote themself by
// mistake). The change is audited with the old and new role.
func (s *DB) SetRole(ctx context.Context, actor User, userID int64, role Role, orgID *int64, now time.Time) (User, error) {
	fail := func(err error) (User, error) {
		return User{}, fmt.Errorf("store: set role of user %d: %w", userID, err)
	}
	if actor.Role != RoleAdmin || actor.Disabled {
		return fail(forbidden("only an admin changes roles (you are %s)", actor.Role))
	}
	if actor.ID == userID {
		return fail(forbidden("an admin cannot change their own role: ask another admin"))
	}
	if err := checkRoleOrg(role, orgID); err != nil {
		return fail(err)
	}
	now = at(now)
	var u User
	err := s.inTx(ctx, func(tx *Tx) error {
		if err := tx.lockForUpdate(ctx, "users", "id = ?", userID); err != nil {
			return err
		}
		old, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, userID))
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET role = ?, org_id = ?, updated_at = ? WHERE id = ?`, string(role), iopt(orgID), ts(now), userID)
		if isForeignKeyViolation(err) {
			return invalid("organisation %d does not exist", *orgID)
		}
		if err != nil {
			return err
		}
		u = old
		u.Role, u.OrgID, u.UpdatedAt = role, orgID, now
		detail := map[string]any{"from": old.Role, "to": role, "from_org_id": old.OrgID, "to_org_id": orgID}
		_, err = appendAudit(ctx, tx, auditOf(&actor, ActionRoleChange, "user", userID, orgID, now, detail))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return u, nil
}

// SetPassword sets user userID's password and ends all their sessions.
// actor is the user themself or an admin (nil: the system). The server
// checks the old password before a user changes their own.
func (s *DB) SetPassword(ctx context.Context, actor *User, userID int64, password string, now time.Time) error {
	fail := func(err error) error { return fmt.Errorf("store: set password of user %d: %w", userID, err) }
	if actor != nil && actor.ID != userID && actor.Role != RoleAdmin {
		return fail(forbidden("only the user or an admin sets a password"))
	}
	if err := CheckPassword(password); err != nil {
		return fail(err)
	}
	hash, err := HashPassword(password, s.pw, s.random)
	if err != nil {
		return fail(err)
	}
	now = at(now)
	err = s.inTx(ctx, func(tx *Tx) error {
		var org *int64
		err := tx.QueryRowContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? RETURNING org_id`, hash, ts(now), userID).Scan(inull{&org})
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(actor, ActionPasswordChange, "user", userID, org, now, nil))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// SetDisabled disables (ending their sessions) or re-enables user
// userID. Only an admin may, and not for themself.
func (s *DB) SetDisabled(ctx context.Context, actor User, userID int64, disabled bool, now time.Time) (User, error) {
	fail := func(err error) (User, error) { return User{}, fmt.Errorf("store: disable user %d: %w", userID, err) }
	if actor.Role != RoleAdmin || actor.Disabled {
		return fail(forbidden("only an admin disables or enables users (you are %s)", actor.Role))
	}
	if actor.ID == userID {
		return fail(forbidden("an admin cannot disable themself"))
	}
	now = at(now)
	var u User
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ? RETURNING `+userColumns, disabled, ts(now), userID))
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		action := ActionUserEnable
		if disabled {
			action = ActionUserDisable
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
				return err
			}
		}
		_, err = appendAudit(ctx, tx, auditOf(&actor, action, "user", userID, u.OrgID, now, nil))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return u, nil
}

// Authenticate returns the user whose email and password these are. An
// unknown email, a wrong password, a user without a password and a
// disabled user all get ErrBadCredentials, after the same hashing work.
// It records nothing: the server records the attempt
// (RecordLoginAttempt) and audits the login.
func (s *DB) Authenticate(ctx context.Context, email, password string, now time.Time) (User, error) {
	if len(password) > maxPasswordBytes {
		return User{}, fmt.Errorf("store: authenticate: %w", ErrBadCredentials)
	}
	var hash string
	u, err := scanUser(s.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = ?`, NormaliseEmail(email)), &hash)
	if err != nil && !isNoRows(err) {
		return User{}, fmt.Errorf("store: authenticate: %w", err)
	}
	if err != nil || hash == "" {
		// Spend the time a real check would, so timing does not say
		// whether the email is known.
		argon2.IDKey([]byte(password), make([]byte, saltLen), s.pw.Time, s.pw.MemoryKiB, s.pw.Threads, keyLen)
		return User{}, fmt.Errorf("store: authenticate: %w", ErrBadCredentials)
	}
	ok, err := VerifyPassword(password, hash)
	if err != nil {
		return User{}, fmt.Errorf("store: authenticate user %d: %w", u.ID, err)
	}
	if !ok || u.Disabled {
		return User{}, fmt.Errorf("store: authenticate: %w", ErrBadCredentials)
	}
	return u, nil
}
