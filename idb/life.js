// The JavaScript half of patchkv's connection lifecycle (idb/db.go, lifeglue.go).
//
// idb evaluates this file once as an expression: an object of four functions.
// - names lists a connection's object stores in one call: one string, the names
//   joined by NUL, with '\' written '\\' and NUL written '\0' inside a name.
//   Names that are not well-formed Unicode (no patchkv store has one) are left
//   out: Go could not hold them losslessly.
// - apply makes an upgrade's changes in one call, however many: one string, the
//   changes joined by NUL, each 'c' (create) or 'd' (delete) followed by the
//   object store's name, escaped as names escapes it. It throws what
//   createObjectStore or deleteObjectStore throws.
// - lock asks for the exclusive Web Lock `name` and calls granted(release) once
//   this context holds it (granted(null) if the request failed), always after
//   lock has returned; release() lets it go, though the lock stays held a few
//   milliseconds more for this context's next upgrade (a lease, below). It
//   returns false, calling nothing, where Web Locks do not exist (insecure
//   origins): upgrades then rely on the jittered back-off alone.
// - random is Math.random, for that back-off (math/rand would add to kv.wasm).

(() => {
  /**
   * @typedef {{
   *   name: string, busy: boolean, since: number, timer: ReturnType<typeof setTimeout> | undefined,
   *   asking: boolean, waited: boolean, end: () => void,
   * }} Lease
   *   a held upgrade lock: busy while Go holds it, since when it is held; asking
   *   while the lock manager is asked whether others wait for it, waited once
   *   someone has
   */
  // After Go lets the upgrade lock go, it stays held for LEASE_MS, and an
  // upgrade asked for meanwhile gets it at once. Each request of the lock made
  // the database open that followed it 4-5 ms slower in Chromium (open to
  // upgradeneeded: 5.5 ms after a request, 1.2 ms without), so a scope
  // created right after another (a loop of awaited first writes, nodes starting
  // one after another) took twice raw IndexedDB's time. Once the lock has been
  // held LEASE_FAIR_MS, each time Go lets it go the lock manager is asked
  // whether another context waits for it, and if one does the lease ends (at
  // once, or when Go next lets go): a fixed bound of 50 ms made a context
  // creating scopes one after another in a patch of 3,000 ask again every third
  // scope, each time paying the slow open (24.8 ms a scope against 16.3 with a
  // bound of a second; raw IndexedDB 9.4). LEASE_MAX_MS bounds the lease where
  // the lock manager cannot be asked.
  const LEASE_MS = 8;
  const LEASE_FAIR_MS = 20;
  const LEASE_MAX_MS = 1000;
  /** @type {Map<string, Lease>} */
  const leases = new Map();
  /** Go lets lease go: it is released after LEASE_MS unless asked for again. @param {Lease} lease */
  const lend = (lease) => {
    lease.busy = false;
    // Someone waits for it, or the page is hidden (its timers can be held
    // back a second or more): it lets go now.
    if (lease.waited || globalThis.document?.hidden) {
      lease.end();
      return;
    }
    lease.timer = setTimeout(lease.end, LEASE_MS);
    if (lease.asking || performance.now() - lease.since < LEASE_FAIR_MS) return;
    lease.asking = true;
    globalThis.navigator.locks.query().then(({ pending = [] }) => {
      lease.asking = false;
      if (!pending.some((l) => l.name === lease.name)) return;
      lease.waited = true;
      if (!lease.busy) {
        clearTimeout(lease.timer);
        lease.end();
      }
    }, () => {
      lease.asking = false;
    });
  };
  return {
    /** @param {IDBDatabase} conn @returns {string} */
    names(conn) {
      const out = [];
      for (const n of Array.from(conn.objectStoreNames)) {
        if (n.isWellFormed()) out.push(n.replaceAll('\\', '\\\\').replaceAll('\0', '\\0'));
      }
      return out.join('\0');
    },

    /** @param {IDBDatabase} conn @param {string} changes */
    apply(conn, changes) {
      for (const c of changes.split('\0')) {
        const name = c.slice(1).replace(/\\([\s\S])/g, (_, x) => (x === '0' ? '\0' : x));
        if (c[0] === 'c') conn.createObjectStore(name);
        else conn.deleteObjectStore(name);
      }
    },

    /**
     * @param {string} name
     * @param {(release: ((value?: unknown) => void) | null) => void} granted
     * @returns {boolean}
     */
    lock(name, granted) {
      const locks = globalThis.navigator?.locks;
      if (typeof locks?.request !== 'function') return false;
      const h = leases.get(name);
      if (h && !h.busy) {
        if (!h.waited && performance.now() - h.since < LEASE_MAX_MS) {
          clearTimeout(h.timer);
          h.busy = true;
          // Go asks with its lock held: the grant must come later, as a real one does.
          queueMicrotask(() => granted(() => lend(h)));
          return true;
        }
        clearTimeout(h.timer);
        h.end();
      }
      let got = false;
      locks
        .request(name, () => new Promise((release) => {
          got = true;
          /** @type {Lease} */
          const lease = {
            name, busy: true, since: performance.now(), timer: undefined, asking: false, waited: false,
            end() {
              if (leases.get(name) === lease) leases.delete(name);
              release(undefined);
            },
          };
          leases.set(name, lease);
          granted(() => lend(lease));
        }))
        .catch(() => {
          if (!got) granted(null);
        });
      return true;
    },

    /** @returns {number} */
    random() {
      return Math.random();
    },
  };
})()
