// Package jobs runs the lab's long work (linkage and evaluation of a
// submission) as persisted background jobs: a Runner claims queued jobs
// from the store, runs them with visible progress, and records how each
// ended.
//
// # Guarantees
//
//   - A job is never silently lost. A worker holds a job under a lease it
//     renews by heartbeat (Gray & Cheriton 1989, "Leases: an efficient
//     fault-tolerant mechanism for distributed file cache consistency",
//     SOSP '89, doi:10.1145/74850.74870). If the process dies, the lease
//     expires and Queue.Recover, run when a runner starts and at every
//     lease interval after, either queues the job again or marks it failed
//     with the reason ("interrupted by a restart"), as the store's attempt
//     limit decides.
//   - Execution is at least once, so work must be idempotent: the
//     evaluation work writes every output atomically into a folder of its
//     own per job, and resumes from its linked cohort when the identifiers
//     were already deleted (pipeline.RunJob).
//   - A job can be cancelled: the store records the request; the runner
//     sees it at the next heartbeat, cancels the job's context and marks
//     the job cancelled.
//   - A runner stopping (server shutdown) stops its running jobs and lets
//     their leases lapse at once, so the next start (or another process's
//     runner) recovers them straight away; a crash leaves them until their
//     leases expire.
//   - Failure reasons are written for the provider: a Refusal carries a
//     message safe to show (no direct identifier); any other error is
//     logged in full for the lab team and the job is failed with a
//     general reason that names the job.
//
// # Glossary
//
// Job: one unit of queued work (an evaluation of one submission). Lease:
// the time a worker may hold a job without renewing. Heartbeat: the
// renewal, which also writes progress and reads the cancel flag. Stage,
// fraction: the progress shown to the provider.
package jobs
