// workloads.js — the benchmark's workloads, run by bench/main.go through chromedp.
//
// Three implementations of the same small key-value interface run in one page:
//
//   raw         IndexedDB from plain JavaScript, the way one writes it by hand: one
//               database per patch, one object store per scope (all created when the
//               database is opened), one transaction per operation; writes resolve
//               on the transaction's `complete`, reads on the request's `success`.
//   idb-keyval  the npm package (node_modules/idb-keyval), one createStore per scope.
//   kv          patchkv: loadKV({ patch }) and root.store(name).
//
// Every workload opens what it needs before the clock starts, warms the scope with
// one operation, times only the operations it names, then checks what it read or
// wrote (a wrong answer is an error, never a fast result).

/** @typedef {{ get(k: string): Promise<any>, set(k: string, v: any): Promise<void>,
 *    delete(k: string): Promise<void>, keys(): Promise<string[]>, clear(): Promise<void>,
 *    fill(n: number, prefix: string): Promise<void> }} Store */
/** @typedef {{ store(name: string): Store }} Patch */

const MiB = 1 << 20;

/** Every scope name the workloads use; raw IndexedDB creates them all up front. */
const SCOPES = ['set', 'get', 'burst', 'bin', 'bulk', 'scan', 'update', 'delete', 'listen'];

export const impls = ['raw', 'idb-keyval', 'kv'];

const key = (i, prefix = 'k') => prefix + String(i).padStart(6, '0');
const small = (i) => ({ i, name: 'value ' + i });

function check(ok, msg) {
  if (!ok) throw new Error('check failed: ' + msg);
}

// ---- raw IndexedDB --------------------------------------------------------------

export function requestDone(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function txDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error || new Error('transaction aborted'));
  });
}

/** openRaw opens (creating) database `raw:<patch>` with one object store per scope. */
export async function openRaw(patch) {
  const req = indexedDB.open('raw:' + patch, 1);
  req.onupgradeneeded = () => {
    for (const s of SCOPES) req.result.createObjectStore(s);
  };
  const db = await requestDone(req);
  return {
    db,
    store(name) {
      return {
        set(k, v) {
          const tx = db.transaction(name, 'readwrite');
          tx.objectStore(name).put(v, k);
          return txDone(tx);
        },
        get(k) {
          return requestDone(db.transaction(name, 'readonly').objectStore(name).get(k));
        },
        async has(k) {
          return (await requestDone(db.transaction(name, 'readonly').objectStore(name).getKey(k))) !== undefined;
        },
        delete(k) {
          const tx = db.transaction(name, 'readwrite');
          tx.objectStore(name).delete(k);
          return txDone(tx);
        },
        update(k, fn) {
          // get and put in one transaction, as one writes a read-modify-write by hand.
          const tx = db.transaction(name, 'readwrite');
          const os = tx.objectStore(name);
          const req = os.get(k);
          req.onsuccess = () => os.put(fn(req.result), k);
          return txDone(tx);
        },
        keys() {
          return requestDone(db.transaction(name, 'readonly').objectStore(name).getAllKeys());
        },
        clear() {
          const tx = db.transaction(name, 'readwrite');
          tx.objectStore(name).clear();
          return txDone(tx);
        },
        fill(n, prefix) {
          const tx = db.transaction(name, 'readwrite');
          const os = tx.objectStore(name);
          for (let i = 0; i < n; i++) os.put(small(i), key(i, prefix));
          return txDone(tx);
        },
      };
    },
  };
}

// ---- idb-keyval ------------------------------------------------------------------

let idbKeyval;

