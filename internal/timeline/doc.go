// Package timeline is the lab's per-person kernel: it turns one person's
// spine rows (benefit, employment and education spells, monthly earnings)
// into a compact timeline, and answers the outcomes framework's questions
// about it: the default covariates at a reference date and the default
// outcomes in the two years after it (DESIGN.md §4).
//
// It imports no database or engine (DESIGN.md §6). The DuckDB path
// (internal/spine) streams rows ordered by person into Build; a later
// distributed runner can group by person and call the same function, so the
// definitions are written once.
//
// # Use
//
//   - Build(rows) returns a Timeline; a Builder does the same reusing its
//     memory, for an index builder streaming millions of people.
//   - Flat holds many timelines in flat arrays (the on-disk index layout);
//     Flat.Timeline(i) is a view onto them with no copying. A Timeline built
//     by hand onto stored arrays must keep the invariants Timeline.Check
//     verifies.
//   - Timeline.Covers, WeeksCovered and Earnings answer status and earnings
//     questions by binary search and arithmetic, never by visiting days or
//     weeks one at a time.
//   - Timeline.Covariates(d) and Timeline.Outcomes(d, window) compute the
//     default covariates and outcomes; neither allocates.
//   - DefaultCovariates and DefaultOutcomes (and ExtendedOutcomes for the
//     reserved names of DESIGN.md §4.1) are the catalogues, by name.
//     Outcomes.Value reads an outcome by name with an availability flag; an
//     Encoder turns Covariates into float64 design rows (dummy coding for
//     the propensity model, one column per level for balance tables).
//
// Dates are days since 1970-01-01 and months are months since 1970-01; the
// calendar arithmetic is Hinnant's (2013) civil-date algorithms,
// https://howardhinnant.github.io/date_algorithms.html.
//
// # Definitions
//
//   - Intervals are closed: a spell with start s and end e covers every day
//     x with s <= x <= e. An empty end_date is Ongoing. A spell that ends on
//     the reference day covers the reference day.
//   - Week w of a person with reference date d is the day d + 7w; w = 0 is d
//     itself. A person is employed at week w if any employment spell covers
//     that day; likewise for each benefit class and education.
//   - "Weeks employed in the 52 weeks before d" counts w in -52..-1 with the
//     person employed at week w; the 104-week figure counts w in -104..-1.
//   - "Earnings in the 12 months before the month of d" sums the calendar
//     months m-12..m-1 where m is the month of d. Outcome "earnings in months
//     1–12" sums months m+1..m+12, and "13–24" months m+13..m+24.
//   - Sustained employment k (13 or 26) is 1 if there is a start week s in
//     0..51 with the person employed at every week s..s+k-1.
//   - An outcome that needs a day or month past the spine's window is
//     unavailable, never zero (Window).
//
// Spells may start before the spine's first earnings month: true dates are
// kept, and look-back covariates count whatever the spells show.
//
// # Glossary
//
//   - reference date: the day a participant started (or a comparator's
//     matched date); week 0.
//   - benefit class: out-of-work (JSA, UC_SEARCHING), inactivity (ESA, IS, IB,
//     UC_PREPARING, UC_NO_WORK_REQ), in-work (UC_WORKING), disability (PIP,
//     DLA). See ClassOf.
//   - window: the days and months for which the spine is complete.
package timeline
