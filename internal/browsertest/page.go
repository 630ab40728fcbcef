package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Timeout bounds each page operation (a load, a screenshot, an axe run).
const Timeout = 60 * time.Second

// ScreenshotDirEnv names the folder that screenshots are also copied to.
const ScreenshotDirEnv = "DATALAB_SCREENSHOT_DIR"

// Page is one browser tab. It records every request the page makes and every
// error it logs, from the moment it opens.
type Page struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	requests []Request
	byID     map[network.RequestID]int
	errors   []string
	origins  map[string]bool // origins counted as the page's own
}

// Request is one network request the page made.
type Request struct {
	URL    string
	Method string
	// Type is Chromium's resource type: Document, Stylesheet, Image, Script,
	// Font, Fetch, XHR, …
	Type string
	// Status is the HTTP status of the response (0 for file:, data: or a
	// failed request).
	Status int64
	// Failed is the network error, if the request failed (e.g.
	// "net::ERR_NAME_NOT_RESOLVED", or "blocked: csp").
	Failed string
}

func (r Request) String() string {
	s := fmt.Sprintf("%s %s (%s)", r.Method, r.URL, r.Type)
	if r.Status != 0 {
		s += fmt.Sprintf(" → %d", r.Status)
	}
	if r.Failed != "" {
		s += " failed: " + r.Failed
	}
	return s
}

// NewPage opens a new tab, closed when t ends.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	p, err := b.OpenPage()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// OpenPage opens a new tab; the caller closes it. Tests use NewPage.
func (b *Browser) OpenPage() (*Page, error) {
	ctx, cancel := chromedp.NewContext(b.ctx)
	p := &Page{ctx: ctx, cancel: cancel, byID: map[network.RequestID]int{}, origins: map[string]bool{}}
	// Listen creates the tab; the listener sees everything from here on.
	if err := chromedp.Listen(ctx, p.record); err != nil {
		cancel()
		return nil, fmt.Errorf("browsertest: opening a tab: %w", err)
	}
	return p, nil
}

// Close closes the tab.
func (p *Page) Close() { p.cancel() }

// Context is the tab's chromedp context, for anything this package does not
// wrap: chromedp.Run(page.Context(), chromedp.Click(...)).
func (p *Page) Context() context.Context { return p.ctx }

// record runs on chromedp's event loop: it must be quick and send no command.
func (p *Page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Request == nil {
			return
		}
		p.byID[e.RequestID] = len(p.requests)
		p.requests = append(p.requests, Request{URL: e.Request.URL, Method: e.Request.Method, Type: string(e.Type)})
	case *network.EventResponseReceived:
		if i, ok := p.byID[e.RequestID]; ok && e.Response != nil {
			p.requests[i].Status = e.Response.Status
		}
	case *network.EventLoadingFailed:
		if i, ok := p.byID[e.RequestID]; ok {
			p.requests[i].Failed = e.ErrorText
			if e.BlockedReason != "" {
				p.requests[i].Failed += " (blocked: " + string(e.BlockedReason) + ")"
			}
		}
	case *runtime.EventExceptionThrown:
		if d := e.ExceptionDetails; d != nil {
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			p.errors = append(p.errors, "uncaught exception: "+msg)
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				var str string
				switch {
				case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &str) == nil:
					parts = append(parts, str)
				case a.Description != "":
					parts = append(parts, a.Description)
				default:
					parts = append(parts, string(a.Value))
				}
			}
			p.errors = append(p.errors, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		// Content-Security-Policy violations, failed loads and
		// interventions are logged here.
		if e.Entry != nil && e.Entry.Level == log.EntryLevelError {
			p.errors = append(p.errors, string(e.Entry.Source)+": "+e.Entry.Text)
		}
	}
}

func (p *Page) op() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, Timeout)
}

// Navigate loads a URL and waits for its load event.
func (p *Page) Navigate(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("browsertest: URL %q: %w", rawURL, err)
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		p.mu.Lock()
		p.origins[u.Scheme+"://"+u.Host] = true
		p.mu.Unlock()
	}
	ctx, cancel := p.op()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(rawURL)); err != nil {
		return fmt.Errorf("browsertest: loading %s: %w", rawURL, err)
	}
	return nil
}