async function openIdbKeyval(patch) {
  idbKeyval ??= await import('/node_modules/idb-keyval/dist/index.js');
  const ik = idbKeyval;
  return {
    store(name) {
      // idb-keyval's createStore creates its one object store on the database's first
      // open, so each scope is a database of its own.
      const st = ik.createStore(`idb-keyval:${patch}:${name}`, 'kv');
      return {
        set: (k, v) => ik.set(k, v, st),
        get: (k) => ik.get(k, st),
        delete: (k) => ik.del(k, st),
        update: (k, fn) => ik.update(k, fn, st),
        keys: () => ik.keys(st),
        clear: () => ik.clear(st),
        fill(n, prefix) {
          const entries = [];
          for (let i = 0; i < n; i++) entries.push([key(i, prefix), small(i)]);
          return ik.setMany(entries, st);
        },
      };
    },
  };
}

// ---- patchkv ---------------------------------------------------------------------

let kvModule;

async function openKV(patch) {
  try {
    kvModule ??= await import('/js/kv.js');
  } catch (e) {
    throw new Error('kv: cannot import /js/kv.js (is the core built?): ' + e.message);
  }
  const root = await kvModule.loadKV({ patch, wasmURL: '/kv.wasm' });
  return {
    root,
    store(name) {
      const s = root.store(name);
      return {
        set: (k, v) => s.set(k, v),
        get: (k) => s.get(k),
        delete: (k) => s.delete(k),
        update: (k, fn) => s.update(k, fn),
        keys: () => s.keys(),
        clear: () => s.clear(),
        async fill(n, prefix) {
          // kv has no batch call: issue sets in chunks without awaiting each one.
          for (let i = 0; i < n; ) {
            const ps = [];
            for (const end = Math.min(n, i + 10000); i < end; i++) ps.push(s.set(key(i, prefix), small(i)));
            await Promise.all(ps);
          }
        },
      };
    },
  };
}

// ---- patches, cached per implementation and patch id ---------------------------------

const openers = { raw: openRaw, 'idb-keyval': openIdbKeyval, kv: openKV };
const patches = new Map();

/** @returns {Promise<Patch>} */
function open(impl, patch) {
  const id = impl + '\u0000' + patch;
  if (!patches.has(id)) {
    const opener = openers[impl];
    if (!opener) throw new Error('unknown implementation ' + impl);
    // One store object per scope, as an application would keep it (for idb-keyval
    // each createStore is a connection of its own).
    const p = opener(patch).then((patchObj) => {
      const stores = new Map();
      return {
        root: patchObj.root,
        base: patchObj,
        store(name) {
          if (!stores.has(name)) stores.set(name, patchObj.store(name));
          return stores.get(name);
        },
      };
    });
    p.catch(() => patches.delete(id));
    patches.set(id, p);
  }
  return patches.get(id);
}

// ---- many scopes (issue 13) --------------------------------------------------------
//
// patchkv keeps one object store per scope, created by a version upgrade on the
// scope's first write. The scope workloads compare it with raw IndexedDB laid out
// the same way: database `rawscopes:<patch>`, one object store per scope with
// patchkv's name for it (`store:<name>`: IndexedDB finds a store by name, and the
// length of the names shows in its time), made by an upgrade when the code first
// writes to it (raw code knows which exist).

/** SCOPE_REPS is how many times a scope workload that can be repeated on its patch is timed per round. */
const SCOPE_REPS = 5;

/**
 * medianRun runs timed (which resolves to {ms, issued}: the run's time and the
 * part of it spent making the calls) reps times, one after another, and
 * resolves to the run of median time.
 * @param {number} reps @param {() => Promise<{ms: number, issued: number}>} timed
 */
async function medianRun(reps, timed) {
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await timed());
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)];
}

/**
 * traceSteps marks, in ms from now, when the steps of creating scopes happen, so
 * that the report can say which part of a row is the browser's and which the
 * code's: the upgrade lock asked for and granted (lockAsked, lockGranted;
 * patchkv only), the upgrade's open request (one with a version: upgradeOpen),
 * its upgradeneeded and success (upgradeNeeded, upgradeDone), the first object
 * store made (storeMade) and the first transaction started after the upgrade
 * (firstTx). Each method it wraps marks its first call and puts the original
 * back at once, so a timed run pays for one wrapped call of each, the same for
 * every implementation. mark(name) adds a mark of the workload's own; stop()
 * restores whatever is still wrapped and returns the marks.
 */
