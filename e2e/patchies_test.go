//go:build !js

package e2e

// Patches written for Patchies run here: p5.js 2.x with an async setup, loadbang, the
// msg shorthand and $1, recv with meta.inlet, several ports, and the [kv] object's
// subscribe protocol.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestP5AsyncSetup runs a p5 2.x sketch whose async setup awaits kv.get and loadImage
// of a stored Blob's object URL before it makes its canvas at the image's size.
func TestP5AsyncSetup(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	// A 64×48 PNG, left half red and right half blue, stored in the sketch's own kv.
	p.eval(`(async () => {
		const c = new OffscreenCanvas(64, 48);
		const g = c.getContext('2d');
		g.fillStyle = '#ff0000'; g.fillRect(0, 0, 32, 48);
		g.fillStyle = '#0000ff'; g.fillRect(32, 0, 32, 48);
		await window.patch.root.node('sketch').set('img', await c.convertToBlob({type: 'image/png'}));
		return true;
	})()`, nil)
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "sketch", "type": "p5", "x": 20, "y": 20, "code": `let setups = 0, ready = false, early = 0, img;
async function setup() {
  setups++;
  const blob = await kv.get('img');
  const url = URL.createObjectURL(blob);
  img = await loadImage(url);
  URL.revokeObjectURL(url);
  createCanvas(img.width, img.height);
  ready = true;
}
function draw() {
  if (!ready) { early++; return; }
  image(img, 0, 0);
  if (frameCount === 3) send({ setups, early, width, height, version: p5.VERSION });
}`},
	}, "edges": []any{}})

	got := p.waitOutputs("sketch", 1)[0].(map[string]any)
	assert.Equal(t, 1.0, got["setups"], "setup ran once")
	assert.Equal(t, 0.0, got["early"], "draw started only after setup resolved")
	assert.Equal(t, 64.0, got["width"], "the canvas has the size the sketch asked for")
	assert.Equal(t, 48.0, got["height"])
	assert.Regexp(t, `^2\.`, got["version"], "p5.js 2.x")

	var canvas struct{ W, H float64 }
	p.eval(`(() => { const c = document.querySelector('.node[data-id="sketch"] canvas'); return {w: c.width, h: c.height}; })()`, &canvas)
	assert.Equal(t, struct{ W, H float64 }{64, 48}, canvas, "one canvas, 64×48")
	var left, right []any
	p.eval(`__e2e.pixel('sketch', 10, 24)`, &left)
	p.eval(`__e2e.pixel('sketch', 54, 24)`, &right)
	assert.Equal(t, []any{255.0, 0.0, 0.0, 255.0}, left, "drawn from the stored image: red on the left")
	assert.Equal(t, []any{0.0, 0.0, 255.0, 255.0}, right, "blue on the right")

	// A sketch that still defines preload (p5 1.x) is told that 2.x does not call it.
	p.eval(`window.patch.addNode({id: 'old', type: 'p5', x: 400, y: 20,
		code: 'function preload() {}\nfunction setup() { createCanvas(20, 20) }'}).then(() => true)`, nil)
	assert.Contains(t, p.status("old")["log"], "preload() does not run in p5.js 2.x")
}

// patchiesCounter is the Patchies kv counter: loadbang → msg get count → [kv counter]
// → js +1 → msg set count $1 → [kv counter].
func patchiesCounter() map[string]any {
	return map[string]any{"nodes": []map[string]any{
		{"id": "lb", "type": "loadbang", "x": 20, "y": 20},
		{"id": "get", "type": "msg", "x": 20, "y": 90, "args": "get count"},
		{"id": "kv-read", "type": "kv", "x": 20, "y": 160, "args": "counter"},
		{"id": "plus", "type": "js", "x": 20, "y": 240,
			"code": "recv((m) => { if (m.type === 'get') send((m.found ? m.value : 0) + 1) })"},
		{"id": "set", "type": "msg", "x": 20, "y": 360, "args": "set count $1"},
		{"id": "kv-write", "type": "kv", "x": 20, "y": 430, "args": "counter"},
	}, "edges": []map[string]any{
		{"from": "lb", "outlet": 0, "to": "get", "inlet": 0},
		{"from": "get", "outlet": 0, "to": "kv-read", "inlet": 0},
		{"from": "kv-read", "outlet": 0, "to": "plus", "inlet": 0},
		{"from": "plus", "outlet": 0, "to": "set", "inlet": 0},
		{"from": "set", "outlet": 0, "to": "kv-write", "inlet": 0},
	}}
}

