package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/server"
	"github.com/employment-data-lab/datalab/internal/store"
)

// BenchmarkProvidersUploadAndPoll is issue 6's load target in small: 50
// providers in 5 organisations each upload a participants file and then
// poll their submission page and their dashboard 10 times, all at once,
// on SQLite (no job runner: this measures the web tier). It reports the
// p50 and p99 latency of those non-analysis pages and fails on any
// request that does not succeed. Run:
//
//	go test -run '^$' -bench ProvidersUploadAndPoll -benchtime 1x ./internal/server/
func BenchmarkProvidersUploadAndPoll(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, filepath.Join(b.TempDir(), "lab.db"), func(c *server.Config) { c.AuditQueue = 4096 })
		clients := e.providers(50, 5)
		b.StartTimer()
		const polls = 10
		var mu sync.Mutex
		var lat []time.Duration
		byKind := map[string][]time.Duration{}
		var failed int
		var wg sync.WaitGroup
		for p, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := c.upload("/submissions", "participants.csv", fmt.Sprintf("Programme %d", p), []byte(goodCSV))
				if res.StatusCode != http.StatusSeeOther {
					mu.Lock()
					failed++
					mu.Unlock()
					return
				}
				loc := res.Header.Get("Location")
				for k := 0; k < polls; k++ {
					for _, path := range []string{loc, "/submissions"} {
						start := time.Now()
						r := c.get(path)
						d := time.Since(start)
						mu.Lock()
						lat = append(lat, d)
						kind := "submission"
						if path == "/submissions" {
							kind = "dashboard"
						}
						byKind[kind] = append(byKind[kind], d)
						if r.StatusCode != http.StatusOK {
							failed++
						}
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if failed > 0 {
			b.Fatalf("%d requests failed", failed)
		}
		b.StopTimer()
		// Every view was audited once the queue is written.
		if err := e.srv.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		views, err := e.db.AuditLog(context.Background(), store.AllOrgs(), store.AuditFilter{Action: store.ActionView, Limit: 10000})
		if err != nil || len(views) != len(clients)*polls {
			b.Fatalf("audit log holds %d views (%v), want %d", len(views), err, len(clients)*polls)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		for k, l := range byKind {
			sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
			b.ReportMetric(float64(l[len(l)*99/100].Microseconds())/1000, k+"-p99-ms")
		}
	}
}

// providers makes n provider accounts spread over orgs organisations, each
// with a session made directly in the store (so the sign-in rate limit,
// which is per client address, does not throttle the benchmark).
func (e *env) providers(n, orgs int) []*client {
	ctx := context.Background()
	var ids []int64
	for o := 0; o < orgs; o++ {
		org, err := e.db.CreateOrganisation(ctx, nil, fmt.Sprintf("Bench org %d", o), time.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, org.ID)
	}
	u, _ := url.Parse(e.ts.URL)
	var cs []*client
	for p := 0; p < n; p++ {
		org := ids[p%orgs]
		usr, err := e.db.CreateUser(ctx, nil, store.NewUser{Email: fmt.Sprintf("p%d@bench.example", p), Role: store.RoleProvider, OrgID: &org, Password: pw}, time.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		tok, sess, err := e.db.CreateSession(ctx, usr.ID, time.Now(), time.Hour)
		if err != nil {
			e.t.Fatal(err)
		}
		c := e.anonymous()
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "datalab_session", Value: tok, Path: "/"}})
		c.csrf = base64.RawURLEncoding.EncodeToString(sess.CSRFSecret)
		cs = append(cs, c)
	}
	return cs
}
