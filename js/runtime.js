// js/runtime.js — the patch runtime: nodes, wires and message routing, with no UI.
//
// A patch is a JSON document {id, nodes:[{id,type,x,y,code|args}], edges:[{from,outlet,to,inlet}]}.
// Patch runs it: each node is an instance of its kind's class (js/nodes/index.js holds
// the one table of kinds), and messages travel along wires depth-first and
// synchronously, as in Max or Pure Data: a node's `send` calls the receivers before it
// returns. Wires remember which outlet and inlet they join; a node's port count comes
// from its kind and, for code nodes, from setPortCount.
//
// The UI (js/editor.js) draws what this module holds and listens to its events; the
// tests drive the same object through `window.patch`.

import { RuntimeNode } from './node.js';
import { KINDS } from './nodes/index.js';

/**
 * @typedef {import('./kv.d.ts').KVRoot} KVRoot
 * @typedef {import('./kv.d.ts').KVStore} KVStore
 * @typedef {import('./node.js').Ports} Ports
 * @typedef {import('./nodes/index.js').NodeKind} NodeKind
 */

/**
 * @typedef {string} NodeType One of the keys of KINDS ('js', 'p5', 'kv', 'button', 'msg',
 *   'loadbang', …); a patch may also hold a type this page does not know.
 *
 * @typedef {object} NodeSpec One node of a patch document.
 * @property {string} id       unique inside the patch; also the name of its kv scope
 * @property {NodeType} type
 * @property {number} x        position on the canvas, in CSS pixels
 * @property {number} y
 * @property {string} [code]   code nodes (js, p5, …): the source
 * @property {string} [args]   kv: the store name ("" or absent: the node's own scope);
 *                             msg: the message (JSON, a JavaScript literal or a shorthand)
 *
 * @typedef {object} Edge A wire from an outlet of one node to an inlet of another.
 * @property {string} from
 * @property {number} outlet
 * @property {string} to
 * @property {number} inlet
 *
 * @typedef {object} PatchJSON
 * @property {string} id
 * @property {NodeSpec[]} nodes
 * @property {Edge[]} edges
 * @property {number} [idCounter]  the highest number a generated node id ("js-7") has
 *           used in this patch, removed nodes included: new ids count on from it
 *
 * @typedef {object} NodeStatus What a node shows besides its code.
 * @property {'starting'|'running'|'error'|'stopped'} state
 * @property {string} [error]   the last error, formatted
 * @property {string} [log]     the last console line
 *
 * @typedef {object} PatchOptions
 * @property {KVRoot} root            the kv root of the patch that is open
 * @property {(id: string) => Promise<KVRoot>} [openRoot]  opens another patch's root when
 *           load() gets a document with another id (default: loadKV)
 * @property {(id: string) => HTMLElement} [p5Parent]  where node id's p5 canvas goes
 * @property {string} [p5URL]         where p5.min.js is
 * @property {boolean} [safe]         load() starts no node code (?safe=1); ▶ still runs a node
 */

/** NODE_TYPES lists the node types this page runs, in toolbar order. */
export const NODE_TYPES = Object.freeze(Object.keys(KINDS));

/** OUTPUT_LIMIT caps how many sent messages outputs() keeps per node (the newest win). */
export const OUTPUT_LIMIT = 1000;

/** MAX_DEPTH stops a synchronous message loop (a wire cycle) instead of overflowing the stack. */
const MAX_DEPTH = 200;

/** LOADBANG_WAIT caps how long load() waits for first runs before loadbangs bang (ms). */
const LOADBANG_WAIT = 2000;

/** QUIET_WAIT caps how long firstState waits for the nodes' kv calls to be answered (ms). */
const QUIET_WAIT = 1000;

/** PAINT_WAIT caps how long afterPaint waits for a frame (a hidden tab paints none). */
const PAINT_WAIT = 100;

/**
 * afterPaint resolves in the first task after the next frame is painted, or after
 * PAINT_WAIT when no frame comes.
 * @returns {Promise<void>}
 */
