//go:build !js

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveWorkers returns how many worker-node Workers the page has running (a test hook
// of js/nodes/worker.js).
func (p *Page) liveWorkers() int {
	p.tb.Helper()
	var n int
	p.eval(`globalThis.__patchkvLiveWorkers?.() ?? -1`, &n)
	return n
}

// waitStatus waits until node id's status satisfies cond (a JavaScript expression over
// `s`, the status) and returns it.
func (p *Page) waitStatus(id, cond string) map[string]any {
	p.tb.Helper()
	var s map[string]any
	p.eval(fmt.Sprintf(`__e2e.until(() => { const s = window.patch.status(%s); return s && (%s) && s; })`, js(id), cond), &s)
	return s
}

// responsive reports how long (ms) the page takes to run a task and a js node to answer
// a message: both stay short while a worker node is busy.
func (p *Page) responsive(jsID string) float64 {
	p.tb.Helper()
	var ms float64
	p.eval(fmt.Sprintf(`(async () => {
		const t = performance.now();
		await new Promise((r) => setTimeout(r, 0));
		await window.patch.send(%s, 'ping');
		return performance.now() - t;
	})()`, js(jsID)), &ms)
	return ms
}

func TestWorkerNodeCountsInKVAcrossReloads(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	// Added from the toolbar, as a user would; its template counts its runs in kv.
	p.click(`[data-add="worker"]`)
	id := p.waitNodes(1)[0]
	assert.True(t, strings.HasPrefix(id, "worker-"), "id %q", id)
	p.eval(fmt.Sprintf(`window.patch.update(%s, {code: "const n = ((await kv.get('runs')) ?? 0) + 1;\nawait kv.set('runs', n);\nsend(n);"}).then(() => true)`, js(id)), nil)
	assert.Equal(t, []any{1.0}, p.waitOutputs(id, 1))
	p.saved()
	p.reload()
	assert.Equal(t, []any{2.0}, p.waitOutputs(id, 1), "the count kept in the worker's kv survives a reload")

	var seen any
	p.eval(fmt.Sprintf(`window.patch.root.node(%s).get('runs')`, js(id)), &seen)
	assert.Equal(t, 2.0, seen, "the worker's kv is the node's scope, as the page sees it")
}

func TestWorkerNodeExchangesMessagesAndSharesAStore(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	worker := `setPortCount(1, 2);
await kv.store('shared').set('from-worker', new Uint8Array([1, 2, 3]));
onMessage(async (m, meta) => {
  if (m.type === 'set') { send({type: 'get', key: m.key}, 0); return; }   // [kv] acknowledged: read it back
  if (m.type === 'get') { send({worker: m.value, mine: await kv.get('mine'), inlet: meta.inlet}, 1); return; }
  await kv.set('mine', m.n);
  send({type: 'set', key: 'x', value: m.n * 2}, 0);                        // to [kv shared]
});`
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "js-1", "type": "js", "x": 20, "y": 20, "code": "onMessage((m) => send(m));"},
		{"id": "worker-1", "type": "worker", "x": 20, "y": 200, "code": worker},
		{"id": "kv-1", "type": "kv", "x": 420, "y": 200, "args": "shared"},
		{"id": "js-2", "type": "js", "x": 20, "y": 420, "code": "onMessage((m) => send(m));"},
		{"id": "js-3", "type": "js", "x": 420, "y": 420, "code": `onMessage(async () => { const s = kv.store('shared'); send({x: await s.get('x'), w: await s.get('from-worker')}); });`},
	}, "edges": []map[string]any{
		{"from": "js-1", "outlet": 0, "to": "worker-1", "inlet": 0},
		{"from": "worker-1", "outlet": 0, "to": "kv-1", "inlet": 0},
		{"from": "kv-1", "outlet": 0, "to": "worker-1", "inlet": 0},
		{"from": "worker-1", "outlet": 1, "to": "js-2", "inlet": 0},
	}})
	p.send("js-1", `{n: 21}`)
	got := p.waitOutputs("js-2", 1)
	assert.Equal(t, []any{map[string]any{"worker": 42.0, "mine": 21.0, "inlet": 0.0}}, got,
		"js → worker → [kv shared] → worker → js, along wires")

	out := p.request("js-3", `'read'`)
	assert.Equal(t, 42.0, out["x"], "a js node reads what the worker had [kv shared] write")
	assert.Equal(t, map[string]any{"$binary": "Uint8Array", "bytes": []any{1.0, 2.0, 3.0}}, out["w"],
		"and what the worker wrote into the named store itself, binary with its type")
}

func TestWorkerNodeBusyLoopStopRerunRemove(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "worker-1", "type": "worker", "x": 20, "y": 20, "code": "send('busy');\nwhile (true) {}"},
		{"id": "js-1", "type": "js", "x": 420, "y": 20, "code": "onMessage((m) => send(m));"},
	}, "edges": []any{}})
	p.waitOutputs("worker-1", 1)
	assert.Equal(t, 1, p.liveWorkers())
	assert.Less(t, p.responsive("js-1"), 500.0, "the page and its js nodes answer while the worker spins")
	assert.Equal(t, []any{"ping"}, p.outputs("js-1"))

	// The stop control ends the busy Worker.
	p.click(`.node[data-id="worker-1"] .head .stop`)
	p.waitStatus("worker-1", `s.state === 'stopped'`)
	assert.Equal(t, 0, p.liveWorkers(), "stop terminates the Worker")

	// ▶ runs it again (busy again), and again: one Worker at a time.
	p.click(`.node[data-id="worker-1"] .head .run`)
	p.waitOutputs("worker-1", 2)
	p.click(`.node[data-id="worker-1"] .head .run`)
	p.waitOutputs("worker-1", 3)
	assert.Equal(t, 1, p.liveWorkers(), "a re-run terminates the Worker of the run before")
	assert.Less(t, p.responsive("js-1"), 500.0)

	// Removal terminates it too.
	p.click(`.node[data-id="worker-1"] .head .del`)
	p.waitNodes(1)
	assert.Equal(t, 0, p.liveWorkers(), "no Worker is left after the node is removed")
}

