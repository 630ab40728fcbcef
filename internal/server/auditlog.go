package server

import (
	"context"
	"sync"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// auditWriter takes the audit rows the server itself writes (sign-ins,
// views, downloads) off the request path: a view would otherwise wait for
// the store's single writer behind every upload (on SQLite, one write
// transaction at a time), which is what made page latency spike under 50
// concurrent uploaders. Rows are stamped with their time when the request
// happens and written in order by one goroutine; the queue is bounded and
// a full queue blocks the request rather than drop a row. Close writes
// everything queued. What can be lost: rows still queued if the process
// is killed without a graceful shutdown (at most the queue's length,
// normally a few milliseconds' worth). Changes (uploads, decisions,
// publication, role changes) are audited by the store in the same
// transaction as the change and are never queued here.
type auditWriter struct {
	store Store
	ch    chan store.AuditEntry
	done  chan struct{}
	once  sync.Once
	log   func(msg string, args ...any)
}

func newAuditWriter(st Store, queue int, log func(string, ...any)) *auditWriter {
	w := &auditWriter{store: st, ch: make(chan store.AuditEntry, queue), done: make(chan struct{}), log: log}
	go w.run()
	return w
}

func (w *auditWriter) run() {
	defer close(w.done)
	batch := make([]store.AuditEntry, 0, auditBatch)
	for e := range w.ch {
		// Take what else is already queued, up to a batch, so a burst of
		// views is one transaction (one commit) rather than one each:
		// under 50 concurrent providers on PostgreSQL, a commit per view
		// filled the queue and requests waited to enqueue.
		batch = append(batch[:0], e)
	drain:
		for len(batch) < auditBatch {
			select {
			case e, ok := <-w.ch:
				if !ok {
					break drain
				}
				batch = append(batch, e)
			default:
				break drain
			}
		}
		w.write(batch)
	}
}

// auditBatch is the most queued audit rows written in one transaction.
const auditBatch = 256

func (w *auditWriter) write(batch []store.AuditEntry) {
	// Retry briefly: a busy SQLite answers "database is locked" after its
	// busy timeout under heavy write load.
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.store.AuditMany(ctx, batch)
		cancel()
		if err == nil {
			return
		}
		if attempt == 2 {
			for _, e := range batch {
				w.log("audit log write failed", "action", e.Action, "object", e.ObjectType+"/"+e.ObjectID, "err", err)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// add queues e (blocking while the queue is full).
func (w *auditWriter) add(e store.AuditEntry) { w.ch <- e }

// close writes what is queued and stops; it waits at most until ctx ends.
func (w *auditWriter) close(ctx context.Context) error {
	w.once.Do(func() { close(w.ch) })
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
