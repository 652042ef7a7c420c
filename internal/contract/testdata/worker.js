// A dedicated module Worker that runs the contract suite through loadKV, the way a
// worker-side user of patchkv loads it. entries.js relays the Go test's requests:
// {id, op: 'load', files} evaluates the suite's scripts here, {id, op: 'list'} and
// {id, op: 'run', name} answer with contract.list() and contract.run(name, entry).
import { loadKV } from '/js/kv.js';

/** @type {import('../contract.d.ts').Entry} */
const entry = { name: 'worker', root: (patch) => loadKV({ patch: /** @type {any} */ (patch) }) };

onmessage = async (e) => {
  const { id, op } = e.data;
  try {
    let value;
    if (op === 'load') {
      // Classic scripts, evaluated at the Worker's global scope like importScripts would.
      for (const f of e.data.files) (0, eval)(f.source);
      value = true;
    } else if (op === 'list') {
      value = globalThis.contract.list();
    } else if (op === 'run') {
      value = await globalThis.contract.run(e.data.name, entry);
    } else {
      throw new Error('unknown op ' + op);
    }
    postMessage({ id, ok: true, value });
  } catch (err) {
    postMessage({ id, ok: false, error: `${err?.name ?? 'Error'}: ${err?.message ?? err}` });
  }
};
