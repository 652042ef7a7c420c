//go:build !js

package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const counterCode = `let count = (await kv.get('count')) ?? 0;
count += 1;
await kv.set('count', count);
send(count);
onMessage(async () => { count += 1; await kv.set('count', count); send(count); });`

// A sketch that paints green and keeps its canvas as a PNG Blob on its first run, and
// paints the stored Blob back on later runs.
const keepSketchCode = `const saved = await kv.get('img');
function setup() {
  createCanvas(40, 40);
  if (saved) {
    const url = URL.createObjectURL(saved);
    loadImage(url, (img) => { image(img, 0, 0); send('restored'); });
    return;
  }
  background(0, 200, 0);
  drawingContext.canvas.toBlob(async (blob) => { await kv.set('img', blob); send('saved'); });
}`

func statefulPatch() map[string]any {
	return map[string]any{"nodes": []map[string]any{
		{"id": "counter", "type": "js", "x": 20, "y": 20, "code": counterCode},
		{"id": "keep", "type": "p5", "x": 480, "y": 20, "code": keepSketchCode},
		{"id": "named", "type": "kv", "x": 20, "y": 260, "args": "notes"},
		{"id": "note", "type": "msg", "x": 20, "y": 340, "args": `{"type":"set","key":"n","value":"kept"}`},
	}, "edges": []map[string]any{{"from": "note", "outlet": 0, "to": "named", "inlet": 0}}}
}

// layout returns the page's patch document.
func (p *Page) layout() map[string]any {
	p.tb.Helper()
	var doc map[string]any
	p.eval(`window.patch.toJSON()`, &doc)
	return doc
}

func TestReloadContinuesFromStoredState(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id)
	p.load(statefulPatch())
	assert.Equal(t, []any{1.0}, p.waitOutputs("counter", 1))
	assert.Equal(t, []any{"saved"}, p.waitOutputs("keep", 1))
	p.click(`.node[data-id="note"] .msgbox`)
	p.waitOutputs("named", 1)

	// Move the counter with the mouse: the new place is part of the saved layout.
	x, y := p.center(`.node[data-id="counter"] .head .type`)
	p.drag(x, y, x+60, y+40, 6)
	p.saved()
	before := p.layout()
	counter := nodeByID(t, before, "counter")
	assert.Equal(t, 80.0, counter["x"], "dragging moved the node")
	assert.Equal(t, 60.0, counter["y"])

	p.reload()
	assert.Equal(t, before, p.layout(), "the reloaded page shows the same patch")
	assert.Equal(t, []any{2.0}, p.waitOutputs("counter", 1), "the counter goes on from its stored count")
	assert.Equal(t, []any{"restored"}, p.waitOutputs("keep", 1), "the sketch finds its Blob")
	var px []any
	p.eval(`__e2e.pixel('keep', 20, 20)`, &px)
	assert.Equal(t, []any{0.0, 200.0, 0.0, 255.0}, px, "the stored drawing is painted back")
	got := p.request("named", `{type: 'get', key: 'n'}`)
	assert.Equal(t, "kept", got["value"])

	// A bang after the reload counts on from there too.
	p.send("counter", `({type: 'bang'})`)
	assert.Equal(t, []any{2.0, 3.0}, p.waitOutputs("counter", 2))
}

func TestBrowserRestartContinuesFromStoredState(t *testing.T) {
	id := patchID(t)
	profile := t.TempDir()

	ctx, stop := startBrowser(t, profile)
	p := openPage(t, ctx, "/?patch="+id)
	p.load(statefulPatch())
	assert.Equal(t, []any{1.0}, p.waitOutputs("counter", 1))
	assert.Equal(t, []any{"saved"}, p.waitOutputs("keep", 1))
	p.send("counter", `({type: 'bang'})`)
	assert.Equal(t, []any{1.0, 2.0}, p.waitOutputs("counter", 2))
	p.saved()
	before := p.layout()
	stop()

	ctx, _ = startBrowser(t, profile)
	p = openPage(t, ctx, "/?patch="+id)
	assert.Equal(t, before, p.layout(), "the patch comes back after a browser restart")
	assert.Equal(t, []any{3.0}, p.waitOutputs("counter", 1), "the counter goes on after a browser restart")
	assert.Equal(t, []any{"restored"}, p.waitOutputs("keep", 1))
	var px []any
	p.eval(`__e2e.pixel('keep', 20, 20)`, &px)
	assert.Equal(t, []any{0.0, 200.0, 0.0, 255.0}, px)
}

// nodeByID returns the node with this id from a patch document.
func nodeByID(tb testing.TB, doc map[string]any, id string) map[string]any {
	tb.Helper()
	nodes, ok := doc["nodes"].([]any)
	require.True(tb, ok, "document without nodes: %#v", doc)
	for _, n := range nodes {
		if m, ok := n.(map[string]any); ok && m["id"] == id {
			return m
		}
	}
	require.Fail(tb, fmt.Sprintf("no node %q in %#v", id, doc))
	return nil
}
