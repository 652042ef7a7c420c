// js/patch.js — the patch runtime: nodes, wires and message routing, with no UI.
//
// A patch is a JSON document {id, nodes:[{id,type,x,y,code|args}], edges:[{from,outlet,to,inlet}]}.
// Patch runs it: `js` and `p5` nodes execute their code with a node-scoped `kv`,
// `[kv]`/`[kv name]` objects answer the request protocol of SPEC §5, `button` and `msg`
// send on click or bang. Messages travel along wires depth-first and synchronously, as in
// Max or Pure Data: a node's `send` calls the receivers before it returns.
//
// The UI (js/editor.js) draws what this module holds and listens to its events; the
// tests drive the same object through `window.patch`.

/**
 * @typedef {import('./kv.d.ts').KVRoot} KVRoot
 * @typedef {import('./kv.d.ts').KVStore} KVStore
 */

/**
 * @typedef {'js'|'p5'|'kv'|'button'|'msg'} NodeType
 *
 * @typedef {object} NodeSpec One node of a patch document.
 * @property {string} id       unique inside the patch; also the name of its kv scope
 * @property {NodeType} type
 * @property {number} x        position on the canvas, in CSS pixels
 * @property {number} y
 * @property {string} [code]   js and p5 nodes: the source
 * @property {string} [args]   kv: the store name ("" or absent: the node's own scope);
 *                             msg: the message, as JSON (or a JavaScript literal)
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
 *
 * @typedef {object} NodeStatus What a node shows besides its code.
 * @property {'starting'|'running'|'error'|'stopped'} state
 * @property {string} [error]   the last error, formatted
 * @property {string} [log]     the last console line
 */

/** NODE_TYPES lists the node types a patch can hold. */
export const NODE_TYPES = /** @type {const} */ (['js', 'p5', 'kv', 'button', 'msg']);

/** BANG is the message a button sends. */
export const BANG = Object.freeze({ type: 'bang' });

/** OUTPUT_LIMIT caps how many sent messages outputs() keeps per node (the newest win). */
export const OUTPUT_LIMIT = 1000;

/** MAX_DEPTH stops a synchronous message loop (a wire cycle) instead of overflowing the stack. */
const MAX_DEPTH = 200;

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;

// Names a js or p5 node's code sees besides its own; the timers are the node's own so
// that a re-run or a removal stops them.
const SANDBOX_NAMES = ['kv', 'send', 'onMessage', 'console', 'setTimeout', 'setInterval',
  'clearTimeout', 'clearInterval'];

// The functions a p5 sketch may define, global-mode style.
const P5_HANDLERS = ['preload', 'setup', 'draw', 'windowResized', 'mousePressed', 'mouseReleased',
  'mouseClicked', 'mouseMoved', 'mouseDragged', 'doubleClicked', 'mouseWheel', 'keyPressed',
  'keyReleased', 'keyTyped', 'touchStarted', 'touchMoved', 'touchEnded', 'deviceMoved',
  'deviceTurned', 'deviceShaken'];

const DEFAULT_P5_URL = new URL('../node_modules/p5/lib/p5.min.js', import.meta.url).href;

/** isBang reports whether msg is a bang ({type:'bang'} or the string "bang"). */
export function isBang(msg) {
  return msg === 'bang' || (msg !== null && typeof msg === 'object' && msg.type === 'bang');
}

/**
 * formatError turns anything thrown by node code into one line for the node's face. For
 * errors from a node's own code it adds the line number inside that code when the stack
 * tells it (`lineOffset` is how many lines the Function wrapper adds before the body).
 * @param {unknown} err
 * @param {number} [lineOffset]
 * @returns {string}
 */
export function formatError(err, lineOffset = 2) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    const e = /** @type {Error} */ (err);
    let text = `${e.name || 'Error'}: ${e.message}`;
    const m = typeof e.stack === 'string' && /<anonymous>:(\d+):(\d+)/.exec(e.stack);
    if (m) text += ` (line ${Number(m[1]) - lineOffset})`;
    return text;
  }
  try {
    return `thrown: ${typeof err === 'string' ? err : JSON.stringify(err)}`;
  } catch {
    return `thrown: ${String(err)}`;
  }
}

