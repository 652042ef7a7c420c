//go:build !js

package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// red is the ink that the demo's "red" msg box stores in [kv settings].
const red = "#e4572e"

// TestDemoPatch opens the page as a new user does (no ?patch=) and uses the demo with
// the mouse: the Patchies kv counter, the js counter, the settings msg boxes and their
// subscribed readers, the p5 drawing; then it reloads and checks that everything
// continues from storage. It saves a screenshot to artifacts/demo.png, and to
// docs/screenshot.png when UPDATE_SCREENSHOT=1.
func TestDemoPatch(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/")
	// Start as a new user would: nothing stored for the demo patch (a browser shared
	// with an earlier run of this test may hold its data).
	p.eval(`(async () => {
		const root = window.patch.root;
		for (const s of await root.scopes()) {
			await (s.kind === 'host' ? root : s.kind === 'node' ? root.node(s.name) : root.store(s.name)).clear();
		}
		return true;
	})()`, nil)
	p.reload()
	var ids []string
	p.eval(`window.patch.toJSON().nodes.map((n) => n.id)`, &ids)
	require.Subset(t, ids, []string{"load", "get-count", "count-store", "plus", "set-count", "count-save",
		"bang", "counter", "red", "blue", "settings", "load-settings", "subscribe", "watch", "reader", "sketch", "worker"})

	// loadbang → msg get count → [kv counter] → js +1 → msg set count $1 → [kv counter].
	assert.Equal(t, []any{1.0}, p.waitOutputs("plus", 1), "the Patchies counter: first visit")
	assert.Equal(t, []any{map[string]any{"type": "set", "key": "count", "ok": true}}, p.waitOutputs("count-save", 1))
	assert.Equal(t, []any{1.0}, p.waitOutputs("counter", 1), "the js counter: first visit")
	assert.Equal(t, []any{"(no color yet)"}, p.waitOutputs("reader", 1))
	assert.Equal(t, []any{map[string]any{"type": "subscribe", "ok": true}}, p.waitOutputs("watch", 1), "subscribed at load")

	// msg → [kv settings]; the subscribed [kv settings] tells the reader and the sketch.
	p.click(`.node[data-id="red"] .msgbox`)
	assert.Equal(t, []any{map[string]any{"type": "set", "key": "color", "ok": true}}, p.waitOutputs("settings", 1))
	var stored string
	p.eval(`window.patch.root.store('settings').get('color')`, &stored)
	assert.Equal(t, red, stored)
	assert.Equal(t, []any{"(no color yet)", red}, p.waitOutputs("reader", 2), "the reader updates without a bang")
	assert.Equal(t, []any{map[string]any{"ink": red}}, p.waitOutputs("sketch", 1), "the sketch picks up the new ink")
	assert.Equal(t, []any{map[string]any{"changes": 1.0, "key": "color"}}, p.waitOutputs("worker", 1),
		"the worker node hears of the change in its Worker")

	// The button bangs the js counter.
	p.click(`.node[data-id="bang"] button.bang`)
	assert.Equal(t, []any{1.0, 2.0}, p.waitOutputs("counter", 2))

	// Draw a stroke on the sketch; on release it is saved as a PNG Blob.
	var c struct{ Left, Top float64 }
	p.eval(`__e2e.center('.node[data-id="sketch"] canvas')`, &c)
	p.drag(c.Left+30, c.Top+30, c.Left+200, c.Top+120, 12)
	var blob map[string]any
	p.eval(`__e2e.until(async () => {
		const v = await window.patch.root.node('sketch').get('drawing');
		return v instanceof Blob && __e2e.describe(v);
	})`, &blob)
	assert.Equal(t, "image/png", blob["$blob"].(map[string]any)["type"])
	assertInk(t, p, 115, 75)

	// The storage panel lists the scopes with previews, the drawing as a thumbnail.
	p.eval(`__e2e.until(() => document.querySelector(
		'#storage-list .scope[data-kind="node"][data-name="sketch"] .entry[data-key="drawing"] img.thumb'))
		.then(() => true)`, nil)
	var panel map[string]string
	p.eval(`__e2e.until(() => {
		const v = (kind, name, key) => document.querySelector(
			'#storage-list .scope[data-kind="' + kind + '"][data-name="' + name + '"] .entry[data-key="' + key + '"] .value')?.textContent;
		const count = v('node', 'counter', 'count');
		return count === '2' && { count, loads: v('store', 'counter', 'count'), color: v('store', 'settings', 'color'), layout: v('host', '', 'patch:layout') };
	})`, &panel)
	assert.Equal(t, "2", panel["count"])
	assert.Equal(t, "1", panel["loads"])
	assert.Equal(t, fmt.Sprintf("%q", red), panel["color"])
	assert.Contains(t, panel["layout"], "nodes", "the host scope holds the patch layout")

	// Click an empty spot of the canvas so that no node shows as selected.
	var canvas struct{ Left, Top float64 }
	p.eval(`__e2e.center('#canvas')`, &canvas)
	p.run(5*time.Second, chromedp.MouseClickXY(canvas.Left+1000, canvas.Top+60))
	root := repoRoot(t)
	p.screenshot(filepath.Join(root, "artifacts", "demo.png"))
	if os.Getenv("UPDATE_SCREENSHOT") == "1" {
		p.screenshot(filepath.Join(root, "docs", "screenshot.png"))
	}

	// After a reload everything continues from what was stored.
	p.reload()
	assert.Equal(t, []any{2.0}, p.waitOutputs("plus", 1), "the Patchies counter counts on")
	assert.Equal(t, []any{3.0}, p.waitOutputs("counter", 1), "the js counter counts on")
	assert.Equal(t, []any{red}, p.waitOutputs("reader", 1), "the reader finds the stored color")
	p.eval(`__e2e.until(() => {
		const px = __e2e.pixel('sketch', 115, 75);
		return px && px[0] > 180 && px[1] < 140;
	}).then(() => true)`, nil)
	assertInk(t, p, 115, 75)
}

// assertInk checks that pixel (x, y) of the demo sketch is close to the red ink.
func assertInk(tb testing.TB, p *Page, x, y int) {
	tb.Helper()
	var px []float64
	p.eval(fmt.Sprintf(`__e2e.pixel('sketch', %d, %d)`, x, y), &px)
	require.Len(tb, px, 4)
	want := []float64{0xe4, 0x57, 0x2e}
	dist := math.Abs(px[0]-want[0]) + math.Abs(px[1]-want[1]) + math.Abs(px[2]-want[2])
	assert.Lessf(tb, dist, 60.0, "pixel (%d,%d) is %v, want about %v (the stroke in the red ink)", x, y, px, want)
}
