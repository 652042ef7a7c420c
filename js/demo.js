// js/demo.js — the patch the page opens when no ?patch= is given.
//
// It shows what patchkv is for, written the way Patchies patches are:
// - the Patchies kv counter: [loadbang] → [msg get count] → [kv counter] → js +1 →
//   [msg set count $1] → [kv counter], counting page loads in the named store "counter";
// - beside it a js counter that keeps its count in its own node-scoped kv;
// - a named store "settings": msg boxes set its color through [kv settings], and a
//   second [kv settings], subscribed at load, tells its readers of every change, so
//   they update without a bang;
// - a p5.js 2.x sketch whose async setup paints its drawing back from kv (a PNG Blob)
//   before draw starts.
// - a worker node that subscribes to "settings" itself, from its Worker, and counts
//   the changes it hears of.

const plusOne = `setTitle('+1');
// [kv counter] answers {type: 'get',
// value, found}: count on from there.
recv((m) => {
  if (m.type !== 'get') return;
  send((m.found ? m.value : 0) + 1);
});`;

const counter = `// Counts loads and bangs in its own kv.
let count = (await kv.get('count')) ?? 0;
await kv.set('count', ++count);
send(count);
recv(async () => {
  await kv.set('count', ++count);
  send(count);
});`;

const reader = `// Shows the color in the named store
// "settings": now, then on each change
// of the subscribed [kv settings].
const settings = kv.store('settings');
const color = await settings.get('color');
send(color ?? '(no color yet)');
recv((m) => {
  if (m.type !== 'change') return;
  if (m.key !== 'color') return;
  send(m.found ? m.value : '(no color)');
});`;

const worker = `// In a Worker: counts the changes of
// the named store "settings".
let n = 0;
kv.store('settings').subscribe((c) => {
  send({ changes: ++n, key: c.key });
});`;

const sketch = `// Drag on the canvas to draw. The drawing
// is kept in this node's kv as a PNG Blob;
// the async setup paints it back before
// draw starts (p5.js 2.x awaits setup).
const settings = kv.store('settings');
let ink = '#333333';
let last = null, hint = false;

async function setup() {
  createCanvas(240, 170);
  background(255);
  ink = (await settings.get('color')) ?? ink;
  const saved = await kv.get('drawing');
  if (saved) {
    const url = URL.createObjectURL(saved);
    image(await loadImage(url), 0, 0);
    URL.revokeObjectURL(url);
  } else {
    hint = true;
    noStroke(); fill(160);
    textAlign(CENTER, CENTER);
    text('drag here', width / 2, height / 2);
  }
}

function mousePressed() {
  const inside = mouseX >= 0 && mouseY >= 0 &&
    mouseX < width && mouseY < height;
  if (!inside) return;
  if (hint) { background(255); hint = false; }
  last = [mouseX, mouseY];
}

function mouseDragged() {
  if (!last) return;
  stroke(ink); strokeWeight(5);
  line(last[0], last[1], mouseX, mouseY);
  last = [mouseX, mouseY];
}

function mouseReleased() {
  if (!last) return;
  last = null;
  const canvas = drawingContext.canvas;
  canvas.toBlob(async (blob) => {
    await kv.set('drawing', blob);
    send({ bytes: blob.size });
  }, 'image/png');
}

// [kv settings] sends a change message
// when the color changes, whoever did it.
recv((m) => {
  if (m.type !== 'change') return;
  if (m.key === 'color' && m.found) {
    ink = m.value;
    send({ ink });
  }
});`;

/**
 * demoPatch returns a fresh copy of the demo patch document.
 * @param {string} [id]
 * @returns {import('./runtime.js').PatchJSON}
 */
export function demoPatch(id = 'demo') {
  return {
    id,
    nodes: [
      // The Patchies kv counter, top to bottom.
      { id: 'load', type: 'loadbang', x: 20, y: 20 },
      { id: 'get-count', type: 'msg', x: 20, y: 100, args: 'get count' },
      { id: 'count-store', type: 'kv', x: 20, y: 176, args: 'counter' },
      { id: 'plus', type: 'js', x: 20, y: 272, code: plusOne },
      { id: 'set-count', type: 'msg', x: 20, y: 480, args: 'set count $1' },
      { id: 'count-save', type: 'kv', x: 20, y: 556, args: 'counter' },
      // The named store "settings": msg boxes write it through [kv settings]…
      { id: 'red', type: 'msg', x: 360, y: 20, args: 'set color "#e4572e"' },
      { id: 'blue', type: 'msg', x: 540, y: 20, args: 'set color "#2e86ab"' },
      { id: 'settings', type: 'kv', x: 360, y: 100, args: 'settings' },
      // …and a second [kv settings], subscribed at load, tells the reader and the
      // sketch of every change.
      { id: 'load-settings', type: 'loadbang', x: 730, y: 20 },
      { id: 'subscribe', type: 'msg', x: 730, y: 100, args: 'subscribe' },
      { id: 'watch', type: 'kv', x: 730, y: 176, args: 'settings' },
      { id: 'reader', type: 'js', x: 360, y: 300, code: reader },
      { id: 'sketch', type: 'p5', x: 730, y: 300, code: sketch },
      // A worker node sharing the store, with a subscription of its own.
      { id: 'worker', type: 'worker', x: 20, y: 665, code: worker },
      // A js counter in its own node-scoped kv, banged by a button.
      { id: 'bang', type: 'button', x: 360, y: 580 },
      { id: 'counter', type: 'js', x: 360, y: 655, code: counter },
    ],
    edges: [
      { from: 'load', outlet: 0, to: 'get-count', inlet: 0 },
      { from: 'get-count', outlet: 0, to: 'count-store', inlet: 0 },
      { from: 'count-store', outlet: 0, to: 'plus', inlet: 0 },
      { from: 'plus', outlet: 0, to: 'set-count', inlet: 0 },
      { from: 'set-count', outlet: 0, to: 'count-save', inlet: 0 },
      { from: 'bang', outlet: 0, to: 'counter', inlet: 0 },
      { from: 'red', outlet: 0, to: 'settings', inlet: 0 },
      { from: 'blue', outlet: 0, to: 'settings', inlet: 0 },
      { from: 'load-settings', outlet: 0, to: 'subscribe', inlet: 0 },
      { from: 'subscribe', outlet: 0, to: 'watch', inlet: 0 },
      { from: 'watch', outlet: 0, to: 'reader', inlet: 0 },
      { from: 'watch', outlet: 0, to: 'sketch', inlet: 0 },
    ],
  };
}
