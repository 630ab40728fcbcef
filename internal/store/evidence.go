package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// EvidenceLibrary is the what-works library (evidence.Library) kept in the
// lab store's evidence_interventions and evidence_studies tables
// (migrations/0002_evidence.sql).
type EvidenceLibrary struct{ db *DB }

var _ evidence.Library = (*EvidenceLibrary)(nil)

// Evidence returns the evidence library kept in this store.
func (s *DB) Evidence() *EvidenceLibrary { return &EvidenceLibrary{db: s} }

// PutIntervention implements evidence.Library: insert or replace by ID.
func (l *EvidenceLibrary) PutIntervention(ctx context.Context, iv evidence.Intervention) error {
	if err := iv.Validate(); err != nil {
		return fmt.Errorf("store: put intervention: %w", err)
	}
	_, err := l.db.ExecContext(ctx, `INSERT INTO evidence_interventions (id, name, type, description) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, description = excluded.description`,
		iv.ID, iv.Name, iv.Type, iv.Description)
	if err != nil {
		return fmt.Errorf("store: put intervention %s in %s: %w", iv.ID, l.db.path, err)
	}
	return nil
}

// Intervention implements evidence.Library.
func (l *EvidenceLibrary) Intervention(ctx context.Context, id string) (evidence.Intervention, error) {
	var iv evidence.Intervention
	err := l.db.QueryRowContext(ctx, `SELECT id, name, type, description FROM evidence_interventions WHERE id = ?`, id).
		Scan(&iv.ID, &iv.Name, &iv.Type, &iv.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return iv, fmt.Errorf("intervention %q: %w", id, evidence.ErrNotFound)
	}
	if err != nil {
		return iv, fmt.Errorf("store: intervention %s: %w", id, err)
	}
	return iv, nil
}

// Interventions implements evidence.Library, ordered by ID.
func (l *EvidenceLibrary) Interventions(ctx context.Context) ([]evidence.Intervention, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, name, type, description FROM evidence_interventions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list interventions: %w", err)
	}
	defer rows.Close()
	var out []evidence.Intervention
	for rows.Next() {
		var iv evidence.Intervention
		if err := rows.Scan(&iv.ID, &iv.Name, &iv.Type, &iv.Description); err != nil {
			return nil, fmt.Errorf("store: list interventions: %w", err)
		}
		out = append(out, iv)
	}
	return out, rows.Err()
}

// evidenceStudyColumns is the column list shared by PutStudy and the readers; the
// order matches evidenceStudyArgs and scanEvidenceStudy.
const evidenceStudyColumns = `id, intervention_id, title, citation, url, year, country, population, period_start, period_end,
	design, attrition_ok, pretrends_ok, sms_override, sms_override_reason, n_treated, n_control,
	outcome, outcome_code, outcome_domain, followup_months, measure, estimate, se, ci_low, ci_high, ci_level,
	events_treated, events_control, mean_treated, sd_treated, mean_control, sd_control, control_rate,
	cost_per_participant, cost_price_year, source, illustrative, notes`

func evidenceStudyArgs(s *evidence.Study) []any {
	return []any{s.ID, s.InterventionID, s.Title, s.Citation, s.URL, s.Year, s.Country, s.Population, s.PeriodStart, s.PeriodEnd,
		string(s.Design), s.AttritionOK, s.PretrendsOK, s.SMSOverride, s.SMSOverrideReason, s.NTreated, s.NControl,
		s.Outcome, s.OutcomeCode, s.OutcomeDomain, s.FollowUpMonths, string(s.Measure),
		evNullF(s.Estimate), evNullF(s.SE), evNullF(s.CILow), evNullF(s.CIHigh), evNullF(s.CILevel),
		evNullI(s.EventsTreated), evNullI(s.EventsControl), evNullF(s.MeanTreated), evNullF(s.SDTreated), evNullF(s.MeanControl), evNullF(s.SDControl), evNullF(s.ControlRate),
		evNullF(s.CostPerParticipant), s.CostPriceYear, s.Source, s.Illustrative, s.Notes}
}

