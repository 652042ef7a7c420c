// js/nodes/p5.js — the `p5` node: a sketch written as in p5's global mode, run on its
// own p5.js 2.x instance, with the sandbox names of js/sandbox.js in scope.

import { CodeNode, AsyncFunction } from '../sandbox.js';
import { instrument, makeGuard, GUARD_NAME } from '../loopguard.js';
import { gateEvents } from '../p5gate.js';
import { loadP5, DEFAULT_P5_URL } from '../p5load.js';

/**
 * @typedef {import('../sandbox.js').Sandbox} Sandbox
 * @typedef {import('../runtime.js').Patch} Patch
 * @typedef {import('../runtime.js').NodeSpec} NodeSpec
 */

/** P5_HANDLERS lists the functions a sketch may define, global-mode style. */
const P5_HANDLERS = ['preload', 'setup', 'draw', 'windowResized', 'mousePressed', 'mouseReleased',
  'mouseClicked', 'mouseMoved', 'mouseDragged', 'doubleClicked', 'mouseWheel', 'keyPressed',
  'keyReleased', 'keyTyped', 'touchStarted', 'touchMoved', 'touchEnded', 'deviceMoved',
  'deviceTurned', 'deviceShaken'];

/** LINE_OFFSET: "async function anonymous(__scope\n) {\nwith (__scope) {\n" */
const LINE_OFFSET = 3;

/** SETUP_WAIT caps how long start() (and so Patch.load) waits for an async setup. */
const SETUP_WAIT = 5000;

// loadP5 and DEFAULT_P5_URL live in js/p5load.js, which js/early.js also uses to
// fetch p5.js while kv still loads when the patch it reads has a p5 node.
export { loadP5, DEFAULT_P5_URL };

/**
 * P5Node runs a global-mode sketch on its own p5 instance. The code is the body of an
 * async function inside `with (scope)`, where scope is a Proxy that answers p5's names
 * from this node's instance (methods bound to it, properties read live) and the sandbox
 * names from the node; every other name falls through to the page's globals. The
 * functions the sketch declares (setup, draw, mousePressed, …) are then set on the
 * instance, wrapped so that an error stops the sketch and shows on the node.
 *
 * p5.js 2.x awaits the Promise that setup returns before it calls draw: an `async
 * function setup()` runs once, and draw starts after it resolves. start() resolves
 * once setup has (or after SETUP_WAIT, so that a setup that never finishes does not
 * hold Patch.load forever).
 *
 * Messages that arrive before setup has run (while p5.js loads, the sketch's code
 * runs, or setup awaits something) wait and are handed to the sketch, in order, once
 * it has: a sketch never gets a message before its canvas exists. So the sketch
 * need not hold back the patch's loadbangs (holdsLoad), and in a patch being loaded
 * it runs p5.js only once they have banged: p5.js is not on the way to the rest of
 * the patch's first state.
 */
export class P5Node extends CodeNode {
  static type = 'p5';
  static description = 'a p5.js 2.x sketch on its own canvas (setup may be async)';
  static face = /** @type {const} */ ('canvas');
  static template = {
    code: 'function setup() {\n  createCanvas(160, 120);\n}\n\nfunction draw() {\n  background(240);\n  circle(mouseX, mouseY, 20);\n}',
  };
  static holdsLoad = false;

  /** @param {Patch} patch @param {NodeSpec} spec */
  constructor(patch, spec) {
    super(patch, spec);
    /** @type {any} the p5 instance of the current run */
    this.instance = null;
    /** holding: the current run's setup has not run yet, messages wait in held */
    this.holding = false;
    /** @type {{msg: unknown, inlet: number, resolve: (v: unknown) => void}[]} */
    this.held = [];
  }

  async start() {
    const gen = ++this.gen;
    this.holding = true;
    try {
      await this.run(gen);
    } finally {
      if (gen === this.gen) this.release();
    }
  }

  /**
   * receive holds msg until the sketch's setup has run; it resolves once the sketch
   * has handled it.
   * @param {unknown} msg
   * @param {number} inlet
   */
  receive(msg, inlet) {
    if (!this.holding) return super.receive(msg, inlet);
    return new Promise((resolve) => this.held.push({ msg, inlet, resolve }));
  }

  /** release hands the held messages to the sketch, in order. */
  release() {
    this.holding = false;
    for (const h of this.held.splice(0)) h.resolve(this.patch.deliver(this.id, h.msg, h.inlet));
  }

