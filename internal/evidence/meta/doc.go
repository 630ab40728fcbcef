// Package meta pools study effect sizes: fixed-effect and random-effects
// meta-analysis with the statistics metafor's rma() reports, subgroup
// analysis, leave-one-out and Egger's test. It reproduces metafor 3.8-1 on
// the BCG trials (see meta_test.go and testdata/reference.R).
//
// # Front doors
//
// Pool fits one model to one set of studies; Analyse runs Pool and then the
// subgroup analysis, leave-one-out and Egger's test that a report shows.
// Pool dispatches on Spec.Method to one file per τ² estimator: fe.go,
// dl.go, reml.go; knha.go adjusts the standard error.
//
// # Model
//
// Study i reports y_i with sampling variance v_i. The random-effects model
// is y_i = μ + u_i + e_i with u_i ~ N(0, τ²), e_i ~ N(0, v_i); the
// fixed-effect (common-effect) model has τ² = 0. Given τ², μ is estimated by
// inverse-variance weighting with w_i = 1/(v_i + τ²): μ̂ = Σ w_i y_i / Σ w_i,
// SE(μ̂) = 1/sqrt(Σ w_i), and the Wald interval μ̂ ± z SE.
//
//   - DL: DerSimonian & Laird (1986), doi:10.1016/0197-2456(86)90046-2:
//     τ² = max(0, (Q - (k-1)) / (Σw - Σw²/Σw)) with fixed-effect weights.
//   - REML: restricted maximum likelihood by Fisher scoring, as metafor
//     (Viechtbauer 2005, doi:10.3102/10769986030003261; Viechtbauer 2010,
//     doi:10.18637/jss.v036.i03): τ² ← τ² + (Y'PPY - tr P)/tr(PP) with
//     P = W - W 1 1' W / Σw, step-halving to keep τ² ≥ 0, from the DL value,
//     until the change is below Spec.Tol.
//   - Hartung–Knapp–Sidik–Jonkman (Spec.KnHa; Hartung & Knapp 2001,
//     doi:10.1002/sim.791; Sidik & Jonkman 2002, doi:10.1002/sim.1262):
//     SE² is multiplied by Σ w_i (y_i - μ̂)² / (k-1) and the interval and
//     test use t with k-1 degrees of freedom. As metafor's test = "knha",
//     the factor is not truncated at 1.
//
// # Heterogeneity
//
// Q = Σ w_i (y_i - μ̂_FE)² with fixed-effect weights, on k-1 degrees of
// freedom (Cochran 1954). For random-effects models I² = 100 τ²/(τ² + s²)
// and H² = (τ² + s²)/s², with s² = (k-1)/(Σw - Σw²/Σw) the typical
// within-study variance (Higgins & Thompson 2002, doi:10.1002/sim.1186), as
// metafor computes them; for the fixed-effect model I² = 100 max(0, (Q -
// (k-1))/Q) and H² = Q/(k-1).
//
// # Prediction interval
//
// μ̂ ± c sqrt(SE² + τ²) (Higgins, Thompson & Spiegelhalter 2009,
// doi:10.1111/j.1467-985X.2008.00552.x), with c the normal quantile, or the
// t quantile on k-1 degrees of freedom under Hartung–Knapp, exactly as
// metafor's predict.rma. (Higgins et al. propose t with k-2 degrees of
// freedom; metafor, and so this package, does not use it.)
//
// # Subgroups
//
// Subgroups fits the chosen model separately within each level of a
// moderator (each with its own τ²) and tests the difference between the
// subgroup estimates with Q_between = Σ_g (μ̂_g - μ̄)²/SE_g², μ̄ their
// inverse-variance mean, on G-1 degrees of freedom (Borenstein et al. 2009,
// ch. 19, "separate estimates of τ²"; as RevMan and meta::update(subgroup)).
//
// # Small-study effects
//
// Egger's regression test (Egger et al. 1997, doi:10.1136/bmj.315.7109.629):
// ordinary least squares of y_i/√v_i on 1/√v_i; the intercept measures
// funnel-plot asymmetry and is tested with t on k-2 degrees of freedom. This
// is metafor's regtest(model = "lm"); it needs at least 3 studies and has
// low power below about 10.
//
// # Leave-one-out
//
// LeaveOneOut refits the model k times, omitting each study in turn
// (metafor's leave1out).
package meta