function traceSteps() {
  const t0 = performance.now();
  /** @type {Record<string, number>} */
  const marks = {};
  const mark = (/** @type {string} */ k) => {
    marks[k] ??= performance.now() - t0;
  };
  /** @type {(() => void)[]} */
  const restores = [];
  const once = (proto, name, wrap) => {
    const orig = proto[name];
    const restore = () => {
      proto[name] = orig;
    };
    proto[name] = function (...args) {
      restore();
      return wrap(orig, this, args);
    };
    restores.push(restore);
  };
  once(IDBFactory.prototype, 'open', function open(orig, self, args) {
    if (args.length < 2) {
      once(IDBFactory.prototype, 'open', open); // not the upgrade: wait for it
      return Reflect.apply(orig, self, args);
    }
    mark('upgradeOpen');
    const req = Reflect.apply(orig, self, args);
    req.addEventListener('upgradeneeded', () => mark('upgradeNeeded'));
    req.addEventListener('success', () => {
      mark('upgradeDone');
      once(IDBDatabase.prototype, 'transaction', (orig, self, args) => {
        mark('firstTx');
        return Reflect.apply(orig, self, args);
      });
    });
    return req;
  });
  once(IDBDatabase.prototype, 'createObjectStore', (orig, self, args) => {
    mark('storeMade');
    return Reflect.apply(orig, self, args);
  });
  if (globalThis.LockManager) {
    once(LockManager.prototype, 'request', (orig, self, args) => {
      mark('lockAsked');
      const cb = args[args.length - 1];
      if (typeof cb === 'function') {
        args[args.length - 1] = (lock) => {
          mark('lockGranted');
          return cb(lock);
        };
      }
      return Reflect.apply(orig, self, args);
    });
  }
  return {
    mark,
    stop() {
      for (const r of restores) r();
      return marks;
    },
  };
}

const scopeName = (i) => 's' + String(i).padStart(5, '0');
/** The object store of named store scopeName(i), as patchkv names it (scope.ObjectStore). */
const rawStore = (i) => 'store:' + scopeName(i);

/** bumpVersion opens database name at its next version, which makes every other connection get versionchange. */
export async function bumpVersion(name) {
  const db = await requestDone(indexedDB.open(name));
  const v = db.version;
  db.close();
  (await requestDone(indexedDB.open(name, v + 1))).close();
}

/**
 * scopesOf returns the scopes of patch for impl ('kv' or 'raw'), numbered:
 * get(i, k), set(i, k, v), create(from, to) (raw: one upgrade making the object
 * stores; kv: nothing, its first writes make them), fill(n) (one key 'k' = i in
 * scopes 0..n-1, all at once) and reconnect() (a new connection, as after a
 * reload, so that the next reads are the connection's first).
 */
async function scopesOf(p, impl, patch) {
  if (impl === 'kv') {
    const root = p.base.root;
    const sc = {
      get: (i, k) => root.store(scopeName(i)).get(k),
      set: (i, k, v) => root.store(scopeName(i)).set(k, v),
      create() {},
      async fill(n) {
        const ps = [];
        for (let i = 0; i < n; i++) ps.push(sc.set(i, 'k', i));
        await Promise.all(ps);
      },
      async reconnect() {
        await bumpVersion('patchkv:' + patch); // kv lets go on versionchange
        await root.get('warm'); // and reopens here
      },
    };
    return sc;
  }
  if (impl !== 'raw') throw new Error('scope workloads run on kv and raw only');
  const name = 'rawscopes:' + patch;
  let db = await requestDone(indexedDB.open(name));
  const sc = {
    get: (i, k) => requestDone(db.transaction(rawStore(i), 'readonly').objectStore(rawStore(i)).get(k)),
    set(i, k, v) {
      const tx = db.transaction(rawStore(i), 'readwrite');
      tx.objectStore(rawStore(i)).put(v, k);
      return txDone(tx);
    },
    async create(from, to) {
      const v = db.version;
      db.close();
      const req = indexedDB.open(name, v + 1);
      req.onupgradeneeded = () => {
        for (let i = from; i < to; i++) req.result.createObjectStore(rawStore(i));
      };
      db = await requestDone(req);
    },
    async fill(n) {
      await sc.create(0, n);
      const ps = [];
      for (let i = 0; i < n; i++) ps.push(sc.set(i, 'k', i));
      await Promise.all(ps);
    },
    async reconnect() {
      db.close();
      db = await requestDone(indexedDB.open(name));
    },
  };
  return sc;
}

