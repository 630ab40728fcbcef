package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/store"
)

// userInput is a new account, from the admin form or the API. The
// password, if given, is hashed by the store; an account without one can
// use only API tokens until a password is set.
type userInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	OrgID    *int64 `json:"org_id,omitempty"`
	Password string `json:"password,omitempty"`
}

func (s *Server) createUser(r *http.Request, a *actor, in userInput) (store.User, error) {
	role, err := store.ParseRole(strings.TrimSpace(in.Role))
	if err != nil {
		return store.User{}, fieldError("role", "choose a role: provider, analyst, publisher or admin")
	}
	if !strings.Contains(in.Email, "@") {
		return store.User{}, fieldError("email", "enter an email address such as name@example.org")
	}
	if role == store.RoleProvider && in.OrgID == nil {
		return store.User{}, fieldError("org", "a provider account needs an organisation")
	}
	return s.store.CreateUser(r.Context(), a.userPtr(), store.NewUser{
		Email: strings.TrimSpace(in.Email), Name: strings.TrimSpace(in.Name), Role: role, OrgID: in.OrgID, Password: in.Password,
	}, s.now())
}

type roleInput struct {
	Role  string `json:"role"`
	OrgID *int64 `json:"org_id,omitempty"`
}

func (s *Server) setRole(r *http.Request, a *actor, id int64, in roleInput) (store.User, error) {
	role, err := store.ParseRole(strings.TrimSpace(in.Role))
	if err != nil {
		return store.User{}, fieldError("role", "choose a role: provider, analyst, publisher or admin")
	}
	u, err := s.store.SetRole(r.Context(), a.User, id, role, in.OrgID, s.now())
	return u, notFound(err, "user")
}

func formOrg(v string) *int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	return &id
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderUsers(w, r, a, nil, userInput{})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, a *actor, ferr *Error, form userInput) error {
	users, err := s.store.Users(r.Context(), a.scope())
	if err != nil {
		return err
	}
	orgs, err := s.store.Organisations(r.Context(), a.scope())
	if err != nil {
		return err
	}
	p := s.newPage(r, a, "Users")
	code := http.StatusOK
	if ferr != nil {
		p.Errors = []formError{{Field: ferr.Field, Text: ferr.Message}}
		code = status(ferr.Kind)
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	p.Data = struct {
		Users    []store.User
		Orgs     []store.Organisation
		OrgNames map[int64]string
		Roles    []store.Role
		Form     userInput
	}{users, orgs, names, store.Roles(), form}
	return s.render(w, code, "users", p)
}

func (s *Server) userCreatePost(w http.ResponseWriter, r *http.Request, a *actor) error {
	in := userInput{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		OrgID: formOrg(r.PostFormValue("org")), Password: r.PostFormValue("password")}
	if _, err := s.createUser(r, a, in); err != nil {
		e := asError(err)
		if e.Kind == KindInternal {
			return err
		}
		in.Password = ""
		return s.renderUsers(w, r, a, e, in)
	}
	http.Redirect(w, r, "/admin/users?done=user", http.StatusSeeOther)
	return nil
}

func (s *Server) userRolePost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if _, err := s.setRole(r, a, id, roleInput{Role: r.PostFormValue("role"), OrgID: formOrg(r.PostFormValue("org"))}); err != nil {
		e := asError(err)
		if e.Kind == KindInternal || e.Kind == KindNotFound {
			return err
		}
		return s.renderUsers(w, r, a, e, userInput{})
	}
	http.Redirect(w, r, "/admin/users?done=user", http.StatusSeeOther)
	return nil
}

// accessInput disables or re-enables a user.
type accessInput struct {
	Disabled *bool `json:"disabled"`
}

// setAccess disables user id (the store ends their sessions, and their API
// tokens stop working) or enables them again. An admin cannot disable
// themself (the store refuses).
func (s *Server) setAccess(r *http.Request, a *actor, id int64, in accessInput) (store.User, error) {
	if in.Disabled == nil {
		return store.User{}, fieldError("disabled", "say whether the user is disabled: true or false")
	}
	u, err := s.store.SetDisabled(r.Context(), a.User, id, *in.Disabled, s.now())
	return u, notFound(err, "user")
}

