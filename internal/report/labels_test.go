package report

import (
	"bytes"
	"encoding/json"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"regexp"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// TestEveryCatalogueNameHasALabel: every covariate of the timeline
// catalogue has plain words, and a design column is worded from the
// catalogue's covariate and its level. Fails when a covariate is added to
// the catalogue without words here.
func TestEveryCatalogueNameHasALabel(t *testing.T) {
	for _, d := range timeline.DefaultCovariates() {
		w, ok := covariateWords[d.Name]
		if !ok || w == "" || strings.Contains(w, "_") {
			t.Errorf("covariate %s (%s) has no plain-English label (%q)", d.Name, d.Description, w)
		}
	}
	// The expected words are the catalogue's, written out by hand.
	for _, c := range []struct{ in, want string }{
		{"age", "Age (years)"},
		{"sex_M", "Male"},
		{"region_London", "Region: London"},
		{"region_Yorkshire and The Humber", "Region: Yorkshire and The Humber"},
		{"benefit_class_out_of_work", "Benefit held at the start: out-of-work benefit"},
		{"benefit_class_none", "Benefit held at the start: no benefit"},
		{"disability", "On a disability benefit (PIP or DLA)"},
		{"earnings_prior_12", "Earnings, previous 12 months (£)"},
		{"weeks_out_of_work_benefit_104", "Weeks on out-of-work benefit, previous 2 years"},
		{"start_month", "Month of starting"},
		{"region_", "Region: "},                             // an empty level stays empty
		{"motivation", "motivation"},                        // not in the catalogue: as it is
		{"benefit_class_x", "Benefit held at the start: x"}, // an unknown level: as it is
	} {
		if got := covariateLabel(c.in); got != c.want {
			t.Errorf("covariateLabel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Every column an Encoder can make (both codings) gets words.
	var cs []timeline.Covariates
	for i, cl := range []timeline.BenefitClass{timeline.ClassNone, timeline.ClassOutOfWork, timeline.ClassInactivity, timeline.ClassInWork} {
		sex := byte('F')
		if i%2 == 1 {
			sex = 'M'
		}
		cs = append(cs, timeline.Covariates{Sex: sex, Region: []string{"London", "Wales"}[i%2], BenefitClass: cl, Disability: i == 0})
	}
	for _, coding := range []timeline.Coding{timeline.TreatmentCoding, timeline.IndicatorCoding} {
		for _, col := range timeline.NewEncoder(cs, coding).Columns() {
			if got := covariateLabel(col.Name); got == col.Name || strings.Contains(got, "_") {
				t.Errorf("column %s is labelled %q", col.Name, got)
			}
		}
	}

	for _, c := range []struct{ kind, in, want string }{
		{"method", "nearest", "Nearest-neighbour matching on the propensity score (nearest)"},
		{"method", "kernel", "Kernel matching (Epanechnikov) on the propensity score (kernel)"},
		{"distance", "logit", "Logit of the propensity score (logit)"},
		{"order", "largest", "Highest propensity score first (largest)"},
		{"order", "optimal", "optimal"},
	} {
		if got := settingLabel(c.kind, c.in); got != c.want {
			t.Errorf("settingLabel(%q, %q) = %q, want %q", c.kind, c.in, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"employed@104":         "Employment two years after starting (employed@104)",
		"weeks_employed_0_103": "Weeks in employment over two years (weeks_employed_0_103)",
		"employed@x":           "employed@x",
		"happiness@3":          "happiness@3",
	} {
		if got := outcomeKeyLabel(in); got != want {
			t.Errorf("outcomeKeyLabel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"aged 18–64 at the reference date, holding benefit class [out_of_work] on it":      "aged 18–64 at the reference date, holding an out-of-work benefit on it",
		"aged 16–24 at the reference date, holding benefit class [none out_of_work] on it": "aged 16–24 at the reference date, holding no benefit or an out-of-work benefit on it",
		"aged 18–64 at the reference date, holding benefit class [martian] on it":          "aged 18–64 at the reference date, holding benefit class [martian] on it",
		"everyone": "everyone",
	} {
		if got := eligibilityWords(in); got != want {
			t.Errorf("eligibilityWords(%q) = %q, want %q", in, got, want)
		}
	}
	if got := levelLabel("sex", "F"); got != "Female" {
		t.Errorf("sex F is %q", got)
	}
	if got, want := covariateList([]string{"age", "sex_M", "region_London", "region_Wales", "disability", "benefit_class_inactivity"}),
		"Age (years); Sex: Male; Region: London, Wales; On a disability benefit (PIP or DLA); Benefit held at the start: inactivity benefit"; got != want {
		t.Errorf("covariateList = %q, want %q", got, want)
	}
}

// TestReadersSeeLabelsMachinesRawNames: the page's text (outside the
// reproducibility block's code) holds no raw variable name, level code or
// setting name; the method section shows a setting in words with its raw
// name beside it; and the JSON keeps the raw names, the stable schema.
func TestReadersSeeLabelsMachinesRawNames(t *testing.T) {
	r, h := build(t, fixture(t))
	text := regexp.MustCompile(`(?s)<style>.*?</style>|<code>.*?</code>`).ReplaceAllString(h, "")
	text = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(text, " ")
	for _, raw := range []string{"region_London", "sex_M", "earnings_prior_12", "benefit_class_out_of_work", "age_band", "weeks_employed_52", " F ", " M ", "[out_of_work]"} {
		if strings.Contains(text, raw) {
			i := strings.Index(text, raw)
			t.Errorf("the page shows the raw name %q: …%s…", raw, text[max(0, i-80):min(len(text), i+40)])
		}
	}
	for _, words := range []string{
		"Region: London", "Female", "Age group", "16 to 24", "Earnings, previous 12 months (£)",
		"Nearest-neighbour matching on the propensity score (nearest)", "Highest propensity score first (largest)",
		"Employment two years after starting (employed@104)", "Month of starting (start_month)",
		r.Subgroups, // the sentence introducing the subgroups, not the tables' list
	} {
		if !strings.Contains(text, escapeText(words)) {
			t.Errorf("the page does not say %q", words)
		}
	}
	// Every remaining underscore-joined word is the start_month or
	// outcome key shown beside its words in the method section.
	for _, w := range regexp.MustCompile(`\S*[a-z]_[a-z]\S*`).FindAllString(text, -1) {
		if w != "(start_month)" && w != "(employed@104)" {
			t.Errorf("raw name %q in the page's text", w)
		}
	}

	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Method map[string]string }
	js := buf.String()
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Method["Matching method"] != "nearest" || doc.Method["Primary outcome (named before the analysis)"] != "employed@104" || doc.Method["Distance"] != "logit" {
		t.Errorf("the JSON's method has %q, %q, %q; want the raw names nearest, employed@104, logit",
			doc.Method["Matching method"], doc.Method["Primary outcome (named before the analysis)"], doc.Method["Distance"])
	}
	for _, raw := range []string{`"region_London"`, `"sex_M"`, `"earnings_prior_12"`, `"age_band"`, `"F"`} {
		if !strings.Contains(js, raw) {
			t.Errorf("the JSON lost the raw name %s", raw)
		}
	}
}

// escapeText is s as html/template writes it in text.
func escapeText(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// A cohort with no participant at some covariate levels is evaluated with
// those comparators left out (internal/evaluation restrict.go); the method
// section must say so in words, without the number left out (it can be
// small), and the JSON keeps the raw names.
func TestRestrictedLevelsInMethod(t *testing.T) {
	ev := fixture(t)
	ev.Method.RestrictedLevels = []evaluation.RestrictedLevel{
		{Covariate: "region", Level: "North East", ComparisonExcluded: 7},
		{Covariate: "disability", Level: "true", ComparisonExcluded: 3},
	}
	ev.Method.ConstantCovariates = []string{"earnings_prior_12"}
	r, h := build(t, ev)
	for _, want := range []string{"Region: North East", "On a disability benefit (PIP or DLA)", "left out of the propensity model", "Earnings, previous 12 months (£)"} {
		if !strings.Contains(h, escapeText(want)) {
			t.Errorf("the method section does not say %q", want)
		}
	}
	for _, leak := range []string{"7 comparison", "(7)", "3 comparison", "disability=true"} {
		if strings.Contains(h, leak) {
			t.Errorf("the page shows %q: the number of comparators left out is not published", leak)
		}
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "region=North East, disability=true") {
		t.Errorf("the JSON's method lacks the raw restricted levels")
	}
}
