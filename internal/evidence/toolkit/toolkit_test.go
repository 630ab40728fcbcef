package toolkit

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/meta"
)

// TestRatingRule is the rule of doc.go as a table.
func TestRatingRule(t *testing.T) {
	cases := []struct {
		name string
		in   RatingInput
		want int
	}{
		{"no studies", RatingInput{}, 0},
		{"one RCT, large", RatingInput{SMS: []int{5}, TotalN: 5000}, 2},
		{"one RCT, small", RatingInput{SMS: []int{5}, TotalN: 400}, 1},
		{"one before-after, small: floor 1", RatingInput{SMS: []int{1}, TotalN: 50}, 1},
		{"three RCTs, consistent, large", RatingInput{SMS: []int{5, 5, 4}, TotalN: 3000, I2: 10}, 4},
		{"three RCTs, heterogeneous", RatingInput{SMS: []int{5, 5, 4}, TotalN: 3000, I2: 80}, 3},
		{"five RCTs, consistent, large", RatingInput{SMS: []int{5, 5, 5, 4, 5}, TotalN: 9000, I2: 30}, 5},
		{"five matched, heterogeneous, small", RatingInput{SMS: []int{3, 3, 3, 3, 3}, TotalN: 900, I2: 75}, 1},
		{"even count median rounds down", RatingInput{SMS: []int{3, 4}, TotalN: 2000, I2: 0}, 3},
		{"mixed designs, median 2", RatingInput{SMS: []int{1, 2, 5}, TotalN: 2000, I2: 0}, 2},
		{"unknown samples count as zero", RatingInput{SMS: []int{4, 4}, TotalN: 0, I2: 0}, 3},
	}
	for _, c := range cases {
		r := Rate(c.in)
		if r.Score != c.want {
			t.Errorf("%s: rating %d, want %d (steps %+v)", c.name, r.Score, c.want, r.Steps)
		}
		if r.Label != RatingLabel(c.want) || len(r.Steps) == 0 {
			t.Errorf("%s: label %q, %d steps", c.name, r.Label, len(r.Steps))
		}
		if last := r.Steps[len(r.Steps)-1].Score; last != r.Score {
			t.Errorf("%s: last step says %d, rating %d", c.name, last, r.Score)
		}
	}
}

func illustrativeLibrary(t *testing.T) *evidence.Memory {
	t.Helper()
	lib := evidence.NewMemory()
	f, err := os.Open("../testdata/illustrative_studies.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := evidence.Import(context.Background(), lib, f, "illustrative_studies.csv"); err != nil {
		t.Fatal(err)
	}
	return lib
}

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func entry(t *testing.T, tk *Toolkit, code string) Entry {
	t.Helper()
	for _, e := range tk.Entries {
		if e.Type.Code == code {
			return e
		}
	}
	t.Fatalf("no entry %s", code)
	return Entry{}
}