// ---- workloads -------------------------------------------------------------------
//
// Each returns { ms, ops, bytes }: the timed milliseconds, the operations they cover
// and the payload bytes moved (0 when throughput is counted in operations).

const workloads = {
  /** n awaited sets of small values, one after another. */
  async setAwaited(p, { n }) {
    const s = p.store('set');
    await s.set('warm', 0);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.set(key(i), small(i));
    const ms = performance.now() - t0;
    const last = await s.get(key(n - 1));
    check(last && last.i === n - 1, `set: got ${JSON.stringify(last)} for the last key`);
    check((await s.keys()).length === n + 1, 'set: wrong number of keys');
    return { ms, ops: n, bytes: 0 };
  },

  /** n awaited gets of small values written beforehand. */
  async getAwaited(p, { n }) {
    const s = p.store('get');
    await s.fill(n, 'k');
    await s.get(key(0));
    let bad = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const v = await s.get(key(i));
      if (!v || v.i !== i) bad++;
    }
    const ms = performance.now() - t0;
    check(bad === 0, `get: ${bad} of ${n} values wrong`);
    return { ms, ops: n, bytes: 0 };
  },

  /** n sets issued in one task without awaiting, then all awaited together. */
  async setBurst(p, { n }) {
    const s = p.store('burst');
    await s.set('warm', 0);
    const t0 = performance.now();
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = s.set(key(i), small(i));
    await Promise.all(ps);
    const ms = performance.now() - t0;
    check((await s.keys()).length === n + 1, 'burst: wrong number of keys');
    const last = await s.get(key(n - 1));
    check(last && last.i === n - 1, 'burst: last value wrong');
    return { ms, ops: n, bytes: 0 };
  },

  /** reps round trips (set, then get) of one binary value of `mib` MiB. */
  async binary(p, { mib, reps, kind }) {
    const s = p.store('bin');
    await s.set('warm', 0);
    const size = mib * MiB;
    const buf = new ArrayBuffer(size);
    const words = new Uint32Array(buf);
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761);
    const value = kind === 'blob' ? new Blob([buf], { type: 'application/x-patchkv-bench' }) : buf;
    let ms = 0;
    for (let r = 0; r < reps; r++) {
      const k = kind + r;
      const t0 = performance.now();
      await s.set(k, value);
      const got = await s.get(k);
      ms += performance.now() - t0;
      if (kind === 'blob') {
        check(got instanceof Blob, `blob: got ${Object.prototype.toString.call(got)}`);
        check(got.size === size && got.type === /** @type {Blob} */ (value).type, 'blob: wrong size or type');
      } else {
        check(got instanceof ArrayBuffer, `arraybuffer: got ${Object.prototype.toString.call(got)}`);
        check(got.byteLength === size, 'arraybuffer: wrong length');
        const w = new Uint32Array(got);
        for (const i of [0, 1, 12345, w.length >> 1, w.length - 1]) {
          check(w[i] === words[i], `arraybuffer: word ${i} differs`);
        }
      }
      await s.delete(k);
    }
    return { ms, ops: reps, bytes: reps * size };
  },

  /** Untimed setup, once per run: `bulk` keys in the bulk scope (see bench/seed.go). */
  async seedBulk(p, { bulk }) {
    const t0 = performance.now();
    await p.store('bulk').fill(bulk, 'b');
    const ms = performance.now() - t0;
    check((await p.store('bulk').keys()).length === bulk, 'seed: wrong bulk count');
    return { ms, ops: bulk, bytes: 0 };
  },

  /**
   * Untimed setup for scanKeys/clearScan: `n` keys in the scan scope, and `bulk`
   * keys in the bulk scope (filled here unless the seeded profile holds them).
   */
  async prepScan(p, { n, bulk }) {
    const t0 = performance.now();
    if (bulk > 0 && (await p.store('bulk').keys()).length !== bulk) await p.store('bulk').fill(bulk, 'b');
    await p.store('scan').fill(n, 's');
    const ms = performance.now() - t0;
    if (bulk > 0) check((await p.store('bulk').keys()).length === bulk, 'prep: wrong bulk count');
    return { ms, ops: n, bytes: 0 };
  },

  /** reps keys() calls on the n-key scope. */
  async scanKeys(p, { n, reps }) {
    const s = p.store('scan');
    await s.keys();
    let ms = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const ks = await s.keys();
      ms += performance.now() - t0;
      check(ks.length === n, `keys: got ${ks.length}, want ${n}`);
      check(ks[0] === key(0, 's') && ks[n - 1] === key(n - 1, 's'), 'keys: wrong order or names');
    }
    return { ms, ops: reps, bytes: 0 };
  },

  /** reps clear() calls on the n-key scope, refilled (untimed) before each. */
  async clearScan(p, { n, reps, bulk }) {
    const s = p.store('scan');
    let ms = 0;
    for (let r = 0; r < reps; r++) {
      if ((await s.keys()).length !== n) await s.fill(n, 's');
      const t0 = performance.now();
      await s.clear();
      ms += performance.now() - t0;
      check((await s.keys()).length === 0, 'clear: keys left');
    }
    if (bulk > 0) {
      check((await p.store('bulk').keys()).length === bulk, 'clear: touched another scope');
    }
    return { ms, ops: reps, bytes: 0 };
  },
};

