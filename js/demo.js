// js/demo.js — the patch the page opens when no ?patch= is given.
//
// It shows what patchkv is for: a js counter that survives reloads (its node-scoped
// kv), a p5 sketch that keeps its drawing as a PNG Blob, and a named store "settings"
// written by a [kv settings] object and read by js code through kv.store("settings").

const counter = `// Counts page loads (and bangs) in this node's own kv:
// the count goes on where it left off after a reload.
let count = (await kv.get('count')) ?? 0;
await kv.set('count', ++count);
send(count);

onMessage(async () => {
  await kv.set('count', ++count);
  send(count);
});`;

const sketch = `// Drag on the canvas to draw. The drawing is kept in
// this node's kv as a PNG Blob and painted back on load.
const saved = await kv.get('drawing');
const settings = kv.store('settings');
let ink = (await settings.get('color')) ?? '#333333';
let last = null;
let hint = !saved;

function setup() {
  createCanvas(240, 170);
  background(255);
  if (saved) {
    const url = URL.createObjectURL(saved);
    loadImage(url, (img) => {
      image(img, 0, 0);
      URL.revokeObjectURL(url);
    });
  } else {
    noStroke(); fill(160); textAlign(CENTER, CENTER);
    text('drag here to draw', width / 2, height / 2);
  }
}

function mousePressed() {
  if (mouseX < 0 || mouseY < 0 || mouseX >= width || mouseY >= height) return;
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
  drawingContext.canvas.toBlob(async (blob) => {
    await kv.set('drawing', blob);
    send({ saved: blob.type, bytes: blob.size });
  }, 'image/png');
}

// [kv settings] replies arrive here: take the new ink.
onMessage(async () => {
  ink = (await settings.get('color')) ?? ink;
  send({ ink });
});`;

const reader = `// Reads the named store that [kv settings] writes:
// one store "settings", whoever opens it.
const settings = kv.store('settings');
async function show() {
  send((await settings.get('color')) ?? '(no color yet)');
}
await show();
onMessage(show);`;

/**
 * demoPatch returns a fresh copy of the demo patch document.
 * @param {string} [id]
 * @returns {import('./runtime.js').PatchJSON}
 */
export function demoPatch(id = 'demo') {
  return {
    id,
    nodes: [
      { id: 'bang', type: 'button', x: 30, y: 24 },
      { id: 'counter', type: 'js', x: 30, y: 96, code: counter },
      { id: 'red', type: 'msg', x: 30, y: 420, args: '{"type":"set","key":"color","value":"#e4572e"}' },
      { id: 'blue', type: 'msg', x: 30, y: 494, args: '{"type":"set","key":"color","value":"#2e86ab"}' },
      { id: 'ask', type: 'button', x: 30, y: 568 },
      { id: 'get-color', type: 'msg', x: 30, y: 652, args: '{"type":"get","key":"color"}' },
      { id: 'settings', type: 'kv', x: 420, y: 520, args: 'settings' },
      { id: 'reader', type: 'js', x: 420, y: 620, code: reader },
      { id: 'sketch', type: 'p5', x: 650, y: 24, code: sketch },
    ],
    edges: [
      { from: 'bang', outlet: 0, to: 'counter', inlet: 0 },
      { from: 'red', outlet: 0, to: 'settings', inlet: 0 },
      { from: 'blue', outlet: 0, to: 'settings', inlet: 0 },
      { from: 'ask', outlet: 0, to: 'get-color', inlet: 0 },
      { from: 'get-color', outlet: 0, to: 'settings', inlet: 0 },
      { from: 'settings', outlet: 0, to: 'reader', inlet: 0 },
      { from: 'settings', outlet: 0, to: 'sketch', inlet: 0 },
    ],
  };
}
