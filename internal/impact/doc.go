// Package impact turns a matched or weighted sample into effect estimates
// and says how far they can be trusted.
//
// One front door, Estimate, computes for one outcome the participants'
// mean, the comparison mean, the average treatment effect on the treated
// (ATT) as the weighted least-squares coefficient of the outcome on
// participation, its standard error, a 95% confidence interval and a
// p-value. Confidence intervals and p-values use Student's t with the
// residual degrees of freedom (rows - 2), as lmtest::coeftest does on an
// lm fit, which is how MatchIt's documentation estimates effects.
//
// # Variance (one file per method)
//
//   - ClusterSets (cluster.go): cluster-robust sandwich with matched sets as
//     clusters and sandwich's HC1 adjustment G/(G-1)·(n-1)/(n-k), as
//     sandwich::vcovCL (Zeileis, Köll & Graham 2020, J. Stat. Softw. 95(1),
//     doi:10.18637/jss.v095.i01); MatchIt's recommendation after matching
//     without replacement (Austin & Small 2014, Stat. Med. 33(24),
//     doi:10.1002/sim.6276).
//   - TwoWay (cluster.go): clustering on matched set and unit for matching
//     with replacement (Cameron, Gelbach & Miller 2011, J. Bus. Econ.
//     Stat. 29(2):238–249, doi:10.1198/jbes.2010.07136), on the long
//     "one row per unit per set" sample that PairSample builds.
//   - Robust (estimate.go): HC1 heteroskedasticity-robust sandwich (White
//     1980, Econometrica 48(4):817–838, doi:10.2307/1912934) for weighting
//     and kernel matching; it treats the weights as fixed.
//
// A naive bootstrap of nearest-neighbour matching is invalid (Abadie &
// Imbens 2008, Econometrica 76(6):1537–1557, doi:10.3982/ECTA6474) and is
// not offered.
//
// # Unavailable outcomes
//
// An outcome that cannot yet be observed for a unit (its follow-up window
// runs past the data) is marked unavailable, never zero: the unit's rows
// are dropped from that outcome's estimate and counted in
// UnavailableTreated / UnavailableControls. When matching is exact on start
// month, availability is shared by a whole matched set. If no participant
// or no comparison unit has the outcome, the Effect is not Available and
// every figure is NaN.
//
// # Sensitivity (sensitivity files)
//
//   - RosenbaumBounds (rosenbaum.go): the hidden bias Γ at which Wilcoxon's
//     signed-rank test on matched-pair differences stops being significant
//     (Rosenbaum 2002, Observational Studies, 2nd ed., ch. 4,
//     doi:10.1007/978-1-4757-3692-2).
//   - EValueRR, EValueSMD (evalue.go): the E-value (VanderWeele & Ding
//     2017, Ann. Intern. Med. 167(4):268–274, doi:10.7326/M16-2607).
package impact
