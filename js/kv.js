// patchkv loader: the one module a page (or a dedicated Worker) imports.
//
//   import { loadKV } from './js/kv.js';
//   const kv = await loadKV({ patch: 'my-patch' });   // also sets globalThis.kv
//
// It loads Go's wasm_exec.js when globalThis.Go is missing, starts kv.wasm once per
// realm, and asks the module for the root kv of the patch. See kv.d.ts for types.

/** @typedef {import('./kv.d.ts').KVRoot} KVRoot */
/** @typedef {import('./kv.d.ts').LoadOptions} LoadOptions */

const here = import.meta.url;

/** @type {Promise<any> | undefined} the module's API once it runs */
let started;
/** @type {URL | undefined} */
let startedURL;

/** @type {Promise<WebAssembly.Module> | undefined} the compiled kv.wasm of this realm */
let compiledModule;

/** @type {Map<string, Promise<KVRoot>>} roots handed out, by patch id */
const roots = new Map();

/**
 * Loads the WebAssembly module (once) and resolves to the root kv of options.patch.
 * @param {LoadOptions} [options]
 * @returns {Promise<KVRoot>}
 */
export async function loadKV(options = {}) {
  const patch = options.patch === undefined ? 'default' : options.patch;
  if (typeof patch !== 'string') {
    throw new TypeError(`loadKV: patch must be a string, got ${typeof patch}`);
  }
  if (!patch.isWellFormed()) {
    throw new TypeError('loadKV: patch must be well-formed Unicode (it contains a lone surrogate)');
  }
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    throw new Error('patchkv: WebAssembly is not available in this browser or context');
  }
  if (typeof indexedDB !== 'object' || indexedDB === null) {
    throw new Error('patchkv: IndexedDB is not available in this context (private mode or storage disabled?)');
  }
  const wasmURL = new URL(options.wasmURL ?? '../kv.wasm', here);
  const module = options.module;
  if (module !== undefined && !(module instanceof WebAssembly.Module)) {
    throw new TypeError('loadKV: module must be a WebAssembly.Module (of kv.wasm)');
  }
  if (!started) {
    startedURL = wasmURL;
    started = start(wasmURL, module).catch((err) => {
      started = undefined;
      throw err;
    });
  } else if (startedURL && startedURL.href !== wasmURL.href) {
    console.warn(`patchkv: kv.wasm already loaded from ${startedURL}; ignoring wasmURL ${wasmURL}`);
  }
  const openTimeout = options.openTimeout ?? DEFAULT_OPEN_TIMEOUT;
  if (typeof openTimeout !== 'number' || !(openTimeout > 0)) {
    throw new TypeError(`loadKV: openTimeout must be a positive number of milliseconds (or Infinity for no limit), got ${String(openTimeout)}`);
  }
  let root = roots.get(patch);
  if (!root) {
    root = openRoot(patch, openTimeout);
    roots.set(patch, root);
    root.catch(() => roots.delete(patch));
  }
  const kv = await root;
  globalThis.kv = kv;
  return kv;
}

/** How long loadKV waits for IndexedDB to answer opening the database (ms). */
const DEFAULT_OPEN_TIMEOUT = 10_000;

/** The longest delay setTimeout keeps (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER = 2 ** 31 - 1;

/** Opens the patch's database while the module loads, then asks the module for the root. */
async function openRoot(patch, openTimeout) {
  const early = openEarly(patch, openTimeout);
  const api = await started;
  const conn = await early;
  if (conn.error) throw openError(patch, conn.error);
  try {
    return await api.open(patch, conn.closed ? undefined : conn.db);
  } catch (err) {
    throw openError(patch, err);
  }
}

/**
 * Opens the patch's IndexedDB database ("patchkv:" + patch, the name scope.DatabaseName
 * gives it in Go), so that the first open overlaps fetching and compiling kv.wasm.
 * The module adopts the connection; until then it lets go at once when another
 * context needs a version change. An open that IndexedDB never answers (seen in
 * some embedded browsers and broken profiles) fails after openTimeout ms, so
 * that loadKV never hangs; a connection that arrives later is closed.
 */
