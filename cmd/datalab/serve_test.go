package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runWithStdin runs datalab with args and stdin.
func runWithStdin(ctx context.Context, stdin string, args ...string) (string, string, error) {
	var o, e bytes.Buffer
	root := newRootCmd(&o, &e)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return o.String(), e.String(), err
}

func TestServeHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"admin", "create-user", "--help"}} {
		out, _, err := runWithStdin(context.Background(), "", args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "--db") {
			t.Errorf("%v: help lacks an example or --db:\n%s", args, out)
		}
	}
}

func TestAdminCreateUser(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "lab.db")
	out, _, err := runWithStdin(ctx, "a long enough password\n", "admin", "create-user", "--db", db,
		"--email", "ana@workwell.example", "--role", "provider", "--org", "Work Well Leeds")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "created provider user ana@workwell.example") || !strings.Contains(out, `organisation "Work Well Leeds"`) {
		t.Errorf("output: %s", out)
	}
	// The same organisation is reused, not created twice.
	if _, _, err := runWithStdin(ctx, "another long password\n", "admin", "create-user", "--db", db,
		"--email", "bo@workwell.example", "--role", "provider", "--org", "Work Well Leeds"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"no password", "", []string{"--email", "x@lab.example", "--role", "admin"}, "no password on standard input"},
		{"bad role", "a long enough password\n", []string{"--email", "x@lab.example", "--role", "superuser"}, "role"},
		{"taken email", "a long enough password\n", []string{"--email", "ana@workwell.example", "--role", "analyst"}, "ana@workwell.example"},
	}
	for _, tt := range tests {
		_, _, err := runWithStdin(ctx, tt.stdin, append([]string{"admin", "create-user", "--db", db}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	orgs, err := s.Organisations(ctx, store.AllOrgs())
	if err != nil || len(orgs) != 1 {
		t.Fatalf("organisations: %v %v, want one", orgs, err)
	}
	u, err := s.Authenticate(ctx, "ana@workwell.example", "a long enough password", time.Now())
	if err != nil || u.Role != store.RoleProvider || u.OrgID == nil || *u.OrgID != orgs[0].ID {
		t.Fatalf("the created user does not authenticate as a provider of %s: %+v %v", orgs[0].Name, u, err)
	}
}

func TestServeRefusesUnsafeAddresses(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "no TLS certificate"},
		{[]string{"--addr", "0.0.0.0:0", "--allow-remote", "--insecure-cookies"}, "only allowed on a loopback"},
		{[]string{"--tls-cert", "cert.pem"}, "both --tls-cert and --tls-key"},
	}
	for _, tt := range tests {
		_, _, err := runWithStdin(context.Background(), "", append([]string{"serve", "--data", dir}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve %v: error %v, want one mentioning %q", tt.args, err, tt.want)
		}
	}
}

func TestServeRunsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		root := newRootCmd(&out, &errOut)
		root.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--insecure-cookies"})
		done <- root.ExecuteContext(ctx)
	}()
	addr := regexp.MustCompile(`serving at (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatalf("serve did not start:\n%s\n%s", out.String(), errOut.String())
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "ok\n" {
		t.Fatalf("/healthz: %d %q", res.StatusCode, b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of its context ending")
	}
}
