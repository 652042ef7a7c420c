// Helpers of the fault tests for a page: window.faults = the functions of work.js,
// loadKV, and a dedicated Worker that runs the same functions on its own kv.
import { loadKV } from '/js/kv.js';
import * as work from '/faults/testdata/work.js';

/** Starts a module Worker (worker.js) and returns call(fn, ...args), which runs work[fn](kv, ...args) there. */
function startWorker() {
  const w = new Worker('/faults/testdata/worker.js', { type: 'module' });
  let next = 0;
  const waiting = new Map();
  w.onmessage = (e) => {
    const { id, ok, value, error } = e.data;
    const p = waiting.get(id);
    waiting.delete(id);
    if (ok) p.resolve(value);
    else p.reject(Object.assign(new Error(error.message), { name: error.name }));
  };
  w.onerror = (e) => {
    for (const p of waiting.values()) p.reject(new Error('worker error: ' + e.message));
    waiting.clear();
  };
  return {
    call(fn, ...args) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, fn, args });
      });
    },
    terminate() { w.terminate(); },
  };
}

window.faults = { ...work, loadKV, startWorker };
