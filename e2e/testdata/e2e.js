// e2e.js — installed in every page the end-to-end tests open (before the page's own
// scripts), so that assertions can wait for things and read values that JSON cannot carry.
window.__e2e = {
  // describe turns a value into JSON that keeps what the tests check: undefined, Blobs
  // (type and size), binary (type and bytes), Map, Set, Date, and nested objects.
  describe(v) {
    const d = (x) => window.__e2e.describe(x);
    if (v === undefined) return { $undefined: true };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (typeof v === 'bigint') return { $bigint: String(v) };
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Blob) return { $blob: { type: v.type, size: v.size } };
    if (v instanceof ArrayBuffer) return { $binary: 'ArrayBuffer', bytes: [...new Uint8Array(v)] };
    if (ArrayBuffer.isView(v)) {
      return { $binary: v.constructor.name, bytes: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
    }
    if (v instanceof Date) return { $date: v.toISOString() };
    if (v instanceof Map) return { $map: [...v].map(([k, x]) => [d(k), d(x)]) };
    if (v instanceof Set) return { $set: [...v].map(d) };
    if (Array.isArray(v)) return v.map(d);
    const out = {};
    for (const k of Object.keys(v)) out[k] = d(v[k]);
    return out;
  },

  // until polls fn (sync or async) every 25 ms until it returns something truthy, and
  // returns that; it rejects after ms with the last value or error it saw. The bound
  // only catches what never happens: it is generous for a busy 2-core machine.
  async until(fn, ms = 45000) {
    const end = Date.now() + ms;
    let last;
    for (;;) {
      try {
        last = await fn();
        if (last) return last;
      } catch (err) {
        last = err;
      }
      if (Date.now() > end) {
        throw new Error(`timed out after ${ms} ms waiting for ${fn}; last: ${last instanceof Error ? last.stack : JSON.stringify(last)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  },

  // pixel reads the RGBA of one pixel of the canvas inside the node with this id.
  pixel(nodeId, x, y) {
    const c = document.querySelector(`.node[data-id="${CSS.escape(nodeId)}"] canvas`);
    if (!(c instanceof HTMLCanvasElement)) return null;
    return [...c.getContext('2d').getImageData(x, y, 1, 1).data];
  },

  // center returns the center of the first element matching sel, in viewport pixels:
  // of its box, or, when that point is not on the element (text wrapped over two
  // lines leaves the middle of its box to its parent), of the first of its line
  // boxes that is, so that a click there reaches the element.
  center(sel) {
    const el = document.querySelector(sel);
    if (!el) return null;
    el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    const r = el.getBoundingClientRect();
    const at = { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height, left: r.left, top: r.top };
    const hits = (x, y) => { const h = document.elementFromPoint(x, y); return h !== null && el.contains(h); };
    if (hits(at.x, at.y)) return at;
    for (const b of el.getClientRects()) {
      const x = b.left + b.width / 2, y = b.top + b.height / 2;
      if (hits(x, y)) return { ...at, x, y };
    }
    return at;
  },
};