func TestPatchiesKVCounter(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(patchiesCounter())
	assert.Equal(t, []any{1.0}, p.waitOutputs("plus", 1), "the first load counts 1")
	assert.Equal(t, []any{map[string]any{"type": "set", "key": "count", "ok": true}}, p.waitOutputs("kv-write", 1))
	assert.Equal(t, []any{map[string]any{"type": "bang"}}, p.outputs("lb"), "loadbang banged once")
	p.saved()

	for want := 2.0; want <= 3; want++ {
		p.reload()
		assert.Equal(t, []any{want}, p.waitOutputs("plus", 1), "each load counts on from the stored count")
		p.waitOutputs("kv-write", 1)
	}
	var stored float64
	p.eval(`window.patch.root.store('counter').get('count')`, &stored)
	assert.Equal(t, 3.0, stored, "[kv counter] is kv.store('counter')")
}

// TestMsgShorthand sends each form of a msg box's text to a [kv] and to a js node that
// records what arrived, and checks the message it stood for and the [kv]'s reply.
func TestMsgShorthand(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "m", "type": "msg", "x": 20, "y": 20, "args": "bang"},
		{"id": "store", "type": "kv", "x": 20, "y": 120, "args": "short"},
		{"id": "spy", "type": "js", "x": 300, "y": 120, "code": "recv((m) => send(m))"},
	}, "edges": []map[string]any{
		{"from": "m", "outlet": 0, "to": "store", "inlet": 0},
		{"from": "m", "outlet": 0, "to": "spy", "inlet": 0},
	}})

	tests := []struct {
		name  string
		text  string
		input string // a message (JavaScript) sent to the msg box's inlet; "" for a click
		sent  any    // what the box sent, described
		reply any    // the [kv]'s reply, described; nil: not checked
	}{
		{name: "set", text: "set foo 42", sent: map[string]any{"type": "set", "key": "foo", "value": 42.0},
			reply: map[string]any{"type": "set", "key": "foo", "ok": true}},
		{name: "get", text: "get foo", sent: map[string]any{"type": "get", "key": "foo"},
			reply: map[string]any{"type": "get", "key": "foo", "value": 42.0, "found": true}},
		{name: "has", text: "has foo", sent: map[string]any{"type": "has", "key": "foo"},
			reply: map[string]any{"type": "has", "key": "foo", "exists": true}},
		{name: "set a string with spaces", text: "set greeting hello world",
			sent: map[string]any{"type": "set", "key": "greeting", "value": "hello world"}},
		{name: "set an object", text: `set obj {"a": [1, 2]}`,
			sent: map[string]any{"type": "set", "key": "obj", "value": map[string]any{"a": []any{1.0, 2.0}}}},
		{name: "keys", text: "keys", sent: map[string]any{"type": "keys"},
			reply: map[string]any{"type": "keys", "keys": []any{"foo", "greeting", "obj"}}},
		{name: "delete", text: "delete foo", sent: map[string]any{"type": "delete", "key": "foo"},
			reply: map[string]any{"type": "delete", "key": "foo", "deleted": true}},
		{name: "quoted key", text: `has "foo"`, sent: map[string]any{"type": "has", "key": "foo"},
			reply: map[string]any{"type": "has", "key": "foo", "exists": false}},
		{name: "a number key is a string", text: "get 7", sent: map[string]any{"type": "get", "key": "7"}},
		{name: "clear", text: "clear", sent: map[string]any{"type": "clear"}, reply: map[string]any{"type": "clear", "ok": true}},
		{name: "bang", text: "bang", sent: map[string]any{"type": "bang"}},
		{name: "another word", text: "reset", sent: map[string]any{"type": "reset"}},
		{name: "$1 as the value", text: "set n $1", input: "5",
			sent:  map[string]any{"type": "set", "key": "n", "value": 5.0},
			reply: map[string]any{"type": "set", "key": "n", "ok": true}},
		{name: "$1 as the key", text: "get $1", input: "'n'", sent: map[string]any{"type": "get", "key": "n"},
			reply: map[string]any{"type": "get", "key": "n", "value": 5.0, "found": true}},
		{name: "$1 alone", text: "$1", input: "({type: 'has', key: 'n'})", sent: map[string]any{"type": "has", "key": "n"},
			reply: map[string]any{"type": "has", "key": "n", "exists": true}},
		{name: "$1 in a literal", text: "{type: 'set', key: 'n', value: $1 * 2}", input: "21",
			sent: map[string]any{"type": "set", "key": "n", "value": 42.0}},
		{name: "JSON", text: `{"type":"get","key":"n"}`, sent: map[string]any{"type": "get", "key": "n"},
			reply: map[string]any{"type": "get", "key": "n", "value": 42.0, "found": true}},
		{name: "JavaScript literal", text: "{type: 'keys'}", sent: map[string]any{"type": "keys"},
			reply: map[string]any{"type": "keys", "keys": []any{"n"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Sent  any
				Reply any
			}
			fire := `window.patch.trigger('m')`
			if tc.input != "" {
				fire = fmt.Sprintf(`await window.patch.send('m', %s)`, tc.input)
			}
			p.eval(fmt.Sprintf(`(async () => {
				await window.patch.update('m', {args: %s});
				const spy = window.patch.outputs('spy').length, store = window.patch.outputs('store').length;
				%s;
				await __e2e.until(() => window.patch.outputs('spy').length > spy && window.patch.outputs('store').length > store);
				return __e2e.describe({sent: window.patch.outputs('spy').at(-1), reply: window.patch.outputs('store').at(-1)});
			})()`, js(tc.text), fire), &got)
			assert.Equal(t, tc.sent, got.Sent, "the message %q stands for", tc.text)
			if tc.reply != nil {
				assert.Equal(t, tc.reply, got.Reply, "[kv short]'s reply")
			}
			assert.NotEqual(t, "error", p.status("m")["state"])
		})
	}

	// A click sends the box's message too.
	p.eval(`window.patch.update('m', {args: 'has n'}).then(() => true)`, nil)
	before := len(p.outputs("store"))
	p.click(`.node[data-id="m"] .msgbox`)
	out := p.waitOutputs("store", before+1)
	assert.Equal(t, map[string]any{"type": "has", "key": "n", "exists": true}, out[len(out)-1])

	// $1 is the last message other than a bang: a click or a bang sends it again, and a
	// box that has had no message yet sends nothing.
	var got struct {
		Fresh  int
		Resent []any
	}
	p.eval(`(async () => {
		await window.patch.addNode({id: 'later', type: 'msg', x: 300, y: 20, args: 'set later $1'});
		window.patch.connect({from: 'later', outlet: 0, to: 'spy', inlet: 0});
		window.patch.trigger('later');
		await window.patch.send('later', {type: 'bang'});
		const fresh = window.patch.outputs('later').length;
		await window.patch.send('later', 'x');
		window.patch.trigger('later');
		await window.patch.send('later', {type: 'bang'});
		return __e2e.describe({fresh, resent: window.patch.outputs('later')});
	})()`, &got)
	assert.Equal(t, 0, got.Fresh, "nothing sent before a message arrived for $1")
	want := map[string]any{"type": "set", "key": "later", "value": "x"}
	assert.Equal(t, []any{want, want, want}, got.Resent, "the message, then a click and a bang with the same $1")
}

