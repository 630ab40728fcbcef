package index

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"unsafe"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// The index file format, version 1. All integers are little-endian; every
// section starts on an 8-byte boundary (zero padding), so that a file read
// into one buffer can be viewed as typed slices without copying.
//
//	header (128 bytes)
//	  [8]byte  magic "DLTLIDX\x00"
//	  uint32   version (1)
//	  uint32   NumStatus the file was built with (6)
//	  [32]byte content hash of the spine (raw sha256)
//	  int32    window start, int32 window end, int32 earnings-from month, int32 0
//	  uint64   people n
//	  uint64   intervals, earnings months, achievement dates, person_id bytes,
//	           regions r, region bytes (six counts)
//	  [8]byte  zero
//	sections, in order
//	  int64[n+1]      person_id offsets      byte[...]   person_id bytes
//	  uint32[n]       people sorted by person_id (for Lookup)
//	  int32[n]        date of birth          uint8[n]    sex
//	  uint32[n]       region number          int64[r+1]  region offsets, byte[...] region names
//	  int64[6n+1]     interval offsets       int32[2*intervals] intervals (start, end)
//	  int64[n+1]      earnings offsets       int32[months] months   float64[months] running totals
//	  int64[n+1]      achievement offsets    int32[dates] dates
//	trailer
//	  uint32  CRC-32C of every byte before it, uint32 0
//
// Only little-endian hosts are supported (every platform DuckDB's Go
// bindings ship for is one).
const (
	magic         = "DLTLIDX\x00"
	formatVersion = 1
	headerSize    = 128
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is the fixed start of an index file.
type header struct {
	hash                              [32]byte
	window                            timeline.Window
	n                                 uint64
	intervals, months, dates, idBytes uint64
	regions, regionBytes              uint64
}

func (h *header) encode() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], formatVersion)
	le.PutUint32(b[12:], uint32(timeline.NumStatus))
	copy(b[16:48], h.hash[:])
	le.PutUint32(b[48:], uint32(h.window.Start))
	le.PutUint32(b[52:], uint32(h.window.End))
	le.PutUint32(b[56:], uint32(h.window.EarningsFrom))
	for i, v := range []uint64{h.n, h.intervals, h.months, h.dates, h.idBytes, h.regions, h.regionBytes} {
		le.PutUint64(b[64+8*i:], v)
	}
	return b
}

func decodeHeader(b []byte) (header, error) {
	var h header
	if len(b) < headerSize || string(b[:8]) != magic {
		return h, errors.New("not a timeline index file (bad magic)")
	}
	le := binary.LittleEndian
	if v := le.Uint32(b[8:]); v != formatVersion {
		return h, fmt.Errorf("index format version %d, this program reads version %d", v, formatVersion)
	}
	if v := le.Uint32(b[12:]); v != uint32(timeline.NumStatus) {
		return h, fmt.Errorf("index built for %d statuses, this program has %d", v, timeline.NumStatus)
	}
	copy(h.hash[:], b[16:48])
	h.window = timeline.Window{
		Start:        timeline.Date(int32(le.Uint32(b[48:]))),
		End:          timeline.Date(int32(le.Uint32(b[52:]))),
		EarningsFrom: timeline.Month(int32(le.Uint32(b[56:]))),
	}
	vals := make([]uint64, 7)
	for i := range vals {
		vals[i] = le.Uint64(b[64+8*i:])
	}
	h.n, h.intervals, h.months, h.dates, h.idBytes, h.regions, h.regionBytes = vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6]
	return h, nil
}

// bytesOf views a slice's memory as bytes (for writing).
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// writeFile writes ix to path atomically: a temporary file in the same
// folder, synced, then renamed over path.
func (ix *Index) writeFile(path string) (err error) {
	suffix := make([]byte, 6)
	rand.Read(suffix)
	tmp := path + ".tmp-" + hex.EncodeToString(suffix)
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	crc := crc32.New(castagnoli)
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	var off int64
	put := func(b []byte) {
		if err != nil {
			return
		}
		_, err = w.Write(b)
		off += int64(len(b))
		if pad := (8 - off%8) % 8; pad > 0 && err == nil {
			_, err = w.Write(make([]byte, pad))
			off += pad
		}
	}
	fl := &ix.flat
	h := header{
		window: ix.window, n: uint64(fl.Len()), intervals: uint64(len(fl.Spells)),
		months: uint64(len(fl.EarnMonths)), dates: uint64(len(fl.CourseAchieved)),
		idBytes: uint64(len(ix.ids)), regions: uint64(len(ix.regions)),
	}
	copy(h.hash[:], ix.hashRaw)
	var regionBytes []byte
	regionOff := make([]int64, 1, len(ix.regions)+1)
	for _, r := range ix.regions {
		regionBytes = append(regionBytes, r...)
		regionOff = append(regionOff, int64(len(regionBytes)))
	}
	h.regionBytes = uint64(len(regionBytes))

	put(h.encode())
	put(bytesOf(ix.idOff))
	put(ix.ids)
	put(bytesOf(ix.byID))
	dob := make([]timeline.Date, fl.Len())
	sex := make([]byte, fl.Len())
	for i, p := range fl.People {
		dob[i], sex[i] = p.DateOfBirth, p.Sex
	}
	put(bytesOf(dob))
	put(sex)
	put(bytesOf(ix.regionOf))
	put(bytesOf(regionOff))
	put(regionBytes)
	put(bytesOf(fl.SpellOff))
	put(bytesOf(fl.Spells))
	put(bytesOf(fl.EarnOff))
	put(bytesOf(fl.EarnMonths))
	put(bytesOf(fl.EarnCum))
	put(bytesOf(fl.AchOff))
	put(bytesOf(fl.CourseAchieved))
	if err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	trailer := make([]byte, 8)
	binary.LittleEndian.PutUint32(trailer, crc.Sum32())
	if _, err = f.Write(trailer); err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("index: writing %s: %w", path, err)
	}
	return nil
}