  /**
   * run is one run of the sketch: p5.js, the code, then the instance and its setup.
   * @param {number} gen
   */
  async run(gen) {
    this.setStatus({ state: 'running' });
    // Running p5.js takes the main thread for a while (0.1–0.8 s here, the most on a
    // first visit): in a patch being loaded it waits until the patch has shown its
    // first state (Patch.firstState), so that it holds up only sketches.
    await this.patch.firstState();
    if (gen !== this.gen) return;
    let P5;
    try {
      P5 = await loadP5(this.patch.p5URL);
    } catch (err) {
      if (gen === this.gen) this.fail(err);
      return;
    }
    if (gen !== this.gen) return;
    const sb = this.sandbox(gen, LINE_OFFSET);
    /** @type {{p: any}} */
    const holder = { p: null };
    const scope = p5Scope(P5, holder, sb);
    const exported = P5_HANDLERS.map((h) => `${h}: typeof ${h} === 'function' ? ${h} : undefined`).join(', ');
    let fn;
    try {
      // Loops get a guard (a parameter, outside the `with`) that stops a sketch running
      // over a second without yielding, also inside draw.
      fn = new AsyncFunction('__scope', GUARD_NAME, `with (__scope) {\n${instrument(this.spec.code ?? '')}\n;return { ${exported} };\n}`);
    } catch (err) {
      this.fail(err);
      return;
    }
    // A loop that runs too long fails the node; once the sketch runs, it also stops it.
    /** @type {(err: unknown) => void} */
    let onTrip = (err) => gen === this.gen && this.fail(err);
    const guard = makeGuard((err) => onTrip(err));
    this.starting = true;
    /** @type {Record<string, Function|undefined>} */
    let handlers;
    try {
      handlers = await fn.call(undefined, scope, guard);
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
    if (typeof handlers.preload === 'function') {
      sb.console.warn('preload() does not run in p5.js 2.x: load in an async setup() with await (see the README)');
    }

    let parent;
    try {
      parent = this.patch.p5Parent(this.id);
    } catch (err) {
      this.fail(err);
      return;
    }
    /** @type {() => void} */
    let setupDone = () => {};
    const ready = new Promise((resolve) => (setupDone = () => resolve(undefined)));
    const node = this;
    /** @type {boolean} */
    let broken = false;
    /** @param {unknown} err */
    const breakSketch = (err) => {
      if (broken || gen !== this.gen) return;
      broken = true; // stop calling into the broken sketch
      try {
        holder.p?.noLoop();
      } catch {}
      node.fail(err, LINE_OFFSET);
    };
    onTrip = breakSketch;
    /**
     * @param {string} name
     * @param {Function} f
     */
    const wrap = (name, f) =>
      /** @param {any[]} args */
      (...args) => {
        if (broken || gen !== this.gen) {
          if (name === 'setup') setupDone();
          return undefined;
        }
        let r;
        try {
          r = f.apply(undefined, args);
        } catch (err) {
          breakSketch(err);
          if (name === 'setup') setupDone();
          return undefined;
        }
        if (r && typeof r.then === 'function') {
          // An async handler: p5 awaits setup's Promise before the first draw. Hand it
          // one that never rejects (a rejection shows on the node instead).
          const settled = Promise.resolve(r).then(() => undefined, breakSketch);
          if (name === 'setup') return settled.finally(setupDone);
          return settled;
        }
        if (name === 'setup') setupDone();
        return r;
      };
    try {
      this.instance = new P5((/** @type {any} */ p) => {
        holder.p = p;
        gateEvents(p, parent); // keys only while the sketch has focus, clicks only on it
        for (const name of P5_HANDLERS) {
          const f = handlers[name];
          if (name !== 'preload' && typeof f === 'function') p[name] = wrap(name, f);
        }
        if (typeof p.setup !== 'function') p.setup = wrap('setup', () => {});
      }, parent);
    } catch (err) {
      this.fail(err, LINE_OFFSET);
      setupDone();
    }
    await Promise.race([ready, new Promise((r) => setTimeout(r, SETUP_WAIT))]);
  }

  stop() {
    this.holding = false;
    for (const h of this.held.splice(0)) h.resolve(undefined); // the old run's: dropped
    const p = this.instance;
    this.instance = null;
    if (p) {
      const warn = (/** @type {unknown} */ err) => console.warn(`[patch node ${this.id}] p5 remove failed`, err);
      try {
        Promise.resolve(p.remove()).catch(warn);
      } catch (err) {
        warn(err);
      }
    }
    super.stop();
  }
}

/**
 * p5Scope builds the `with` object of a p5 sketch. Names resolve, in order: the node's
 * sandbox (kv, send, …); the p5 instance's members (from the prototype before the
 * instance exists: constants work at top level, functions only once setup runs).
 * @param {any} P5
 * @param {{p: any}} holder
 * @param {Sandbox} sb
 * @returns {object}
 */
function p5Scope(P5, holder, sb) {
  /** @type {Map<string, {orig: Function, call: Function}>} */
  const bound = new Map();
  /** @param {string|symbol} name */
  const skip = (name) => typeof name !== 'string' || name.startsWith('_') || name in Object.prototype;
  return new Proxy(Object.create(null), {
    has(_, name) {
      if (typeof name === 'string' && Object.hasOwn(sb, name)) return true;
      if (skip(name)) return false;
      return name in (holder.p ?? P5.prototype);
    },
    get(_, name) {
      if (name === Symbol.unscopables) return undefined;
      if (typeof name === 'string' && Object.hasOwn(sb, name)) return /** @type {any} */ (sb)[name];
      if (typeof name !== 'string') return undefined;
      const p = holder.p;
      const v = p ? p[name] : P5.prototype[name];
      if (typeof v !== 'function') return v;
      let f = bound.get(name);
      if (!f || f.orig !== v) {
        const call = p
          ? v.bind(p)
          : (/** @type {any[]} */ ...a) => {
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
