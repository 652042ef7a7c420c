// bench/workers.js — how fast worker nodes reach their first kv.get, driven by
// bench/workers.go. Each mode starts n Workers at once and times, for each, from
// `new Worker` to the message that says its first read completed:
//   idb         a Worker that only opens IndexedDB and reads one key (bench/idb-worker.js)
//   kv-module   js/worker-node.js given the page's compiled kv.wasm (what worker nodes do)
//   kv-compile  js/worker-node.js that fetches and compiles kv.wasm itself
// The Workers stay up until stop(), so that the driver can read the page's memory.

import { loadKV, wasmModule } from '../js/kv.js';

const PATCH = 'bench-workers';
const NODE_URL = new URL('../js/worker-node.js', import.meta.url);
const IDB_URL = new URL('./idb-worker.js', import.meta.url);
const WASM_URL = new URL('../kv.wasm', import.meta.url).href;
const CODE = "await kv.get('x'); send(0);";

/** @type {Worker[]} */
let running = [];
let module;

/** ready loads kv on the page, as the patch page does before it starts any node. */
export async function ready() {
  await loadKV({ patch: PATCH });
  module = await wasmModule();
}

/**
 * start starts n Workers of mode and resolves to each one's time to its first read (ms),
 * sorted, and the time until the last one had read.
 * @param {number} n
 * @param {'idb'|'kv-module'|'kv-compile'} mode
 */
export async function start(n, mode, round = 0) {
  stop();
  const t0 = performance.now();
  const times = await Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve, reject) => {
    const begin = performance.now();
    const w = new Worker(mode === 'idb' ? IDB_URL : NODE_URL, { type: mode === 'idb' ? 'classic' : 'module' });
    running.push(w);
    w.onmessage = (e) => {
      if (e.data?.type === 'send') resolve(performance.now() - begin);
      if (e.data?.type === 'error') reject(new Error(`${mode} worker: ${e.data.error?.message}`));
    };
    w.onerror = (e) => reject(new Error(`${mode} worker: ${e.message}`));
    if (mode === 'idb') w.postMessage({ db: `bench-idb-worker-${round}-${i}` });
    else {
      w.postMessage({ type: 'init', patch: PATCH, node: `w-${i}`, code: CODE, wasmURL: WASM_URL,
        ...(mode === 'kv-module' ? { module } : {}) });
    }
  })));
  const all = performance.now() - t0;
  times.sort((a, b) => a - b);
  return { times, all };
}

/** stop terminates every Worker start() left running. */
export function stop() {
  for (const w of running) w.terminate();
  running = [];
}

/**
 * loopOverhead times a tight loop (n iterations of one addition) as written and with
 * the loop guard js and p5 nodes get (js/loopguard.js), in this page's V8; it resolves
 * to the best of reps runs of each, in ms.
 * @param {number} n
 * @param {number} reps
 */
export async function loopOverhead(n = 1e8, reps = 5) {
  const { instrument, makeGuard, GUARD_NAME } = await import('../js/loopguard.js');
  const body = `let s = 0; for (let i = 0; i < ${n}; i++) { s += i & 7; } return s;`;
  const plain = new Function(body);
  const guarded = new Function(GUARD_NAME, instrument(body));
  let a = Infinity;
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    await new Promise((res) => setTimeout(res, 0)); // a new task: the guard's clock restarts
    let t = performance.now();
    plain();
    a = Math.min(a, performance.now() - t);
    await new Promise((res) => setTimeout(res, 0));
    t = performance.now();
    guarded(makeGuard(() => {}, 60_000));
    b = Math.min(b, performance.now() - t);
  }
  return { plain: a, guarded: b };
}