// ---- live changes and atomic update (issue 9) -----------------------------------

Object.assign(workloads, {
  /** n awaited increments of one counter: update, or raw get+put in one transaction. */
  async updateAwaited(p, { n }) {
    const s = p.store('update');
    await s.set('n', 0);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.update('n', (v) => (v ?? 0) + 1);
    const ms = performance.now() - t0;
    const got = await s.get('n');
    check(got === n, `update: counter is ${got}, want ${n}`);
    return { ms, ops: n, bytes: 0 };
  },

  /** n awaited deletes of keys that exist (written beforehand, untimed). */
  async deleteAwaited(p, { n }) {
    const s = p.store('delete');
    await s.fill(n, 'd');
    await s.get(key(0, 'd'));
    let answers = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) if ((await s.delete(key(i, 'd'))) === true) answers++;
    const ms = performance.now() - t0;
    check((await s.keys()).length === 0, 'delete: keys left');
    check(p.root === undefined || answers === n, `delete: ${answers} of ${n} answered true`);
    return { ms, ops: n, bytes: 0 };
  },

  /** n awaited sets with `listeners` kv.watch listeners on the patch (patchkv only). */
  async setListened(p, { n, listeners }) {
    const s = p.store('listen');
    const seen = [];
    const stops = [];
    for (let i = 0; i < listeners; i++) stops.push(p.root.watch((c) => seen.push(c.key)));
    await s.set('warm', 0);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.set(key(i), small(i));
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
    for (const stop of stops) stop();
    check(seen.length >= listeners * n, `listeners: ${seen.length} calls, want ${listeners * n}`);
    return { ms, ops: n, bytes: 0 };
  },

  /**
   * Change latency to another context (a frame or a Worker with its own kv on the
   * patch): n awaited sets, each timed from its set resolving (committed) to the
   * listener there. Returns the median or the 99th percentile (stat) of one
   * measurement per round, taken by whichever row asks first.
   */
  async changeLatency(p, { n, to, stat }, _impl, patch) {
    const k = patch + '\u0000' + to;
    if (!latencies.has(k)) latencies.set(k, measureLatency(p, n, to, patch));
    const ls = await latencies.get(k);
    const sorted = [...ls].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { ms: stat === 'p99' ? at(0.99) : at(0.5), ops: 1, bytes: 0 };
  },

  /** n un-awaited sets in one task; timed until a frame's listener has all n changes. */
  async changeBurst(p, { n }, _impl, patch) {
    const peer = await listener('frame', patch);
    const s = p.store('listen');
    await s.set('warm', 0);
    const done = peer.expect('B', n);
    const t0 = performance.timeOrigin + performance.now();
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = s.set('B' + i, i);
    await Promise.all(ps);
    const arrivals = await done;
    const last = Math.max(...arrivals.map((a) => a[1]));
    const keys = new Set(arrivals.map((a) => a[0]));
    check(keys.size === n, `burst: ${keys.size} of ${n} changes arrived`);
    return { ms: last - t0, ops: n, bytes: 0 };
  },
});

