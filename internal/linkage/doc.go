// Package linkage links a provider's participants to the spine's
// identities, says how well it did, and hands on a pseudonymous cohort
// (DESIGN.md §2: submission checks → record linkage → cohort).
//
// The front door is Link. It takes a checked submission (package
// submission) and a stream of identities (IdentitySource; the command binds
// spine.ReadIdentities) and returns one Outcome per participant, a Report
// and the Cohort. Package qa wraps it for analysts: files in, linked.csv
// out.
//
// # Method
//
// Blocking (block.go). Only pairs sharing a blocking key are compared:
// NINO; date of birth (the participant's also with day and month
// exchanged); Soundex of the last name with the birth year; formal first
// name (nicknames folded) with Soundex of the last name; postcode sector
// with the birth year. Candidate pairs are the union. Participants are
// indexed and identities streamed past the index, so memory grows with the
// participants and their candidate pairs, not with the spine.
//
// Comparison (compare.go). Each pair gets a comparison vector: first and
// last name the same (first names: or known variants, nicknames.txt), Jaro–
// Winkler ≥ 0.94, ≥ 0.88, or disagree (Winkler 1990); date of birth the
// same, day and month transposed, one part differs, or disagree; postcode
// the same, same sector, same district, or disagree; NINO the same, one
// character differs (or two neighbours swapped), or disagree. A field
// missing on either side is "missing" and carries no evidence.
//
// Deterministic route (deterministic.go). A pair whose NINO and date of
// birth agree exactly is a link, as in the Data Labs' first pass.
//
// Probabilistic route (fellegisunter.go, em.go, urandom.go). Fellegi &
// Sunter (1969, JASA 64(328):1183–1210, doi:10.1080/01621459.1969.10501049):
// the weight of a pair is Σ log2(m/u) over its fields. u, the level
// frequencies among non-matches, is estimated from random participant–
// identity pairs (Fellegi & Sunter §3.3; Splink, Linacre et al. 2022,
// doi:10.23889/ijpds.v7i3.1794). m, the level frequencies among matches, is
// estimated by EM under conditional independence (Winkler 1988; Jaro 1989,
// JASA 84(406):414–420, doi:10.1080/01621459.1989.10478785), in sessions
// that each use the pairs of one blocking key and leave out the fields
// that key is built from: blocking makes non-matching candidates agree on
// those fields far more often than chance, which would break EM's
// independence assumption. The posterior match probability uses the prior
// λ = expected matches / (participants × identities).
//
// One-to-one assignment (assign.go). Greedy: deterministic pairs first,
// then by descending weight; a pair is taken when neither side is linked.
// Greedy rather than an optimal assignment: on data like ours the true pair
// outscores its rivals by many bits, and greedy is O(n log n).
//
// Bands (thresholds.go). Upper threshold: the lowest weight at which the
// estimated false-match rate of the match band, mean(1 − posterior), stays
// at or below Spec.MaxFalseMatchRate (0.5%) and the posterior is at least
// ½. Lower threshold: pairs below it hold at most Spec.MaxFalseNonMatchRate
// (0.5%) of the expected true links, and none has a posterior of
// Spec.ReviewPosterior (5%) or more. Between the two: clerical review.
//
// Non-match reasons: invalid row (refused by the submission checks); no
// candidate found in blocking; best candidate below threshold; candidate
// taken by a better-scoring participant.
//
// # Pseudonymisation
//
// Submitted identifiers (names, NINO, date of birth, postcode) exist only
// in memory during Link: Result, Outcome, Report and Cohort hold none of
// them, Link logs counts only, and no temporary file is written. Go cannot
// wipe memory, so "forget" means every reference is dropped when Link
// returns and the caller drops the submission. A Cohort Member keeps the
// provider's participant_ref for QA, but it is not serialised (json:"-"):
// a stored cohort is person_id, start and end dates and subgroup
// attributes. MinimumSize refuses a cohort below the minimum for
// evaluation (DefaultMinimumSize, 100) and says why.
//
// # Glossary
//
//   - participant: a row of the provider's participants.csv.
//   - identity: a row of the spine's identities.csv (linkage keys only).
//   - candidate pair: a participant and an identity sharing a blocking key.
//   - m, u: the probability of a comparison level among matching and
//     non-matching pairs.
//   - weight (score): log2 of the likelihood ratio m(γ)/u(γ), in bits.
//   - posterior: the model's probability that a pair is a match.
//   - band: match, clerical review or non-match.
package linkage
