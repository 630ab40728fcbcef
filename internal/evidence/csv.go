package evidence

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// column is one CSV column of the study table: how to write it from a
// study and its intervention, and how to read it back.
type column struct {
	name string
	get  func(s *Study, iv *Intervention) string
	set  func(s *Study, iv *Intervention, v string) error // nil: written only
}

func fmtFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func fmtInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func fmtInt0(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func parseInt0(v string) (int, error) {
	p, err := optInt(v)
	if err != nil || p == nil {
		return 0, err
	}
	return *p, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "no", "0", "n", "f":
		return false, nil
	case "true", "yes", "1", "y", "t":
		return true, nil
	}
	return false, fmt.Errorf("%q is not true or false", v)
}

// columns is the study CSV schema, in export order.
func columns() []column {
	text := func(name string, f func(s *Study, iv *Intervention) *string) column {
		return column{name,
			func(s *Study, iv *Intervention) string { return *f(s, iv) },
			func(s *Study, iv *Intervention, v string) error { *f(s, iv) = strings.TrimSpace(v); return nil }}
	}
	num := func(name string, f func(s *Study) **float64) column {
		return column{name,
			func(s *Study, _ *Intervention) string { return fmtFloat(*f(s)) },
			func(s *Study, _ *Intervention, v string) (err error) { *f(s), err = optFloat(v); return err }}
	}
	count := func(name string, f func(s *Study) **int) column {
		return column{name,
			func(s *Study, _ *Intervention) string { return fmtInt(*f(s)) },
			func(s *Study, _ *Intervention, v string) (err error) { *f(s), err = optInt(v); return err }}
	}
	whole := func(name string, f func(s *Study) *int) column {
		return column{name,
			func(s *Study, _ *Intervention) string { return fmtInt0(*f(s)) },
			func(s *Study, _ *Intervention, v string) (err error) { *f(s), err = parseInt0(v); return err }}
	}
	flag := func(name string, f func(s *Study) *bool) column {
		return column{name,
			func(s *Study, _ *Intervention) string { return strconv.FormatBool(*f(s)) },
			func(s *Study, _ *Intervention, v string) (err error) { *f(s), err = parseBool(v); return err }}
	}
	return []column{
		text("id", func(s *Study, _ *Intervention) *string { return &s.ID }),
		text("intervention_id", func(s *Study, _ *Intervention) *string { return &s.InterventionID }),
		text("intervention_name", func(_ *Study, iv *Intervention) *string { return &iv.Name }),
		text("intervention_type", func(_ *Study, iv *Intervention) *string { return &iv.Type }),
		text("intervention_description", func(_ *Study, iv *Intervention) *string { return &iv.Description }),
		text("title", func(s *Study, _ *Intervention) *string { return &s.Title }),
		text("citation", func(s *Study, _ *Intervention) *string { return &s.Citation }),
		text("url", func(s *Study, _ *Intervention) *string { return &s.URL }),
		whole("year", func(s *Study) *int { return &s.Year }),
		text("country", func(s *Study, _ *Intervention) *string { return &s.Country }),
		text("population", func(s *Study, _ *Intervention) *string { return &s.Population }),
		text("period_start", func(s *Study, _ *Intervention) *string { return &s.PeriodStart }),
		text("period_end", func(s *Study, _ *Intervention) *string { return &s.PeriodEnd }),
		{"design",
			func(s *Study, _ *Intervention) string { return string(s.Design) },
			func(s *Study, _ *Intervention, v string) error { s.Design = Design(strings.TrimSpace(v)); return nil }},
		flag("attrition_ok", func(s *Study) *bool { return &s.AttritionOK }),
		flag("pretrends_ok", func(s *Study) *bool { return &s.PretrendsOK }),
		{"sms", func(s *Study, _ *Intervention) string { return strconv.Itoa(s.Standard().Level) }, nil},
		whole("sms_override", func(s *Study) *int { return &s.SMSOverride }),
		text("sms_override_reason", func(s *Study, _ *Intervention) *string { return &s.SMSOverrideReason }),
		whole("n_treated", func(s *Study) *int { return &s.NTreated }),
		whole("n_control", func(s *Study) *int { return &s.NControl }),
		text("outcome", func(s *Study, _ *Intervention) *string { return &s.Outcome }),
		text("outcome_code", func(s *Study, _ *Intervention) *string { return &s.OutcomeCode }),
		text("outcome_domain", func(s *Study, _ *Intervention) *string { return &s.OutcomeDomain }),
		whole("followup_months", func(s *Study) *int { return &s.FollowUpMonths }),
		{"measure",
			func(s *Study, _ *Intervention) string { return string(s.Measure) },
			func(s *Study, _ *Intervention, v string) error {
				s.Measure = effectsize.Measure(strings.ToUpper(strings.TrimSpace(v)))
				return nil
			}},
		num("estimate", func(s *Study) **float64 { return &s.Estimate }),
		num("se", func(s *Study) **float64 { return &s.SE }),
		num("ci_low", func(s *Study) **float64 { return &s.CILow }),
		num("ci_high", func(s *Study) **float64 { return &s.CIHigh }),
		num("ci_level", func(s *Study) **float64 { return &s.CILevel }),
		count("events_treated", func(s *Study) **int { return &s.EventsTreated }),
		count("events_control", func(s *Study) **int { return &s.EventsControl }),
		num("mean_treated", func(s *Study) **float64 { return &s.MeanTreated }),
		num("sd_treated", func(s *Study) **float64 { return &s.SDTreated }),
		num("mean_control", func(s *Study) **float64 { return &s.MeanControl }),
		num("sd_control", func(s *Study) **float64 { return &s.SDControl }),
		num("control_rate", func(s *Study) **float64 { return &s.ControlRate }),
		num("cost_per_participant", func(s *Study) **float64 { return &s.CostPerParticipant }),
		whole("cost_price_year", func(s *Study) *int { return &s.CostPriceYear }),
		text("source", func(s *Study, _ *Intervention) *string { return &s.Source }),
		flag("illustrative", func(s *Study) *bool { return &s.Illustrative }),
		text("notes", func(s *Study, _ *Intervention) *string { return &s.Notes }),
	}
}

