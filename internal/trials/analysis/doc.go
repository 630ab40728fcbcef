// Package analysis assembles a trial's primary analysis from its parts,
// without a database: the participants as allocated (the randomisation
// log), what linkage found for each, the locked plan and any recorded
// departure from it. Analyse checks the analysis against the plan
// (internal/trials/plan), counts the CONSORT flow (enrolled, allocated,
// linked, analysed, per arm; Schulz, Altman & Moher 2010, BMJ 340:c332,
// doi:10.1136/bmj.c332), and estimates the intention-to-treat effect of
// each arm against the reference arm (the design's first) with
// internal/trials/itt, overall and within each planned subgroup.
//
// Participants are analysed in the arm they were allocated to. Those not
// linked to the spine, or whose outcome is not yet observed, are counted
// in the flow and left out of the estimate (a complete-case ITT analysis;
// the flow shows how many, by arm, so differential loss can be judged).
//
// Reading outcomes and covariates from the timeline index is
// internal/trials/followup's; the outputs, disclosure control and the entry
// in the what-works library are internal/trials/results'. Analyse also
// reports each arm's baseline balance (standardised mean differences of the
// adjustment columns among the analysed) and attrition, judged against the
// thresholds of Quality for the evidence standard.
package analysis
