//go:build !js

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// text returns the text of the first element matching sel ("" when there is none).
func (p *Page) text(sel string) string {
	p.tb.Helper()
	var s string
	p.eval(fmt.Sprintf(`document.querySelector(%s)?.textContent ?? ''`, js(sel)), &s)
	return s
}

func TestSavedInfiniteLoopsDoNotBrickThePatch(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id)
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "js-1", "type": "js", "x": 20, "y": 20, "code": "let n = 0;\nwhile (true) {\n  n++;\n}"},
		{"id": "p5-1", "type": "p5", "x": 420, "y": 20, "code": "function setup() { createCanvas(40, 30); }\nfunction draw() {\n  for (;;) { background(0); }\n}"},
		{"id": "js-2", "type": "js", "x": 20, "y": 300, "code": "send('ok');\nonMessage((m) => send(m));"},
	}, "edges": []any{}})
	p.saved()

	p.reload()
	s := p.waitStatus("js-1", `s.state === 'error'`)
	assert.Contains(t, s["error"], "line 2", "the error names the loop's line")
	s = p.waitStatus("p5-1", `s.state === 'error'`)
	assert.Contains(t, s["error"], "line 3")
	assert.Equal(t, []any{"ok"}, p.waitOutputs("js-2", 1), "other nodes run")
	assert.Less(t, p.responsive("js-2"), 500.0, "the page stays responsive")
	assert.Contains(t, p.text(`.node[data-id="js-1"] .status`), "line 2", "the node shows it")

	// ?safe=1 opens the same patch without running any node code.
	q := openPage(t, sharedBrowser(t), "/?safe=1&patch="+id)
	assert.Empty(t, q.outputs("js-2"), "no node code ran")
	assert.NotEqual(t, "error", q.status("js-1")["state"])
	assert.Contains(t, q.text(`#banner`), "Safe mode")
	// ▶ still runs a node by hand.
	q.click(`.node[data-id="js-2"] .head .run`)
	assert.Equal(t, []any{"ok"}, q.waitOutputs("js-2", 1))
}

func TestRemovedNodeIDIsNeverReused(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.click(`[data-add="js"]`)
	first := p.waitNodes(1)[0]
	p.eval(fmt.Sprintf(`window.patch.update(%s, {code: "await kv.set('secret', 42); send('stored');"}).then(() => true)`, js(first)), nil)
	p.waitOutputs(first, 1)
	p.click(fmt.Sprintf(`.node[data-id=%q] .head .del`, first))
	p.waitNodes(0)
	p.saved()
	p.reload()

	p.click(`[data-add="js"]`)
	second := p.waitNodes(1)[0]
	assert.NotEqual(t, first, second, "a new node never gets a removed node's id")
	var keys []string
	p.eval(fmt.Sprintf(`window.patch.root.node(%s).keys()`, js(second)), &keys)
	assert.Empty(t, keys, "the new node sees no data")
	var kept any
	p.eval(fmt.Sprintf(`window.patch.root.node(%s).get('secret')`, js(first)), &kept)
	assert.Equal(t, 42.0, kept, "the removed node's data stays until the user removes it")
}

func TestUnawaitedFailingSetShowsOnItsNode(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "js-1", "type": "js", "x": 20, "y": 20, "code": "kv.set('f', () => 1);\nsend('went on');"},
		{"id": "js-2", "type": "js", "x": 420, "y": 20, "code": "send('fine');"},
	}, "edges": []any{}})
	s := p.waitStatus("js-1", `s.state === 'error'`)
	assert.Contains(t, s["error"], "DataCloneError")
	assert.Contains(t, p.text(`.node[data-id="js-1"] .status`), "DataCloneError")
	assert.NotEqual(t, "error", p.status("js-2")["state"], "only the node that made the call shows it")
	assert.True(t, p.text(`#banner`) == "" || !strings.Contains(p.text(`#banner`), "DataCloneError"), "not a page-wide banner")
}

