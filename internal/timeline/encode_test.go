package timeline

import (
	"slices"
	"strings"
	"testing"
)

func encodeCohort() []Covariates {
	return []Covariates{
		{Age: 30, Sex: 'F', Region: "North", BenefitClass: ClassNone, WeeksEmployed52: 10, EarningsPrior12: 1000},
		{Age: 40, Sex: 'M', Region: "London", BenefitClass: ClassOutOfWork, Disability: true, WeeksOutOfWork104: 20},
		{Age: 50, Sex: 'F', Region: "South", BenefitClass: ClassInactivity, WeeksInactivity52: 5},
	}
}

func columnNames(e *Encoder) []string {
	var out []string
	for _, c := range e.Columns() {
		out = append(out, c.Name)
	}
	return out
}

// Expected columns and rows written out by hand: treatment coding drops the
// reference levels (region London, first in byte order as R orders factor
// levels; benefit class none), and in_work, never observed, has no column.
func TestEncoderTreatmentCoding(t *testing.T) {
	cs := encodeCohort()
	e := NewEncoder(cs, TreatmentCoding)
	wantCols := []string{"age", "sex_M", "region_North", "region_South",
		"benefit_class_out_of_work", "benefit_class_inactivity", "disability",
		"weeks_employed_52", "weeks_employed_104", "weeks_out_of_work_benefit_52", "weeks_out_of_work_benefit_104",
		"weeks_inactivity_benefit_52", "weeks_inactivity_benefit_104", "earnings_prior_12"}
	if got := columnNames(e); !slices.Equal(got, wantCols) {
		t.Fatalf("columns = %v\nwant %v", got, wantCols)
	}
	m, err := e.Matrix(cs)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{
		// age sex_M North South oow inact dis  e52 e104 o52 o104 i52 i104 earn
		30, 0, 1, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 1000,
		40, 1, 0, 0, 1, 0, 1, 0, 0, 0, 20, 0, 0, 0,
		50, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 5, 0, 0,
	}
	if !slices.Equal(m, want) {
		t.Errorf("Matrix =\n%v\nwant\n%v", m, want)
	}
}

// Indicator coding keeps every observed level, for balance tables.
func TestEncoderIndicatorCoding(t *testing.T) {
	cs := encodeCohort()
	e := NewEncoder(cs, IndicatorCoding)
	wantCols := []string{"age", "sex_M", "region_London", "region_North", "region_South",
		"benefit_class_none", "benefit_class_out_of_work", "benefit_class_inactivity", "disability",
		"weeks_employed_52", "weeks_employed_104", "weeks_out_of_work_benefit_52", "weeks_out_of_work_benefit_104",
		"weeks_inactivity_benefit_52", "weeks_inactivity_benefit_104", "earnings_prior_12"}
	if got := columnNames(e); !slices.Equal(got, wantCols) {
		t.Fatalf("columns = %v\nwant %v", got, wantCols)
	}
	row := make([]float64, e.Width())
	if err := e.Encode(row, &cs[1]); err != nil {
		t.Fatal(err)
	}
	want := []float64{40, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 20, 0, 0, 0}
	if !slices.Equal(row, want) {
		t.Errorf("row = %v, want %v", row, want)
	}
	for _, c := range e.Columns() {
		if c.Covariate == "region" && c.Kind != Binary {
			t.Errorf("column %s kind %s, want binary", c.Name, c.Kind)
		}
	}
}

func TestEncoderRejectsUnseenCategories(t *testing.T) {
	onlyF := []Covariates{{Sex: 'F', Region: "North"}, {Sex: 'F', Region: "South"}}
	e := NewEncoder(onlyF, TreatmentCoding)
	if got := columnNames(e); slices.Contains(got, "sex_M") || slices.Contains(got, "disability") {
		t.Errorf("columns %v: a binary covariate with one observed value must have no column under treatment coding", got)
	}
	row := make([]float64, e.Width())
	cases := []struct {
		c    Covariates
		want string
	}{
		{Covariates{Sex: 'M', Region: "North"}, "sex"},
		{Covariates{Sex: 'F', Region: "Wales"}, `region "Wales"`},
		{Covariates{Sex: 'F', Region: "North", BenefitClass: ClassInWork}, "benefit class in_work"},
		{Covariates{Sex: 'F', Region: "North", Disability: true}, "disability"},
	}
	for _, c := range cases {
		err := e.Encode(row, &c.c)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "build the encoder from everyone") {
			t.Errorf("Encode(%+v) error = %v, want one naming %q and the fix", c.c, err, c.want)
		}
	}
	if err := e.Encode(row, &onlyF[1]); err != nil {
		t.Errorf("Encode of an observed reference level: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Encode into a row of the wrong width did not panic")
		}
	}()
	_ = e.Encode(make([]float64, e.Width()+1), &onlyF[0])
}
