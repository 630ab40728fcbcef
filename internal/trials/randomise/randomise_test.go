package randomise

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func seedOf(b byte) Seed {
	var s Seed
	for i := range s {
		s[i] = b + byte(i)
	}
	return s
}

var twoArms = Design{Arms: []string{"control", "treatment"}, Ratio: []int{1, 1}, BlockSizes: []int{2, 4, 6}}

// Every block holds the arms in exact ratio and has a declared size.
func TestBlocksBalanced(t *testing.T) {
	designs := []Design{
		twoArms,
		{Arms: []string{"a", "b", "c"}, Ratio: []int{2, 1, 1}, BlockSizes: []int{4, 8, 12}},
		{Arms: []string{"control", "treatment"}, Ratio: []int{1, 2}, BlockSizes: []int{3, 6}},
	}
	for _, d := range designs {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		sizes := map[int]int{}
		for b := 0; b < 3000; b++ {
			block := d.Block(seedOf(1), "all", b)
			sizes[len(block)]++
			count := map[string]int{}
			for _, a := range block {
				count[a]++
			}
			for i, a := range d.Arms {
				if count[a]*d.ratioTotal() != d.Ratio[i]*len(block) {
					t.Fatalf("%v block %d: %v, not in ratio %v", d.Arms, b, block, d.Ratio)
				}
			}
		}
		// Sizes are drawn uniformly from the declared set: each within
		// 5 binomial SDs of 3000/k.
		k := float64(len(d.BlockSizes))
		sd := math.Sqrt(3000 * (1 / k) * (1 - 1/k))
		for _, s := range d.BlockSizes {
			if math.Abs(float64(sizes[s])-3000/k) > 5*sd {
				t.Errorf("%v: block size %d drawn %d times of 3000, want about %.0f", d.Arms, s, sizes[s], 3000/k)
			}
		}
		if len(sizes) != len(d.BlockSizes) {
			t.Errorf("%v: sizes drawn %v, declared %v", d.Arms, sizes, d.BlockSizes)
		}
	}
}

// The same seed and stratum give the same sequence; another seed or
// stratum gives another; and across seeds each place in the sequence is
// allocated in the ratio (nothing about the place predicts the arm).
func TestSequenceDeterministicAndUnpredictable(t *testing.T) {
	d := Design{Arms: []string{"control", "treatment"}, Ratio: []int{1, 2}, BlockSizes: []int{3, 6}}
	seq := func(s Seed, stratum string) string {
		var b strings.Builder
		for k := 0; k < 60; k++ {
			b.WriteString(d.Arm(s, stratum, k)[:1])
		}
		return b.String()
	}
	if seq(seedOf(7), "all") != seq(seedOf(7), "all") {
		t.Fatal("same seed, different sequences")
	}
	if seq(seedOf(7), "all") == seq(seedOf(8), "all") || seq(seedOf(7), "site=A") == seq(seedOf(7), "site=B") {
		t.Fatal("different seed or stratum, same sequence")
	}
	// 4000 seeds: the first and the third allocation are "treatment" with
	// probability 2/3 (within 5 SDs).
	for _, k := range []int{0, 2} {
		n := 0
		for i := 0; i < 4000; i++ {
			var s Seed
			copy(s[:], fmt.Sprintf("seed-%08d-padding-padding-pad", i))
			if d.Arm(s, "all", k) == "treatment" {
				n++
			}
		}
		if sd := math.Sqrt(4000 * 2.0 / 9); math.Abs(float64(n)-4000*2.0/3) > 5*sd {
			t.Errorf("allocation %d: treatment %d of 4000, want about 2667", k, n)
		}
	}
}

// The stream is specified in doc.go; testdata/sequence_reference.py is an
// independent implementation of that text (Python's hmac and hashlib), and
// printed the expected sequence. It must never change: a change would make
// earlier trials' logs fail the sequence check.
func TestSequenceAgainstReference(t *testing.T) {
	var got strings.Builder
	for k := 0; k < 24; k++ {
		got.WriteString(twoArms.Arm(seedOf(1), "site=North", k)[:1])
	}
	const want = "tcttcctcctctctctctctcttc" // python3 testdata/sequence_reference.py
	if got.String() != want {
		t.Errorf("sequence %s, want %s", got.String(), want)
	}
}

