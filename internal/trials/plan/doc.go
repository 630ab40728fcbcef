// Package plan is a trial's pre-specified analysis plan: the primary
// outcome (a name from the outcomes framework, internal/timeline), the
// horizon, the covariates and subgroups, the minimum detectable effect and
// the level of the test. Lock freezes a plan by hashing its canonical JSON
// (SHA-256) and time-stamping it before any outcome data is linked; Check
// lets an analysis run only as planned, or with each departure listed and a
// reason recorded, so the report can show it.
//
// Pre-specification guards against choosing the analysis after seeing the
// data (CONSORT 2010 item 6a and SPIRIT 2013 item 20, Schulz, Altman &
// Moher 2010, BMJ 340:c332, doi:10.1136/bmj.c332; Chan et al. 2013, BMJ
// 346:e7586, doi:10.1136/bmj.e7586; Gamble et al. 2017, JAMA
// 318:2337–2343, doi:10.1001/jama.2017.18556). Adjusting for the
// stratification factors is recommended (Kahan B.C. & Morris T.P. 2012,
// Statistics in Medicine 31:328–340, doi:10.1002/sim.4431), so a
// stratification factor may be named as a covariate.
//
// The canonical form sorts covariates and subgroups (their order carries
// no meaning) and writes the fields in a fixed order, so the same plan
// always has the same hash.
package plan
