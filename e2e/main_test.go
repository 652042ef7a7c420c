//go:build !js

// Package e2e drives the patch page (index.html) in Debian's headless Chromium through
// chromedp: real pages, real IndexedDB, real p5, served by the same handler as
// ./build.sh serve. The tests need kv.wasm, wasm_exec.js and node_modules/p5 next to
// index.html; ./build.sh test puts them there before it runs go test.
//
//	./build.sh test                      # everything, these tests included
//	./build.sh && go test ./e2e          # these tests alone
//	UPDATE_SCREENSHOT=1 go test ./e2e -run TestDemoPatch   # also rewrites docs/screenshot.png
//
// Most tests share one browser (a fresh profile) and open a tab each, with a patch id of
// their own; the restart test runs its own browser on a profile directory it keeps.
package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/browser"
	"github.com/patchies/patchkv/internal/browsertest"
	"github.com/patchies/patchkv/internal/devserver"
)

//go:embed testdata/e2e.js
var pageHelpers string

// viewport is the size of every tab; the demo patch is laid out for it.
const viewportW, viewportH = 1440, 900

var shared struct {
	serverOnce sync.Once
	server     *httptest.Server
	serverErr  error

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
	if shared.server != nil {
		shared.server.Close()
	}
	os.Exit(code)
}

// repoRoot returns the repository root and fails when the built files the page needs
// are missing.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	return browsertest.RepoRoot(tb, "index.html", "js/kv.js", "kv.wasm", "wasm_exec.js", "node_modules/p5/lib/p5.min.js", "node_modules/acorn/dist/acorn.mjs")
}

// serverURL returns the base URL of the test server that serves the repository root
// with the dev server's handler, started once for the whole package.
func serverURL(tb testing.TB) string {
	tb.Helper()
	root := repoRoot(tb)
	shared.serverOnce.Do(func() {
		shared.server = httptest.NewServer(devserver.Handler(root))
	})
	return shared.server.URL
}

// sharedBrowser returns the browser context that most tests share (each opens its own
// tabs in it); it is started on first use with a fresh profile and closed by TestMain.
func sharedBrowser(tb testing.TB) context.Context {
	tb.Helper()
	shared.browserOnce.Do(func() {
		shared.browserCtx, shared.browserStop, shared.browserErr = browser.Start(context.Background(), "",
			chromedp.WindowSize(viewportW, viewportH))
	})
	require.NoError(tb, shared.browserErr, "starting Chromium")
	return shared.browserCtx
}

// startBrowser launches a browser of the test's own on profile dir, closed at cleanup
// (or earlier by calling the returned function, which is then a no-op at cleanup).
func startBrowser(tb testing.TB, profile string) (context.Context, func()) {
	tb.Helper()
	return browsertest.Start(tb, profile, chromedp.WindowSize(viewportW, viewportH))
}

// patchID returns a patch id unique to this test run, so that tests sharing a browser
// profile never see each other's databases.
func patchID(tb testing.TB) string {
	tb.Helper()
	return browsertest.UniqueID(tb, "")
}

// Page is one browser tab showing the patch page.
type Page struct {
	tb  testing.TB
	ctx context.Context
	tab *browsertest.Tab
}

// openPage opens a new tab in browserCtx, installs the test helpers (and the scripts
// in also, which run before the page's own, on every load of the tab), loads path
// (e.g. "/?patch=x") from the test server and waits until the page has loaded its
// patch. At cleanup the tab closes and the test fails if the page had an uncaught error.
func openPage(tb testing.TB, browserCtx context.Context, path string, also ...string) *Page {
	tb.Helper()
	base := serverURL(tb)
	tab := browsertest.OpenTab(tb, browserCtx, nil)
	p := &Page{tb: tb, ctx: tab.Ctx, tab: tab}
	p.run(30*time.Second,
		// A background tab gets no frames: no requestAnimationFrame (p5's draw loop) and
		// no mouse input. Each test's tab comes to the front.
		chromedp.ActionFunc(func(ctx context.Context) error { return page.BringToFront().Do(ctx) }),
		chromedp.EmulateViewport(viewportW, viewportH),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for _, script := range append([]string{pageHelpers}, also...) {
				if _, err := page.AddScriptToEvaluateOnNewDocument(script).Do(ctx); err != nil {
					return err
				}
			}
			return nil
		}),
		chromedp.Navigate(base+path),
	)
	p.waitReady()
	return p
}

// run runs chromedp actions in the tab with a timeout, failing the test on error.
func (p *Page) run(timeout time.Duration, actions ...chromedp.Action) {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	require.NoError(p.tb, chromedp.Run(ctx, actions...))
}

