// The scripts of wasm/bench_test.go: each benchmark times one loop through the
// kv API and the same loop through plain IndexedDB, in the same page and run.
//
// An expression: runFixture (wasm/helpers_test.go) evaluates it inside the test
// script, after helpers.js, and calls one of its methods with the benchmark's
// parameters: kv (a root), name (the raw database's name), n (b.N).

(() => {
  // Plain IndexedDB, one transaction per operation: reads resolve on request
  // success, writes on transaction complete, as a careful hand-written wrapper would.
  /** @param {string} name @returns {Promise<IDBDatabase>} */
  function rawOpen(name) {
    return new Promise((res, rej) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('s');
      r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
    });
  }
  /** @param {IDBDatabase} db @param {string} k @param {any} v @returns {Promise<void>} */
  function rawSet(db, k, v) {
    return new Promise((res, rej) => { const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(v, k); tx.oncomplete = () => res(); tx.onabort = () => rej(tx.error); });
  }
  /** @param {IDBDatabase} db @param {string} k */
  function rawGet(db, k) {
    return new Promise((res, rej) => { const r = db.transaction('s').objectStore('s').get(k); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  }

  /**
   * @typedef {{ s: any, db: IDBDatabase, n: number }} Ctx s: the kv's node 'bench'
   * @typedef {{ setup: (c: Ctx) => Promise<void>, kv: (c: Ctx) => Promise<void>, raw: (c: Ctx) => Promise<void> }} Pair
   */

  /**
   * Runs a pair's setup, then times its kv loop and its raw loop.
   * @param {{ kv: any, name: string, n: number }} p
   * @param {Pair} pair
   * @returns {Promise<[number, number]>} the kv and raw loops' milliseconds
   */
  async function time({ kv, name, n }, pair) {
    const s = kv.node('bench'); const db = await rawOpen(name);
    const c = { s, db, n };
    await pair.setup(c);
    const t0 = performance.now();
    await pair.kv(c);
    const t1 = performance.now();
    await pair.raw(c);
    const t2 = performance.now();
    db.close();
    return [t1 - t0, t2 - t1];
  }

  /** @type {Record<string, Pair>} */
  const pairs = {
    setAwaited: {
      async setup({ s, db }) { await s.set('warm', 0); await rawSet(db, 'warm', 0); },
      async kv({ s, n }) { for (let i = 0; i < n; i++) await s.set('k' + i, {i, name: 'value ' + i}); },
      async raw({ db, n }) { for (let i = 0; i < n; i++) await rawSet(db, 'k' + i, {i, name: 'value ' + i}); },
    },
    getAwaited: {
      async setup({ s, db }) { for (let i = 0; i < 100; i++) { await s.set('k' + i, {i}); await rawSet(db, 'k' + i, {i}); } },
      async kv({ s, n }) { for (let i = 0; i < n; i++) await s.get('k' + (i % 100)); },
      async raw({ db, n }) { for (let i = 0; i < n; i++) await rawGet(db, 'k' + (i % 100)); },
    },
    setUnawaited: {
      async setup({ s, db }) { await s.set('warm', 0); await rawSet(db, 'warm', 0); },
      async kv({ s, n }) { const ps = []; for (let i = 0; i < n; i++) ps.push(s.set('k' + i, i)); await Promise.all(ps); },
      async raw({ db, n }) { const ps = []; for (let i = 0; i < n; i++) ps.push(rawSet(db, 'k' + i, i)); await Promise.all(ps); },
    },
  };

  return {
    /** @param {{ kv: any, name: string, n: number, pair: string }} p */
    async pair(p) { return time(p, pairs[p.pair]); },
    /** @param {{ name: string }} p */
    async deleteRaw({ name }) { indexedDB.deleteDatabase(name); },
  };
})()