func TestMsgDoubleClickEditsAndSendsNothing(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "msg-1", "type": "msg", "x": 20, "y": 20, "args": "{type: 'clear'}"},
		{"id": "kv-1", "type": "kv", "x": 20, "y": 200, "args": "box"},
	}, "edges": []map[string]any{{"from": "msg-1", "outlet": 0, "to": "kv-1", "inlet": 0}}})
	p.eval(`window.patch.root.store('box').set('keep', 1).then(() => true)`, nil)

	x, y := p.center(`.node[data-id="msg-1"] .msgbox`)
	p.run(5*time.Second, chromedp.MouseClickXY(x, y, chromedp.ClickCount(2)))
	var editing bool
	p.eval(`document.activeElement?.classList.contains('msgbox') && document.activeElement.isContentEditable`, &editing)
	assert.True(t, editing, "a double-click edits the message")
	time.Sleep(800 * time.Millisecond) // longer than any click delay
	assert.Empty(t, p.outputs("msg-1"), "a double-click sends nothing")
	assert.Empty(t, p.outputs("kv-1"))
	var kept any
	p.eval(`window.patch.root.store('box').get('keep')`, &kept)
	assert.Equal(t, 1.0, kept, "the store was not cleared")

	// Escape the editor; one click sends once.
	p.run(5*time.Second, chromedp.KeyEvent(kb.Escape))
	p.click(`[data-id="kv-1"] .head .type`)
	p.click(`.node[data-id="msg-1"] .msgbox`)
	assert.Len(t, p.waitOutputs("kv-1", 1), 1)
	time.Sleep(500 * time.Millisecond)
	assert.Len(t, p.outputs("msg-1"), 1, "one click sends once")
}

func TestKeysReachOnlyTheFocusedSketch(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "p5-1", "type": "p5", "x": 20, "y": 20, "code": "function setup() { createCanvas(120, 80); }\nfunction keyPressed() { send('key ' + key); }\nfunction mousePressed() { send('press'); }"},
		{"id": "js-1", "type": "js", "x": 420, "y": 20, "code": "// type here"},
	}, "edges": []any{}})
	p.waitStatus("p5-1", `s.state === 'running'`)

	// Typing in another node's editor reaches no sketch, nor does clicking it.
	p.click(`.node[data-id="js-1"] textarea.code`)
	p.run(5*time.Second, chromedp.KeyEvent("abc"), chromedp.KeyEvent(kb.Backspace))
	time.Sleep(200 * time.Millisecond)
	assert.Empty(t, p.outputs("p5-1"), "keys typed in an editor never reach a sketch")

	// Clicked into, the sketch gets its keys; Backspace there deletes no node.
	p.click(`.node[data-id="p5-1"] canvas`)
	p.run(5*time.Second, chromedp.KeyEvent("q"), chromedp.KeyEvent(kb.Backspace), chromedp.KeyEvent(kb.Delete))
	out := p.waitOutputs("p5-1", 3)
	assert.Equal(t, "press", out[0])
	assert.Equal(t, "key q", out[1])
	assert.Equal(t, []string{"p5-1", "js-1"}, p.nodeIDs(), "Backspace and Delete in a focused sketch delete no node")
}

func TestUndoRedoRemovedNodeWithWiresAndCode(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	code := "onMessage((m) => send(m));"
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "button-1", "type": "button", "x": 20, "y": 20},
		{"id": "js-1", "type": "js", "x": 20, "y": 160, "code": code},
		{"id": "js-2", "type": "js", "x": 20, "y": 360, "code": code},
	}, "edges": []map[string]any{
		{"from": "button-1", "outlet": 0, "to": "js-1", "inlet": 0},
		{"from": "js-1", "outlet": 0, "to": "js-2", "inlet": 0},
	}})
	before := p.layout()

	// Select js-1 by its header and delete it with the key.
	p.click(`.node[data-id="js-1"] .head .type`)
	p.run(5*time.Second, chromedp.KeyEvent(kb.Delete))
	p.waitNodes(2)
	assert.Equal(t, 0, p.edgeCount())

	undo := chromedp.KeyEvent("z", chromedp.KeyModifiers(input.ModifierCtrl))
	p.click(`#canvas-wrap`)
	p.run(5*time.Second, undo)
	p.waitNodes(3)
	after := p.layout()
	assert.ElementsMatch(t, before["nodes"], after["nodes"], "undo brings the node back, code and place included")
	assert.ElementsMatch(t, before["edges"], after["edges"], "and its wires")
	p.click(`.node[data-id="button-1"] button.bang`)
	assert.Equal(t, []any{map[string]any{"type": "bang"}}, p.waitOutputs("js-2", 1), "and it runs again")

	// Redo removes it again.
	p.click(`#canvas-wrap`)
	p.run(5*time.Second, chromedp.KeyEvent("z", chromedp.KeyModifiers(input.ModifierCtrl|input.ModifierShift)))
	p.waitNodes(2)
	require.NotContains(t, p.nodeIDs(), "js-1")
}