function afterPaint() {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame !== 'function') return void setTimeout(resolve, 0);
    const timer = setTimeout(resolve, PAINT_WAIT);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      // rAF callbacks run before the frame's style, layout and paint: a task queued
      // here runs after them.
      setTimeout(resolve, 0);
    });
  });
}

/**
 * kindOf returns the class that runs nodes of this type (UnknownNode for a type this
 * page does not know).
 * @param {string} type
 * @returns {NodeKind}
 */
export function kindOf(type) {
  return Object.hasOwn(KINDS, type) ? KINDS[type] : UnknownNode;
}

/**
 * Patch runs one patch document. Events (all CustomEvents, detail shown):
 *   'change' {reason}            the document changed (nodes, wires, positions, code, args)
 *   'nodeadded' {node}           a node was created, before its code starts
 *   'noderemoved' {id}
 *   'status' {id, status}        a node's NodeStatus changed
 *   'output' {id, outlet, msg}   a node sent a message (outlet null: to every outlet)
 *   'ports' {id, inlets, outlets} a node's port count changed (setPortCount)
 *   'title' {id, title}          a node's label changed (setTitle)
 *   'write' {scope}              a node wrote to kv (set, delete or clear resolved)
 *   'load' {id}                  load() replaced the document
 */
export class Patch extends EventTarget {
  /**
   * @param {object} options
   * @param {KVRoot} options.root            the kv root of the patch that is open
   * @param {(id: string) => Promise<KVRoot>} [options.openRoot]  opens another patch's
   *        root when load() gets a document with another id (default: loadKV)
   * @param {(id: string) => HTMLElement} [options.p5Parent]  where node id's p5 canvas goes
   * @param {string} [options.p5URL]         where p5.min.js is
   * @param {boolean} [options.safe]        load() starts no node code (?safe=1)
   */
  constructor({ root, openRoot, p5Parent, p5URL, safe } = /** @type {PatchOptions} */ ({})) {
    super();
    if (!root) throw new TypeError('Patch: options.root (a kv root from loadKV) is required');
    /** @type {KVRoot} */
    this.root = root;
    /** @type {string} */
    this.id = root.patch;
    /** @type {(id: string) => Promise<KVRoot>} */
    this.openRoot = openRoot ?? (async (id) => (await import('./kv.js')).loadKV({ patch: id }));
    /** @type {(id: string) => HTMLElement} */
    this.p5Parent = p5Parent ?? (() => document.body);
    /** @type {string|undefined} where p5.min.js is (undefined: node_modules, see js/nodes/p5.js) */
    this.p5URL = p5URL;
    /** @type {Map<string, RuntimeNode>} */
    this.nodes = new Map();
    /** @type {Edge[]} */
    this.edges = [];
    this.depth = 0;
    this.loadGen = 0;
    /** the highest number a generated id has used (see PatchJSON.idCounter) */
    this.counter = 0;
    /** @type {Promise<void> | undefined} load's listing of the node scopes, while it runs */
    this.counting = undefined;
    /**
     * starting resolves once the nodes of the load in progress that hold its loadbangs
     * have had their first run and the loadbangs have banged (undefined when no load
     * is in progress): a p5 node runs p5.js only then (js/nodes/p5.js).
     * @type {Promise<void> | undefined}
     */
    this.starting = undefined;
    /** how many kv calls that nodes made are in flight (see quiet) */
    this.inflight = 0;
    /** @type {Set<() => void>} quiet's waiters */
    this.quietWaiters = new Set();
    /** @type {boolean} */
    this.safe = !!safe;
    /**
     * Promises that node code got from its kv, by the node that made the call: a
     * rejection nobody handled shows on that node (trackOwner, onUnhandled).
     * @type {WeakMap<Promise<unknown>, RuntimeNode>}
     */
    this.owners = new WeakMap();
    /** @param {PromiseRejectionEvent} e */
    this.onUnhandled = (e) => {
      const node = this.owners.get(e.promise);
      if (!node) return;
      e.preventDefault();
      if (node.live) node.fail(e.reason);
    };
    // Capture phase: the runtime claims its nodes' rejections before the page's own
    // banner listener sees them (it skips events already handled).
    globalThis.addEventListener?.('unhandledrejection', this.onUnhandled, { capture: true });
  }

