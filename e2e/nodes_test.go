//go:build !js

package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storeCode answers {op:'put',key,value} and {op:'read',key} against the store that
// the expression `store` names in the node's sandbox (kv, or kv.store(name)).
func storeCode(store string) string {
	return fmt.Sprintf(`const s = %s;
onMessage(async (m) => {
  if (m.op === 'put') { await s.set(m.key, m.value); send({ op: 'put', key: m.key }); }
  if (m.op === 'read') send({ op: 'read', key: m.key, value: await s.get(m.key), found: await s.has(m.key), keys: await s.keys() });
});`, store)
}

// p5StoreCode is storeCode inside a p5 sketch with a small canvas.
func p5StoreCode(store string) string {
	return storeCode(store) + "\nfunction setup() { createCanvas(40, 30); background(200); }"
}

// lastOutput sends msgExpr to node id and returns the node's newest output once it has
// one more than before.
func (p *Page) request(id, msgExpr string) map[string]any {
	p.tb.Helper()
	before := len(p.outputs(id))
	p.send(id, msgExpr)
	out := p.waitOutputs(id, before+1)
	last, ok := out[len(out)-1].(map[string]any)
	require.Truef(p.tb, ok, "node %s sent %#v, want an object", id, out[len(out)-1])
	return last
}

func TestJSAndP5NodesHaveTheirOwnKV(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	ids := []string{"js-a", "js-b", "p5-a", "p5-b"}
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "js-a", "type": "js", "x": 20, "y": 20, "code": storeCode("kv")},
		{"id": "js-b", "type": "js", "x": 20, "y": 240, "code": storeCode("kv")},
		{"id": "p5-a", "type": "p5", "x": 480, "y": 20, "code": p5StoreCode("kv")},
		{"id": "p5-b", "type": "p5", "x": 480, "y": 300, "code": p5StoreCode("kv")},
	}, "edges": []any{}})

	// Every node writes the same key, and one key of its own, through its own kv.
	for _, id := range ids {
		p.request(id, fmt.Sprintf(`{op: 'put', key: 'who', value: %s}`, js(id)))
		p.request(id, fmt.Sprintf(`{op: 'put', key: %s, value: true}`, js("only-"+id)))
	}

	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			got := p.request(id, `{op: 'read', key: 'who'}`)
			assert.Equal(t, id, got["value"], "a node reads back what it wrote, not another node's value")
			assert.Equal(t, []any{"only-" + id, "who"}, got["keys"], "a node sees only its own keys")

			var seen struct {
				Node, Store, Host any
			}
			p.eval(fmt.Sprintf(`(async () => {
				const root = window.patch.root;
				return __e2e.describe({
					node: await root.node(%[1]s).get('who'),
					store: await root.store(%[1]s).get('who'),
					host: await root.get('who'),
				});
			})()`, js(id)), &seen)
			assert.Equal(t, id, seen.Node, "kv.node(id) is the scope the node's code got")
			assert.Equal(t, map[string]any{"$undefined": true}, seen.Store, "a named store with the node's id is another scope")
			assert.Equal(t, map[string]any{"$undefined": true}, seen.Host, "the host scope is another scope")
		})
	}
}

