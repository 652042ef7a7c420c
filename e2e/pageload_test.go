//go:build !js

package e2e

// The page's load as one critical path (issue 13): kv and the read of the saved
// layout start before the page's modules have loaded (js/early.js), the nodes are
// built while kv.wasm compiles and only their kv calls wait for it
// (js/lateroot.js), p5.js is fetched only for a patch with a p5 node, and a slow
// sketch does not hold back the loadbangs.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/browsertest"
)

// slowKV delays starting the compiled kv.wasm by 1.5 s and records, the first time
// the page's runtime has its nodes, what was there: whether kv was ready (loadKV
// sets globalThis.kv) and what the nodes had sent.
const slowKV = `(() => {
  if (window.top !== window) return;
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (...args) {
    if (args[0] instanceof WebAssembly.Module) await new Promise((r) => setTimeout(r, 1500));
    return instantiate.apply(this, args);
  };
  const t = setInterval(() => {
    const p = window.patch;
    if (!p || p.nodes.size === 0) return;
    clearInterval(t);
    window.__built = { kvReady: 'kv' in globalThis, nodes: p.nodes.size, counted: p.outputs('count').length };
  }, 2);
})()`

// TestNodesBuiltWhileKVLoads reloads a saved patch with kv held back: the runtime
// builds the saved nodes from the layout read without kv, before kv is ready; their
// kv calls then wait for kv, and the patch is the one saved.
func TestNodesBuiltWhileKVLoads(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id, slowKV)
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "lb", "type": "loadbang", "x": 20, "y": 20},
		{"id": "count", "type": "js", "x": 20, "y": 100,
			"code": "let n = (await kv.get('n')) ?? 0;\nawait kv.set('n', ++n);\nsend(n);"},
		{"id": "read", "type": "kv", "x": 300, "y": 20, "args": "shared"},
		{"id": "get", "type": "msg", "x": 300, "y": 100, "args": "get k"},
	}, "edges": []map[string]any{
		{"from": "lb", "outlet": 0, "to": "get", "inlet": 0},
		{"from": "get", "outlet": 0, "to": "read", "inlet": 0},
	}})
	p.eval(`window.patch.root.store('shared').set('k', 'v').then(() => true)`, nil)
	p.saved()
	var want any
	p.eval(`window.patch.toJSON()`, &want)

	p.reload()
	var built struct {
		KVReady bool
		Nodes   int
		Counted int
	}
	p.eval(`window.__built`, &built)
	assert.False(t, built.KVReady, "the nodes were built before kv was ready")
	assert.Equal(t, 4, built.Nodes)
	assert.Equal(t, 0, built.Counted, "a node's kv call waited for kv")

	var got any
	p.eval(`window.patch.toJSON()`, &got)
	assert.Equal(t, want, got, "the layout read without kv is the patch that was saved")
	assert.Equal(t, []any{2.0}, p.waitOutputs("count", 1), "the node's kv calls ran once kv was ready")
	assert.Equal(t, []any{map[string]any{"type": "get", "key": "k", "value": "v", "found": true}}, p.waitOutputs("read", 1),
		"the loadbang's request reached [kv shared]")
	var same bool
	p.eval(`window.patch.root === window.kv`, &same)
	assert.True(t, same, "once kv is ready, the patch's root is kv's own")
}

// TestLayoutReadWithoutKVIsKVs reads host-scope values with js/early.js's plain
// IndexedDB read and through kv: the same values, binary and Blobs included.
func TestLayoutReadWithoutKVIsKVs(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id)
	var got struct {
		Raw, KV any
		Missing bool
	}
	p.eval(`(async () => {
		const root = window.patch.root;
		const values = {
			'patch:layout': {id: 'x', nodes: [{id: 'a', type: 'js', x: 1, y: 2, code: 'send(1)'}], edges: [], idCounter: 7},
			'patch:drafts': {a: 'draft'},
			blob: new Blob(['hello'], {type: 'text/plain'}),
			bytes: new Uint8Array([1, 2, 3]),
			map: new Map([[1, new Date(0)]]),
			nested: {u: undefined, n: null, list: [1, 'two', [3]]},
		};
		for (const [k, v] of Object.entries(values)) await root.set(k, v);
		const keys = [...Object.keys(values), 'missing'];
		const { readHost } = await import('/js/early.js');
		const raw = await readHost(window.patch.id, keys);
		const viaKV = {};
		for (const k of keys) { const v = await root.get(k); if (v !== undefined) viaKV[k] = v; }
		return __e2e.describe({raw: Object.fromEntries(raw), kv: viaKV, missing: !raw.has('missing')});
	})()`, &got)
	assert.Equal(t, got.KV, got.Raw, "a plain read gives what kv's get gives")
	assert.True(t, got.Missing, "a missing key is absent")
}