  /**
   * load replaces the whole document and starts every node; it resolves once each node's
   * code has finished its first run (or failed: failures show on the node, they do not
   * reject). A document with another id switches to that patch's own database.
   * @param {PatchJSON | string} json  the document, or its JSON text
   * @returns {Promise<void>}
   */
  async load(json) {
    const doc = typeof json === 'string' ? JSON.parse(json) : json;
    if (!doc || typeof doc !== 'object') throw new TypeError('patch.load: expected {id, nodes, edges}');
    const gen = ++this.loadGen;
    /** @type {() => void} */
    let started = () => {};
    const starting = new Promise((/** @type {(v?: any) => void} */ r) => (started = r));
    this.starting = starting;
    try {
      await this.loadDocument(doc, gen, started);
    } finally {
      started();
      if (this.starting === starting) this.starting = undefined;
    }
  }

  /**
   * loadDocument is load's body; it calls started once the loadbangs have banged.
   * @param {any} doc  a patch document (load checked that it is an object)
   * @param {number} gen
   * @param {() => void} started
   */
  async loadDocument(doc, gen, started) {
    for (const id of [...this.nodes.keys()]) this.removeNode(id, { quiet: true });
    this.edges = [];
    if (typeof doc.id === 'string' && doc.id !== this.id) {
      const root = await this.openRoot(doc.id);
      if (gen !== this.loadGen) return;
      this.root = root;
      this.id = doc.id;
    }
    // New ids count on from the highest ever used: the document's counter, its nodes'
    // ids, and the node scopes that hold data (a removed node's data stays, and a new
    // node must never inherit it).
    const nodes = Array.isArray(doc.nodes) ? doc.nodes : [];
    this.counter = Math.max(0, Number.isSafeInteger(doc.idCounter) ? doc.idCounter : 0,
      ...nodes.map((/** @type {any} */ n) => idNumber(n?.id)));
    // Listing the scopes waits for kv (the page may build the patch while kv.wasm
    // still loads): nodes whose ids the document gives start meanwhile; a node
    // without one gets a new id, so it waits for the list (and so does addNode).
    const counted = this.root.scopes().then((scopes) => {
      if (gen !== this.loadGen) return;
      for (const s of scopes) if (s.kind === 'node') this.counter = Math.max(this.counter, idNumber(s.name));
    }, (err) => console.warn('patch.load: could not list the node scopes:', err));
    this.counting = counted;
    counted.then(() => {
      if (this.counting === counted) this.counting = undefined;
    });
    if (nodes.some((/** @type {any} */ n) => n?.id === undefined || n?.id === null)) await counted;
    if (gen !== this.loadGen) return;
    const starts = [];
    const holds = [];
    for (const spec of nodes) {
      try {
        const node = this.createNode(spec, { hold: this.safe });
        starts.push(node.startPromise);
        if (/** @type {NodeKind} */ (node.constructor).holdsLoad) holds.push(node.startPromise);
      } catch (err) {
        console.warn('patch.load: skipped a node:', err);
      }
    }
    for (const e of Array.isArray(doc.edges) ? doc.edges : []) {
      try {
        this.connect(e, { quiet: true });
      } catch (err) {
        console.warn('patch.load: skipped a wire:', err);
      }
    }
    this.emit('load', { id: this.id });
    this.emit('change', { reason: 'load' });
    // The patch has loaded once every node's first run is over (or after LOADBANG_WAIT,
    // so that code awaiting something that never comes does not hold back the rest):
    // then each loadbang bangs, once. Kinds that hold their messages until they are
    // ready (a p5 sketch, until its setup has run) do not hold the loadbangs back.
    const all = Promise.all(starts);
    await Promise.race([Promise.all(holds), new Promise((r) => setTimeout(r, LOADBANG_WAIT))]);
    if (gen === this.loadGen) {
      for (const node of [...this.nodes.values()]) {
        if (node.live) node.loaded();
      }
    }
    started();
    await all;
  }

