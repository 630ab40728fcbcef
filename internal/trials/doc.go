// Package trials is the lab's trials toolkit: the vocabulary shared by its
// sub-packages, each of which holds one idea:
//
//   - power: sample size, power and minimum detectable effect for two
//     proportions, two means and cluster-randomised designs (as R's pwr);
//   - randomise: the concealed allocation sequence (stratified permuted
//     blocks of randomly varied size) and the hash-chained allocation log;
//   - plan: the pre-specified analysis plan, frozen by hashing and
//     time-stamping it before any outcome data is linked, and the check
//     that records departures from it;
//   - itt: the intention-to-treat estimate, a regression-adjusted
//     difference in means with heteroskedasticity-robust (HC2) errors;
//   - analysis: the primary analysis assembled from the allocations, what
//     linkage found, the locked plan and any recorded departure: CONSORT
//     flow counts and each arm's ITT effect, overall and by subgroup;
//   - followup: the participants linked to the spine as a lab submission
//     is, their outcome at the plan's horizon and covariates at enrolment
//     read from the timeline index;
//   - results: datalab trial analyse's front door: verify the log, check
//     the plan lock, follow up, analyse, write trial_analysis.json
//     (datalab.trial/v1) and the disclosure-controlled trial_report.json,
//     and enter the result in the what-works library (SMS 5 or 4).
//
// Persistence lives in internal/store (trials.go); the commands in
// cmd/datalab (power.go, trial.go) only wire flags to these packages.
//
// # Glossary
//
//   - arm: a group a participant can be allocated to ("treatment",
//     "control"); the allocation ratio gives their relative sizes.
//   - stratum: one combination of the declared stratification factors'
//     levels (e.g. site=North;sex=F); randomisation is balanced within it.
//   - block: a run of allocations within one stratum holding every arm in
//     exact ratio; block sizes are drawn at random from a declared set.
//   - allocation concealment: nobody can learn the next allocation before
//     the participant is irrevocably enrolled (Schulz & Grimes 2002, Lancet
//     359:614–618, doi:10.1016/S0140-6736(02)07750-4).
//   - position: an allocation's place in the trial's log, 1, 2, 3, …
//     without gaps.
//   - chain head: the hash of the last log entry; any edit, deletion,
//     insertion or reordering of the log changes it.
//   - ITT: intention to treat, everyone analysed in the arm they were
//     allocated to, whatever they received.
//   - MDE: minimum detectable effect at the stated power and alpha.
package trials
