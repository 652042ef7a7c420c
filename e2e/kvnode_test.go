//go:build !js

package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var undef = map[string]any{"$undefined": true}

// TestKVNodeReplies sends every request of the [kv] protocol (the messages the
// README lists under "Set up") to a [kv] and a [kv name] object and checks each
// reply's exact shape. The rows run in order: each builds on the state the ones
// before left.
func TestKVNodeReplies(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "plain", "type": "kv", "x": 20, "y": 20},
		{"id": "named", "type": "kv", "x": 20, "y": 120, "args": "replies"},
	}, "edges": []any{}})

	tests := []struct {
		name    string
		request string         // a JavaScript expression
		want    map[string]any // the reply, described; for errors only type is compared
		errorIs string         // for {type:'error'} replies: part of the message
	}{
		{name: "set", request: `{type: 'set', key: 'n', value: 42}`, want: map[string]any{"type": "set", "key": "n", "ok": true}},
		{name: "get", request: `{type: 'get', key: 'n'}`, want: map[string]any{"type": "get", "key": "n", "value": 42.0, "found": true}},
		{name: "get missing", request: `{type: 'get', key: 'missing'}`,
			want: map[string]any{"type": "get", "key": "missing", "value": undef, "found": false}},
		{name: "set Blob", request: `{type: 'set', key: 'blob', value: new Blob(['hi!'], {type: 'text/plain'})}`,
			want: map[string]any{"type": "set", "key": "blob", "ok": true}},
		{name: "get Blob", request: `{type: 'get', key: 'blob'}`, want: map[string]any{"type": "get", "key": "blob",
			"value": map[string]any{"$blob": map[string]any{"type": "text/plain", "size": 3.0}}, "found": true}},
		{name: "set undefined", request: `{type: 'set', key: 'u', value: undefined}`, want: map[string]any{"type": "set", "key": "u", "ok": true}},
		{name: "get undefined is found", request: `{type: 'get', key: 'u'}`,
			want: map[string]any{"type": "get", "key": "u", "value": undef, "found": true}},
		{name: "has", request: `{type: 'has', key: 'n'}`, want: map[string]any{"type": "has", "key": "n", "exists": true}},
		{name: "has missing", request: `{type: 'has', key: 'missing'}`, want: map[string]any{"type": "has", "key": "missing", "exists": false}},
		{name: "keys", request: `{type: 'keys'}`, want: map[string]any{"type": "keys", "keys": []any{"blob", "n", "u"}}},
		{name: "delete", request: `{type: 'delete', key: 'n'}`, want: map[string]any{"type": "delete", "key": "n", "deleted": true}},
		{name: "delete missing", request: `{type: 'delete', key: 'n'}`, want: map[string]any{"type": "delete", "key": "n", "deleted": false}},
		{name: "clear", request: `{type: 'clear'}`, want: map[string]any{"type": "clear", "ok": true}},
		{name: "keys after clear", request: `{type: 'keys'}`, want: map[string]any{"type": "keys", "keys": []any{}}},
		{name: "unknown type", request: `{type: 'frobnicate'}`, want: map[string]any{"type": "error"}, errorIs: "frobnicate"},
		{name: "non-string key", request: `{type: 'get', key: 7}`, want: map[string]any{"type": "error"}, errorIs: "TypeError"},
		{name: "not a request", request: `'bang'`, want: map[string]any{"type": "error"}, errorIs: "expected a request"},
		{name: "value that cannot be cloned", request: `{type: 'set', key: 'f', value: () => 1}`,
			want: map[string]any{"type": "error"}, errorIs: "DataCloneError"},
		{name: "nothing stored by the failed set", request: `{type: 'has', key: 'f'}`,
			want: map[string]any{"type": "has", "key": "f", "exists": false}},
	}

	for _, node := range []string{"plain", "named"} {
		t.Run(node, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					var got struct {
						Count int
						Reply map[string]any
					}
					p.eval(fmt.Sprintf(`(async () => {
						const before = window.patch.outputs(%[1]s).length;
						await window.patch.send(%[1]s, %[2]s);
						const out = window.patch.outputs(%[1]s);
						return { count: out.length - before, reply: __e2e.describe(out.at(-1)) };
					})()`, js(node), tc.request), &got)
					require.Equal(t, 1, got.Count, "one reply per request")
					if tc.errorIs != "" {
						assert.Equal(t, "error", got.Reply["type"])
						assert.Len(t, got.Reply, 2, "an error reply is {type, message}: %#v", got.Reply)
						assert.Contains(t, got.Reply["message"], tc.errorIs)
						return
					}
					assert.Equal(t, tc.want, got.Reply)
				})
			}
		})
	}

	t.Run("data lands in the right scope", func(t *testing.T) {
		p.send("plain", `{type: 'set', key: 'where', value: 'plain'}`)
		p.send("named", `{type: 'set', key: 'where', value: 'named'}`)
		var got map[string]any
		p.eval(`(async () => {
			const root = window.patch.root;
			return __e2e.describe({
				plainNode: await root.node('plain').get('where'),
				namedStore: await root.store('replies').get('where'),
				namedNode: await root.node('named').get('where'),
			});
		})()`, &got)
		assert.Equal(t, map[string]any{"plainNode": "plain", "namedStore": "named", "namedNode": undef}, got,
			"[kv] uses its node id's scope; [kv replies] uses kv.store('replies')")
	})

	t.Run("setStore", func(t *testing.T) {
		other := patchID(t)
		got := p.request("plain", fmt.Sprintf(`{type: 'setStore', value: %s}`, js(other)))
		assert.Equal(t, map[string]any{"type": "setStore", "value": other, "ok": true}, got)
		p.send("plain", `{type: 'set', key: 'moved', value: 1}`)
		var seen map[string]any
		p.eval(fmt.Sprintf(`(async () => __e2e.describe({
			store: await window.patch.root.store(%s).get('moved'),
			node: await window.patch.root.node('plain').has('moved'),
		}))()`, js(other)), &seen)
		assert.Equal(t, map[string]any{"store": 1.0, "node": false}, seen, "after setStore the object uses that store")
		var args string
		p.eval(`window.patch.toJSON().nodes.find((n) => n.id === 'plain').args`, &args)
		assert.Equal(t, other, args, "the patch document remembers the store")
		bad := p.request("plain", `{type: 'setStore', value: 5}`)
		assert.Equal(t, "error", bad["type"])
	})

	t.Run("replies follow wires", func(t *testing.T) {
		p.eval(`(async () => {
			await window.patch.addNode({id: 'ask', type: 'msg', x: 300, y: 20, args: '{"type":"get","key":"where"}'});
			await window.patch.addNode({id: 'sink', type: 'js', x: 300, y: 120, code: 'onMessage((m) => send(m.value))'});
			window.patch.connect({from: 'ask', outlet: 0, to: 'named', inlet: 0});
			window.patch.connect({from: 'named', outlet: 0, to: 'sink', inlet: 0});
			return true;
		})()`, nil)
		p.click(`.node[data-id="ask"] .msgbox`)
		assert.Equal(t, []any{"named"}, p.waitOutputs("sink", 1), "msg click → [kv replies] → js node")
	})
}