func TestDesignAndStratumErrors(t *testing.T) {
	d := Design{Arms: []string{"control", "treatment"}, Ratio: []int{1, 1}, BlockSizes: []int{4},
		Factors: []Factor{{"site", []string{"North", "South"}}, {"sex", []string{"F", "M"}}}}
	if s, err := d.Stratum(map[string]string{"sex": "F", "site": "South"}); err != nil || s != "site=South;sex=F" {
		t.Errorf("stratum %q, %v; want site=South;sex=F", s, err)
	}
	bad := []struct {
		levels map[string]string
		want   string
	}{
		{map[string]string{"site": "South"}, `factor "sex" missing`},
		{map[string]string{"site": "East", "sex": "F"}, "not a declared level"},
		{map[string]string{"site": "South", "sex": "F", "dob": "1990-01-01"}, "not a declared stratification factor"},
	}
	for _, b := range bad {
		if _, err := d.Stratum(b.levels); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: %v, want %q", b.levels, err, b.want)
		}
	}
	designs := []struct {
		d    Design
		want string
	}{
		{Design{Arms: []string{"a"}, Ratio: []int{1}, BlockSizes: []int{2}}, "at least two"},
		{Design{Arms: []string{"a", "b"}, Ratio: []int{1}, BlockSizes: []int{2}}, "one weight per arm"},
		{Design{Arms: []string{"a", "a"}, Ratio: []int{1, 1}, BlockSizes: []int{2}}, "twice"},
		{Design{Arms: []string{"a", "b"}, Ratio: []int{1, 2}, BlockSizes: []int{4}}, "not a multiple"},
		{Design{Arms: []string{"a", "b"}, Ratio: []int{1, 1}}, "no block sizes"},
		{Design{Arms: []string{"a", "b"}, Ratio: []int{1, 1}, BlockSizes: []int{2}, Factors: []Factor{{"site", []string{"A"}}}}, "two or more levels"},
	}
	for _, b := range designs {
		if err := b.d.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: %v, want %q", b.d, err, b.want)
		}
	}
	for _, ref := range []string{"AB123456C", "1990-01-31", "31/01/1990", "John Smith", ""} {
		if CheckRef(ref) == nil {
			t.Errorf("reference %q accepted, want refused", ref)
		}
	}
	for _, ref := range []string{"P-0001", "12345678", "site3/0042"} {
		if err := CheckRef(ref); err != nil {
			t.Errorf("reference %q refused: %v", ref, err)
		}
	}
}

