// Package evidence is the lab's what-works library: interventions, typed by
// a documented taxonomy, and the studies that evaluated them, each with its
// evidence standard on the Maryland Scientific Methods Scale. Sub-packages
// compute effect sizes (effectsize), pool them (meta), draw them (metaplot)
// and build the toolkit (toolkit). The store implements Library over SQLite.
//
// # Glossary
//
//   - intervention: a programme or service that was evaluated, e.g. "Work
//     Programme". It has one intervention type.
//   - intervention type: a kind of intervention from the taxonomy (Taxonomy):
//     job-search support, work experience, vocational training, wage subsidy,
//     Individual Placement and Support, health-led support, mentoring,
//     in-work progression, employer-led. Classify a programme by its main
//     component.
//   - study: one evaluation of one intervention on one outcome, with its
//     design, sample sizes, population, country, period and the reported
//     statistics. A publication that reports several outcomes is several
//     studies sharing a citation; the toolkit uses one per citation.
//   - outcome: what was measured, mapped where possible to an outcomes
//     framework code (Outcomes), whose domain (employment, benefits,
//     earnings) decides where the toolkit uses it.
//   - evidence standard: the study's Maryland Scientific Methods Scale level.
//   - illustrative: a fictional study made up for tests and demonstrations.
//     Every output that uses one says so.
//
// # Maryland Scientific Methods Scale
//
// The SMS (Sherman et al. 1997, Preventing Crime: What Works, What Doesn't,
// What's Promising, ch. 2; as adapted by the What Works Centre for Local
// Economic Growth, Madaleno & Waights 2015) grades how well a design rules
// out other explanations of an effect, from 1 (weakest) to 5. DeriveSMS
// applies this rule to a study's design facts:
//
//	design                                   condition                     level
//	randomised controlled trial              attrition/balance adequate    5
//	randomised controlled trial              attrition or balance problems 4
//	natural experiment, regression discontinuity, instrumental variable    4
//	matched comparison                                                     3
//	difference in differences                pre-trends shown parallel     3
//	difference in differences                pre-trends not shown          2
//	unmatched comparison (before-after or cross-section with a
//	comparison group that was not matched)                                 2
//	before-after, cross-section (no comparison group)                      1
//
// An analyst may override the derived level (a badly executed matched
// design may deserve 2; a matched design with rich pre-programme history
// may be argued up), but only with a reason, which is stored and shown
// beside the level wherever it is printed.
//
// # Data Lab evaluations
//
// AddLabEvaluation adds a published Data Lab evaluation as a study (source
// "lab", design matched comparison, so SMS 3), so the toolkit learns as the
// lab works.
package evidence
