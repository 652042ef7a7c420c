// The IndexedDB operations of patchkv: the one place that opens a scope's
// transaction, places get/has/keys/put/delete/clear/update in it and watches its
// outcome. The wasm JavaScript API (wasm/glue.js) and idb/goapi both run them.
//
// idb (ops.go) evaluates this file once as an expression: a factory that takes
// the operation codes and error names Go defines (idb/op.go), so the two halves
// cannot drift, and returns the operations object.
//
// Operations issued in the same JavaScript task share one transaction per object
// store (a burst of writes commits once), yet each call has its own outcome:
// - a write resolves once its transaction commits, with its own result (delete's
//   whether the key existed, decided by a getKey in the same transaction);
// - a read placed in a read-write transaction with writes before it resolves only
//   once they commit, so it never resolves with data that is then rolled back;
// - when a shared transaction aborts (one oversized put hits the quota), every
//   call in it is run again in order, each in a transaction of its own started
//   once the one before has finished, so that each gets its own outcome; an
//   update's function may then run again, its result is stored once;
// - a later call on the same store waits while a shared read-write transaction
//   that could abort is unfinished: IndexedDB would run its transaction before
//   the calls run again, out of call order (holds, flush);
// - a put of a large binary value (an ArrayBuffer or a view of 1 MiB or more)
//   is not copied up front: it gets a transaction of its own, which never runs
//   again (it fails alone), and later calls on the store wait for it. Copying
//   16 MiB cost the round trip a fifth of its time. When a write before it on
//   the store is unfinished, it waits too, and takes its copy then.
// - an update whose function throws, returns a thenable or an uncloneable value
//   fails alone: nothing escapes an IndexedDB callback, nothing aborts a
//   transaction other calls share.
// After a commit, the changes go to the patch's events hub (idb/events.js).

// Shared types: idb/bridge.d.ts.
/**
 * @typedef {{get: number, has: number, keys: number, put: number, delete: number, clear: number, update: number}} OpCodes
 * @typedef {{
 *   kind: number, key: any, value: any, h: PatchkvStoreHandle,
 *   resolve: (v: any) => void, reject: (e: any) => void,
 *   result: any, changed: boolean, failed: boolean, read: boolean, in?: OpBatch,
 *   alone?: boolean, copied?: boolean,
 * }} OpEntry
 * @typedef {{
 *   conn: IDBDatabase, name: string, tx: IDBTransaction, store: IDBObjectStore,
 *   write: boolean, epoch: number, joinable: boolean, solo: boolean, entries: OpEntry[],
 *   waiters: OpEntry[], retrying: boolean, began: number, reads: number, alone?: boolean, after?: () => void,
 * }} OpBatch
 */