func TestP5NodesDoNotShareCanvasOrState(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	sketch := func(name string, w, h int, rgb string) string {
		return fmt.Sprintf(`let name = %s;
let frames = 0;
function setup() { createCanvas(%d, %d); background(%s); send({ name, width, height }); }
function draw() { frames++; }
onMessage(() => send({ name, width, height, frames }));`, js(name), w, h, rgb)
	}
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "red", "type": "p5", "x": 20, "y": 20, "code": sketch("red", 50, 40, "255, 0, 0")},
		{"id": "blue", "type": "p5", "x": 420, "y": 20, "code": sketch("blue", 30, 60, "0, 0, 255")},
	}, "edges": []any{}})

	tests := []struct {
		name          string
		id            string
		width, height float64
		pixel         []any
	}{
		{name: "red sketch", id: "red", width: 50, height: 40, pixel: []any{255.0, 0.0, 0.0, 255.0}},
		{name: "blue sketch", id: "blue", width: 30, height: 60, pixel: []any{0.0, 0.0, 255.0, 255.0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := p.waitOutputs(tc.id, 1)[0]
			assert.Equal(t, map[string]any{"name": tc.id, "width": tc.width, "height": tc.height}, first,
				"setup ran on this sketch's own instance, with its own top-level state")

			var canvases []struct{ W, H float64 }
			p.eval(fmt.Sprintf(`[...document.querySelectorAll('.node[data-id=%s] canvas')].map((c) => ({w: c.width, h: c.height}))`,
				js(tc.id)), &canvases)
			require.Len(t, canvases, 1, "one canvas per p5 node, inside that node")
			assert.Equal(t, tc.width, canvases[0].W)
			assert.Equal(t, tc.height, canvases[0].H)

			var px []any
			p.eval(fmt.Sprintf(`__e2e.pixel(%s, 5, 5)`, js(tc.id)), &px)
			assert.Equal(t, tc.pixel, px, "each sketch paints only its own canvas")

			// Ask until draw() has run at least once (the first frame may still be due).
			var got map[string]any
			p.eval(fmt.Sprintf(`__e2e.until(async () => {
				await window.patch.send(%[1]s, {type: 'bang'});
				const last = window.patch.outputs(%[1]s).at(-1);
				return last.frames > 0 && last;
			})`, js(tc.id)), &got)
			assert.Equal(t, tc.id, got["name"])
			assert.Equal(t, tc.width, got["width"], "width is this instance's, not the other sketch's")
			assert.Equal(t, tc.height, got["height"])
		})
	}

	var total int
	p.eval(`document.querySelectorAll('canvas').length`, &total)
	assert.Equal(t, 2, total, "no stray canvases")

	// Removing one sketch removes its canvas and leaves the other running.
	p.eval(`window.patch.removeNode('red')`, nil)
	p.eval(`document.querySelectorAll('canvas').length`, &total)
	assert.Equal(t, 1, total)
	got := p.request("blue", `({type: 'bang'})`)
	assert.Equal(t, "blue", got["name"])
}

func TestNamedKVSharesDataWithKVStore(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "shared-kv", "type": "kv", "x": 20, "y": 20, "args": "shared"},
		{"id": "own-kv", "type": "kv", "x": 20, "y": 120},
		{"id": "js", "type": "js", "x": 220, "y": 20, "code": storeCode("kv.store('shared')")},
		{"id": "p5", "type": "p5", "x": 620, "y": 20, "code": p5StoreCode("kv.store('shared')")},
	}, "edges": []any{}})

	tests := []struct {
		name         string
		writer       string // node that writes
		write        string // its request
		reader       string // node that reads
		read         string // its request
		wantValue    any
		wantFoundKey string // the reply field that says whether the key is there
	}{
		{name: "js kv.store to [kv shared]", writer: "js", write: `{op: 'put', key: 'from-js', value: {n: 1}}`,
			reader: "shared-kv", read: `{type: 'get', key: 'from-js'}`, wantValue: map[string]any{"n": 1.0}, wantFoundKey: "found"},
		{name: "[kv shared] to js kv.store", writer: "shared-kv", write: `{type: 'set', key: 'from-kv', value: new Uint8Array([1, 2, 3])}`,
			reader: "js", read: `{op: 'read', key: 'from-kv'}`,
			wantValue: map[string]any{"$binary": "Uint8Array", "bytes": []any{1.0, 2.0, 3.0}}, wantFoundKey: "found"},
		{name: "p5 kv.store to [kv shared]", writer: "p5", write: `{op: 'put', key: 'from-p5', value: 'sketch'}`,
			reader: "shared-kv", read: `{type: 'get', key: 'from-p5'}`, wantValue: "sketch", wantFoundKey: "found"},
		{name: "[kv shared] to p5 kv.store", writer: "shared-kv", write: `{type: 'set', key: 'from-kv-2', value: new Blob(['abc'], {type: 'text/plain'})}`,
			reader: "p5", read: `{op: 'read', key: 'from-kv-2'}`,
			wantValue: map[string]any{"$blob": map[string]any{"type": "text/plain", "size": 3.0}}, wantFoundKey: "found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := p.request(tc.writer, tc.write)
			require.NotEqual(t, "error", w["type"], "write failed: %#v", w)
			got := p.request(tc.reader, tc.read)
			assert.Equal(t, tc.wantValue, got["value"])
			assert.Equal(t, true, got[tc.wantFoundKey])
		})
	}

	var keys []string
	p.eval(`window.patch.root.store('shared').keys()`, &keys)
	assert.Equal(t, []string{"from-js", "from-kv", "from-kv-2", "from-p5"}, keys, "kv.store('shared') in the page sees the same store")
	own := p.request("own-kv", `{type: 'keys'}`)
	assert.Equal(t, []any{}, own["keys"], "[kv] without a name has its own scope, not the shared store")
}