func TestBuildFromIllustrativeStudies(t *testing.T) {
	ctx := context.Background()
	tk, err := Build(ctx, illustrativeLibrary(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Entries) != len(evidence.Taxonomy()) || !tk.Illustrative {
		t.Fatalf("%d entries (want one per type), illustrative %v", len(tk.Entries), tk.Illustrative)
	}
	// Job-search support: four studies, all give percentage points (A from
	// counts, B reported RD, C an RR at a 38% comparison rate, D reported RD).
	jss := entry(t, tk, "job_search_support")
	if jss.Pooled == nil || jss.Pooled.K != 4 || jss.Pooled.Measure != "RD" {
		t.Fatalf("job-search support pooled %+v", jss.Pooled)
	}
	// Independent check: pool the same four effects with meta.Pool directly.
	rd := func(p1, n1, p2, n2 float64) meta.Study {
		a, b := p1/n1, p2/n2
		return meta.Study{Yi: 100 * (a - b), Vi: 1e4 * (a*(1-a)/n1 + b*(1-b)/n2)}
	}
	seC := (math.Log(1.24) - math.Log(1.01)) / (2 * 1.959963984540054)
	want, _ := meta.Pool([]meta.Study{
		rd(540, 1200, 470, 1180),
		{Yi: 2.1, Vi: 0.81},
		{Yi: 100 * 0.38 * 0.12, Vi: math.Pow(100*0.38*1.12*seC, 2)},
		{Yi: 9.5, Vi: 2.8 * 2.8},
	}, meta.Spec{Method: meta.REML})
	if math.Abs(jss.Pooled.Estimate-want.Estimate) > 1e-9 || math.Abs(jss.Pooled.SE-want.SE) > 1e-9 {
		t.Errorf("pooled %.6f (SE %.6f), want %.6f (SE %.6f)", jss.Pooled.Estimate, jss.Pooled.SE, want.Estimate, want.SE)
	}
	// Its rating follows the rule: SMS 5, 3, 2 (DiD without pre-trends), 2
	// (override) → median 2.5 → 2; 4 studies cap 4; start 2; then I² and N.
	r := Rate(RatingInput{SMS: []int{5, 3, 2, 2}, TotalN: 1200 + 1180 + 6800 + 3300 + 300, I2: jss.Pooled.I2})
	if jss.Rating.Score != r.Score {
		t.Errorf("rating %d, rule gives %d", jss.Rating.Score, r.Score)
	}
	if !strings.HasPrefix(jss.Summary, "Illustrative (fictional) data") {
		t.Errorf("summary not labelled illustrative: %q", jss.Summary)
	}
	// Vocational training: weeks employed from means and a reported SMD, so
	// the scale is SMD.
	voc := entry(t, tk, "vocational_training")
	if voc.Pooled == nil || voc.Pooled.Measure != "SMD" || voc.Pooled.K != 2 {
		t.Errorf("vocational training pooled %+v", voc.Pooled)
	}
	// Mentoring: only an earnings outcome, so no estimate and rating 0.
	ment := entry(t, tk, "mentoring")
	if ment.Pooled != nil || ment.Rating.Score != 0 || !strings.Contains(ment.Studies[0].How, "earnings") {
		t.Errorf("mentoring: %+v", ment)
	}
	// Employer-led: no studies.
	emp := entry(t, tk, "employer_led")
	if emp.Pooled != nil || emp.Rating.Score != 0 || emp.Illustrative || !strings.Contains(emp.Summary, "no studies") {
		t.Errorf("employer-led: %+v", emp)
	}
	// Costs: IPS has three costs 2800, 1900, 2400 → median 2400.
	ips := entry(t, tk, "ips")
	if ips.Cost == nil || ips.Cost.N != 3 || ips.Cost.Median != 2400 || ips.Cost.Min != 1900 {
		t.Errorf("IPS cost %+v", ips.Cost)
	}
}

func TestOnePublicationOneStudy(t *testing.T) {
	ctx := context.Background()
	lib := evidence.NewMemory()
	iv := evidence.Intervention{ID: "p", Name: "P", Type: "mentoring"}
	lib.PutIntervention(ctx, iv)
	f := func(v float64) *float64 { return &v }
	for _, s := range []evidence.Study{
		{ID: "a26", Title: "A", Citation: "Same (2020)", Design: "rct", Outcome: "o", OutcomeCode: "employed_week_26", Measure: "RD", Estimate: f(5), SE: f(1)},
		{ID: "a52", Title: "A", Citation: "Same (2020)", Design: "rct", Outcome: "o", OutcomeCode: "employed_week_52", Measure: "RD", Estimate: f(3), SE: f(1)},
	} {
		s.InterventionID = "p"
		if err := lib.PutStudy(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	tk, err := Build(ctx, lib, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e := entry(t, tk, "mentoring")
	if e.Pooled == nil || e.Pooled.K != 1 || e.Pooled.Estimate != 3 {
		t.Errorf("pooled %+v; want the week-52 record only", e.Pooled)
	}
}

func TestLabEvaluationEntersToolkit(t *testing.T) {
	ctx := context.Background()
	lib := evidence.NewMemory()
	_, err := evidence.AddLabEvaluation(ctx, lib, evidence.LabResult{Name: "Acme Pathways", InterventionType: "employer_led",
		Outcome: "employed_week_52", Estimate: 4, SE: 1.5, NTreated: 900, NComparison: 900})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := Build(ctx, lib, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e := entry(t, tk, "employer_led")
	if e.Pooled == nil || e.Pooled.Estimate != 4 || e.Studies[0].Standard.Level != 3 || e.Illustrative {
		t.Fatalf("lab evaluation not in toolkit: %+v", e)
	}
	// One SMS-3 study, 1,800 participants: min(3, 2) = 2.
	if e.Rating.Score != 2 {
		t.Errorf("rating %d, want 2", e.Rating.Score)
	}
}

func TestHTMLPages(t *testing.T) {
	ctx := context.Background()
	lib := illustrativeLibrary(t)
	s, _ := lib.Study(ctx, "ill-jss-a")
	s.Title = `Evil <script>alert("x")</script> study`
	s.SMSOverride, s.SMSOverrideReason = 4, `reason <img src=x onerror=alert(1)>`
	if err := lib.PutStudy(ctx, s); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tk, err := Publish(ctx, lib, dir, Options{Now: now, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tk.Entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Type.Code+".html"))
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		if strings.Contains(page, "<script") || strings.Contains(page, "<img src=x") {
			t.Errorf("%s: user text written unescaped", e.Type.Code)
		}
		if regexp.MustCompile(`(?i)(src|href)="https?:`).MatchString(page) {
			t.Errorf("%s: page makes an external request", e.Type.Code)
		}
		// Headings in order: one h1, no h3 before the first h2.
		hs := regexp.MustCompile(`<h([1-6])`).FindAllStringSubmatch(page, -1)
		if len(hs) == 0 || hs[0][1] != "1" || strings.Count(page, "<h1") != 1 {
			t.Errorf("%s: headings %v", e.Type.Code, hs)
		}
		prev := 1
		for _, h := range hs[1:] {
			lvl := int(h[1][0] - '0')
			if lvl > prev+1 {
				t.Errorf("%s: heading h%d follows h%d", e.Type.Code, lvl, prev)
			}
			prev = lvl
		}
		if strings.Count(page, "<table") != strings.Count(page, "<caption") {
			t.Errorf("%s: a table without a caption", e.Type.Code)
		}
		if e.Illustrative != strings.Contains(page, "Illustrative data:") {
			t.Errorf("%s: illustrative %v but banner present %v", e.Type.Code, e.Illustrative, !e.Illustrative)
		}
		if e.Pooled != nil && !regexp.MustCompile(`<img src="data:image/svg(\+|&#43;)xml;base64,[A-Za-z0-9+/=&#;]+" alt="Forest plot`).MatchString(page) {
			t.Errorf("%s: no forest plot with alt text", e.Type.Code)
		}
		if !strings.Contains(page, "Evidence strength: ") || !strings.Contains(page, "How the rating was reached") {
			t.Errorf("%s: rating not explained", e.Type.Code)
		}
	}
	jss, _ := os.ReadFile(filepath.Join(dir, "job_search_support.html"))
	if !strings.Contains(string(jss), "Evil &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; study") {
		t.Error("escaped study name not found on its page")
	}
	if !strings.Contains(string(jss), "overridden from 5: reason &lt;img") {
		t.Error("override and its reason not shown")
	}
	idx, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, ty := range evidence.Taxonomy() {
		if !bytes.Contains(idx, []byte(`href="`+ty.Code+`.html"`)) {
			t.Errorf("index has no link to %s", ty.Code)
		}
	}
	var js map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "toolkit.json"))
	if err := json.Unmarshal(b, &js); err != nil || js["illustrative"] != true || len(js["entries"].([]any)) != 9 {
		t.Errorf("toolkit.json: %v %v", err, js["illustrative"])
	}
}

func TestEmptyLibrary(t *testing.T) {
	tk, err := Publish(context.Background(), evidence.NewMemory(), t.TempDir(), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tk.Entries {
		if e.Rating.Score != 0 || e.Pooled != nil {
			t.Errorf("%s: %+v from an empty library", e.Type.Code, e)
		}
	}
}
