package submission

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/employment-data-lab/datalab/internal/linkage/identifier"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Participant is one usable row of a submission. It holds direct
// identifiers and must live only in memory, for the duration of linkage.
type Participant struct {
	Ref         string // participant_ref: the provider's own reference
	Line        int    // line in the submitted file where the row starts
	NINO        string // normalised (e.g. "AB123456C"); "" if missing or rejected
	FirstName   string // as submitted, trimmed
	LastName    string // as submitted, trimmed
	DateOfBirth timeline.Date
	Postcode    string // as submitted, trimmed; "" if missing or rejected
	Start       timeline.Date
	End         timeline.Date // timeline.Ongoing when end_date is empty
	// Attributes holds the subgroup columns (any column not in the
	// contract), keyed by normalised column name.
	Attributes map[string]string
}

// Severity says what a problem does to the submission.
type Severity uint8

const (
	// Warning: a value is ignored, the row is kept.
	Warning Severity = iota
	// Error: the row is excluded, or (Line 0 or the header line with
	// Field "") the whole file is refused.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Issue is one problem found in a submission. Reason never repeats a
// direct identifier's value.
type Issue struct {
	File     string
	Line     int // 0 when the problem concerns the whole file
	Field    string
	Severity Severity
	Reason   string
}

func (i Issue) String() string {
	loc := i.File
	if i.Line > 0 {
		loc = fmt.Sprintf("%s:%d", i.File, i.Line)
	}
	if i.Field != "" {
		return fmt.Sprintf("%s: %s: %s: %s", loc, i.Severity, i.Field, i.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", loc, i.Severity, i.Reason)
}

// Report summarises the checks: how many rows were read and kept, and every
// problem found, in file order.
type Report struct {
	File       string
	Rows       int // data rows read (blank rows skipped)
	Valid      int // participants returned
	Excluded   int // rows excluded for an error (duplicates included)
	Duplicates int // rows excluded as the same person as an earlier start
	Issues     []Issue
}

// Errors returns the issues of severity Error.
func (r Report) Errors() []Issue { return r.filter(Error) }

// Warnings returns the issues of severity Warning.
func (r Report) Warnings() []Issue { return r.filter(Warning) }

func (r Report) filter(s Severity) []Issue {
	var out []Issue
	for _, i := range r.Issues {
		if i.Severity == s {
			out = append(out, i)
		}
	}
	return out
}

// Submission is a checked participant list.
type Submission struct {
	Participants []Participant
	// AttributeColumns lists the subgroup columns kept, in file order.
	AttributeColumns []string
	Report           Report
}

// Options tunes the checks.
type Options struct {
	// Coverage, when set, is the span of days the spine covers: a start date
	// outside it cannot be evaluated and the row is excluded.
	Coverage *timeline.Interval
}

// ErrRefused is wrapped by the error Read returns when the file as a whole
// cannot be used.
var ErrRefused = errors.New("submission refused")

// Column names of the contract (DESIGN.md §4).
const (
	colRef      = "participant_ref"
	colNINO     = "nino"
	colFirst    = "first_name"
	colLast     = "last_name"
	colDOB      = "date_of_birth"
	colPostcode = "postcode"
	colStart    = "start_date"
	colEnd      = "end_date"
)

// required lists the contract's required columns in the order reported.
var required = [...]string{colRef, colNINO, colFirst, colLast, colDOB, colPostcode, colStart}

// aliases maps header spellings seen in spreadsheets to contract names.
var aliases = map[string]string{
	"ref": colRef, "participant_id": colRef, "participant_reference": colRef,
	"ni_number": colNINO, "ni_no": colNINO, "national_insurance_number": colNINO,
	"forename": colFirst, "given_name": colFirst, "firstname": colFirst,
	"surname": colLast, "family_name": colLast, "lastname": colLast,
	"dob": colDOB, "birth_date": colDOB,
	"post_code": colPostcode,
	"start":     colStart, "startdate": colStart,
	"end": colEnd, "enddate": colEnd,
}

// identifierLike are extra columns that would carry direct identifiers into
// the cohort as "attributes"; they are dropped with a warning.
var identifierLike = []string{"name", "full_name", "middle_name", "middle_names", "email", "email_address",
	"phone", "phone_number", "telephone", "mobile", "nhs_number", "address", "street", "town", "date_of_death"}

func normaliseHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.':
			return '_'
		}
		return r
	}, h)
	for strings.Contains(h, "__") {
		h = strings.ReplaceAll(h, "__", "_")
	}
	if c, ok := aliases[h]; ok {
		return c
	}
	return h
}