// chainOf builds a log of n allocations as the store would.
func chainOf(n int) (Chain, Design, Seed) {
	d := Design{Arms: []string{"control", "treatment"}, Ratio: []int{1, 1}, BlockSizes: []int{2, 4},
		Factors: []Factor{{"site", []string{"A", "B"}}}}
	seed := seedOf(3)
	c := Chain{Trial: "t1", Genesis: Genesis("t1", d, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	head := c.Genesis
	inStratum := map[string]int{}
	t0 := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		stratum := "site=A"
		if i%3 == 0 {
			stratum = "site=B"
		}
		e := Allocate(c.Trial, d, seed, head, i, inStratum[stratum], fmt.Sprintf("P%03d", i), stratum, t0.Add(time.Duration(i)*time.Minute))
		inStratum[stratum]++
		c.Entries = append(c.Entries, e)
		head = e.Hash
	}
	c.RecordedHead, c.Recorded = head, n
	return c, d, seed
}

// Each kind of tampering is caught, at the right position, and named.
func TestVerifyCatchesTampering(t *testing.T) {
	c, d, seed := chainOf(10)
	if r := Verify(c, d, &seed); !r.OK || !r.SequenceChecked || r.Head != c.RecordedHead {
		t.Fatalf("untampered log: %+v", r)
	}
	cp := func() Chain {
		x := c
		x.Entries = append([]Entry(nil), c.Entries...)
		return x
	}
	other := func(a string) string {
		if a == "control" {
			return "treatment"
		}
		return "control"
	}
	tests := []struct {
		name   string
		tamper func(*Chain)
		pos    int
		kind   Kind
	}{
		{"arm edited", func(x *Chain) { x.Entries[4].Arm = other(x.Entries[4].Arm) }, 5, Edited},
		{"ref edited", func(x *Chain) { x.Entries[0].ParticipantRef = "P999" }, 1, Edited},
		{"time edited", func(x *Chain) { x.Entries[6].AllocatedAt = x.Entries[6].AllocatedAt.Add(time.Hour) }, 7, Edited},
		{"arm edited and rehashed", func(x *Chain) {
			x.Entries[4].Arm = other(x.Entries[4].Arm)
			x.Entries[4].Hash = Link(x.Trial, x.Entries[4].PrevHash, x.Entries[4])
		}, 6, Deleted},
		{"whole chain rewritten from an edited arm", func(x *Chain) {
			x.Entries[4].Arm = other(x.Entries[4].Arm)
			for i := 4; i < len(x.Entries); i++ {
				x.Entries[i].PrevHash = x.Entries[i-1].Hash
				x.Entries[i].Hash = Link(x.Trial, x.Entries[i].PrevHash, x.Entries[i])
			}
			x.RecordedHead = x.Entries[len(x.Entries)-1].Hash
		}, 5, OffSequence},
		{"middle deleted", func(x *Chain) { x.Entries = append(x.Entries[:3], x.Entries[4:]...) }, 5, Deleted},
		{"middle deleted, positions renumbered", func(x *Chain) {
			x.Entries = append(x.Entries[:3], x.Entries[4:]...)
			for i := range x.Entries {
				x.Entries[i].Position = i + 1
			}
		}, 4, Deleted},
		{"first deleted", func(x *Chain) { x.Entries = x.Entries[1:] }, 2, Deleted},
		{"tail truncated", func(x *Chain) { x.Entries = x.Entries[:8] }, 9, Deleted},
		{"tail truncated with count", func(x *Chain) { x.Entries = x.Entries[:8]; x.Recorded = 8 }, 9, Deleted},
		{"two swapped", func(x *Chain) {
			x.Entries[2], x.Entries[5] = x.Entries[5], x.Entries[2]
			x.Entries[2].Position, x.Entries[5].Position = 3, 6
		}, 3, Reordered},
		{"first two swapped", func(x *Chain) {
			x.Entries[0], x.Entries[1] = x.Entries[1], x.Entries[0]
			x.Entries[0].Position, x.Entries[1].Position = 1, 2
		}, 1, Reordered},
		{"inserted with a forged link", func(x *Chain) {
			fake := Entry{Position: 4, ParticipantRef: "X1", Stratum: "site=A", Arm: "treatment", PrevHash: strings.Repeat("0", 64)}
			fake.Hash = Link(x.Trial, fake.PrevHash, fake)
			x.Entries = append(x.Entries[:3], append([]Entry{fake}, x.Entries[3:]...)...)
			for i := range x.Entries {
				x.Entries[i].Position = i + 1
			}
		}, 4, Inserted},
		{"inserted with a correct link", func(x *Chain) {
			fake := Entry{Position: 4, ParticipantRef: "X1", Stratum: "site=A", Arm: "treatment", PrevHash: x.Entries[2].Hash}
			fake.Hash = Link(x.Trial, fake.PrevHash, fake)
			x.Entries = append(x.Entries[:3], append([]Entry{fake}, x.Entries[3:]...)...)
			for i := range x.Entries {
				x.Entries[i].Position = i + 1
			}
		}, 4, Inserted},
		{"appended after the head", func(x *Chain) {
			last := x.Entries[len(x.Entries)-1]
			fake := Entry{Position: 11, ParticipantRef: "X2", Stratum: "site=A", Arm: "treatment", PrevHash: last.Hash}
			fake.Hash = Link(x.Trial, fake.PrevHash, fake)
			x.Entries = append(x.Entries, fake)
		}, 11, Inserted},
		{"design changed (genesis)", func(x *Chain) {
			d2 := d
			d2.Ratio = []int{1, 2}
			x.Genesis = Genesis(x.Trial, d2, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		}, 1, Deleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := cp()
			tt.tamper(&x)
			r := Verify(x, d, &seed)
			if r.OK || r.Break == nil {
				t.Fatalf("tampering not caught: %+v", r)
			}
			if r.Break.Kind != tt.kind || r.Break.Position != tt.pos {
				t.Errorf("break %+v, want %s at position %d", *r.Break, tt.kind, tt.pos)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	c, _, _ := chainOf(2)
	var b bytes.Buffer
	if err := WriteCSV(&b, c.Entries); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || lines[0] != "position,participant_ref,stratum,arm,allocated_at,hash" ||
		!strings.HasPrefix(lines[1], "1,P001,site=A,") || !strings.HasSuffix(lines[2], c.Entries[1].Hash) {
		t.Errorf("csv:\n%s", b.String())
	}
}