func TestDraftCodeSurvivesAReload(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "js-1", "type": "js", "x": 20, "y": 20, "code": "send('saved');"},
	}, "edges": []any{}})
	p.saved()
	p.click(`.node[data-id="js-1"] textarea.code`)
	p.run(5*time.Second,
		chromedp.KeyEvent("a", chromedp.KeyModifiers(input.ModifierCtrl)),
		chromedp.KeyEvent("send('draft');"))
	p.click(`#canvas-wrap`) // leave the editor without running
	p.eval(`window.patchDraftsSaved?.().then(() => true) ?? true`, nil)
	p.reload()
	var ta string
	p.eval(`document.querySelector('.node[data-id="js-1"] textarea.code').value`, &ta)
	assert.Equal(t, "send('draft');", ta, "the typed code is back")
	assert.Equal(t, "send('saved');", nodeByID(t, p.layout(), "js-1")["code"], "but it did not run nor replace the code")
	assert.Equal(t, []any{"saved"}, p.waitOutputs("js-1", 1))
	var marked bool
	p.eval(`document.querySelector('.node[data-id="js-1"]').classList.contains('draft')`, &marked)
	assert.True(t, marked, "the node shows it holds a draft")
}

func TestUndoMoveAndCodeEdit(t *testing.T) {
	p := openPage(t, sharedBrowser(t), "/?patch="+patchID(t))
	p.load(map[string]any{"nodes": []map[string]any{
		{"id": "js-1", "type": "js", "x": 40, "y": 40, "code": "send('one');"},
	}, "edges": []any{}})
	p.waitOutputs("js-1", 1)

	// Move the node by dragging its header.
	x, y := p.center(`.node[data-id="js-1"] .head .nid`)
	p.drag(x, y, x+200, y+120, 6)
	moved := nodeByID(t, p.layout(), "js-1")
	require.InDelta(t, 240, moved["x"], 2)

	// Edit its code and run it with Shift+Enter.
	p.click(`.node[data-id="js-1"] textarea.code`)
	p.run(5*time.Second,
		chromedp.KeyEvent("a", chromedp.KeyModifiers(input.ModifierCtrl)),
		chromedp.KeyEvent("send('two');"),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(input.ModifierShift)))
	p.waitOutputs("js-1", 2)

	undo := chromedp.KeyEvent("z", chromedp.KeyModifiers(input.ModifierCtrl))
	p.click(`#canvas-wrap`)
	p.run(5*time.Second, undo)
	p.eval(`__e2e.until(() => window.patch.toJSON().nodes[0].code === "send('one');")`, nil)
	assert.Equal(t, "one", p.waitOutputs("js-1", 3)[2], "undoing a code edit runs the code before it")
	p.run(5*time.Second, undo)
	p.eval(`__e2e.until(() => window.patch.toJSON().nodes[0].x === 40)`, nil)
	assert.Equal(t, 40.0, nodeByID(t, p.layout(), "js-1")["y"], "undo puts the node back where it was")
	p.run(5*time.Second, chromedp.KeyEvent("z", chromedp.KeyModifiers(input.ModifierCtrl|input.ModifierShift)))
	p.eval(`__e2e.until(() => window.patch.toJSON().nodes[0].x === 240 || window.patch.toJSON().nodes[0].x === 241 || window.patch.toJSON().nodes[0].x === 239)`, nil)
}

func TestAPatchThatNeverFinishedLoadingOffersSafeMode(t *testing.T) {
	id := patchID(t)
	p := openPage(t, sharedBrowser(t), "/?patch="+id)
	assert.NotContains(t, p.text(`#banner`), "safe mode", "a patch that loaded says nothing")
	// As a tab frozen by node code leaves it: the load began and never finished.
	p.eval(fmt.Sprintf(`localStorage.setItem('patchkv:loading:' + %s, '1'), true`, js(id)), nil)
	p.reload()
	assert.Contains(t, p.text(`#banner`), "safe mode")
	var href string
	p.eval(`document.querySelector('#banner a')?.href ?? ''`, &href)
	assert.Contains(t, href, "safe=1")
	assert.Contains(t, href, "patch="+id)
	p.reload()
	assert.NotContains(t, p.text(`#banner`), "safe mode", "once a load finishes the hint goes")
}
