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
//   deliver them to their listeners, while another context has a listener
//   (newHub says how none is missed).
// Changes arrive in the order they were emitted; a listener that throws is
// reported (reportError) and the others are still called.

// Shared types: idb/bridge.d.ts.
/**
 * @typedef {{fn: (change: PatchkvChange) => void, scope: PatchkvScopeRef | null, active: boolean, from: number}} HubListener
 *   from: the number of changes queued before it subscribed, which it never gets
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

    /** @returns {number} milliseconds since the epoch, comparable between contexts */
    const clock = () => performance.timeOrigin + performance.now();

    // How long a hub keeps the changes it made, for a context that turns out
    // to listen: up to 5 s, and at most 50,000 changes.
    const keepMS = 5000;
    const keepMax = 50000;

    /**
     * @param {string} patch
     * @returns {PatchkvHub}
     */
    function newHub(patch) {
      /** @type {Set<HubListener>} */
      const listeners = new Set();
      /** @type {PatchkvChange[]} */
      let queue = [];
      // Changes are numbered in the order they are queued: queue[0] is number
      // delivered, and a listener gets only those queued after it subscribed
      // (its from). A caller that awaits a write and then subscribes runs before
      // the delivery of that write's change, which must not reach it.
      let delivered = 0;
      let queued = 0;
      let scheduled = false;
      /** @type {BroadcastChannel | null} */
      let channel = null;

      // A change is posted to the other contexts only while one of them has a
      // listener: posting costs about 0.1 ms a commit (a quarter of an awaited
      // write), which a patch that runs in one page should not pay. Each hub
      // says when it starts listening ({listen}, with the time), stops ({bye}),
      // and asks who listens when it first connects ({hello}). A change made
      // before its hub heard of a listener is not lost: the hub keeps what it
      // made (keepMS) and posts again what committed since that listener
      // started. Each change has its hub's sequence number, so that a context
      // never gets one twice, and gets one context's changes in their order.
      const id = Math.random().toString(36).slice(2) + clock();
      let seq = 0;
      let since = 0;
      /** @type {Set<string>} the other hubs that have listeners */
      const listening = new Set();
      /** @type {Map<string, number>} the last sequence number delivered, per hub */
      const seen = new Map();
      /** @type {{t: number, seq: number, changes: PatchkvChange[]}[]} */
      let made = [];
      let kept = 0;

      /** @param {any} m */
      const send = (m) => {
        try {
          channel?.postMessage(m);
        } catch (err) {
          report(err);
        }
      };

      /** @param {number} from posts again the changes made since then */
      const replay = (from) => {
        /** @type {PatchkvChange[]} */
        const changes = [];
        let first = 0;
        for (const m of made) {
          if (m.t < from - 50) continue;
          if (changes.length === 0) first = m.seq;
          for (const c of m.changes) changes.push(c);
        }
        if (changes.length > 0) send({ from: id, seq: first, changes });
      };

      /** @param {any} d */
      const receive = (d) => {
        if (d === null || typeof d !== 'object' || typeof d.from !== 'string') return;
        if (Array.isArray(d.changes) && typeof d.seq === 'number') {
          const last = seen.get(d.from) ?? 0;
          seen.set(d.from, Math.max(last, d.seq + d.changes.length - 1));
          deliver(d.seq > last ? d.changes : d.changes.slice(last - d.seq + 1));
        } else if (typeof d.listen === 'number') {
          listening.add(d.from);
          if (!d.reply && listeners.size > 0) send({ from: id, listen: since, reply: true });
          replay(d.listen);
        } else if (d.hello) {
          if (listeners.size > 0) send({ from: id, listen: since, reply: true });
        } else if (d.bye) {
          listening.delete(d.from);
        }
      };

      const connect = () => {
        if (channel || typeof BroadcastChannel !== 'function') return;
        channel = new BroadcastChannel('patchkv:' + patch);
        channel.onmessage = (ev) => receive(ev.data);
        send({ from: id, hello: true });
      };

      const flush = () => {
        scheduled = false;
        const changes = queue;
        const first = delivered;
        queue = [];
        delivered = queued;
        const ls = [...listeners];
        for (let i = 0; i < changes.length; i++) {
          const c = changes[i];
          for (const l of ls) {
            if (!l.active || first + i < l.from) continue;
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
        queued += changes.length;
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      };

      return {
        emit(changes) {
          connect();
          const t = clock();
          made.push({ t, seq: seq + 1, changes });
          seq += changes.length;
          kept += changes.length;
          let drop = 0;
          while (drop < made.length - 1 && (kept > keepMax || made[drop].t < t - keepMS)) kept -= made[drop++].changes.length;
          if (drop > 0) made = made.slice(drop);
          if (listening.size > 0) send({ from: id, seq: seq - changes.length + 1, changes });
          deliver(changes);
        },
        subscribe(scope, fn) {
          if (typeof fn !== 'function') throw new TypeError('patchkv: the listener must be a function');
          connect();
          /** @type {HubListener} */
          const l = { fn, scope, active: true, from: queued };
          listeners.add(l);
          if (listeners.size === 1) {
            since = clock();
            send({ from: id, listen: since });
          }
          return () => {
            if (!l.active) return;
            l.active = false;
            listeners.delete(l);
            if (listeners.size === 0) send({ from: id, bye: true });
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