/**
 * parseMessage reads a msg box's text: JSON first, then a JavaScript literal such as
 * `{type: 'get', key: 'color'}`. It throws a SyntaxError when the text is neither.
 * @param {string} text
 * @returns {unknown}
 */
export function parseMessage(text) {
  const t = String(text ?? '').trim();
  if (t === '') return BANG;
  try {
    return JSON.parse(t);
  } catch {
    // A literal, evaluated like the code of a js node: the patch's author wrote it.
    return new Function(`"use strict"; return (${t}\n);`)();
  }
}

let p5Loading = /** @type {Promise<any>|null} */ (null);

/**
 * loadP5 loads p5.js once, as a classic script, and resolves to the p5 constructor.
 * It rejects with a clear Error when the file cannot be loaded.
 * @param {string} url
 * @returns {Promise<any>}
 */
export function loadP5(url = DEFAULT_P5_URL) {
  if (globalThis.p5) return Promise.resolve(globalThis.p5);
  if (!p5Loading) {
    p5Loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.onload = () => (globalThis.p5 ? resolve(globalThis.p5) : reject(new Error(`p5.js did not load from ${url}`)));
      s.onerror = () => {
        p5Loading = null;
        reject(new Error(`p5.js is missing (${url}): run ./build.sh serve, which installs it`));
      };
      document.head.appendChild(s);
    });
  }
  return p5Loading;
}

