// Package toolkit builds the what-works toolkit from the evidence library:
// for each intervention type in the taxonomy, the pooled impact on a
// headline employment outcome, an evidence-strength rating with its
// reasons, the cost per participant where known and a plain-English
// summary, written as self-contained HTML pages and JSON. It is modelled on
// the Education Endowment Foundation's Teaching and Learning Toolkit and the
// Youth Futures Foundation's Toolkit, and is rebuilt from whatever the
// library holds, so Data Lab evaluations added by
// evidence.AddLabEvaluation enter it automatically.
//
// # Which studies are pooled
//
//  1. Studies of interventions of the type whose outcome is in the
//     employment domain (see evidence.Outcomes).
//  2. One study per publication (same citation): the one whose outcome is
//     the best headline — employed at a week closest to 52, then sustained
//     employment (26, then 13 weeks), then other binary employment
//     outcomes, then weeks employed.
//  3. The scale is percentage points (a risk difference) when at least as
//     many of these studies give one as give a standardised mean difference;
//     otherwise the SMD (Hedges' g). Study.EffectOn says how each study's
//     effect is obtained. Studies that cannot give the chosen scale are
//     listed with the reason.
//  4. Pooled by random effects (REML, as metafor) when there are two or
//     more studies; one study is shown as it is.
//
// # Evidence-strength rating (0–5)
//
// Rate, in order:
//
//	0  no study gives a usable effect on an employment outcome.
//	   Otherwise start from the lower of
//	   (a) design: the median SMS level of the pooled studies, rounded down;
//	   (b) quantity: 2 for one study, 4 for two to four, 5 for five or more.
//	   Then subtract one for each that applies:
//	   (c) heterogeneity: I² of 75% or more across two or more studies
//	       ("considerable", Higgins et al. 2003, doi:10.1136/bmj.327.7414.557);
//	   (d) sample: fewer than 1,000 participants in all the pooled studies
//	       together (a study that does not report its sample counts as 0).
//	   The rating is never below 1 when a study is pooled.
//
// Labels: 0 no evidence, 1 very limited, 2 limited, 3 moderate, 4 strong,
// 5 very strong. Every page shows each step and its reason.
//
// # Cost
//
// The median, lowest and highest cost per participant reported by the
// type's studies, in pounds at each study's own price year (not deflated).
//
// # Illustrative studies
//
// A study marked illustrative is fictional; every page and JSON object that
// uses one says so in its heading, summary and study table.
package toolkit
