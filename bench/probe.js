// probe.js — where patchkv spends its time, beside raw IndexedDB in the same page.
//
// It subclasses Go's wasm_exec.js runner before kv.js loads, so that every entry
// from JavaScript into the Go program (a js.FuncOf callback, a timer, a resumed
// goroutine, a call of the exported patchkv_call) is counted and timed. Time "in Go" includes the JavaScript that Go
// calls while it runs (IndexedDB calls, structured clone), as raw IndexedDB pays
// that too. The page is served cross-origin isolated, so performance.now() has
// 5 µs steps rather than 100 µs. Results go to window.probeDone for bench/main.go.

import { bumpVersion, openRaw, requestDone } from './workloads.js';

const counter = { entries: 0, ms: 0, depth: 0, initMS: 0 };
// bench/main.go -profile serves a kv.wasm built with its symbol names here.
const wasmURL = new URLSearchParams(location.search).get('wasm') || '/kv.wasm';
const now = () => performance.now();

async function main() {
  // Go's support file (./build.sh copies it from the toolchain), loaded by URL:
  // it is not one of our modules and has no types.
  await import(new URL('/wasm_exec.js', location.href).href);
  const BaseGo = globalThis.Go;
  // count runs fn as one entry into Go, timing the outermost ones.
  const count = (fn) => {
    counter.entries++;
    if (counter.depth++ > 0) {
      try {
        return fn();
      } finally {
        counter.depth--;
      }
    }
    const t0 = now();
    try {
      return fn();
    } finally {
      counter.depth--;
      counter.ms += now() - t0;
    }
  };
  globalThis.Go = class CountingGo extends BaseGo {
    _resume() {
      return count(() => super._resume());
    }
    run(instance) {
      // kv methods also enter Go through the exported patchkv_call, which the
      // loader hands over with patchkv.attach: count those calls too. The
      // module's API is frozen, so the probe hands the loader a copy whose
      // attach passes a counting wrapper (the first attach is the one kept).
      const ready = globalThis.__patchkvReady;
      if (typeof ready === 'function') {
        globalThis.__patchkvReady = (api) =>
          ready({
            ...api,
            attach: (exports) => {
              const call = exports.patchkv_call;
              api.attach({ patchkv_call: (...args) => count(() => call(...args)) });
            },
          });
      }
      const t0 = now();
      const p = super.run(instance); // runs Go's init and main until main first waits
      counter.initMS = now() - t0;
      return p;
    }
  };

  const out = { isolated: crossOriginIsolated, ops: [] };
  const { loadKV } = await import('/js/kv.js');

  const measure = async (fn) => {
    const e0 = counter.entries, g0 = counter.ms, t0 = now();
    await fn();
    return { wall: now() - t0, entries: counter.entries - e0, goMS: counter.ms - g0 };
  };

  /** @type {import('../js/kv.d.ts').KVRoot} */
  let kv;
  out.load = await measure(async () => {
    kv = await loadKV({ patch: 'probe', wasmURL });
  });
  out.load.initMS = counter.initMS;
  out.open2 = await measure(() => loadKV({ patch: 'probe-2', wasmURL }));

  const raw = (await openRaw('probe')).store('get');
  const rawSet = (await openRaw('probe')).store('set');
  const s = kv.store('get');
  const w = kv.store('set');
  const n = 600;
  const key = (i) => 'k' + String(i).padStart(6, '0');
  const value = (i) => ({ i, name: 'value ' + i });
  await Promise.all([...Array(n).keys()].map((i) => s.set(key(i), value(i))));
  await raw.fill(n, 'k');
  await w.set('warm', 0);
  await rawSet.set('warm', 0);

  // Each operation runs in alternating slices, patchkv then raw IndexedDB, so
  // that a slow moment of the machine hits both alike: their difference is the
  // figure this section is for.
  const slices = 6;
  const op = async (name, kvFn, rawFn, count = n) => {
    // Warm up first: V8 compiles wasm functions lazily and tiers them up.
    for (let i = 0; i < Math.min(count, 50); i++) await kvFn(i);
    globalThis.gc?.();
    const per = Math.max(1, Math.floor(count / slices));
    const k = { wall: 0, entries: 0, goMS: 0 };
    let rawWall = rawFn ? 0 : null;
    let done = 0;
    for (let s = 0; s < slices && done < count; s++) {
      const from = done;
      done = s === slices - 1 ? count : Math.min(count, done + per);
      const m = await measure(async () => {
        for (let i = from; i < done; i++) await kvFn(i);
      });
      k.wall += m.wall;
      k.entries += m.entries;
      k.goMS += m.goMS;
      if (rawFn) {
        const t0 = now();
        for (let i = from; i < done; i++) await rawFn(i);
        rawWall += now() - t0;
      }
    }
    out.ops.push({
      name,
      wall: k.wall / count,
      raw: rawWall === null ? null : rawWall / count,
      entries: k.entries / count,
      goMS: k.goMS / count,
    });
  };

  await op('call rejected in Go (non-string key, no IndexedDB)', (i) => s.get(i).catch(() => {}), null);
  await op('get, awaited', (i) => s.get(key(i)), (i) => raw.get(key(i)));
  await op('has, awaited', (i) => s.has(key(i)), (i) => raw.has(key(i)));
  await op('set, awaited', (i) => w.set(key(i), value(i)), (i) => rawSet.set(key(i), value(i)));
  await op('delete, awaited', (i) => w.delete(key(i)), (i) => rawSet.delete(key(i)));
  const inc = (/** @type {any} */ v) => (v ?? 0) + 1;
  await op('update (increment), awaited', () => w.update('n', inc), () => rawSet.update('n', inc));
  await op('keys() of 300 keys', () => s.keys(), () => raw.keys(), 50);
  await op('store(name) lookup', () => kv.store('get'), null);
  await op(
    'set, 1,000 issued in one task (per set)',
    () => Promise.all([...Array(1000).keys()].map((i) => w.set(key(i), value(i)))),
    () => Promise.all([...Array(1000).keys()].map((i) => rawSet.set(key(i), value(i)))),
    1,
  );
  // For a CPU profile taken by bench/main.go around one kind of operation.
  // A patch load: on a new connection, one get on every one of 1,000 scopes,
  // all issued at once (kind 'scopes'; 'raw-scopes' for raw IndexedDB with the
  // same layout, one object store per scope).
  const scopeN = 1000;
  const scopeName = (/** @type {number} */ i) => 'p' + i;
  // raw IndexedDB's object store for scope i: patchkv's name for it (the same layout)
  const rawStore = (/** @type {number} */ i) => 'store:' + scopeName(i);
  /** opens raw IndexedDB's database of scopeN scopes @param {string} name @param {number} [version] @returns {Promise<IDBDatabase>} */
  const open = (name, version) => {
    const req = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    req.onupgradeneeded = () => {
      for (let i = 0; i < scopeN; i++) req.result.createObjectStore(rawStore(i));
    };
    return requestDone(req);
  };
  let rawScopes = /** @type {IDBDatabase} */ (await open('probe-raw-scopes', 1));
  await new Promise((resolve) => {
    const tx = rawScopes.transaction([...Array(scopeN).keys()].map(rawStore), 'readwrite');
    for (let i = 0; i < scopeN; i++) tx.objectStore(rawStore(i)).put(i, 'k');
    tx.oncomplete = resolve;
  });
  await Promise.all([...Array(scopeN).keys()].map((i) => kv.store(scopeName(i)).set('k', i)));
  const readAll = async (/** @type {(i: number) => Promise<any>} */ get) => {
    const got = await Promise.all([...Array(scopeN).keys()].map(get));
    if (!got.every((v, i) => v === i)) throw new Error('scopes: wrong values');
  };

  let created = 0;
  window.probeProfile = async (kind, count) => {
    let t0 = now();
    if (kind === 'create' || kind === 'raw-create') {
      // Creating scopes: 100 new ones at once, each given one key ('raw-create':
      // raw IndexedDB with the same layout, one upgrade making the 100 stores).
      let ms = 0;
      for (let i = 0; i < count; i++, created++) {
        const name = (/** @type {number} */ j) => 'c' + created + '-' + j;
        t0 = now();
        if (kind === 'create') {
          await Promise.all([...Array(100).keys()].map((j) => kv.store(name(j)).set('k', j)));
        } else {
          const v = rawScopes.version;
          rawScopes.close();
          const req = indexedDB.open('probe-raw-scopes', v + 1);
          req.onupgradeneeded = () => {
            for (let j = 0; j < 100; j++) req.result.createObjectStore('store:' + name(j));
          };
          const db = (rawScopes = /** @type {IDBDatabase} */ (await requestDone(req)));
          await Promise.all([...Array(100).keys()].map((j) => {
            const tx = db.transaction('store:' + name(j), 'readwrite');
            tx.objectStore('store:' + name(j)).put(j, 'k');
            return new Promise((r) => (tx.oncomplete = r));
          }));
        }
        ms += now() - t0;
      }
      return ms;
    }
    if (kind === 'scopes' || kind === 'raw-scopes') {
      let ms = 0;
      for (let i = 0; i < count; i++) {
        if (kind === 'scopes') {
          await bumpVersion('patchkv:probe'); // kv lets go, and reopens on its next call
          t0 = now();
          await readAll((j) => kv.store(scopeName(j)).get('k'));
        } else {
          rawScopes.close();
          t0 = now();
          rawScopes = /** @type {IDBDatabase} */ (await open('probe-raw-scopes'));
          const db = rawScopes;
          await readAll((j) => requestDone(db.transaction(rawStore(j), 'readonly').objectStore(rawStore(j)).get('k')));
        }
        ms += now() - t0;
      }
      return ms;
    }
    for (let i = 0; i < count; i++) {
      if (kind === 'get') await s.get(key(i % n));
      else if (kind === 'set') await w.set(key(i % n), value(i));
      else if (kind === 'raw-get') await raw.get(key(i % n));
      else if (kind === 'raw-set') await rawSet.set(key(i % n), value(i));
      else throw new Error('unknown kind ' + kind);
    }
    return now() - t0;
  };
  const burst = out.ops[out.ops.length - 1];
  for (const f of ['wall', 'raw', 'entries', 'goMS']) if (burst[f] !== null) burst[f] /= 1000;
  return out;
}

main().then(window.probeSettle.resolve, (e) => window.probeSettle.reject(e instanceof Error ? e : new Error(String(e))));
