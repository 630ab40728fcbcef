package server

import (
	"sync"
	"time"
)

// limiter is a set of token buckets keyed by string (an account's email or
// a client IP): each holds up to burst tokens and refills at rate per
// second; an attempt takes one token and is refused when none is left
// (Turner 1986's token bucket). Buckets live in memory, so a restart resets
// them and several server processes would each keep their own: fine for
// one lab server, and documented in the package doc. Full buckets are
// dropped on sweep so memory is bounded by recent attempts.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
	lastGC  time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(perMinute float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: perMinute / 60, burst: float64(burst), buckets: map[string]*bucket{}, now: now}
}

// allow takes a token from key's bucket and reports whether there was one,
// and if not, how long until there will be.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	if t.Sub(l.lastGC) > time.Minute {
		l.sweep(t)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: t}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+t.Sub(b.at).Seconds()*l.rate)
	b.at = t
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

func (l *limiter) sweep(t time.Time) {
	for k, b := range l.buckets {
		if b.tokens+t.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.lastGC = t
}
