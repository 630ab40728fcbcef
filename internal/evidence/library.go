package evidence

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// ErrNotFound is returned (wrapped) when an intervention or study is not in
// the library.
var ErrNotFound = errors.New("not in the evidence library")

// Filter narrows Studies. Empty fields match everything.
type Filter struct {
	Type           string // intervention type code
	InterventionID string
}

// Library stores interventions and studies. Put* insert or replace by ID.
// Implementations: internal/store (SQLite), Memory (tests and tools).
// Studies are returned ordered by ID.
type Library interface {
	PutIntervention(ctx context.Context, iv Intervention) error
	Intervention(ctx context.Context, id string) (Intervention, error)
	Interventions(ctx context.Context) ([]Intervention, error)
	PutStudy(ctx context.Context, s Study) error
	Study(ctx context.Context, id string) (Study, error)
	Studies(ctx context.Context, f Filter) ([]Study, error)
}

// Add validates an intervention and a study and puts both in the library
// (the intervention is created or updated). It refuses a study ID that is
// already there unless replace is set.
func Add(ctx context.Context, lib Library, iv Intervention, s Study, replace bool) (Study, error) {
	if iv.Type != "" {
		t, err := LookupType(iv.Type)
		if err != nil {
			return s, fmt.Errorf("evidence: add %s: %w", s.ID, err)
		}
		iv.Type = t.Code
	}
	if s.InterventionID == "" {
		s.InterventionID = iv.ID
	}
	if err := s.Normalise(); err != nil {
		return s, fmt.Errorf("evidence: add: %w", err)
	}
	if !replace {
		if _, err := lib.Study(ctx, s.ID); err == nil {
			return s, fmt.Errorf("evidence: add: study %s is already in the library; choose another id or replace it", s.ID)
		} else if !errors.Is(err, ErrNotFound) {
			return s, fmt.Errorf("evidence: add %s: %w", s.ID, err)
		}
	}
	if iv.ID != "" && (iv.Name != "" || iv.Type != "") {
		if iv.ID != s.InterventionID {
			return s, fmt.Errorf("evidence: add %s: intervention id %q differs from the study's intervention_id %q", s.ID, iv.ID, s.InterventionID)
		}
		if err := iv.Validate(); err != nil {
			return s, fmt.Errorf("evidence: add %s: %w", s.ID, err)
		}
		if err := lib.PutIntervention(ctx, iv); err != nil {
			return s, fmt.Errorf("evidence: add %s: %w", s.ID, err)
		}
	} else if _, err := lib.Intervention(ctx, s.InterventionID); err != nil {
		return s, fmt.Errorf("evidence: add %s: intervention %q: %w; give its name and type to create it", s.ID, s.InterventionID, err)
	}
	if err := lib.PutStudy(ctx, s); err != nil {
		return s, fmt.Errorf("evidence: add %s: %w", s.ID, err)
	}
	return s, nil
}

// Memory is an in-memory Library, safe for concurrent use.
type Memory struct {
	mu            sync.Mutex
	interventions map[string]Intervention
	studies       map[string]Study
}

// NewMemory returns an empty in-memory library.
func NewMemory() *Memory {
	return &Memory{interventions: map[string]Intervention{}, studies: map[string]Study{}}
}

// PutIntervention implements Library.
func (m *Memory) PutIntervention(_ context.Context, iv Intervention) error {
	if err := iv.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.interventions[iv.ID] = iv
	return nil
}

// Intervention implements Library.
func (m *Memory) Intervention(_ context.Context, id string) (Intervention, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	iv, ok := m.interventions[id]
	if !ok {
		return iv, fmt.Errorf("intervention %q: %w", id, ErrNotFound)
	}
	return iv, nil
}

// Interventions implements Library.
func (m *Memory) Interventions(_ context.Context) ([]Intervention, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Intervention, 0, len(m.interventions))
	for _, iv := range m.interventions {
		out = append(out, iv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// PutStudy implements Library.
func (m *Memory) PutStudy(_ context.Context, s Study) error {
	if err := s.Normalise(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.interventions[s.InterventionID]; !ok {
		return fmt.Errorf("study %s: intervention %q: %w", s.ID, s.InterventionID, ErrNotFound)
	}
	m.studies[s.ID] = s
	return nil
}

// Study implements Library.
func (m *Memory) Study(_ context.Context, id string) (Study, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.studies[id]
	if !ok {
		return s, fmt.Errorf("study %q: %w", id, ErrNotFound)
	}
	return s, nil
}

// Studies implements Library.
func (m *Memory) Studies(_ context.Context, f Filter) ([]Study, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Study
	for _, s := range m.studies {
		if f.InterventionID != "" && s.InterventionID != f.InterventionID {
			continue
		}
		if f.Type != "" && m.interventions[s.InterventionID].Type != f.Type {
			continue
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
