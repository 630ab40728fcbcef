package randomise_test

import (
	"fmt"
	"time"

	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// A two-arm trial stratified by site: allocate six participants, then edit
// one arm in the log and let Verify find it.
func ExampleVerify() {
	d := randomise.Design{Arms: []string{"control", "treatment"}, Ratio: []int{1, 1}, BlockSizes: []int{2, 4},
		Factors: []randomise.Factor{{Name: "site", Levels: []string{"North", "South"}}}}
	var seed randomise.Seed // a fixed seed for the example; trials draw theirs from crypto/rand
	created := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := randomise.Chain{Trial: "demo", Genesis: randomise.Genesis("demo", d, created)}
	head, inStratum := c.Genesis, map[string]int{}
	for i := 1; i <= 6; i++ {
		stratum, _ := d.Stratum(map[string]string{"site": []string{"North", "South"}[i%2]})
		e := randomise.Allocate("demo", d, seed, head, i, inStratum[stratum], fmt.Sprintf("P%d", i), stratum, created.Add(time.Duration(i)*time.Hour))
		inStratum[stratum]++
		c.Entries = append(c.Entries, e)
		head = e.Hash
	}
	c.RecordedHead, c.Recorded = head, len(c.Entries)
	fmt.Println("intact:", randomise.Verify(c, d, &seed).OK)

	c.Entries[3].Arm = map[string]string{"control": "treatment", "treatment": "control"}[c.Entries[3].Arm]
	r := randomise.Verify(c, d, &seed)
	fmt.Println("after edit:", r.OK, r.Break.Kind, "at position", r.Break.Position)
	// Output:
	// intact: true
	// after edit: false edited at position 4
}
