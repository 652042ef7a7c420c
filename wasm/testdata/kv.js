// The scripts of wasm/kv_test.go: the module's insides (registry, connections,
// forced failures, Go memory, blocked upgrades), driven through the kv API.
//
// An expression: runFixture (wasm/helpers_test.go) evaluates it inside the test
// script, after helpers.js, and calls one of its methods with the test's
// parameters. `kv`, `a`, `b` are kv objects as globalThis.patchkv.open gives them.

({
  async resolvedWritesSet({ kv }) {
    await kv.node('n').set('k', {v: 1}); kv.set('h', 2); await kv.delete('h');
  },

  async resolvedWritesCheck({ kv }) {
    await same(await kv.node('n').get('k'), {v: 1}); await same(await kv.has('h'), false);
  },

  async getA({ kv }) {
    return kv.get('a');
  },

  async setThenGetA({ kv }) {
    await kv.set('a', 1); await same(await kv.get('a'), 1);
  },

  async binaryRoundTrip({ kv }) {
    const big = new Uint8Array(64 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
    await kv.set('ab', big.buffer);
    await kv.set('blob', new Blob([big]));
    const back = await kv.get('ab');
    if (!(back instanceof ArrayBuffer) || back.byteLength !== big.length) throw new Error('wrong ArrayBuffer back');
    const view = new Uint8Array(back);
    for (let i = 0; i < view.length; i += 4096) if (view[i] !== (i & 255)) throw new Error('byte ' + i);
    const blob = await kv.get('blob');
    if (!(blob instanceof Blob) || blob.size !== big.length) throw new Error('wrong Blob back');
  },

  async scopesFromTwoConnections({ a, b }) {
    await a.set('existing', 0);
    const ps = [];
    for (let i = 0; i < 20; i++) {
      ps.push(a.node('a' + i).set('k', i));      // new scope: upgrade from connection a
      ps.push(b.node('b' + i).set('k', i));      // new scope: upgrade from connection b
      ps.push(a.get('existing'));                 // reads of an existing scope meanwhile
      ps.push(b.set('existing', i));
    }
    await Promise.all(ps);
    let sum = 0;
    for (let i = 0; i < 20; i++) sum += await b.node('a' + i).get('k') + await a.node('b' + i).get('k');
    return sum + ':' + (await a.scopes()).length;
  },

  /** @param {{ kv: any, patch: string }} p */
  async workerDuringUpgrades({ kv, patch }) {
    await kv.set('seed', 1);
    // A worker with its own raw IndexedDB connection that behaves well: it
    // closes on versionchange and reopens, while writing its own keys.
    const src = `
      let db;
      function open() { return new Promise((res, rej) => { const r = indexedDB.open(NAME); r.onsuccess = () => { db = r.result; db.onversionchange = () => { db.close(); db = null; }; res(); }; r.onerror = () => rej(r.error); }); }
      onmessage = async (e) => {
        let n = 0;
        for (let i = 0; i < 200; i++) {
          if (!db) await open();
          try {
            await new Promise((res, rej) => { const tx = db.transaction('host', 'readwrite'); tx.objectStore('host').put(i, 'w' + i); tx.oncomplete = res; tx.onabort = () => rej(tx.error); });
            n++;
          } catch (err) { if (db) throw err; i--; }
        }
        postMessage(n);
      };
    `.replace('NAME', JSON.stringify('patchkv:' + patch));
    const w = new Worker(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));
    const done = new Promise((res, rej) => { w.onmessage = (e) => res(e.data); w.onerror = (e) => rej(new Error(e.message)); });
    w.postMessage('go');
    const ps = [];
    for (let i = 0; i < 30; i++) ps.push(kv.node('n' + i).set('k', i));
    await Promise.all(ps);
    const written = await done;
    w.terminate();
    let found = 0;
    for (let i = 0; i < 200; i++) if ((await kv.get('w' + i)) === i) found++;
    return written + ':' + found + ':' + (await kv.scopes()).length;
  },

  /**
   * Five new scopes one after another, each awaited (an upgrade each), counting
   * the requests of the upgrade lock; then how long until the lock is free again.
   * @param {{ kv: any, patch: string }} p
   */
  async upgradeLockLease({ kv, patch }) {
    const name = 'patchkv-upgrade:patchkv:' + patch;
    const proto = Object.getPrototypeOf(navigator.locks);
    const request = proto.request;
    let requests = 0;
    proto.request = function (/** @type {any[]} */ ...args) {
      if (args[0] === name) requests++;
      return Reflect.apply(request, this, args);
    };
    try {
      for (let i = 0; i < 5; i++) await kv.node('lease' + i).set('k', i);
    } finally {
      proto.request = request;
    }
    const done = performance.now();
    for (;;) {
      const { held = [] } = await navigator.locks.query();
      if (!held.some((l) => l.name === name)) break;
      if (performance.now() - done > 2000) throw new Error('the upgrade lock is still held 2 s after the last upgrade');
      await new Promise((r) => setTimeout(r, 5));
    }
    const free = performance.now() - done;
    for (let i = 0; i < 5; i++) await same(await kv.node('lease' + i).get('k'), i);
    return { requests, free };
  },

  /**
   * Sixty new scopes one after another, each awaited; after the third, another
   * request of the upgrade lock (as another context's upgrade would make).
   * Returns how many upgrades were done when it was granted.
   * @param {{ kv: any, patch: string }} p
   */
  async upgradeLockYields({ kv, patch }) {
    const name = 'patchkv-upgrade:patchkv:' + patch;
    const total = 60;
    let done = 0;
    let grantedAfter = -1;
    /** @type {Promise<unknown> | undefined} */
    let waiter;
    for (let i = 0; i < total; i++) {
      await kv.node('y' + i).set('k', i);
      done++;
      if (i === 2) waiter = navigator.locks.request(name, () => { grantedAfter = done; });
    }
    await waiter;
    for (let i = 0; i < total; i++) await same(await kv.node('y' + i).get('k'), i);
    return { grantedAfter, total };
  },

  /** @param {{ kv: any, patch: string }} p */
  async blockedUpgradeWaits({ kv, patch }) {
    await kv.set('seed', 1);
    // A raw connection that ignores versionchange holds the database open.
    /** @type {IDBDatabase} */
    const db = await new Promise((res, rej) => { const r = indexedDB.open('patchkv:' + patch); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const p = kv.node('new').set('k', 'v');
    setTimeout(() => db.close(), 1500);
    await p;
    return await kv.node('new').get('k');
  },

  /** @param {{ kv: any, patch: string }} p */
  async blockedUpgradeHeld({ kv, patch }) {
    await kv.set('seed', 1);
    /** @type {IDBDatabase} */
    const db = await new Promise((res, rej) => { const r = indexedDB.open('patchkv:' + patch); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    /** @type {any} */ (globalThis).__holder = db;
    return kv.node('new').set('k', 'v');
  },

  /**
   * Another context's upgrade that never ends: its versionchange transaction is kept
   * busy, so the browser answers no other open request of the database — not even
   * with blocked. kv's connection closed for that upgrade, so its next call needs a
   * new one.
   * @param {{ kv: any, patch: string }} p
   */
  async upgradeNeverEnds({ kv, patch }) {
    await kv.set('seed', 1);
    const name = 'patchkv:' + patch;
    const version = await new Promise((res, rej) => { const r = indexedDB.open(name); r.onsuccess = () => { res(r.result.version); r.result.close(); }; r.onerror = () => rej(r.error); });
    const g = /** @type {any} */ (globalThis);
    g.__spin = true;
    /** @type {(v?: unknown) => void} */
    let spinning = () => {};
    const started = new Promise((res) => (spinning = res));
    g.__upgraded = new Promise((res, rej) => {
      const r = indexedDB.open(name, version + 1);
      r.onupgradeneeded = () => {
        spinning();
        const store = /** @type {IDBTransaction} */ (r.transaction).objectStore('host');
        const spin = () => { if (g.__spin) store.get('seed').onsuccess = spin; };
        spin();
      };
      r.onsuccess = () => { r.result.close(); res(undefined); };
      r.onerror = () => rej(r.error);
    });
    await started; // (kv's connection closed for it)
    const t0 = performance.now();
    try {
      const v = await kv.get('seed');
      return 'resolved ' + v + ' after ' + (performance.now() - t0) + ' ms';
    } catch (err) {
      g.__waited = performance.now() - t0;
      throw err;
    }
  },

  async upgradeEnded({ kv }) {
    const g = /** @type {any} */ (globalThis);
    g.__spin = false;
    await g.__upgraded;
    await same(await kv.get('seed'), 1);
    await kv.node('after').set('k', 'v');
    await same(await kv.node('after').get('k'), 'v');
    return g.__waited;
  },

  async blockedUpgradeReleased({ kv }) {
    /** @type {any} */ (globalThis).__holder.close(); await kv.node('new').set('k', 'v'); await same(await kv.node('new').get('k'), 'v');
  },

  async seedIsKept({ kv }) {
    await same(await kv.get('seed'), 1);
  },
})
