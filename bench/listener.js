// listener.js — the other context of the change-latency workloads (bench/workloads.js):
// in a frame (bench/listener.html) or a module Worker, it loads kv on a patch,
// watches it, and reports when each expected change arrived.
import { loadKV } from '/js/kv.js';

const inWorker = typeof window === 'undefined';
const reply = (m) => (inWorker ? self.postMessage(m) : parent.postMessage(m, '*'));

let prefix = null;
let want = 0;
let arrivals = [];

self.addEventListener('message', async (e) => {
  const m = e.data;
  try {
    if (m.cmd === 'open') {
      const kv = await loadKV({ patch: m.patch, wasmURL: '/kv.wasm' });
      kv.watch((c) => {
        if (prefix === null || !c.key?.startsWith(prefix)) return;
        arrivals.push([c.key, performance.timeOrigin + performance.now()]);
        if (arrivals.length === want) {
          reply({ cmd: 'done', arrivals });
          prefix = null;
        }
      });
      reply({ cmd: 'ready' });
    } else if (m.cmd === 'expect') {
      prefix = m.prefix;
      want = m.n;
      arrivals = [];
    }
  } catch (err) {
    reply({ cmd: 'error', message: String(err?.message ?? err) });
  }
});
