package randomise

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Entry is one allocation in a trial's log.
type Entry struct {
	Position       int       `json:"position"` // 1, 2, … in the order of the chain
	ParticipantRef string    `json:"participant_ref"`
	Stratum        string    `json:"stratum"`
	Arm            string    `json:"arm"`
	AllocatedAt    time.Time `json:"allocated_at"`
	PrevHash       string    `json:"prev_hash"` // hex SHA-256 of the entry before (the genesis for the first)
	Hash           string    `json:"hash"`      // hex SHA-256 of PrevHash and this entry
}

// TimeFormat is how allocation times are written (UTC).
const TimeFormat = time.RFC3339Nano

// field appends a length-prefixed field, so that no two different entries
// share an encoding.
func field(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, ',')
}

// bytes is the entry's canonical encoding within trial. The position is
// not in it: an entry's place is fixed by the chain itself, and Verify
// checks that positions count 1, 2, … along it.
func (e Entry) bytes(trial string) []byte {
	b := field(nil, "datalab.trial.allocation.v1")
	b = field(b, trial)
	b = field(b, e.ParticipantRef)
	b = field(b, e.Stratum)
	b = field(b, e.Arm)
	return field(b, e.AllocatedAt.UTC().Format(TimeFormat))
}

// Link returns the hash of e following prev (hex) in trial's chain.
func Link(trial, prev string, e Entry) string {
	p, err := hex.DecodeString(prev)
	if err != nil {
		// A stored prev_hash that is not hex cannot be the hash of
		// anything: hash its text so the link fails to match.
		p = []byte(prev)
	}
	h := sha256.New()
	h.Write(p)
	h.Write(e.bytes(trial))
	return hex.EncodeToString(h.Sum(nil))
}

// Genesis is the hash the chain starts from: the trial's identifier, its
// design (so changing arms, ratio, strata or block sizes later breaks the
// chain) and when it was created.
func Genesis(trial string, d Design, created time.Time) string {
	dj, err := json.Marshal(d)
	if err != nil {
		panic(err) // Design holds only strings and ints
	}
	b := field(nil, "datalab.trial.genesis.v1")
	b = field(b, trial)
	b = field(b, string(dj))
	b = field(b, created.UTC().Format(TimeFormat))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
