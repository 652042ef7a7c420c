// js/nodes/worker.js — the `worker` node: the same code and names as a js node, run in a
// dedicated Worker (js/worker-node.js) so that a busy loop there never freezes the page.
//
// Each run of the node is one Worker: a re-run, a removal or the stop control (■)
// terminates it, and with it the code's timers, loops and pending calls. kv in the
// Worker is the node's own scope, opened by the Worker's own loadKV from the
// WebAssembly.Module the page compiled (posted with the init message), so a worker
// node does not download nor compile kv.wasm again.

import { RuntimeNode, MAX_PORTS } from '../node.js';
import { wasmModule } from '../kv.js';

const WORKER_URL = new URL('../worker-node.js', import.meta.url);
const WASM_URL = new URL('../../kv.wasm', import.meta.url).href;

/** FIRST_PASS_WAIT caps how long start() (and so patch.load) waits for a worker's first pass. */
const FIRST_PASS_WAIT = 5000;

/** INBOX_LIMIT caps the messages kept for a Worker that is still being created. */
const INBOX_LIMIT = 1000;

/** LINE_OFFSET is how many lines the AsyncFunction wrapper adds before the body. */
const LINE_OFFSET = 2;

/** live holds every Worker a worker node has running, so that tests can count them. */
const live = new Set();

/** liveWorkers reports how many worker-node Workers are running on this page. */
export function liveWorkers() {
  return live.size;
}
/** @type {any} */ (globalThis).__patchkvLiveWorkers = liveWorkers;

/**
 * WorkerNode runs its code in a Worker and relays messages, console lines, errors,
 * ports and title between the Worker and the patch.
 */
export class WorkerNode extends RuntimeNode {
  static type = 'worker';
  static description = 'code in a Worker: the same names as js (kv, send, onMessage, …), off the page\'s thread';
  static field = /** @type {const} */ ('code');
  static face = /** @type {const} */ ('code');
  static runnable = true;
  // A Worker keeps the messages it gets until its code has registered a handler
  // (js/worker-node.js), as a p5 sketch keeps them until its setup has run: it
  // need not hold back the patch's loadbangs while it starts (a Worker of its
  // own, kv.wasm instantiated there), which would put its start on the way to
  // the rest of the patch's first state.
  static holdsLoad = false;
  /** stoppable: the editor offers ■, which calls Patch.halt (stop() terminates the Worker). */
  static stoppable = true;
  static template = {
    code: "// Runs in a Worker: a busy loop here never freezes the page (■ stops it).\nconst n = ((await kv.get('runs')) ?? 0) + 1;\nawait kv.set('runs', n);\nonMessage((msg) => send(msg));",
  };

  /** @param {import('../runtime.js').Patch} patch @param {import('../runtime.js').NodeSpec} spec */
  constructor(patch, spec) {
    super(patch, spec);
    /** @type {Worker | null} */
    this.worker = null;
    /**
     * Messages that arrive while the Worker is being created; they follow the init
     * message, and the Worker holds them until the code has registered its handlers.
     * @type {{msg: unknown, inlet: number}[]}
     */
    this.inbox = [];
  }

  async start() {
    const gen = ++this.gen;
    this.terminate();
    this.inbox = [];
    this.setStatus({ state: 'starting' });
    // A Worker starts its own Go and its own connection, on a machine whose cores the
    // page's load is using: in a patch being loaded it starts once the patch has shown
    // its first state (Patch.firstState). Messages meanwhile wait in the inbox.
    await this.patch.firstState();
    if (gen !== this.gen || !this.live) return;
    let module;
    try {
      module = await wasmModule();
    } catch {
      module = undefined; // the Worker fetches and compiles it itself
    }
    if (gen !== this.gen || !this.live) return;
    let w;
    try {
      w = new Worker(WORKER_URL, { type: 'module', name: `worker node ${this.id}` });
    } catch (err) {
      this.fail(err);
      return;
    }
    this.worker = w;
    live.add(w);
    let firstPass;
    const done = new Promise((resolve) => (firstPass = resolve));
    w.onmessage = (e) => {
      if (gen !== this.gen) return;
      this.fromWorker(e.data, firstPass);
    };
    w.onerror = (e) => {
      // A module that fails to load (e.g. a syntax error in worker-node.js or kv.js).
      e.preventDefault();
      if (gen !== this.gen) return;
      this.fail(new Error(`worker: ${e.message || 'the Worker failed to start'}`));
      firstPass();
    };
    w.onmessageerror = () => gen === this.gen && this.fail(new Error('worker: a message from the Worker could not be read'));
    w.postMessage({ type: 'init', patch: this.patch.id, node: this.id, code: this.spec.code ?? '', module, wasmURL: WASM_URL });
    for (const m of this.inbox.splice(0)) this.receive(m.msg, m.inlet);
    await Promise.race([done, new Promise((r) => setTimeout(r, FIRST_PASS_WAIT))]);
  }

  /**
   * fromWorker handles one message of the Worker's protocol (js/worker-node.js).
   * @param {any} m
   * @param {() => void} firstPass
   */
  fromWorker(m, firstPass) {
    switch (m?.type) {
      case 'started':
        this.setStatus({ state: 'running' });
        break;
      case 'ready':
        firstPass();
        break;
      case 'send': {
        const to = m.outlet;
        const n = to && typeof to === 'object' && 'to' in to ? to.to : to;
        this.send(m.msg, Number.isInteger(n) && n >= 0 ? n : null);
        break;
      }
      case 'ports': {
        const ok = (n) => Number.isInteger(n) && n >= 0 && n <= MAX_PORTS;
        if (ok(m.inlets) && ok(m.outlets)) this.setPorts(m.inlets, m.outlets);
        else this.fail(new RangeError(`setPortCount(inlets, outlets): whole numbers from 0 to ${MAX_PORTS}`));
        break;
      }
      case 'title':
        this.setTitle(String(m.text ?? ''));
        break;
      case 'log':
        this.setStatus({ log: m.level === 'log' ? m.text : `${m.level}: ${m.text}` }, false);
        break;
      case 'error':
        this.fail(m.error, LINE_OFFSET);
        break;
    }
  }

  /** receive passes msg to the Worker's handlers; a message that cannot be cloned fails here. */
  receive(msg, inlet) {
    if (!this.worker) {
      if (this.status.state === 'starting' && this.inbox.length < INBOX_LIMIT) this.inbox.push({ msg, inlet });
      return;
    }
    try {
      this.worker.postMessage({ type: 'msg', msg, inlet });
    } catch (err) {
      this.fail(err);
    }
  }

  terminate() {
    if (!this.worker) return;
    this.worker.terminate();
    live.delete(this.worker);
    this.worker = null;
  }

  stop() {
    this.terminate();
    super.stop();
    this.resetFace();
  }
}
