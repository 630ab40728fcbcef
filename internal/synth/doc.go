// Package synth generates a synthetic labour-market world in data contract
// v1 (DESIGN.md §4) with programmes whose true effects are known, so every
// stage of the lab — linkage, matching, impact estimation — can be tested
// against the truth.
//
// The front door is Write(ctx, dir, cfg, progress). The same Config (seed
// included) gives byte-identical files on any machine and any number of
// cores.
//
// # Layout
//
//	DIR/spine/people.csv             person_id, date_of_birth, sex, region, district
//	DIR/spine/identities.csv         person_id, nino, first_name, last_name, date_of_birth, postcode
//	DIR/spine/benefit_spells.csv     person_id, benefit, start_date, end_date
//	DIR/spine/employment_spells.csv  person_id, employer_id, start_date, end_date
//	DIR/spine/earnings.csv           person_id, month, amount
//	DIR/spine/education.csv          person_id, start_date, end_date, level, achieved
//	DIR/programmes/<name>/participants.csv        participant_ref, nino, first_name, last_name, date_of_birth, postcode, start_date, site
//	DIR/programmes/<name>/participants_noisy.csv  the same people as a provider would submit them (Config.Noise)
//	DIR/programmes/<name>/true_links.csv          participant_ref, person_id (Config.Noise; empty person_id = not in the spine)
//	DIR/truth.json                   each programme's design and true effects
//
// person_id is P and 7 digits (more for worlds over 9,999,999 people);
// employer_id is E and as many digits. Spells overlapping the window are
// written with their true dates, which may precede the window's start (a
// job begun in 2012); an empty end_date is ongoing at the window's end.
// Earnings have one row per person and month with positive pay, within the
// window. Education levels are RQF levels L2, L3 and L6.
//
// participants.csv holds clean identities, exactly as in identities.csv,
// and a subgroup attribute, site. participants_noisy.csv holds the same
// rows (same participant_ref) with submission errors drawn at the rates of
// Config.NoiseRates: nicknames (Robert → Bob), one-key typos, surnames
// changed by marriage, day and month of birth swapped, a mistyped digit in
// the date of birth, dates of birth written DD/MM/YYYY, NINOs missing or
// mistyped, a postcode from a move to another district, stray spaces and
// odd case. It also holds a few rows for people the spine does not hold
// (NoiseRates.NotInSpine), with an empty person_id in true_links.csv:
// realistic non-matches for measuring precision and recall.
//
// # The world
//
// People are simulated week by week on a grid of Mondays from two years
// before the window (burn-in) to its end. A person's state in week t is
// their state on that Monday; spells are written with up to 6 days of
// deterministic jitter that leaves the status on every Monday unchanged.
// Programme start dates are Mondays, so the covariates and outcomes the lab
// computes from the written spells at a start date are exactly the ones the
// simulation used.
//
//   - Population: ages 16–66 at some point in the window (uniform dates of
//     birth), the 12 UK ITL1 regions weighted by population (ONS mid-2021
//     estimates), 35 Jobcentre-style districts with postcode areas.
//   - Persistent heterogeneity: an unobserved ability raises job finding
//     and wages and lowers separations; a frailty drives the onset of a
//     long-term health condition (Heckman & Singer 1984, Econometrica 52(2),
//     doi:10.2307/1911491, on why unobserved heterogeneity matters in
//     duration data).
//   - Duration dependence: the weekly job-finding hazard falls as
//     (1 + weeks unemployed)^−0.25, the hazard of leaving inactivity as
//     (1 + years inactive)^−0.7 (Lancaster 1979, Econometrica 47(4),
//     doi:10.2307/1914140); separations are four times likelier in the
//     first weeks of a job and settle over about six months (Jovanovic
//     1979, JPE 87(5), doi:10.1086/260808).
//   - Pay: a Mincer log-wage in experience, ability, region and sex with a
//     match-specific draw, rising 5% a year with tenure for five years and
//     3% after, 2.8% a year nominal growth, a scar after long unemployment,
//     part-time jobs at half pay. Monthly earnings sum the weekly pay of the
//     Mondays in the month (pence, written with 2 decimals).
//   - Benefits: claims follow job loss, ill health and caring. Before
//     Universal Credit full service reached a district (dates staggered over
//     2018) new claims are JSA, ESA or IS; after, UC_SEARCHING,
//     UC_PREPARING or UC_NO_WORK_REQ, and a UC claim continues as
//     UC_WORKING when a job pays little. Legacy claims run on until they end
//     (natural migration at a change of circumstances). IB appears only in
//     claims begun before ESA (October 2008); DLA only in awards begun
//     before PIP (April 2013), reassessed to PIP by 2019. PIP follows the
//     health condition. Working-age benefits end at 66.
//   - Education: most 16-year-olds stay on (L2 or L3, two years), some go on
//     to a degree (L6, three years); young unemployed people take short L2
//     courses.
//   - Calendar shocks: the 2020 lockdowns cut job finding and raised
//     separations for a few months.
//
// # Programmes and take-up
//
// Three programmes (see programmes()): jobsearch_plus (out-of-work
// claimants aged 18–64, starts over the year five years before the end, a
// lock-in dip then a higher job-finding hazard for half a year),
// health_works (inactivity-benefit claimants aged 18–64, a smaller
// programme, more moves into job search and work for a year) and
// mentoring_null (claimants aged 18–24, zero effect by design; its starts
// run to 18 months before the end, so for its later starters weeks beyond
// the window are unavailable and marked null or excluded).
//
// Take-up: in each week of its start window, a person in a programme's
// target group joins with probability logistic(index), a linear index in
// the default covariates of DESIGN.md §4 (age, sex, region, benefit class
// and disability benefit on the day, weeks employed / on out-of-work / on
// inactivity benefit in the 52 and 104 weeks before, earnings in the 12
// months before). The take-up model is a function of timeline.Covariates
// only (takeUp.probability), and the target group is defined in covariates
// too, so selection is on observables by construction and a correct
// evaluation can recover the truth. A person joins a programme at most
// once; the programmes' take-up processes are independent (one person can
// join two different programmes), because making one programme exclude
// another's past participants would make take-up depend on something the
// lab does not observe.
//
// # Truth
//
// For each participant the simulation keeps its state at the start and runs
// it on with identical random numbers (every adult week draws exactly four
// 64-bit numbers from the person's PCG stream, whatever happens: common
// random numbers, Glasserman & Yao 1992, Management Science 38(6),
// doi:10.1287/mnsc.38.6.884) in two more branches: not joining on that date
// (but possibly later, as the lab's comparison pool allows; Sianesi 2004,
// REStat 86(1), doi:10.1162/003465304323023778) and never joining this
// programme. Each branch's spells go through the shared kernel
// (timeline.Build, then Timeline.Outcomes at the start date with the
// spine's window), so the truth uses the lab's own outcome definitions.
// A programme with no effect gives identical branches, so its truth is
// exactly zero.
//
// truth.json fields:
//
//	contract, generator, seed, people, effect, noise   the settings used
//	window {start, end, earnings_from}                 the spine window
//	estimand                                           what att means, in words
//	programmes[]:
//	  name, description, target_group
//	  eligibility {benefit_class[], age_min, age_below}  target group: benefit class on the start day in the list and
//	                                                     age_min <= (d - dob)/365.25 < age_below
//	  take_up {model, terms{name: coefficient}}         weekly take-up among the eligible = logistic(Σ coefficient × term);
//	                                                     terms: intercept; age_minus_40_per_10_years; sex_m; disability;
//	                                                     benefit_class_<class>; weeks_<status>_<52|104>_per_<52|104>
//	                                                     (weeks divided by the span); earnings_prior_12_per_1000; region=<name>
//	  effect {multiplier, phases[{from_week, to_week, hazard, designed_factor, factor}]}
//	                                                     hazard job_finding, inactive_to_search or inactive_to_work is
//	                                                     multiplied by factor = max(0, 1 + multiplier × (designed_factor − 1))
//	                                                     in weeks from_week..to_week after the start
//	  participants, first_start, last_start             rows of participants.csv and their start dates
//	  complete_follow_up_until                          last start date with all 104 weeks inside the window
//	  joined_later_share                                share of participants who join within 104 weeks in the Y(0) branch
//	  att {outcome: value}                              mean of Y(1) − Y(0), Y(0) = not joining on the start date
//	  att_never_joined {outcome: value}                 mean of Y(1) − Y(0), Y(0) = never joining
//	  mean_participants {outcome: value}                mean of Y(1): what the lab's participant mean should be
//	  mean_counterfactual {outcome: value}              mean of Y(0) (not joining then)
//	  n {outcome: count}                                participants averaged over
//
// Outcomes are the names of timeline.DefaultOutcomes: employed,
// on_out_of_work_benefit and on_inactivity_benefit map to 105 values (weeks
// 0..104), the others (weeks_employed_0_51, weeks_employed_0_103,
// earnings_months_1_12, earnings_months_13_24, sustained_employment_13,
// sustained_employment_26) to one value. A value is averaged over the
// participants whose outcome the window observes, and is null where there
// are none; sustained employment k counts only participants whose weeks
// 0..51+k−1 are all observed (Outcomes.SustainedComplete). Week 0 is the
// start day itself, so every ATT at week 0 is exactly 0.
//
// # Glossary
//
//   - grid week: week t of the simulation, the Monday g0 + 7t.
//   - branch: a copy of a person's state at a start date, run on with the
//     same random numbers but a different programme decision.
//   - designed effect: a programme's hazard multipliers at Effect 1.
package synth
