// Package followup follows a trial's participants up in the administrative
// data: it links the identifiers the trial holds for them (a participants
// file in the lab's submission format, keyed by the participant_ref used
// at enrolment) to the spine exactly as a Data Lab submission is linked
// (internal/linkage/qa), then reads each linked participant's outcome at
// the plan's horizon and the plan's covariates at their enrolment date
// from the timeline index (internal/spine/index), so a trial and a lab
// evaluation use one set of outcome definitions (DESIGN.md §4).
//
// # Reference date
//
// Every participant's follow-up is measured from their enrolment date, the
// start_date of the participants file (week w is the day start_date + 7w).
// In a trial that is the day of randomisation: covariates read at a later
// date could already be affected by the arm. Follow counts the
// participants whose start_date is after the day their allocation was made
// so the report can say so.
//
// # What is unavailable is not zero
//
// A participant whose outcome lies past the end of the spine's window (or
// who is outside an outcome's population, such as neet for those not aged
// 16–24) has the outcome "not observable", with the reason; they stay in
// the CONSORT flow and out of the estimate. They are never counted as 0.
//
// # Privacy
//
// The identifiers are read only by the linkage step, which drops them
// before it returns; nothing Follow returns, logs or writes holds a name,
// NI number, date of birth or postcode. linked.csv, the analysts' QA file,
// holds participant_ref and the pseudonymous person_id, as in a lab
// evaluation.
package followup
