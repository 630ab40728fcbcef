package randomise

import (
	"strings"
	"testing"
)

func TestReadRequests(t *testing.T) {
	d := Design{Arms: []string{"c", "t"}, Ratio: []int{1, 1}, BlockSizes: []int{2},
		Factors: []Factor{{"site", []string{"North", "South"}}}}
	reqs, err := ReadRequests(strings.NewReader("site,participant_ref\nNorth,P1\nSouth, P2 \n"), d)
	if err != nil || len(reqs) != 2 || reqs[1].Ref != "P2" || reqs[1].Levels["site"] != "South" || reqs[1].Line != 3 {
		t.Fatalf("%+v %v", reqs, err)
	}
	bad := []struct{ csv, want string }{
		{"participant_ref,site,first_name\nP1,North,Ann\n", `"first_name" is neither`},
		{"participant_ref\nP1\n", `no column for stratification factor "site"`},
		{"site\nNorth\n", "no participant_ref column"},
		{"participant_ref,site\nAB123456C,North\n", "line 2, column participant_ref: looks like a National Insurance number"},
		{"participant_ref,site\nP1,West\n", "line 2"},
		{"", "empty"},
	}
	for _, b := range bad {
		_, err := ReadRequests(strings.NewReader(b.csv), d)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: %v, want %q", b.csv, err, b.want)
		}
		if err != nil && strings.Contains(err.Error(), "AB123456C") {
			t.Errorf("error repeats the identifier: %v", err)
		}
	}
}
