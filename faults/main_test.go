//go:build !js

// Package faults breaks patchkv on purpose, in Debian's headless Chromium with its
// real IndexedDB, driven through chromedp: several pages and a worker upgrading one
// database at once, a model-checked random workload, the browser killed in the
// middle of a write burst, a reload with writes pending, a full disk, IndexedDB
// missing or refused, and values IndexedDB cannot store.
//
// Pages load faults/testdata/page.html from a server of the repository root (the
// handler of ./build.sh serve), so kv.wasm and wasm_exec.js must be built:
// ./build.sh test does that before it runs go test.
package faults

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/browser"
	"github.com/patchies/patchkv/internal/browsertest"
	"github.com/patchies/patchkv/internal/devserver"
)

// pagePath is the test page: it imports js/kv.js and faults/testdata/faults.js.
const pagePath = "/faults/testdata/page.html"

var shared struct {
	mu      sync.Mutex
	servers map[serverKind]*httptest.Server

	browserOnce sync.Once
	browserCtx  context.Context
	browserStop context.CancelFunc
	browserErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.browserStop != nil {
		shared.browserStop()
	}
	for _, s := range shared.servers {
		s.Close()
	}
	os.Exit(code)
}

// repoRoot returns the repository root and fails when the built files are missing.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	return browsertest.RepoRoot(tb, "js/kv.js", "kv.wasm", "wasm_exec.js")
}

type serverKind int

const (
	// plain serves the repository root as ./build.sh serve does. A request with
	// ?sandbox=1 gets `Content-Security-Policy: sandbox allow-scripts`: an opaque
	// origin, to which Chromium refuses IndexedDB. Every response allows CORS, so
	// that such a page can still load the module.
	plain serverKind = iota
	// isolated adds COOP/COEP, which makes pages cross-origin isolated
	// (SharedArrayBuffer exists only there).
	isolated
)

// serverURL returns the base URL of a test server of kind, started once.
func serverURL(tb testing.TB, kind serverKind) string {
	tb.Helper()
	root := repoRoot(tb)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if s := shared.servers[kind]; s != nil {
		return s.URL
	}
	files := devserver.Handler(root)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if kind == isolated {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		}
		if r.URL.Query().Get("sandbox") != "" {
			w.Header().Set("Content-Security-Policy", "sandbox allow-scripts")
		}
		files.ServeHTTP(w, r)
	})
	if shared.servers == nil {
		shared.servers = map[serverKind]*httptest.Server{}
	}
	s := httptest.NewServer(h)
	shared.servers[kind] = s
	return s.URL
}

// sharedBrowser returns the browser most tests share, each in tabs of its own; it
// starts on first use with a fresh profile and closes in TestMain.
func sharedBrowser(tb testing.TB) context.Context {
	tb.Helper()
	shared.browserOnce.Do(func() {
		shared.browserCtx, shared.browserStop, shared.browserErr = browser.Start(context.Background(), "")
	})
	require.NoError(tb, shared.browserErr, "starting Chromium")
	return shared.browserCtx
}

// profileDir returns a new directory for a browser profile, removed at cleanup.
// Unlike t.TempDir it retries for a while: Chromium's helper processes may still
// write to the profile for a moment after the browser has quit.
func profileDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "patchkv-faults-")
	require.NoError(tb, err)
	tb.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		tb.Errorf("cannot remove profile %s", dir)
	})
	return dir
}

// ownBrowser starts a browser of the test's own on profile dir (fresh when empty),
// stopped at cleanup or earlier by the returned function.
func ownBrowser(tb testing.TB, profile string) (context.Context, func()) {
	tb.Helper()
	return browsertest.Start(tb, profile)
}

// patchID returns a patch id unique to this test run.
func patchID(tb testing.TB) string {
	tb.Helper()
	return browsertest.UniqueID(tb, "faults-")
}

// Tab is one browser tab showing the test page.
type Tab struct {
	tb        testing.TB
	ctx       context.Context
	tab       *browsertest.Tab
	onBinding func(payload string)
}