// TestLayoutReadCreatesNothing reads a patch that has no database and one whose
// database has no host scope: nothing is created by the read.
func TestLayoutReadCreatesNothing(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	none := patchID(t) + "-none"
	hostless := patchID(t) + "-hostless"
	var got struct {
		None, Hostless   []any
		NoneDB           bool
		HostlessStores   []string
		HostlessVersion  int
		HostlessVersion2 int
	}
	p.eval(fmt.Sprintf(`(async () => {
		const { readHost } = await import('/js/early.js');
		const none = await readHost(%[1]s, ['patch:layout']);
		const noneDB = (await indexedDB.databases()).some((d) => d.name === 'patchkv:' + %[1]s);
		// A database with only a node scope (as kv makes when a node writes first).
		await (await import('/js/patches.js')).openRoot(%[2]s).then((r) => r.node('n').set('k', 1));
		const before = (await indexedDB.databases()).find((d) => d.name === 'patchkv:' + %[2]s).version;
		const hostless = await readHost(%[2]s, ['patch:layout']);
		const db = await new Promise((res, rej) => { const q = indexedDB.open('patchkv:' + %[2]s); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
		const stores = [...db.objectStoreNames];
		const after = db.version;
		db.close();
		return {none: [...none], noneDB, hostless: [...hostless], hostlessStores: stores, hostlessVersion: before, hostlessVersion2: after};
	})()`, js(none), js(hostless)), &got)
	assert.Empty(t, got.None, "no database: no values")
	assert.False(t, got.NoneDB, "reading a patch without a database creates none")
	assert.Empty(t, got.Hostless)
	assert.Equal(t, []string{"node:n"}, got.HostlessStores, "reading creates no host scope")
	assert.Equal(t, got.HostlessVersion, got.HostlessVersion2, "nor upgrades the database")
}

// TestPatchWithoutP5NeverFetchesP5 opens a patch with no p5 node, as a saved patch
// and after a reload: p5.js is never requested.
func TestPatchWithoutP5NeverFetchesP5(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	noP5 := func(when string) {
		t.Helper()
		var got struct {
			Fetched []string
			Global  bool
		}
		p.eval(`({
			fetched: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/node_modules/p5/')),
			global: 'p5' in window,
		})`, &got)
		assert.Empty(t, got.Fetched, "%s: p5.js was not requested", when)
		assert.False(t, got.Global, "%s: p5 is not loaded", when)
	}
	noP5("an empty patch")
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "lb", "type": "loadbang", "x": 20, "y": 20},
		{"id": "j", "type": "js", "x": 20, "y": 100, "code": "recv(() => send('banged'))"},
	}, "edges": []map[string]any{{"from": "lb", "outlet": 0, "to": "j", "inlet": 0}}})
	assert.Equal(t, []any{"banged"}, p.waitOutputs("j", 1))
	p.saved()
	p.reload()
	assert.Equal(t, []any{"banged"}, p.waitOutputs("j", 1))
	noP5("a saved patch without a p5 node, reloaded")
}

// TestLoadbangDoesNotWaitForSlowP5Setup loads a patch whose sketch's setup takes
// 1.5 s: the loadbang bangs before that setup is over, and the bang it sends the
// sketch reaches the sketch once its setup has run.
func TestLoadbangDoesNotWaitForSlowP5Setup(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	doc := map[string]any{"nodes": []map[string]any{
		{"id": "lb", "type": "loadbang", "x": 20, "y": 20},
		{"id": "spy", "type": "js", "x": 20, "y": 100,
			"code": "recv(() => send({ setupOver: window.__setupOver === true }))"},
		{"id": "sketch", "type": "p5", "x": 300, "y": 20, "code": `let over = false;
async function setup() {
  createCanvas(40, 30);
  await new Promise((r) => setTimeout(r, 1500));
  over = true;
  window.__setupOver = true;
}
recv((m) => send({ got: m.type, afterSetup: over, width }));`},
	}, "edges": []map[string]any{
		{"from": "lb", "outlet": 0, "to": "spy", "inlet": 0},
		{"from": "lb", "outlet": 0, "to": "sketch", "inlet": 0},
	}}
	check := func(when string) {
		t.Helper()
		assert.Equal(t, []any{map[string]any{"setupOver": false}}, p.waitOutputs("spy", 1),
			"%s: the loadbang banged before the sketch's setup was over", when)
		assert.Equal(t, []any{map[string]any{"got": "bang", "afterSetup": true, "width": 40.0}}, p.waitOutputs("sketch", 1),
			"%s: the sketch got the bang once its setup had run", when)
	}
	p.eval(`(delete window.__setupOver, true)`, nil)
	p.load(doc)
	check("patch.load")
	p.saved()
	p.reload()
	check("a reload")
}