// CSVColumns lists the study CSV's columns in export order. The sms column
// is written (the level in use) and ignored on import: set sms_override to
// change it.
func CSVColumns() []string {
	var out []string
	for _, c := range columns() {
		out = append(out, c.name)
	}
	return out
}

// ImportReport says what Import did.
type ImportReport struct {
	Studies       int      `json:"studies"`
	Interventions int      `json:"interventions"`
	Illustrative  int      `json:"illustrative"`
	Warnings      []string `json:"warnings,omitempty"`
}

// Import reads a study CSV (columns CSVColumns, any order, one row per
// study) and puts every intervention and study in the library, replacing
// those with the same IDs. It checks every row before writing any, and
// stops at the first bad row, naming its line and column.
func Import(ctx context.Context, lib Library, r io.Reader, name string) (ImportReport, error) {
	var rep ImportReport
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return rep, fmt.Errorf("evidence: import %s: the file is empty; it needs a header row (%s)", name, strings.Join(CSVColumns(), ","))
		}
		return rep, fmt.Errorf("evidence: import %s: %w", name, err)
	}
	cols := columns()
	byName := map[string]column{}
	for _, c := range cols {
		byName[c.name] = c
	}
	idx := make([]*column, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		c, ok := byName[h]
		if !ok {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: column %q is not a study field and was ignored", name, h))
			continue
		}
		idx[i] = &c
		seen[h] = true
	}
	for _, need := range []string{"id", "intervention_id", "title", "design", "outcome"} {
		if !seen[need] {
			return rep, fmt.Errorf("evidence: import %s: column %q is missing; the header needs at least id, intervention_id, title, design, outcome", name, need)
		}
	}
	type row struct {
		iv Intervention
		s  Study
	}
	var rows []row
	ivs := map[string]Intervention{}
	ids := map[string]int{}
	for line := 2; ; line++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("evidence: import %s line %d: %w", name, line, err)
		}
		var s Study
		var iv Intervention
		for i, v := range rec {
			if i >= len(idx) || idx[i] == nil || idx[i].set == nil {
				continue
			}
			if err := idx[i].set(&s, &iv, v); err != nil {
				return rep, fmt.Errorf("evidence: import %s line %d, column %s: %w", name, line, idx[i].name, err)
			}
		}
		if err := s.Normalise(); err != nil {
			return rep, fmt.Errorf("evidence: import %s line %d: %w", name, line, err)
		}
		if prev, dup := ids[s.ID]; dup {
			return rep, fmt.Errorf("evidence: import %s line %d: study id %s is also on line %d; ids must be unique", name, line, s.ID, prev)
		}
		ids[s.ID] = line
		iv.ID = s.InterventionID
		if iv.Name != "" || iv.Type != "" {
			if iv.Type != "" {
				if t, err := LookupType(iv.Type); err == nil {
					iv.Type = t.Code
				}
			}
			if err := iv.Validate(); err != nil {
				return rep, fmt.Errorf("evidence: import %s line %d: %w", name, line, err)
			}
			if prev, ok := ivs[iv.ID]; ok && (prev.Name != iv.Name || prev.Type != iv.Type) {
				return rep, fmt.Errorf("evidence: import %s line %d: intervention %s is %q (%s) here but %q (%s) on an earlier row; make them agree",
					name, line, iv.ID, iv.Name, iv.Type, prev.Name, prev.Type)
			}
			ivs[iv.ID] = iv
		}
		rows = append(rows, row{iv, s})
	}
	if len(rows) == 0 {
		return rep, fmt.Errorf("evidence: import %s: a header but no studies", name)
	}
	for _, r := range rows {
		if _, ok := ivs[r.s.InterventionID]; ok {
			continue
		}
		if _, err := lib.Intervention(ctx, r.s.InterventionID); err != nil {
			return rep, fmt.Errorf("evidence: import %s: study %s: intervention %q is neither in the file (give intervention_name and intervention_type) nor in the library: %w",
				name, r.s.ID, r.s.InterventionID, err)
		}
	}
	for _, iv := range ivs {
		if err := lib.PutIntervention(ctx, iv); err != nil {
			return rep, fmt.Errorf("evidence: import %s: %w", name, err)
		}
		rep.Interventions++
	}
	for _, r := range rows {
		if err := lib.PutStudy(ctx, r.s); err != nil {
			return rep, fmt.Errorf("evidence: import %s: %w", name, err)
		}
		rep.Studies++
		if r.s.Illustrative {
			rep.Illustrative++
		}
	}
	return rep, nil
}

// Export writes every study in the library, with its intervention, as CSV
// in CSVColumns order, ordered by study ID. Import reads it back unchanged.
func Export(ctx context.Context, lib Library, w io.Writer) (int, error) {
	studies, err := lib.Studies(ctx, Filter{})
	if err != nil {
		return 0, fmt.Errorf("evidence: export: %w", err)
	}
	ivs, err := lib.Interventions(ctx)
	if err != nil {
		return 0, fmt.Errorf("evidence: export: %w", err)
	}
	byID := map[string]Intervention{}
	for _, iv := range ivs {
		byID[iv.ID] = iv
	}
	cw := csv.NewWriter(w)
	cols := columns()
	if err := cw.Write(CSVColumns()); err != nil {
		return 0, fmt.Errorf("evidence: export: %w", err)
	}
	rec := make([]string, len(cols))
	for i := range studies {
		iv := byID[studies[i].InterventionID]
		for j, c := range cols {
			rec[j] = c.get(&studies[i], &iv)
		}
		if err := cw.Write(rec); err != nil {
			return i, fmt.Errorf("evidence: export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return len(studies), fmt.Errorf("evidence: export: %w", err)
	}
	return len(studies), nil
}
