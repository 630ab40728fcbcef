package server

import (
	"cmp"
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// The randomisation service over the JSON API: the same store methods
// datalab trial create|enrol|export|verify call (store.CreateTrial, Enrol,
// Allocations, VerifyTrial), with the request parsed here and nothing
// else. Trials are run by the lab: analysts and admins use them; a
// provider is answered 404 on every trial route, as for any object it
// cannot see, so it cannot learn which trials exist; a publisher is
// refused by role (403), like any other staff route it may not use.

// Audit actions the server writes for trials (the store's trial methods
// write no audit rows). An export is a store.ActionDownload of the
// trial's allocation log.
const (
	ActionTrialCreate = "trial.create"
	ActionTrialEnrol  = "trial.enrol"
)

// trialCallers pass the role check; trialStaff may use the service.
var (
	trialCallers = []store.Role{store.RoleProvider, store.RoleAnalyst, store.RoleAdmin}
	trialStaff   = []store.Role{store.RoleAnalyst, store.RoleAdmin}
)

func (s *Server) registerTrialRoutes() {
	s.api("POST", "/api/v1/trials", trialCallers, trialsOnly(s.apiTrialCreate))
	s.api("GET", "/api/v1/trials/{trial}", trialCallers, trialsOnly(s.apiTrial))
	s.api("POST", "/api/v1/trials/{trial}/enrolments", trialCallers, trialsOnly(s.apiTrialEnrol))
	s.api("GET", "/api/v1/trials/{trial}/allocations", trialCallers, trialsOnly(s.apiTrialAllocations))
	s.api("GET", "/api/v1/trials/{trial}/verify", trialCallers, trialsOnly(s.apiTrialVerify))
}

// trialsOnly answers 404 to anyone but trial staff.
func trialsOnly(h apiFunc) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, a *actor) error {
		if !a.is(trialStaff...) {
			return errNotFound("trial")
		}
		return h(w, r, a)
	}
}

// trialCreateBody mirrors datalab trial create's flags: arms default to
// control and treatment, the ratio to 1 per arm, block sizes to 2 and 3
// times the ratio's total. Factors may be given as objects or, as on the
// command line, as "factor=level,level" strings (stratify).
type trialCreateBody struct {
	ID         string             `json:"id"`
	Title      string             `json:"title"`
	Arms       []string           `json:"arms"`
	Ratio      []int              `json:"ratio"`
	Factors    []randomise.Factor `json:"factors"`
	Stratify   []string           `json:"stratify"`
	BlockSizes []int              `json:"block_sizes"`
}

func (in trialCreateBody) design() (randomise.Design, error) {
	d := randomise.Design{Arms: in.Arms, Ratio: in.Ratio, Factors: in.Factors, BlockSizes: in.BlockSizes}
	if len(d.Arms) == 0 {
		d.Arms = []string{"control", "treatment"}
	}
	if len(d.Ratio) == 0 {
		for range d.Arms {
			d.Ratio = append(d.Ratio, 1)
		}
	}
	for i, st := range in.Stratify {
		f, err := randomise.ParseFactor(st)
		if err != nil {
			return d, fieldError("stratify", "stratify[%d]: %v", i, err)
		}
		d.Factors = append(d.Factors, f)
	}
	if len(d.BlockSizes) == 0 {
		t := 0
		for _, w := range d.Ratio {
			t += w
		}
		d.BlockSizes = []int{2 * t, 3 * t}
	}
	if err := d.Validate(); err != nil {
		return d, fieldError("arms", "the design is not valid: %v", err)
	}
	return d, nil
}

func (s *Server) apiTrialCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	var in trialCreateBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if !store.ValidTrialID(in.ID) {
		return fieldError("id", "give the trial an identifier of 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	if len(in.Title) > 200 {
		return fieldError("title", "give a title of up to 200 characters")
	}
	d, err := in.design()
	if err != nil {
		return err
	}
	t, err := s.store.CreateTrial(r.Context(), in.ID, strings.TrimSpace(in.Title), d, s.now(), rand.Reader)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &Error{Kind: KindConflict, Field: "id", Message: "a trial with this identifier exists: choose another id", Err: err}
		}
		return err
	}
	s.audit(r, a, ActionTrialCreate, "trial", t.ID, map[string]any{"arms": d.Arms, "ratio": d.Ratio, "block_sizes": d.BlockSizes, "factors": len(d.Factors), "genesis": t.Genesis})
	w.Header().Set("Location", "/api/v1/trials/"+t.ID)
	return writeJSON(w, http.StatusCreated, t)
}

// trial reads the trial named in the path.
func (s *Server) trial(r *http.Request) (store.Trial, error) {
	t, err := s.store.Trial(r.Context(), r.PathValue("trial"))
	if err != nil {
		return t, notFound(err, "trial")
	}
	return t, nil
}

