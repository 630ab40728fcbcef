package synth

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// submissionRow is one row of a provider's submission: a participant in
// the spine, or (noisy files only) someone the spine does not hold.
type submissionRow struct {
	ref  string
	part *participant // nil for a person not in the spine
	// identity as the provider would hold it (clean)
	first, nick, last, nino, postcode string
	dob, start                        timeline.Date
	district                          int
	site                              string
	key                               uint64 // sort key among rows with the same start date
}

// writeProgrammes writes each programme's participants.csv and, with
// Noise, participants_noisy.csv and true_links.csv.
func (g *generator) writeProgrammes(tmp string, parts []participant) ([]FileCount, []ProgrammeSummary, error) {
	var files []FileCount
	var sums []ProgrammeSummary
	s := newSim(g.cfg, g.w, g.progs) // for identity helpers (postcodes, NINOs)
	for k, prog := range g.progs {
		dir := filepath.Join(tmp, "programmes", prog.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("synth: %w", err)
		}
		rows := g.submission(s, k, parts)
		ps := ProgrammeSummary{Name: prog.Name}
		for _, r := range rows {
			if r.part == nil {
				continue
			}
			if ps.Participants == 0 || r.start < ps.FirstStart {
				ps.FirstStart = r.start
			}
			ps.LastStart = max(ps.LastStart, r.start)
			ps.Participants++
		}
		header := "participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,site\n"
		b := []byte(header)
		for _, r := range rows {
			if r.part == nil {
				continue
			}
			b = appendSubmission(b, r.ref, r.nino, r.first, r.last, appendDate(nil, r.dob), r.postcode, r.start, r.site)
		}
		name := filepath.Join("programmes", prog.Name, "participants.csv")
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return nil, nil, fmt.Errorf("synth: writing %s: %w", name, err)
		}
		files = append(files, FileCount{Path: filepath.ToSlash(name), Rows: ps.Participants})

		if g.cfg.Noise {
			noisy, links := g.noisy(s, k, rows)
			for _, f := range []struct {
				name string
				data []byte
			}{{"participants_noisy.csv", noisy}, {"true_links.csv", links}} {
				name := filepath.Join("programmes", prog.Name, f.name)
				if err := os.WriteFile(filepath.Join(tmp, name), f.data, 0o644); err != nil {
					return nil, nil, fmt.Errorf("synth: writing %s: %w", name, err)
				}
				files = append(files, FileCount{Path: filepath.ToSlash(name), Rows: len(rows)})
			}
			ps.NoisyRows = len(rows)
			ps.NotInSpine = len(rows) - ps.Participants
		}
		sums = append(sums, ps)
	}
	return files, sums, nil
}