function openEarly(patch, openTimeout) {
  return new Promise((resolve) => {
    let req;
    try {
      req = indexedDB.open('patchkv:' + patch);
    } catch (error) {
      resolve({ error });
      return;
    }
    let settled = false;
    const settle = (result) => {
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    // setTimeout takes a 32-bit delay: a longer one (Infinity included) means no limit.
    const timer = openTimeout > MAX_TIMER ? undefined : setTimeout(() => {
      settle({ error: new DOMException(`IndexedDB did not answer opening the database within ${openTimeout} ms`, 'TimeoutError') });
    }, openTimeout);
    req.onsuccess = () => {
      if (settled) {
        req.result.close();
        return;
      }
      const conn = { db: req.result, closed: false };
      conn.db.onversionchange = () => {
        conn.db.close();
        conn.closed = true;
      };
      settle(conn);
    };
    req.onerror = () => {
      if (!settled) settle({ error: req.error });
    };
  });
}

/** Describes why the patch's database could not be opened, keeping the DOMException's name. */
function openError(patch, err) {
  if (err instanceof TypeError) return err;
  const e = new Error(`patchkv: cannot open the IndexedDB database of patch ${JSON.stringify(patch)}: ${err?.name ?? 'Error'}: ${err?.message ?? err}`, { cause: err });
  if (err?.name) e.name = err.name;
  return e;
}

/**
 * wasmModule resolves to the compiled kv.wasm of this realm once loadKV has started it
 * (undefined before): a page posts it to its Workers, whose loadKV({module}) then
 * skips fetching and compiling (a WebAssembly.Module is structured-cloneable to a
 * same-origin Worker). The worker node (js/nodes/worker.js) uses it.
 * @returns {Promise<WebAssembly.Module> | undefined}
 */
export function wasmModule() {
  return compiledModule;
}

/**
 * Fetches, compiles and runs kv.wasm (or runs module, when the caller compiled it
 * already: a Worker handed the page's module); resolves to globalThis.patchkv.
 * @param {URL} wasmURL @param {WebAssembly.Module} [module]
 */
async function start(wasmURL, module) {
  // Fetch and compile the module while wasm_exec.js loads: both are on the cold
  // start path of every patch.
  const compiling = module ? Promise.resolve(module) : compile(wasmURL);
  compiledModule = compiling;
  compiling.catch(() => {}); // reported below, after wasm_exec.js
  warmLocks();
  if (typeof globalThis.Go !== 'function') {
    try {
      await import(new URL('../wasm_exec.js', here).href);
    } catch (err) {
      throw new Error(`patchkv: cannot load wasm_exec.js next to index.html (run ./build.sh): ${err.message}`, { cause: err });
    }
  }
  const compiled = await compiling;
  const go = new globalThis.Go();
  const ready = new Promise((resolve) => {
    globalThis.__patchkvReady = resolve;
  });
  let instance;
  try {
    instance = await WebAssembly.instantiate(compiled, go.importObject);
  } catch (err) {
    throw new Error(`patchkv: cannot start ${wasmURL}: ${err.message}`, { cause: err });
  }
  const exited = go.run(instance).then(() => {
    throw new Error('patchkv: the Go program exited');
  });
  try {
    const api = await Promise.race([ready, exited]);
    api.attach(instance.exports); // kv methods then call into Go directly
    // kv.export/import/removeScope/destroy, loaded on first use; like open and
    // attach, not replaceable by code in the page.
    Object.defineProperty(api, 'archive', { value: () => import('./archive.js'), enumerable: true });
    return api;
  } finally {
    delete globalThis.__patchkvReady;
  }
}

/**
 * Asks the Web Lock manager a question while kv.wasm loads, so that the first
 * upgrade (a new scope), which waits for the lock patchkv-upgrade:<database>,
 * does not also wait for the browser to set the lock manager up: a page's first
 * lock request was granted 10–14 ms after it was made, later ones within 1 ms
 * (bench, the rows "create all at once"). Nothing waits for the answer.
 */
function warmLocks() {
  try {
    globalThis.navigator?.locks?.query?.().catch(() => {});
  } catch {
    // no Web Locks here (an insecure origin): upgrades do without them
  }
}

/**
 * Fetches and compiles kv.wasm: the whole file first, then WebAssembly.compile. Not
 * WebAssembly.compileStreaming: streaming hands the bytes to the compiler on the
 * page's thread as they arrive, which on the demo page held that thread while the
 * page's own modules waited; compiling the whole buffer decodes it on V8's own
 * threads, 20–25 ms after the last byte (each function is compiled when first
 * called). In three A/B runs (5, 5 and 7 rounds) the demo's state showed 23–63 ms
 * sooner, on a first visit and on a reload (README, "Speed and size"). It also
 * compiles whatever Content-Type the server sends.
 */
async function compile(wasmURL) {
  let bytes;
  try {
    const r = await fetch(wasmURL);
    if (!r.ok) throw new Error(`HTTP ${r.status} (run ./build.sh to build kv.wasm)`);
    bytes = await r.arrayBuffer();
  } catch (err) {
    throw new Error(`patchkv: cannot fetch ${wasmURL}: ${err.message}`, { cause: err });
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (err) {
    throw new Error(`patchkv: cannot compile ${wasmURL}: ${err.message}`, { cause: err });
  }
}
