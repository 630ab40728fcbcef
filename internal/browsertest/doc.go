// Package browsertest drives a real, headless Chromium from Go tests:
// open a page (a file, an HTML string or a URL), take a full-page screenshot,
// check that elements are visible, run the axe-core accessibility engine, and
// see every network request the page made.
//
// Chromium is Debian's package (/usr/bin/chromium), driven over the Chrome
// DevTools Protocol by github.com/chromedp/chromedp. axe-core (Deque Systems,
// https://github.com/dequelabs/axe-core) is read from the repository's
// web/node_modules/axe-core/axe.min.js, installed by `make assets`; nothing is
// fetched from the network.
//
// # When the browser or axe is missing
//
// A test that needs them is skipped with a loud message, unless the
// environment sets DATALAB_REQUIRE_BROWSER=1 (CI does), in which case it
// fails. So a laptop without Chromium still runs the rest of the suite, and CI
// can never pass by skipping.
//
// # One browser per test binary
//
// Starting Chromium takes about a second, so tests share one. Either use
// [New] inside one top-level test and share the *Browser across its subtests,
// or declare a [Shared] in the test package and hand it TestMain:
//
//	var browsers browsertest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(browsers.Run(m)) }
//
//	func TestPage(t *testing.T) {
//		page := browsers.Browser(t).NewPage(t)
//		page.OpenFile(t, "testdata/page.html")
//		page.AssertVisible(t, "h1")
//		page.AssertNoExternalRequests(t)
//		if v := page.Axe(t, browsertest.WCAG2AA()...); len(v) > 0 {
//			t.Errorf("accessibility violations:\n%s", browsertest.Describe(v))
//		}
//	}
//
// Each page is its own tab, closed when its test ends, so pages of parallel
// tests do not interfere.
//
// # Environment
//
//	DATALAB_REQUIRE_BROWSER=1   fail, not skip, when Chromium or axe-core is missing
//	DATALAB_CHROMIUM=/path      use this browser instead of searching for one
//	DATALAB_SCREENSHOT_DIR=dir  also copy every screenshot there, for people to look at
package browsertest
