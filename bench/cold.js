// cold.js — one cold start, in a fresh tab with the HTTP cache disabled.
//
// Times are performance.now() values, i.e. milliseconds since the navigation began:
//   start     this module starts running (the page's own floor: HTML + this file)
//   ready     the implementation can take calls (kv: loadKV resolved; raw: the
//             database is open; idb-keyval: its module is imported — it opens the
//             database lazily on the first call)
//   firstGet  one get of a missing key has answered
// For kv, the kv.wasm resource entry tells whether it came precompressed.

const start = performance.now();
const params = new URLSearchParams(location.search);
const impl = params.get('impl');
const patch = params.get('patch') || 'bench-cold';

// Marks along patchkv's load, from light wrappers installed before kv.js runs:
// WebAssembly's compile and instantiate calls (a streaming compile includes the
// fetch),
// Go.prototype.run (Go's init until main first waits, caught when wasm_exec.js
// assigns globalThis.Go), the first eval (goCode: patchkv's own Go code starts,
// its first package evaluating its JavaScript; Go's runtime has started by then)
// and indexedDB.open (until its success event). The floor marks runStart too.
const marks = {};
const mark = (name) => {
  marks[name] ??= performance.now();
};
if (impl === 'kv') {
  const evalJS = globalThis.eval;
  globalThis.eval = (src) => {
    mark('goCode');
    return evalJS(src); // an indirect eval, as Go's call of it is
  };
  const phases = { compileStreaming: 'compile', compile: 'compile', instantiateStreaming: 'instantiate', instantiate: 'instantiate' };
  for (const [fn, phase] of Object.entries(phases)) {
    const orig = WebAssembly[fn];
    WebAssembly[fn] = async function (...args) {
      // instantiate(bytes) compiles too; instantiate(module) only instantiates.
      const name = fn === 'instantiateStreaming' || (fn === 'instantiate' && !(args[0] instanceof WebAssembly.Module)) ? 'compile' : phase;
      mark(name + 'Start');
      try {
        return await orig.apply(this, args);
      } finally {
        mark(name + 'End');
      }
    };
  }
  let Go;
  Object.defineProperty(globalThis, 'Go', {
    configurable: true,
    get: () => Go,
    set(v) {
      const run = v.prototype.run;
      v.prototype.run = function (...args) {
        mark('runStart');
        const p = run.apply(this, args);
        mark('runReturned');
        return p;
      };
      Go = v;
    },
  });
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) {
    mark('idbOpen');
    const req = open.apply(this, args);
    req.addEventListener('success', () => mark('idbOpenSuccess'));
    return req;
  };
}

function requestDone(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function main() {
  let ready = start;
  let firstGet = start;
  let got;
  switch (impl) {
    case 'none':
      break;
    case 'floor': {
      // The floor for any Go module: an empty Go program (bench/floor) reaching
      // main, loaded the way js/kv.js loads kv.wasm (compile while wasm_exec.js
      // loads). Ready and first get are both "main runs".
      const compiling = fetch('/bench/floor.wasm').then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b));
      await import(new URL('/wasm_exec.js', location.href).href);
      const module = await compiling;
      const go = new globalThis.Go();
      const reached = new Promise((resolve) => {
        /** @type {any} */ (globalThis).__floorMain = resolve;
      });
      const instance = await WebAssembly.instantiate(module, go.importObject);
      mark('runStart');
      go.run(instance);
      await reached;
      ready = firstGet = performance.now();
      break;
    }
    case 'kv': {
      const { loadKV } = await import('/js/kv.js');
      const kv = await loadKV({ patch, wasmURL: '/kv.wasm' });
      ready = performance.now();
      got = await kv.get('missing');
      firstGet = performance.now();
      break;
    }
    case 'raw': {
      const req = indexedDB.open('raw:' + patch, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('host');
      const db = await requestDone(req);
      ready = performance.now();
      got = await requestDone(db.transaction('host', 'readonly').objectStore('host').get('missing'));
      firstGet = performance.now();
      break;
    }
    case 'idb-keyval': {
      const ik = await import('/node_modules/idb-keyval/dist/index.js');
      const st = ik.createStore(`idb-keyval:${patch}:host`, 'kv');
      ready = performance.now();
      got = await ik.get('missing', st);
      firstGet = performance.now();
      break;
    }
    default:
      throw new Error('unknown implementation ' + impl);
  }
  if (got !== undefined) throw new Error('cold: get of a missing key gave ' + String(got));
  /** @type {(path: string) => PerformanceResourceTiming | undefined} */
  const entry = (path) => /** @type {PerformanceResourceTiming[]} */ (performance.getEntriesByType('resource')).find((e) => new URL(e.name).pathname === path);
  const wasm = entry('/kv.wasm');
  const kvjs = entry('/js/kv.js');
  const wasmExec = entry('/wasm_exec.js');
  return {
    marks,
    kvjsStart: kvjs ? kvjs.startTime : 0,
    kvjsEnd: kvjs ? kvjs.responseEnd : 0,
    wasmExecStart: wasmExec ? wasmExec.startTime : 0,
    wasmExecEnd: wasmExec ? wasmExec.responseEnd : 0,
    start,
    ready,
    firstGet,
    wasmEncoded: wasm ? wasm.encodedBodySize : 0,
    wasmDecoded: wasm ? wasm.decodedBodySize : 0,
    wasmTransfer: wasm ? wasm.transferSize : 0,
    wasmFetchStart: wasm ? wasm.startTime : 0,
    wasmFetchEnd: wasm ? wasm.responseEnd : 0,
  };
}

main().then(window.coldSettle.resolve, (e) => window.coldSettle.reject(e instanceof Error ? e : new Error(String(e))));
