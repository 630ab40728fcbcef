package randomise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Request is one participant to enrol.
type Request struct {
	Line   int               // line in the file it came from (1 is the header)
	Ref    string            // participant_ref
	Levels map[string]string // factor levels
}

// ReadRequests reads participants to enrol from CSV with a header row:
// participant_ref and one column per declared stratification factor, and
// nothing else. Other columns are refused rather than ignored, so names,
// dates of birth or NI numbers cannot reach the trial store by accident.
func ReadRequests(r io.Reader, d Design) ([]Request, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("enrolment file: empty: give a header row participant_ref%s", factorColumns(d))
	}
	if err != nil {
		return nil, fmt.Errorf("enrolment file: line 1: %w", err)
	}
	refCol := -1
	factorCol := map[string]int{}
	declared := map[string]bool{}
	for _, f := range d.Factors {
		declared[f.Name] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch {
		case h == "participant_ref":
			refCol = i
		case declared[h]:
			factorCol[h] = i
		default:
			return nil, fmt.Errorf("enrolment file: line 1, column %d: %q is neither participant_ref nor a stratification factor of the trial: remove it (the trial store accepts no other data, and never names, dates of birth or NI numbers)", i+1, h)
		}
	}
	if refCol < 0 {
		return nil, fmt.Errorf("enrolment file: line 1: no participant_ref column: the header must be participant_ref%s", factorColumns(d))
	}
	for _, f := range d.Factors {
		if _, ok := factorCol[f.Name]; !ok {
			return nil, fmt.Errorf("enrolment file: line 1: no column for stratification factor %q: the header must be participant_ref%s", f.Name, factorColumns(d))
		}
	}
	var reqs []Request
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("enrolment file: line %d: %w", line, err)
		}
		q := Request{Line: line, Ref: strings.TrimSpace(rec[refCol]), Levels: map[string]string{}}
		if err := CheckRef(q.Ref); err != nil {
			// CheckRef quotes the value; for a file row say where instead
			// of repeating what may be an identifier.
			return nil, fmt.Errorf("enrolment file: line %d, column participant_ref: %s", line, refProblem(err))
		}
		for name, col := range factorCol {
			q.Levels[name] = strings.TrimSpace(rec[col])
		}
		if _, err := d.Stratum(q.Levels); err != nil {
			return nil, fmt.Errorf("enrolment file: line %d: %w", line, err)
		}
		reqs = append(reqs, q)
	}
	return reqs, nil
}

func refProblem(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "\" "); ok {
		return after
	}
	return msg
}

func factorColumns(d Design) string {
	var b strings.Builder
	for _, f := range d.Factors {
		b.WriteString("," + f.Name)
	}
	return b.String()
}
