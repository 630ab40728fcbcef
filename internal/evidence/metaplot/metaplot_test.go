package metaplot

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence/meta"
)

func analysis(t *testing.T) *meta.Analysis {
	t.Helper()
	studies := []meta.Study{
		{Label: `Evil <script>alert(1)</script> study`, Yi: 0.2, Vi: 0.01},
		{Label: "B", Yi: 0.5, Vi: 0.04},
		{Label: "C", Yi: -0.1, Vi: 0.02},
		{Label: "D", Yi: 0.3, Vi: 0.05},
	}
	a, err := meta.Analyse(context.Background(), studies, "SMD", meta.AnalysisSpec{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wellFormed parses the SVG as XML and returns its title and desc.
func wellFormed(t *testing.T, svg []byte) (title, desc string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var cur string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			cur = tk.Name.Local
		case xml.CharData:
			if cur == "title" {
				title += string(tk)
			} else if cur == "desc" {
				desc += string(tk)
			}
		case xml.EndElement:
			cur = ""
		}
	}
	return title, desc
}

func TestForestAndFunnel(t *testing.T) {
	a := analysis(t)
	for name, draw := range map[string]func(*meta.Analysis, string, string) ([]byte, error){"forest": Forest, "funnel": Funnel} {
		svg, err := draw(a, name+" <title>", "SMD")
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(svg, []byte("<script>")) {
			t.Errorf("%s: a study name was written unescaped", name)
		}
		title, desc := wellFormed(t, svg)
		if title != name+" <title>" || !strings.Contains(desc, "4 studies") {
			t.Errorf("%s: title %q, desc %q", name, title, desc)
		}
		if !bytes.Contains(svg, []byte(`role="img"`)) {
			t.Errorf("%s: no role=img", name)
		}
	}
	_, desc := wellFormed(t, mustForest(t, a))
	if !strings.Contains(desc, "Evil <script>") || !strings.Contains(desc, "weight") {
		t.Errorf("forest desc should list every study with its weight: %q", desc)
	}
	if _, err := Forest(&meta.Analysis{}, "", ""); err == nil {
		t.Error("empty analysis: no error")
	}
}

func mustForest(t *testing.T, a *meta.Analysis) []byte {
	svg, err := Forest(a, "f", "x")
	if err != nil {
		t.Fatal(err)
	}
	return svg
}
