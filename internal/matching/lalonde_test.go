package matching

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
)

// lalonde is testdata/lalonde.csv (the Dehejia–Wahba subsample shipped with
// MatchIt; copied from shared/reference), parsed.
type lalonde struct {
	treated []bool
	race    []string
	cols    map[string][]float64
}

func loadLalonde(t testing.TB) lalonde {
	t.Helper()
	f, err := os.Open("testdata/lalonde.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	l := lalonde{cols: map[string][]float64{}}
	for _, r := range rows[1:] {
		for k, name := range head {
			switch name {
			case "id":
			case "race":
				l.race = append(l.race, r[k])
			default:
				v, err := strconv.ParseFloat(r[k], 64)
				if err != nil {
					t.Fatalf("lalonde.csv column %s: %v", name, err)
				}
				if name == "treat" {
					l.treated = append(l.treated, v == 1)
				} else {
					l.cols[name] = append(l.cols[name], v)
				}
			}
		}
	}
	return l
}

// design is the MatchIt vignette's model: treat ~ age + educ + race +
// married + nodegree + re74 + re75, race dummy-coded against black.
func (l lalonde) design(t testing.TB) *Design {
	t.Helper()
	d, err := NewDesignBuilder(len(l.treated)).
		Numeric("age", l.cols["age"]).
		Numeric("educ", l.cols["educ"]).
		Categorical("race", l.race, "black").
		Numeric("married", l.cols["married"]).
		Numeric("nodegree", l.cols["nodegree"]).
		Numeric("re74", l.cols["re74"]).
		Numeric("re75", l.cols["re75"]).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
