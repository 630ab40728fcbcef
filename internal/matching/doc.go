// Package matching builds the comparison group: a logistic propensity
// model, matching or weighting on it, and the balance table that shows
// whether it worked.
//
// # Stages (one front door each, one file per method)
//
//   - Fit (logit.go): P(participation | covariates) by iteratively
//     reweighted least squares (McCullagh & Nelder 1989, Generalized Linear
//     Models, 2nd ed.), R glm's convergence rule, streaming over units in
//     parallel chunks. It names the covariate behind perfect separation
//     (Albert & Anderson 1984, Biometrika 71(1):1–10,
//     doi:10.1093/biomet/71.1.1), a constant or collinear column, and
//     reports non-convergence.
//   - Match (match.go) validates a Spec, fills its defaults, dispatches by
//     Spec.Method and returns the settings used:
//     nearest.go — greedy 1:k nearest neighbour with or without replacement
//     within a caliper (Rubin 1973, doi:10.2307/2529684; Austin 2011,
//     doi:10.1002/pst.433), reproducing MatchIt's matches (Ho, Imai, King &
//     Stuart 2011, J. Stat. Softw. 42(8), doi:10.18637/jss.v042.i08);
//     kernel.go — Epanechnikov kernel matching (Heckman, Ichimura & Todd
//     1998, doi:10.1111/1467-937X.00044); ipw.go — ATT inverse-probability
//     weights (Hirano, Imbens & Ridder 2003, doi:10.1111/1468-0262.00442).
//   - Balance (balance.go): standardised mean differences with the
//     participants' SD as denominator and variance ratios, before and after
//     (Austin 2009, doi:10.1002/sim.3697), flagged above 0.1.
//
// # Defaults (DESIGN.md §2)
//
// Distance: the logit of the propensity score (MatchIt's default is the
// score itself: Spec.Distance = DistancePropensity). Caliper 0.2 SD of the
// distance over units not discarded, as MatchIt's std.caliper; NoCaliper
// turns it off. 1:1, without replacement, largest distance first. Exact
// strata (e.g. start month) are data, so they travel in Problem.Strata;
// Strata combines several exact columns. Each stratum is matched on its
// own, in parallel.
//
// # Invariants
//
//   - Nearest-neighbour matches equal MatchIt 4.7's, ties included: units
//     are sorted stably by distance; a tie in distance between the nearest
//     available units on either side goes to the one fewer sorted positions
//     away (lower side on equal steps); k:1 without replacement runs in k
//     rounds. A brute-force O(n·m) transcription of that rule is the test
//     oracle.
//   - Spec.Compare = CompareTruncated instead reproduces MatchIt 4.5.1 as
//     built on Linux, whose matcher truncated every difference in distance
//     to a whole number (C's int abs on a double), so the lower side wins
//     whenever the two candidates are less than a whole unit apart and the
//     caliper only binds at whole units. It exists to reproduce figures
//     made with that build (shared/reference's lalonde figures are); its
//     pairs are further apart, so it is never the default. Both rules are
//     checked pair for pair against MatchIt 4.5.1 run here (testdata/*.R).
//   - Matched pairs never cross strata; with a caliper every pair is within
//     it; participants matched + outside the caliper + without comparison
//     units + discarded = participants.
//   - Weights: matched participants 1. Nearest: a comparison unit gets 1/k_t
//     from each participant t it serves, rescaled to average 1 over the
//     units used (MatchIt). Kernel: summed kernel shares (sum = participants
//     matched). IPW: e/(1-e), unnormalised.
//
// # Glossary
//
//   - participant / treated: a member of the programme's cohort.
//   - comparison unit / control: a person from the comparison pool.
//   - distance: what is matched on (logit or score).
//   - caliper: the largest distance allowed within a pair.
//   - common support: the range of distance where both groups occur.
//   - matched set: a participant and its comparison units (MatchIt's
//     subclass).
package matching
