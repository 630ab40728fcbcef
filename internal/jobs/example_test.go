package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// A runner claims a queued job, runs it with progress, and records how it
// ended: here one job succeeds and one is refused with a reason the
// provider can act on. (The queue is the in-memory fake; the service
// passes its *store.DB.)
func ExampleRunner() {
	q := newFakeStore()
	ok := q.enqueue(store.NewJob{Kind: KindEvaluation}, time.Now())
	bad := q.enqueue(store.NewJob{Kind: KindEvaluation}, time.Now())
	work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
		report(store.Progress{Stage: "linkage", Fraction: 0.2})
		if job.ID == bad.ID {
			return Refuse("cohort too small to evaluate: 40 of 60 submitted participants were linked", nil)
		}
		report(store.Progress{Stage: "done", Fraction: 1})
		return nil
	}
	r := &Runner{Queue: q, Work: work, Workers: 1, Poll: 10 * time.Millisecond}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	for !q.job(ok.ID).State.Terminal() || !q.job(bad.ID).State.Terminal() {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	for _, id := range []int64{ok.ID, bad.ID} {
		j := q.job(id)
		fmt.Printf("job %d: %s at %q\n", j.ID, j.State, j.Stage)
		if j.Error != "" {
			fmt.Printf("  reason: %s\n", j.Error)
		}
	}
	// Output:
	// job 1: succeeded at "done"
	// job 2: failed at "linkage"
	//   reason: cohort too small to evaluate: 40 of 60 submitted participants were linked
}
