//go:build !js

package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openKV loads kv for patch in p as window.kv.
func (p *Tab) openKV(patch string) {
	p.tb.Helper()
	p.eval(fmt.Sprintf(`faults.loadKV({patch: %s}).then((kv) => { window.kv = kv; return kv.patch; })`, lit(patch)), nil)
}

type scopeResult struct {
	Writes   [][]any  `json:"writes"`
	Failures []string `json:"failures"`
}

// Three pages and a dedicated Worker on one patch each create 50 new scopes (every
// one a version upgrade that closes the other contexts' connections) while they
// write to and read from scopes that exist. Spec §4: no call fails or hangs because
// of it, and nothing is lost.
func TestPagesAndWorkerCreateScopesAtOnce(t *testing.T) {
	const perContext = 50
	b := sharedBrowser(t)
	patch := patchID(t)
	pages := pagesAndWorker(t, b, patch, 3)

	runs := []ctxRun{
		{"page0", pages[0], fmt.Sprintf(`faults.createScopes(kv, 'page0', %d)`, perContext)},
		{"page1", pages[1], fmt.Sprintf(`faults.createScopes(kv, 'page1', %d)`, perContext)},
		{"page2", pages[2], fmt.Sprintf(`faults.createScopes(kv, 'page2', %d)`, perContext)},
		{"worker", pages[0], fmt.Sprintf(`worker.call('createScopes', 'worker', %d)`, perContext)},
	}
	results := make([]scopeResult, len(runs))
	start := time.Now()
	errs := evalAtOnce(runs, func(i int) any { return &results[i] })
	t.Logf("4 contexts created %d scopes in %v", 4*perContext, time.Since(start).Round(time.Millisecond))

	var all [][]any
	for i, r := range runs {
		require.NoError(t, errs[i], r.who)
		assert.Empty(t, results[i].Failures, "%s: calls that failed or hung", r.who)
		assert.Len(t, results[i].Writes, 3*perContext, "%s: resolved writes", r.who)
		all = append(all, results[i].Writes...)
	}

	// Every resolved write, seen from every context.
	verify := []struct {
		who  string
		tab  *Tab
		expr string
	}{
		{"page0", pages[0], `faults.verifyWrites(kv, %s)`},
		{"page1", pages[1], `faults.verifyWrites(kv, %s)`},
		{"page2", pages[2], `faults.verifyWrites(kv, %s)`},
		{"worker", pages[0], `worker.call('verifyWrites', %s)`},
	}
	for _, v := range verify {
		var bad []string
		v.tab.eval(fmt.Sprintf(v.expr, lit(all)), &bad)
		assert.Empty(t, bad, "%s: writes it does not see", v.who)
	}
	var scopes int
	pages[1].eval(`kv.scopes().then((s) => s.length)`, &scopes)
	assert.Equal(t, 4*perContext+2, scopes, "one object store per node, plus host and store 'shared'")
	pages[0].eval(`(worker.terminate(), true)`, nil)
}

// Ten pages and a dedicated Worker on one patch each create scopes one after
// another, so that their version upgrades race all the time (issue 14 #5: with
// a bounded number of attempts, some calls used to reject with AbortError).
// Spec §4: no call fails because other contexts create scopes.
func TestUpgradeRacesNeverGiveUp(t *testing.T) {
	const pages, perContext = 10, 25
	b := sharedBrowser(t)
	patch := patchID(t)
	tabs := pagesAndWorker(t, b, patch, pages)
	var runs []ctxRun
	for i, tab := range tabs {
		who := fmt.Sprintf("page%d", i)
		runs = append(runs, ctxRun{who, tab, fmt.Sprintf(`faults.createScopes(kv, %q, %d)`, who, perContext)})
	}
	runs = append(runs, ctxRun{"worker", tabs[0], fmt.Sprintf(`worker.call('createScopes', 'worker', %d)`, perContext)})
	results := make([]scopeResult, len(runs))
	start := time.Now()
	errs := evalAtOnce(runs, func(i int) any { return &results[i] })
	t.Logf("%d contexts created %d scopes in %v", len(runs), len(runs)*perContext, time.Since(start).Round(time.Millisecond))
	calls, failed := 0, 0
	for i, r := range runs {
		require.NoError(t, errs[i], r.who)
		calls += 7 * perContext
		failed += len(results[i].Failures)
		assert.Empty(t, results[i].Failures, "%s: calls that failed or hung", r.who)
		assert.Len(t, results[i].Writes, 3*perContext, "%s: resolved writes", r.who)
	}
	t.Logf("calls: ~%d, rejected or hung: %d", calls, failed)
	var scopes int
	tabs[1].eval(`kv.scopes().then((s) => s.length)`, &scopes)
	assert.Equal(t, len(runs)*perContext+2, scopes, "one object store per node, plus host and store 'shared'")
	tabs[0].eval(`(worker.terminate(), true)`, nil)
}

// pagesAndWorker opens n pages on patch, seeds a key in the host scope and in the
// named store "shared" from the first, and starts a dedicated Worker there
// (window.worker) with its own kv on the patch.
func pagesAndWorker(t *testing.T, b context.Context, patch string, n int) []*Tab {
	t.Helper()
	tabs := make([]*Tab, n)
	for i := range tabs {
		tabs[i] = openTab(t, b, tabOptions{})
		tabs[i].openKV(patch)
	}
	tabs[0].eval(`(async () => {
		await kv.set('seed', 'seed');
		await kv.store('shared').set('seed', 'seed');
		window.worker = faults.startWorker();
		return worker.call('open', `+lit(patch)+`);
	})()`, nil)
	return tabs
}
