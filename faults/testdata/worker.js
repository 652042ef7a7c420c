// A dedicated module Worker for the fault tests: it loads kv like a page does and
// runs the functions of work.js on request ({id, fn, args}); fn 'open' loads kv.
import { loadKV } from '/js/kv.js';
import * as work from '/faults/testdata/work.js';

let kv;
onmessage = async (e) => {
  const { id, fn, args } = e.data;
  try {
    let value;
    if (fn === 'open') {
      kv = await loadKV({ patch: args[0] });
      value = kv.patch;
    } else {
      value = await work[fn](kv, ...args);
    }
    postMessage({ id, ok: true, value });
  } catch (err) {
    postMessage({ id, ok: false, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