  /**
   * addNode adds one node and starts it; it resolves to the node's id once its code has
   * run for the first time. A missing id is generated; an id in use is an Error.
   * @param {Partial<NodeSpec> & {type: string}} spec
   * @returns {Promise<string>}
   */
  async addNode(spec) {
    if (this.counting && (spec?.id === undefined || spec?.id === null)) await this.counting;
    const node = this.createNode(spec);
    this.emit('change', { reason: 'add' });
    await node.startPromise;
    return node.id;
  }

  /**
   * removeNode stops node id (its p5 canvas, timers and handlers go) and removes its
   * wires. It reports whether the node existed. The node's kv data stays.
   * @param {string} id
   * @param {{quiet?: boolean}} [options]  quiet: no 'change' event
   * @returns {boolean}
   */
  removeNode(id, { quiet = false } = {}) {
    const node = this.nodes.get(id);
    if (!node) return false;
    node.stop();
    this.nodes.delete(id);
    this.edges = this.edges.filter((e) => e.from !== id && e.to !== id);
    this.emit('noderemoved', { id });
    if (!quiet) this.emit('change', { reason: 'remove' });
    return true;
  }

  /**
   * connect adds a wire; it reports false when that wire exists already and throws when
   * either end is not a node of this patch.
   * @param {Partial<Edge> & {from: string, to: string}} edge
   * @param {{quiet?: boolean}} [options]  quiet: no 'change' event
   * @returns {boolean}
   */
  connect(edge, { quiet = false } = {}) {
    const e = normalizeEdge(edge);
    if (!this.nodes.has(e.from)) throw new Error(`patch.connect: no node "${e.from}"`);
    if (!this.nodes.has(e.to)) throw new Error(`patch.connect: no node "${e.to}"`);
    if (this.edges.some((x) => sameEdge(x, e))) return false;
    this.edges.push(e);
    if (!quiet) this.emit('change', { reason: 'connect' });
    return true;
  }

  /**
   * disconnect removes a wire and reports whether it was there.
   * @param {Partial<Edge> & {from: string, to: string}} edge
   * @returns {boolean}
   */
  disconnect(edge) {
    const e = normalizeEdge(edge);
    const before = this.edges.length;
    this.edges = this.edges.filter((x) => !sameEdge(x, e));
    if (this.edges.length === before) return false;
    this.emit('change', { reason: 'disconnect' });
    return true;
  }

  /**
   * send delivers msg to inlet `inlet` of node id, as a wire would. It resolves when the
   * node has handled it (a kv object: once its reply is sent); it rejects only when there
   * is no such node.
   * @param {string} id
   * @param {unknown} msg
   * @param {number} [inlet]
   * @returns {Promise<void>}
   */
  async send(id, msg, inlet = 0) {
    if (!this.nodes.has(id)) throw new Error(`patch.send: no node "${id}"`);
    await this.deliver(id, msg, inlet);
  }

