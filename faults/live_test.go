//go:build !js

package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Atomic update and live changes across contexts (README "Atomic update", "Live
// changes"): two pages and two dedicated Workers on one patch. Single-context
// behaviour is in the contract suite (internal/contract/cases).

// twoPagesTwoWorkers opens kv for patch in two pages, each of which starts a
// Worker (window.worker) with kv on the same patch.
func twoPagesTwoWorkers(t *testing.T, patch string) []*Tab {
	t.Helper()
	b := sharedBrowser(t)
	pages := []*Tab{openTab(t, b, tabOptions{}), openTab(t, b, tabOptions{})}
	for _, p := range pages {
		p.openKV(patch)
		p.eval(`(window.worker = faults.startWorker(), worker.call('open', `+lit(patch)+`))`, nil)
		t.Cleanup(func() { p.eval(`(worker.terminate(), true)`, nil) })
	}
	return pages
}

// Four contexts each increment one counter 250 times with update: it ends at
// exactly 1000, none lost.
func TestUpdateCounterFromFourContexts(t *testing.T) {
	const each = 250
	pages := twoPagesTwoWorkers(t, patchID(t))
	runs := []ctxRun{
		{"page 0", pages[0], fmt.Sprintf(`faults.bump(kv, 'c', 'n', %d)`, each)},
		{"page 1", pages[1], fmt.Sprintf(`faults.bump(kv, 'c', 'n', %d)`, each)},
		{"worker of page 0", pages[0], fmt.Sprintf(`worker.call('bump', 'c', 'n', %d)`, each)},
		{"worker of page 1", pages[1], fmt.Sprintf(`worker.call('bump', 'c', 'n', %d)`, each)},
	}
	start := time.Now()
	errs := evalAtOnce(runs, nil)
	t.Logf("4 contexts × %d updates in %v", each, time.Since(start).Round(time.Millisecond))
	for i, err := range errs {
		require.NoError(t, err, runs[i].who)
	}
	var n int
	pages[1].eval(`kv.store('c').get('n')`, &n)
	assert.Equal(t, 4*each, n)
}

// Contexts deleting the same keys at the same moment: for each key exactly one
// delete resolves true.
func TestConcurrentDeletesAnswerOnce(t *testing.T) {
	const keys = 40
	pages := twoPagesTwoWorkers(t, patchID(t))
	var names []string
	for i := range keys {
		names = append(names, fmt.Sprintf("k%d", i))
	}
	pages[0].eval(`Promise.all(`+lit(names)+`.map((k) => kv.store('d').set(k, 1))).then(() => true)`, nil)
	at := time.Now().Add(500 * time.Millisecond).UnixMilli()
	exprs := []ctxRun{
		{"page 0", pages[0], `faults.deleteAt(kv, 'd', %s, %d)`},
		{"page 1", pages[1], `faults.deleteAt(kv, 'd', %s, %d)`},
		{"worker of page 0", pages[0], `worker.call('deleteAt', 'd', %s, %d)`},
		{"worker of page 1", pages[1], `worker.call('deleteAt', 'd', %s, %d)`},
	}
	for i := range exprs {
		exprs[i].expr = fmt.Sprintf(exprs[i].expr, lit(names), at)
	}
	answers := make([][]bool, len(exprs))
	errs := evalAtOnce(exprs, func(i int) any { return &answers[i] })
	wins := make([]int, len(exprs))
	for i, err := range errs {
		require.NoError(t, err, exprs[i].who)
		require.Len(t, answers[i], keys)
	}
	for k := range keys {
		trues := 0
		for i := range exprs {
			if answers[i][k] {
				trues++
				wins[i]++
			}
		}
		assert.Equal(t, 1, trues, "key %s: deletes that answered true", names[k])
	}
	t.Logf("keys each context deleted: %v", wins)
}

type change struct {
	Scope *struct{ Kind, Name string } `json:"scope"`
	Op    string                       `json:"op"`
	Key   string                       `json:"key"`
}

func (c change) String() string {
	if c.Scope == nil {
		return c.Op + " " + c.Key
	}
	return c.Scope.Kind + ":" + c.Scope.Name + " " + c.Op + " " + c.Key
}

// Changes made in one page reach a listener in another page and in a Worker,
// and a Worker's reach the pages: each once, in the order they committed, none
// for writes that failed, none from another patch.
func TestChangesReachOtherPagesAndWorkers(t *testing.T) {
	patch := patchID(t)
	pages := twoPagesTwoWorkers(t, patch)
	pages[1].eval(`faults.listen(kv, 'page')`, nil)
	pages[1].eval(`worker.call('listen', 'worker')`, nil)
	pages[0].eval(`faults.listen(kv, 'self')`, nil)

	// Another patch, written from the same page: nothing of it may arrive.
	// (loadKV sets globalThis.kv: set it back to this patch's root.)
	pages[0].eval(`faults.loadKV({patch: `+lit(patch+"-other")+`}).then((o) => o.store('shared').set('other-patch', 1))
		.then(() => faults.loadKV({patch: `+lit(patch)+`})).then(() => kv.patch)`, nil)
	pages[0].eval(`faults.changeScript(kv, 'p0')`, nil)
	pages[0].eval(`worker.call('changeScript', 'w0')`, nil)

	all := append(scriptChanges("p0"), scriptChanges("w0")...)
	for _, l := range []struct {
		tab  *Tab
		expr string
	}{
		{pages[1], `faults.heard(kv, 'page', 10)`},
		{pages[1], `worker.call('heard', 'worker', 10)`},
		{pages[0], `faults.heard(kv, 'self', 10)`},
	} {
		assert.Equal(t, all, heardSettled(l.tab, l.expr), l.expr)
	}
}

// scriptChanges are the changes faults.changeScript(kv, tag) makes, in order.
func scriptChanges(tag string) []string {
	return []string{
		"store:shared set " + tag + "-a",
		"store:shared set " + tag + "-b",
		"store:shared delete " + tag + "-a",
		"node:" + tag + " set n",
		"node:" + tag + " clear ",
	}
}

// heardSettled evaluates expr (a faults.heard call) in tab, and again 200 ms
// later, by when a change that arrived twice or should not arrive at all would
// be there too; it returns what the second one got, as strings.
func heardSettled(tab *Tab, expr string) []string {
	var got []change
	tab.eval(expr, &got)
	time.Sleep(200 * time.Millisecond)
	tab.eval(expr, &got)
	var s []string
	for _, c := range got {
		s = append(s, c.String())
	}
	return s
}

// A context posts its changes only while another one listens (idb/events.js):
// a page that writes at once on load, before it can have heard of the listener
// in another page, still reaches it, each change once and in order; after that
// listener stops and another starts, it gets the changes from its start on, not
// the ones made while nobody listened.
func TestChangesFromAContextThatHasNotHeardOfTheListener(t *testing.T) {
	patch := patchID(t)
	b := sharedBrowser(t)
	writer, reader := openTab(t, b, tabOptions{}), openTab(t, b, tabOptions{})
	reader.openKV(patch)
	reader.eval(`faults.listen(kv, 'first')`, nil)
	// loadKV and the writes in one go: the writer's hub connects with its first write.
	writer.eval(`faults.loadKV({patch: `+lit(patch)+`}).then((kv) => faults.changeScript(kv, 'early'))`, nil)
	assert.Equal(t, scriptChanges("early"), heardSettled(reader, `faults.heard(kv, 'first', 5)`))

	reader.eval(`faults.unlisten('first')`, nil)
	writer.eval(`faults.changeScript(kv, 'unheard')`, nil)
	time.Sleep(300 * time.Millisecond)
	reader.eval(`faults.listen(kv, 'second')`, nil)
	time.Sleep(100 * time.Millisecond) // the writer has heard of it; a replay would be here too
	writer.eval(`faults.changeScript(kv, 'late')`, nil)
	assert.Equal(t, scriptChanges("late"), heardSettled(reader, `faults.heard(kv, 'second', 5)`))
}

// Change latency across contexts is measured by ./build.sh bench; here only
// that a burst of un-awaited writes reaches another page complete.
func TestBurstOfChangesArrivesComplete(t *testing.T) {
	const n = 2000
	patch := patchID(t)
	b := sharedBrowser(t)
	a, c := openTab(t, b, tabOptions{}), openTab(t, b, tabOptions{})
	a.openKV(patch)
	c.openKV(patch)
	c.eval(`faults.listen(kv, 'burst')`, nil)
	a.eval(fmt.Sprintf(`(async () => { const s = kv.node('b'); await s.set('warm', 0); const ps = []; for (let i = 0; i < %d; i++) ps.push(s.set('k' + i, i)); await Promise.all(ps); return true; })()`, n), nil)
	var got []change
	c.eval(fmt.Sprintf(`faults.heard(kv, 'burst', %d, 20000)`, n+1), &got)
	require.Len(t, got, n+1)
	for i, ch := range got[1:] {
		if ch.Key != fmt.Sprintf("k%d", i) {
			t.Fatalf("change %d: got %s, want key k%d", i+1, ch, i)
		}
	}
}
