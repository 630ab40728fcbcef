// Package evaluation is the lab's front door for an impact evaluation: from
// a linked cohort and the timeline index to the stored evaluation
// (evaluation.json). It draws the comparison pool (pool.go), computes the
// default covariates, fits the propensity model and matches
// (internal/matching), checks balance, computes every default outcome for
// the matched sample and estimates the ATT with its uncertainty
// (internal/impact), runs the sensitivity analysis and subgroups.
//
// Methodology defaults are those of DESIGN.md §2: the ATT; a logit
// propensity score fitted by IRLS; exact matching on start month;
// 1:1 nearest-neighbour matching on the logit score with a caliper of 0.2 SD
// (Austin 2011); balance by standardised mean difference with the treated
// SD; cluster-robust standard errors on matched sets (without replacement),
// clustering on matched set and reused comparator (with replacement), or
// sandwich SEs (kernel, IPW); Rosenbaum bounds and E-values for the headline
// outcomes.
//
// The comparison pool at a start date holds everyone eligible who is not a
// participant by that date: people who join later stay in the pool until
// they join (Sianesi 2004; DESIGN.md §2). The estimand is then "joining now
// versus not joining now"; the number of matched comparators who joined
// later is reported, and NeverParticipated offers the alternative.
//
// Small cohorts often leave a level of a categorical covariate without
// participants (a provider that works in one region), which separates the
// groups and leaves the logit estimate undefined (Albert & Anderson 1984;
// Heinze & Schemper 2002). The comparison units at such a level are left
// out before the fit — the limit of the maximum-likelihood fit, where their
// score is 0 — and recorded in Method.RestrictedLevels and the warnings
// (restrict.go). Separation by a level without comparison units, or by a
// numeric covariate, is a genuine lack of comparators and stops the run.
package evaluation
