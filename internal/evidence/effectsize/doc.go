// Package effectsize computes study effect sizes and their sampling
// variances from what studies report, on the scales a meta-analysis pools.
//
// Every function returns an Effect: the estimate Yi on the analysis scale and
// its sampling variance Vi. Ratio measures are pooled on the log scale.
//
// # Measures
//
//   - RD, risk difference in percentage points: 100(p1 - p2), variance
//     10^4 [p1(1-p1)/n1 + p2(1-p2)/n2] (Borenstein et al. 2009, ch. 5).
//   - RR, log risk ratio: log[(a/n1)/(c/n2)], variance 1/a - 1/n1 + 1/c - 1/n2
//     (Borenstein et al. 2009, ch. 5; metafor's escalc "RR").
//   - OR, log odds ratio: log(ad/bc), variance 1/a + 1/b + 1/c + 1/d (Woolf
//     1955; Borenstein et al. 2009, ch. 5).
//   - SMD, Hedges' g: the mean difference over the pooled SD, times the
//     small-sample correction J(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)) with
//     m = n1 + n2 - 2 (Hedges 1981, doi:10.3102/10769986006002107); variance
//     1/n1 + 1/n2 + g²/(2(n1+n2)), the large-sample formula metafor's escalc
//     uses by default (Hedges & Olkin 1985, eq. 5.15 with g for d).
//   - MD, raw mean difference m1 - m2, variance sd1²/n1 + sd2²/n2
//     (Borenstein et al. 2009, ch. 4; escalc "MD").
//
// A 2x2 table with a zero cell has 1/2 added to each of its four cells, as
// metafor's escalc does by default (add = 1/2, to = "only0"; Haldane 1940).
//
// # From a reported estimate
//
// FromSE takes an estimate and its standard error; FromCI recovers the
// standard error from a symmetric confidence interval as (high - low) /
// (2 z), with z the normal quantile for the level, on the log scale for
// ratio measures (Higgins et al. 2023, Cochrane Handbook §6.3.1 and §6.3.2).
//
// # Conversions
//
//   - Log odds ratio to SMD and back: d = log(OR) √3/π, V_d = V_logOR 3/π²
//     (Hasselblad & Hedges 1995, doi:10.1037/0033-2909.117.1.167; Borenstein
//     et al. 2009, ch. 7). It assumes an underlying logistic distribution.
//   - Log risk ratio or log odds ratio to a risk difference at a given
//     comparison-group risk p0 (Cochrane Handbook §15.4.4): p1 = p0 RR or
//     p1 = OR p0 / (1 - p0 + OR p0), RD = 100(p1 - p0); the variance by the
//     delta method with p0 treated as fixed: (100 p1)² V_logRR, or
//     (100 p1(1-p1))² V_logOR (Oehlert 1992, doi:10.1080/00031305.1992.10475842).
//
// There is no conversion between a risk difference and an SMD: it is not
// defensible without the outcome's distribution.
//
// # References
//
// Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
// Meta-Analysis. Wiley. doi:10.1002/9780470743386.
package effectsize
