// js/editor.js — the patch editor's UI: nodes on a canvas, wires as SVG lines, code
// edited in place. It draws what a Patch (js/runtime.js) holds and changes it only
// through the Patch's methods, so the UI and window.patch always agree. How a node's
// body looks comes from its kind's `face` (js/nodes/*.js), so a new kind with an
// existing face needs nothing here.

import { History } from './history.js';
import { kindOf } from './runtime.js';
import { preview, binaryLabel } from './preview.js';
import { DRAFTS_KEY } from './early.js';

/**
 * @typedef {import('./runtime.js').Patch} Patch
 * @typedef {import('./runtime.js').NodeSpec} NodeSpec
 * @typedef {import('./runtime.js').NodeStatus} NodeStatus
 */

// DRAFTS_KEY is where, in the patch's host scope, typed-but-unrun code is kept; it
// lives in js/early.js, which reads it before the page's other modules load.
export { DRAFTS_KEY };

/** DRAFT_SAVE_MS coalesces the draft writes of a burst of typing. */
const DRAFT_SAVE_MS = 300;

/** DOUBLE_CLICK_MS is how long a msg box waits for a second click before it sends. */
const DOUBLE_CLICK_MS = 350;

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Editor renders a Patch into a canvas element and lets the user edit it.
 */
