// js/sandbox.js — what node code sees besides its own names, shared by the kinds that
// run code (js, p5): its node-scoped kv, send, onMessage/recv, setPortCount, setTitle,
// console, and timers that stop on re-run or removal. Everything is tied to one run of
// the code: after a re-run or a removal the old run's names do nothing.

import { RuntimeNode, MAX_PORTS, safeJSON } from './node.js';

/**
 * @typedef {import('./runtime.js').Patch} Patch
 * @typedef {import('./runtime.js').NodeSpec} NodeSpec
 * @typedef {import('./kv.d.ts').KVStore} KVStore
 */

/**
 * @typedef {object} MessageMeta What a message handler learns besides the message.
 * @property {number} inlet  the inlet the message arrived on
 *
 * @typedef {(msg: any, meta: MessageMeta) => unknown} MessageHandler
 *
 * @typedef {object} Sandbox The names node code sees (SANDBOX_NAMES, in that order).
 * @property {KVStore} kv
 * @property {(msg: unknown, to?: number | {to: number}) => void} send
 * @property {(fn: MessageHandler) => void} onMessage
 * @property {(fn: MessageHandler) => void} recv
 * @property {(inlets: number, outlets: number) => void} setPortCount
 * @property {(text: string) => void} setTitle
 * @property {Console} console
 * @property {typeof setTimeout} setTimeout
 * @property {typeof setInterval} setInterval
 * @property {typeof clearTimeout} clearTimeout
 * @property {typeof clearInterval} clearInterval
 */

/** AsyncFunction is the constructor of async functions (node code runs as one's body). */
export const AsyncFunction = /** @type {FunctionConstructor} */ (Object.getPrototypeOf(async function () {}).constructor);