// TestPortsSendAndRecv checks setPortCount, send to one outlet or all, recv/onMessage
// handlers that accumulate and see meta.inlet, and setTitle, through window.patch and
// in the editor.
func TestPortsSendAndRecv(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	sink := "recv((m, meta) => send({ m, inlet: meta.inlet }))"
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "split", "type": "js", "x": 20, "y": 20, "code": `setPortCount(2, 2);
setTitle('splitter');
recv((m, meta) => {
  if (m.cmd === 'index') send('by index', 1);
  else if (m.cmd === 'to') send('by to', {to: 1});
  else if (m.cmd === 'all') send('to all');
  else send(['first', m, meta.inlet], 0);
});
onMessage((m, meta) => { if (!m.cmd) send(['second', m, meta.inlet], 0); });`},
		{"id": "left", "type": "js", "x": 20, "y": 300, "code": sink},
		{"id": "right", "type": "js", "x": 320, "y": 300, "code": sink},
	}, "edges": []map[string]any{
		{"from": "split", "outlet": 0, "to": "left", "inlet": 0},
		{"from": "split", "outlet": 1, "to": "right", "inlet": 0},
	}})

	p.send("split", `({cmd: 'index'})`)
	p.send("split", `({cmd: 'to'})`)
	assert.Equal(t, []any{
		map[string]any{"m": "by index", "inlet": 0.0},
		map[string]any{"m": "by to", "inlet": 0.0},
	}, p.waitOutputs("right", 2), "send(x, 1) and send(x, {to: 1}) go to outlet 1")
	assert.Empty(t, p.outputs("left"), "and not to outlet 0")

	p.send("split", `({cmd: 'all'})`)
	assert.Equal(t, map[string]any{"m": "to all", "inlet": 0.0}, p.waitOutputs("left", 1)[0], "send(x) reaches outlet 0")
	assert.Equal(t, map[string]any{"m": "to all", "inlet": 0.0}, p.waitOutputs("right", 3)[2], "and outlet 1")

	// Both handlers run, in order, and see the inlet.
	p.eval(`window.patch.send('split', 'x', 1).then(() => true)`, nil)
	out := p.outputs("split")
	assert.Equal(t, []any{[]any{"first", "x", 1.0}, []any{"second", "x", 1.0}}, out[len(out)-2:])

	// The editor draws the ports and the title, and both wires.
	var ui struct {
		Inlets, Outlets int
		Title           string
		Wires           []string
	}
	p.eval(`__e2e.until(() => {
		const n = document.querySelector('.node[data-id="split"]');
		const wires = [...document.querySelectorAll('svg.wires .wire')].map((w) => w.dataset.from + ':' + w.dataset.outlet + '>' + w.dataset.to);
		return wires.length === 2 && {
			inlets: n.querySelectorAll('.port.inlet').length, outlets: n.querySelectorAll('.port.outlet').length,
			title: n.querySelector('.head .title').textContent, wires: wires.sort(),
		};
	})`, &ui)
	assert.Equal(t, 2, ui.Inlets)
	assert.Equal(t, 2, ui.Outlets)
	assert.Equal(t, "splitter", ui.Title)
	assert.Equal(t, []string{"split:0>left", "split:1>right"}, ui.Wires)

	// A user wires outlet 1 to the left sink's inlet with the mouse.
	x0, y0 := p.center(`.node[data-id="split"] .port.outlet[data-index="1"]`)
	x1, y1 := p.center(`.node[data-id="left"] .port.inlet`)
	p.drag(x0, y0, x1, y1, 8)
	var edges []map[string]any
	p.eval(`window.patch.toJSON().edges`, &edges)
	assert.Contains(t, edges, map[string]any{"from": "split", "outlet": 1.0, "to": "left", "inlet": 0.0})
	before := len(p.outputs("left"))
	p.send("split", `({cmd: 'index'})`)
	left := p.waitOutputs("left", before+1)
	assert.Equal(t, map[string]any{"m": "by index", "inlet": 0.0}, left[len(left)-1], "the new wire carries outlet 1")

	// A message wired into inlet 1 arrives there.
	p.eval(`(async () => {
		await window.patch.addNode({id: 'hello', type: 'msg', x: 400, y: 20, args: '"hi"'});
		window.patch.connect({from: 'hello', outlet: 0, to: 'split', inlet: 1});
		window.patch.trigger('hello');
		return true;
	})()`, nil)
	out = p.outputs("split")
	assert.Equal(t, []any{[]any{"first", "hi", 1.0}, []any{"second", "hi", 1.0}}, out[len(out)-2:])
}