// Read reads and checks a submission from r; file names the source in the
// report. The returned Submission's Report is complete whether or not an
// error is returned. The error, which wraps ErrRefused, is non-nil only
// when the file as a whole cannot be used (empty, unreadable as CSV, a
// required column missing) or no row is usable.
func Read(r io.Reader, file string, opt Options) (Submission, error) {
	rep := Report{File: file}
	refuse := func(line int, field, reason string) (Submission, error) {
		rep.Issues = append(rep.Issues, Issue{File: file, Line: line, Field: field, Severity: Error, Reason: reason})
		return Submission{Report: rep}, fmt.Errorf("%w: %s", ErrRefused, rep.Issues[len(rep.Issues)-1])
	}

	br := bufio.NewReader(r)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return refuse(0, "", "the file is UTF-16 text; save it as \"CSV UTF-8 (comma delimited)\" and submit again")
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		return refuse(0, "", "the file is empty; it needs a header row and one row per participant")
	}
	if err != nil {
		return refuse(lineOf(err), "", "the header row is not valid CSV; save the file as CSV UTF-8 and submit again")
	}
	headerLine, _ := cr.FieldPos(0)

	cols := map[string]int{}
	var attrIdx []int
	var attrNames []string
	for i, h := range header {
		name := normaliseHeader(h)
		if name == "" {
			continue
		}
		if j, dup := cols[name]; dup {
			return refuse(headerLine, name, fmt.Sprintf("column %q appears twice (columns %d and %d); keep one", name, j+1, i+1))
		}
		cols[name] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return refuse(headerLine, strings.Join(missing, ","), fmt.Sprintf(
			"required column(s) missing: %s; the header must name %s (end_date optional, other columns kept as subgroup attributes)",
			strings.Join(missing, ", "), strings.Join(required[:], ", ")))
	}
	known := map[string]bool{colEnd: true}
	for _, c := range required {
		known[c] = true
	}
	for i, h := range header {
		name := normaliseHeader(h)
		if name == "" || known[name] || cols[name] != i {
			continue
		}
		if isIdentifierLike(name) {
			rep.Issues = append(rep.Issues, Issue{File: file, Line: headerLine, Field: name, Severity: Warning,
				Reason: "this column looks like a direct identifier and is dropped; the lab keeps only subgroup attributes such as site"})
			continue
		}
		attrIdx = append(attrIdx, i)
		attrNames = append(attrNames, name)
	}

	var rows []Participant
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return refuse(lineOf(err), "", "this line is not valid CSV (check for an unmatched quote); fix it and submit again")
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		rep.Rows++
		if len(rec) > len(header) {
			rep.add(file, line, "", Error, fmt.Sprintf("the row has %d fields but the header has %d; check for an unquoted comma", len(rec), len(header)))
			continue
		}
		p, ok := checkRow(rec, cols, attrIdx, attrNames, line, file, opt, &rep)
		if ok {
			rows = append(rows, p)
		}
	}
	if rep.Rows == 0 {
		return refuse(0, "", "the file has a header but no participants")
	}

	rows = dropDuplicates(rows, file, &rep)
	sort.SliceStable(rep.Issues, func(i, j int) bool { return rep.Issues[i].Line < rep.Issues[j].Line })
	rep.Valid = len(rows)
	rep.Excluded = rep.Rows - rep.Valid
	sub := Submission{Participants: rows, AttributeColumns: attrNames, Report: rep}
	if len(rows) == 0 {
		return sub, fmt.Errorf("%w: %s: none of the %d rows is usable; see the %d problems reported", ErrRefused, file, rep.Rows, len(rep.Errors()))
	}
	return sub, nil
}

func (r *Report) add(file string, line int, field string, s Severity, reason string) {
	r.Issues = append(r.Issues, Issue{File: file, Line: line, Field: field, Severity: s, Reason: reason})
}

