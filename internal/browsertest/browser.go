package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// RequireEnv names the variable that turns a missing browser or axe-core from
// a skip into a failure.
const RequireEnv = "DATALAB_REQUIRE_BROWSER"

// ErrNoBrowser is returned when no Chromium or Chrome executable is found.
var ErrNoBrowser = errors.New("no Chromium or Chrome executable found")

// Browser is one running headless Chromium.
type Browser struct {
	ctx         context.Context // the browser's first tab; new tabs derive from it
	cancelTab   context.CancelFunc
	cancelAlloc context.CancelFunc
	dataDir     string
	execPath    string
	// StartTime is how long Chromium took to start and open its first tab.
	StartTime time.Duration
	closeOnce sync.Once
	closeErr  error
}

// FindChromium returns the browser executable: $DATALAB_CHROMIUM if set,
// else Debian's /usr/bin/chromium, else the first of chromium,
// chromium-browser, google-chrome-stable, google-chrome on PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("DATALAB_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("DATALAB_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: looked for /usr/bin/chromium and chromium, chromium-browser, google-chrome on PATH; install it (Debian: apt-get install chromium) or set DATALAB_CHROMIUM", ErrNoBrowser)
}

// Start launches headless Chromium at execPath with a fresh profile in a
// temporary directory (removed by Close). The context bounds the start only.
func Start(ctx context.Context, execPath string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "datalab-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browsertest: making a profile directory: %w", err)
	}
	output := &lockedWriter{w: new(bytes.Buffer)}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0], chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 1024),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: tabCtx, cancelTab: cancelTab, cancelAlloc: cancelAlloc, dataDir: dir, execPath: execPath}

	began := time.Now()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tabCtx) }()
	select {
	case err = <-started:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("browsertest: starting %s: %w (browser output: %q)", execPath, err, tail(output.String(), 600))
	}
	b.StartTime = time.Since(began)
	return b, nil
}

// Close shuts the browser down and removes its profile directory. It is safe
// to call more than once.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		// Cancel closes the browser gracefully; cancelAlloc then waits for
		// the process to exit.
		if err := chromedp.Cancel(b.ctx); err != nil && !errors.Is(err, context.Canceled) {
			b.closeErr = fmt.Errorf("browsertest: closing the browser: %w", err)
		}
		b.cancelTab()
		b.cancelAlloc()
		if err := os.RemoveAll(b.dataDir); err != nil && b.closeErr == nil {
			b.closeErr = fmt.Errorf("browsertest: removing profile %s: %w", b.dataDir, err)
		}
	})
	return b.closeErr
}

// Version is the browser's product string, e.g. "Chrome/131.0.6778.139".
func (b *Browser) Version() (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		return "", fmt.Errorf("browsertest: reading the browser version: %w", err)
	}
	return v, nil
}

// New starts a browser for t and closes it when t ends. Use it in one
// top-level test and share the result across subtests; when Chromium is
// missing or does not start, t is skipped (or fails under
// DATALAB_REQUIRE_BROWSER=1).
func New(t testing.TB) *Browser {
	t.Helper()
	b, err := launch()
	if err != nil {
		Unavailable(t, "%v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	t.Logf("Chromium started in %v", b.StartTime.Round(time.Millisecond))
	return b
}

func launch() (*Browser, error) {
	path, err := FindChromium()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return Start(ctx, path)
}

// Unavailable reports that a browser test cannot run: it skips t with a loud
// message, or fails it when DATALAB_REQUIRE_BROWSER=1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("BROWSER TEST CANNOT RUN and %s=1: %s", RequireEnv, msg)
	}
	t.Skipf("SKIPPING BROWSER TEST (set %s=1 to make this a failure): %s", RequireEnv, msg)
}

// Shared is one browser for a whole test binary, started on first use and
// closed by Run after the tests. The zero value is ready to use.
type Shared struct {
	mu      sync.Mutex
	browser *Browser
	err     error
	tried   bool
}

// Browser returns the shared browser, starting it on the first call. When it
// cannot start, t is skipped (or fails under DATALAB_REQUIRE_BROWSER=1), and
// so is every later caller, without another attempt.
func (s *Shared) Browser(t testing.TB) *Browser {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tried {
		s.tried = true
		s.browser, s.err = launch()
		if s.err == nil {
			t.Logf("Chromium started in %v", s.browser.StartTime.Round(time.Millisecond))
		}
	}
	if s.err != nil {
		Unavailable(t, "%v", s.err)
	}
	return s.browser
}

// Close closes the shared browser if it was started.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.browser == nil {
		return nil
	}
	err := s.browser.Close()
	s.browser = nil
	return err
}

// Run runs the package's tests and then closes the browser; call it from
// TestMain as os.Exit(shared.Run(m)).
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// lockedWriter serialises writes from the browser's output goroutine.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 64<<10 {
		return len(p), nil // keep the head; enough to diagnose a failed start
	}
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