/** @type {Map<string, Promise<number[]>>} */
const latencies = new Map();

async function measureLatency(p, n, to, patch) {
  const peer = await listener(to, patch);
  const s = p.store('listen');
  await s.set('warm', 0);
  const prefix = 'L' + to + '-';
  const done = peer.expect(prefix, n);
  const sent = new Map();
  for (let i = 0; i < n; i++) {
    await s.set(prefix + i, i);
    sent.set(prefix + i, performance.timeOrigin + performance.now());
  }
  const arrivals = await done;
  check(arrivals.length === n, `latency: ${arrivals.length} of ${n} changes arrived`);
  return arrivals.map(([k, at]) => at - sent.get(k));
}

/** @type {Map<string, Promise<{expect(prefix: string, n: number): Promise<[string, number][]>}>>} */
const listeners = new Map();

/** listener starts (once per patch and kind) a frame or a module Worker running bench/listener.js on patch. */
function listener(to, patch) {
  const id = to + '\u0000' + patch;
  if (!listeners.has(id)) {
    listeners.set(id, new Promise((resolve, reject) => {
      let post;
      let target;
      if (to === 'worker') {
        const w = new Worker('/bench/listener.js', { type: 'module' });
        post = (m) => w.postMessage(m);
        target = w;
      } else {
        const f = document.createElement('iframe');
        f.src = '/bench/listener.html';
        document.body.append(f);
        post = (m) => f.contentWindow.postMessage(m, '*');
        target = window;
        f.onload = () => post({ cmd: 'open', patch });
      }
      let waiting = null;
      target.addEventListener('message', (/** @type {MessageEvent} */ e) => {
        const m = e.data;
        if (m?.cmd === 'ready') resolve({
          expect(prefix, n) {
            return new Promise((res) => {
              waiting = res;
              post({ cmd: 'expect', prefix, n });
            });
          },
        });
        else if (m?.cmd === 'done' && waiting) waiting(m.arrivals);
        else if (m?.cmd === 'error') reject(new Error(m.message));
      });
      if (to === 'worker') post({ cmd: 'open', patch });
    }));
  }
  return listeners.get(id);
}


