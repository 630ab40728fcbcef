// Package power computes sample size, power and minimum detectable effect
// (MDE) for two-arm trials, as R's pwr package does (Champely 2020, pwr
// 1.3-0), so a trials unit can check our figures against the tool it knows.
//
// One front door, Solve, takes a Problem with exactly one of the sample
// size, the power and the effect left unknown and dispatches to one file
// per method:
//
//   - arcsine.go: two proportions through Cohen's effect size
//     h = 2·asin(√p1) − 2·asin(√p2) and the normal approximation to its
//     sampling distribution (Cohen J. 1988, Statistical Power Analysis for
//     the Behavioral Sciences, 2nd ed., ch. 6; pwr.2p.test, pwr.2p2n.test).
//   - normal.go: two proportions through the normal approximation to the
//     difference p1 − p2, pooled variance under the null and unpooled under
//     the alternative, without continuity correction (Fleiss J.L., Levin B.
//     & Paik M.C. 2003, Statistical Methods for Rates and Proportions, 3rd
//     ed., §4.2, doi:10.1002/0471445428; R's power.prop.test(strict = TRUE)).
//   - ttest.go: two means, exact, through the noncentral t distribution of
//     the two-sample t statistic with effect size d = (μ1 − μ2)/σ (Cohen
//     1988, ch. 2; pwr.t.test, pwr.t2n.test). The noncentral t CDF is
//     Lenth's algorithm AS 243 (Lenth R.V. 1989, Applied Statistics
//     38:185–189, doi:10.2307/2347693) through gonum's distuv.NoncentralT,
//     wrapped as R's pt(ncp = ) wraps it (nct.go).
//   - cluster.go: cluster-randomised designs: the individually randomised
//     sample size inflated by the design effect 1 + (m − 1)·ICC for clusters
//     of size m (Donner A. & Klar N. 2000, Design and Analysis of Cluster
//     Randomization Trials in Health Research, Arnold), or
//     1 + ((cv² + 1)·m̄ − 1)·ICC when cluster sizes vary with mean m̄ and
//     coefficient of variation cv (Eldridge S.M., Ashby D. & Kerry S. 2006,
//     International Journal of Epidemiology 35:1292–1300,
//     doi:10.1093/ije/dyl129).
//
// Unknowns are found by bisection on the power function, which is monotone
// in the sample size and in the size of the effect, to near machine
// precision; pwr uses uniroot with tolerance ε^¼ ≈ 1.2e-4, so its figures
// and ours agree to about that.
//
// # Conventions
//
//   - n1 and n2 are per-group sizes, n2 = ratio · n1. Results carry them
//     unrounded, as pwr prints them, and rounded up (n1_required,
//     n2_required), which is what a trial must recruit.
//   - Two-sided power counts rejections in both tails, as pwr does.
//   - alternative "greater" tests effect > 0, "less" effect < 0.
package power