// submission returns programme k's rows: its participants and, whether or
// not noise is written (so refs do not depend on it), a few people the
// spine does not hold. Rows are ordered by start date and a hash, and refs
// numbered in that order.
func (g *generator) submission(s *sim, k int, parts []participant) []submissionRow {
	prog := g.progs[k]
	var rows []submissionRow
	for i := range parts {
		pt := &parts[i]
		if pt.prog != k {
			continue
		}
		rows = append(rows, submissionRow{part: pt, first: pt.first, nick: pt.nick, last: pt.last, nino: pt.nino,
			postcode: pt.postcode, dob: pt.dob, start: pt.start, district: pt.district, site: pt.site,
			key: mix64(g.cfg.Seed ^ uint64(pt.idx))})
	}
	// People the spine does not hold: fresh identities with NINOs from
	// beyond the spine's range, so they never collide with a spine person.
	r := newPCG(g.cfg.Seed, uint64(k), streamNoise)
	extra := int(math.Round(g.cfg.NoiseRates.NotInSpine * float64(len(rows))))
	first, last := s.progWeeks[k][0], s.progWeeks[k][1]
	for i := range extra {
		var fake submissionRow
		if unif(&r) < 0.5 {
			n := femaleNames[int(unif(&r)*float64(len(femaleNames)))]
			fake.first, fake.nick = n.Formal, n.Nick
		} else {
			n := maleNames[int(unif(&r)*float64(len(maleNames)))]
			fake.first, fake.nick = n.Formal, n.Nick
		}
		fake.last = surnames[int(unif(&r)*float64(len(surnames)))]
		fake.dob = g.cfg.Start - timeline.Date(6600+unif(&r)*15000)
		fake.district = int(unif(&r) * float64(len(g.w.districts)))
		fake.postcode = s.postcode(&r, fake.district)
		fake.nino = s.nino(uint64(g.cfg.People) + uint64(k)*1_000_000 + uint64(i))
		fake.start = s.gr.day(first + int(unif(&r)*float64(last-first+1)))
		fake.site = prog.Site(g.w, g.w.districts[fake.district].Region, fake.district)
		fake.key = mix64(g.cfg.Seed ^ 1<<62 ^ uint64(k)<<40 ^ uint64(i))
		rows = append(rows, fake)
	}
	slices.SortStableFunc(rows, func(a, b submissionRow) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	for i := range rows {
		rows[i].ref = prog.RefPrefix + "-" + leftPad(strconv.Itoa(i+1), 6)
	}
	return rows
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func appendSubmission(b []byte, ref, nino, first, last string, dob []byte, postcode string, start timeline.Date, site string) []byte {
	b = append(b, ref...)
	b = append(b, ',')
	b = appendField(b, nino)
	b = append(b, ',')
	b = appendField(b, first)
	b = append(b, ',')
	b = appendField(b, last)
	b = append(b, ',')
	b = append(b, dob...)
	b = append(b, ',')
	b = appendField(b, postcode)
	b = append(b, ',')
	b = appendDate(b, start)
	b = append(b, ',')
	b = appendField(b, site)
	return append(b, '\n')
}

// noisy returns participants_noisy.csv and true_links.csv for rows.
func (g *generator) noisy(s *sim, k int, rows []submissionRow) (noisy, links []byte) {
	nr := g.cfg.NoiseRates
	r := newPCG(g.cfg.Seed, uint64(k)+1<<20, streamNoise)
	noisy = []byte("participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,site\n")
	links = []byte("participant_ref,person_id\n")
	for _, row := range rows {
		var e noiseEdits
		e.apply(&r, nr, &row, s, len(g.w.districts))
		dob := appendDate(nil, e.dob)
		if e.slashes {
			dob = appendDateDMY(nil, e.dob)
		}
		noisy = appendSubmission(noisy, row.ref, e.nino, e.first, e.last, dob, e.postcode, row.start, row.site)
		links = append(links, row.ref...)
		links = append(links, ',')
		if row.part != nil {
			links = appendID(links, 'P', row.part.idx+1, g.width)
		}
		links = append(links, '\n')
	}
	return noisy, links
}

// noiseEdits is one noisy row and the errors it carries.
type noiseEdits struct {
	nino, first, last, postcode string
	dob                         timeline.Date
	slashes                     bool
	// which errors were applied (for tests)
	missingNINO, ninoTypo, nickname, nameTypo, dobSwap, dobTypo, surname, moved, formatting bool
}

// apply draws the errors of one row. Each kind has its own draw, made
// whether or not it applies, so one rate never shifts another's rows.
func (e *noiseEdits) apply(r *rand.PCG, nr NoiseRates, row *submissionRow, s *sim, nDistricts int) {
	var u [10]float64
	for i := range u {
		u[i] = unif(r)
	}
	aux := r.Uint64()
	e.nino, e.first, e.last, e.postcode, e.dob = row.nino, row.first, row.last, row.postcode, row.dob
	switch {
	case u[0] < nr.MissingNINO:
		e.nino, e.missingNINO = "", true
	case u[0] < nr.MissingNINO+nr.NINOTypo:
		e.nino, e.ninoTypo = ninoTypo(e.nino, aux), true
	}
	if u[1] < nr.Nickname && row.nick != "" {
		e.first, e.nickname = row.nick, true
	}
	if u[2] < nr.NameTypo {
		e.nameTypo = true
		if aux>>20&1 == 0 {
			e.first = nameTypo(e.first, aux>>21)
		} else {
			e.last = nameTypo(e.last, aux>>21)
		}
	}
	if y, m, d := e.dob.Civil(); u[3] < nr.DOBSwap && d <= 12 && d != int(m) {
		e.dob, e.dobSwap = timeline.DateOf(y, time.Month(d), int(m)), true
	}
	if u[8] < nr.DOBTypo && !e.dobSwap {
		e.dob, e.dobTypo = dobTypo(e.dob, aux>>48), true
	}
	if u[9] < nr.SurnameChange {
		last := surnames[int(aux>>32%uint64(len(surnames)))]
		if last == e.last {
			last = surnames[(int(aux>>32%uint64(len(surnames)))+1)%len(surnames)]
		}
		e.last, e.surname = last, true
	}
	e.slashes = u[4] < nr.DOBSlashes
	if u[5] < nr.MovedPostcode {
		d := int(u[6] * float64(nDistricts-1))
		if d >= row.district {
			d++ // another district
		}
		pr := newPCG(aux, uint64(row.dob), streamNoise)
		e.postcode, e.moved = s.postcode(&pr, d), true
	}
	if u[7] < nr.Formatting {
		e.formatting = true
		switch aux >> 40 % 5 {
		case 0:
			e.first = " " + e.first + "  "
		case 1:
			e.last = upper(e.last)
		case 2:
			e.first = lower(e.first)
		case 3:
			e.postcode = lower(removeSpaces(e.postcode))
		default:
			if len(e.nino) == 9 {
				e.nino = e.nino[:2] + " " + e.nino[2:4] + " " + e.nino[4:6] + " " + e.nino[6:8] + " " + e.nino[8:]
			} else {
				e.last = e.last + " "
			}
		}
	}
}

// dobTypo changes one digit of the day or of the last two of the year,
// keeping the date a real one.
func dobTypo(d timeline.Date, h uint64) timeline.Date {
	y, m, dd := d.Civil()
	for k := uint64(0); k < 8; k++ {
		x := h + k*0x9e37
		switch x % 3 {
		case 0: // units of the day
			nd := dd - dd%10 + int((uint64(dd%10)+1+x>>8%9)%10)
			if nd >= 1 && nd <= 28 && nd != dd {
				return timeline.DateOf(y, m, nd)
			}
		case 1: // units of the year
			return timeline.DateOf(y-y%10+int((uint64(y%10)+1+x>>8%9)%10), m, min(dd, 28))
		default: // tens of the year
			t := y / 10 % 10
			nt := int((uint64(t) + 1 + x>>8%9) % 10)
			return timeline.DateOf(y-t*10+nt*10, m, min(dd, 28))
		}
	}
	return d + 1
}

// ninoTypo changes one digit of a NINO, or swaps two neighbouring digits
// that differ.
func ninoTypo(n string, h uint64) string {
	b := []byte(n)
	i := 2 + int(h%6)
	if h>>8&1 == 0 && i < 7 && b[i] != b[i+1] {
		b[i], b[i+1] = b[i+1], b[i]
		return string(b)
	}
	d := byte('0' + (int(b[i]-'0')+1+int(h>>16%9))%10)
	b[i] = d
	return string(b)
}

// nameTypo makes one keying error: a letter dropped, doubled, replaced by
// a keyboard neighbour, or two letters swapped.
func nameTypo(name string, h uint64) string {
	b := []byte(name)
	if len(b) < 3 {
		return name + name[len(name)-1:]
	}
	i := 1 + int(h%uint64(len(b)-2)) // keep the first letter, as most typos do
	switch h >> 8 % 4 {
	case 0:
		return string(append(b[:i:i], b[i+1:]...))
	case 1:
		return string(b[:i+1]) + string(b[i:])
	case 2:
		b[i] = neighbour(b[i], h>>16)
		return string(b)
	default:
		if b[i] == b[i+1] {
			b[i] = neighbour(b[i], h>>16)
		} else {
			b[i], b[i+1] = b[i+1], b[i]
		}
		return string(b)
	}
}

// neighbour returns a key next to c on a QWERTY keyboard, keeping its case.
func neighbour(c byte, h uint64) byte {
	rows := [...]string{"qwertyuiop", "asdfghjkl", "zxcvbnm"}
	lc := c | 0x20
	for _, row := range rows {
		for j := 0; j < len(row); j++ {
			if row[j] != lc {
				continue
			}
			var opts []byte
			if j > 0 {
				opts = append(opts, row[j-1])
			}
			if j+1 < len(row) {
				opts = append(opts, row[j+1])
			}
			n := opts[h%uint64(len(opts))]
			if c < 'a' {
				n &^= 0x20
			}
			return n
		}
	}
	return 'e'
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func removeSpaces(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
