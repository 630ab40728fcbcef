package randomise

import "fmt"

// Kind is a kind of tampering Verify can name.
type Kind string

// The kinds of tampering.
const (
	Edited      Kind = "edited"       // an entry's contents no longer match its hash
	Deleted     Kind = "deleted"      // an entry is missing (from the middle, or the tail)
	Inserted    Kind = "inserted"     // an entry is not part of the chain
	Reordered   Kind = "reordered"    // entries are out of chain order
	OffSequence Kind = "off-sequence" // an arm is not the one the concealed sequence gave
)

// Break is the first place a log fails verification.
type Break struct {
	Position int    `json:"position"` // the stored position where the break shows
	Kind     Kind   `json:"kind"`
	Detail   string `json:"detail"`
}

// Report is the outcome of Verify.
type Report struct {
	OK              bool     `json:"ok"`
	Entries         int      `json:"entries"`
	Head            string   `json:"head"` // the head recomputed from the log
	RecordedHead    string   `json:"recorded_head"`
	SequenceChecked bool     `json:"sequence_checked"` // arms checked against the seed
	Break           *Break   `json:"break,omitempty"`
	Notes           []string `json:"notes,omitempty"`
}

// Chain is what Verify checks: the log as stored (in stored position
// order) and what was recorded beside it.
type Chain struct {
	Trial        string
	Genesis      string
	RecordedHead string // the head kept in the trial's record
	Recorded     int    // the number of allocations the trial's record holds
	Entries      []Entry
}

// Verify recomputes the chain and reports the first break. With a seed it
// also checks every arm against the concealed sequence (the store passes
// its seed; after unblinding anyone can).
func Verify(c Chain, d Design, seed *Seed) Report {
	r := Report{Entries: len(c.Entries), RecordedHead: c.RecordedHead}
	r.Break = chainBreak(c)
	r.Head = c.Genesis
	if n := len(c.Entries); n > 0 {
		r.Head = c.Entries[n-1].Hash
	}
	if r.Break == nil && seed != nil {
		r.SequenceChecked = true
		r.Break = sequenceBreak(c.Entries, d, *seed)
	}
	r.OK = r.Break == nil
	return r
}

func chainBreak(c Chain) *Break {
	es := c.Entries
	at := make(map[string]int, len(es)) // stored hash -> index
	for i, e := range es {
		at[e.Hash] = i
	}
	refs := make(map[string]int, len(es))
	expect := c.Genesis
	for i, e := range es {
		pos := e.Position
		if i == c.Recorded && expect == c.RecordedHead {
			return &Break{pos, Inserted, fmt.Sprintf("the trial's record ends at position %d (its chain head), but the log goes on to position %d: %d entr(ies) were appended outside the service", i, es[len(es)-1].Position, len(es)-i)}
		}
		if e.PrevHash != expect {
			j, found := at[e.PrevHash]
			switch {
			case i > 0 && e.PrevHash == es[i-1].PrevHash:
				// Two entries claim the same predecessor. The one that
				// does not match its own hash, or that the next entry
				// does not follow, is the interloper.
				odd := es[i-1]
				if Link(c.Trial, e.PrevHash, e) != e.Hash || (i+1 < len(es) && es[i+1].PrevHash == odd.Hash && odd.Hash != e.Hash) {
					odd = e
				}
				return &Break{odd.Position, Inserted, fmt.Sprintf("the entries at positions %d and %d both claim to follow the same entry: the one at position %d was inserted", es[i-1].Position, pos, odd.Position)}
			case found && j > i:
				return &Break{pos, Reordered, fmt.Sprintf("the entry at position %d follows the entry now stored at position %d: entries were moved", pos, es[j].Position)}
			case found && j < i-1:
				return &Break{es[j+1].Position, Inserted, fmt.Sprintf("the entry at position %d follows the one at position %d: the %d entr(ies) between are not in the chain", pos, es[j].Position, i-1-j)}
			case e.PrevHash == c.Genesis:
				return &Break{pos, Reordered, fmt.Sprintf("the entry at position %d is the chain's first: entries were moved", pos)}
			case i+1 < len(es) && es[i+1].PrevHash == expect:
				return &Break{pos, Inserted, fmt.Sprintf("the entry at position %d is not in the chain: the next entry follows position %d", pos, pos-1)}
			default:
				return &Break{pos, Deleted, fmt.Sprintf("the entry that position %d follows is missing: an entry before it was deleted", pos)}
			}
		}
		if Link(c.Trial, e.PrevHash, e) != e.Hash {
			return &Break{pos, Edited, fmt.Sprintf("the entry at position %d (participant %q) no longer matches its hash", pos, e.ParticipantRef)}
		}
		if pos != i+1 {
			kind := Edited
			if pos > i+1 && i > 0 && es[i-1].Position == pos-1 {
				kind = Deleted
			}
			return &Break{pos, kind, fmt.Sprintf("the chain's entry %d is stored at position %d: positions were renumbered or removed", i+1, pos)}
		}
		if k, dup := refs[e.ParticipantRef]; dup {
			return &Break{pos, Inserted, fmt.Sprintf("participant %q appears at positions %d and %d", e.ParticipantRef, es[k].Position, pos)}
		}
		refs[e.ParticipantRef] = i
		expect = e.Hash
	}
	if c.RecordedHead != expect {
		if j, found := at[c.RecordedHead]; found {
			return &Break{es[j].Position + 1, Inserted, fmt.Sprintf("the recorded chain head is the entry at position %d: the %d entr(ies) after it were appended outside the service", es[j].Position, len(es)-1-j)}
		}
		last := 0
		if len(es) > 0 {
			last = es[len(es)-1].Position
		}
		return &Break{last + 1, Deleted, fmt.Sprintf("the recorded chain head is not in the log (%d entries, %d recorded): entries were removed from the end, or the record was altered", len(es), c.Recorded)}
	}
	if c.Recorded != len(es) {
		return &Break{len(es), Edited, fmt.Sprintf("the trial's record counts %d allocations but the log holds %d", c.Recorded, len(es))}
	}
	return nil
}

// sequenceBreak replays the sequence: each entry's arm must be the next
// one in its stratum. Blocks are generated once each, so the replay is
// linear in the log's length.
func sequenceBreak(es []Entry, d Design, seed Seed) *Break {
	type cursor struct {
		block    []string
		b, at, k int
	}
	cur := map[string]*cursor{}
	for _, e := range es {
		c := cur[e.Stratum]
		if c == nil {
			c = &cursor{block: d.Block(seed, e.Stratum, 0)}
			cur[e.Stratum] = c
		}
		if c.at == len(c.block) {
			c.b++
			c.block, c.at = d.Block(seed, e.Stratum, c.b), 0
		}
		if want := c.block[c.at]; want != e.Arm {
			return &Break{e.Position, OffSequence, fmt.Sprintf("participant %q at position %d is in arm %q, but allocation %d of stratum %s is %q", e.ParticipantRef, e.Position, e.Arm, c.k+1, e.Stratum, want)}
		}
		c.at++
		c.k++
	}
	return nil
}