// reader takes typed views of consecutive 8-aligned sections of a buffer.
type reader struct {
	b   []byte
	off int
	err error
}

func take[T any](r *reader, n uint64) []T {
	if r.err != nil {
		return nil
	}
	var z T
	size := int(unsafe.Sizeof(z))
	if n > uint64(len(r.b)-r.off)/uint64(size) {
		r.err = fmt.Errorf("file is truncated (a section of %d items runs past its end)", n)
		return nil
	}
	nb := int(n) * size
	var s []T
	if n > 0 {
		s = unsafe.Slice((*T)(unsafe.Pointer(&r.b[r.off])), int(n))
	}
	r.off += nb
	r.off += (8 - r.off%8) % 8
	return s
}

// readFile loads an index file with one read and views its sections in
// place. It verifies the magic, version, checksum and array invariants.
func readFile(path string) (*Index, error) {
	if !littleEndian() {
		return nil, errors.New("index: this host is big-endian; index files are little-endian")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < headerSize+8 {
		return nil, errors.New("file is truncated")
	}
	h, err := decodeHeader(b)
	if err != nil {
		return nil, err
	}
	body, trailer := b[:len(b)-8], b[len(b)-8:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(trailer) {
		return nil, errors.New("checksum mismatch: the file is damaged")
	}
	r := &reader{b: body, off: headerSize}
	ix := &Index{hashRaw: bytes.Clone(h.hash[:]), window: h.window, data: b}
	n := h.n
	ix.idOff = take[int64](r, n+1)
	ix.ids = take[byte](r, h.idBytes)
	ix.byID = take[uint32](r, n)
	dob := take[timeline.Date](r, n)
	sex := take[byte](r, n)
	ix.regionOf = take[uint32](r, n)
	regionOff := take[int64](r, h.regions+1)
	regionBytes := take[byte](r, h.regionBytes)
	fl := &ix.flat
	fl.SpellOff = take[int64](r, n*uint64(timeline.NumStatus)+1)
	fl.Spells = take[timeline.Interval](r, h.intervals)
	fl.EarnOff = take[int64](r, n+1)
	fl.EarnMonths = take[timeline.Month](r, h.months)
	fl.EarnCum = take[float64](r, h.months)
	fl.AchOff = take[int64](r, n+1)
	fl.CourseAchieved = take[timeline.Date](r, h.dates)
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("file has %d bytes after its last section", len(body)-r.off)
	}
	if err := checkOffsets(ix.idOff, len(ix.ids)); err != nil {
		return nil, fmt.Errorf("person_id offsets: %w", err)
	}
	if err := checkOffsets(regionOff, len(regionBytes)); err != nil {
		return nil, fmt.Errorf("region offsets: %w", err)
	}
	ix.regions = make([]string, h.regions)
	for k := range ix.regions {
		ix.regions[k] = string(regionBytes[regionOff[k]:regionOff[k+1]])
	}
	fl.People = make([]timeline.Person, n)
	for i := range fl.People {
		reg := ix.regionOf[i]
		if uint64(reg) >= h.regions {
			return nil, fmt.Errorf("person %d has region number %d of %d", i, reg, h.regions)
		}
		if ix.byID[i] >= uint32(n) {
			return nil, fmt.Errorf("lookup table entry %d points past the people", i)
		}
		fl.People[i] = timeline.Person{DateOfBirth: dob[i], Sex: sex[i], Region: ix.regions[reg]}
	}
	if err := fl.Check(); err != nil {
		return nil, err
	}
	return ix, nil
}

func checkOffsets(off []int64, end int) error {
	if len(off) == 0 || off[0] != 0 || off[len(off)-1] != int64(end) {
		return errors.New("do not span their data")
	}
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] {
			return errors.New("decrease")
		}
	}
	return nil
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}