(
  /**
   * @param {OpCodes} OP operation codes (idb.OpGet …)
   * @param {string[]} goneNames names of the DOMExceptions that say the connection is gone
   */
  function makeOps(OP, goneNames) {
    'use strict';

    // Tasks are numbered by epoch: it changes once the current task's microtasks
    // have run, which is when IndexedDB deactivates the transactions the task made.
    let epoch = 0;
    let bumping = false;
    /** @type {OpBatch[]} the transactions this task started */
    let started = [];
    // Once the task's calls are placed, each read-write transaction it started
    // is committed explicitly: IndexedDB then commits as soon as its requests
    // are done, without first sending their results back to this context and
    // waiting to hear that no more requests come. An update's transaction is
    // committed once its write is placed (applyUpdate). Read-only ones are
    // left alone: their calls resolve with their requests, not the commit.
    const bump = () => {
      epoch++;
      bumping = false;
      const list = started;
      started = [];
      for (const b of list) if (b.joinable) commit(b);
    };

    /** @param {OpBatch} b */
    const commit = (b) => {
      try {
        b.tx.commit();
      } catch {
        // finished already (aborted, or the connection closed): nothing to commit
      }
    };
    /** @type {WeakMap<IDBDatabase, Map<string, OpBatch>>} the latest transaction per connection and store */
    const open = new WeakMap();

    /**
     * Per connection, Go's way to take back calls that waited here and found the
     * connection gone when their turn came (adopt); Go runs them first on the next
     * connection.
     * @type {WeakMap<IDBDatabase, (entries: OpEntry[]) => void>}
     */
    const requeueOf = new WeakMap();

    /** @param {any} err */
    const gone = (err) => goneNames.includes(err?.name);

    /**
     * Transactions not finished yet (a read-only one: with a read not answered
     * yet). When the browser force-closes a connection ("Clear site data"), a
     * transaction it never heard of gets neither complete nor abort: closed()
     * fails what is still in one (issue 14 #3).
     * @type {Set<OpBatch>}
     */
    const unfinished = new Set();

    /** A read in read-only transaction b got its answer (or its error). @param {OpBatch} b */
    const answered = (b) => {
      if (--b.reads === 0) unfinished.delete(b);
    };

    /** Marks an update function's result as a failure (goapi's Go function returned an error). */
    const skip = Object.freeze({ skip: true });

    /** @param {number} kind */
    const isRead = (kind) => kind === OP.get || kind === OP.has || kind === OP.keys;

    /**
     * Whether a call of this task (a write when write is set) may be placed in
     * t: t is of this task, open to more calls, and no call waits for it.
     * @param {OpBatch} t @param {boolean} write
     */
    const joins = (t, write) => t.epoch === epoch && t.joinable && t.waiters.length === 0 && (t.write || !write);

    // An awaited read's caller goes on in a microtask of its read's success
    // event, and IndexedDB keeps the read-only transaction active until those
    // microtasks have run. So a read made there (the next of a loop of awaited
    // reads on one store) joins that transaction instead of starting one, which
    // is most of a read's cost. hotRead is that transaction while its event's
    // microtasks run; cool, queued after the caller's continuation, ends it.
    // A transaction takes such reads for chainMS from its start: while it
    // lives, a write to the store from another context waits for it (one from
    // this context starts a transaction of its own, which no read then joins).
    const chainMS = 8;
    /** @type {OpBatch | null} */
    let hotRead = null;
    const cool = () => {
      hotRead = null;
    };

    /**
     * Returns this task's transaction on store name (for a read, also the
     * read-only one whose success event is being handled: hotRead), starting
     * one when there is none, it cannot take this operation, or fresh is set.
     * @param {IDBDatabase} conn @param {string} name @param {boolean} write @param {boolean} fresh
     * @returns {OpBatch}
     */
    function begin(conn, name, write, fresh) {
      if (!bumping) {
        bumping = true;
        queueMicrotask(bump);
      }
      let txs = open.get(conn);
      if (!txs) open.set(conn, (txs = new Map()));
      const t = txs.get(name);
      if (!fresh && t && joins(t, write)) return t;
      if (!fresh && !write && t !== undefined && t === hotRead && t.waiters.length === 0 && performance.now() - t.began < chainMS) {
        t.epoch = epoch; // this task's other reads join it too
        return t;
      }
      const b = newBatch(conn, name, write, false);
      txs.set(name, b);
      if (write) started.push(b);
      return b;
    }

    /**
     * Starts a transaction; it throws (InvalidStateError, NotFoundError) when the
     * connection is gone.
     * @param {IDBDatabase} conn @param {string} name @param {boolean} write @param {boolean} solo
     * @returns {OpBatch}
     */
    function newBatch(conn, name, write, solo) {
      const tx = conn.transaction(name, write ? 'readwrite' : 'readonly');
      /** @type {OpBatch} */
      const b = { conn, name, tx, store: tx.objectStore(name), write, epoch, joinable: true, solo, entries: [], waiters: [], retrying: false, began: performance.now(), reads: 0 };
      // A read-only transaction is unfinished while a read in it waits for
      // its answer (placeIn, answered): listening to its complete event cost
      // a patch load two setters and one more event per scope it read.
      if (write) {
        unfinished.add(b);
        tx.oncomplete = () => committed(b);
        tx.onabort = () => aborted(b);
      }
      return b;
    }

    /** @param {OpEntry} e @param {any} err */
    function fail(e, err) {
      if (e.failed) return;
      e.failed = true;
      e.reject(err);
    }

    /**
     * A request's error fails its call alone: preventDefault keeps it from
     * aborting the transaction that other calls share. An event of a
     * transaction the call has left (it aborted, the call runs again) is
     * ignored: a result that needs a large value read can come after the abort.
     * @param {IDBRequest} req @param {OpBatch} b @param {OpEntry} e
     */
    function watch(req, b, e) {
      req.onerror = (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        if (!b.write) answered(b);
        if (e.in === b) fail(e, req.error);
      };
    }

    /** @param {any} key @param {any} err */
    function cloneError(key, err) {
      if (err?.name !== 'DataCloneError') return err;
      return new DOMException(`patchkv: the value for key ${JSON.stringify(String(key))} cannot be stored: ${err.message}`, 'DataCloneError');
    }

    /**
     * Whether a call on t's store that cannot join t must wait until t has
     * finished: t is a read-write transaction shared by several calls, which
     * runs them again if it aborts, and IndexedDB would run any transaction made
     * now before those. Calls already waiting for t keep their turn too.
     * @param {OpBatch} t
     */
    function holds(t) {
      if (t.waiters.length > 0 || t.retrying) return true;
      if (!t.write || !unfinished.has(t)) return false;
      if (t.alone) return true;
      if (t.solo) return false;
      let live = 0;
      for (const e of t.entries) if (!e.failed && ++live > 1) return true;
      return false;
    }

    /**
     * Places e in this task's transaction on its store, or makes it wait for the
     * transaction it must come after (holds). Throws when the connection is gone,
     * and what IndexedDB throws synchronously.
     * @param {IDBDatabase} conn @param {OpEntry} e
     */
    function enqueue(conn, e) {
      const name = e.h.name;
      const write = !e.read;
      const t = open.get(conn)?.get(name);
      // A large write also waits for any write before it on the store: placed
      // at once, Chromium counts its bytes against the quota of the commit
      // before it, which can then fail.
      if (t && (e.alone || !joins(t, write)) && (holds(t) || (e.alone && t.write && unfinished.has(t)))) {
        if (e.alone && !e.copied) {
          // put would have copied it now: it waits, so it takes its copy now
          e.value = structuredClone(e.value);
          e.copied = true;
        }
        t.waiters.push(e);
        return;
      }
      if (e.alone) {
        const b = begin(conn, name, true, true);
        b.joinable = false;
        b.solo = b.alone = true;
        placeIn(b, e);
        return;
      }
      let b = begin(conn, name, write, false);
      try {
        placeIn(b, e);
      } catch (err) {
        // A transaction of this task can be inactive (a call made while
        // IndexedDB clones a value): the call gets a transaction of its own,
        // unless it has to wait for this one.
        if (/** @type {any} */ (err)?.name !== 'TransactionInactiveError') throw err;
        if (holds(b)) {
          b.waiters.push(e);
          return;
        }
        b = begin(conn, name, write, true);
        placeIn(b, e);
      }
    }

    /**
     * Places the calls that waited for t, now finished, in order, after back
     * (calls of t that have to run again on a new connection). Those that find
     * the connection gone go back to Go with back, to run first on the next one.
     * @param {OpBatch} t @param {OpEntry[]} back
     */
    function flush(t, back) {
      const waiting = t.waiters;
      t.waiters = [];
      for (const e of waiting) {
        if (back.length > 0) {
          back.push(e);
          continue;
        }
        try {
          place(t.conn, e);
        } catch {
          back.push(e); // place throws only when the connection is gone
        }
      }
      if (back.length > 0) requeue(t.conn, back);
    }

    /** @param {IDBDatabase} conn @param {OpEntry[]} entries */
    function requeue(conn, entries) {
      const take = requeueOf.get(conn);
      if (take) {
        try {
          take(entries);
          return;
        } catch {
          // Go could not take them (it has exited): they fail below
        }
      }
      const err = new DOMException('patchkv: the connection closed', 'AbortError');
      for (const e of entries) fail(e, err);
    }

    /**
     * Places e's requests in b. Throws what IndexedDB throws synchronously.
     * @param {OpBatch} b @param {OpEntry} e
     */
    function placeIn(b, e) {
      const s = b.store;
      const k = e.kind;
      e.in = b;
      if (k === OP.put) {
        watch(s.put(e.value, e.key), b, e);
        e.changed = true;
      } else if (k === OP.delete) {
        const exists = s.getKey(e.key);
        exists.onsuccess = () => {
          if (e.in !== b) return;
          e.result = exists.result !== undefined;
          e.changed = e.result;
        };
        watch(exists, b, e);
        watch(s.delete(e.key), b, e);
      } else if (k === OP.clear) {
        watch(s.clear(), b, e);
        e.changed = true;
      } else if (k === OP.update) {
        const req = s.get(e.key);
        req.onsuccess = () => {
          if (e.in === b) applyUpdate(b, e, req.result);
        };
        watch(req, b, e);
        // A later call of this task must not be placed between the update's read
        // and its write: it gets a transaction of its own, which IndexedDB runs
        // after this one.
        b.joinable = false;
      } else {
        const req = k === OP.get ? s.get(e.key) : k === OP.has ? s.getKey(e.key) : s.getAllKeys();
        req.onsuccess = () => {
          if (!b.write) answered(b);
          if (e.in !== b) return;
          const v = k === OP.has ? req.result !== undefined : req.result;
          if (b.write) {
            e.result = v; // resolved once the writes before it commit
            return;
          }
          hotRead = b; // the caller's next read may join b (begin)
          e.resolve(v);
          queueMicrotask(cool);
        };
        watch(req, b, e);
        if (!b.write && b.reads++ === 0) unfinished.add(b);
      }
      b.entries.push(e);
    }

    /**
     * Runs an update's function on the value read, in the read's success event,
     * and writes its result in the same transaction. Nothing it does may throw out
     * of the event handler: that would abort the transaction.
     * @param {OpBatch} b @param {OpEntry} e @param {any} old
     */
    function applyUpdate(b, e, old) {
      storeResult(b, e, old);
      // No call joins a transaction after an update (placeIn), so once the last
      // one has placed its write, nothing more comes.
      if (b.entries[b.entries.length - 1] === e) commit(b);
    }

    /** @param {OpBatch} b @param {OpEntry} e @param {any} old */
    function storeResult(b, e, old) {
      if (e.failed) return;
      let v;
      try {
        v = e.value(old);
      } catch (err) {
        fail(e, err);
        return;
      }
      if (v === skip) {
        fail(e, new DOMException('patchkv: the update function failed', 'AbortError'));
        return;
      }
      let thenable = false;
      try {
        thenable = v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
      } catch (err) {
        fail(e, err);
        return;
      }
      if (thenable) {
        fail(e, new TypeError('patchkv: update: the function returned a Promise or thenable; it must return the new value synchronously (the transaction cannot wait)'));
        return;
      }
      try {
        watch(b.store.put(v, e.key), b, e);
      } catch (err) {
        fail(e, cloneError(e.key, err));
        return;
      }
      e.result = v;
      e.changed = true;
    }

    /** @param {OpBatch} b */
    function committed(b) {
      unfinished.delete(b);
      /** @type {PatchkvChange[]} */
      const changes = [];
      /** @type {PatchkvHub | undefined} */
      let hub;
      for (const e of b.entries) {
        if (e.failed) continue;
        e.resolve(e.result);
        if (!e.changed) continue;
        hub = e.h.hub;
        const op = e.kind === OP.clear ? 'clear' : e.kind === OP.delete ? 'delete' : 'set';
        changes.push(op === 'clear' ? { scope: e.h.scope, op } : { scope: e.h.scope, op, key: e.key });
      }
      if (hub && changes.length > 0) hub.emit(changes);
      flush(b, []);
      b.after?.();
    }

    /**
     * A shared transaction aborted: nothing in it was stored. Each call in it runs
     * again (retry), so that only the call that caused the abort fails with its
     * error.
     * @param {OpBatch} b
     */
    function aborted(b) {
      unfinished.delete(b);
      const err = b.tx.error || new DOMException('patchkv: the transaction was aborted', 'AbortError');
      const live = b.entries.filter((e) => !e.failed);
      if (b.solo || live.length < 2) {
        for (const e of live) fail(e, err);
        flush(b, []);
      } else {
        for (const e of live) {
          e.result = undefined;
          e.changed = false;
        }
        b.retrying = true;
        retry(b, live, 0);
      }
      b.after?.();
    }

    /**
     * Runs the calls of the aborted transaction b again from the i-th, each in a
     * read-write transaction of its own, started once the one before has
     * finished: started together, the browser can count a large write still to
     * come against a small one's quota. Later calls on the store wait until the
     * last has finished (holds); those that find the connection gone go back to
     * Go, in order.
     * @param {OpBatch} b @param {OpEntry[]} list @param {number} i
     */
    function retry(b, list, i) {
      for (; i < list.length; i++) {
        const e = list[i];
        try {
          const r = newBatch(b.conn, b.name, true, true);
          placeIn(r, e);
          r.after = () => retry(b, list, i + 1);
          return;
        } catch (err) {
          if (gone(err)) break;
          fail(e, cloneError(e.key, err));
        }
      }
      b.retrying = false;
      flush(b, list.slice(i));
    }

    /**
     * enqueue, where a failure other than a gone connection fails e alone.
     * @param {IDBDatabase} conn @param {OpEntry} e
     */
    function place(conn, e) {
      try {
        enqueue(conn, e);
      } catch (err) {
        if (gone(err)) throw err;
        fail(e, cloneError(e.key, err));
      }
    }

    /**
     * closed is told that the browser closed conn (its close event): once the
     * events already queued have run, every call still in one of its
     * transactions fails with an AbortError, so that every call settles.
     * @param {IDBDatabase} conn
     */
    function closed(conn) {
      setTimeout(() => {
        const err = new DOMException('patchkv: the browser closed the connection to the database (site data cleared?); the call may not have taken effect', 'AbortError');
        /** @type {OpEntry[]} */
        const back = [];
        for (const b of unfinished) {
          if (b.conn !== conn) continue;
          unfinished.delete(b);
          for (const e of b.entries) fail(e, err);
          // Calls waiting for it never started: they run on the next connection.
          back.push(...b.waiters);
          b.waiters = [];
          b.after?.();
        }
        if (back.length > 0) requeue(conn, back);
      }, 0);
    }

    /**
     * Whether v is an ArrayBuffer or a view of one of 1 MiB or more (never
     * throws: v may be a revoked Proxy).
     * @param {any} v
     */
    function largeBinary(v) {
      try {
        return (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) && v.byteLength >= 1 << 20;
      } catch {
        return false;
      }
    }

    // A connection's object stores change only in the upgrade of its own open
    // request, before anyone has it; once open, its set is fixed (others'
    // upgrades wait for it to close). So the set is read once per connection.
    // Reading objectStoreNames makes a new sorted list of every name: once per
    // gate opening it cost a patch of 2,000 scopes 1 ms each time its queue ran
    // dry (bench -profile, 'create').
    /** @type {WeakMap<IDBDatabase, Set<string>>} */
    const storeSets = new WeakMap();
    /** The object stores of conn, an open connection. @param {IDBDatabase} conn */
    function storesOf(conn) {
      let s = storeSets.get(conn);
      if (!s) storeSets.set(conn, (s = new Set(conn.objectStoreNames)));
      return s;
    }

    /** @type {Map<number, OpEntry>} calls waiting in Go's queue (park), by number */
    const parked = new Map();
    let parkedLast = 0;

    /** Takes parked call n out of parked. @param {number} n */
    const unparked = (n) => {
      const e = parked.get(n);
      parked.delete(n);
      return e;
    };

    /**
     * Makes the entry of a call and its Promise; a failed entry's Promise is
     * rejected already. A put keeps a copy of its value, taken now: the write
     * may have to run again after an abort, and a call that waits (waits) must
     * not see later changes to the value. A large binary value that can go at
     * once is not copied (e.alone: put copies it, and it never runs again).
     * Primitives need no copy.
     * @param {PatchkvStoreHandle} h @param {number} kind @param {any} key @param {any} value @param {boolean} waits
     * @returns {[OpEntry, Promise<any>]}
     */
    function entry(h, kind, key, value, waits) {
      const { promise, resolve, reject } = Promise.withResolvers();
      /** @type {OpEntry} */
      const e = { kind, key, value, h, resolve, reject, result: undefined, changed: false, failed: false, read: isRead(kind) };
      if (kind === OP.update && typeof value !== 'function') {
        fail(e, new TypeError('patchkv: update: the second argument must be a function'));
      } else if (kind === OP.put && !immutable(value)) {
        const large = largeBinary(value);
        if (large) e.alone = true;
        if (!large || waits) {
          try {
            e.value = structuredClone(value);
            e.copied = large;
          } catch (err) {
            fail(e, cloneError(key, err));
          }
        }
      }
      return [e, promise];
    }

    /** @param {any} v @returns {boolean} whether v is a value no one can change: it needs no copy */
    const immutable = (v) => v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol');

    /** @param {number} kind @returns {any} what a read of a store that does not exist gives */
    const absent = (kind) => (kind === OP.has || kind === OP.delete ? false : kind === OP.keys ? [] : undefined);

    return {
      skip,
      kinds: OP,

      /** A new gate of a DB (idb.DB.GateJS): shut. @returns {PatchkvGate} */
      gate() {
        return { conn: null, stores: null };
      },

      /**
       * Opens g on conn (Go's connection, open with nothing waiting), or shuts it
       * (conn undefined).
       * @param {PatchkvGate} g @param {IDBDatabase | undefined} conn
       */
      setGate(g, conn) {
        g.conn = conn ?? null;
        g.stores = conn ? storesOf(conn) : null;
      },

      /**
       * Runs one operation on the store of h in this task's transaction and
       * returns its Promise. exists says whether the object store exists (a read
       * or delete of a store never written finds nothing and creates nothing).
       * For put, value is cloned now; for update, value is the function.
       * It throws only when the connection is gone (then Go reconnects and runs the
       * operation again); every other failure rejects the Promise.
       * @param {IDBDatabase} conn @param {PatchkvStoreHandle} h @param {number} kind
       * @param {boolean} exists @param {any} key @param {any} value
       * @returns {Promise<any>}
       */
      run(conn, h, kind, exists, key, value) {
        if (!exists) return Promise.resolve(absent(kind));
        const [e, promise] = entry(h, kind, key, value, false);
        if (!e.failed) place(conn, e);
        return promise;
      },

      /**
       * Parks a call that has to wait in Go's queue (the connection is opening
       * or upgrading): its entry is made now, with its Promise, and a put's
       * value is copied now, as put would. Go keeps only the returned number
       * and places the entry with unpark once it can run, or fails it with
       * unparkFail: neither the value nor the Promise crosses into Go. It
       * returns 0 when the call failed at once (an uncloneable value); its
       * Promise is then rejected.
       * @param {PatchkvStoreHandle} h @param {number} kind @param {any} key @param {any} value
       * @returns {[number, Promise<any>]}
       */
      park(h, kind, key, value) {
        const [e, promise] = entry(h, kind, key, value, true);
        if (e.failed) return [0, promise];
        parked.set(++parkedLast, e);
        return [parkedLast, promise];
      },

      /**
       * Places parked call n on conn (exists: whether its object store exists).
       * It throws only when the connection is gone; the call stays parked, and
       * Go runs it again on the next connection.
       * @param {IDBDatabase} conn @param {number} n @param {boolean} exists
       */
      unpark(conn, n, exists) {
        const e = unparked(n);
        if (!e) return;
        if (!exists) {
          e.resolve(absent(e.kind));
          return;
        }
        try {
          place(conn, e);
        } catch (err) {
          parked.set(n, e);
          throw err;
        }
      },

      /**
       * Fails parked call n with err (Go could not run it).
       * @param {number} n @param {any} err
       */
      unparkFail(n, err) {
        const e = unparked(n);
        if (e) fail(e, err);
      },

      /**
       * Runs again, in order, calls Go took back (requeue), on conn, the next
       * connection; with errMsg (Go could not open one) they fail. Those that
       * find conn gone too go back to Go a moment later, once it has heard that
       * conn closed.
       * @param {IDBDatabase | undefined} conn @param {OpEntry[]} entries @param {string} errMsg
       */
      replay(conn, entries, errMsg) {
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i];
          if (!conn) {
            fail(e, new DOMException('patchkv: ' + errMsg, 'AbortError'));
            continue;
          }
          if (!storesOf(conn).has(e.h.name)) {
            if (e.kind !== OP.put && e.kind !== OP.update) e.resolve(absent(e.kind));
            else fail(e, new DOMException('patchkv: the scope was removed', 'NotFoundError'));
            continue;
          }
          try {
            place(conn, e);
          } catch {
            // place throws only when the connection is gone
            const rest = entries.slice(i);
            setTimeout(() => requeue(conn, rest), 0);
            return;
          }
        }
      },

      /**
       * adopt takes conn, a connection Go opened: onEvent handles its
       * versionchange and close events (on close, once closed has settled what
       * the browser never answered), and take hands back to Go calls that waited
       * here and found it gone (requeue).
       * @param {IDBDatabase} conn @param {() => void} onEvent @param {(entries: OpEntry[]) => void} take
       */
      adopt(conn, onEvent, take) {
        conn.onversionchange = onEvent;
        conn.onclose = () => {
          closed(conn);
          onEvent();
        };
        requeueOf.set(conn, take);
      },

      /**
       * drop closes conn, which Go lets go of; its transactions still finish.
       * Its close event is still handled (closed): when the browser closed it
       * first ("Clear site data", whose close event had not come yet when a
       * call found the connection gone and Go let go of it), its unfinished
       * transactions never answer, and only closed settles their calls.
       * @param {IDBDatabase} conn
       */
      drop(conn) {
        conn.close();
        conn.onversionchange = null;
        conn.onclose = () => closed(conn);
      },

      /**
       * A copy of value taken now, for a write of key that has to wait; it
       * throws a DataCloneError that names the key.
       * @param {any} value @param {any} key
       * @returns {any[]} the copy, boxed
       */
      clone(value, key) {
        try {
          return [structuredClone(value)];
        } catch (err) {
          throw cloneError(key, err);
        }
      },
    };
  }
)