// tabOptions tunes openTab.
type tabOptions struct {
	server    serverKind
	query     string               // appended to the page URL
	init      string               // script run in every new document before its own scripts
	binding   string               // name of a function the page calls to send Go a string
	onBinding func(payload string) // receives what the page passes to the binding
}

// openTab opens the test page in a new tab of browserCtx and waits for
// faults/testdata/faults.js. At cleanup the tab closes, and the test fails if the
// page had an uncaught error.
func openTab(tb testing.TB, browserCtx context.Context, o tabOptions) *Tab {
	tb.Helper()
	base := serverURL(tb, o.server)
	p := &Tab{tb: tb, onBinding: o.onBinding}
	p.tab = browsertest.OpenTab(tb, browserCtx, func(ev any) {
		if e, ok := ev.(*runtime.EventBindingCalled); ok && e.Name == o.binding && p.onBinding != nil {
			p.onBinding(e.Payload)
		}
	})
	p.ctx = p.tab.Ctx
	actions := []chromedp.Action{}
	if o.init != "" {
		actions = append(actions, chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(o.init).Do(ctx)
			return err
		}))
	}
	if o.binding != "" {
		actions = append(actions, runtime.AddBinding(o.binding))
	}
	url := base + pagePath
	if o.query != "" {
		url += "?" + o.query
	}
	actions = append(actions, chromedp.Navigate(url))
	p.run(30*time.Second, actions...)
	p.waitHelpers()
	return p
}

// waitHelpers waits until faults.js has run (after a navigation or reload).
func (p *Tab) waitHelpers() {
	p.tb.Helper()
	p.eval(`new Promise((resolve) => {
		const check = () => window.faults ? resolve(true) : setTimeout(check, 10);
		check();
	})`, nil)
}

// waitNewDocument waits until the tab shows a document other than the one that
// set window.old, and faults.js has run in it.
//
// An evaluation that starts in the old document is cut off when the navigation
// replaces it ("Inspected target navigated or closed"): it is then asked again,
// in the new document.
func (p *Tab) waitNewDocument() {
	p.tb.Helper()
	const expr = `new Promise((resolve) => {
		const check = () => !window.old && window.faults ? resolve(true) : setTimeout(check, 10);
		check();
	})`
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := p.evalErr(10*time.Second, expr, nil)
		if err == nil {
			return
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "context was destroyed") {
			require.NoError(p.tb, err, "waiting for the new document")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// consoleLines returns what the page has logged so far.
func (p *Tab) consoleLines() []string { return p.tab.Console() }

// run runs chromedp actions in the tab with a timeout, failing the test on error.
func (p *Tab) run(timeout time.Duration, actions ...chromedp.Action) {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	require.NoError(p.tb, chromedp.Run(ctx, actions...))
}

// evalBound is how long an evaluation may take before the test calls it hung:
// reading back thousands of values on a busy 2-core machine takes minutes.
const evalBound = 5 * time.Minute

// eval evaluates expr, awaiting a returned Promise, and decodes its JSON value
// into out (nil to ignore it). A thrown error, a rejection or 5 min without an
// answer fails the test.
func (p *Tab) eval(expr string, out any) {
	p.tb.Helper()
	require.NoError(p.tb, p.evalErr(evalBound, expr, out), "evaluating %s", expr)
}

// evalErr is eval with a timeout of its own that returns the error.
func (p *Tab) evalErr(timeout time.Duration, expr string, out any) error {
	return p.tab.Eval(timeout, expr, out)
}

// ctxRun is one context's script for evalAtOnce: who runs it (for messages),
// the tab that evaluates it (a page's, or the Worker it started), and the
// expression.
type ctxRun struct {
	who  string
	tab  *Tab
	expr string
}

// evalAtOnce evaluates every run's expression at the same time, each in its
// tab, and returns each one's error; into, when set, says where run i's result
// goes.
func evalAtOnce(runs []ctxRun, into func(i int) any) []error {
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out any
			if into != nil {
				out = into(i)
			}
			errs[i] = r.tab.evalErr(evalBound, r.expr, out)
		}()
	}
	wg.Wait()
	return errs
}

// lit quotes v as a JavaScript literal.
var lit = browsertest.Lit
