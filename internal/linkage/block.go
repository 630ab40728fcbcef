package linkage

import "github.com/employment-data-lab/datalab/internal/timeline"

// Blocking (Fellegi & Sunter 1969 §4; Christen 2012, "Data Matching",
// Springer, ch. 4): only pairs that share at least one blocking key are
// compared. Each key is designed to survive the errors the others cannot,
// so a true pair is missed only when all of them fail:
//
//	nino        the NINO (fails when it is missing or mistyped)
//	dob         the date of birth, the participant's also with day and
//	            month exchanged (fails on other DOB errors)
//	surname     Soundex of the last name + birth year (fails on a changed
//	            surname or birth year)
//	names       formal first name (nicknames folded) + Soundex of the last
//	            name (fails on a first-name typo or changed surname)
//	place       postcode sector + birth year (fails when the person moved
//	            or the birth year is wrong)
//
// The candidate pairs are the union over keys. Keys are 64-bit FNV-1a
// hashes; a collision only adds a pair to compare, never loses one.
type blockKey uint8

const (
	keyNINO blockKey = iota + 1
	keyDOB
	keySurname
	keyNames
	keyPlace
)

// blockKeyNames names the keys in the report.
var blockKeyNames = [...]string{keyNINO: "nino", keyDOB: "dob", keySurname: "surname+birth_year", keyNames: "first_name+surname", keyPlace: "postcode_sector+birth_year"}

type hasher uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func newHasher(k blockKey) hasher { return hasher(fnvOffset).byte(byte(k)) }

func (h hasher) byte(b byte) hasher { return (h ^ hasher(b)) * fnvPrime }

func (h hasher) str(s string) hasher {
	for i := 0; i < len(s); i++ {
		h = h.byte(s[i])
	}
	return h.byte(0)
}

func (h hasher) int(x int) hasher {
	for i := 0; i < 4; i++ {
		h = h.byte(byte(x >> (8 * i)))
	}
	return h
}

func dobKey(d timeline.Date) uint64 { return uint64(newHasher(keyDOB).int(int(d))) }

// keys calls fn with each blocking key of r. For a participant
// (participant true) the date of birth is also keyed with day and month
// exchanged; an identity is keyed as recorded.
func (r *record) keys(participant bool, fn func(blockKey, uint64)) {
	if r.nino != "" {
		fn(keyNINO, uint64(newHasher(keyNINO).str(r.nino)))
	}
	if r.hasDOB {
		fn(keyDOB, dobKey(r.dob))
		if participant {
			if s, ok := r.swappedDOB(); ok {
				fn(keyDOB, dobKey(s))
			}
		}
		if r.lastSoundex != "" {
			fn(keySurname, uint64(newHasher(keySurname).str(r.lastSoundex).int(r.year)))
		}
		if r.postcode.Sector != "" {
			fn(keyPlace, uint64(newHasher(keyPlace).str(r.postcode.Sector).int(r.year)))
		}
	}
	if r.lastSoundex != "" {
		for _, f := range r.formal {
			if f != "" {
				fn(keyNames, uint64(newHasher(keyNames).str(f).str(r.lastSoundex)))
			}
		}
	}
}

// blockIndex maps each blocking key to the participants that have it.
type blockIndex map[uint64][]int32

func newBlockIndex(recs []record) blockIndex {
	ix := make(blockIndex, len(recs)*6)
	for i := range recs {
		recs[i].keys(true, func(_ blockKey, k uint64) {
			l := ix[k]
			if len(l) == 0 || l[len(l)-1] != int32(i) {
				ix[k] = append(l, int32(i))
			}
		})
	}
	return ix
}

// candidate is a participant found in blocking, with the keys it shares
// with the identity (bit k set for blockKey k).
type candidate struct {
	p    int32
	keys uint8
}

// candidates appends to buf the participants sharing at least one key with
// identity q, each once.
func (ix blockIndex) candidates(q *record, buf []candidate) []candidate {
	buf = buf[:0]
	q.keys(false, func(kind blockKey, k uint64) {
		for _, p := range ix[k] {
			dup := false
			for i := range buf {
				if buf[i].p == p {
					buf[i].keys |= 1 << kind
					dup = true
					break
				}
			}
			if !dup {
				buf = append(buf, candidate{p: p, keys: 1 << kind})
			}
		}
	})
	return buf
}