  /**
   * trigger does what a click on node id does: a button bangs, a msg box sends its message.
   * @param {string} id
   */
  trigger(id) {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`patch.trigger: no node "${id}"`);
    node.trigger();
  }

  /**
   * outputs returns the messages node id has sent, oldest first (the newest OUTPUT_LIMIT),
   * as a new array; [] for an unknown node.
   * @param {string} id
   * @returns {unknown[]}
   */
  outputs(id) {
    return this.nodes.get(id)?.outputs.map((o) => o.msg) ?? [];
  }

  /**
   * ports returns how many inlets and outlets node id has now (setPortCount changes
   * them), or undefined for an unknown node.
   * @param {string} id
   * @returns {Ports | undefined}
   */
  ports(id) {
    const node = this.nodes.get(id);
    return node ? { ...node.ports } : undefined;
  }

  /**
   * title returns node id's label from setTitle ("" for none), or undefined for an
   * unknown node.
   * @param {string} id
   * @returns {string | undefined}
   */
  title(id) {
    return this.nodes.get(id)?.title;
  }

  /**
   * status returns what node id shows besides its code (state, last error, last log line).
   * @param {string} id
   * @returns {NodeStatus | undefined}
   */
  status(id) {
    const node = this.nodes.get(id);
    return node ? { ...node.status } : undefined;
  }

  /**
   * update changes a node's position, code or args. New code or args restart the node
   * (pass {restart:false} to keep it running, e.g. while the user is still typing).
   * @param {string} id
   * @param {Partial<Pick<NodeSpec, 'x'|'y'|'code'|'args'>>} changes
   * @param {{restart?: boolean}} [options]
   * @returns {Promise<void>}
   */
  async update(id, changes, { restart = true } = {}) {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`patch.update: no node "${id}"`);
    let rerun = false;
    if (typeof changes.x === 'number' && Number.isFinite(changes.x)) node.spec.x = Math.round(changes.x);
    if (typeof changes.y === 'number' && Number.isFinite(changes.y)) node.spec.y = Math.round(changes.y);
    if (typeof changes.code === 'string' && 'code' in node.spec) {
      rerun = changes.code !== node.spec.code;
      node.spec.code = changes.code;
    }
    if (typeof changes.args === 'string' && 'args' in node.spec) {
      rerun = rerun || changes.args !== node.spec.args;
      node.spec.args = changes.args;
    }
    this.emit('change', { reason: 'update' });
    if (rerun && restart) await this.rerun(id);
  }

  /**
   * rerun stops node id and runs its code again; it resolves when the new run's first
   * pass is over.
   * @param {string} id
   * @returns {Promise<void>}
   */
  async rerun(id) {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`patch.rerun: no node "${id}"`);
    node.stop();
    await node.start();
  }

  /**
   * halt is a node's stop control: it ends the node's current run (a worker node's
   * Worker is terminated, busy or not) and keeps the node; rerun starts it again.
   * @param {string} id
   */
  halt(id) {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`patch.halt: no node "${id}"`);
    node.stop();
    node.setStatus({ state: 'stopped', log: 'stopped (▶ runs it again)' });
  }

  /**
   * toJSON returns the patch document: its id, its nodes and its wires.
   * @returns {PatchJSON}
   */
  toJSON() {
    return {
      id: this.id,
      nodes: [...this.nodes.values()].map((n) => ({ ...n.spec })),
      edges: this.edges.map((e) => ({ ...e })),
      idCounter: this.counter,
    };
  }

  // ---- internals -------------------------------------------------------------------

  /**
   * quiet resolves once no kv call that a node made is in flight, seen at the start of
   * a task (so that the calls their answers lead to, down the wires, count too), or
   * after ms, whichever comes first.
   * @param {number} ms
   * @returns {Promise<void>}
   */
  quiet(ms) {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.quietWaiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.quietWaiters.add(finish);
      setTimeout(() => this.checkQuiet(), 0);
    });
  }

  /**
   * firstState resolves once a patch being loaded has shown its first state: its
   * loadbangs have banged, the kv calls that set off have been answered (or
   * QUIET_WAIT has passed), and the frame that shows them has been painted. Kinds
   * whose start is heavy and not needed for that state (running p5.js, a Worker
   * with its own Go) wait for it. It resolves at once when no load is in progress.
   * @returns {Promise<void>}
   */
  async firstState() {
    if (!this.starting) return;
    await this.starting;
    await this.quiet(QUIET_WAIT);
    await afterPaint();
  }

  /** checkQuiet lets quiet's waiters go when no kv call is in flight. */
  checkQuiet() {
    if (this.inflight === 0) for (const w of [...this.quietWaiters]) w();
  }

  /**
   * inFlight counts p, a node's kv call, as in flight until it settles.
   * @template T
   * @param {Promise<T>} p
   * @returns {Promise<T>}
   */
  inFlight(p) {
    this.inflight++;
    const done = () => {
      if (--this.inflight === 0 && this.quietWaiters.size) setTimeout(() => this.checkQuiet(), 0);
    };
    p.then(done, done);
    return p;
  }

  /**
   * emit dispatches one of the events listed above.
   * @param {string} type
   * @param {object} detail
   */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * newId returns an unused node id such as "js-3".
   * @param {string} type
   * @returns {string}
   */
  newId(type) {
    let id;
    do id = `${type}-${++this.counter}`;
    while (this.nodes.has(id));
    return id;
  }

  /**
   * trackOwner records that node made the kv call whose Promise is p, so that a
   * rejection of p that nobody handles shows on that node.
   * @template T
   * @param {Promise<T>} p
   * @param {RuntimeNode} node
   * @returns {Promise<T>}
   */
  trackOwner(p, node) {
    this.owners.set(p, node);
    return p;
  }

  /**
   * createNode builds the runtime node, announces it, and starts it.
   * @param {unknown} raw
   * @returns {RuntimeNode}
   */
  createNode(raw, { hold = false } = {}) {
    const spec = normalizeSpec(raw, this);
    if (this.nodes.has(spec.id)) throw new Error(`patch: a node "${spec.id}" exists already`);
    this.counter = Math.max(this.counter, idNumber(spec.id));
    const Kind = kindOf(spec.type);
    const node = new Kind(this, spec);
    this.nodes.set(spec.id, node);
    this.emit('nodeadded', { node: spec });
    if (hold && Kind.runnable) {
      // Safe mode: the node's code does not run until the user runs it (▶).
      node.setStatus({ state: 'stopped', log: 'safe mode: not run (▶ runs it)' });
      node.startPromise = Promise.resolve();
    } else {
      node.startPromise = node.start();
    }
    return node;
  }

  /**
   * deliver hands msg to a node's inlet; it resolves when the handler is done. Errors in
   * user handlers land on the node; a wire cycle is cut at MAX_DEPTH.
   * @param {string} id
   * @param {unknown} msg
   * @param {number} inlet
   * @returns {Promise<unknown>}
   */
  deliver(id, msg, inlet) {
    const node = this.nodes.get(id);
    if (!node) return Promise.resolve();
    if (this.depth >= MAX_DEPTH) {
      node.fail(new RangeError(`message loop: more than ${MAX_DEPTH} nested sends; dropped`));
      return Promise.resolve();
    }
    this.depth++;
    try {
      return Promise.resolve(node.receive(msg, inlet)).catch((err) => node.fail(err));
    } catch (err) {
      node.fail(err);
      return Promise.resolve();
    } finally {
      this.depth--;
    }
  }

  /**
   * route records msg as sent by node `from` and passes it along the wires of one
   * outlet, or of every outlet when outlet is null. A message is recorded once in
   * outputs(), whatever number of wires it takes.
   * @param {string} from
   * @param {unknown} msg
   * @param {number|null} [outlet]
   */
  route(from, msg, outlet = null) {
    const node = this.nodes.get(from);
    if (!node) return;
    const o = outlet === null || outlet === undefined ? null : Number.isInteger(outlet) && outlet >= 0 ? outlet : 0;
    node.outputs.push({ msg, outlet: o });
    if (node.outputs.length > OUTPUT_LIMIT) node.outputs.splice(0, node.outputs.length - OUTPUT_LIMIT);
    this.emit('output', { id: from, outlet: o, msg });
    for (const e of this.edges.filter((x) => x.from === from && (o === null || x.outlet === o))) {
      this.deliver(e.to, msg, e.inlet);
    }
  }

  /**
   * scopedKV wraps a kv store so that resolved writes announce a 'write' event (the
   * storage panel listens) while every call still goes straight to the core, in order,
   * with the value cloned at call time. It has exactly the methods of a KVStore.
   * @param {KVStore} store
   * @param {string} scope  a label for the event: "node:ID" or "store:NAME"
   * @param {RuntimeNode} [owner]  the node whose code makes the calls (its unhandled rejections show on it)
   * @returns {KVStore}
   */
  scopedKV(store, scope, owner) {
    // Every call's Promise is a new one the runtime knows: when node code neither awaits
    // nor catches it and it rejects, the error shows on the owner node (onUnhandled).
    /**
     * @template T
     * @param {Promise<T>} p
     * @returns {Promise<T>}
     */
    const own = (p) => (owner ? this.trackOwner(this.inFlight(p).then((v) => v), owner) : this.inFlight(p));
    /**
     * @template T
     * @param {Promise<T>} p
     * @returns {Promise<T>}
     */
    const announce = (p) => {
      p.then(() => this.emit('write', { scope }), () => {});
      return own(p);
    };
    return /** @type {KVStore} */ (Object.freeze({
      get: (/** @type {string} */ key) => own(store.get(key)),
      has: (/** @type {string} */ key) => own(store.has(key)),
      keys: () => own(store.keys()),
      set: (/** @type {string} */ key, /** @type {unknown} */ value) => announce(store.set(key, value)),
      delete: (/** @type {string} */ key) => announce(store.delete(key)),
      clear: () => announce(store.clear()),
      update: (/** @type {string} */ key, /** @type {any} */ fn) => announce(store.update(key, fn)),
      subscribe: (/** @type {any} */ fn) => {
        if (!owner || typeof fn !== 'function') return store.subscribe(fn);
        // Node code's subscriptions end with its run (like its timers), and what its
        // listener throws or rejects with shows on the node.
        const unsubscribe = store.subscribe((change) => {
          try {
            const r = fn(change);
            if (r && typeof r.then === 'function') r.then(null, (/** @type {unknown} */ err) => owner.fail(err));
          } catch (err) {
            owner.fail(err);
          }
        });
        owner.onStop(unsubscribe);
        return unsubscribe;
      },
      store: (/** @type {string} */ name) => this.scopedKV(store.store(name), `store:${name}`, owner),
    }));
  }
}

