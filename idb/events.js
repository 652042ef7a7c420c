// The events hub of patchkv: one per patch per realm (page, frame or worker).
//
// idb (events.go) evaluates this file once as an expression: a factory that
// returns hubOf(patch). After a write's transaction commits, idb/ops.js calls
// hub.emit(changes); whoever changes a scope in bulk (an import, a removed scope,
// a destroyed patch) emits {scope, op: 'reset'} the same way. The hub
// - delivers each change to this realm's listeners in a microtask: never
//   synchronously inside the call that made it, and never before its commit;
// - posts the changes on BroadcastChannel('patchkv:' + patch), whose other ends
//   (the hubs of other pages, frames and workers of the origin on that patch)
//   deliver them to their listeners.
// Changes arrive in the order they were emitted; a listener that throws is
// reported (reportError) and the others are still called.

// Shared types: idb/bridge.d.ts.
/**
 * @typedef {{fn: (change: PatchkvChange) => void, scope: PatchkvScopeRef | null, active: boolean}} HubListener
 */

(
  function makeHubs() {
    'use strict';

    /** @type {Map<string, PatchkvHub>} */
    const hubs = new Map();

    /** @param {unknown} err */
    const report = (err) => {
      if (typeof reportError === 'function') reportError(err);
      else
        setTimeout(() => {
          throw err;
        });
    };

    /**
     * @param {PatchkvChange} c @param {PatchkvScopeRef} own the scope a store's listener watches
     * @returns {PatchkvChange} a copy for one listener: listeners cannot change what the next one gets
     */
    function copy(c, own) {
      const scope = c.scope ? { kind: c.scope.kind, name: c.scope.name } : own ? { kind: own.kind, name: own.name } : null;
      return c.key === undefined ? { scope, op: c.op } : { scope, op: c.op, key: c.key };
    }

    /**
     * @param {string} patch
     * @returns {PatchkvHub}
     */
    function newHub(patch) {
      /** @type {Set<HubListener>} */
      const listeners = new Set();
      /** @type {PatchkvChange[]} */
      let queue = [];
      let scheduled = false;
      /** @type {BroadcastChannel | null} */
      let channel = null;

      const connect = () => {
        if (channel || typeof BroadcastChannel !== 'function') return;
        channel = new BroadcastChannel('patchkv:' + patch);
        channel.onmessage = (ev) => {
          if (Array.isArray(ev.data)) deliver(ev.data);
        };
      };

      const flush = () => {
        scheduled = false;
        const changes = queue;
        queue = [];
        const ls = [...listeners];
        for (const c of changes) {
          for (const l of ls) {
            if (!l.active) continue;
            if (l.scope && c.scope && (l.scope.kind !== c.scope.kind || l.scope.name !== c.scope.name)) continue;
            try {
              l.fn(copy(c, /** @type {PatchkvScopeRef} */ (l.scope)));
            } catch (err) {
              report(err);
            }
          }
        }
      };

      /** @param {PatchkvChange[]} changes */
      const deliver = (changes) => {
        if (listeners.size === 0) return;
        for (const c of changes) queue.push(c);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      };

      return {
        emit(changes) {
          connect();
          if (channel) {
            try {
              channel.postMessage(changes);
            } catch (err) {
              report(err);
            }
          }
          deliver(changes);
        },
        subscribe(scope, fn) {
          if (typeof fn !== 'function') throw new TypeError('patchkv: the listener must be a function');
          connect();
          /** @type {HubListener} */
          const l = { fn, scope, active: true };
          listeners.add(l);
          return () => {
            l.active = false;
            listeners.delete(l);
          };
        },
      };
    }

    /**
     * The hub of patch in this realm.
     * @param {string} patch
     * @returns {PatchkvHub}
     */
    return function hubOf(patch) {
      let h = hubs.get(patch);
      if (!h) hubs.set(patch, (h = newHub(patch)));
      return h;
    };
  }
)