func (s *Server) apiTrial(w http.ResponseWriter, r *http.Request, a *actor) error {
	t, err := s.trial(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

type enrolBody struct {
	ParticipantRef string            `json:"participant_ref"`
	Stratum        map[string]string `json:"stratum"`
}

// enrolmentBody is the receipt: the allocation made (or found), never
// anything about the allocations to come.
type enrolmentBody struct {
	store.Enrolment
	Status string `json:"status"` // "enrolled" or "already enrolled"
}

func (s *Server) apiTrialEnrol(w http.ResponseWriter, r *http.Request, a *actor) error {
	var in enrolBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	// randomise.CheckRef's message repeats the reference, which may be
	// the direct identifier it refuses: say why without repeating it.
	if randomise.CheckRef(in.ParticipantRef) != nil {
		return fieldError("participant_ref", "give your own reference for the participant: 1–64 letters, digits or . _ : / -; never a National Insurance number, date of birth or name")
	}
	t, err := s.trial(r)
	if err != nil {
		return err
	}
	if _, err := t.Design.Stratum(in.Stratum); err != nil {
		return fieldError("stratum", "%v", err)
	}
	e, err := s.store.Enrol(r.Context(), t.ID, in.ParticipantRef, in.Stratum, s.now())
	if err != nil {
		return s.enrolError(r, t.ID, in.ParticipantRef, err)
	}
	code, body := http.StatusCreated, enrolmentBody{Enrolment: e, Status: "enrolled"}
	if !e.New {
		code, body.Status = http.StatusOK, "already enrolled"
	}
	s.audit(r, a, ActionTrialEnrol, "trial", t.ID, map[string]any{"participant_ref": e.ParticipantRef, "position": e.Position, "new": e.New, "head": e.Head})
	return writeJSON(w, code, body)
}

// enrolError words a refused enrolment for the API: a reference enrolled
// before in another stratum (store.ErrConflict: an allocation is never
// changed), or a trial closed to new enrolments (store.ErrInvalidState).
// The store's messages name its file, so the API words its own.
func (s *Server) enrolError(r *http.Request, id, ref string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(err, "trial")
	case errors.Is(err, store.ErrConflict):
		if e, ok := s.allocationOf(r, id, ref); ok {
			return &Error{Kind: KindConflict, Field: "stratum", Err: err, Message: "this participant is already enrolled at position " +
				strconv.Itoa(e.Position) + " in stratum " + e.Stratum + " (arm " + e.Arm + "); an allocation is never changed: correct the stratum in your records"}
		}
		return &Error{Kind: KindConflict, Field: "stratum", Err: err, Message: "this participant is already enrolled in another stratum; an allocation is never changed: correct the stratum in your records"}
	case errors.Is(err, store.ErrInvalidState):
		if t, terr := s.store.Trial(r.Context(), id); terr == nil && t.ClosedAt != nil {
			return &Error{Kind: KindConflict, Err: err, Message: "the trial closed to enrolment at " + t.ClosedAt.Format("2006-01-02 15:04 MST") + "; no one new can be enrolled"}
		}
		return &Error{Kind: KindConflict, Err: err, Message: "the trial is closed to enrolment; no one new can be enrolled"}
	}
	return err
}

// allocationOf returns ref's allocation in trial id, if it can be read.
func (s *Server) allocationOf(r *http.Request, id, ref string) (randomise.Entry, bool) {
	es, err := s.store.Allocations(r.Context(), id)
	if err != nil {
		return randomise.Entry{}, false
	}
	for _, e := range es {
		if e.ParticipantRef == ref {
			return e, true
		}
	}
	return randomise.Entry{}, false
}

type allocationsBody struct {
	Trial       string            `json:"trial"`
	Head        string            `json:"head"`
	Allocations []randomise.Entry `json:"allocations"`
}

// apiTrialAllocations exports the allocation log: JSON, or CSV with
// ?format=csv (the columns of datalab trial export, text cells
// formula-escaped).
func (s *Server) apiTrialAllocations(w http.ResponseWriter, r *http.Request, a *actor) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return fieldError("format", "format is json (the default) or csv")
	}
	t, err := s.trial(r)
	if err != nil {
		return err
	}
	es, err := s.store.Allocations(r.Context(), t.ID)
	if err != nil {
		return err
	}
	if es == nil {
		es = []randomise.Entry{}
	}
	s.audit(r, a, store.ActionDownload, "trial_allocations", t.ID, map[string]any{"rows": len(es), "format": cmp.Or(format, "json")})
	if format == "csv" {
		rows := make([][]string, len(es))
		for i, e := range es {
			rows[i] = []string{strconv.Itoa(e.Position), escapeCell(e.ParticipantRef), escapeCell(e.Stratum), escapeCell(e.Arm),
				e.AllocatedAt.UTC().Format(randomise.TimeFormat), e.Hash}
		}
		return writeCSV(w, t.ID+"-allocations.csv", randomise.CSVHeader, rows)
	}
	return writeJSON(w, http.StatusOK, allocationsBody{Trial: t.ID, Head: t.Head, Allocations: es})
}

// apiTrialVerify checks the log as datalab trial verify does. A log that
// fails is still a 200: the answer is the report (ok false, the first
// break's position, kind and detail); ?head= checks against a chain head
// recorded outside the store.
func (s *Server) apiTrialVerify(w http.ResponseWriter, r *http.Request, a *actor) error {
	rep, err := s.store.VerifyTrial(r.Context(), r.PathValue("trial"), r.URL.Query().Get("head"))
	if err != nil {
		return notFound(err, "trial")
	}
	return writeJSON(w, http.StatusOK, rep)
}