/**
 * idNumber returns N of a generated id "type-N" (0 for any other id).
 * @param {unknown} id
 * @returns {number}
 */
function idNumber(id) {
  const m = typeof id === 'string' ? /-(\d{1,15})$/.exec(id) : null;
  return m ? Number(m[1]) : 0;
}

/**
 * @param {unknown} edge
 * @returns {Edge}
 */
function normalizeEdge(edge) {
  if (!edge || typeof edge !== 'object') throw new TypeError('patch: a wire is {from, outlet, to, inlet}');
  const e = /** @type {any} */ (edge);
  const from = String(e.from);
  const to = String(e.to);
  const outlet = Number.isInteger(e.outlet) && e.outlet >= 0 ? e.outlet : 0;
  const inlet = Number.isInteger(e.inlet) && e.inlet >= 0 ? e.inlet : 0;
  return { from, outlet, to, inlet };
}

/**
 * sameEdge reports whether two wires join the same ports.
 * @param {Edge} a
 * @param {Edge} b
 */
export function sameEdge(a, b) {
  return a.from === b.from && a.to === b.to && a.outlet === b.outlet && a.inlet === b.inlet;
}

/**
 * normalizeSpec validates a node spec and fills its defaults: the field its kind keeps
 * its text in (code or args) is always a string; a node of an unknown type keeps
 * whatever it carried, so that saving the patch loses nothing.
 * @param {unknown} raw
 * @param {Patch} patch
 * @returns {NodeSpec}
 */
