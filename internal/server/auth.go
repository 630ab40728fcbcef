package server

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// actor is who is making a request: a signed-in user (by session cookie or
// API token). Handlers receive nil for an anonymous visitor.
type actor struct {
	store.User
	csrf     string // the session's synchroniser token ("" for API tokens)
	viaToken bool
}

// scope is the organisation scope of every read the actor makes
// (providers: their own organisation; staff: all).
func (a *actor) scope() store.Scope {
	if a == nil {
		return store.Scope{}
	}
	return store.ScopeOf(a.User)
}

func (a *actor) is(roles ...store.Role) bool { return a != nil && slices.Contains(roles, a.Role) }

func (a *actor) userPtr() *store.User {
	if a == nil {
		return nil
	}
	u := a.User
	return &u
}

func (s *Server) cookieName(base string) string {
	if s.cfg.TLS {
		return "__Host-" + base
	}
	return base
}

const (
	sessionCookie = "datalab_session"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
)

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(name),
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge.Seconds()),
		Secure:   s.cfg.SecureCookies || s.cfg.TLS,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	s.setCookie(w, name, "", -time.Second)
}

// csrfToken is a session's synchroniser token: its CSRF secret, encoded.
func csrfToken(sess store.Session) string {
	return base64.RawURLEncoding.EncodeToString(sess.CSRFSecret)
}

// resolve finds the acting user: a bearer API token first, else the
// session cookie. An invalid token is an error (a script should hear its
// token is wrong); a missing or stale cookie is an anonymous visitor.
func (s *Server) resolve(r *http.Request) (*actor, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return nil, errorf(KindUnauthorised, "the Authorization header must be \"Bearer <API token>\"")
		}
		_, u, err := s.store.APITokenUser(r.Context(), tok, s.now())
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBadCredentials) || (err == nil && u.Disabled) {
			return nil, errorf(KindUnauthorised, "the API token is not valid (expired, revoked or mistyped); create a new one on the API tokens page")
		}
		if err != nil {
			return nil, err
		}
		return &actor{User: u, viaToken: true}, nil
	}
	c, err := r.Cookie(s.cookieName(sessionCookie))
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, u, err := s.store.SessionByToken(r.Context(), c.Value, s.now())
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBadCredentials) || (err == nil && u.Disabled) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &actor{User: u, csrf: csrfToken(sess)}, nil
}

// checkCSRF enforces the synchroniser token on a state-changing request
// made with a session cookie: the form field csrf_token or the
// X-CSRF-Token header must equal the session's token. A request
// authenticated by an API token carries no ambient credential (the
// browser never adds an Authorization header by itself), so needs none.
// An anonymous POST (sign-in) is checked by the caller.
func checkCSRF(a *actor, r *http.Request, formValue string) error {
	if a == nil || a.viaToken {
		return nil
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = formValue
	}
	if got == "" || a.csrf == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.csrf)) != 1 {
		return errorf(KindForbidden, "the form has expired or did not come from this service (CSRF check failed); go back, reload the page and try again")
	}
	return nil
}

// sameOrigin guards the sign-in form, which has no session to carry a
// token yet (login CSRF): a browser's POST must come from this site, by
// the Origin header, or Sec-Fetch-Site when Origin is absent. Scripts send
// neither and are allowed (they gain nothing: they hold the password).
func sameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://") == r.Host {
			return nil
		}
		return errorf(KindForbidden, "the sign-in form did not come from this service (CSRF check failed); open the sign-in page and try again")
	}
	if sf := r.Header.Get("Sec-Fetch-Site"); sf != "" && sf != "same-origin" && sf != "none" {
		return errorf(KindForbidden, "the sign-in form did not come from this service (CSRF check failed); open the sign-in page and try again")
	}
	return nil
}

// clientIP is the peer address (X-Forwarded-For is not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// signIn checks an email and password against the rate limits and the
// store, and on success starts a session and sets its cookie.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, email, password string) (*actor, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, fieldError("email", "enter your email address")
	}
	if password == "" {
		return nil, fieldError("password", "enter your password")
	}
	ip := clientIP(r)
	if ok, wait := s.loginIP.allow(ip); !ok {
		return nil, tooMany(wait)
	}
	if ok, wait := s.loginUser.allow(email); !ok {
		return nil, tooMany(wait)
	}
	u, err := s.store.Authenticate(r.Context(), email, password, s.now())
	attempt := store.LoginAttempt{Email: email, Remote: ip, OK: err == nil, At: s.now()}
	if rerr := s.store.RecordLoginAttempt(r.Context(), attempt); rerr != nil {
		s.log.Error("recording a login attempt", "err", rerr)
	}
	if errors.Is(err, store.ErrBadCredentials) || errors.Is(err, store.ErrNotFound) {
		s.audit(r, nil, store.ActionLoginFailed, "user", "", map[string]any{"email_domain": domainOf(email)})
		return nil, fieldError("email", "the email address or password is not right")
	}
	if err != nil {
		return nil, err
	}
	tok, sess, err := s.store.CreateSession(r.Context(), u.ID, s.now(), s.cfg.SessionTTL)
	if err != nil {
		return nil, err
	}
	s.setCookie(w, sessionCookie, tok, s.cfg.SessionTTL)
	a := &actor{User: u, csrf: csrfToken(sess)}
	s.audit(r, a, store.ActionLogin, "user", itoa(u.ID), nil)
	return a, nil
}

// domainOf is the part of an email after @: enough to see an attack's
// shape in the audit log without recording a mistyped address.
func domainOf(email string) string {
	if _, d, ok := strings.Cut(email, "@"); ok {
		return d
	}
	return ""
}

func tooMany(wait time.Duration) *Error {
	secs := int64(wait.Seconds()) + 1
	return &Error{Kind: KindTooMany, Field: "email", Message: "too many sign-in attempts; wait " + itoa(secs) + " seconds and try again"}
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, a *actor) error {
	if c, err := r.Cookie(s.cookieName(sessionCookie)); err == nil {
		if err := s.store.DeleteSession(r.Context(), c.Value); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	s.clearCookie(w, sessionCookie)
	s.audit(r, a, store.ActionLogout, "user", itoa(a.ID), nil)
	return nil
}

// audit appends a row to the audit log for what the server itself sees
// (sign-ins, views, downloads); the store audits the changes it makes. A
// failure to write is logged loudly.
func (s *Server) audit(r *http.Request, a *actor, action, objectType, objectID string, detail map[string]any) {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["ip"] = clientIP(r)
	if a != nil && a.viaToken {
		detail["via"] = "api_token"
	}
	b, _ := json.Marshal(detail)
	e := store.AuditEntry{At: s.now(), Action: action, ObjectType: objectType, ObjectID: objectID, Detail: b}
	if a != nil {
		id := a.ID
		e.ActorID = &id
		e.OrgID = a.OrgID
	}
	if s.auditQ != nil {
		s.auditQ.add(e)
		return
	}
	if _, err := s.store.Audit(r.Context(), e); err != nil {
		s.log.Error("audit log write failed", "action", action, "object", objectType+"/"+objectID, "err", err)
	}
}