// TestLaterRootKeepsOrderAndClonesAtCall drives js/lateroot.js's stand-in root before
// and after its root is there: calls run in call order, set stores the value as it
// was when set was called, subscriptions start once kv is there, and calls made
// after go straight through.
func TestLaterRootKeepsOrderAndClonesAtCall(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	var got struct {
		Value   any
		Order   []string
		Changes []string
		Stopped []string
		After   any
	}
	p.eval(`(async () => {
		const { laterRoot } = await import('/js/lateroot.js');
		let resolve;
		const root = laterRoot(window.patch.id, new Promise((r) => (resolve = r)));
		const s = root.store('later');
		const order = [], changes = [], stopped = [];
		s.subscribe((c) => changes.push(c.op + ' ' + c.key));
		const stop = s.subscribe((c) => stopped.push(c.key));
		stop(); // before kv is there: never subscribes
		const obj = { n: 1 };
		const set = s.set('a', obj).then(() => order.push('set a'));
		obj.n = 2;
		const get = s.get('a').then((v) => (order.push('get a'), v));
		const del = s.delete('a').then(() => order.push('delete a'));
		await new Promise((r) => setTimeout(r, 50));
		if (order.length) throw new Error('a call ran before the root was there');
		resolve(window.patch.root);
		const value = await get;
		await Promise.all([set, del]);
		await s.set('c', 3);
		await __e2e.until(() => changes.length >= 3);
		const after = await root.store('later').get('c');
		return __e2e.describe({ value, order, changes, stopped, after });
	})()`, &got)
	assert.Equal(t, map[string]any{"n": 1.0}, got.Value, "set stored the value as it was at the call")
	assert.Equal(t, []string{"set a", "get a", "delete a"}, got.Order, "calls ran in call order")
	assert.Equal(t, []string{"set a", "delete a", "set c"}, got.Changes, "the early subscription hears every change")
	assert.Empty(t, got.Stopped, "a subscription stopped before kv was there never starts")
	assert.Equal(t, 3.0, got.After, "a call after kv is there goes straight through")
}

// TestKVFailingAfterLayoutRead opens a saved patch in a page where kv.wasm cannot
// start: the layout was read without kv, so the nodes are built, but the page says
// that kv did not load (and nothing else over it), and node kv calls reject.
func TestKVFailingAfterLayoutRead(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id)
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "j", "type": "js", "x": 20, "y": 20, "code": "await kv.get('x');\nsend('read');"},
	}, "edges": []any{}})
	p.saved()

	tab := browsertest.OpenTab(t, sharedBrowser(t), nil)
	broken := `WebAssembly.instantiate = async () => { throw new Error('no wasm for this test'); };`
	var got struct {
		Ready, Banner string
		Nodes         int
		Status        map[string]any
	}
	require.NoError(t, chromedp.Run(tab.Ctx,
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(broken).Do(ctx)
			return err
		}),
		chromedp.Navigate(serverURL(t)+"/?patch="+id)))
	require.NoError(t, tab.Eval(60*time.Second, `(async () => {
		await window.patchReady?.catch(() => {});
		for (let i = 0; i < 200 && !(document.body.dataset.ready && window.patch?.status('j')?.state === 'error'); i++) {
			await new Promise((r) => setTimeout(r, 25));
		}
		return { ready: document.body.dataset.ready, banner: document.querySelector('#banner').textContent,
			nodes: window.patch?.nodes.size ?? 0, status: window.patch?.status('j') ?? null };
	})()`, &got))
	assert.Equal(t, "error", got.Ready)
	assert.Contains(t, got.Banner, "kv did not load: ")
	assert.Contains(t, got.Banner, "no wasm for this test")
	assert.Equal(t, 1, got.Nodes, "the saved patch was built from the plain read")
	assert.Equal(t, "error", got.Status["state"], "its kv call rejected and shows on the node")
}

// TestEveryPageModuleIsPreloaded checks index.html's modulepreload list against the
// modules the demo page loads: each is fetched from the start, not once the module
// importing it has been parsed. (A worker node's js/worker-node.js is a Worker's
// script, which a page cannot preload for it.)
func TestEveryPageModuleIsPreloaded(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/")
	var missing []string
	p.eval(`(() => {
		const preloaded = new Set([...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.href));
		return performance.getEntriesByType('resource').map((e) => e.name)
			.filter((n) => /\.m?js$/.test(new URL(n).pathname) && !n.includes('/node_modules/p5/') && !n.endsWith('/js/worker-node.js'))
			.filter((n) => !preloaded.has(n));
	})()`, &missing)
	assert.Empty(t, missing, "modules the page loads without a <link rel=modulepreload> in index.html")
}