// TestKVSubscribe checks the [kv] object's subscribe protocol: change messages for
// every change of its store, whoever makes it, until it unsubscribes.
func TestKVSubscribe(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id)
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "watch", "type": "kv", "x": 20, "y": 20, "args": "settings"},
		{"id": "writer", "type": "kv", "x": 20, "y": 120, "args": "settings"},
	}, "edges": []any{}})

	assert.Equal(t, map[string]any{"type": "subscribe", "ok": true}, p.request("watch", `({type: 'subscribe'})`))

	// nextChange waits for the watcher's next change message.
	n := len(p.outputs("watch"))
	nextChange := func(t *testing.T) map[string]any {
		t.Helper()
		out := p.waitOutputs("watch", n+1)
		n = len(out)
		last, ok := out[n-1].(map[string]any)
		require.True(t, ok)
		return last
	}
	steps := []struct {
		name string
		do   string // JavaScript run in the page
		want map[string]any
	}{
		{name: "another [kv] sets", do: `window.patch.send('writer', {type: 'set', key: 'color', value: 'red'})`,
			want: map[string]any{"type": "change", "op": "set", "key": "color", "value": "red", "found": true}},
		{name: "page code sets", do: `window.patch.root.store('settings').set('size', 3)`,
			want: map[string]any{"type": "change", "op": "set", "key": "size", "value": 3.0, "found": true}},
		{name: "delete", do: `window.patch.root.store('settings').delete('size')`,
			want: map[string]any{"type": "change", "op": "delete", "key": "size", "value": undef, "found": false}},
		{name: "another tab sets (do empty)", do: "", want: map[string]any{"type": "change", "op": "set", "key": "tab", "value": "other", "found": true}},
		{name: "clear", do: `window.patch.send('writer', {type: 'clear'})`,
			want: map[string]any{"type": "change", "op": "clear", "key": undef, "value": undef, "found": false}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do == "" {
				other := openPage(t, sharedBrowser(t), "/?patch="+id)
				other.eval(`window.patch.root.store('settings').set('tab', 'other').then(() => true)`, nil)
			} else {
				p.eval(fmt.Sprintf(`Promise.resolve(%s).then(() => true)`, s.do), nil)
			}
			assert.Equal(t, s.want, nextChange(t))
		})
	}

	// setStore moves the subscription to the new store.
	assert.Equal(t, map[string]any{"type": "setStore", "value": "other", "ok": true}, p.request("watch", `({type: 'setStore', value: 'other'})`))
	n = len(p.outputs("watch"))
	p.eval(`window.patch.root.store('settings').set('old', 1).then(() => window.patch.root.store('other').set('new', 2)).then(() => true)`, nil)
	assert.Equal(t, map[string]any{"type": "change", "op": "set", "key": "new", "value": 2.0, "found": true}, nextChange(t),
		"changes of the new store, none of the old one")

	assert.Equal(t, map[string]any{"type": "unsubscribe", "ok": true}, p.request("watch", `({type: 'unsubscribe'})`))
	n = len(p.outputs("watch"))
	p.request("writer", `({type: 'set', key: 'late', value: 1})`)
	// A change would be delivered after the write resolved; a get through the watcher
	// queues behind anything it would still send.
	got := p.request("watch", `({type: 'get', key: 'late'})`)
	assert.Equal(t, "get", got["type"])
	assert.Len(t, p.outputs("watch"), n+1, "no change messages after unsubscribe")
}

