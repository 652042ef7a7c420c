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
//   this context holds it (granted(null) if the request failed); release() lets
//   it go. It returns false, calling nothing, where Web Locks do not exist
//   (insecure origins): upgrades then rely on the jittered back-off alone.
// - random is Math.random, for that back-off (math/rand would add to kv.wasm).

({
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
    let got = false;
    locks
      .request(name, () => new Promise((release) => {
        got = true;
        granted(release);
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
})
