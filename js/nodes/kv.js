// js/nodes/kv.js — the `[kv]` / `[kv name]` object: the request protocol of the README
// ("The [kv] object"), answered on its outlet, plus change messages while subscribed.

import { RuntimeNode, safeJSON } from '../node.js';

/**
 * @typedef {import('../kv.d.ts').KVStore} KVStore
 * @typedef {import('../runtime.js').Patch} Patch
 * @typedef {import('../runtime.js').NodeSpec} NodeSpec
 */

/**
 * storeName reads the object's argument: the store name as written (surrounding spaces
 * included, so that `setStore(" s ")` and the reloaded document name the same store),
 * or null for the node's own scope when the argument is empty or only spaces.
 * @param {unknown} args
 * @returns {string|null}
 */
export function storeName(args) {
  const s = typeof args === 'string' ? args : '';
  return s.trim() === '' ? null : s;
}

/**
 * errorReply turns a failure into the object's {type:'error', message} reply.
 * @param {unknown} err
 * @returns {{type: 'error', message: string}}
 */
function errorReply(err) {
  const e = /** @type {any} */ (err);
  const message = e && typeof e === 'object' && 'message' in e
    ? (e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : String(e.message))
    : String(err);
  return { type: 'error', message };
}

/**
 * KVNode answers requests in the order they arrive: each is issued to the core at once
 * (so they take effect in that order) and its reply goes out after the replies before
 * it. While subscribed it also sends {type:'change', op, key, value, found} for every
 * change of its store, whoever made it.
 */
export class KVNode extends RuntimeNode {
  static type = 'kv';
  static description = '[kv] / [kv name]: get, set, delete, has, keys, clear, setStore, subscribe';
  static field = /** @type {const} */ ('args');
  static face = /** @type {const} */ ('args');
  static template = { args: '' };

  /** @param {Patch} patch @param {NodeSpec} spec */
  constructor(patch, spec) {
    super(patch, spec);
    /** @type {Promise<unknown>} */
    this.tail = Promise.resolve();
    /** @type {string|null} */
    this.storeName = null;
    /** @type {KVStore|null} */
    this.store = null;
    /** @type {(() => void)|null} */
    this.unsubscribe = null;
  }

  async start() {
    this.gen++;
    this.use(storeName(this.spec.args));
    this.setStatus({ state: 'running' });
  }

  stop() {
    this.stopWatching();
    super.stop();
  }

  /**
   * use points the object at the named store `name`, or its own node scope for null;
   * a subscription follows it to the new store.
   * @param {string|null} name
   */
  use(name) {
    const root = this.patch.root;
    this.storeName = name;
    this.store = name === null
      ? this.patch.scopedKV(root.node(this.id), `node:${this.id}`)
      : this.patch.scopedKV(root.store(name), `store:${name}`);
    if (this.unsubscribe) this.watch();
  }

  /** watch subscribes to the current store's changes (replacing an earlier subscription). */
  watch() {
    this.stopWatching();
    const store = /** @type {KVStore} */ (this.store);
    const gen = this.gen;
    this.unsubscribe = store.subscribe((ev) => {
      if (gen !== this.gen || this.store !== store) return;
      this.change(store, ev);
    });
  }

  stopWatching() {
    const u = this.unsubscribe;
    this.unsubscribe = null;
    if (u) {
      try {
        u();
      } catch (err) {
        console.warn(`[patch node ${this.id}] unsubscribe failed`, err);
      }
    }
  }

  /**
   * change sends a change message for one event of the store, in order with the
   * replies: value and found are what a get of the key gives after the change.
   * @param {KVStore} store
   * @param {{op: string, key?: string}} ev
   */
  change(store, ev) {
    const gen = this.gen;
    const { op, key } = ev ?? {};
    const settled = typeof key === 'string'
      ? Promise.all([store.get(key), store.has(key)]).then(([value, found]) => ({ type: 'change', op, key, value, found }))
      : Promise.resolve({ type: 'change', op, key, value: undefined, found: false });
    const reply = settled.catch(errorReply);
    this.tail = this.tail.then(() => reply).then((r) => {
      if (gen === this.gen) this.send(r);
    });
  }

  /**
   * @param {unknown} msg
   * @returns {Promise<unknown>}
   */
  receive(msg) {
    const gen = this.gen;
    let reply;
    try {
      reply = this.request(msg);
    } catch (err) {
      reply = Promise.resolve(errorReply(err));
    }
    const settled = Promise.resolve(reply).catch(errorReply);
    this.tail = this.tail.then(() => settled).then((r) => {
      if (gen === this.gen) this.send(r);
    });
    return this.tail;
  }

  /**
   * request starts one request against the store now and returns its reply.
   * @param {unknown} msg
   * @returns {Promise<object>}
   */
  request(msg) {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      throw new TypeError(`kv: expected a request such as {type: 'get', key}, got ${safeJSON(msg)}`);
    }
    const s = /** @type {KVStore} */ (this.store);
    const { type, key } = /** @type {any} */ (msg);
    switch (type) {
      case 'get': {
        const found = s.has(key);
        const value = s.get(key);
        return Promise.all([found, value]).then(([f, v]) => ({ type, key, value: v, found: f }));
      }
      case 'set':
        return s.set(key, /** @type {any} */ (msg).value).then(() => ({ type, key, ok: true }));
      case 'delete':
        return s.delete(key).then((deleted) => ({ type, key, deleted }));
      case 'has':
        return s.has(key).then((exists) => ({ type, key, exists }));
      case 'keys':
        return s.keys().then((keys) => ({ type, keys }));
      case 'clear':
        return s.clear().then(() => ({ type, ok: true }));
      case 'setStore': {
        const v = /** @type {any} */ (msg).value;
        if (v !== null && v !== undefined && typeof v !== 'string') {
          throw new TypeError(`kv: setStore needs a store name (a string), or null for this node's own scope`);
        }
        // The document keeps the name exactly as given, and start() reads it back the
        // same way: the store in use now is the one in use after a reload. A name that
        // is empty or only spaces means the node's own scope, now and after a reload.
        const name = storeName(v);
        this.use(name);
        this.spec.args = name ?? '';
        this.patch.emit('change', { reason: 'setStore' });
        return Promise.resolve({ type, value: name, ok: true });
      }
      case 'subscribe':
        this.watch();
        return Promise.resolve({ type, ok: true });
      case 'unsubscribe':
        this.stopWatching();
        return Promise.resolve({ type, ok: true });
      default:
        throw new TypeError(`kv: unknown request type ${safeJSON(type)} (get, set, delete, has, keys, clear, setStore, subscribe, unsubscribe)`);
    }
  }
}
