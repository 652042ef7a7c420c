//go:build !js

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeIDs returns the ids of the page's nodes, in document order.
func (p *Page) nodeIDs() []string {
	p.tb.Helper()
	var ids []string
	p.eval(`window.patch.toJSON().nodes.map((n) => n.id)`, &ids)
	return ids
}

// waitNodes waits until the patch has n nodes and returns their ids.
func (p *Page) waitNodes(n int) []string {
	p.tb.Helper()
	var ids []string
	p.eval(fmt.Sprintf(`__e2e.until(() => {
		const ids = window.patch.toJSON().nodes.map((n) => n.id);
		return ids.length === %d && ids;
	})`, n), &ids)
	return ids
}

// edgeCount returns how many wires the patch has.
func (p *Page) edgeCount() int {
	p.tb.Helper()
	var n int
	p.eval(`window.patch.toJSON().edges.length`, &n)
	return n
}

// TestEditPatchWithTheMouse builds and edits a patch through the UI only: toolbar
// buttons, dragging wires, editing code in place, deleting wires and nodes. Then it
// checks that the edited patch is what comes back after a reload.
func TestEditPatchWithTheMouse(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	require.Empty(t, p.nodeIDs(), "a new patch id starts empty")

	// A button from the toolbar; then a [kv] where the canvas was double-clicked.
	p.click(`[data-add="button"]`)
	button := p.waitNodes(1)[0]
	var canvas struct{ Left, Top float64 }
	p.eval(`(() => { const r = document.querySelector('#canvas').getBoundingClientRect(); return {left: r.left, top: r.top}; })()`, &canvas)
	x, y := canvas.Left+420, canvas.Top+320
	p.run(5*time.Second, chromedp.MouseClickXY(x, y), chromedp.MouseClickXY(x, y, chromedp.ClickCount(2)))
	p.click(`[data-add="kv"]`)
	ids := p.waitNodes(2)
	kvID := ids[1]
	kvNode := nodeByID(t, p.layout(), kvID)
	assert.Equal(t, "kv", kvNode["type"])
	assert.InDelta(t, 420, kvNode["x"], 1, "placed where the canvas was double-clicked")
	assert.InDelta(t, 320, kvNode["y"], 1)

	// Drag a wire from the button's outlet to the [kv]'s inlet.
	x0, y0 := p.center(fmt.Sprintf(`.node[data-id=%q] .port.outlet`, button))
	x1, y1 := p.center(fmt.Sprintf(`.node[data-id=%q] .port.inlet`, kvID))
	p.drag(x0, y0, x1, y1, 8)
	doc := p.layout()
	assert.Equal(t, []any{map[string]any{"from": button, "outlet": 0.0, "to": kvID, "inlet": 0.0}}, doc["edges"])

	// Clicking the button sends a bang along the new wire; [kv] answers it with an error
	// reply, since a bang is not a request.
	p.click(fmt.Sprintf(`.node[data-id=%q] button.bang`, button))
	reply := p.waitOutputs(kvID, 1)[0].(map[string]any)
	assert.Equal(t, "error", reply["type"])

	// A js node, its code typed in place and run with Shift+Enter.
	p.click(`[data-add="js"]`)
	jsID := p.waitNodes(3)[2]
	code := fmt.Sprintf(`.node[data-id=%q] textarea.code`, jsID)
	p.click(code)
	p.run(10*time.Second,
		chromedp.KeyEvent("a", chromedp.KeyModifiers(input.ModifierCtrl)),
		chromedp.KeyEvent("await kv.set('typed', 2);\rsend('edited ' + (await kv.get('typed')));"),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(input.ModifierShift)),
	)
	assert.Equal(t, []any{"edited 2"}, p.waitOutputs(jsID, 1))
	assert.Equal(t, "await kv.set('typed', 2);\nsend('edited ' + (await kv.get('typed')));",
		nodeByID(t, p.layout(), jsID)["code"], "the patch keeps the edited code")

	// Select the wire with a click and delete it with the Delete key.
	var mid struct{ X, Y float64 }
	p.eval(`(() => {
		const line = document.querySelector('svg.wires .wire .line');
		const pt = line.getPointAtLength(line.getTotalLength() / 2);
		const r = document.querySelector('#canvas').getBoundingClientRect();
		return {x: r.left + pt.x, y: r.top + pt.y};
	})()`, &mid)
	p.run(5*time.Second, chromedp.MouseClickXY(mid.X, mid.Y), chromedp.KeyEvent(kb.Delete))
	assert.Equal(t, 0, p.edgeCount(), "the selected wire is gone")

	// Remove the js node with its × and the button by selecting it and pressing Delete.
	p.click(fmt.Sprintf(`.node[data-id=%q] .head .del`, jsID))
	p.click(fmt.Sprintf(`.node[data-id=%q] .head .type`, button))
	p.run(5*time.Second, chromedp.KeyEvent(kb.Delete))
	assert.Equal(t, []string{kvID}, p.waitNodes(1))
	var views int
	p.eval(`document.querySelectorAll('#canvas .node').length`, &views)
	assert.Equal(t, 1, views, "removed nodes leave the canvas")

	p.saved()
	before := p.layout()
	p.reload()
	assert.Equal(t, before, p.layout(), "the edited patch comes back after a reload")
}