// waitReady waits for window.patchReady, the page's "patch loaded" promise.
func (p *Page) waitReady() {
	p.tb.Helper()
	var state string
	p.eval(`(async () => {
		await __e2e.until(() => 'patchReady' in window);
		await window.patchReady;
		return document.body.dataset.ready;
	})()`, &state)
	require.Equal(p.tb, "true", state)
}

// reload reloads the tab and waits until the page has loaded its patch again.
func (p *Page) reload() {
	p.tb.Helper()
	p.run(30*time.Second, chromedp.Reload())
	p.waitReady()
}

// eval evaluates expr in the page, awaiting a returned Promise, and decodes its JSON
// value into out (nil to ignore it). A thrown error or rejection fails the test.
func (p *Page) eval(expr string, out any) {
	p.tb.Helper()
	require.NoError(p.tb, p.evalErr(expr, out), "evaluating %s", expr)
}

// evalErr is eval that returns the error instead of failing.
func (p *Page) evalErr(expr string, out any) error {
	return p.tab.Eval(60*time.Second, expr, out) // above __e2e.until's 45 s
}

// js quotes v as a JavaScript literal.
var js = browsertest.Lit

// load replaces the page's patch with doc through window.patch.load.
func (p *Page) load(doc map[string]any) {
	p.tb.Helper()
	p.eval(fmt.Sprintf(`window.patch.load(%s).then(() => true)`, js(doc)), nil)
}

// send delivers msg (a JavaScript expression) to node id through window.patch.send.
func (p *Page) send(id, msgExpr string) {
	p.tb.Helper()
	p.eval(fmt.Sprintf(`window.patch.send(%s, %s).then(() => true)`, js(id), msgExpr), nil)
}

// outputs returns what node id has sent, described by __e2e.describe.
func (p *Page) outputs(id string) []any {
	p.tb.Helper()
	var out []any
	p.eval(fmt.Sprintf(`__e2e.describe(window.patch.outputs(%s))`, js(id)), &out)
	return out
}

// waitOutputs waits until node id has sent at least n messages and returns them all.
func (p *Page) waitOutputs(id string, n int) []any {
	p.tb.Helper()
	var out []any
	p.eval(fmt.Sprintf(`__e2e.until(() => {
		const o = window.patch.outputs(%s);
		return o.length >= %d && __e2e.describe(o);
	})`, js(id), n), &out)
	return out
}

// status returns node id's status as the page shows it.
func (p *Page) status(id string) map[string]any {
	p.tb.Helper()
	var s map[string]any
	p.eval(fmt.Sprintf(`window.patch.status(%s) ?? null`, js(id)), &s)
	return s
}

// saved waits until the page has committed its latest layout change.
func (p *Page) saved() {
	p.tb.Helper()
	p.eval(`window.patchSaved().then(() => true)`, nil)
}

// center returns the viewport position of the center of the element matching sel.
func (p *Page) center(sel string) (x, y float64) {
	p.tb.Helper()
	var c struct{ X, Y float64 }
	p.eval(fmt.Sprintf(`__e2e.until(() => __e2e.center(%s))`, js(sel)), &c)
	return c.X, c.Y
}

// click clicks the element matching sel with the mouse.
func (p *Page) click(sel string) {
	p.tb.Helper()
	x, y := p.center(sel)
	p.run(10*time.Second, chromedp.MouseClickXY(x, y))
}

// drag presses the left button at (x0, y0), moves to (x1, y1) in steps, and releases.
func (p *Page) drag(x0, y0, x1, y1 float64, steps int) {
	p.tb.Helper()
	held := func(ep *input.DispatchMouseEventParams) *input.DispatchMouseEventParams { return ep.WithButtons(1) }
	actions := []chromedp.Action{chromedp.MouseEvent(input.MouseMoved, x0, y0),
		chromedp.MouseEvent(input.MousePressed, x0, y0, chromedp.ButtonLeft, held, chromedp.ClickCount(1))}
	for i := 1; i <= steps; i++ {
		f := float64(i) / float64(steps)
		actions = append(actions,
			chromedp.MouseEvent(input.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.ButtonLeft, held),
			chromedp.Sleep(10*time.Millisecond))
	}
	actions = append(actions, chromedp.MouseEvent(input.MouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	p.run(20*time.Second, actions...)
}

// screenshot saves a PNG of the viewport to path (directories created).
func (p *Page) screenshot(path string) {
	p.tb.Helper()
	var png []byte
	p.run(20*time.Second, chromedp.CaptureScreenshot(&png))
	require.NoError(p.tb, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(p.tb, os.WriteFile(path, png, 0o644))
}
