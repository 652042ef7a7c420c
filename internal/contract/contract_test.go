//go:build !js

package contract_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/browser"
	"github.com/patchies/patchkv/internal/browsertest"
	"github.com/patchies/patchkv/internal/contract"
	"github.com/patchies/patchkv/internal/devserver"
)

// The suite through the loader (loadKV, whose kv methods enter Go through the
// module's exported patchkv_call) in a page, and through loadKV in a dedicated
// Worker; wasm/contract_test.go runs it through the js.Func entry. Pages come from
// a server of the repository root with ./build.sh serve's handler, so kv.wasm and
// wasm_exec.js must be built (./build.sh test does it first).

const pagePath = "/internal/contract/testdata/page.html"

// caseTimeout bounds one case, beyond the harness's own per-case timeout.
const caseTimeout = 2 * time.Minute

func TestContractLoader(t *testing.T) {
	tab := openSuitePage(t)
	for _, f := range contract.Files() {
		require.NoError(t, chromedp.Run(tab.Ctx, chromedp.Evaluate(f.Source, nil)), "evaluating %s", f.Name)
	}
	contract.Run(t, pageRunner{tab: tab, list: `contract.list()`,
		run: `(name) => contract.run(name, window.contractEntries.loader)`})
}

func TestContractWorker(t *testing.T) {
	tab := openSuitePage(t)
	files := make([]map[string]string, 0)
	for _, f := range contract.Files() {
		files = append(files, map[string]string{"name": f.Name, "source": f.Source})
	}
	require.NoError(t, tab.Eval(time.Minute, `(async () => {
		window.suiteWorker = window.contractEntries.startWorker();
		await window.suiteWorker.load(`+browsertest.Lit(files)+`);
		return true;
	})()`, nil), "loading the suite into the Worker")
	t.Cleanup(func() { _ = tab.Eval(5*time.Second, `window.suiteWorker.terminate()`, nil) })
	contract.Run(t, pageRunner{tab: tab, list: `window.suiteWorker.list()`,
		run: `(name) => window.suiteWorker.run(name)`})
}

// pageRunner runs the suite in a tab: list is an expression for the cases, run a
// function expression of the case's name resolving to its report.
type pageRunner struct {
	tab       *browsertest.Tab
	list, run string
}

func (r pageRunner) List() ([]contract.Case, error) {
	var cases []contract.Case
	err := r.tab.Eval(time.Minute, r.list, &cases)
	return cases, err
}

func (r pageRunner) Run(name string) (contract.Report, error) {
	var rep contract.Report
	err := r.tab.Eval(caseTimeout, `(`+r.run+`)(`+browsertest.Lit(name)+`)`, &rep)
	return rep, err
}

var shared struct {
	once     sync.Once
	server   *httptest.Server
	browser  context.Context
	stop     context.CancelFunc
	startErr error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	if shared.server != nil {
		shared.server.Close()
	}
	os.Exit(code)
}

// openSuitePage opens page.html in a new tab of the package's browser (started on
// first use) and waits for its entries.
func openSuitePage(t *testing.T) *browsertest.Tab {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	for _, f := range []string{"js/kv.js", "kv.wasm", "wasm_exec.js"} {
		_, err := os.Stat(filepath.Join(root, f))
		require.NoErrorf(t, err, "%s is missing: run ./build.sh (or ./build.sh test) first", f)
	}
	shared.once.Do(func() {
		shared.server = httptest.NewServer(devserver.Handler(root))
		shared.browser, shared.stop, shared.startErr = browser.Start(context.Background(), "")
	})
	require.NoError(t, shared.startErr, "starting Chromium")
	tab := browsertest.OpenTab(t, shared.browser, nil)
	ctx, cancel := context.WithTimeout(tab.Ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(shared.server.URL+pagePath)))
	require.NoError(t, tab.Eval(30*time.Second, `(async () => {
		while (!window.contractEntries) await new Promise((r) => setTimeout(r, 10));
		return true;
	})()`, nil))
	return tab
}
