// Package itt estimates a trial's intention-to-treat effect: everyone
// analysed in the arm they were allocated to. The estimate is the
// coefficient on the arm in an OLS regression of the outcome on the arm and
// the plan's covariates, with heteroskedasticity-robust HC2 standard errors
// (MacKinnon J.G. & White H. 1985, Journal of Econometrics 29:305–325,
// doi:10.1016/0304-4076(85)90158-7), a t-based 95% confidence interval and
// p-value on the residual degrees of freedom (as R's lmtest::coeftest with
// sandwich::vcovHC(type = "HC2")).
//
// By default the covariates enter centred at their overall means and
// interacted with the arm (Lin W. 2013, "Agnostic notes on regression
// adjustments to experimental data", Annals of Applied Statistics
// 7:295–318, doi:10.1214/12-AOAS583): then the arm's coefficient is the
// adjusted difference in means, regression adjustment cannot hurt
// asymptotic precision even when the linear model is wrong, and the HC2
// standard error is consistent or conservative for the randomisation
// variance. HC2 rather than HC1 because, without covariates, HC2 is exactly
// the Neyman (Welch) standard error √(s1²/n1 + s0²/n0) (Samii & Aronow
// 2012, Statistics & Probability Letters 82:365–370,
// doi:10.1016/j.spl.2011.10.024) and it is the less biased of the two in
// small samples. Additive adjustment (no interactions) is an option.
//
// Functions take plain slices; linking participants to the spine and
// reading their outcomes happen elsewhere.
package itt