Object.assign(workloads, {
  /**
   * A patch of n scopes, on a new connection: one awaited get on each of 100 of them
   * (spread over all n). Timed SCOPE_REPS times, each on a new connection; the
   * median counts (a time of 10–100 short reads is easily moved by the machine).
   * Mark issued: the time spent in the calls themselves (the rest is waiting
   * for their answers).
   */
  async scopesGet100(p, { n }, impl, patch) {
    const sc = await scopesOf(p, impl, patch);
    await sc.fill(n);
    const m = Math.min(100, n), step = Math.floor(n / m);
    const { ms, issued } = await medianRun(SCOPE_REPS, async () => {
      await sc.reconnect();
      let bad = 0;
      let issued = 0;
      const t0 = performance.now();
      for (let j = 0; j < m; j++) {
        const t = performance.now();
        const got = sc.get(j * step, 'k');
        issued += performance.now() - t;
        if ((await got) !== j * step) bad++;
      }
      const ms = performance.now() - t0;
      check(bad === 0, `scopes get: ${bad} of ${m} wrong`);
      return { ms, issued };
    });
    return { ms, ops: m, bytes: 0, marks: { issued } };
  },

  /**
   * A patch of n scopes, on a new connection: a get on every scope, issued at
   * once (a patch load); the median of SCOPE_REPS. Mark issued: the calls made
   * (the rest is waiting for their answers), in the median's repetition.
   */
  async scopesFirstRead(p, { n }, impl, patch) {
    const sc = await scopesOf(p, impl, patch);
    await sc.fill(n);
    const { ms, issued } = await medianRun(SCOPE_REPS, async () => {
      await sc.reconnect();
      const t0 = performance.now();
      const ps = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = sc.get(i, 'k');
      const issued = performance.now() - t0;
      const got = await Promise.all(ps);
      const ms = performance.now() - t0;
      check(got.every((v, i) => v === i), 'scopes first read: wrong values');
      return { ms, issued };
    });
    return { ms, ops: n, bytes: 0, marks: { issued } };
  },

  /**
   * n new scopes, each given one key, all issued at once. The run is traced
   * (traceSteps), and mark issued is when every write has been made.
   */
  async scopesCreateAll(p, { n }, impl, patch) {
    const sc = await scopesOf(p, impl, patch);
    const trace = traceSteps();
    const t0 = performance.now();
    await sc.create(0, n);
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = sc.set(i, 'k', i);
    trace.mark('issued');
    await Promise.all(ps);
    const ms = performance.now() - t0;
    const marks = trace.stop();
    check((await sc.get(n - 1, 'k')) === n - 1, 'scopes create: last value wrong');
    return { ms, ops: n, bytes: 0, marks };
  },

  /** In a patch of n - m scopes, m new scopes one after another, each awaited (an upgrade each). */
  async scopesCreateOneByOne(p, { n, m }, impl, patch) {
    const sc = await scopesOf(p, impl, patch);
    if (n > m) await sc.fill(n - m);
    const t0 = performance.now();
    for (let i = n - m; i < n; i++) {
      await sc.create(i, i + 1);
      await sc.set(i, 'k', i);
    }
    const ms = performance.now() - t0;
    check((await sc.get(n - 1, 'k')) === n - 1, 'scopes one by one: last value wrong');
    return { ms, ops: m, bytes: 0 };
  },
});

// ---- a patch's data as a whole (issue 12): kv.export/import against get/set ---------------

/**
 * archiveSets describes the data of the export/import rows: small, 10,000 small
 * values across 200 scopes; binary, 64 MiB in 16 values of 4 MiB (ArrayBuffers and
 * Blobs) across 4 scopes.
 */
const archiveSets = {
  small: { scopes: 200, keys: 50, value: (s, k) => small(s * 50 + k) },
  binary: {
    scopes: 4, keys: 4,
    value: (s, k) => {
      const b = new Uint8Array(4 << 20);
      for (let i = 0; i < b.length; i += 4096) b[i] = (s + k + i) & 255;
      return k % 2 ? new Blob([b], { type: 'application/octet-stream' }) : b.buffer;
    },
  },
};

/** archiveStore is scope s of the set's layout: half node scopes, half named stores. */
const archiveStore = (/** @type {any} */ kv, /** @type {number} */ s) => (s % 2 ? kv.node('n' + s) : kv.store('s' + s));

/** @type {Map<string, Blob>} export files, by set, made once per page */
const archiveFiles = new Map();

