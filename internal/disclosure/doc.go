// Package disclosure is the lab's statistical disclosure control: every
// published output (the HTML report, its JSON and CSV tables) goes through
// it, and the report renderers accept only what it produces (a Release), so
// an unchecked figure cannot be published by mistake.
//
// # Rules
//
// The defaults (DefaultRules) follow the public data labs (DWP Employment
// Data Lab, MoJ Justice Data Lab) and the ONS/GSS practice for tables from
// administrative sources:
//
//   - a minimum cohort: an evaluation resting on fewer than MinCohort (100)
//     matched participants is refused for publication;
//   - primary suppression: any count from 1 to MinCell−1 (9) people is
//     withheld, and so is any statistic (mean, impact, standard error,
//     interval, p-value, ratio) resting on a group of 1 to MinCell−1 people.
//     A proportion is a count in disguise (p × n), so it also rests on the
//     number with and the number without the outcome (Proportion);
//   - secondary suppression: tables declare their additive relations
//     (total = Σ parts: the stages of the funnel and the reasons people
//     dropped out between them; subgroup levels and the analysed total; the
//     comparison pool by start month; an outcome's observed participants
//     and the unobserved remainder). Complements a reader could compute but
//     that are not printed (Matched − observed) enter as hidden cells. The
//     release is then audited as a reader would attack it (the rule below),
//     and further counts are withheld until the audit passes. This is the
//     classic cell-suppression problem for frequency tables (Hundepool et
//     al. 2012, "Statistical Disclosure Control", Wiley, ch. 4–5,
//     doi:10.1002/9781118348239; Cox 1980, "Suppression methodology and
//     statistical disclosure control", JASA 75(370), 377–385);
//   - rounding: shown counts are rounded to the nearest Round (5), after
//     every suppression decision was taken on the true values
//     (Hundepool et al. 2012, §5.5, conventional rounding);
//   - zeros are published: an empty group is not a small group of people;
//   - no individual-level rows: the tables are aggregates by construction;
//     nothing in a Draft refers to a person.
//
// # The protection rule: rounding counts as protection
//
// Rounding is itself a disclosure-control method (Hundepool et al. 2012
// §5.5; GSS/GSR "Disclosure control policy for tables produced from
// administrative sources", 2014, and the ONS guidance that goes with it,
// which list rounding beside suppression): a count shown as r could be any
// of r−2..r+2. The old rule ignored this and audited the true values, so
// when a single participant was unmatched and no other drop-out reason had
// anyone, the only count left to protect that 1 was Matched itself, and
// the report said "an undisclosed number were matched".
//
// The audit plays a reader who knows every relation, that a shown count r
// lies in r−⌊Round/2⌋..r+⌊(Round−1)/2⌋ and is 0 or at least MinCell (a
// shown 0 is 0), that a withheld count is not zero (zeros are published),
// and, as a worst case, which withheld counts are small (1..MinCell−1); a
// hidden count is only known to be ≥ 0. Bounds are propagated through the
// relations to a fixed point (interval constraint propagation, the usual
// audit of a suppression pattern: the attacker's "feasibility interval",
// Hundepool et al. 2012 §4.3). The release passes when every small withheld
// count, and the sum of the withheld parts of every relation whose total
// is shown when that sum is small, keeps a feasible interval of at least
// max(Round−1, 2) whole numbers (with defaults: 4).
//
// Why Round−1: a count that is the difference of two rounded counts
// (eligible − matched) is known to a reader only to within −4..+4 of the
// difference of the shown figures; when the withheld count is small and
// both figures round alike, what is left is "1 to 4", never fewer than
// Round−1 values. Requiring that much is requiring what rounding gives the
// simplest case of disclosure by differencing, the case rounding is used
// against; a reader learns that a small number of people (at most 4) had
// some reason, which is what a "fewer than 5" table entry says openly, and
// cannot tell which number. A pattern that leaves less (several small
// counts under one difference, which pins them: 1+1+1+1 under a
// difference of 4) gets secondary suppression. Without rounding (Round 1)
// the rule is the classic one: no small count or group may be pinned
// exactly (2 values).
//
// Secondary suppression withholds one count at a time, around the first
// exposed count or group: among the shown non-zero counts of its relations
// (and, through counts already withheld, the relations that pin those),
// the first that alone protects it, else the first that widens it; counts
// that are not essential before essential ones (Draft.Essential: the
// funnel's stages and the analysed totals, like a cell cost in τ-ARGUS),
// nearer relations first, parts before totals, smaller before larger. So a
// drop-out reason is withheld before a stage, and a headline count only
// when nothing else can protect.
//
// The tests attack every release with an independently written attacker
// of the same knowledge over hundreds of random report-shaped drafts, and
// require that no small count or group is narrowed to fewer than
// max(Round−1, 2) values; with secondary suppression switched off the same
// attacker succeeds (always without rounding, on a few drafts with it).
// Interval propagation is not the exact (integer-programming) attack; for
// the lab's tables, one-dimensional hierarchies with no
// cross-classification, it is the attack that matters, and the exact audit
// is left for cross-classified tables if they ever appear.
//
// Statistics are never rounded by this package; the report formats them.
// All statistics of a table row (the participants' and comparison means,
// the impact and its interval, its p-value) are withheld together, since
// any two of them give away a third.
//
// # The differencing guard
//
// Two published cohorts from one organisation that differ by a few people
// disclose those people: subtract one set of results from the other
// ("disclosure by differencing", Hundepool et al. 2012 §5.2; GSS/ONS guidance
// on disclosure control for tables produced from administrative sources).
// CheckDifferencing refuses a new cohort whose member set A differs from any
// earlier published set B of the organisation by 0 < |A Δ B| < MinCohort.
// The symmetric difference is the right measure because the difference
// between the two sets of results is a function of exactly the people in
// one cohort and not the other, whichever side they are on: adding 3 people
// or removing 3 people are equally disclosive, and adding 200 while removing
// 3 mixes the 3 with 200 others. A difference of 0 (the same people
// published again, e.g. a corrected report) discloses nothing new.
//
// Member sets hold keyed digests (HMAC-SHA-256 of the spine person_id under
// a secret key kept apart from the registry; Digest, Members), so a
// registry never holds a usable identifier. Registries implement Registry:
// FileRegistry (one JSON file) for the command line, the store for the web
// service. Publish checks and records in one call.
//
// # Glossary
//
// Count: a number of people. Statistic: a figure computed over people.
// Primary suppression: withholding a small figure. Secondary (complementary)
// suppression: withholding others so the first cannot be recomputed.
// Relation: total = Σ parts. Release: a disclosure-controlled set of tables.
package disclosure
