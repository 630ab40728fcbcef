package jobs

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// countingQueue counts completed jobs.
type countingQueue struct {
	Queue
	done atomic.Int64
	all  chan struct{}
	n    int64
}

func (q *countingQueue) CompleteJob(ctx context.Context, id int64, owner string, now time.Time) error {
	err := q.Queue.CompleteJob(ctx, id, owner, now)
	if q.done.Add(1) == q.n {
		close(q.all)
	}
	return err
}

// BenchmarkRunnerThroughput measures the runner's and the store's overhead
// per job: b.N trivial jobs (work that reports one progress step and
// returns) queued, then run by 1, 2 and 4 workers; jobs/s is reported.
func BenchmarkRunnerThroughput(b *testing.B) {
	stores := map[string]func(testing.TB) harness{"fake": func(testing.TB) harness { return fakeHarness{newFakeStore(), time.Now} }}
	for name, open := range realStores(b, time.Now) {
		stores[name] = open
	}
	for name, open := range stores {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%s/workers=%d", name, workers), func(b *testing.B) {
				h := open(b)
				for range b.N {
					h.enqueue(b, store.NewJob{Kind: KindEvaluation})
				}
				q := &countingQueue{Queue: h, all: make(chan struct{}), n: int64(b.N)}
				work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
					report(store.Progress{Stage: "done", Fraction: 1})
					return nil
				}
				r := &Runner{Queue: q, Work: work, Workers: workers, Poll: 5 * time.Millisecond}
				ctx, cancel := context.WithCancel(context.Background())
				b.ResetTimer()
				t0 := time.Now()
				done := make(chan error)
				go func() { done <- r.Run(ctx) }()
				<-q.all
				el := time.Since(t0)
				b.StopTimer()
				cancel()
				<-done
				b.ReportMetric(float64(b.N)/el.Seconds(), "jobs/s")
			})
		}
	}
}
