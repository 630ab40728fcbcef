package synth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// The spine files, in the order written, with their headers (DESIGN.md §4;
// people.csv also has the optional district column of §4.1).
const (
	fPeople = iota
	fIdentities
	fBenefits
	fEmployment
	fEarnings
	fEducation
	numSpineFiles
)

var spineFiles = [numSpineFiles]struct{ name, header string }{
	{"people.csv", "person_id,date_of_birth,sex,region,district\n"},
	{"identities.csv", "person_id,nino,first_name,last_name,date_of_birth,postcode\n"},
	{"benefit_spells.csv", "person_id,benefit,start_date,end_date\n"},
	{"employment_spells.csv", "person_id,employer_id,start_date,end_date\n"},
	{"earnings.csv", "person_id,month,amount\n"},
	{"education.csv", "person_id,start_date,end_date,level,achieved\n"},
}

// blockSize is the number of people simulated as one unit of work. It is
// fixed (not derived from the number of cores) so that the world, and the
// order in which truth sums are added, do not depend on the machine.
const blockSize = 2048

// Write generates a synthetic world into dir (see the package
// documentation for the layout) and returns a summary. progress, if not
// nil, is called from the calling goroutine with a stage name and counts.
//
// The world is generated in dir/.tmp-synth-* and moved into place when
// complete, truth.json last, so an interrupted run never leaves a world
// that looks complete. Write refuses a dir that is not empty unless
// cfg.Overwrite is set, in which case the previous spine, programmes and
// truth.json are replaced.
func Write(ctx context.Context, dir string, cfg Config, progress func(stage string, done, total int)) (Summary, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return Summary{}, err
	}
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if err := prepareDir(dir, cfg.Overwrite); err != nil {
		return Summary{}, err
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-synth-")
	if err != nil {
		return Summary{}, fmt.Errorf("synth: creating a working directory in %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)

	g := newGenerator(&cfg)
	sum := Summary{Dir: dir, Config: cfg}
	files, parts, err := g.spine(ctx, tmp, progress)
	if err != nil {
		return Summary{}, err
	}
	sum.Files = append(sum.Files, files...)
	progress("participants", 0, len(g.progs))
	pfiles, psum, err := g.writeProgrammes(tmp, parts)
	if err != nil {
		return Summary{}, err
	}
	sum.Files = append(sum.Files, pfiles...)
	sum.Programmes = psum
	progress("participants", len(g.progs), len(g.progs))
	if err := ctx.Err(); err != nil {
		return Summary{}, fmt.Errorf("synth: cancelled after simulating: %w", err)
	}
	progress("truth", 0, 1)
	if err := g.writeTruth(filepath.Join(tmp, "truth.json"), parts); err != nil {
		return Summary{}, err
	}
	sum.Files = append(sum.Files, FileCount{Path: "truth.json", Rows: len(g.progs)})
	progress("truth", 1, 1)
	if err := install(tmp, dir); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// prepareDir creates dir if needed and checks that it is empty (apart from
// leftovers of interrupted runs) unless overwrite is set.
func prepareDir(dir string, overwrite bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("synth: creating output directory %s: %w", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("synth: reading output directory %s: %w", dir, err)
	}
	for _, e := range ents {
		if len(e.Name()) > 11 && e.Name()[:11] == ".tmp-synth-" {
			continue // an interrupted run's leftovers; never part of a world
		}
		if !overwrite {
			return fmt.Errorf("synth: output directory %s is not empty (it holds %s): choose an empty or new directory, or overwrite (--force)", dir, e.Name())
		}
	}
	return nil
}

// install moves the finished world from tmp into dir: spine/ and
// programmes/ first, truth.json last (its presence marks a complete
// world). Anything they replace is moved into tmp, which the caller removes.
func install(tmp, dir string) error {
	old := filepath.Join(tmp, "replaced")
	if err := os.Mkdir(old, 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	// Remove the old marker first, so a crash mid-install leaves no
	// truth.json beside a half-replaced world.
	for _, name := range []string{"truth.json", "spine", "programmes"} {
		err := os.Rename(filepath.Join(dir, name), filepath.Join(old, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("synth: moving the previous %s out of %s: %w", name, dir, err)
		}
	}
	for _, name := range []string{"spine", "programmes", "truth.json"} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("synth: moving %s into %s: %w", name, dir, err)
		}
	}
	return nil
}

// generator holds the read-only parts shared by the simulation workers.
type generator struct {
	cfg   *Config
	w     *worldTables
	progs []programme
	width int // digits in a person_id
	win   timeline.Window
	gr    *grid
}

func newGenerator(cfg *Config) *generator {
	g := &generator{cfg: cfg, w: newWorldTables(), progs: programmes(), width: idWidth(cfg.People)}
	g.win = timeline.Window{Start: cfg.Start, End: cfg.End, EarningsFrom: cfg.Start.Month()}
	g.gr = newGrid(cfg.Start, cfg.End)
	return g
}

// participant is one programme start on the factual path, with its
// identity and the outcomes of its three branches.
type participant struct {
	prog     int
	idx      int // person index
	start    timeline.Date
	site     string
	district int
	dob      timeline.Date
	sex      byte
	first    string
	nick     string
	last     string
	nino     string
	postcode string
	cov      timeline.Covariates // the covariates take-up saw
	// Outcomes after start: y1 joining (the factual path), y0 not joining
	// then (may join later), yn never joining this programme.
	y1, y0, yn  timeline.Outcomes
	joinedLater bool // in branch y0, joined the programme within weeks 1..104
}

// blockOut is one block's output: the bytes of each spine file and the
// participants it found.
type blockOut struct {
	buf   [numSpineFiles][]byte
	rows  [numSpineFiles]int
	parts []participant
	err   error
}

// spine simulates every person in blocks on all cores and writes the
// spine files in person order.
func (g *generator) spine(ctx context.Context, tmp string, progress func(string, int, int)) ([]FileCount, []participant, error) {
	dir := filepath.Join(tmp, "spine")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("synth: %w", err)
	}
	var files [numSpineFiles]*os.File
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, sf := range spineFiles {
		f, err := os.Create(filepath.Join(dir, sf.name))
		if err != nil {
			return nil, nil, fmt.Errorf("synth: creating %s: %w", sf.name, err)
		}
		files[i] = f
		if _, err := f.WriteString(sf.header); err != nil {
			return nil, nil, fmt.Errorf("synth: writing %s: %w", sf.name, err)
		}
	}

	n := g.cfg.People
	nBlocks := (n + blockSize - 1) / blockSize
	workers := max(min(runtime.GOMAXPROCS(0), nBlocks), 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// free holds the reusable block buffers; taking one is the right to
	// start a block, so at most len(free) blocks are in memory.
	free := make(chan *blockOut, 2*workers)
	for range cap(free) {
		free <- &blockOut{}
	}
	results := make([]chan *blockOut, nBlocks)
	for i := range results {
		results[i] = make(chan *blockOut, 1)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := g.newWorker()
			for {
				var out *blockOut
				select {
				case out = <-free:
				case <-ctx.Done():
					return
				}
				i := int(next.Add(1) - 1)
				if i >= nBlocks {
					return
				}
				w.block(ctx, i, out)
				results[i] <- out
			}
		}()
	}
	defer wg.Wait()

	var counts [numSpineFiles]int
	var parts []participant
	for i := range nBlocks {
		var out *blockOut
		select {
		case out = <-results[i]:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("synth: cancelled at person %d of %d: %w", i*blockSize, n, ctx.Err())
		}
		if out.err != nil {
			return nil, nil, out.err
		}
		for f := range numSpineFiles {
			if _, err := files[f].Write(out.buf[f]); err != nil {
				return nil, nil, fmt.Errorf("synth: writing %s: %w", spineFiles[f].name, err)
			}
			counts[f] += out.rows[f]
		}
		parts = append(parts, out.parts...)
		free <- out
		progress("simulate", min((i+1)*blockSize, n), n)
	}
	var fc []FileCount
	for i, f := range files {
		if err := f.Close(); err != nil {
			return nil, nil, fmt.Errorf("synth: closing %s: %w", spineFiles[i].name, err)
		}
		files[i] = nil
		fc = append(fc, FileCount{Path: "spine/" + spineFiles[i].name, Rows: counts[i]})
	}
	return fc, parts, nil
}

// worker simulates blocks of people; one per goroutine.
type worker struct {
	g       *generator
	s       *sim
	st      state
	builder timeline.Builder
	rows    timeline.Rows
}

func (g *generator) newWorker() *worker {
	return &worker{g: g, s: newSim(g.cfg, g.w, g.progs)}
}

// block simulates people i*blockSize.. and formats their rows.
func (wk *worker) block(ctx context.Context, i int, out *blockOut) {
	for f := range out.buf {
		out.buf[f] = out.buf[f][:0]
		out.rows[f] = 0
	}
	out.parts = out.parts[:0]
	out.err = nil
	lo := i * blockSize
	hi := min(lo+blockSize, wk.g.cfg.People)
	for idx := lo; idx < hi; idx++ {
		if idx&255 == 0 && ctx.Err() != nil {
			out.err = fmt.Errorf("synth: cancelled at person %d: %w", idx, ctx.Err())
			return
		}
		wk.s.run(idx, &wk.st)
		wk.emit(out)
		wk.truth(out)
	}
}

// emit formats the person's rows into the block's buffers. Spell dates get
// a deterministic jitter of up to 6 days (a spell covering weeks a..b
// starts in the 6 days up to g(a) and ends in the 6 days from g(b)), so
// they look like real dates while the status on every simulated Monday is
// unchanged.
func (wk *worker) emit(out *blockOut) {
	s := wk.s
	p := &s.p
	st := s.st
	cfg := wk.g.cfg
	var id [24]byte
	pid := appendID(id[:0], 'P', p.idx+1, wk.g.width)

	b := out.buf[fPeople]
	b = append(b, pid...)
	b = append(b, ',')
	b = appendDate(b, p.dob)
	b = append(b, ',', p.sex, ',')
	b = append(b, s.w.regions[p.region].Name...)
	b = append(b, ',')
	b = append(b, s.w.districts[p.district].Name...)
	out.buf[fPeople] = append(b, '\n')
	out.rows[fPeople]++

	b = out.buf[fIdentities]
	b = append(b, pid...)
	b = append(b, ',')
	b = append(b, p.nino...)
	b = append(b, ',')
	b = append(b, p.first...)
	b = append(b, ',')
	b = append(b, p.last...)
	b = append(b, ',')
	b = appendDate(b, p.dob)
	b = append(b, ',')
	b = append(b, p.postcode...)
	out.buf[fIdentities] = append(b, '\n')
	out.rows[fIdentities]++

	seq := uint64(0)
	jitter := func(sp spell) (timeline.Date, timeline.Date, bool) {
		seq++
		h := mix64(cfg.Seed ^ uint64(p.idx)<<24 ^ seq)
		start := sp.Start - timeline.Date(h%7)
		end := sp.End
		if end != timeline.Ongoing {
			end = end - 6 + timeline.Date(h>>8%7)
			if end < cfg.Start {
				return 0, 0, false // ended before the window: not in the extract
			}
		}
		return start, end, true
	}
	b = out.buf[fBenefits]
	for _, list := range [2][]spell{st.ben_, st.dis_} {
		for _, sp := range list {
			start, end, ok := jitter(sp)
			if !ok {
				continue
			}
			b = append(b, pid...)
			b = append(b, ',')
			b = append(b, benefitCodes[sp.Code]...)
			b = append(b, ',')
			b = appendDate(b, start)
			b = append(b, ',')
			b = appendDate(b, end)
			b = append(b, '\n')
			out.rows[fBenefits]++
		}
	}
	out.buf[fBenefits] = b

	b = out.buf[fEmployment]
	for _, sp := range st.emp {
		start, end, ok := jitter(sp)
		if !ok {
			continue
		}
		b = append(b, pid...)
		b = append(b, ',')
		b = appendID(b, 'E', int(sp.Employer)+1, wk.g.width)
		b = append(b, ',')
		b = appendDate(b, start)
		b = append(b, ',')
		b = appendDate(b, end)
		b = append(b, '\n')
		out.rows[fEmployment]++
	}
	out.buf[fEmployment] = b

	b = out.buf[fEducation]
	for _, sp := range st.edu {
		start, end, ok := jitter(sp)
		if !ok {
			continue
		}
		b = append(b, pid...)
		b = append(b, ',')
		b = appendDate(b, start)
		b = append(b, ',')
		b = appendDate(b, end)
		b = append(b, ',')
		b = append(b, levelNames[sp.Code]...)
		if sp.Achieved {
			b = append(b, ",true\n"...)
		} else {
			b = append(b, ",false\n"...)
		}
		out.rows[fEducation]++
	}
	out.buf[fEducation] = b

	b = out.buf[fEarnings]
	for m := s.gr.winMonth; m < s.gr.nMonths; m++ {
		if st.earn[m] <= 0 {
			continue
		}
		b = append(b, pid...)
		b = append(b, ',')
		b = appendMonth(b, s.gr.month0+timeline.Month(m))
		b = append(b, ',')
		b = appendPence(b, st.earn[m])
		b = append(b, '\n')
		out.rows[fEarnings]++
	}
	out.buf[fEarnings] = b
}

// truth runs the counterfactual branches of each programme the person
// joined and records the outcomes of all three.
func (wk *worker) truth(out *blockOut) {
	s := wk.s
	if len(s.joins) == 0 {
		return
	}
	factual := s.st
	p := s.p
	for _, j := range s.joins {
		d := s.gr.day(j.week)
		horizon := min(s.gr.lastWeekTo((d.Month() + 24).Last()), s.gr.T-1)
		pt := participant{
			prog: j.prog, idx: p.idx, start: d, district: p.district, dob: p.dob, sex: p.sex,
			site:  s.progs[j.prog].Site(s.w, p.region, p.district),
			first: p.first, nick: p.nick, last: p.last, nino: p.nino, postcode: p.postcode,
			cov: j.cov,
		}
		pt.y1 = wk.outcomes(factual, d)
		s.branch = true
		for b, br := range [2]*state{j.notNow, j.never} {
			s.st = br
			for t := j.week + 1; t <= horizon; t++ {
				s.step(t)
			}
			if b == 0 {
				pt.y0 = wk.outcomes(br, d)
				jw := br.joined[j.prog]
				pt.joinedLater = jw > int32(j.week) && jw <= int32(j.week+timeline.Horizon)
			} else {
				pt.yn = wk.outcomes(br, d)
			}
		}
		s.branch = false
		s.st = factual
		out.parts = append(out.parts, pt)
	}
}

// outcomes builds the timeline of a simulated state through the shared
// kernel and returns its default outcomes after d.
func (wk *worker) outcomes(st *state, d timeline.Date) timeline.Outcomes {
	s := wk.s
	r := &wk.rows
	r.Person = timeline.Person{DateOfBirth: s.p.dob, Sex: s.p.sex, Region: s.w.regions[s.p.region].Name}
	r.Employment = r.Employment[:0]
	for _, sp := range st.emp {
		r.Employment = append(r.Employment, timeline.Interval{Start: sp.Start, End: sp.End})
	}
	r.Benefits = r.Benefits[:0]
	for _, list := range [2][]spell{st.ben_, st.dis_} {
		for _, sp := range list {
			r.Benefits = append(r.Benefits, timeline.BenefitSpell{Code: benefitCodes[sp.Code], Interval: timeline.Interval{Start: sp.Start, End: sp.End}})
		}
	}
	r.Education = r.Education[:0]
	for _, sp := range st.edu {
		r.Education = append(r.Education, timeline.EducationSpell{Interval: timeline.Interval{Start: sp.Start, End: sp.End}, Level: levelNames[sp.Code], Achieved: sp.Achieved})
	}
	r.Earnings = r.Earnings[:0]
	for m := s.gr.winMonth; m < s.gr.nMonths; m++ {
		if st.earn[m] > 0 {
			r.Earnings = append(r.Earnings, timeline.Earning{Month: s.gr.month0 + timeline.Month(m), Amount: float64(st.earn[m]) / 100})
		}
	}
	tl := wk.builder.Build(*r)
	return tl.Outcomes(d, wk.g.win)
}

// participants simulates the world on one goroutine without writing it and
// returns its participants (for tests and tools that need the simulation's
// own view).
func (g *generator) participants(ctx context.Context) ([]participant, error) {
	wk := g.newWorker()
	var out blockOut
	var parts []participant
	for i := range (g.cfg.People + blockSize - 1) / blockSize {
		wk.block(ctx, i, &out)
		if out.err != nil {
			return nil, out.err
		}
		parts = append(parts, out.parts...)
	}
	return parts, nil
}
