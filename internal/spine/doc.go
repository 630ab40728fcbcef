// Package spine holds the lab's administrative data (the spine): it
// validates a spine folder against data contract v1 (DESIGN.md §4), loads
// it into an embedded DuckDB database, and reads it back (identities for
// record linkage, metadata, summaries). The timeline index built from it
// lives in spine/index.
//
// # Validation
//
// Validation is table-driven: Contract lists each file with its columns,
// their kinds (date, month, benefit code, amount, …), whether they are
// required or may be empty, which are identity columns, and the date pair
// whose end must not precede its start. A new file or column of the
// contract (DESIGN.md §4.1) is a new table entry. One code path validates
// for Check, Import and ReadIdentities: CSV through encoding/csv (streamed,
// exact line numbers, BOM, CRLF and quoted fields accepted) and Parquet
// through DuckDB's read_parquet with every column cast to text (the "line"
// is then the row number). people is read first; every other file's
// person_id must be a person it loaded.
//
// Problems read "file:line: column: reason (value "...")". Values of
// identity columns (identities.* and people.date_of_birth) are never shown,
// logged or written to the rejects file: the field and the reason only.
//
// # Database schema (DuckDB)
//
// Other packages read these tables; extend them, do not change them.
//
//	people(pid INTEGER, person_id VARCHAR, date_of_birth DATE, sex VARCHAR,
//	       region VARCHAR, district VARCHAR)            pid = 0..n-1 in people.csv order
//	people_attributes(pid INTEGER, name VARCHAR, value VARCHAR)
//	                                                    people.csv columns outside the contract
//	identities(person_id VARCHAR, nino VARCHAR, first_name VARCHAR,
//	           last_name VARCHAR, date_of_birth DATE, postcode VARCHAR)
//	                                                    linkage keys only; never join into analysis data
//	benefit_spells(pid INTEGER, benefit VARCHAR, start_date DATE, end_date DATE)
//	employment_spells(pid INTEGER, employer_id VARCHAR, start_date DATE, end_date DATE)
//	earnings(pid INTEGER, month DATE, amount DOUBLE)    month = its first day
//	education(pid INTEGER, start_date DATE, end_date DATE, level VARCHAR, achieved BOOLEAN)
//	spine_meta(key VARCHAR, value VARCHAR)
//
// A NULL end_date is an ongoing spell. Tables keyed by pid are stored
// grouped by pid in people order, so one scan streams a person's rows
// together. spine_meta holds content_hash, window_start, window_end,
// earnings_from, imported_at (RFC 3339), rows.<table>, rejected_rows,
// problems, program_version and contract_version (ReadMeta).
//
// The content hash is the sha256 over, for each file in Contract order, its
// base name and the sha256 of its bytes: the same files give the same hash
// in any folder, and any changed byte changes it. The window runs from the
// first day of the earliest earnings month to the last day of the latest
// (timeline.Window).
//
// # Atomic import
//
// Import builds the database in a temporary file beside the target, syncs
// it, and renames it over the target only when complete: a failed,
// cancelled or strict-rejected import leaves the previous spine byte for
// byte as it was. The rejects file (RejectsPath) is replaced with it.
package spine
