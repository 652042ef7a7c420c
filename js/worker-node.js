// js/worker-node.js — the Worker side of a `worker` node (js/nodes/worker.js is the page
// side). One dedicated module Worker per run of a node: a re-run, a removal or the stop
// control terminates it, and with it every timer, loop and pending call of the code.
//
// The code runs as the body of an async function with, in scope: kv (the node's own
// scope, with the whole kv API: it is loadKV's root.node(id) in this Worker), send,
// onMessage/recv, setPortCount, setTitle and console; timers are the Worker's own.
//
// kv.wasm is not fetched nor compiled here: the page posts the WebAssembly.Module it
// compiled for itself, and loadKV({module}) only instantiates it. Twenty worker nodes
// then pay twenty instantiations and Go starts, not twenty downloads and compiles.
//
// Protocol (page → Worker): {type:'init', patch, node, code, module?, wasmURL},
// {type:'msg', msg, inlet}. Worker → page: {type:'started'} (kv is ready, the code
// runs), {type:'ready'} (its first pass is over), {type:'send', msg, outlet},
// {type:'ports', inlets, outlets}, {type:'title', text}, {type:'log', level, text},
// {type:'error', error:{name, message, stack}}.

import { loadKV } from './kv.js';

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;

/** SANDBOX_NAMES are the names the code sees besides its own (line offset 2, as on the page). */
const SANDBOX_NAMES = ['kv', 'send', 'onMessage', 'recv', 'setPortCount', 'setTitle', 'console'];

const post = (m) => self.postMessage(m);

/** errorInfo keeps what the page shows of an error: name, message, and the stack for the line. */
function errorInfo(err) {
  if (err && typeof err === 'object' && 'message' in err) {
    const e = /** @type {Error} */ (err);
    return { name: String(e.name || 'Error'), message: String(e.message), stack: typeof e.stack === 'string' ? e.stack : '' };
  }
  let text;
  try {
    text = typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    text = String(err);
  }
  return { name: 'Error', message: `thrown: ${text}`, stack: '' };
}

const fail = (err) => post({ type: 'error', error: errorInfo(err) });

function text(args) {
  return args.map((a) => {
    if (typeof a === 'string') return a;
    try {
      const s = JSON.stringify(a);
      return s === undefined ? String(a) : s;
    } catch {
      return String(a);
    }
  }).join(' ');
}

const nodeConsole = Object.freeze({
  ...console,
  log: (...a) => (console.log(...a), post({ type: 'log', level: 'log', text: text(a) })),
  info: (...a) => (console.info(...a), post({ type: 'log', level: 'info', text: text(a) })),
  warn: (...a) => (console.warn(...a), post({ type: 'log', level: 'warn', text: text(a) })),
  error: (...a) => (console.error(...a), post({ type: 'log', level: 'error', text: text(a) })),
});

/** @type {((msg: unknown, meta: {inlet: number}) => unknown)[]} */
const handlers = [];
/** Messages that arrive before the first pass is over wait for its handlers. */
let queued = /** @type {{msg: unknown, inlet: number}[] | null} */ ([]);

function deliver(msg, inlet) {
  for (const fn of handlers) {
    try {
      const r = /** @type {any} */ (fn(msg, { inlet }));
      if (r && typeof r.then === 'function') r.then(null, fail);
    } catch (err) {
      fail(err);
    }
  }
}

self.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  fail(e.reason);
});
self.addEventListener('error', (e) => {
  e.preventDefault();
  fail(e.error ?? new Error(e.message));
});

self.onmessage = async (e) => {
  const m = e.data;
  if (m?.type === 'msg') {
    if (queued && handlers.length === 0) queued.push({ msg: m.msg, inlet: m.inlet });
    else deliver(m.msg, m.inlet);
    return;
  }
  if (m?.type !== 'init') return;
  let kv;
  try {
    const root = await loadKV({ patch: m.patch, wasmURL: m.wasmURL, ...(m.module ? { module: m.module } : {}) });
    kv = root.node(m.node);
  } catch (err) {
    fail(err);
    post({ type: 'ready' });
    return;
  }
  const onMessage = (fn) => {
    if (typeof fn !== 'function') throw new TypeError('onMessage expects a function (msg, meta) => …');
    handlers.push(fn);
    // Messages that came in while the first pass was awaiting something go to the
    // handlers right after the code that registered them has moved on.
    if (queued?.length) {
      const q = queued.splice(0);
      queueMicrotask(() => q.forEach((x) => deliver(x.msg, x.inlet)));
    }
  };
  const sandbox = {
    kv,
    send: (msg, outlet) => post({ type: 'send', msg, outlet }),
    onMessage,
    recv: onMessage,
    setPortCount: (inlets, outlets) => post({ type: 'ports', inlets, outlets }),
    setTitle: (t) => post({ type: 'title', text: String(t) }),
    console: nodeConsole,
  };
  let fn;
  try {
    fn = new AsyncFunction(...SANDBOX_NAMES, m.code ?? '');
  } catch (err) {
    fail(err);
    post({ type: 'ready' });
    return;
  }
  post({ type: 'started' });
  try {
    await fn.call(undefined, ...SANDBOX_NAMES.map((n) => sandbox[n]));
  } catch (err) {
    fail(err);
  } finally {
    queued = null;
    post({ type: 'ready' });
  }
};
