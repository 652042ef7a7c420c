//go:build !js

package faults

import (
	"fmt"
	"sync"
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
	exprs := []struct {
		tab  *Tab
		expr string
	}{
		{pages[0], `faults.bump(kv, 'c', 'n', %d)`},
		{pages[1], `faults.bump(kv, 'c', 'n', %d)`},
		{pages[0], `worker.call('bump', 'c', 'n', %d)`},
		{pages[1], `worker.call('bump', 'c', 'n', %d)`},
	}
	errs := make([]error, len(exprs))
	start := time.Now()
	var wg sync.WaitGroup
	for i, e := range exprs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.tab.evalErr(evalBound, fmt.Sprintf(e.expr, each), nil)
		}()
	}
	wg.Wait()
	t.Logf("4 contexts × %d updates in %v", each, time.Since(start).Round(time.Millisecond))
	for i, err := range errs {
		require.NoError(t, err, "context %d", i)
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
	exprs := []struct {
		tab  *Tab
		expr string
	}{
		{pages[0], `faults.deleteAt(kv, 'd', %s, %d)`},
		{pages[1], `faults.deleteAt(kv, 'd', %s, %d)`},
		{pages[0], `worker.call('deleteAt', 'd', %s, %d)`},
		{pages[1], `worker.call('deleteAt', 'd', %s, %d)`},
	}
	answers := make([][]bool, len(exprs))
	errs := make([]error, len(exprs))
	var wg sync.WaitGroup
	for i, e := range exprs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.tab.evalErr(60*time.Second, fmt.Sprintf(e.expr, lit(names), at), &answers[i])
		}()
	}
	wg.Wait()
	wins := make([]int, len(exprs))
	for i, err := range errs {
		require.NoError(t, err, "context %d", i)
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

	want := func(tag string) []string {
		return []string{
			"store:shared set " + tag + "-a",
			"store:shared set " + tag + "-b",
			"store:shared delete " + tag + "-a",
			"node:" + tag + " set n",
			"node:" + tag + " clear ",
		}
	}
	all := append(want("p0"), want("w0")...)
	for _, l := range []struct {
		tab  *Tab
		expr string
	}{
		{pages[1], `faults.heard(kv, 'page', 10)`},
		{pages[1], `worker.call('heard', 'worker', 10)`},
		{pages[0], `faults.heard(kv, 'self', 10)`},
	} {
		var got []change
		l.tab.eval(l.expr, &got)
		time.Sleep(200 * time.Millisecond) // anything extra would have arrived by now
		l.tab.eval(l.expr, &got)
		var s []string
		for _, c := range got {
			s = append(s, c.String())
		}
		assert.Equal(t, all, s, l.expr)
	}
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
	var got []change
	reader.eval(`faults.heard(kv, 'first', 5)`, &got)
	time.Sleep(200 * time.Millisecond) // a change posted twice would have arrived by now
	reader.eval(`faults.heard(kv, 'first', 5)`, &got)
	want := []string{"store:shared set early-a", "store:shared set early-b", "store:shared delete early-a", "node:early set n", "node:early clear "}
	var s []string
	for _, c := range got {
		s = append(s, c.String())
	}
	assert.Equal(t, want, s)

	reader.eval(`faults.unlisten('first')`, nil)
	writer.eval(`faults.changeScript(kv, 'unheard')`, nil)
	time.Sleep(300 * time.Millisecond)
	reader.eval(`faults.listen(kv, 'second')`, nil)
	time.Sleep(100 * time.Millisecond) // the writer has heard of it; a replay would be here too
	writer.eval(`faults.changeScript(kv, 'late')`, nil)
	reader.eval(`faults.heard(kv, 'second', 5)`, &got)
	time.Sleep(200 * time.Millisecond)
	reader.eval(`faults.heard(kv, 'second', 5)`, &got)
	s = nil
	for _, c := range got {
		s = append(s, c.String())
	}
	assert.Equal(t, []string{"store:shared set late-a", "store:shared set late-b", "store:shared delete late-a", "node:late set n", "node:late clear "}, s)
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
