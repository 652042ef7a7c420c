// The entries the contract suite runs through from this page (page.html):
//   loader  loadKV in this page (the module's exported entry, patchkv_call)
//   worker  loadKV in a dedicated module Worker (worker.js), which runs the suite
//           there; this page only relays the Go test's requests.
import { loadKV } from '/js/kv.js';

/** @typedef {import('../contract.d.ts').Report} Report */

/** startWorker starts worker.js, loads the suite's files into it and returns a relay. */
function startWorker() {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  let next = 0;
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  const waiting = new Map();
  const failAll = (err) => {
    for (const { reject } of waiting.values()) reject(err);
    waiting.clear();
  };
  w.onmessage = (e) => {
    const { id, ok, value, error } = e.data;
    const p = waiting.get(id);
    waiting.delete(id);
    if (ok) p?.resolve(value);
    else p?.reject(new Error(error));
  };
  w.onerror = (e) => failAll(new Error(`the Worker failed: ${e.message} (${e.filename}:${e.lineno})`));
  w.onmessageerror = () => failAll(new Error('a message from the Worker could not be read'));
  const call = (msg) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...msg });
    });
  return {
    /** @param {{name: string, source: string}[]} files */
    load: (files) => call({ op: 'load', files }),
    /** @returns {Promise<{name: string, file: string}[]>} */
    list: () => call({ op: 'list' }),
    /** @returns {Promise<Report>} */
    run: (name) => call({ op: 'run', name }),
    terminate: () => w.terminate(),
  };
}

/** @type {any} */ (window).contractEntries = {
  loader: { name: 'loader', root: (patch) => loadKV({ patch }) },
  startWorker,
};