func TestWorkerNodeErrorsShowOnTheNode(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "worker-1", "type": "worker", "x": 20, "y": 20, "code": "kv.set('f', () => 1);"},
		{"id": "worker-2", "type": "worker", "x": 20, "y": 200, "code": "await 1;\nnull.x;"},
		{"id": "worker-3", "type": "worker", "x": 420, "y": 20, "code": "setTitle('counter');\nconsole.log('hello', {n: 1});"},
	}, "edges": []any{}})
	s3 := p.waitStatus("worker-3", `s.log`)
	assert.Equal(t, `hello {"n":1}`, s3["log"], "console shows on the node")
	assert.Equal(t, "counter", p.text(`.node[data-id="worker-3"] .head .title`), "setTitle labels it")
	s := p.waitStatus("worker-1", `s.state === 'error'`)
	assert.Contains(t, s["error"], "DataCloneError", "an un-awaited kv call that fails shows on its worker node")
	s = p.waitStatus("worker-2", `s.state === 'error'`)
	assert.Contains(t, s["error"], "TypeError")
	assert.Contains(t, s["error"], "line 2")
}

func TestWorkerNodeTwentyStart(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	var nodes []map[string]any
	for i := range 20 {
		nodes = append(nodes, map[string]any{"id": fmt.Sprintf("worker-%d", i+1), "type": "worker",
			"x": 20 + (i%5)*260, "y": 20 + (i/5)*180, "code": "await kv.set('me', 1); send(await kv.get('me'));"})
	}
	p.load(map[string]any{"nodes": nodes, "edges": []any{}})
	for i := range 20 {
		require.Equal(t, []any{1.0}, p.waitOutputs(fmt.Sprintf("worker-%d", i+1), 1))
	}
	assert.Equal(t, 20, p.liveWorkers())
	p.load(map[string]any{"nodes": []any{}, "edges": []any{}})
	assert.Equal(t, 0, p.liveWorkers(), "loading another document terminates every worker")
	_ = time.Second
}

func TestWorkerNodeKVHasTheWholeAPI(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	code := `const seen = [];
const off = kv.subscribe((e) => seen.push(e.op + ':' + (e.key ?? '')));
await kv.set('map', new Map([[1, 'a']]));
await kv.set('blob', new Blob(['hey'], {type: 'text/plain'}));
await kv.set('big', 12345678901234567890n);
const n = await kv.update('n', (v) => (v ?? 0) + 5);
const deleted = await kv.delete('big');
await new Promise((r) => setTimeout(r, 200));
off();
send({map: await kv.get('map'), blob: await kv.get('blob'), n, deleted, has: await kv.has('big'),
  keys: await kv.keys(), seen, other: await kv.store('s').get('x')});`
	p.eval(`window.patch.root.store('s').set('x', new Date(0)).then(() => true)`, nil)
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "worker-1", "type": "worker", "x": 20, "y": 20, "code": code},
	}, "edges": []any{}})
	got := p.waitOutputs("worker-1", 1)[0].(map[string]any)
	assert.Equal(t, map[string]any{"$map": []any{[]any{1.0, "a"}}}, got["map"])
	assert.Equal(t, map[string]any{"$blob": map[string]any{"type": "text/plain", "size": 3.0}}, got["blob"])
	assert.Equal(t, 5.0, got["n"], "update")
	assert.Equal(t, true, got["deleted"])
	assert.Equal(t, false, got["has"])
	assert.Equal(t, []any{"blob", "map", "n"}, got["keys"])
	assert.Equal(t, []any{"set:map", "set:blob", "set:big", "set:n", "delete:big"}, got["seen"], "subscribe")
	assert.Equal(t, map[string]any{"$date": "1970-01-01T00:00:00.000Z"}, got["other"], "a named store the page wrote")
	var n any
	p.eval(`window.patch.root.node('worker-1').get('n')`, &n)
	assert.Equal(t, 5.0, n, "the page sees the worker's writes")
}

func TestWorkerNodeGetsMessagesSentWhileItStarts(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "loadbang-1", "type": "loadbang", "x": 20, "y": 20},
		{"id": "worker-1", "type": "worker", "x": 20, "y": 160, "code": "await kv.get('warm-up');\nrecv((m, meta) => send({m, inlet: meta.inlet}));"},
	}, "edges": []map[string]any{{"from": "loadbang-1", "outlet": 0, "to": "worker-1", "inlet": 0}}})
	assert.Equal(t, []any{map[string]any{"m": map[string]any{"type": "bang"}, "inlet": 0.0}}, p.waitOutputs("worker-1", 1),
		"the loadbang's bang")
	// Sent at once, while the new run's Worker is still being created.
	p.eval(`(() => { const r = window.patch.rerun('worker-1'); window.patch.send('worker-1', 'early'); return r.then(() => true); })()`, nil)
	out := p.waitOutputs("worker-1", 2)
	assert.Equal(t, map[string]any{"m": "early", "inlet": 0.0}, out[1], "a message sent while the Worker started")
}
