package report

import (
	"encoding/json"
	"io"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// jsonReport is the report's JSON (schema datalab.report/v1): the
// disclosure-controlled tables and the headline sentences. Each table has
// columns (key, label), kinds (label, count, statistic) and rows of values
// aligned with the columns, null where a figure is not shown, with each
// cell's status (shown, suppressed, not_available). Counts are rounded.
type jsonReport struct {
	Schema     string             `json:"schema"`
	Programme  string             `json:"programme"`
	CreatedAt  string             `json:"created_at"`
	Disclosure jsonDisclosure     `json:"disclosure"`
	Headlines  []jsonHeadline     `json:"headlines"`
	Method     map[string]string  `json:"method"`
	Reproduce  map[string]string  `json:"reproducibility"`
	Tables     []disclosure.Table `json:"tables"`
}

type jsonDisclosure struct {
	disclosure.Rules
	disclosure.Stats
}

type jsonHeadline struct {
	Outcome      string `json:"outcome"`
	Primary      bool   `json:"primary"`
	Title        string `json:"title"`
	Sentence     string `json:"sentence"`
	Significance string `json:"significance,omitempty"`
	Significant  *bool  `json:"significant"`
}

// WriteJSON writes the report's machine-readable tables.
func (r *Report) WriteJSON(w io.Writer) error {
	doc := jsonReport{Schema: Schema, Programme: r.Programme, CreatedAt: r.CreatedAt,
		Disclosure: jsonDisclosure{r.Release.Rules(), r.Release.Stats()},
		Method:     map[string]string{}, Reproduce: map[string]string{}, Tables: r.Release.Tables()}
	for _, h := range r.Headlines {
		doc.Headlines = append(doc.Headlines, jsonHeadline{h.Key, h.Primary, h.Title, h.Sentence, h.Significance, h.Significant})
	}
	for _, s := range r.Method {
		doc.Method[s.Name] = s.Value
		if s.Raw != "" {
			doc.Method[s.Name] = s.Raw // the stable names, not the words
		}
	}
	for _, s := range r.Reproducibility {
		doc.Reproduce[s.Name] = s.Value
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