func lineOf(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func isIdentifierLike(name string) bool {
	for _, n := range identifierLike {
		if name == n || strings.HasPrefix(name, "address_") {
			return true
		}
	}
	return false
}

// checkRow validates one row. It records every problem in rep and reports
// whether the row is usable.
func checkRow(rec []string, cols map[string]int, attrIdx []int, attrNames []string, line int, file string, opt Options, rep *Report) (Participant, bool) {
	get := func(c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	ok := true
	fail := func(field, reason string) {
		rep.add(file, line, field, Error, reason)
		ok = false
	}
	p := Participant{Line: line, End: timeline.Ongoing}

	p.Ref = get(colRef)
	if p.Ref == "" {
		fail(colRef, "is empty; every row needs the provider's own reference")
	}
	p.FirstName = get(colFirst)
	if identifier.NormaliseName(p.FirstName) == "" {
		fail(colFirst, "is empty or has no letters; every row needs a first name")
	}
	p.LastName = get(colLast)
	if identifier.NormaliseName(p.LastName) == "" {
		fail(colLast, "is empty or has no letters; every row needs a last name")
	}

	dobOK := false
	if d, reason := ParseDate(get(colDOB)); reason != "" {
		fail(colDOB, reason)
	} else {
		p.DateOfBirth, dobOK = d, true
	}
	startOK := false
	startRaw := get(colStart)
	if d, reason := ParseDate(startRaw); reason != "" {
		fail(colStart, fmt.Sprintf("%q %s", startRaw, reason))
	} else {
		p.Start, startOK = d, true
	}
	if raw := get(colEnd); raw != "" {
		if d, reason := ParseDate(raw); reason != "" {
			fail(colEnd, fmt.Sprintf("%q %s; leave it empty if the participant is still on the programme", raw, reason))
		} else {
			p.End = d
			if startOK && d < p.Start {
				fail(colEnd, fmt.Sprintf("%s is before start_date %s", d, p.Start))
			}
		}
	}
	if dobOK && p.DateOfBirth < timeline.DateOf(1900, 1, 1) {
		fail(colDOB, "is before 1900; check the year")
	}
	if dobOK && startOK {
		age := ageAt(p.DateOfBirth, p.Start)
		switch {
		case p.DateOfBirth > p.Start:
			fail(colDOB, "is after start_date, which is impossible; check both dates (the order is day/month/year)")
		case age > 120:
			fail(colDOB, "gives an age over 120 at start_date; check the year")
		case age < 14:
			rep.add(file, line, colDOB, Warning, fmt.Sprintf("gives an age of %d at start_date; check it is right", age))
		}
	}
	if startOK && opt.Coverage != nil && !opt.Coverage.Covers(p.Start) {
		fail(colStart, fmt.Sprintf("%s is outside the spine's coverage (%s to %s), so outcomes cannot be measured; exclude the participant or wait for a later spine",
			p.Start, opt.Coverage.Start, opt.Coverage.End))
	}

	if raw := get(colNINO); raw != "" {
		n := identifier.NormaliseNINO(raw)
		if reason := identifier.CheckNINO(n); reason != "" {
			rep.add(file, line, colNINO, Warning, reason+"; the value is ignored and linkage uses the other identifiers")
		} else {
			p.NINO = n
		}
	}
	if raw := get(colPostcode); raw != "" {
		if _, reason := identifier.ParsePostcode(raw); reason != "" {
			rep.add(file, line, colPostcode, Warning, reason+"; the value is ignored and linkage uses the other identifiers")
		} else {
			p.Postcode = raw
		}
	}
	if len(attrIdx) > 0 {
		p.Attributes = make(map[string]string, len(attrIdx))
		for k, i := range attrIdx {
			v := ""
			if i < len(rec) {
				v = strings.TrimSpace(rec[i])
			}
			p.Attributes[attrNames[k]] = v
		}
	}
	return p, ok
}

// ageAt returns the age in whole years on day d of someone born on dob.
func ageAt(dob, d timeline.Date) int {
	b, t := dob.Time(), d.Time()
	age := t.Year() - b.Year()
	if t.Month() < b.Month() || (t.Month() == b.Month() && t.Day() < b.Day()) {
		age--
	}
	return age
}

// dropDuplicates keeps, for each person, the row with the earliest start
// (the earlier line on a tie) and reports the rest. Two rows are the same
// person when they share a NINO, or first name, last name and date of
// birth. A participant_ref used by two different people is an error on the
// later row.
func dropDuplicates(rows []Participant, file string, rep *Report) []Participant {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rows[order[a]].Start < rows[order[b]].Start })
	byNINO := map[string]int{}
	byPerson := map[string]int{}
	byRef := map[string]int{}
	keep := make([]bool, len(rows))
	for _, i := range order {
		p := rows[i]
		personKey := identifier.NormaliseName(p.FirstName) + "\x00" + identifier.NormaliseName(p.LastName) + "\x00" + p.DateOfBirth.String()
		first, dup := -1, false
		if p.NINO != "" {
			first, dup = byNINO[p.NINO]
		}
		if !dup {
			first, dup = byPerson[personKey]
		}
		if dup {
			rep.Duplicates++
			rep.add(file, p.Line, "", Error, fmt.Sprintf(
				"the same person as line %d (same NINO, or same names and date of birth); the earliest start (%s, line %d) is kept and this row is excluded",
				rows[first].Line, rows[first].Start, rows[first].Line))
			continue
		}
		if j, used := byRef[p.Ref]; used {
			rep.add(file, p.Line, colRef, Error, fmt.Sprintf("%q is already used by line %d for a different person; give each participant their own reference", p.Ref, rows[j].Line))
			continue
		}
		keep[i] = true
		byRef[p.Ref] = i
		byPerson[personKey] = i
		if p.NINO != "" {
			byNINO[p.NINO] = i
		}
	}
	out := rows[:0:0]
	for i, p := range rows {
		if keep[i] {
			out = append(out, p)
		}
	}
	return out
}
