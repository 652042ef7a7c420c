// js/lateroot.js — a kv root to build a patch on while kv.wasm still loads.
//
// The page reads a patch's layout without kv (js/early.js) and builds its nodes
// while kv.wasm compiles; only the nodes' kv calls have to wait for kv. laterRoot
// is what they get meanwhile: the KVRoot interface of js/kv.d.ts, whose calls wait
// for the real root and then go to it in the order they were made (calls made in one
// task still reach kv in one task, so its writes still share a transaction). Once
// the real root is there, calls go straight to it.

/**
 * @typedef {import('./kv.d.ts').KVRoot} KVRoot
 * @typedef {import('./kv.d.ts').KVStore} KVStore
 */

/**
 * laterRoot returns a root of patch whose calls go to the root that rootPromise
 * resolves to, once it has. A value handed to set is cloned when set is called, as
 * kv clones it (a later change of the object does not reach the store); an update's
 * function runs once kv runs the update. When rootPromise rejects, every call
 * waiting and every later one rejects with its error (subscribe and watch then do
 * nothing).
 * @param {string} patch
 * @param {Promise<KVRoot>} rootPromise
 * @returns {KVRoot}
 */
export function laterRoot(patch, rootPromise) {
  /** @type {KVRoot | undefined} */
  let real;
  /** @type {{error: unknown} | undefined} */
  let failed;
  /** @type {(() => void)[]} calls waiting for the root, in call order */
  const waiting = [];
  const flush = () => {
    for (const fn of waiting.splice(0)) fn();
  };
  rootPromise.then(
    (r) => {
      real = r;
      flush();
    },
    (error) => {
      failed = { error };
      flush();
    },
  );

  /**
   * later runs fn with the real root now when it is there, or once it is.
   * @param {(root: KVRoot) => void} fn
   * @param {(error: unknown) => void} [onFail]
   */
  const later = (fn, onFail = () => {}) => {
    if (real) fn(real);
    else if (failed) onFail(failed.error);
    else waiting.push(() => (real ? fn(real) : onFail(failed?.error)));
  };

  /**
   * call makes a call that answers with a Promise on the store pick chooses.
   * @template T
   * @param {(root: KVRoot) => KVStore | KVRoot} pick
   * @param {(store: any) => Promise<T>} run
   * @returns {Promise<T>}
   */
  const call = (pick, run) => {
    if (real) return run(pick(real)); // the common case: straight through, same task
    return new Promise((resolve, reject) => {
      later((root) => {
        try {
          resolve(run(pick(root)));
        } catch (err) {
          reject(err);
        }
      }, reject);
    });
  };

  /**
   * listen subscribes listener through the method name of the chosen store once
   * the root is there; the function it returns stops it, also before then.
   * @param {(root: KVRoot) => any} pick
   * @param {'subscribe' | 'watch'} method
   * @param {unknown} listener
   * @returns {() => void}
   */
  const listen = (pick, method, listener) => {
    if (real) return pick(real)[method](listener);
    if (typeof listener !== 'function') throw new TypeError(`${method}: listener must be a function`);
    /** @type {(() => void) | undefined} */
    let stop;
    let stopped = false;
    later((root) => {
      if (!stopped) stop = pick(root)[method](listener);
    });
    return () => {
      stopped = true;
      stop?.();
    };
  };

  /**
   * store returns the KVStore that pick chooses, as a facade over the real one.
   * @param {(root: KVRoot) => KVStore} pick
   * @returns {KVStore}
   */
  const store = (pick) => /** @type {KVStore} */ (Object.freeze({
    get: (/** @type {string} */ key) => call(pick, (s) => s.get(key)),
    has: (/** @type {string} */ key) => call(pick, (s) => s.has(key)),
    keys: () => call(pick, (s) => s.keys()),
    set: (/** @type {string} */ key, /** @type {unknown} */ value) => {
      if (real) return pick(real).set(key, value);
      let copy;
      try {
        copy = structuredClone(value); // as kv's set: the value as it is now
      } catch (err) {
        return Promise.reject(err);
      }
      return call(pick, (s) => s.set(key, copy));
    },
    delete: (/** @type {string} */ key) => call(pick, (s) => s.delete(key)),
    clear: () => call(pick, (s) => s.clear()),
    update: (/** @type {string} */ key, /** @type {any} */ fn) => call(pick, (s) => s.update(key, fn)),
    subscribe: (/** @type {any} */ fn) => listen(pick, 'subscribe', fn),
    store: (/** @type {string} */ name) => store((root) => pick(root).store(name)),
  }));

  const host = store((root) => root);
  return /** @type {KVRoot} */ (Object.freeze({
    ...host,
    patch,
    node: (/** @type {string} */ id) => store((root) => root.node(id)),
    scopes: () => call((root) => root, (r) => r.scopes()),
    export: () => call((root) => root, (r) => r.export()),
    import: (/** @type {Blob} */ file, /** @type {any} */ options) => call((root) => root, (r) => r.import(file, options)),
    removeScope: (/** @type {any} */ scope) => call((root) => root, (r) => r.removeScope(scope)),
    destroy: () => call((root) => root, (r) => r.destroy()),
    watch: (/** @type {any} */ fn) => listen((root) => root, 'watch', fn),
  }));
}
