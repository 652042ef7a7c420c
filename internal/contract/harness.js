// harness.js — the runner of patchkv's contract suite, a classic script that defines
// globalThis.contract in a page, a Worker or the wasm test binary's page.
//
// The cases (cases/*.js, classic scripts too) call contract.test(name, fn); each
// fn gets a `t` (type ContractT in contract.d.ts) whose t.root() is the root kv of
// a fresh patch reached through the entry under test. Package contract (Go) loads
// this file and the cases into a context, asks contract.list() for the cases and
// runs each one with contract.run(name, entry), turning the report into a subtest.
//
// Keep in sync with contract.go: the fields of Report.
'use strict';

(() => {
  // Types come from contract.d.ts, written out in full: a classic script's
  // typedefs would be global and could clash with another script's.

  /** @type {import('./contract.d.ts').Case[]} */
  const cases = [];
  /** @type {Map<string, import('./contract.d.ts').Case>} */
  const byName = new Map();

  /** The file whose cases are being registered (set by Go before each file). */
  let currentFile = '';

  /** Failure is an assertion that did not hold. */
  class Failure extends Error {
    /**
     * @param {string} message
     * @param {string} [at] where in a case file the failing check was made, when
     *   it finished later than the call (a Blob's bytes)
     */
    constructor(message, at = '') {
      super(message);
      this.name = 'ContractFailure';
      this.at = at;
    }
  }

  /** Skip ends a case that does not apply to this entry. */
  class Skip extends Error {
    constructor(why) {
      super(why);
      this.name = 'ContractSkip';
    }
  }

  const tag = (v) => Object.prototype.toString.call(v);
  /** own reads an own data property, also one named "__proto__". */
  const own = (o, k) => Object.getOwnPropertyDescriptor(o, k)?.value;

  /**
   * show describes a value for a failure message, keeping what JSON drops: -0,
   * NaN, undefined, bigint, and the type of binary, Map, Set, Date, Blob.
   * @param {unknown} v
   * @returns {string}
   */
  function show(v, depth = 0) {
    if (depth > 4) return '…';
    if (v === undefined) return 'undefined';
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'bigint') return String(v) + 'n';
    if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 77) + '…' : v).replace(/[\ud800-\udfff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16));
    if (typeof v === 'symbol' || typeof v === 'boolean' || v === null) return String(v);
    if (typeof v === 'function') return 'function ' + (v.name || '(anonymous)');
    if (typeof v !== 'object') return String(v);
    if (typeof File === 'function' && v instanceof File) return `File(${JSON.stringify(v.name)}, ${JSON.stringify(v.type)}, ${v.size} bytes)`;
    if (typeof Blob === 'function' && v instanceof Blob) return `Blob(${JSON.stringify(v.type)}, ${v.size} bytes)`;
    if (v instanceof ArrayBuffer) return `ArrayBuffer[${bytesOf(v).slice(0, 16).join(',')}${v.byteLength > 16 ? ',…' : ''}]`;
    if (ArrayBuffer.isView(v)) {
      const items = v instanceof DataView ? bytesOf(v) : Array.from(/** @type {any} */ (v), (x) => show(x, depth + 1));
      return `${v.constructor.name}[${items.slice(0, 16).join(',')}${items.length > 16 ? ',…' : ''}]`;
    }
    if (v instanceof Date) return `Date(${isNaN(v.getTime()) ? 'Invalid' : v.toISOString()})`;
    if (v instanceof RegExp) return String(v);
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    if (v instanceof Map) return `Map{${[...v].slice(0, 10).map(([k, x]) => show(k, depth + 1) + ' => ' + show(x, depth + 1)).join(', ')}}`;
    if (v instanceof Set) return `Set{${[...v].slice(0, 10).map((x) => show(x, depth + 1)).join(', ')}}`;
    if (Array.isArray(v)) return `[${v.slice(0, 20).map((x) => show(x, depth + 1)).join(', ')}${v.length > 20 ? ', …' : ''}]`;
    const keys = Object.keys(v);
    const name = Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null ? '' : (v.constructor?.name ?? tag(v)) + ' ';
    return name + '{' + keys.slice(0, 20).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${show(own(v, k), depth + 1)}`).join(', ') + (keys.length > 20 ? ', …' : '') + '}';
  }

  /** @param {any} v a typed array */
  const lengthOf = (v) => v.length;

  /** @param {ArrayBuffer | ArrayBufferView} v */
  function bytesOf(v) {
    return v instanceof ArrayBuffer ? [...new Uint8Array(v)] : [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
  }

  /**
   * diff compares got with want by type and contents, the way a structured-clone
   * round trip must preserve them. It returns the first difference found
   * synchronously ('' when none) and pushes byte comparisons of Blobs, which can
   * only be read asynchronously, onto later.
   * @param {unknown} got
   * @param {unknown} want
   * @param {string} path
   * @param {Array<Promise<string>>} later
   * @returns {string}
   */
  function diff(got, want, path, later) {
    const at = path ? path + ': ' : '';
    if (typeof got !== typeof want) return `${at}got ${show(got)} (${typeof got}), want ${show(want)} (${typeof want})`;
    if (typeof want !== 'object' || want === null || got === null) {
      return Object.is(got, want) ? '' : `${at}got ${show(got)}, want ${show(want)}`;
    }
    /** @type {any} */
    const g = got;
    /** @type {any} */
    const w = want;
    if (tag(g) !== tag(w) || Object.getPrototypeOf(g) !== Object.getPrototypeOf(w)) {
      return `${at}got ${show(got)} (${g.constructor?.name ?? tag(g)}), want ${show(want)} (${w.constructor?.name ?? tag(w)})`;
    }
    if (typeof Blob === 'function' && w instanceof Blob) {
      if (g.type !== w.type) return `${at}Blob type ${JSON.stringify(g.type)}, want ${JSON.stringify(w.type)}`;
      if (g.size !== w.size) return `${at}Blob size ${g.size}, want ${w.size}`;
      if (typeof File === 'function' && w instanceof File) {
        if (g.name !== w.name) return `${at}File name ${JSON.stringify(g.name)}, want ${JSON.stringify(w.name)}`;
        if (g.lastModified !== w.lastModified) return `${at}File lastModified ${g.lastModified}, want ${w.lastModified}`;
      }
      later.push(Promise.all([g.arrayBuffer(), w.arrayBuffer()]).then(([a, b]) => diff(a, b, (path || 'Blob') + ' bytes', [])));
      return '';
    }
    if (w instanceof ArrayBuffer || ArrayBuffer.isView(w)) {
      if (ArrayBuffer.isView(want) && !(w instanceof DataView) && lengthOf(g) !== lengthOf(w)) return `${at}length ${lengthOf(g)}, want ${lengthOf(w)}`;
      const a = bytesOf(g), b = bytesOf(w);
      if (a.length !== b.length) return `${at}${a.length} bytes, want ${b.length}`;
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) return `${at}byte ${i} is ${a[i]}, want ${b[i]}: got ${show(got)}, want ${show(want)}`;
      }
      return '';
    }
    if (w instanceof Date) return Object.is(g.getTime(), w.getTime()) ? '' : `${at}got ${show(got)}, want ${show(want)}`;
    if (w instanceof RegExp) return g.source === w.source && g.flags === w.flags ? '' : `${at}got ${show(got)}, want ${show(want)}`;
    if (w instanceof Error) {
      if (g.name !== w.name || g.message !== w.message) return `${at}got ${show(got)}, want ${show(want)}`;
      return '';
    }
    if (w instanceof Boolean || w instanceof Number || w instanceof String || (typeof BigInt === 'function' && tag(w) === '[object BigInt]')) {
      return Object.is(g.valueOf(), w.valueOf()) ? '' : `${at}got ${show(g.valueOf())}, want ${show(w.valueOf())}`;
    }
    if (w instanceof Map) {
      if (g.size !== w.size) return `${at}Map of ${g.size} entries, want ${w.size}: got ${show(got)}, want ${show(want)}`;
      const ge = [...g], we = [...w];
      for (let i = 0; i < we.length; i++) {
        const d = diff(ge[i][0], we[i][0], `${path || 'Map'} key #${i}`, later) || diff(ge[i][1], we[i][1], `${path || 'Map'}.get(${show(we[i][0])})`, later);
        if (d) return d;
      }
      return '';
    }
    if (w instanceof Set) {
      if (g.size !== w.size) return `${at}Set of ${g.size} items, want ${w.size}: got ${show(got)}, want ${show(want)}`;
      const gi = [...g], wi = [...w];
      for (let i = 0; i < wi.length; i++) {
        const d = diff(gi[i], wi[i], `${path || 'Set'} item #${i}`, later);
        if (d) return d;
      }
      return '';
    }
    if (Array.isArray(w)) {
      if (g.length !== w.length) return `${at}array of ${g.length}, want ${w.length}: got ${show(got)}, want ${show(want)}`;
      for (let i = 0; i < w.length; i++) {
        if ((i in g) !== (i in w)) return `${at}[${i}] is ${i in g ? 'set' : 'a hole'}, want ${i in w ? 'set' : 'a hole'}`;
        const d = diff(g[i], w[i], `${path}[${i}]`, later);
        if (d) return d;
      }
      return '';
    }
    const gk = Object.keys(g).sort(), wk = Object.keys(w).sort();
    const missing = wk.filter((k) => !Object.prototype.hasOwnProperty.call(g, k));
    const extra = gk.filter((k) => !Object.prototype.hasOwnProperty.call(w, k));
    if (missing.length || extra.length) {
      return `${at}keys differ (missing ${show(missing)}, extra ${show(extra)}): got ${show(got)}, want ${show(want)}`;
    }
    for (const k of wk) {
      const d = diff(own(g, k), own(w, k), path ? `${path}.${k}` : k, later);
      if (d) return d;
    }
    return '';
  }

  /** @param {number} ms */
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** promisify turns an IDBRequest into a Promise of its result. */
  const promisify = (req) => new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

  /**
   * rawOpen opens the IndexedDB database of patch with plain IndexedDB, the way code
   * that is not patchkv would: "patchkv:" + patch (scope.DatabaseName in Go).
   * @param {string} patch
   * @returns {Promise<IDBDatabase>}
   */
  const rawOpen = (patch) => promisify(indexedDB.open('patchkv:' + patch));

  /**
   * deleteDatabase deletes patch's database; kv's connections close on the
   * versionchange this causes. It gives up waiting after 5 s (a connection left
   * open by a case), so that cleanup never hangs the suite.
   */
  function deleteDatabase(patch) {
    return Promise.race([promisify(indexedDB.deleteDatabase('patchkv:' + patch)).catch(() => {}), sleep(5000)]);
  }

  /** A patch id unique to this case, entry and run. */
  function uniquePatch(entry, name, n) {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
    return `contract-${entry}-${slug}-${n}-${Math.random().toString(36).slice(2, 10)}`;
  }

  /**
   * makeT builds the `t` one run of a case receives.
   * @param {import('./contract.d.ts').Case} c
   * @param {import('./contract.d.ts').Entry} entry
   * @param {string[]} patches every patch the case used, deleted after it
   * @param {Array<Promise<void>>} later asynchronous comparisons still running
   * @param {string[]} logs
   * @returns {import('./contract.d.ts').ContractT}
   */
  function makeT(c, entry, patches, later, logs) {
    const first = uniquePatch(entry.name, c.name, 0);
    patches.push(first);
    /** @type {import('./contract.d.ts').ContractT} */
    const t = {
      entry: entry.name,
      patch: first,
      newPatch() {
        const p = uniquePatch(entry.name, c.name, patches.length);
        patches.push(p);
        return p;
      },
      root(patch) {
        if (patch === undefined) patch = t.patch;
        if (typeof patch === 'string' && !patches.includes(patch)) patches.push(patch);
        return entry.root(patch);
      },
      equal(got, want, msg) {
        const mine = [];
        const d = diff(got, want, '', mine);
        if (d) throw new Failure((msg ? msg + ': ' : '') + d);
        if (!mine.length) return Promise.resolve();
        const at = where(new Error().stack);
        const p = Promise.all(mine).then((ds) => {
          const first = ds.find((x) => x);
          if (first) throw new Failure((msg ? msg + ': ' : '') + first, at);
        });
        p.catch(() => {}); // reported when the case ends, also if nobody awaits p
        later.push(p);
        return p;
      },
      ok(cond, msg) {
        if (!cond) throw new Failure(msg || 'not ok');
      },
      fail(msg) {
        throw new Failure(msg);
      },
      async rejects(promise, errorName, msg) {
        const at = msg ? msg + ': ' : '';
        if (!promise || typeof /** @type {any} */ (promise).then !== 'function') throw new Failure(`${at}expected a Promise, got ${show(promise)}`);
        let value;
        try {
          value = await promise;
        } catch (err) {
          if (!(err instanceof Error)) throw new Failure(`${at}rejected with ${show(err)}, which is not an Error`);
          if (errorName && err.name !== errorName) throw new Failure(`${at}rejected with ${err.name}: ${err.message}; want a ${errorName}`);
          return err;
        }
        throw new Failure(`${at}resolved with ${show(value)}; want a rejection${errorName ? ' with a ' + errorName : ''}`);
      },
      throws(fn, errorName, msg) {
        const at = msg ? msg + ': ' : '';
        let value;
        try {
          value = fn();
        } catch (err) {
          if (!(err instanceof Error)) throw new Failure(`${at}threw ${show(err)}, which is not an Error`);
          if (errorName && err.name !== errorName) throw new Failure(`${at}threw ${err.name}: ${err.message}; want a ${errorName}`);
          return err;
        }
        throw new Failure(`${at}returned ${show(value)}; want it to throw${errorName ? ' a ' + errorName : ''}`);
      },
      sleep,
      skipIf(cond, why) {
        if (cond) throw new Skip(why);
      },
      log(...args) {
        logs.push(args.map((a) => (typeof a === 'string' ? a : show(a))).join(' '));
      },
      show,
      raw: {
        open: rawOpen,
        async storeNames(patch) {
          const db = await rawOpen(patch ?? t.patch);
          const names = [...db.objectStoreNames];
          db.close();
          return names;
        },
        async version(patch) {
          const db = await rawOpen(patch ?? t.patch);
          const v = db.version;
          db.close();
          return v;
        },
        async get(patch, store, key) {
          const db = await rawOpen(patch);
          try {
            return await promisify(db.transaction(store).objectStore(store).get(key));
          } finally {
            db.close();
          }
        },
        deleteDatabase: (patch) => promisify(indexedDB.deleteDatabase('patchkv:' + patch)),
      },
    };
    return t;
  }

  /** where finds the line of a case file in a stack, for the report. */
  function where(stack) {
    const m = /contract\/(cases\/[^\s:)]+:\d+:\d+)/.exec(String(stack ?? ''));
    return m ? m[1] : '';
  }

  const contract = {
    /**
     * test registers a case.
     * @param {string} name unique in the suite; it becomes the subtest's name
     * @param {(t: import('./contract.d.ts').ContractT) => Promise<void> | void} fn
     * @param {{timeout?: number}} [options] timeout in ms (default 30 s)
     */
    test(name, fn, options = {}) {
      if (typeof name !== 'string' || !name) throw new TypeError('contract.test: a name is required');
      if (typeof fn !== 'function') throw new TypeError(`contract.test(${JSON.stringify(name)}): fn must be a function`);
      if (byName.has(name)) throw new Error(`contract.test: two cases named ${JSON.stringify(name)} (${byName.get(name).file}, ${currentFile})`);
      const c = { name, file: currentFile, fn, timeout: options.timeout ?? 30_000 };
      cases.push(c);
      byName.set(name, c);
    },

    /** beginFile tells the harness which file's cases come next (Go calls it). */
    beginFile(file) {
      currentFile = file;
    },

    /** list returns the registered cases, in the order they were registered. */
    list() {
      return cases.map((c) => ({ name: c.name, file: c.file }));
    },

    /**
     * run runs one case through entry and reports how it went; it never rejects.
     * @param {string} name
     * @param {import('./contract.d.ts').Entry} entry
     * @returns {Promise<import('./contract.d.ts').Report>}
     */
    async run(name, entry) {
      const c = byName.get(name);
      if (!c) return { name, file: '', status: 'fail', message: `no case named ${JSON.stringify(name)}`, where: '', stack: '', logs: [], ms: 0 };
      /** @type {string[]} */
      const patches = [];
      /** @type {Array<Promise<void>>} */
      const later = [];
      /** @type {string[]} */
      const logs = [];
      const t0 = performance.now();
      /** @type {import('./contract.d.ts').Report} */
      const report = { name, file: c.file, status: 'pass', message: '', where: '', stack: '', logs, ms: 0 };
      let timer;
      try {
        const t = makeT(c, entry, patches, later, logs);
        const timeout = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Failure(`timed out after ${c.timeout} ms`)), c.timeout);
        });
        await Promise.race([Promise.resolve().then(() => c.fn(t)), timeout]);
        await Promise.race([Promise.all(later), timeout]);
      } catch (err) {
        if (err instanceof Skip) {
          report.status = 'skip';
          report.message = err.message;
        } else {
          report.status = 'fail';
          report.message = err instanceof Failure ? err.message : `threw ${err?.name ?? typeof err}: ${err?.message ?? show(err)}`;
          report.where = (err instanceof Failure && err.at) || where(err?.stack);
          if (!(err instanceof Failure)) report.stack = String(err?.stack ?? '');
        }
      } finally {
        clearTimeout(timer);
      }
      report.ms = performance.now() - t0;
      await Promise.all(patches.map((p) => (entry.cleanup ? entry.cleanup(p) : deleteDatabase(p))));
      return report;
    },

    show,
  };

  /** @type {any} */ (globalThis).contract = contract;
})();