function normalizeSpec(raw, patch) {
  if (!raw || typeof raw !== 'object') throw new TypeError('patch: a node is {id, type, x, y, code|args}');
  const r = /** @type {any} */ (raw);
  const type = String(r.type ?? '');
  const id = r.id === undefined || r.id === null ? patch.newId(type || 'node') : String(r.id);
  /** @type {NodeSpec} */
  const spec = { id, type, x: finite(r.x, 40), y: finite(r.y, 40) };
  const Kind = kindOf(type);
  if (Kind === UnknownNode) {
    if ('code' in r) spec.code = r.code;
    if ('args' in r) spec.args = r.args;
  } else if (Kind.field === 'code') {
    spec.code = typeof r.code === 'string' ? r.code : '';
  } else if (Kind.field === 'args') {
    const a = Array.isArray(r.args) ? r.args.join(' ') : r.args;
    spec.args = a === undefined || a === null ? '' : String(a);
  }
  return spec;
}

/**
 * @param {unknown} v
 * @param {number} d
 */
function finite(v, d) {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : d;
}

/** UnknownNode keeps a node of a type this page does not know, and says so. */
class UnknownNode extends RuntimeNode {
  async start() {
    this.gen++;
    this.setStatus({ state: 'error', error: `unknown node type "${this.spec.type}" (${NODE_TYPES.join(', ')})` });
  }
}