export class Editor {
  /**
   * @param {Patch} patch
   * @param {HTMLElement} canvas  the positioned element nodes go in
   */
  constructor(patch, canvas) {
    this.patch = patch;
    this.canvas = canvas;
    /** @type {Map<string, NodeView>} */
    this.views = new Map();
    this.selected = /** @type {{kind:'node', id:string} | {kind:'edge', edge:any} | null} */ (null);
    this.wires = document.createElementNS(SVG, 'svg');
    this.wires.classList.add('wires');
    canvas.appendChild(this.wires);
    this.pending = null; // wire being dragged
    this.addAt = null; // where the next toolbar node goes (last double-click on the canvas)
    this.resize = new ResizeObserver(() => this.redrawWires());
    /** undo and redo of the document (js/history.js) */
    this.history = new History(patch);
    /**
     * Code typed but not run yet, by node id: kept in the patch's host scope (DRAFTS_KEY)
     * so that it survives a reload, shown as a draft until it runs. Set by the page
     * before the patch loads.
     * @type {Map<string, string>}
     */
    this.drafts = new Map();
    /** @type {Promise<unknown>} */
    this.draftsSaved = Promise.resolve();
    this.draftTimer = 0;

    /** @type {(type: string, fn: (detail: any) => void) => void} the Patch emits CustomEvents */
    const on = (type, fn) => patch.addEventListener(type, (e) => fn(/** @type {CustomEvent} */ (e).detail));
    on('nodeadded', (d) => this.addView(d.node));
    on('noderemoved', (d) => {
      this.removeView(d.id);
      if (this.drafts.delete(d.id)) this.saveDrafts();
    });
    on('change', () => this.sync());
    on('status', (d) => this.views.get(d.id)?.showStatus(d.status));
    on('output', (d) => this.views.get(d.id)?.showOutput(d.msg));
    on('ports', (d) => this.views.get(d.id)?.buildPorts());
    on('title', (d) => this.views.get(d.id)?.showTitle(d.title));

    canvas.addEventListener('pointerdown', (e) => {
      if (e.target === canvas || e.target === this.wires) this.select(null);
    });
    canvas.addEventListener('dblclick', (e) => {
      if (e.target !== canvas && e.target !== this.wires) return;
      this.addAt = this.toCanvas(e.clientX, e.clientY);
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** p5Parent is the Patch option that puts a p5 node's canvas inside its view. */
  p5Parent(id) {
    const v = this.views.get(id);
    if (!v || !v.p5slot) throw new Error(`editor: node "${id}" has no view for a p5 canvas`);
    return v.p5slot;
  }

  /**
   * add adds a node of the given type from the toolbar, at the last double-clicked spot
   * or below the others, and returns its id.
   * @param {string} type
   */
  async add(type) {
    const at = this.addAt ?? this.freeSpot();
    this.addAt = null;
    const id = await this.patch.addNode({ type, x: at.x, y: at.y, ...structuredClone(kindOf(type).template) });
    this.select({ kind: 'node', id });
    return id;
  }

  freeSpot() {
    const wrap = this.canvas.parentElement;
    const x = (wrap?.scrollLeft ?? 0) + 40 + ((this.views.size * 24) % 200);
    const y = (wrap?.scrollTop ?? 0) + 40 + ((this.views.size * 24) % 200);
    return { x, y };
  }

  toCanvas(clientX, clientY) {
    const r = this.canvas.getBoundingClientRect();
    return { x: clientX - r.left, y: clientY - r.top };
  }

  addView(spec) {
    const view = new NodeView(this, spec);
    this.views.set(spec.id, view);
    this.canvas.appendChild(view.el);
    this.resize.observe(view.el);
    this.redrawWires();
  }

  removeView(id) {
    const v = this.views.get(id);
    if (!v) return;
    this.resize.unobserve(v.el);
    v.el.remove();
    this.views.delete(id);
    if (this.selected?.kind === 'node' && this.selected.id === id) this.selected = null;
    this.redrawWires();
  }

  /** sync brings every view in line with the document (positions, args, ports) and redraws wires. */
  sync() {
    const doc = this.patch.toJSON();
    for (const spec of doc.nodes) this.views.get(spec.id)?.update(spec);
    for (const v of this.views.values()) v.buildPorts();
    // The canvas grows in the next frame, with the wires: reading the views'
    // sizes now would force a layout in the middle of a load.
    this.canvasQueued = true;
    this.redrawWires();
  }

  growCanvas() {
    let w = 0;
    let h = 0;
    for (const v of this.views.values()) {
      w = Math.max(w, v.el.offsetLeft + v.el.offsetWidth);
      h = Math.max(h, v.el.offsetTop + v.el.offsetHeight);
    }
    this.canvas.style.minWidth = `max(100%, ${w + 200}px)`;
    this.canvas.style.minHeight = `max(100%, ${h + 200}px)`;
  }

  /** portCenter returns the center of a port in canvas coordinates. */
  portCenter(id, kind, index) {
    const el = this.views.get(id)?.port(kind, index);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    const c = this.canvas.getBoundingClientRect();
    return { x: r.left + r.width / 2 - c.left, y: r.top + r.height / 2 - c.top };
  }

  redrawWires() {
    if (this.wiresQueued) return;
    this.wiresQueued = true;
    requestAnimationFrame(() => {
      this.wiresQueued = false;
      if (this.canvasQueued) {
        this.canvasQueued = false;
        this.growCanvas();
      }
      this.drawWires();
    });
  }

  /** drawWires reads every port's place first, then draws: one layout, not one per wire. */
  drawWires() {
    const svg = this.wires;
    const width = String(this.canvas.scrollWidth);
    const height = String(this.canvas.scrollHeight);
    const ends = this.patch.edges.map((edge) => ({ edge, a: this.portCenter(edge.from, 'outlet', edge.outlet), b: this.portCenter(edge.to, 'inlet', edge.inlet) }));
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.replaceChildren();
    for (const { edge, a, b } of ends) {
      if (!a || !b) continue;
      const g = document.createElementNS(SVG, 'g');
      g.classList.add('wire');
      g.dataset.from = edge.from;
      g.dataset.to = edge.to;
      g.dataset.outlet = String(edge.outlet);
      g.dataset.inlet = String(edge.inlet);
      const sel = this.selected?.kind === 'edge' && sameEdge(this.selected.edge, edge);
      if (sel) g.classList.add('selected');
      const d = curve(a, b);
      const hit = document.createElementNS(SVG, 'path');
      hit.setAttribute('d', d);
      hit.classList.add('hit');
      const line = document.createElementNS(SVG, 'path');
      line.setAttribute('d', d);
      line.classList.add('line');
      g.append(hit, line);
      g.addEventListener('pointerdown', (e) => {
        e.stopPropagation();
        this.select({ kind: 'edge', edge });
      });
      g.addEventListener('dblclick', (e) => {
        e.stopPropagation();
        this.patch.disconnect(edge);
      });
      svg.appendChild(g);
    }
    if (this.pending) {
      const p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', curve(this.pending.from, this.pending.to));
      p.classList.add('pending');
      svg.appendChild(p);
    }
  }

  /** select marks a node or a wire as selected (Delete removes it), or clears it. */
  select(sel) {
    this.selected = sel;
    for (const v of this.views.values()) v.el.classList.toggle('selected', sel?.kind === 'node' && sel.id === v.id);
    this.drawWires();
  }

  /**
   * onKey handles the page's own keys: Ctrl/Cmd+Z undo, Shift+Ctrl/Cmd+Z (or Ctrl+Y)
   * redo, Delete/Backspace remove the selected node or wire. Keys typed into an editor,
   * a field, a message box being edited or a sketch (which has focus once clicked into)
   * belong to them, never to the page.
   * @param {KeyboardEvent} e
   */
  onKey(e) {
    const t = /** @type {HTMLElement} */ (e.target);
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    if (t?.closest?.('.p5-slot')) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && (key === 'z' || key === 'y')) {
      e.preventDefault();
      (key === 'y' || e.shiftKey ? this.history.redo() : this.history.undo()).catch(warn);
      return;
    }
    if (e.key !== 'Delete' && e.key !== 'Backspace') return;
    // Only with the node itself selected: focus on the page, not inside a node's body.
    if (t && t !== document.body && t !== document.documentElement && !t.classList.contains('node') &&
      t !== this.canvas && t !== this.canvas.parentElement) return;
    const sel = this.selected;
    if (!sel) return;
    e.preventDefault();
    if (sel.kind === 'node') this.patch.removeNode(sel.id);
    else this.patch.disconnect(sel.edge);
    this.select(null);
  }

  /**
   * setDraft keeps (or, for code equal to what runs, drops) node id's typed-but-unrun code.
   * @param {string} id
   * @param {string|undefined} code
   */
  setDraft(id, code) {
    const had = this.drafts.get(id);
    if (code === undefined) this.drafts.delete(id);
    else this.drafts.set(id, code);
    if (had !== code) this.saveDrafts(DRAFT_SAVE_MS);
  }

  /** saveDrafts writes the drafts to the patch's host scope, after ms (coalesced). */
  saveDrafts(ms = 0) {
    clearTimeout(this.draftTimer);
    const write = () => {
      const obj = Object.fromEntries(this.drafts);
      this.draftsSaved = this.patch.root.set(DRAFTS_KEY, obj).catch(warn);
    };
    if (ms > 0) {
      let done = () => {};
      this.draftsSaved = new Promise((r) => (done = () => r(undefined)));
      this.draftTimer = window.setTimeout(() => {
        write();
        this.draftsSaved.then(done);
      }, ms);
    } else {
      write();
    }
  }

  /** startWire begins dragging a new wire from an outlet. */
  startWire(e, id, outlet) {
    e.preventDefault();
    e.stopPropagation();
    const from = this.portCenter(id, 'outlet', outlet);
    if (!from) return;
    const el = /** @type {HTMLElement} */ (e.currentTarget);
    el.setPointerCapture(e.pointerId);
    this.pending = { from, to: this.toCanvas(e.clientX, e.clientY) };
    this.drawWires();
    const move = (ev) => {
      this.pending.to = this.toCanvas(ev.clientX, ev.clientY);
      this.drawWires();
    };
    const up = (ev) => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      this.pending = null;
      const target = document.elementFromPoint(ev.clientX, ev.clientY);
      const port = /** @type {HTMLElement | null | undefined} */ (target?.closest?.('.port.inlet'));
      const nodeEl = /** @type {HTMLElement | null | undefined} */ (target?.closest?.('.node'));
      const to = /** @type {HTMLElement | null | undefined} */ (port?.closest('.node'))?.dataset.id ?? nodeEl?.dataset.id;
      const inlet = port ? Number(port.dataset.index) : 0;
      if (to && to !== id) {
        try {
          this.patch.connect({ from: id, outlet, to, inlet });
        } catch (err) {
          console.warn(err);
        }
      }
      this.drawWires();
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  }
}

/** warn reports a failed UI action without turning it into an unhandled rejection. */
function warn(err) {
  console.warn('patch editor:', err);
}

function sameEdge(a, b) {
  return a.from === b.from && a.to === b.to && a.outlet === b.outlet && a.inlet === b.inlet;
}

function curve(a, b) {
  // Downward wires sag with the distance; wires that go back up loop only a little.
  const dy = b.y >= a.y ? Math.min(120, Math.max(30, (b.y - a.y) / 2)) : 40;
  return `M ${a.x} ${a.y} C ${a.x} ${a.y + dy}, ${b.x} ${b.y - dy}, ${b.x} ${b.y}`;
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('data-')) el.dataset[k.slice(5)] = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

/** NodeView is one node's element: ports, a header to drag by, its body and status. */
class NodeView {
  /** @param {Editor} editor @param {NodeSpec} spec */
  constructor(editor, spec) {
    this.editor = editor;
    this.id = spec.id;
    this.type = spec.type;
    this.kind = kindOf(spec.type);
    this.spec = { ...spec };
    this.inlets = h('div', { class: 'ports inlets' });
    this.outlets = h('div', { class: 'ports outlets' });
    const runBtn = h('button', { class: 'run', title: 'Run again (Shift+Enter)', text: '▶' });
    const stopBtn = h('button', { class: 'stop', title: 'Stop (ends its Worker, busy or not)', text: '■' });
    const delBtn = h('button', { class: 'del', title: 'Remove node', text: '×' });
    this.titleEl = h('span', { class: 'title' });
    this.titleEl.hidden = true;
    this.head = h('div', { class: 'head' }, h('span', { class: 'type', text: spec.type }), this.titleEl,
      h('span', { class: 'nid', text: spec.id }), runBtn, stopBtn, delBtn);
    if (!this.kind.runnable) runBtn.hidden = true;
    if (!(/** @type {any} */ (this.kind).stoppable)) stopBtn.hidden = true;
    stopBtn.addEventListener('click', () => editor.patch.halt(this.id));
    runBtn.addEventListener('click', () => this.run().catch(warn));
    delBtn.addEventListener('click', () => editor.patch.removeNode(this.id));
    this.head.addEventListener('pointerdown', (e) => this.drag(e));

    this.body = h('div', { class: 'body' });
    this.status = h('div', { class: 'status' });
    this.el = h('div', { class: `node node-${spec.type}`, 'data-id': spec.id, 'data-type': spec.type },
      this.inlets, this.head, this.body, this.status, this.outlets);
    this.el.addEventListener('pointerdown', () => editor.select({ kind: 'node', id: this.id }), true);
    this.buildPorts();
    this.showTitle(editor.patch.title(spec.id) ?? '');
    this.buildBody(spec);
    this.showEdited();
    this.place(spec.x, spec.y);
  }

  /**
   * buildPorts draws as many inlets and outlets as the node has now, or more when a
   * wire of the document joins a higher port (so that every wire shows and can be
   * removed, also before the code that asks for the ports has run).
   */
  buildPorts() {
    const patch = this.editor.patch;
    const now = patch.ports(this.id) ?? this.kind.ports;
    let inlets = now.inlets;
    let outlets = now.outlets;
    for (const e of patch.edges) {
      if (e.to === this.id) inlets = Math.max(inlets, e.inlet + 1);
      if (e.from === this.id) outlets = Math.max(outlets, e.outlet + 1);
    }
    if (this.inlets.children.length !== inlets) {
      this.inlets.replaceChildren();
      for (let i = 0; i < inlets; i++) {
        this.inlets.append(h('span', { class: `port inlet${i >= now.inlets ? ' stale' : ''}`, 'data-index': String(i), title: `inlet ${i}` }));
      }
      this.editor.redrawWires();
    }
    if (this.outlets.children.length !== outlets) {
      this.outlets.replaceChildren();
      for (let i = 0; i < outlets; i++) {
        const p = h('span', { class: `port outlet${i >= now.outlets ? ' stale' : ''}`, 'data-index': String(i), title: `outlet ${i}: drag to an inlet` });
        p.addEventListener('pointerdown', (e) => this.editor.startWire(e, this.id, i));
        this.outlets.append(p);
      }
      this.editor.redrawWires();
    }
    for (const [box, n] of /** @type {const} */ ([[this.inlets, now.inlets], [this.outlets, now.outlets]])) {
      for (const p of box.children) p.classList.toggle('stale', Number(/** @type {HTMLElement} */ (p).dataset.index) >= n);
    }
  }

  /**
   * showTitle shows the label the node's code gave it with setTitle.
   * @param {string} title
   */
  showTitle(title) {
    this.titleEl.textContent = title;
    this.titleEl.hidden = title === '';
    this.el?.classList.toggle('titled', title !== '');
  }

  /** @param {NodeSpec} spec */
  buildBody(spec) {
    const patch = this.editor.patch;
    switch (this.kind.face) {
      case 'code':
      case 'canvas': {
        const ta = h('textarea', { class: 'code', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', wrap: 'off' });
        const draft = this.editor.drafts.get(this.id);
        ta.value = draft ?? spec.code ?? '';
        fitRows(ta);
        ta.addEventListener('input', () => {
          fitRows(ta);
          this.showEdited();
          this.editor.setDraft(this.id, ta.value === this.spec.code ? undefined : ta.value);
        });
        ta.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' && (e.shiftKey || e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            this.run().catch(warn);
          } else if (e.key === 'Tab') {
            e.preventDefault();
            ta.setRangeText('  ', ta.selectionStart, ta.selectionEnd, 'end');
          }
        });
        // Leaving the editor keeps the text as a draft (it survives a reload, shown as
        // such) without running it or making it the code that runs on load; ▶ or
        // Shift+Enter runs it.
        ta.addEventListener('change', () => this.editor.saveDrafts());
        this.code = ta;
        if (this.kind.face === 'canvas') {
          // The sketch's canvas comes first; the code below it.
          this.p5slot = h('div', { class: 'p5-slot' });
          // Drawing on the canvas must not start a text selection elsewhere on the page
          // (p5 listens on window, so its own mouse handlers still run).
          this.p5slot.addEventListener('mousedown', (e) => e.preventDefault());
          this.body.append(this.p5slot);
        }
        this.body.append(ta);
        break;
      }
      case 'args': {
        const input = h('input', { class: 'args', placeholder: '(own scope)', spellcheck: 'false',
          title: 'store name: empty for this node\'s own scope' });
        input.value = spec.args ?? '';
        // What a user types is trimmed here, where it is shown: the store name in use is
        // then exactly the text in the field, before and after a reload.
        input.addEventListener('change', () => {
          input.value = input.value.trim();
          patch.update(this.id, { args: input.value }).catch(warn);
        });
        input.addEventListener('keydown', (e) => e.key === 'Enter' && input.blur());
        this.args = input;
        this.body.append(input);
        break;
      }
      case 'bang': {
        const b = h('button', { class: 'bang', title: 'send a bang' });
        b.addEventListener('click', () => patch.trigger(this.id));
        this.body.append(b);
        break;
      }
      case 'msg': {
        const box = h('div', { class: 'msgbox', title: 'click: send · double-click: edit', tabindex: '0' });
        box.textContent = spec.args ?? '';
        // One click sends, after the time a second click would take to make it a
        // double-click, which edits instead and sends nothing.
        let clickTimer = 0;
        box.addEventListener('click', (e) => {
          if (box.isContentEditable) return;
          clearTimeout(clickTimer);
          if (e.detail > 1) return;
          clickTimer = window.setTimeout(() => patch.trigger(this.id), DOUBLE_CLICK_MS);
        });
        box.addEventListener('dblclick', () => {
          clearTimeout(clickTimer);
          try {
            box.contentEditable = 'plaintext-only';
          } catch {
            box.contentEditable = 'true'; // browsers without plaintext-only
          }
          box.focus();
        });
        const commit = () => {
          if (!box.isContentEditable) return;
          box.contentEditable = 'false';
          patch.update(this.id, { args: box.textContent ?? '' }).catch(warn);
        };
        box.addEventListener('blur', commit);
        box.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' && box.isContentEditable) {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape' && box.isContentEditable) {
            box.textContent = this.spec.args ?? '';
            box.contentEditable = 'false';
            box.blur();
          }
        });
        this.args = box;
        this.body.append(box);
        break;
      }
    }
  }

  port(kind, index) {
    return (kind === 'inlet' ? this.inlets : this.outlets).children[index] ?? null;
  }

  place(x, y) {
    this.el.style.left = `${x}px`;
    this.el.style.top = `${y}px`;
  }

  update(spec) {
    this.spec = { ...spec };
    this.place(spec.x, spec.y);
    if (this.args && document.activeElement !== this.args) {
      if (this.args instanceof HTMLInputElement) this.args.value = spec.args ?? '';
      else this.args.textContent = spec.args ?? '';
    }
    if (this.code) {
      const drafts = this.editor.drafts;
      if (drafts.get(this.id) === spec.code) this.editor.setDraft(this.id, undefined);
      const want = drafts.get(this.id) ?? spec.code ?? '';
      if (document.activeElement !== this.code && this.code.value !== want) {
        this.code.value = want;
        fitRows(this.code);
      }
      this.showEdited();
    }
  }

  /** showEdited marks a node whose editor holds code that is not what runs (a draft). */
  showEdited() {
    if (!this.code) return;
    const edited = this.code.value !== this.spec.code;
    this.el.classList.toggle('edited', edited);
    this.el.classList.toggle('draft', edited);
    this.code.title = edited ? 'draft: not run yet (▶ or Shift+Enter runs it; kept across reloads)' : '';
  }

  async run() {
    const patch = this.editor.patch;
    if (this.code) this.editor.setDraft(this.id, undefined);
    if (this.code && this.code.value !== this.spec.code) await patch.update(this.id, { code: this.code.value });
    else await patch.rerun(this.id);
  }

  /** @param {NodeStatus} s */
  showStatus(s) {
    this.el.classList.toggle('error', s.state === 'error');
    if (s.state === 'error') {
      this.status.textContent = s.error ?? 'error';
      this.status.className = 'status error';
    } else if (s.log) {
      this.status.textContent = s.log;
      this.status.className = 'status log';
    } else if (s.state === 'running' || s.state === 'starting') {
      this.status.textContent = '';
      this.status.className = 'status';
    }
    this.editor.redrawWires();
  }

  showOutput(msg) {
    if (this.el.classList.contains('error') && this.kind.face !== 'msg') return;
    if (this.kind.face === 'bang' || this.kind.face === 'msg') {
      // Restart the animation without reading a size, which would force a layout.
      if (this.el.classList.contains('flash')) {
        for (const a of this.el.getAnimations({ subtree: true })) {
          a.cancel();
          a.play();
        }
      } else {
        this.el.classList.add('flash');
      }
      return;
    }
    this.status.className = 'status out';
    this.status.textContent = `→ ${binaryLabel(msg) || preview(msg, 60)}`;
  }

  /** drag moves the node with the pointer; the new place is saved on release. */
  drag(e) {
    if (/** @type {HTMLElement} */ (e.target).closest('button')) return;
    e.preventDefault();
    const startX = e.clientX;
    const startY = e.clientY;
    const x0 = this.spec.x;
    const y0 = this.spec.y;
    this.head.setPointerCapture(e.pointerId);
    this.el.classList.add('dragging');
    const pos = (ev) => ({ x: Math.max(0, x0 + ev.clientX - startX), y: Math.max(0, y0 + ev.clientY - startY) });
    const move = (ev) => {
      const p = pos(ev);
      this.place(p.x, p.y);
      this.editor.redrawWires();
    };
    const up = (ev) => {
      this.head.removeEventListener('pointermove', move);
      this.head.removeEventListener('pointerup', up);
      this.head.removeEventListener('pointercancel', up);
      this.el.classList.remove('dragging');
      const p = pos(ev);
      if (p.x !== x0 || p.y !== y0) this.editor.patch.update(this.id, p).catch(warn);
    };
    this.head.addEventListener('pointermove', move);
    this.head.addEventListener('pointerup', up);
    this.head.addEventListener('pointercancel', up);
  }
}

/** fitRows sizes a code editor to its text, within limits (it scrolls beyond them). */
function fitRows(ta) {
  const lines = ta.value.split('\n');
  ta.rows = Math.min(16, Math.max(3, lines.length));
  ta.cols = Math.min(54, Math.max(28, ...lines.map((l) => l.length + 2)));
}
