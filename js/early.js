// js/early.js — what the page starts before its other modules have loaded.
//
// index.html calls startEarly() from an async module script that needs only this
// module and js/kv.js (both preloaded, neither imports anything else), so kv —
// fetching and compiling kv.wasm, Go's start, opening the patch's database — and
// the read of the patch's saved layout begin as soon as those two small files are
// in, while js/app.js and the rest of the page's modules still load; so does the
// fetch of p5.js when the patch has a p5 node. js/app.js then takes what was started (startEarly
// hands out the same object for the same patch).

import { loadKV } from './kv.js';
import { preloadP5 } from './p5load.js';
import { demoPatch } from './demo.js';

/** @typedef {import('./kv.d.ts').KVRoot} KVRoot */

/** DEFAULT_PATCH is the patch id the page opens without ?patch=. */
export const DEFAULT_PATCH = 'demo';

/**
 * LAYOUT_KEY is where the page keeps the patch document (nodes, code, positions, wires).
 *
 * It lives in the kv host scope of the patch itself rather than in localStorage: the
 * document and the data its nodes keep are then one IndexedDB database, cleared,
 * exported or deleted together, a patch id never shows another patch's layout, and the
 * page relies on the same committed-before-resolve writes that it asks its nodes to
 * trust. The host scope is isolated from every node scope and named store, so no node
 * can overwrite it by accident.
 */
export const LAYOUT_KEY = 'patch:layout';

/** DRAFTS_KEY is where, in the patch's host scope, typed-but-unrun code is kept. */
export const DRAFTS_KEY = 'patch:drafts';

// How patchkv names a patch's database and its host scope's object store
// (scope.DatabaseName and scope.HostScope().ObjectStore() in Go; keep in sync).
const DB_PREFIX = 'patchkv:';
const HOST_STORE = 'host';

/**
 * pagePatch returns the id of the patch the page shows: ?patch=, or DEFAULT_PATCH.
 * @param {string} [search]  a location.search
 * @returns {string}
 */
export function pagePatch(search = location.search) {
  return new URLSearchParams(search).get('patch') ?? DEFAULT_PATCH;
}

/** SAFE_VALUES are the values of ?safe= that open a patch without running node code. */
const SAFE_VALUES = new Set(['1', 'true', 'yes', '']);

/**
 * pageSafe reports whether the page opens its patch in safe mode (?safe=1): no node
 * code runs.
 * @param {string} [search]  a location.search
 * @returns {boolean}
 */
export function pageSafe(search = location.search) {
  const params = new URLSearchParams(search);
  return params.has('safe') && SAFE_VALUES.has(params.get('safe') ?? '');
}

/**
 * template returns the document a patch starts from before the user has saved any: the
 * demo for the demo id, an empty canvas otherwise.
 * @param {string} id
 * @returns {import('./runtime.js').PatchJSON}
 */
export function template(id) {
  return id === DEFAULT_PATCH ? demoPatch(id) : { id, nodes: [], edges: [] };
}

/**
 * patchDocument returns the document the page opens for patch id: the saved layout
 * (LAYOUT_KEY of saved) when it is one, the template otherwise.
 * @param {string} id
 * @param {Map<string, unknown>} saved
 * @returns {import('./runtime.js').PatchJSON}
 */
export function patchDocument(id, saved) {
  const layout = /** @type {any} */ (saved.get(LAYOUT_KEY));
  return layout && typeof layout === 'object' && Array.isArray(layout.nodes) ? { ...layout, id } : template(id);
}

/**
 * @typedef {object} Early What startEarly started for one patch.
 * @property {string} id
 * @property {Promise<KVRoot>} kv  loadKV's root of the patch
 * @property {Promise<Map<string, unknown> | undefined>} saved  the values of LAYOUT_KEY
 *   and DRAFTS_KEY that are stored (a key that is not is absent), read without kv; undefined
 *   when plain IndexedDB could not read them (the page then reads them through kv)
 */

/** @type {Early | undefined} */
let started;

/**
 * startEarly starts loading kv for patch id and reading its saved layout, once: a
 * second call for the same id returns what the first started.
 * @param {string} [id]
 * @returns {Early}
 */
export function startEarly(id = pagePatch()) {
  if (started?.id === id) return started;
  const kv = loadKV({ patch: id });
  kv.catch(() => {}); // js/app.js reports it
  const saved = readHost(id, [LAYOUT_KEY, DRAFTS_KEY]);
  started = { id, kv, saved };
  // A patch with a p5 node needs p5.js: fetched now, in parallel with kv; it runs
  // once the sketch starts, after the rest of the patch (js/nodes/p5.js).
  saved.then((values) => {
    if (values && !pageSafe() && patchDocument(id, values).nodes.some((n) => n?.type === 'p5')) preloadP5();
  });
  return started;
}

/**
 * readHost reads keys from patch's host scope with plain IndexedDB — the database,
 * object store and keys kv's get reads, so the values are what kv would give (both
 * are IndexedDB's structured clones of what was stored) — so that the page can build
 * the patch while kv.wasm still compiles. It creates nothing: a database that does
 * not exist yet stays so (the upgrade its open would start is aborted), and a
 * database without a host scope gives no values. It resolves to the values found, by
 * key (a key holding undefined counts as missing, as for kv's get), or to undefined
 * when IndexedDB fails.
 * @param {string} patch
 * @param {string[]} keys
 * @returns {Promise<Map<string, unknown> | undefined>}
 */
export function readHost(patch, keys) {
  return new Promise((resolve) => {
    /** @type {IDBOpenDBRequest} */
    let req;
    try {
      req = indexedDB.open(DB_PREFIX + patch);
    } catch {
      resolve(undefined);
      return;
    }
    let absent = false;
    req.onupgradeneeded = () => {
      // No such database: this open would create it. It does not; nothing is stored.
      absent = true;
      req.transaction?.abort();
    };
    req.onerror = (e) => {
      e.preventDefault();
      resolve(absent ? new Map() : undefined);
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close(); // never hold up kv's upgrades
      if (!db.objectStoreNames.contains(HOST_STORE)) {
        db.close();
        resolve(new Map());
        return;
      }
      /** @type {Map<string, unknown>} */
      const values = new Map();
      let tx;
      try {
        tx = db.transaction(HOST_STORE, 'readonly');
        const store = tx.objectStore(HOST_STORE);
        for (const key of keys) {
          const get = store.get(key);
          get.onsuccess = () => {
            if (get.result !== undefined) values.set(key, get.result); // kv's get: undefined when missing
          };
        }
      } catch {
        db.close();
        resolve(undefined);
        return;
      }
      tx.oncomplete = () => {
        db.close();
        resolve(values);
      };
      tx.onabort = () => {
        db.close();
        resolve(undefined);
      };
    };
  });
}
