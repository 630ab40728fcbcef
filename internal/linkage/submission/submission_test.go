package submission

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

const header = "participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date\n"

func TestReadAcceptsSpreadsheetExports(t *testing.T) {
	// A byte-order mark, CRLF, quoted fields, stray spaces, mixed-case and
	// spaced headers, an alias (Surname), DD/MM/YYYY with one-digit parts,
	// a spreadsheet midnight time, a subgroup column and a trailing blank row.
	in := "\xEF\xBB\xBFParticipant Ref, NINO ,First Name,Surname,Date of Birth,POSTCODE,Start Date,end_date,Site\r\n" +
		"P1, ab 12 34 56 c ,\"  Mary \",\"O'Brien, Jr\",07/03/1985, sw1a 1aa ,2023-04-01,,North\r\n" +
		"P2,,JOHN,smith,1990-12-25,,1/2/2023 00:00:00,2023-06-30,South\r\n" +
		",,,,,,,,\r\n"
	sub, err := Read(strings.NewReader(in), "p.csv", Options{})
	if err != nil {
		t.Fatalf("Read: %v\n%v", err, sub.Report.Issues)
	}
	if len(sub.Report.Issues) != 0 {
		t.Errorf("unexpected issues: %v", sub.Report.Issues)
	}
	if sub.Report.Rows != 2 || sub.Report.Valid != 2 || len(sub.Participants) != 2 {
		t.Fatalf("rows %d valid %d participants %d, want 2/2/2", sub.Report.Rows, sub.Report.Valid, len(sub.Participants))
	}
	p := sub.Participants[0]
	if p.Ref != "P1" || p.NINO != "AB123456C" || p.FirstName != "Mary" || p.LastName != "O'Brien, Jr" || p.Postcode != "sw1a 1aa" {
		t.Errorf("participant 1 = %+v", p)
	}
	if want := timeline.DateOf(1985, time.March, 7); p.DateOfBirth != want {
		t.Errorf("DD/MM/YYYY read as %s, want %s (never MM/DD)", p.DateOfBirth, want)
	}
	if p.End != timeline.Ongoing || p.Line != 2 || p.Attributes["site"] != "North" {
		t.Errorf("participant 1 end %v line %d attrs %v", p.End, p.Line, p.Attributes)
	}
	q := sub.Participants[1]
	if q.Start != timeline.DateOf(2023, time.February, 1) || q.End != timeline.DateOf(2023, time.June, 30) || q.NINO != "" {
		t.Errorf("participant 2 = %+v", q)
	}
	if got := strings.Join(sub.AttributeColumns, ","); got != "site" {
		t.Errorf("attribute columns %q, want site", got)
	}
}

func TestReadRefusesFile(t *testing.T) {
	tests := []struct {
		name, in, field, reason string
	}{
		{"empty", "", "", "empty"},
		{"bom only", "\xEF\xBB\xBF", "", "empty"},
		{"header only", header, "", "no participants"},
		{"missing columns", "participant_ref,first_name,last_name,start_date\nP1,A,B,2023-01-01\n", "nino,date_of_birth,postcode", "required column(s) missing: nino, date_of_birth, postcode"},
		{"duplicate column", "participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,Start Date\n", "start_date", "appears twice"},
		{"utf16", "\xFF\xFEp\x00", "", "UTF-16"},
		{"all rows bad", header + "P1,,,,,,\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := Read(strings.NewReader(tt.in), "p.csv", Options{})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			errs := sub.Report.Errors()
			if len(errs) == 0 {
				t.Fatal("no error issue reported")
			}
			if tt.reason != "" && (errs[0].Field != tt.field || !strings.Contains(errs[0].Reason, tt.reason)) {
				t.Errorf("issue %v, want field %q reason containing %q", errs[0], tt.field, tt.reason)
			}
		})
	}
}

