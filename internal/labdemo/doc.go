// Package labdemo seeds a lab for `datalab serve --demo`: a synthetic
// world (internal/synth, with known programme effects) imported as the
// spine, two demo provider organisations, an account for every role, one
// evaluation taken through the whole flow to a published report, and a
// second awaiting an analyst's review — so a newcomer can click through
// every role in a minute.
//
// Everything goes through the real code paths: the providers' noisy
// participant files are uploaded to the store, checked, linked and
// evaluated by the job runner (internal/jobs), reviewed against the QA
// checklist, approved by a different person (four eyes) and published with
// the disclosure-controlled report (internal/report).
//
// Seed is idempotent: run again on the same data folder and store, it
// reuses the world, spine, index, organisations, accounts and evaluations
// already there, finishes anything an interrupted start left half done,
// and gives every demo account a new generated password (the old ones are
// stored only as hashes, so they cannot be printed again). No password is
// written in the code.
package labdemo