func scanEvidenceStudy(sc interface{ Scan(...any) error }) (evidence.Study, error) {
	var s evidence.Study
	var design, measure string
	var est, se, lo, hi, lvl, m1, sd1, m2, sd2, rate, cost sql.NullFloat64
	var et, ec sql.NullInt64
	err := sc.Scan(&s.ID, &s.InterventionID, &s.Title, &s.Citation, &s.URL, &s.Year, &s.Country, &s.Population, &s.PeriodStart, &s.PeriodEnd,
		&design, &s.AttritionOK, &s.PretrendsOK, &s.SMSOverride, &s.SMSOverrideReason, &s.NTreated, &s.NControl,
		&s.Outcome, &s.OutcomeCode, &s.OutcomeDomain, &s.FollowUpMonths, &measure, &est, &se, &lo, &hi, &lvl,
		&et, &ec, &m1, &sd1, &m2, &sd2, &rate, &cost, &s.CostPriceYear, &s.Source, &s.Illustrative, &s.Notes)
	if err != nil {
		return s, err
	}
	s.Design, s.Measure = evidence.Design(design), effectsize.Measure(measure)
	s.Estimate, s.SE, s.CILow, s.CIHigh, s.CILevel = evPtrF(est), evPtrF(se), evPtrF(lo), evPtrF(hi), evPtrF(lvl)
	s.EventsTreated, s.EventsControl = evPtrI(et), evPtrI(ec)
	s.MeanTreated, s.SDTreated, s.MeanControl, s.SDControl, s.ControlRate = evPtrF(m1), evPtrF(sd1), evPtrF(m2), evPtrF(sd2), evPtrF(rate)
	s.CostPerParticipant = evPtrF(cost)
	return s, nil
}

// PutStudy implements evidence.Library: the study is normalised and checked,
// then inserted or replaced by ID. Its intervention must exist.
func (l *EvidenceLibrary) PutStudy(ctx context.Context, s evidence.Study) error {
	if err := s.Normalise(); err != nil {
		return fmt.Errorf("store: put study: %w", err)
	}
	if _, err := l.Intervention(ctx, s.InterventionID); err != nil {
		return fmt.Errorf("store: put study %s: %w; add the intervention first", s.ID, err)
	}
	cols := strings.Fields(strings.ReplaceAll(evidenceStudyColumns, ",", " "))
	var set []string
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	set = append(set, "updated_at = CURRENT_TIMESTAMP")
	q := `INSERT INTO evidence_studies (` + evidenceStudyColumns + `) VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `)
		ON CONFLICT (id) DO UPDATE SET ` + strings.Join(set, ", ")
	if _, err := l.db.ExecContext(ctx, q, evidenceStudyArgs(&s)...); err != nil {
		return fmt.Errorf("store: put study %s in %s: %w", s.ID, l.db.path, err)
	}
	return nil
}

// Study implements evidence.Library.
func (l *EvidenceLibrary) Study(ctx context.Context, id string) (evidence.Study, error) {
	s, err := scanEvidenceStudy(l.db.QueryRowContext(ctx, `SELECT `+evidenceStudyColumns+` FROM evidence_studies WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("study %q: %w", id, evidence.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("store: study %s: %w", id, err)
	}
	return s, nil
}

// Studies implements evidence.Library, ordered by ID.
func (l *EvidenceLibrary) Studies(ctx context.Context, f evidence.Filter) ([]evidence.Study, error) {
	q := `SELECT ` + evPrefixed("s.", evidenceStudyColumns) + ` FROM evidence_studies s JOIN evidence_interventions i ON i.id = s.intervention_id
		WHERE (? = '' OR i.type = ?) AND (? = '' OR s.intervention_id = ?) ORDER BY s.id`
	rows, err := l.db.QueryContext(ctx, q, f.Type, f.Type, f.InterventionID, f.InterventionID)
	if err != nil {
		return nil, fmt.Errorf("store: list studies: %w", err)
	}
	defer rows.Close()
	var out []evidence.Study
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, err := scanEvidenceStudy(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list studies: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func evPrefixed(p, cols string) string {
	fs := strings.Fields(strings.ReplaceAll(cols, ",", " "))
	for i := range fs {
		fs[i] = p + fs[i]
	}
	return strings.Join(fs, ", ")
}

func evNullF(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func evNullI(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func evPtrF(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

func evPtrI(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}
