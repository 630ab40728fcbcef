// Package submission reads and checks a provider's participant list,
// participants.csv (DESIGN.md §4), before record linkage.
//
// Read accepts what real spreadsheets export: a UTF-8 byte-order mark, CRLF
// line ends, quoted fields, stray spaces, mixed case in headers and values,
// header spellings such as "Date of Birth" or "Surname", and dates written
// YYYY-MM-DD or DD/MM/YYYY. A date such as 07/03/1985 is always read as 7
// March 1985: the month/day order is never guessed.
//
// It returns the participants it can use and a Report listing every problem
// found with its file, line, field and reason. Problems are of two kinds:
//
//   - errors: the file cannot be used (empty, not CSV, a required column
//     missing) or a row is excluded (a required value missing, a date that
//     cannot be parsed or is impossible, a start date outside the spine's
//     coverage, the same person twice);
//   - warnings: a value is ignored but the row is kept (a NINO that breaks
//     HMRC's format rules, including temporary reference numbers, or a
//     postcode that is not shaped like one; linkage then relies on the
//     other identifiers).
//
// The same person twice means two rows with the same NINO, or the same
// first name, last name and date of birth (after normalisation). The row
// with the earliest start date is kept; the others are reported and
// excluded.
//
// Reasons never repeat a direct identifier's value (name, NINO, date of
// birth, postcode): a report can be shown, logged or stored without
// disclosing anyone. Start and end dates and participant references are not
// direct identifiers and are quoted to help the provider find the row.
package submission