/**
 * Patch runs one patch document. Events (all CustomEvents, detail shown):
 *   'change' {reason}            the document changed (nodes, wires, positions, code, args)
 *   'nodeadded' {node}           a node was created, before its code starts
 *   'noderemoved' {id}
 *   'status' {id, status}        a node's NodeStatus changed
 *   'output' {id, outlet, msg}   a node sent a message
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
   */
  constructor({ root, openRoot, p5Parent, p5URL } = /** @type {any} */ ({})) {
    super();
    if (!root) throw new TypeError('Patch: options.root (a kv root from loadKV) is required');
    /** @type {KVRoot} */
    this.root = root;
    /** @type {string} */
    this.id = root.patch;
    this.openRoot = openRoot ?? (async (id) => (await import('./kv.js')).loadKV({ patch: id }));
    this.p5Parent = p5Parent ?? (() => document.body);
    this.p5URL = p5URL ?? DEFAULT_P5_URL;
    /** @type {Map<string, RuntimeNode>} */
    this.nodes = new Map();
    /** @type {Edge[]} */
    this.edges = [];
    this.depth = 0;
    this.loadGen = 0;
    this.counter = 0;
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
    for (const id of [...this.nodes.keys()]) this.removeNode(id, { quiet: true });
    this.edges = [];
    if (typeof doc.id === 'string' && doc.id !== this.id) {
      const root = await this.openRoot(doc.id);
      if (gen !== this.loadGen) return;
      this.root = root;
      this.id = doc.id;
    }
    const starts = [];
    for (const spec of Array.isArray(doc.nodes) ? doc.nodes : []) {
      try {
        starts.push(this.createNode(spec).startPromise);
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
    await Promise.all(starts);
  }

  /**
   * addNode adds one node and starts it; it resolves to the node's id once its code has
   * run for the first time. A missing id is generated; an id in use is an Error.
   * @param {Partial<NodeSpec> & {type: NodeType}} spec
   * @returns {Promise<string>}
   */
  async addNode(spec) {
    const node = this.createNode(spec);
    this.emit('change', { reason: 'add' });
    await node.startPromise;
    return node.id;
  }

  /**
   * removeNode stops node id (its p5 canvas, timers and handlers go) and removes its
   * wires. It reports whether the node existed. The node's kv data stays.
   * @param {string} id
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
   * toJSON returns the patch document: its id, its nodes and its wires.
   * @returns {PatchJSON}
   */
  toJSON() {
    return {
      id: this.id,
      nodes: [...this.nodes.values()].map((n) => ({ ...n.spec })),
      edges: this.edges.map((e) => ({ ...e })),
    };
  }

  // ---- internals -------------------------------------------------------------------

  /** @param {string} type @param {object} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** newId returns an unused node id such as "js-3". */
  newId(type) {
    let id;
    do id = `${type}-${++this.counter}`;
    while (this.nodes.has(id));
    return id;
  }

  /** createNode builds the runtime node, announces it, and starts it. */
  createNode(raw) {
    const spec = normalizeSpec(raw, this);
    if (this.nodes.has(spec.id)) throw new Error(`patch: a node "${spec.id}" exists already`);
    const Kind = KINDS[spec.type] ?? UnknownNode;
    const node = new Kind(this, spec);
    this.nodes.set(spec.id, node);
    this.emit('nodeadded', { node: spec });
    node.startPromise = node.start();
    return node;
  }

  /**
   * deliver hands msg to a node's inlet; it resolves when the handler is done. Errors in
   * user handlers land on the node; a wire cycle is cut at MAX_DEPTH.
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

  /** route records msg as sent by node `from` and passes it along that outlet's wires. */
  route(from, msg, outlet = 0) {
    const node = this.nodes.get(from);
    if (!node) return;
    const o = Number.isInteger(outlet) && outlet >= 0 ? outlet : 0;
    node.outputs.push({ msg, outlet: o });
    if (node.outputs.length > OUTPUT_LIMIT) node.outputs.splice(0, node.outputs.length - OUTPUT_LIMIT);
    this.emit('output', { id: from, outlet: o, msg });
    for (const e of this.edges.filter((x) => x.from === from && x.outlet === o)) {
      this.deliver(e.to, msg, e.inlet);
    }
  }

  /**
   * scopedKV wraps a kv store so that resolved writes announce a 'write' event (the
   * storage panel listens) while every call still goes straight to the core, in order,
   * with the value cloned at call time. It has exactly the methods of a KVStore.
   * @param {KVStore} store
   * @param {string} scope  a label for the event: "node:ID" or "store:NAME"
   * @returns {KVStore}
   */
  scopedKV(store, scope) {
    const announce = (p) => {
      p.then(() => this.emit('write', { scope }), () => {});
      return p;
    };
    return Object.freeze({
      get: (key) => store.get(key),
      has: (key) => store.has(key),
      keys: () => store.keys(),
      set: (key, value) => announce(store.set(key, value)),
      delete: (key) => announce(store.delete(key)),
      clear: () => announce(store.clear()),
      store: (name) => this.scopedKV(store.store(name), `store:${name}`),
    });
  }
}

function normalizeEdge(edge) {
  if (!edge || typeof edge !== 'object') throw new TypeError('patch: a wire is {from, outlet, to, inlet}');
  const from = String(edge.from);
  const to = String(edge.to);
  const outlet = Number.isInteger(edge.outlet) && edge.outlet >= 0 ? edge.outlet : 0;
  const inlet = Number.isInteger(edge.inlet) && edge.inlet >= 0 ? edge.inlet : 0;
  return { from, outlet, to, inlet };
}

function sameEdge(a, b) {
  return a.from === b.from && a.to === b.to && a.outlet === b.outlet && a.inlet === b.inlet;
}

/** normalizeSpec validates a node spec and fills its defaults. */
function normalizeSpec(raw, patch) {
  if (!raw || typeof raw !== 'object') throw new TypeError('patch: a node is {id, type, x, y, code|args}');
  const type = String(raw.type ?? '');
  const id = raw.id === undefined || raw.id === null ? patch.newId(type || 'node') : String(raw.id);
  const spec = { id, type, x: finite(raw.x, 40), y: finite(raw.y, 40) };
  if (type === 'js' || type === 'p5') spec.code = typeof raw.code === 'string' ? raw.code : '';
  else if (type === 'kv' || type === 'msg') {
    const a = Array.isArray(raw.args) ? raw.args.join(' ') : raw.args;
    spec.args = a === undefined || a === null ? '' : String(a);
  } else if (!/** @type {readonly string[]} */ (NODE_TYPES).includes(type)) {
    // Keep whatever it carried so that saving the patch loses nothing.
    if ('code' in raw) spec.code = raw.code;
    if ('args' in raw) spec.args = raw.args;
  }
  return spec;
}

function finite(v, d) {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : d;
}

/** RuntimeNode is what every node kind shares: its spec, outputs, status and lifecycle. */
class RuntimeNode {
  /** @param {Patch} patch @param {NodeSpec} spec */
  constructor(patch, spec) {
    this.patch = patch;
    this.spec = spec;
    this.id = spec.id;
    /** @type {{msg: unknown, outlet: number}[]} */
    this.outputs = [];
    /** @type {NodeStatus} */
    this.status = { state: 'starting' };
    this.gen = 0;
    this.startPromise = Promise.resolve();
  }

  get live() {
    return this.patch.nodes.get(this.id) === this;
  }

  /** start runs the node; it never rejects. */
  async start() {
    this.gen++;
    this.setStatus({ state: 'running' });
  }

  stop() {
    this.gen++;
    this.setStatus({ state: 'stopped' });
  }

  /** receive handles one message on an inlet; the returned value may be a Promise. */
  receive(_msg, _inlet) {}

  trigger() {}

  /** send is how the node puts a message on one of its outlets. */
  send(msg, outlet = 0) {
    if (this.live) this.patch.route(this.id, msg, outlet);
  }

  /** @param {Partial<NodeStatus>} s */
  setStatus(s, replace = true) {
    this.status = /** @type {NodeStatus} */ (replace ? { ...s } : { ...this.status, ...s });
    if (this.status.state === undefined) this.status.state = 'running';
    this.patch.emit('status', { id: this.id, status: { ...this.status } });
  }

  /** fail shows err on the node; it never throws. */
  fail(err, lineOffset) {
    const text = formatError(err, lineOffset);
    console.error(`[patch node ${this.id}]`, err);
    this.setStatus({ state: 'error', error: text, log: this.status.log });
  }

  log(level, args) {
    const text = args.map((a) => (typeof a === 'string' ? a : safeJSON(a))).join(' ');
    this.setStatus({ log: level === 'log' ? text : `${level}: ${text}` }, false);
  }
}

function safeJSON(v) {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

/**
 * CodeNode is the shared sandbox of js and p5 nodes: its own kv, send, onMessage,
 * console and timers, all tied to one run (a re-run makes the old ones inert).
 */
class CodeNode extends RuntimeNode {
  constructor(patch, spec) {
    super(patch, spec);
    this.handler = null;
    this.pending = [];
    this.starting = false;
    /** @type {Set<number>} */
    this.timers = new Set();
  }

  /** sandbox builds the names a run's code sees. */
  sandbox(gen, lineOffset) {
    const current = () => gen === this.gen && this.live;
    const guard = (fn) =>
      (...args) => {
        if (!current()) return;
        try {
          const r = fn(...args);
          if (r && typeof r.then === 'function') r.then(null, (err) => current() && this.fail(err, lineOffset));
        } catch (err) {
          this.fail(err, lineOffset);
        }
      };
    const timers = this.timers;
    const nodeConsole = Object.freeze({
      ...console,
      log: (...a) => (console.log(`[${this.id}]`, ...a), current() && this.log('log', a)),
      info: (...a) => (console.info(`[${this.id}]`, ...a), current() && this.log('info', a)),
      warn: (...a) => (console.warn(`[${this.id}]`, ...a), current() && this.log('warn', a)),
      error: (...a) => (console.error(`[${this.id}]`, ...a), current() && this.log('error', a)),
      debug: (...a) => console.debug(`[${this.id}]`, ...a),
    });
    return {
      kv: this.patch.scopedKV(this.patch.root.node(this.id), `node:${this.id}`),
      send: (msg, outlet = 0) => {
        if (current()) this.send(msg, outlet);
      },
      onMessage: (fn) => {
        if (typeof fn !== 'function') throw new TypeError('onMessage expects a function (msg, inlet) => …');
        if (!current()) return;
        this.handler = { fn, gen, lineOffset };
        // Messages that came in while the first pass was awaiting something go to the
        // handler right after the code that registered it has moved on.
        const queued = this.pending.splice(0);
        if (queued.length) {
          queueMicrotask(() => {
            for (const q of queued) if (current()) this.patch.deliver(this.id, q.msg, q.inlet);
          });
        }
      },
      console: nodeConsole,
      setTimeout: (fn, ms, ...a) => {
        const t = setTimeout(() => {
          timers.delete(t);
          guard(fn)(...a);
        }, ms);
        timers.add(t);
        return t;
      },
      setInterval: (fn, ms, ...a) => {
        const t = setInterval(guard(fn), ms, ...a);
        timers.add(t);
        return t;
      },
      clearTimeout: (t) => (timers.delete(t), clearTimeout(t)),
      clearInterval: (t) => (timers.delete(t), clearInterval(t)),
    };
  }

  receive(msg, inlet) {
    const h = this.handler;
    if (h && h.gen === this.gen) {
      try {
        const r = h.fn(msg, inlet);
        return Promise.resolve(r).catch((err) => this.fail(err, h.lineOffset));
      } catch (err) {
        this.fail(err, h.lineOffset);
        return;
      }
    }
    // Messages that arrive while the code's first pass is still awaiting something wait
    // for its onMessage; afterwards a node without a handler drops them.
    if (this.starting) this.pending.push({ msg, inlet });
  }

  stop() {
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    this.handler = null;
    this.pending = [];
    this.starting = false;
    super.stop();
  }
}

/** JSNode runs its code as the body of an async function. */
class JSNode extends CodeNode {
  async start() {
    const gen = ++this.gen;
    this.setStatus({ state: 'running' });
    const sb = this.sandbox(gen, 2);
    let fn;
    try {
      fn = new AsyncFunction(...SANDBOX_NAMES, this.spec.code ?? '');
    } catch (err) {
      this.fail(err);
      return;
    }
    this.starting = true;
    try {
      await fn.call(undefined, ...SANDBOX_NAMES.map((n) => sb[n]));
    } catch (err) {
      if (gen === this.gen) this.fail(err, 2);
    } finally {
      if (gen === this.gen) {
        this.starting = false;
        this.pending = [];
      }
    }
  }
}

/**
 * P5Node runs a global-mode sketch on its own p5 instance. The code is the body of an
 * async function inside `with (scope)`, where scope is a Proxy that answers p5's names
 * from this node's instance (methods bound to it, properties read live) and the sandbox
 * names from the node; every other name falls through to the page's globals. The
 * functions the sketch declares (setup, draw, mousePressed, …) are then set on the
 * instance, wrapped so that an error stops the sketch and shows on the node.
 */
class P5Node extends CodeNode {
  constructor(patch, spec) {
    super(patch, spec);
    this.instance = null;
  }

  async start() {
    const gen = ++this.gen;
    this.setStatus({ state: 'running' });
    const LINE_OFFSET = 3; // "async function anonymous(__scope\n) {\nwith (__scope) {\n"
    let P5;
    try {
      P5 = await loadP5(this.patch.p5URL);
    } catch (err) {
      if (gen === this.gen) this.fail(err);
      return;
    }
    if (gen !== this.gen) return;
    const sb = this.sandbox(gen, LINE_OFFSET);
    const holder = { p: null };
    const scope = p5Scope(P5, holder, sb);
    const exported = P5_HANDLERS.map((h) => `${h}: typeof ${h} === 'function' ? ${h} : undefined`).join(', ');
    let fn;
    try {
      fn = new AsyncFunction('__scope', `with (__scope) {\n${this.spec.code ?? ''}\n;return { ${exported} };\n}`);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.starting = true;
    let handlers;
    try {
      handlers = await fn.call(undefined, scope);
    } catch (err) {
      if (gen === this.gen) this.fail(err, LINE_OFFSET);
      return;
    } finally {
      if (gen === this.gen) {
        this.starting = false;
        this.pending = [];
      }
    }
    if (gen !== this.gen) return;
    // A top-level `return` in the sketch skips the list of its functions.
    if (!handlers || typeof handlers !== 'object') handlers = {};

    let parent;
    try {
      parent = this.patch.p5Parent(this.id);
    } catch (err) {
      this.fail(err);
      return;
    }
    /** @type {(value?: unknown) => void} */
    let setupDone;
    const ready = new Promise((resolve) => (setupDone = resolve));
    const wrap = (name, f) =>
      /** @this {any} the p5 instance */
      function (...args) {
        if (gen !== this._patchGen) return undefined;
        const broken = (err) => {
          this._patchGen = -1; // stop calling into the broken sketch
          try {
            this.noLoop();
          } catch {}
          node.fail(err, LINE_OFFSET);
        };
        try {
          const r = f.apply(undefined, args);
          if (r && typeof r.then === 'function') r.then(null, broken);
          return r;
        } catch (err) {
          broken(err);
          return undefined;
        } finally {
          if (name === 'setup') setupDone();
        }
      };
    const node = this;
    try {
      this.instance = new P5((p) => {
        holder.p = p;
        p._patchGen = gen;
        for (const name of P5_HANDLERS) {
          if (typeof handlers[name] === 'function') p[name] = wrap(name, handlers[name]);
        }
        if (typeof p.setup !== 'function') p.setup = wrap('setup', () => {});
      }, parent);
    } catch (err) {
      this.fail(err, LINE_OFFSET);
      setupDone();
    }
    // A sketch whose preload never finishes must not hold load() forever.
    await Promise.race([ready, new Promise((r) => setTimeout(r, 5000))]);
  }

  stop() {
    if (this.instance) {
      try {
        this.instance._patchGen = -1;
        this.instance.remove();
      } catch (err) {
        console.warn(`[patch node ${this.id}] p5 remove failed`, err);
      }
      this.instance = null;
    }
    super.stop();
  }
}

/**
 * p5Scope builds the `with` object of a p5 sketch. Names resolve, in order: the node's
 * sandbox (kv, send, …); the p5 instance's members (from the prototype before the
 * instance exists: constants work at top level, functions only once setup runs).
 */
function p5Scope(P5, holder, sb) {
  const bound = new Map();
  const skip = (name) => typeof name !== 'string' || name.startsWith('_') || name in Object.prototype;
  return new Proxy(Object.create(null), {
    has(_, name) {
      if (typeof name === 'string' && Object.hasOwn(sb, name)) return true;
      if (skip(name)) return false;
      return name in (holder.p ?? P5.prototype);
    },
    get(_, name) {
      if (name === Symbol.unscopables) return undefined;
      if (typeof name === 'string' && Object.hasOwn(sb, name)) return sb[name];
      if (typeof name !== 'string') return undefined;
      const p = holder.p;
      const v = p ? p[name] : P5.prototype[name];
      if (typeof v !== 'function') return v;
      let f = bound.get(name);
      if (!f || f.orig !== v) {
        const call = p
          ? v.bind(p)
          : (...a) => {
            if (!holder.p) throw new Error(`${name}() is a p5 function: call it from setup(), draw() or later`);
            return holder.p[name](...a);
          };
        f = { orig: v, call };
        if (p) bound.set(name, f);
      }
      return f.call;
    },
    set(_, name, value) {
      if (typeof name === 'string' && Object.hasOwn(sb, name)) return true;
      if (holder.p) holder.p[name] = value;
      return true;
    },
  });
}

/**
 * KVNode is the [kv] / [kv name] object: it answers the request protocol of SPEC §5.
 * Requests are issued to the core in the order they arrive, so they take effect in that
 * order; replies go out in that order too.
 */
class KVNode extends RuntimeNode {
  constructor(patch, spec) {
    super(patch, spec);
    this.tail = Promise.resolve();
    this.storeName = null;
    this.store = null;
  }

  async start() {
    this.gen++;
    const name = (this.spec.args ?? '').trim();
    this.use(name === '' ? null : name);
    this.setStatus({ state: 'running' });
  }

  /** use points the object at the named store `name`, or its own node scope for null. */
  use(name) {
    this.storeName = name;
    this.store = name === null
      ? this.patch.scopedKV(this.patch.root.node(this.id), `node:${this.id}`)
      : this.patch.scopedKV(this.patch.root.store(name), `store:${name}`);
  }

  receive(msg) {
    const gen = this.gen;
    let reply;
    try {
      reply = this.request(msg);
    } catch (err) {
      reply = Promise.resolve(errorReply(err));
    }
    const settled = Promise.resolve(reply).catch(errorReply);
    this.tail = this.tail.then(() => settled).then((r) => {
      if (gen === this.gen) this.send(r, 0);
    });
    return this.tail;
  }

  /**
   * request starts one request against the store now and returns its reply (a Promise).
   * @returns {Promise<object>}
   */
  request(msg) {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      throw new TypeError(`kv: expected a request such as {type: 'get', key}, got ${safeJSON(msg)}`);
    }
    const s = this.store;
    const { type, key } = msg;
    switch (type) {
      case 'get': {
        const found = s.has(key);
        const value = s.get(key);
        return Promise.all([found, value]).then(([f, v]) => ({ type, key, value: v, found: f }));
      }
      case 'set':
        return s.set(key, msg.value).then(() => ({ type, key, ok: true }));
      case 'delete': {
        const had = s.has(key);
        const done = s.delete(key);
        return Promise.all([had, done]).then(([h]) => ({ type, key, deleted: h }));
      }
      case 'has':
        return s.has(key).then((exists) => ({ type, key, exists }));
      case 'keys':
        return s.keys().then((keys) => ({ type, keys }));
      case 'clear':
        return s.clear().then(() => ({ type, ok: true }));
      case 'setStore': {
        const v = msg.value;
        if (v !== null && v !== undefined && typeof v !== 'string') {
          throw new TypeError(`kv: setStore needs a store name (a string), or null for this node's own scope`);
        }
        this.use(v ?? null);
        // The document keeps the name as the object's args. A store named "" is used
        // from now on, but reads back as "no name" (the node's own scope) after a reload.
        this.spec.args = v ?? '';
        this.patch.emit('change', { reason: 'setStore' });
        return Promise.resolve({ type, value: v ?? null, ok: true });
      }
      default:
        throw new TypeError(`kv: unknown request type ${safeJSON(type)} (get, set, delete, has, keys, clear, setStore)`);
    }
  }
}

function errorReply(err) {
  const e = /** @type {any} */ (err);
  const message = e && typeof e === 'object' && 'message' in e
    ? (e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : String(e.message))
    : String(err);
  return { type: 'error', message };
}

/** ButtonNode sends a bang when clicked or when anything arrives on its inlet. */
class ButtonNode extends RuntimeNode {
  receive() {
    this.trigger();
  }

  trigger() {
    this.send(BANG, 0);
  }
}

/** MsgNode sends its message when clicked or banged; other messages are ignored. */
class MsgNode extends RuntimeNode {
  async start() {
    await super.start();
    try {
      parseMessage(this.spec.args ?? '');
    } catch (err) {
      this.fail(new SyntaxError(`not JSON nor a JavaScript literal: ${err.message}`));
    }
  }

  receive(msg) {
    if (isBang(msg)) this.trigger();
  }

  trigger() {
    let value;
    try {
      value = parseMessage(this.spec.args ?? '');
    } catch (err) {
      this.fail(new SyntaxError(`not JSON nor a JavaScript literal: ${err.message}`));
      return;
    }
    if (this.status.state === 'error') this.setStatus({ state: 'running' });
    this.send(value, 0);
  }
}

/** UnknownNode keeps a node of a type this page does not know, and says so. */
class UnknownNode extends RuntimeNode {
  async start() {
    this.gen++;
    this.setStatus({ state: 'error', error: `unknown node type "${this.spec.type}" (${NODE_TYPES.join(', ')})` });
  }
}

const KINDS = { js: JSNode, p5: P5Node, kv: KVNode, button: ButtonNode, msg: MsgNode };

/**
 * ports returns how many inlets and outlets a node of this type has.
 * @param {string} _type
 * @returns {{inlets: number, outlets: number}}
 */
export function ports(_type) {
  return { inlets: 1, outlets: 1 };
}