func (s *Server) userAccessPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in accessInput
	switch r.PostFormValue("disabled") {
	case "true":
		in.Disabled = new(bool)
		*in.Disabled = true
	case "false":
		in.Disabled = new(bool)
	}
	if _, err := s.setAccess(r, a, id, in); err != nil {
		e := asError(err)
		if e.Kind == KindInternal || e.Kind == KindNotFound {
			return err
		}
		return s.renderUsers(w, r, a, e, userInput{})
	}
	http.Redirect(w, r, "/admin/users?done=user", http.StatusSeeOther)
	return nil
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderOrgs(w, r, a, nil)
}

func (s *Server) renderOrgs(w http.ResponseWriter, r *http.Request, a *actor, ferr *Error) error {
	orgs, err := s.store.Organisations(r.Context(), a.scope())
	if err != nil {
		return err
	}
	p := s.newPage(r, a, "Organisations")
	code := http.StatusOK
	if ferr != nil {
		p.Errors = []formError{{Field: "name", Text: ferr.Message}}
		code = status(ferr.Kind)
	}
	p.Data = orgs
	return s.render(w, code, "organisations", p)
}

func (s *Server) orgCreatePost(w http.ResponseWriter, r *http.Request, a *actor) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		return s.renderOrgs(w, r, a, fieldError("name", "enter the organisation's name"))
	}
	if _, err := s.store.CreateOrganisation(r.Context(), a.userPtr(), name, s.now()); err != nil {
		e := asError(err)
		if e.Kind == KindInternal {
			return err
		}
		return s.renderOrgs(w, r, a, e)
	}
	http.Redirect(w, r, "/admin/organisations?done=org", http.StatusSeeOther)
	return nil
}

// auditRow is an audit entry with the actor's email for display.
type auditRow struct {
	store.AuditEntry
	Actor string
}

func (s *Server) auditRows(r *http.Request, a *actor, limit int) ([]auditRow, error) {
	f := store.AuditFilter{Limit: limit}
	if v := r.URL.Query().Get("before"); v != "" {
		f.BeforeID, _ = strconv.ParseInt(v, 10, 64)
	}
	f.Action = r.URL.Query().Get("action")
	es, err := s.store.AuditLog(r.Context(), a.scope(), f)
	if err != nil {
		return nil, err
	}
	emails := map[int64]string{}
	rows := make([]auditRow, len(es))
	for i, e := range es {
		rows[i] = auditRow{AuditEntry: e, Actor: "system"}
		if e.ActorID != nil {
			em, ok := emails[*e.ActorID]
			if !ok {
				em = "user " + itoa(*e.ActorID)
				if u, err := s.store.User(r.Context(), *e.ActorID); err == nil {
					em = u.Email
				}
				emails[*e.ActorID] = em
			}
			rows[i].Actor = em
		}
	}
	return rows, nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	rows, err := s.auditRows(r, a, 200)
	if err != nil {
		return err
	}
	p := s.newPage(r, a, "Audit log")
	var next int64
	if len(rows) == 200 {
		next = rows[len(rows)-1].ID
	}
	p.Data = struct {
		Rows   []auditRow
		Before int64
	}{rows, next}
	return s.render(w, http.StatusOK, "audit", p)
}

func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, a *actor) error {
	rows, err := s.auditRows(r, a, 10000)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionDownload, "audit_log", "", map[string]any{"rows": len(rows)})
	out := make([][]string, len(rows))
	for i, e := range rows {
		out[i] = []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02T15:04:05Z"), escapeCell(e.Actor),
			escapeCell(e.Action), escapeCell(e.ObjectType), escapeCell(e.ObjectID), escapeCell(string(e.Detail))}
	}
	return writeCSV(w, "audit-log.csv", []string{"id", "at", "actor", "action", "object_type", "object_id", "detail"}, out)
}
