package randomise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Seed is the secret from which a trial's allocation sequence is derived.
// It is kept in the lab store and never printed until the trial closes.
type Seed [32]byte

// NewSeed draws a seed from entropy, which should be crypto/rand.Reader
// (tests pass a fixed reader).
func NewSeed(entropy io.Reader) (Seed, error) {
	var s Seed
	if _, err := io.ReadFull(entropy, s[:]); err != nil {
		return s, fmt.Errorf("randomise: draw seed: %w", err)
	}
	return s, nil
}

// String is the seed in hex: only for the store and for unblinding.
func (s Seed) String() string { return hex.EncodeToString(s[:]) }

// ParseSeed reads a hex seed.
func ParseSeed(h string) (Seed, error) {
	var s Seed
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != len(s) {
		return s, fmt.Errorf("randomise: seed is not 64 hex digits")
	}
	copy(s[:], b)
	return s, nil
}

// stream is a deterministic stream of uniform 64-bit words: HMAC-SHA-256
// of the seed over a label and a block counter, read 8 bytes at a time
// (big-endian).
type stream struct {
	mac   []byte // seed
	label string
	ctr   uint64
	buf   []byte
}

func newStream(seed Seed, label string) *stream {
	return &stream{mac: seed[:], label: label}
}

func (s *stream) uint64() uint64 {
	if len(s.buf) == 0 {
		h := hmac.New(sha256.New, s.mac)
		h.Write([]byte(s.label))
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], s.ctr)
		h.Write(c[:])
		s.ctr++
		s.buf = h.Sum(nil)
	}
	v := binary.BigEndian.Uint64(s.buf[:8])
	s.buf = s.buf[8:]
	return v
}

// intn is uniform on 0..n-1, by rejecting the words at the top of the range
// that would bias the remainder.
func (s *stream) intn(n int) int {
	un := uint64(n)
	limit := math.MaxUint64 - (math.MaxUint64%un+1)%un
	for {
		v := s.uint64()
		if v <= limit {
			return int(v % un)
		}
	}
}

// Block returns block b (0, 1, …) of stratum in the sequence: a
// permutation of the arms, each repeated in proportion to its ratio
// weight, of a size drawn from the design's block sizes.
func (d Design) Block(seed Seed, stratum string, b int) []string {
	// The label is length-prefixed so no stratum name can collide with
	// another's blocks.
	label := "datalab.block.v1\x00" + strconv.Itoa(len(stratum)) + ":" + stratum + "\x00" + strconv.Itoa(b) + "\x00"
	s := newStream(seed, label)
	size := d.BlockSizes[s.intn(len(d.BlockSizes))]
	reps := size / d.ratioTotal()
	block := make([]string, 0, size)
	for i, a := range d.Arms {
		for j := 0; j < reps*d.Ratio[i]; j++ {
			block = append(block, a)
		}
	}
	for i := len(block) - 1; i > 0; i-- {
		j := s.intn(i + 1)
		block[i], block[j] = block[j], block[i]
	}
	return block
}

// Arm returns the arm of the k-th allocation (k = 0, 1, …) in stratum: the
// sequence's blocks laid end to end.
func (d Design) Arm(seed Seed, stratum string, k int) string {
	for b := 0; ; b++ {
		block := d.Block(seed, stratum, b)
		if k < len(block) {
			return block[k]
		}
		k -= len(block)
	}
}
