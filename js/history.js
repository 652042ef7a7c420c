// js/history.js — undo and redo of a patch's document: adding, removing and moving nodes,
// wires, code and arguments.
//
// History keeps snapshots of the document (Patch.toJSON) rather than a log of commands:
// every 'change' the Patch announces closes one step (the changes of one task count as
// one), and undo/redo bring the patch back to a snapshot through the Patch's own
// methods (removeNode, addNode with the node's old id, update, connect, disconnect).
// A node brought back by undo is the node that was removed — same id, same code, same
// kv scope, whose data stayed — so no id is ever given to a different node.

/**
 * @typedef {import('./runtime.js').Patch} Patch
 * @typedef {import('./runtime.js').PatchJSON} PatchJSON
 */

/** LIMIT is how many steps undo keeps. */
const LIMIT = 200;

export class History {
  /** @param {Patch} patch */
  constructor(patch) {
    this.patch = patch;
    /** @type {PatchJSON[]} */
    this.undoStack = [];
    /** @type {PatchJSON[]} */
    this.redoStack = [];
    this.current = snapshot(patch);
    this.applying = false;
    this.queued = false;
    patch.addEventListener('change', (e) => {
      const reason = /** @type {CustomEvent} */ (e).detail?.reason;
      if (reason === 'load') {
        this.reset();
        return;
      }
      if (this.applying || this.queued) return;
      this.queued = true;
      queueMicrotask(() => this.record());
    });
  }

  /** reset forgets every step (a new document was loaded). */
  reset() {
    this.undoStack = [];
    this.redoStack = [];
    this.current = snapshot(this.patch);
  }

  record() {
    this.queued = false;
    if (this.applying) return;
    const now = snapshot(this.patch);
    if (sameDoc(now, this.current)) return;
    this.undoStack.push(this.current);
    if (this.undoStack.length > LIMIT) this.undoStack.shift();
    this.redoStack = [];
    this.current = now;
  }

  /** undo brings back the document as it was before the last step; false when there is none. */
  async undo() {
    if (this.queued) this.record();
    const to = this.undoStack.pop();
    if (!to) return false;
    this.redoStack.push(this.current);
    await this.apply(to);
    return true;
  }

  /** redo does again the step undo took back; false when there is none. */
  async redo() {
    if (this.queued) this.record();
    const to = this.redoStack.pop();
    if (!to) return false;
    this.undoStack.push(this.current);
    await this.apply(to);
    return true;
  }

  /**
   * apply changes the patch into doc with the fewest operations: nodes that are not in
   * doc go, nodes that are come back (with their id), the others get doc's position,
   * code or args; then the wires.
   * @param {PatchJSON} doc
   */
  async apply(doc) {
    const patch = this.patch;
    this.applying = true;
    const starts = [];
    try {
      const cur = snapshot(patch);
      const want = new Map(doc.nodes.map((n) => [n.id, n]));
      const have = new Map(cur.nodes.map((n) => [n.id, n]));
      for (const e of cur.edges) if (!doc.edges.some((x) => sameEdge(x, e))) patch.disconnect(e);
      for (const id of have.keys()) if (!want.has(id)) patch.removeNode(id);
      for (const [id, spec] of want) {
        const old = have.get(id);
        if (!old) {
          starts.push(patch.addNode(structuredClone(spec)));
          continue;
        }
        /** @type {Record<string, unknown>} */
        const changes = {};
        for (const k of ['x', 'y', 'code', 'args']) {
          if (k in spec && /** @type {any} */ (spec)[k] !== /** @type {any} */ (old)[k]) changes[k] = /** @type {any} */ (spec)[k];
        }
        if (Object.keys(changes).length) starts.push(patch.update(id, changes));
      }
      for (const e of doc.edges) {
        try {
          patch.connect(e);
        } catch (err) {
          console.warn('undo: skipped a wire:', err);
        }
      }
    } finally {
      // The Patch announces its changes synchronously; the snapshot after them is the
      // document now, and no step is recorded for undo's own changes.
      this.current = snapshot(patch);
      this.applying = false;
    }
    await Promise.all(starts.map((p) => p.catch((err) => console.warn('undo:', err))));
  }
}

/** @param {Patch} patch @returns {PatchJSON} */
function snapshot(patch) {
  const doc = patch.toJSON();
  return { id: doc.id, nodes: doc.nodes.map((n) => ({ ...n })), edges: doc.edges.map((e) => ({ ...e })) };
}

/** @param {PatchJSON} a @param {PatchJSON} b */
function sameDoc(a, b) {
  return JSON.stringify(a.nodes) === JSON.stringify(b.nodes) && JSON.stringify(a.edges) === JSON.stringify(b.edges);
}

function sameEdge(a, b) {
  return a.from === b.from && a.to === b.to && a.outlet === b.outlet && a.inlet === b.inlet;
}
