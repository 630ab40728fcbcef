package timeline

import (
	"fmt"
	"slices"
)

// Coding chooses how binary and categorical covariates become 0/1 columns
// of a design row.
type Coding uint8

const (
	// TreatmentCoding (dummy coding, R's contr.treatment) gives one column
	// per observed level except the reference level, and a binary covariate
	// a column only if both its values were observed, so that a model with
	// an intercept (the propensity model) has no column that is constant or
	// a sum of others. Reference levels: region, the first observed in
	// byte order (R sorts factor levels alphabetically in its locale; the
	// two agree for ASCII names in one case); benefit class, none if
	// observed, else the first observed of out_of_work, inactivity, in_work.
	TreatmentCoding Coding = iota
	// IndicatorCoding gives one column per observed level of a categorical
	// covariate and always one column per binary covariate, for balance
	// tables (as cobalt reports every level; Greifer, cobalt R package).
	IndicatorCoding
)

// Column is one column of a design row.
type Column struct {
	Name      string        // "age", "sex_M", "region_London", "benefit_class_out_of_work", ...
	Covariate string        // the DefaultCovariates name it comes from
	Level     string        // the level a 0/1 column indicates ("M", "London", "out_of_work"); "" for numeric and for disability
	Kind      CovariateKind // Numeric for a numeric covariate, Binary for every 0/1 column
}

// Levels collects the categories observed among covariate values, so that
// an Encoder has a column only for levels that occur. The zero Levels is
// ready to use.
type Levels struct {
	regions    map[string]bool
	classes    [ClassInWork + 1]bool
	sexM, sexF bool
	disability [2]bool
}

// Observe records c's categories.
func (l *Levels) Observe(c *Covariates) {
	if l.regions == nil {
		l.regions = make(map[string]bool)
	}
	l.regions[c.Region] = true
	if c.BenefitClass <= ClassInWork {
		l.classes[c.BenefitClass] = true
	}
	switch c.Sex {
	case 'M':
		l.sexM = true
	case 'F':
		l.sexF = true
	}
	if c.Disability {
		l.disability[1] = true
	} else {
		l.disability[0] = true
	}
}

// Encoder writes Covariates into float64 design rows: the columns of
// DefaultCovariates in order, numeric ones as they are and binary and
// categorical ones as 0/1 columns (Coding). Build it from the covariates of
// everyone who will be encoded (participants and comparison pool together),
// so the columns are the same for all.
type Encoder struct {
	coding    Coding
	cols      []Column
	sexCol    int // -1: no column
	regionCol map[string]int
	classCol  [ClassInWork + 1]int
	disCol    int
	regionOK  map[string]bool // observed regions (a reference level has no column but is valid)
	classOK   [ClassInWork + 1]bool
	sexOK     [2]bool // F, M
	disOK     [2]bool // false, true
}

// NewEncoder returns an Encoder for the categories observed in cs.
func NewEncoder(cs []Covariates, coding Coding) *Encoder {
	var l Levels
	for i := range cs {
		l.Observe(&cs[i])
	}
	return l.Encoder(coding)
}

// Encoder returns an Encoder for the categories observed so far.
func (l *Levels) Encoder(coding Coding) *Encoder {
	e := &Encoder{coding: coding, sexCol: -1, disCol: -1, regionCol: map[string]int{}, regionOK: map[string]bool{}}
	for i := range e.classCol {
		e.classCol[i] = -1
	}
	full := coding == IndicatorCoding
	add := func(c Column) int { e.cols = append(e.cols, c); return len(e.cols) - 1 }
	num := func(name string) { add(Column{Name: name, Covariate: name, Kind: Numeric}) }

	num("age")
	e.sexOK = [2]bool{l.sexF, l.sexM}
	if full || (l.sexF && l.sexM) {
		e.sexCol = add(Column{Name: "sex_M", Covariate: "sex", Level: "M", Kind: Binary})
	}

	regions := make([]string, 0, len(l.regions))
	for r := range l.regions {
		regions = append(regions, r)
		e.regionOK[r] = true
	}
	slices.Sort(regions)
	for i, r := range regions {
		if i == 0 && !full {
			continue // reference level
		}
		e.regionCol[r] = add(Column{Name: "region_" + r, Covariate: "region", Level: r, Kind: Binary})
	}

	e.classOK = l.classes
	ref := true // the first observed class (none first) is the reference
	for c := ClassNone; c <= ClassInWork; c++ {
		if !l.classes[c] {
			continue
		}
		if ref && !full {
			ref = false
			continue
		}
		e.classCol[c] = add(Column{Name: "benefit_class_" + c.String(), Covariate: "benefit_class", Level: c.String(), Kind: Binary})
	}

	e.disOK = l.disability
	if full || (l.disability[0] && l.disability[1]) {
		e.disCol = add(Column{Name: "disability", Covariate: "disability", Kind: Binary})
	}
	for _, name := range []string{
		"weeks_employed_52", "weeks_employed_104",
		"weeks_out_of_work_benefit_52", "weeks_out_of_work_benefit_104",
		"weeks_inactivity_benefit_52", "weeks_inactivity_benefit_104",
		"earnings_prior_12",
	} {
		num(name)
	}
	return e
}

