// js/node.js — what every node kind shares: its spec, ports, title, outputs, status and
// lifecycle (RuntimeNode), and the small helpers the kinds and the runtime both use.
//
// A node kind is one module in js/nodes/ whose class extends RuntimeNode (or CodeNode,
// js/sandbox.js, for kinds that run code) and is listed once in js/nodes/index.js.

/**
 * @typedef {import('./runtime.js').Patch} Patch
 * @typedef {import('./runtime.js').NodeSpec} NodeSpec
 * @typedef {import('./runtime.js').NodeStatus} NodeStatus
 */

/**
 * @typedef {object} Ports How many inlets and outlets a node has.
 * @property {number} inlets
 * @property {number} outlets
 */

/**
 * @typedef {'code'|'canvas'|'args'|'msg'|'bang'|'none'} Face What the editor shows in a
 *   node's body: a code editor, a p5 canvas above a code editor, a one-line argument
 *   field, a message box, a bang button, or nothing but the header.
 */

/** BANG is the message a button, a loadbang or a `bang` msg box sends. */
export const BANG = Object.freeze({ type: 'bang' });

/** MAX_PORTS caps setPortCount (per side). */
export const MAX_PORTS = 16;

/**
 * isBang reports whether msg is a bang ({type:'bang'} or the string "bang").
 * @param {unknown} msg
 * @returns {boolean}
 */
export function isBang(msg) {
  return msg === 'bang' || (msg !== null && typeof msg === 'object' && /** @type {any} */ (msg).type === 'bang');
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
 * safeJSON is JSON.stringify for display: it never throws.
 * @param {unknown} v
 * @returns {string}
 */
export function safeJSON(v) {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

/**
 * RuntimeNode is the base of every node kind. A kind's class sets the static fields
 * below and overrides start/stop/receive/trigger as it needs.
 */
export class RuntimeNode {
  /** type is the node type this class runs ("js", "kv", …), as written in a patch. */
  static type = '';
  /** description is the toolbar button's tooltip. */
  static description = '';
  /** @type {Ports} ports is how many inlets and outlets a new node of this kind has. */
  static ports = { inlets: 1, outlets: 1 };
  /** @type {'code'|'args'|null} field is the spec field that holds the node's text. */
  static field = null;
  /** @type {Face} face is how the editor draws the node's body. */
  static face = 'none';
  /** runnable says whether the editor offers ▶ (run again) on the node. */
  static runnable = false;
  /** @type {Record<string, unknown>} template is what a node added from the toolbar starts with. */
  static template = {};
  /**
   * holdsLoad says whether a patch's loadbangs wait for this kind's first run (see
   * Patch.load). A kind that holds the messages it gets until its first run is over
   * (a p5 sketch, until its setup has run) need not hold them back.
   */
  static holdsLoad = true;

  /** @param {Patch} patch @param {NodeSpec} spec */
  constructor(patch, spec) {
    this.patch = patch;
    this.spec = spec;
    this.id = spec.id;
    /** @type {{msg: unknown, outlet: number|null}[]} */
    this.outputs = [];
    /** @type {NodeStatus} */
    this.status = { state: 'starting' };
    this.gen = 0;
    /** @type {Promise<void>} */
    this.startPromise = Promise.resolve();
    const kind = /** @type {typeof RuntimeNode} */ (this.constructor);
    /** @type {Ports} */
    this.ports = { ...kind.ports };
    /** @type {string} the label setTitle gave the node ("" for none) */
    this.title = '';
    /** @type {Set<() => void>} what stop() undoes: the current run's subscriptions */
    this.cleanups = new Set();
  }

  /**
   * onStop registers fn to run when the node's current run stops (re-run or removal).
   * @param {() => void} fn
   */
  onStop(fn) {
    this.cleanups.add(fn);
  }

  /** live reports whether this object is still the patch's node of its id. */
  get live() {
    return this.patch.nodes.get(this.id) === this;
  }

  /**
   * start runs the node; it never rejects.
   * @returns {Promise<void>}
   */
  async start() {
    this.gen++;
    this.setStatus({ state: 'running' });
  }

  /** stop ends the node's current run: later callbacks of that run do nothing. */
  stop() {
    this.gen++;
    const fns = [...this.cleanups];
    this.cleanups.clear();
    for (const fn of fns) {
      try {
        fn();
      } catch (err) {
        console.warn(`[patch node ${this.id}] cleanup failed`, err);
      }
    }
    this.setStatus({ state: 'stopped' });
  }

  /**
   * receive handles one message on an inlet; the returned value may be a Promise.
   * @param {unknown} _msg
   * @param {number} _inlet
   * @returns {unknown}
   */
  receive(_msg, _inlet) {
    return undefined;
  }

  /** trigger does what a click on the node does. */
  trigger() {}

  /** loaded is called once the patch this node is part of has loaded (see Patch.load). */
  loaded() {}

  /**
   * send is how the node puts a message on its outlets: one outlet, or every outlet
   * when outlet is null or omitted.
   * @param {unknown} msg
   * @param {number|null} [outlet]
   */
  send(msg, outlet = null) {
    if (this.live) this.patch.route(this.id, msg, outlet);
  }

  /**
   * setPorts changes how many inlets and outlets the node has (wires stay; a wire to a
   * port that is gone carries nothing until the port comes back).
   * @param {number} inlets
   * @param {number} outlets
   */
  setPorts(inlets, outlets) {
    if (inlets === this.ports.inlets && outlets === this.ports.outlets) return;
    this.ports = { inlets, outlets };
    if (this.live) this.patch.emit('ports', { id: this.id, ...this.ports });
  }

  /**
   * setTitle labels the node in the editor ("" for none).
   * @param {string} title
   */
  setTitle(title) {
    if (title === this.title) return;
    this.title = title;
    if (this.live) this.patch.emit('title', { id: this.id, title });
  }

  /** resetFace gives the node back its kind's ports and no title (before a re-run). */
  resetFace() {
    const kind = /** @type {typeof RuntimeNode} */ (this.constructor);
    this.setPorts(kind.ports.inlets, kind.ports.outlets);
    this.setTitle('');
  }

  /**
   * setStatus replaces (or with replace=false, amends) what the node shows.
   * @param {Partial<NodeStatus>} s
   * @param {boolean} [replace]
   */
  setStatus(s, replace = true) {
    this.status = /** @type {NodeStatus} */ (replace ? { ...s } : { ...this.status, ...s });
    if (this.status.state === undefined) this.status.state = 'running';
    this.patch.emit('status', { id: this.id, status: { ...this.status } });
  }

  /**
   * fail shows err on the node; it never throws.
   * @param {unknown} err
   * @param {number} [lineOffset]
   */
  fail(err, lineOffset) {
    const text = formatError(err, lineOffset);
    console.error(`[patch node ${this.id}]`, err);
    this.setStatus({ state: 'error', error: text, log: this.status.log });
  }

  /**
   * log shows a console line on the node.
   * @param {string} level
   * @param {unknown[]} args
   */
  log(level, args) {
    const text = args.map((a) => (typeof a === 'string' ? a : safeJSON(a))).join(' ');
    this.setStatus({ log: level === 'log' ? text : `${level}: ${text}` }, false);
  }
}
