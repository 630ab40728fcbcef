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
//     and the unobserved remainder), and further cells are withheld until,
//     in every relation, no suppressed cell and no group of suppressed cells
//     smaller than MinCell can be worked out by subtraction. Complements a
//     reader could compute but that are not printed (Matched − observed)
//     enter as hidden cells. This is the classic cell-suppression problem
//     for frequency tables (Hundepool et al. 2012, "Statistical Disclosure
//     Control", Wiley, ch. 5, doi:10.1002/9781118348239; Cox 1980,
//     "Suppression methodology and statistical disclosure control", JASA
//     75(370), 377–385). The lab's tables are
//     one-dimensional hierarchies with no cross-classification, for which
//     the per-relation rule applied to a fixed point is sufficient; the
//     tests attack the result by interval propagation across all relations
//     and fail to recover a small count;
//   - rounding: shown counts are rounded to the nearest Round (5), after
//     every suppression decision was taken on the true values, so the
//     rounding adds uncertainty to any subtraction without changing what
//     is withheld (Hundepool et al. 2012, §5.5);
//   - zeros are published: an empty group is not a small group of people;
//   - no individual-level rows: the tables are aggregates by construction;
//     nothing in a Draft refers to a person.
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
