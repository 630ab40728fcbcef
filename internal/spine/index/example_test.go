package index_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Import a two-person spine, open its timeline index and read one
// person's covariates and outcomes at a reference date.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "spine-example-")
	defer os.RemoveAll(dir)
	files := map[string]string{
		"people.csv":            "person_id,date_of_birth,sex,region\nA,1990-01-01,F,Wales\nB,1985-06-30,M,London\n",
		"identities.csv":        "person_id,nino,first_name,last_name,date_of_birth,postcode\nA,,,,,\nB,,,,,\n",
		"benefit_spells.csv":    "person_id,benefit,start_date,end_date\nA,JSA,2021-01-04,2021-06-30\n",
		"employment_spells.csv": "person_id,employer_id,start_date,end_date\nA,E1,2021-07-01,\nB,E2,2019-01-01,\n",
		"earnings.csv":          "person_id,month,amount\nA,2021-07,1200\nA,2021-08,1200\nB,2019-01,2000\nB,2022-12,2100\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	db := filepath.Join(dir, "spine.duckdb")
	if _, err := spine.Import(ctx, dir, db, spine.ImportOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	ix, err := index.Open(ctx, db, index.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := ix.Lookup("A")
	d := timeline.DateOf(2021, 6, 1)
	c := ix.Covariate(a, d)
	fmt.Println("benefit class on", d, "=", c.BenefitClass, "; weeks on it in the year before:", c.WeeksOutOfWork52)
	o := ix.Outcomes(a, d)
	fmt.Println("employed at week 4:", o.Employed.Has(4), "; at week 5:", o.Employed.Has(5))
	fmt.Println("weeks employed 0-51:", o.WeeksEmployed0_51, o.WeeksEmployed0_51OK)
	fmt.Println("window:", ix.Window().Start, "to", ix.Window().End)
	// Output:
	// benefit class on 2021-06-01 = out_of_work ; weeks on it in the year before: 21
	// employed at week 4: false ; at week 5: true
	// weeks employed 0-51: 47 true
	// window: 2019-01-01 to 2022-12-31
}
