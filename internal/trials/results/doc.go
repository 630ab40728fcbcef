// Package results is the front door of a trial's analysis (datalab trial
// analyse): it refuses a log that fails its hash chain, a plan that is not
// locked or was locked after outcome data was first linked, and a
// departure from the plan without a recorded reason; then it follows the
// participants up in the spine (internal/trials/followup), runs the
// intention-to-treat analysis (internal/trials/analysis and itt), writes
// the stored result (trial_analysis.json, schema datalab.trial/v1), the
// disclosure-controlled publication (trial_report.json, through
// internal/disclosure) and a plain summary, and enters the primary result
// in the what-works library as a randomised controlled trial
// (internal/evidence AddTrial: SMS 5 when attrition and baseline balance
// are adequate, 4 otherwise).
//
// # Order of the checks
//
//  1. The allocation log is verified (randomise.Verify through the store):
//     a log that fails is not analysed, and the error names the first bad
//     entry and the kind of tampering.
//  2. The plan must be locked and intact, and locked before outcome data
//     was first linked to the trial. The first link is recorded in the
//     store when Analyse links, so a plan cannot be locked afterwards.
//  3. The analysis as run (the plan, with any --outcome, --horizon or
//     --covariates override) is compared with the locked plan field by
//     field; any difference is a departure and runs only with a reason,
//     which is stored with the trial and shown in every output.
//
// # Estimator
//
// Everyone is analysed in the arm they were allocated to (intention to
// treat). The effect of each arm against the reference arm (the design's
// first) is the coefficient on the arm in an OLS regression of the outcome
// on the arm and the plan's covariates, centred and interacted with the arm
// (Lin 2013, doi:10.1214/12-AOAS583), with HC2 standard errors (MacKinnon
// & White 1985, doi:10.1016/0304-4076(85)90158-7): without covariates HC2
// is exactly the Neyman variance of a difference in means (Samii & Aronow
// 2012, doi:10.1016/j.spl.2011.10.024), and with them it is consistent or
// conservative for the randomisation variance; the interval and p-value use
// t on the residual degrees of freedom (as R's lm with
// sandwich::vcovHC(type = "HC2")). HC3 would be more conservative still in
// very small samples (Long & Ervin 2000, doi:10.1080/00031305.2000.10474549),
// but trials in the lab are sized by a power calculation to hundreds.
//
// # Disclosure
//
// trial_analysis.json is the lab's stored record and holds exact counts;
// it is not for publication. trial_report.json holds the same flow,
// exclusions and estimates after disclosure control (counts of 1–9
// suppressed with secondary suppression across the flow's relations,
// counts rounded to 5, statistics resting on a group below 10 withheld).
// A trial with fewer analysed participants than the minimum cohort is
// refused for publication and does not enter the library.
package results