/** archiveSource fills the set into kv once (a marker key says it is there) and returns its export file. */
async function archiveSource(/** @type {any} */ kv, /** @type {string} */ set) {
  const d = archiveSets[/** @type {'small' | 'binary'} */ (set)];
  if ((await kv.get('filled')) !== set) {
    const ps = [];
    for (let s = 0; s < d.scopes; s++) {
      const st = archiveStore(kv, s);
      for (let k = 0; k < d.keys; k++) ps.push(st.set('k' + k, d.value(s, k)));
    }
    await Promise.all(ps);
    await kv.set('filled', set);
  }
  let f = archiveFiles.get(set);
  if (!f) {
    archiveFiles.set(set, (f = await kv.export()));
    // The browser copies a new Blob's bytes into its own storage after the
    // Blob is made; the first read of it waits for that, so this setup's
    // copy is not charged to the row timed next.
    await f.slice(f.size - 1).arrayBuffer();
  }
  return f;
}

Object.assign(workloads, {
  /**
   * archive times, on patchkv, one of: 'export' (kv.export() of the set), 'read'
   * (the same data with keys() and get, one transaction per scope, every scope at
   * once), 'import' (kv.import() of its file into a patch whose scopes exist),
   * 'write' (the same data with set, one transaction per scope, every scope at once).
   */
  async archive(/** @type {any} */ p, /** @type {{what: string, set: string}} */ { what, set }, /** @type {string} */ impl, /** @type {string} */ patch) {
    check(impl === 'kv', 'archive rows are patchkv only');
    const kv = p.root;
    const d = archiveSets[/** @type {'small' | 'binary'} */ (set)];
    const file = await archiveSource(kv, set);
    const n = d.scopes * d.keys + 1;
    if (what === 'export') {
      const t0 = performance.now();
      const f = await kv.export();
      const ms = performance.now() - t0;
      check(f.size > 0, 'export: empty file');
      return { ms, ops: n, bytes: f.size };
    }
    if (what === 'read') {
      const t0 = performance.now();
      const all = await Promise.all((await kv.scopes()).map(async (/** @type {any} */ sc) => {
        const st = sc.kind === 'host' ? kv : sc.kind === 'node' ? kv.node(sc.name) : kv.store(sc.name);
        const keys = await st.keys();
        return Promise.all(keys.map((/** @type {string} */ k) => st.get(k)));
      }));
      const ms = performance.now() - t0;
      check(all.flat().length === n, 'read: wrong count');
      return { ms, ops: n, bytes: file.size };
    }
    const dst = await kvModule.loadKV({ patch: patch + '-dst', wasmURL: '/kv.wasm' });
    if ((await dst.get('filled')) !== set) await dst.import(file); // its scopes exist before timing
    if (what === 'import') {
      const t0 = performance.now();
      const r = await dst.import(file);
      const ms = performance.now() - t0;
      check(r.keys === n, 'import: wrong count');
      return { ms, ops: n, bytes: file.size };
    }
    const values = [];
    for (let s = 0; s < d.scopes; s++) for (let k = 0; k < d.keys; k++) values.push(d.value(s, k));
    const t0 = performance.now();
    const ps = [dst.set('filled', set)];
    for (let s = 0, i = 0; s < d.scopes; s++) {
      const st = archiveStore(dst, s);
      for (let k = 0; k < d.keys; k++) ps.push(st.set('k' + k, values[i++]));
    }
    await Promise.all(ps);
    const ms = performance.now() - t0;
    return { ms, ops: n, bytes: file.size };
  },
});

const idle = () => new Promise((r) => setTimeout(r, 30));

/**
 * run times one workload of one implementation on `patch` and returns
 * { ms, ops, bytes }. Garbage from earlier workloads is collected first when the
 * page has gc() (Chromium started with --js-flags=--expose-gc).
 */
export async function run(impl, patch, name, params) {
  const w = workloads[name];
  if (!w) throw new Error('unknown workload ' + name);
  const p = await open(impl, patch);
  globalThis.gc?.();
  await idle();
  const r = await w(p, params, impl, patch);
  globalThis.gc?.();
  return r;
}

/** info describes the page's browser for the report's header. */
export function info() {
  return {
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    gc: typeof globalThis.gc === 'function',
  };
}
