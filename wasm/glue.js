// The JavaScript half of the kv API (Go's half is wasm/api.go).
//
// wasm (jsvalue.go) evaluates this file once as an expression: a factory that
// takes the protocol's constants, defined once in Go (protocolJS in api.go), and
// idb's operations (idb/ops.js), and returns the glue object.
//
// Every crossing between Go and JavaScript costs (a reference, a finalizer,
// decoded strings), more than IndexedDB's own work for a small value. So a data
// method called the usual way (right arguments, a string key) while the
// patch's connection is open with nothing waiting (the DB's gate, which Go opens
// and shuts: idb.DB.GateJS) is placed with idb's ops at once, without entering
// Go. A call that has to wait for an upgrade (a write to a new scope, and the
// calls after it in the task) is parked here and handed to Go's queue with the
// others of the task, in one entry (pend). Otherwise it crosses twice: its
// closure calls Go with the object's number, the method's code, flags and the
// argument count, and Go checks the call (the errors are Go's) or queues it,
// and makes one call back into run, which places the operation and leaves its
// Promise in `out` for the closure to return. The key, the value and the
// Promise never cross into Go (a number that crosses into Go loses its sign
// when it is zero: syscall/js keeps one 0).

// Shared types: idb/bridge.d.ts.
/**
 * @typedef {{
 *   flagForeign: number, flagKeyString: number, flagFunc: number,
 *   resultPromise: number, resultValue: number, methodBind: number, methodRelease: number, methodQueue: number,
 * }} GlueProtocol
 * @typedef {{id: number, root: number, name: string, dispatch: GlueDispatch}} GlueState
 *   a kv object's number in Go (-1 until its first call) and its root's
 * @typedef {{
 *   id: number, dispatch: GlueDispatch,
 *   handle: PatchkvStoreHandle, gate: PatchkvGate, cache: Map<string, {ref: WeakRef<object>, state: GlueState}>,
 *   naming: Record<string, [prefix: string, kind: string]>, methods: [string, number][] | null,
 *   pending: any[],
 * }} GlueRoot
 *   pending: calls parked in this task for Go's queue (pend), [handle, kind, number, …]
 * @typedef {[name: string, kind: string, scopeName: string]} GlueScope
 *   a scope as Go made its store object: object store, kind, scope name
 * @typedef {(object: number, method: number, flags: number, argc: number) => number} GlueEntry
 * @typedef {(args: any[], object: number, method: number, flags: number) => any} GlueDispatch
 */

