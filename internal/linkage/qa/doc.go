// Package qa runs linkage for analysts' quality assurance: it reads and
// checks a participants file, links it to the spine's identities, writes
// the pseudonymous results (linked.csv, and optionally the clerical-review
// list and the submission problems) atomically, and prints a summary.
//
// Nothing it writes or prints holds a direct identifier: linked.csv has the
// provider's participant_ref, the spine's pseudonymous person_id, the band,
// the route, the reason for a non-match and the score; the review list
// adds how each field compared (e.g. "last_name=jw>=0.94"), never a value.
// A reviewer looks the pair up in the secure environment that holds the
// identifiers.
package qa