/** SANDBOX_NAMES lists, in order, the names node code sees besides its own. */
export const SANDBOX_NAMES = /** @type {const} */ (['kv', 'send', 'onMessage', 'recv', 'setPortCount', 'setTitle',
  'console', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval']);

/**
 * outletOf reads send's second argument: nothing (every outlet, null), a port number, or
 * {to: n}. Anything else is a TypeError.
 * @param {unknown} to
 * @returns {number|null}
 */
export function outletOf(to) {
  if (to === undefined || to === null) return null;
  const n = typeof to === 'object' && 'to' in to ? /** @type {any} */ (to).to : to;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  throw new TypeError(`send(msg, outlet): outlet is a port number or {to: n}, got ${safeJSON(to)}`);
}

/**
 * portCount checks one side of setPortCount.
 * @param {unknown} n
 * @param {string} side
 * @returns {number}
 */
function portCount(n, side) {
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_PORTS) return n;
  throw new RangeError(`setPortCount(inlets, outlets): ${side} must be a whole number from 0 to ${MAX_PORTS}, got ${safeJSON(n)}`);
}

/**
 * CodeNode is the shared sandbox of the kinds that run code. Handlers registered with
 * onMessage or recv accumulate; each message goes to all of them, in order.
 */
export class CodeNode extends RuntimeNode {
  static field = /** @type {const} */ ('code');
  static runnable = true;

  /** @param {Patch} patch @param {NodeSpec} spec */
  constructor(patch, spec) {
    super(patch, spec);
    /** @type {{fn: MessageHandler, gen: number, lineOffset: number}[]} */
    this.handlers = [];
    /** @type {{msg: unknown, inlet: number}[]} */
    this.pending = [];
    this.starting = false;
    /** @type {Set<ReturnType<typeof setTimeout>>} */
    this.timers = new Set();
  }

  /**
   * sandbox builds the names one run's code sees.
   * @param {number} gen        the run
   * @param {number} lineOffset lines the wrapper adds before the code (for error lines)
   * @returns {Sandbox}
   */
  sandbox(gen, lineOffset) {
    const current = () => gen === this.gen && this.live;
    /** @param {(...a: any[]) => unknown} fn */
    const guard = (fn) =>
      /** @param {any[]} args */
      (...args) => {
        if (!current()) return;
        try {
          const r = /** @type {any} */ (fn(...args));
          if (r && typeof r.then === 'function') r.then(null, (/** @type {unknown} */ err) => current() && this.fail(err, lineOffset));
        } catch (err) {
          this.fail(err, lineOffset);
        }
      };
    const timers = this.timers;
    /** @param {'log'|'info'|'warn'|'error'} level */
    const line = (level) => (/** @type {any[]} */ ...a) => {
      console[level](`[${this.id}]`, ...a);
      if (current()) this.log(level, a);
    };
    const nodeConsole = /** @type {Console} */ (Object.freeze({
      ...console,
      log: line('log'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
      debug: (/** @type {any[]} */ ...a) => console.debug(`[${this.id}]`, ...a),
    }));
    /** @param {MessageHandler} fn */
    const onMessage = (fn) => {
      if (typeof fn !== 'function') throw new TypeError('onMessage/recv expects a function (msg, meta) => …');
      if (!current()) return;
      this.handlers.push({ fn, gen, lineOffset });
      // Messages that came in while the first pass was awaiting something go to the
      // handlers right after the code that registered the first one has moved on.
      const queued = this.pending.splice(0);
      if (queued.length) {
        queueMicrotask(() => {
          for (const q of queued) if (current()) this.patch.deliver(this.id, q.msg, q.inlet);
        });
      }
    };
    return {
      kv: this.patch.scopedKV(this.patch.root.node(this.id), `node:${this.id}`, this),
      send: (msg, to) => {
        const outlet = outletOf(to);
        if (current()) this.send(msg, outlet);
      },
      onMessage,
      recv: onMessage,
      setPortCount: (inlets, outlets) => {
        const i = portCount(inlets, 'inlets');
        const o = portCount(outlets, 'outlets');
        if (current()) this.setPorts(i, o);
      },
      setTitle: (text) => {
        if (current()) this.setTitle(String(text ?? ''));
      },
      console: nodeConsole,
      setTimeout: /** @type {any} */ ((/** @type {any} */ fn, /** @type {number} */ ms, /** @type {any[]} */ ...a) => {
        const t = setTimeout(() => {
          timers.delete(t);
          guard(fn)(...a);
        }, ms);
        timers.add(t);
        return t;
      }),
      setInterval: /** @type {any} */ ((/** @type {any} */ fn, /** @type {number} */ ms, /** @type {any[]} */ ...a) => {
        const t = setInterval(guard(fn), ms, ...a);
        timers.add(t);
        return t;
      }),
      clearTimeout: /** @type {any} */ ((/** @type {any} */ t) => (timers.delete(t), clearTimeout(t))),
      clearInterval: /** @type {any} */ ((/** @type {any} */ t) => (timers.delete(t), clearInterval(t))),
    };
  }

  /**
   * receive calls every handler of the current run with (msg, {inlet}); it resolves
   * when all have. Before the first handler exists, messages that arrive while the
   * code's first pass is still running wait for it; afterwards a node without handlers
   * drops them.
   * @param {unknown} msg
   * @param {number} inlet
   * @returns {Promise<unknown>|undefined}
   */
  receive(msg, inlet) {
    const hs = this.handlers.filter((h) => h.gen === this.gen);
    if (hs.length === 0) {
      if (this.starting) this.pending.push({ msg, inlet });
      return undefined;
    }
    const waits = [];
    for (const h of hs) {
      try {
        const r = h.fn(msg, { inlet });
        waits.push(Promise.resolve(r).catch((err) => this.fail(err, h.lineOffset)));
      } catch (err) {
        this.fail(err, h.lineOffset);
      }
    }
    return Promise.all(waits);
  }

  stop() {
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    this.handlers = [];
    this.pending = [];
    this.starting = false;
    super.stop();
    this.resetFace();
  }
}