(
  /**
   * @param {GlueProtocol} C the protocol's constants
   * @param {PatchkvOps} ops idb's operations
   */
  function makeGlue(C, ops) {
    'use strict';

    /** @type {{p: any, r: any}} the Promise (p) or other result (r) Go left for the method's closure */
    const out = { p: undefined, r: undefined };
    /** @type {{args: any[] | undefined}} the arguments of the method call being dispatched */
    const cur = { args: undefined };
    /** @type {GlueEntry | null} the module's exported patchkv_call, once the loader hands it over */
    let exported = null;
    // Stack headroom every entry into Go needs (issue 14 #1). A RangeError
    // thrown inside Go's frames (the stack ran out, or V8 had no room to compile
    // a function Go calls: it wants 40 KB) leaves Go half-run and every later
    // call fails. So a method first makes a call that pushes 64 KB of
    // arguments (room): it throws the engine's RangeError before Go is entered,
    // never inside it. Measured: Go's deepest path needs 33-48 KB. That call
    // costs 6-9 µs, so a call that stays in JavaScript (place, or a store
    // object glue makes itself) checks for 16 KB (little), about 1 µs, and
    // only a call that goes on into Go checks for the 64 KB.
    const room = Array.from({ length: 8192 }, () => 0);
    const little = room.slice(0, 2048);
    const probe = () => {};
    /**
     * Throws the engine's RangeError unless the stack has the room of args.
     * @param {number[]} args
     */
    const headroom = (args) => Reflect.apply(probe, undefined, args);

    const K = ops.kinds;
    /** @type {Record<string, [number, number]>} data methods: their operation and their number of arguments */
    const direct = { get: [K.get, 1], has: [K.has, 1], delete: [K.delete, 1], set: [K.put, 2], update: [K.update, 2], keys: [K.keys, 0], clear: [K.clear, 0] };
    /** Tests that make Go fail inside a method turn the direct path off (slowPath). */
    let slow = false;

    /**
     * Places a data method's operation without entering Go when the gate is
     * open and the call is one Go would accept as it is; returns its Promise,
     * or undefined when Go must take the call (an argument to reject, a
     * connection that has just gone). A write that needs a new object store,
     * and every call of the root's after it in the task, is parked for Go's
     * queue (pend).
     * @param {GlueRoot} r @param {PatchkvStoreHandle} handle @param {[number, number]} m @param {any[]} args
     */
    function place(r, handle, m, args) {
      const [kind, arity] = m;
      const conn = r.gate.conn;
      if (slow || conn === null || args.length !== arity) return undefined;
      if (arity > 0 && typeof args[0] !== 'string') return undefined;
      if (kind === K.update && typeof args[1] !== 'function') return undefined;
      const exists = /** @type {Set<string>} */ (r.gate.stores).has(handle.name);
      if (r.pending.length > 0 || (!exists && (kind === K.put || kind === K.update))) {
        return pend(r, handle, kind, args);
      }
      try {
        return ops.run(conn, handle, kind, exists, args[0], args[1]);
      } catch {
        return undefined; // the connection closed under it: Go reconnects
      }
    }

    // A write to a new scope waits in Go's queue for the upgrade, and so does
    // every call after it. Entering Go for each of them (twice for a store
    // object's first call: its number, then the call) was most of the time
    // a patch load took to issue its first writes. So glue parks them (ops
    // park: the entry and Promise are made, a put's value copied, now) and
    // hands those of the task to Go in one entry (methodQueue), in a microtask
    // or before anything else enters Go, so that their order holds.
    /** @type {GlueRoot[]} roots with calls parked in this task */
    const pendingRoots = [];
    let flushing = false;

    /**
     * Parks a call for Go's queue and returns its Promise.
     * @param {GlueRoot} r @param {PatchkvStoreHandle} handle @param {number} kind @param {any[]} args
     */
    function pend(r, handle, kind, args) {
      const [n, p] = ops.park(handle, kind, args[0], args[1]);
      if (n === 0) return p; // failed at once (an uncloneable value): rejected already
      if (r.pending.length === 0) {
        if (pendingRoots.length === 0) queueMicrotask(flush);
        pendingRoots.push(r);
      }
      r.pending.push(handle, kind, n);
      return p;
    }

    /** Hands every root's parked calls to Go, in order; those Go cannot take fail. */
    function flush() {
      if (flushing) return;
      flushing = true;
      const saved = [out.p, out.r];
      try {
        while (pendingRoots.length > 0) {
          const r = /** @type {GlueRoot} */ (pendingRoots.shift());
          const list = r.pending;
          r.pending = [];
          try {
            enter(r.dispatch, r.id, C.methodQueue, 0, [list]);
          } catch (err) {
            // Go has exited: nothing will run them
            for (let i = 2; i < list.length; i += 3) ops.unparkFail(list[i], err);
          }
        }
      } finally {
        [out.p, out.r] = saved;
        flushing = false;
      }
    }

    /**
     * @param {string} method @param {unknown} fn
     */
    function checkListener(method, fn) {
      if (typeof fn !== 'function') {
        throw new TypeError(`${method}: the listener must be a function, got ${fn === null ? 'null' : typeof fn}`);
      }
    }

    /**
     * A store as idb's ops take it (idb.Store.HandleJS makes the same in Go).
     * @param {PatchkvHub} hub @param {string} name the object store
     * @param {string} kind @param {string} scopeName
     * @returns {PatchkvStoreHandle}
     */
    const makeHandle = (hub, name, kind, scopeName) => ({ name, scope: { kind, name: scopeName }, hub });

    /** @type {Map<number, GlueRoot>} each root's store handle and its store objects by object store name */
    const roots = new Map();

    // node(id) and store(name) with a string are answered by Go (it checks and
    // names the scope) the first time per root. Go names a scope by a prefix
    // per kind and the name as it is (scope.Scope.ObjectStore), so glue learns
    // the prefix and kind from that answer (learn) and makes the store object
    // of any other well-formed name itself: a patch that loads a thousand nodes
    // does not enter Go a thousand times. A name Go would reject (a lone
    // surrogate) still goes to Go, which makes the store whose calls reject.
    /** @type {GlueScope | null} the scope of the store object Go just had made (storeOf) */
    let made = null;
    const wellFormed = String.prototype.isWellFormed;

    /**
     * Keeps what Go's answer made says of naming for method ('store' or
     * 'node') when it is the prefix rule, for the argument arg.
     * @param {GlueRoot} r @param {string} method @param {GlueScope} made @param {string} arg
     */
    function learn(r, method, [name, kind, scopeName], arg) {
      if (scopeName === arg && name.length >= arg.length && name.endsWith(arg)) {
        r.naming[method] = [name.slice(0, name.length - arg.length), kind];
      }
    }

    /**
     * Enters Go for a method of the object of state: through the exported
     * patchkv_call once the loader attached it (a plain WebAssembly call, about
     * 1 µs), else through the js.Func dispatch. Returns what Go left in out.r
     * (or dispatch returned), or undefined when the Promise is in out.p.
     * @param {GlueDispatch} dispatch @param {number} id @param {number} code @param {number} flags @param {any[]} args
     */
    function enter(dispatch, id, code, flags, args) {
      if (pendingRoots.length > 0) flush(); // calls parked before this one go first
      if (!exported) {
        const r = dispatch(args, id, code, flags);
        if (r !== undefined) return r;
        const v = out.r; // a result glue left itself (storeOf)
        out.r = undefined;
        return v;
      }
      const outer = cur.args;
      cur.args = args;
      try {
        if (exported(id, code, flags, args.length) !== C.resultValue) return undefined;
        const r = out.r;
        out.r = undefined;
        return r;
      } finally {
        cur.args = outer;
      }
    }

    // When a store object nobody holds is collected, its cache entry goes and
    // Go frees its number (methodRelease), which a new object then reuses.
    const collected = new FinalizationRegistry((/** @type {GlueState} */ state) => {
      const r = roots.get(state.root);
      if (r && r.cache.get(state.name)?.state === state) r.cache.delete(state.name);
      if (state.id >= 0) enter(state.dispatch, state.id, C.methodRelease, 0, []);
    });

    /**
     * Builds a kv object: each method is a closure that enters Go with the
     * object's number, bound on its first call for a store object. subscribe
     * (and the root's watch) stay in JavaScript: they never touch IndexedDB.
     * @param {GlueDispatch} dispatch @param {GlueState} state
     * @param {[string, number][]} methods names and codes
     * @param {PatchkvStoreHandle} handle the object's store @param {boolean} root
     */
    function build(dispatch, state, methods, handle, root) {
      /** @type {Record<string, any>} */
      const o = {};
      const r = /** @type {GlueRoot} */ (roots.get(state.root));
      for (const [name, code] of methods) {
        const m = direct[name];
        const scoped = name === 'store' || name === 'node';
        /** @this {unknown} @param {any[]} args */
        o[name] = function (...args) {
          const foreign = this !== undefined && this !== null && this !== o && this !== globalThis;
          try {
            headroom(little);
          } catch (err) {
            return Promise.reject(err); // if even this throws, that RangeError is the engine's
          }
          if (m && !foreign) {
            const p = place(r, handle, m, args);
            if (p) return p;
          }
          const arg = scoped && !foreign && args.length === 1 && typeof args[0] === 'string' ? args[0] : null;
          if (arg !== null) {
            const naming = r.naming[name];
            if (naming && r.methods && !slow && Reflect.apply(wellFormed, arg, [])) {
              return storeOf(dispatch, state.root, r.methods, naming[0] + arg, naming[1], arg);
            }
            made = null;
          }
          try {
            headroom(room);
          } catch (err) {
            return Promise.reject(err);
          }
          if (state.id < 0) {
            const id = enter(dispatch, state.root, C.methodBind, 0, [handle]);
            if (typeof id !== 'number') return Promise.reject(new Error('patchkv: this kv store could not be made'));
            state.id = id;
          }
          const flags =
            (foreign ? C.flagForeign : 0) |
            (typeof args[0] === 'string' ? C.flagKeyString : 0) |
            (typeof args[1] === 'function' ? C.flagFunc : 0);
          const res = enter(dispatch, state.id, code, flags, args);
          if (arg !== null && made) {
            learn(r, name, made, arg);
            made = null;
          }
          if (res !== undefined) return res;
          const p = out.p;
          out.p = undefined;
          return p;
        };
      }
      const prefix = root ? 'kv' : 'kv store';
      o.subscribe = (/** @type {any} */ fn) => {
        checkListener(prefix + '.subscribe', fn);
        return handle.hub.subscribe(handle.scope, fn);
      };
      if (root) {
        o.watch = (/** @type {any} */ fn) => {
          checkListener('kv.watch', fn);
          return handle.hub.subscribe(null, fn);
        };
      }
      return o;
    }

    /**
     * @param {GlueDispatch} dispatch @param {number} root @param {[string, number][]} methods
     * @param {string} name @param {string} kind @param {string} scopeName
     * @returns {object}
     */
    function storeOf(dispatch, root, methods, name, kind, scopeName) {
      const r = /** @type {GlueRoot} */ (roots.get(root));
      r.methods = methods;
      const o = r.cache.get(name)?.ref.deref();
      if (o) return o;
      const handle = makeHandle(r.handle.hub, name, kind, scopeName);
      /** @type {GlueState} */
      const state = { id: -1, root, name, dispatch };
      const made = build(dispatch, state, methods, handle, false);
      r.cache.set(name, { ref: new WeakRef(made), state });
      collected.register(made, state);
      return made;
    }

    return {
      /**
       * Builds the root kv object of a patch: number id, bound in Go at once.
       * @param {GlueDispatch} dispatch @param {number} id the object's number
       * @param {[string, number][]} methods names and codes
       * @param {PatchkvStoreHandle} handle the host scope's store
       * @param {PatchkvGate} gate the patch's DB's (idb.DB.GateJS)
       */
      makeRoot(dispatch, id, methods, handle, gate) {
        const state = { id, root: id, name: '', dispatch };
        roots.set(id, { id, dispatch, handle, gate, cache: new Map(), naming: {}, methods: null, pending: [] });
        return build(dispatch, state, methods, handle, true);
      },

      /**
       * With on, every method enters Go (for tests that make Go fail inside a
       * method); off, calls Go would accept as they are skip it again.
       * @param {boolean} on
       */
      slowPath(on) {
        slow = on;
      },

      /**
       * Returns the kv object of object store name of the root numbered root:
       * the one made before while something holds it, else a new one. A new
       * object holds no Go state until its first call, and the Go state of
       * one that is collected is released (issue 14 #8: a page that makes
       * stores for many names must not grow for good). The object goes to the
       * out slot, as the method's result: Go never holds it, which would cost
       * it a reference and a finalizer per object.
       * @param {GlueDispatch} dispatch @param {number} root @param {[string, number][]} methods
       * @param {string} name @param {string} kind @param {string} scopeName
       */
      storeOf(dispatch, root, methods, name, kind, scopeName) {
        out.r = storeOf(dispatch, root, methods, name, kind, scopeName);
        made = [name, kind, scopeName];
      },

      handle: makeHandle,

      /**
       * fn (patchkv.open or attach, js.Funcs) behind the same stack check as
       * every method: on a nearly full stack it rejects (open) or throws
       * (attach) the engine's RangeError instead of entering Go.
       * @param {(...args: any[]) => any} fn @param {boolean} rejects
       */
      guard(fn, rejects) {
        return (/** @type {any[]} */ ...args) => {
          try {
            headroom(room);
          } catch (err) {
            if (rejects) return Promise.reject(err);
            throw err;
          }
          return fn(...args);
        };
      },

      /**
       * The store of a bad node id or store name: its data methods reject with
       * the TypeError, its subscribe throws it, its store(name) is the root's.
       * @param {Error} error @param {{store(name: string): any}} root
       */
      invalidStore(error, root) {
        const reject = () => Promise.reject(error);
        return {
          get: reject, set: reject, has: reject, delete: reject, keys: reject, clear: reject, update: reject,
          subscribe: () => {
            throw error;
          },
          store: (/** @type {string} */ name) => root.store(name),
        };
      },

      /**
       * Runs one operation with idb's ops, now, and leaves its Promise in out.
       * Arguments left out are the current call's (the operation runs within
       * it, so Go need not fetch them).
       * @param {IDBDatabase} conn @param {PatchkvStoreHandle} handle @param {number} kind @param {boolean} exists
       * @param {any[]} [args]
       */
      run(conn, handle, kind, exists, args) {
        const a = args ?? cur.args ?? [];
        out.p = ops.run(conn, handle, kind, exists, a[0], a[1]);
      },

      /**
       * Parks the operation of a call that has to wait in Go's queue (ops
       * park): its Promise goes to out, Go keeps the number returned (0: the
       * call failed at once, its Promise is rejected).
       * @param {PatchkvStoreHandle} handle @param {number} kind @param {any[]} [args]
       * @returns {number}
       */
      park(handle, kind, args) {
        const a = args ?? cur.args ?? [];
        const [n, p] = ops.park(handle, kind, a[0], a[1]);
        out.p = p;
        return n;
      },
      unpark: ops.unpark,
      unparkFail: ops.unparkFail,

      args() {
        return cur.args;
      },
      first() {
        return cur.args?.[0];
      },
      /**
       * The type of v for error messages ("string", "array", "object", "bigint"…);
       * never throws, whatever v is (a revoked Proxy throws from Array.isArray).
       * @param {unknown} v
       */
      typeName(v) {
        try {
          return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
        } catch {
          return typeof v;
        }
      },
      /** @param {any} v */
      result(v) {
        out.r = v;
      },
      /**
       * Runs a patch-wide method of the root (export, import, removeScope,
       * destroy) in the archive module (js/archive.js), which the loader
       * imports on first use (globalThis.patchkv.archive), with the root's
       * handle of idb primitives (wasm/archive.go).
       * @param {string} method @param {any} handle @param {any[]} args
       * @returns {Promise<any>}
       */
      archive(method, handle, args) {
        const load = /** @type {any} */ (globalThis).patchkv?.archive;
        if (typeof load !== 'function') {
          return Promise.reject(new Error('patchkv: kv.' + method + ' needs js/archive.js, which js/kv.js loads: load kv through loadKV'));
        }
        const fn = /** @type {Record<string, string>} */ ({ export: 'exportPatch', import: 'importPatch', removeScope: 'removeScope', destroy: 'destroyPatch' })[method];
        return Promise.resolve(load()).then((m) => m[fn](handle, ...args));
      },
      /**
       * Hands glue the module's patchkv_call, from the module's exports. Only
       * the first function counts: code in the page cannot replace it
       * afterwards, and whatever it passes (a throwing getter, a revoked Proxy)
       * changes nothing.
       * @param {unknown} exports
       */
      useExport(exports) {
        if (exported !== null) return;
        let fn;
        try {
          fn = /** @type {any} */ (exports)?.patchkv_call;
        } catch {
          return;
        }
        if (typeof fn === 'function') exported = /** @type {GlueEntry} */ (fn);
      },
    };
  }
)