// TestReadRowProblems checks every row-level rule: each row below breaks
// one rule, and the report must name its line and field.
func TestReadRowProblems(t *testing.T) {
	cov := timeline.Interval{Start: timeline.DateOf(2020, 1, 1), End: timeline.DateOf(2024, 12, 31)}
	rows := []struct {
		row      string
		field    string
		severity Severity
		reason   string
	}{
		{"P01,AB123456C,Ann,Lee,1980-01-01,M1 1AE,2023-01-01", "", 0, ""}, // valid
		{",AB123456D,Ann,Lee,1980-01-02,M1 1AE,2023-01-01", "participant_ref", Error, "is empty"},
		{"P03,,,Lee,1980-01-03,,2023-01-01", "first_name", Error, "is empty"},
		{"P04,,Ann,--,1980-01-04,,2023-01-01", "last_name", Error, "no letters"},
		{"P05,,Ann,Lee,1980-02-30,,2023-01-01", "date_of_birth", Error, "not a real calendar date"},
		{"P06,,Ann,Lee,03/25/1980,,2023-01-01", "date_of_birth", Error, "month outside 1-12"},
		{"P07,,Ann,Lee,1980/01/07,,2023-01-01", "date_of_birth", Error, "not a date in the form"},
		{"P08,,Ann,Lee,01/08/80,,2023-01-01", "date_of_birth", Error, "two-digit year"},
		{"P09,,Ann,Lee,2024-01-09,,2023-01-01", "date_of_birth", Error, "after start_date"},
		{"P10,,Ann,Lee,1890-01-10,,2023-01-01", "date_of_birth", Error, "before 1900"},
		{"P11,,Ann,Lee,1980-01-11,,2019-06-01", "start_date", Error, "outside the spine's coverage (2020-01-01 to 2024-12-31)"},
		{"P12,,Ann,Lee,1980-01-12,,soon", "start_date", Error, "not a date"},
		{"P13,,Ann,Lee,1980-01-13,,2023-01-01", "", 0, ""}, // valid, no NINO
		{"P14,TN010185M,Ann,Lee,1980-01-14,,2023-01-01", "nino", Warning, "temporary reference number"},
		{"P15,QQ123456A,Ann,Lee,1980-01-15,,2023-01-01", "nino", Warning, "first prefix letter"},
		{"P16,AB123456E,Ann,Lee,1980-01-16,,2023-01-01", "nino", Warning, "suffix must be A, B, C or D"},
		{"P17,,Ann,Lee,1980-01-17,NOT A CODE,2023-01-01", "postcode", Warning, "postcode"},
		{"P18,AB123456C,Annie,Leigh,1975-05-05,,2023-03-01", "", Error, "same person as line 2"},      // NINO of P01, later start
		{"P19,,ann,LEE,1980-01-13,,2022-01-01", "", Error, "same person as line 20"},                  // same as P13 but earlier: P13 excluded instead
		{"P01,,Bob,Jones,1981-01-01,,2023-01-01", "participant_ref", Error, "already used by line 2"}, // reference reused
		{"P21,,Ann,Lee,1980-01-21,,2023-01-01,2022-12-31", "end_date", Error, "before start_date"},    // extra end_date field -> see header
		{"P22,,Ann,Lee,1980-01-22,,2023-01-01,x,y", "", Error, "fields but the header has"},
	}
	var b strings.Builder
	b.WriteString("participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,end_date\n")
	for _, r := range rows {
		b.WriteString(r.row + "\n")
	}
	sub, err := Read(strings.NewReader(b.String()), "sub.csv", Options{Coverage: &cov})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int][]Issue{}
	for _, is := range sub.Report.Issues {
		got[is.Line] = append(got[is.Line], is)
	}
	for i, r := range rows {
		line := i + 2
		if r.reason == "" {
			continue
		}
		// P13 (line 14) is the one excluded in favour of P19's earlier start.
		if r.row[:3] == "P19" {
			line = 14
		}
		found := false
		for _, is := range got[line] {
			if is.Field == r.field && is.Severity == r.severity && strings.Contains(is.Reason, r.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("line %d: want %s on field %q containing %q; got %v", line, r.severity, r.field, r.reason, got[line])
		}
	}
	if len(got[2]) != 0 {
		t.Errorf("valid row reported: %v", got[2])
	}
	// Kept: P01, P13->no (dup), P14..P17 (warnings only), P19.
	var refs []string
	for _, p := range sub.Participants {
		refs = append(refs, p.Ref)
	}
	if want := "P01,P14,P15,P16,P17,P19"; strings.Join(refs, ",") != want {
		t.Errorf("kept %v, want %s", refs, want)
	}
	if sub.Report.Duplicates != 2 || sub.Report.Rows != len(rows) || sub.Report.Valid != 6 || sub.Report.Excluded != len(rows)-6 {
		t.Errorf("report counts %+v", sub.Report)
	}
	for _, p := range sub.Participants {
		if (p.Ref == "P14" || p.Ref == "P15" || p.Ref == "P16") && p.NINO != "" {
			t.Errorf("%s kept a rejected NINO", p.Ref)
		}
		if p.Ref == "P17" && p.Postcode != "" {
			t.Errorf("P17 kept a rejected postcode")
		}
	}
}

func TestIssuesDoNotEchoIdentifiers(t *testing.T) {
	in := header +
		"R1,TN010185M,Xanthippe,Quagmirez,31/02/1971,ZZ9 9ZZQ,2023-01-01\n" +
		"R2,QQ998877A,Xanthippe,Quagmirez,1971-13-13,,2023-01-01\n" +
		"R3,,Xanthippe,Quagmirez,2031-01-01,,2023-01-01\n"
	sub, _ := Read(strings.NewReader(in), "p.csv", Options{})
	if len(sub.Report.Issues) < 5 {
		t.Fatalf("expected at least 5 issues, got %v", sub.Report.Issues)
	}
	secrets := []string{"TN010185M", "TN", "010185", "QQ998877A", "998877", "Xanthippe", "Quagmirez", "31/02/1971", "1971-13-13", "2031-01-01", "1971", "ZZ9", "9ZZQ"}
	for _, is := range sub.Report.Issues {
		s := is.String()
		for _, x := range secrets {
			if strings.Contains(s, x) && !(x == "TN" && strings.Contains(s, "prefix TN")) {
				t.Errorf("issue %q echoes %q", s, x)
			}
		}
	}
}

// Expected dates are calendar facts (a leap year has 29 February).
func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want timeline.Date
		bad  bool
	}{
		{"2024-02-29", timeline.DateOf(2024, 2, 29), false},
		{"29/02/2024", timeline.DateOf(2024, 2, 29), false},
		{"1/12/1999", timeline.DateOf(1999, 12, 1), false},
		{"12/1/1999", timeline.DateOf(1999, 1, 12), false},
		{" 2024-01-31T00:00:00 ", timeline.DateOf(2024, 1, 31), false},
		{"2023-02-29", 0, true},
		{"31/04/2023", 0, true},
		{"04/31/2023", 0, true},
		{"2023-1-5", 0, true},
		{"5.1.2023", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, reason := ParseDate(tt.in)
		if (reason != "") != tt.bad || (!tt.bad && got != tt.want) {
			t.Errorf("ParseDate(%q) = %s, %q; want %s bad=%v", tt.in, got, reason, tt.want, tt.bad)
		}
	}
}