// TestKVStoreNameKeptAcrossReload: setStore(" s ") uses the store " s " before and after
// a reload (the name is not trimmed on one path only).
func TestKVStoreNameKeptAcrossReload(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{{"id": "obj", "type": "kv", "x": 20, "y": 20}}, "edges": []any{}})
	assert.Equal(t, map[string]any{"type": "setStore", "value": " s ", "ok": true}, p.request("obj", `({type: 'setStore', value: ' s '})`))
	p.request("obj", `({type: 'set', key: 'k', value: 'v'})`)
	p.saved()
	p.reload()
	got := p.request("obj", `({type: 'get', key: 'k'})`)
	assert.Equal(t, map[string]any{"type": "get", "key": "k", "value": "v", "found": true}, got, "the same store after the reload")
	var seen map[string]any
	p.eval(`(async () => __e2e.describe({spaced: await window.patch.root.store(' s ').get('k'), trimmed: await window.patch.root.store('s').has('k')}))()`, &seen)
	assert.Equal(t, map[string]any{"spaced": "v", "trimmed": false}, seen)
}

// TestNodeSubscriptionsEndWithTheRun: a subscription made by node code ends when the
// node is re-run or removed (like its timers), and what its listener throws shows on
// the node.
func TestNodeSubscriptionsEndWithTheRun(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	listener := `kv.store('s').subscribe(async (c) => {
  if (c.key === 'boom') throw new Error('listener failed');
  if (c.key === 'ping') send(await kv.update('calls', (v) => (v ?? 0) + 1));
});`
	p.load(map[string]any{"nodes": []map[string]any{{"id": "sub", "type": "js", "x": 20, "y": 20, "code": listener}}, "edges": []any{}})
	p.eval(`window.patch.root.store('s').set('ping', 1).then(() => true)`, nil)
	assert.Equal(t, []any{1.0}, p.waitOutputs("sub", 1))

	// callsAfterPing sets ping once more, waits until a listener of the page has seen
	// that change (every listener hears it in the same delivery), then reads how often
	// the node's listeners ran: their kv.update, if any ran, was issued before this get.
	callsAfterPing := func() any {
		var calls any
		p.eval(`(async () => {
			const s = window.patch.root.store('s');
			const seen = new Promise((resolve) => { const u = s.subscribe((c) => { if (c.key === 'ping') { u(); resolve(); } }); });
			await s.set('ping', 2);
			await seen;
			await new Promise((r) => setTimeout(r, 0));
			return __e2e.describe(await window.patch.root.node('sub').get('calls'));
		})()`, &calls)
		return calls
	}
	p.eval(`window.patch.rerun('sub').then(() => true)`, nil)
	assert.Equal(t, 2.0, callsAfterPing(), "after a re-run only the new run's listener runs")
	p.eval(`window.patch.root.store('s').set('boom', 1).then(() => true)`, nil)
	var shown string
	p.eval(`__e2e.until(() => window.patch.status('sub').state === 'error' && window.patch.status('sub').error)`, &shown)
	assert.Contains(t, shown, "listener failed", "a listener's error shows on its node")

	p.eval(`window.patch.removeNode('sub')`, nil)
	assert.Equal(t, 2.0, callsAfterPing(), "a removed node's listener no longer runs")
}