// Columns returns the design row's columns, in order (a copy).
func (e *Encoder) Columns() []Column { return slices.Clone(e.cols) }

// Width returns the number of columns.
func (e *Encoder) Width() int { return len(e.cols) }

// Coding returns the coding the Encoder uses.
func (e *Encoder) Coding() Coding { return e.coding }

// Encode writes c into dst, which must have Width elements (it panics
// otherwise: a programmer mistake). It fails if c has a category that was
// not observed when the Encoder was built: build the Encoder from everyone
// who will be encoded. It allocates nothing.
func (e *Encoder) Encode(dst []float64, c *Covariates) error {
	if len(dst) != len(e.cols) {
		panic(fmt.Sprintf("timeline: Encode into a row of %d values, want Width() = %d", len(dst), len(e.cols)))
	}
	clear(dst)
	dst[0] = c.Age
	switch {
	case c.Sex == 'F' && e.sexOK[0], c.Sex == 'M' && e.sexOK[1]:
	default:
		return fmt.Errorf("timeline: encode covariates: sex %q was not observed when the encoder was built (observed F: %v, M: %v); build the encoder from everyone to be encoded", c.Sex, e.sexOK[0], e.sexOK[1])
	}
	if e.sexCol >= 0 && c.Sex == 'M' {
		dst[e.sexCol] = 1
	}
	if !e.regionOK[c.Region] {
		return fmt.Errorf("timeline: encode covariates: region %q was not observed when the encoder was built; build the encoder from everyone to be encoded", c.Region)
	}
	if i, ok := e.regionCol[c.Region]; ok {
		dst[i] = 1
	}
	if c.BenefitClass > ClassInWork || !e.classOK[c.BenefitClass] {
		return fmt.Errorf("timeline: encode covariates: benefit class %s was not observed when the encoder was built; build the encoder from everyone to be encoded", c.BenefitClass)
	}
	if i := e.classCol[c.BenefitClass]; i >= 0 {
		dst[i] = 1
	}
	if !e.disOK[b2i(c.Disability)] {
		return fmt.Errorf("timeline: encode covariates: disability %v was not observed when the encoder was built; build the encoder from everyone to be encoded", c.Disability)
	}
	if e.disCol >= 0 && c.Disability {
		dst[e.disCol] = 1
	}
	k := len(e.cols) - 7
	dst[k+0] = float64(c.WeeksEmployed52)
	dst[k+1] = float64(c.WeeksEmployed104)
	dst[k+2] = float64(c.WeeksOutOfWork52)
	dst[k+3] = float64(c.WeeksOutOfWork104)
	dst[k+4] = float64(c.WeeksInactivity52)
	dst[k+5] = float64(c.WeeksInactivity104)
	dst[k+6] = c.EarningsPrior12
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Matrix encodes cs into a row-major n × Width slice (row i at
// [i*Width, (i+1)*Width)), the layout gonum's mat.NewDense takes.
func (e *Encoder) Matrix(cs []Covariates) ([]float64, error) {
	w := len(e.cols)
	out := make([]float64, len(cs)*w)
	for i := range cs {
		if err := e.Encode(out[i*w:(i+1)*w], &cs[i]); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
	}
	return out, nil
}