func TestNodeErrorsShowOnTheNode(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	tests := []struct {
		name    string
		node    map[string]any
		trigger string // a message to send after loading, if any
		want    string // part of the error the node shows
	}{
		{name: "js syntax error", node: map[string]any{"type": "js", "code": "let = ;"}, want: "SyntaxError"},
		{name: "js throws at top level", node: map[string]any{"type": "js", "code": "\nthrow new Error('boom top')"}, want: "boom top (line 2)"},
		{name: "js handler throws", node: map[string]any{"type": "js", "code": "onMessage(() => { throw new Error('boom handler') })"},
			trigger: `({type: 'bang'})`, want: "boom handler"},
		{name: "js async handler rejects", node: map[string]any{"type": "js", "code": "onMessage(async () => { await null; throw new TypeError('boom async') })"},
			trigger: `({type: 'bang'})`, want: "TypeError: boom async"},
		{name: "js timer throws", node: map[string]any{"type": "js", "code": "setTimeout(() => { throw new Error('boom timer') }, 0)"}, want: "boom timer"},
		{name: "js kv rejects", node: map[string]any{"type": "js", "code": "await kv.set('f', () => 1)"}, want: "DataCloneError"},
		{name: "p5 syntax error", node: map[string]any{"type": "p5", "code": "function setup( {"}, want: "SyntaxError"},
		{name: "p5 draw throws", node: map[string]any{"type": "p5", "code": "function setup() { createCanvas(20, 20) }\nfunction draw() { notDefined() }"},
			want: "ReferenceError: notDefined is not defined"},
		{name: "p5 function at top level", node: map[string]any{"type": "p5", "code": "createCanvas(10, 10)"}, want: "call it from setup()"},
		{name: "unknown node type", node: map[string]any{"type": "nope"}, want: "unknown node type"},
		{name: "msg that is not a message", node: map[string]any{"type": "msg", "args": "{oops"}, want: "SyntaxError"},
	}
	nodes := []map[string]any{{"id": "healthy", "type": "js", "x": 700, "y": 20, "code": "onMessage((m) => send(m))"}}
	for i, tc := range tests {
		n := map[string]any{"id": fmt.Sprintf("n%d", i), "x": 20 + (i%3)*220, "y": 20 + (i/3)*140}
		for k, v := range tc.node {
			n[k] = v
		}
		nodes = append(nodes, n)
	}
	p.load(map[string]any{"nodes": nodes, "edges": []any{}})

	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("n%d", i)
			if tc.trigger != "" {
				p.send(id, tc.trigger)
			}
			var shown string
			p.eval(fmt.Sprintf(`__e2e.until(() => {
				const el = document.querySelector('.node[data-id=%s].error .status.error');
				return el && el.textContent;
			})`, js(id)), &shown)
			assert.Contains(t, shown, tc.want, "the error shows on the node")
			assert.Equal(t, "error", p.status(id)["state"])
		})
	}

	// The page goes on: another node still answers, and fixed code runs again.
	got := p.request("healthy", `({type: 'bang'})`)
	assert.Equal(t, "bang", got["type"])
	p.eval(`window.patch.update('n1', {code: 'send("fixed")'}).then(() => true)`, nil)
	assert.Equal(t, []any{"fixed"}, p.waitOutputs("n1", 1))
	assert.Equal(t, "running", p.status("n1")["state"], "a re-run clears the error")
}