// Open loads a URL (http, https or file) and waits for its load event.
func (p *Page) Open(t testing.TB, rawURL string) {
	t.Helper()
	if err := p.Navigate(rawURL); err != nil {
		t.Fatal(err)
	}
}

// OpenFile loads a local file.
func (p *Page) OpenFile(t testing.TB, path string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatalf("browsertest: %s: %v", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("browsertest: opening %v", err)
	}
	p.Open(t, FileURL(abs))
}

// OpenHTML writes html to a file in t.TempDir() and loads it; it returns the
// file's path. Relative links resolve against that folder.
func (p *Page) OpenHTML(t testing.TB, html []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, html, 0o644); err != nil {
		t.Fatalf("browsertest: writing the page: %v", err)
	}
	p.OpenFile(t, path)
	return path
}

// FileURL is the file: URL of an absolute path.
func FileURL(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// Screenshot captures the whole page (beyond the viewport) as a PNG.
func (p *Page) Screenshot() ([]byte, error) {
	ctx, cancel := p.op()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return nil, fmt.Errorf("browsertest: taking a screenshot: %w", err)
	}
	return png, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SaveScreenshot captures the whole page as a PNG in t.TempDir() and, when
// DATALAB_SCREENSHOT_DIR is set, copies it there as <test name>-<name>.png.
// It returns the PNG and the path in the temporary folder.
func (p *Page) SaveScreenshot(t testing.TB, name string) ([]byte, string) {
	t.Helper()
	png, err := p.Screenshot()
	if err != nil {
		t.Fatal(err)
	}
	file := unsafeName.ReplaceAllString(t.Name()+"-"+name, "_") + ".png"
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: writing the screenshot: %v", err)
	}
	if dir := os.Getenv(ScreenshotDirEnv); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("browsertest: %s=%s: %v", ScreenshotDirEnv, dir, err)
		}
		keep := filepath.Join(dir, file)
		if err := os.WriteFile(keep, png, 0o644); err != nil {
			t.Fatalf("browsertest: copying the screenshot to %s: %v", keep, err)
		}
		t.Logf("screenshot: %s", keep)
	}
	return png, path
}

// Eval evaluates a JavaScript expression in the page and decodes its JSON
// result into T. A promise is awaited.
func Eval[T any](p *Page, expression string) (T, error) {
	ctx, cancel := p.op()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		var zero T
		return zero, fmt.Errorf("browsertest: evaluating %s: %w", abbreviate(expression), err)
	}
	return v, nil
}

// Text is the rendered text (innerText) of the first element matching the
// CSS selector; it fails t when nothing matches.
func (p *Page) Text(t testing.TB, selector string) string {
	t.Helper()
	sel, _ := json.Marshal(selector)
	s, err := Eval[*string](p, `(() => { const e = document.querySelector(`+string(sel)+`); return e ? e.innerText : null })()`)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Fatalf("browsertest: no element matches %q", selector)
	}
	return *s
}

// Requests returns every request the page has made so far, in order.
func (p *Page) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// AllowOrigin counts an origin ("http://127.0.0.1:8080") as the page's own.
// Navigate allows the origin of each http(s) URL it loads.
func (p *Page) AllowOrigin(origin string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.origins[strings.TrimSuffix(origin, "/")] = true
}

// ExternalRequests returns the requests that left the page's own ground:
// anything but file:, data:, blob: and about: URLs and the origins of the
// pages it loaded (or allowed with AllowOrigin).
func (p *Page) ExternalRequests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Request
	for _, r := range p.requests {
		u, err := url.Parse(r.URL)
		if err != nil {
			out = append(out, r)
			continue
		}
		switch u.Scheme {
		case "file", "data", "blob", "about":
			continue
		}
		if p.origins[u.Scheme+"://"+u.Host] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// AssertNoExternalRequests fails t for each external request the page made.
func (p *Page) AssertNoExternalRequests(t testing.TB) {
	t.Helper()
	for _, r := range p.ExternalRequests() {
		t.Errorf("page made an external request: %s", r)
	}
}

// Errors returns the page's uncaught exceptions, console.error calls and
// browser log errors (Content-Security-Policy violations land here).
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// AssertNoErrors fails t for each error the page logged.
func (p *Page) AssertNoErrors(t testing.TB) {
	t.Helper()
	for _, e := range p.Errors() {
		t.Errorf("page logged an error: %s", e)
	}
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
