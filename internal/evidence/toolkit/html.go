package toolkit

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"

	"github.com/employment-data-lab/datalab/internal/evidence"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

func templates() (*template.Template, error) {
	return template.New("toolkit").Funcs(template.FuncMap{
		"money": money,
		"deref": func(p *float64) float64 { return *p },
		"impact": func(p *Pooled) string {
			if p.Measure == "SMD" {
				return fmt.Sprintf("%+.2f SD (SMD)", p.Estimate)
			}
			return fmt.Sprintf("%+.1f percentage points", p.Estimate)
		},
	}).ParseFS(templateFS, "templates/*.tmpl")
}

// entryPage is what entry.tmpl sees.
type entryPage struct {
	T         *Toolkit
	E         Entry
	Forest    template.URL // a data: URL of the forest plot SVG we drew
	ForestAlt string
}

// WriteHTML writes index.html and one <type code>.html per intervention
// type into dir (created if need be). The pages are self-contained: inline
// CSS, plots as data: URLs, no scripts and no external requests.
func (t *Toolkit) WriteHTML(dir string) error {
	tmpl, err := templates()
	if err != nil {
		return fmt.Errorf("toolkit: parse templates: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("toolkit: create %s: %w", dir, err)
	}
	write := func(name, tmplName string, data any) error {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, tmplName, data); err != nil {
			return fmt.Errorf("toolkit: render %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("toolkit: write %s: %w", name, err)
		}
		return nil
	}
	if err := write("index.html", "index.tmpl", t); err != nil {
		return err
	}
	for _, e := range t.Entries {
		p := entryPage{T: t, E: e}
		if len(e.forest) > 0 {
			// Safe: we drew this SVG; as an <img> it can run no script.
			p.Forest = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(e.forest))
			p.ForestAlt = fmt.Sprintf("Forest plot of %d studies of %s; the figures are in the table of studies below.", e.Pooled.K, e.Type.Name)
		}
		if err := write(e.Type.Code+".html", "entry.tmpl", p); err != nil {
			return err
		}
	}
	return nil
}

// Publish builds the toolkit from lib and writes its HTML pages and
// toolkit.json into dir.
func Publish(ctx context.Context, lib evidence.Library, dir string, o Options) (*Toolkit, error) {
	t, err := Build(ctx, lib, o)
	if err != nil {
		return nil, err
	}
	if err := t.WriteHTML(dir); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, "toolkit.json"))
	if err != nil {
		return nil, fmt.Errorf("toolkit: %w", err)
	}
	if err := t.WriteJSON(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("toolkit: write toolkit.json: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("toolkit: write toolkit.json: %w", err)
	}
	return t, nil
}
