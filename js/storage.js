// js/storage.js — the storage panel: every scope of the open patch with its size, its
// keys (paged) and a preview of each value (binary by type and size, images as
// thumbnails); node scopes whose node is gone marked as orphaned; the origin's usage
// and quota and whether storage is persistent. From it a user deletes a key, edits a
// JSON value in place, clears or removes a scope, removes every orphaned node scope at
// once. It follows changes live through kv.watch, redrawing at most once per frame.

import { preview, binaryLabel, isImageBlob } from './preview.js';

/** PAGE is how many keys of one scope the panel shows at a time. */
export const PAGE = 50;

/** @typedef {import('./kv.d.ts').KVRoot} KVRoot */
/** @typedef {import('./kv.d.ts').KVStore} KVStore */
/** @typedef {import('./kv.d.ts').KVScope} KVScope */
/** @typedef {{scope: KVScope, id: string, keys: string[], size: number, page: number, entries: Array<[string, unknown]>, orphan: boolean}} ScopeView */

/**
 * scopeID names a scope in the DOM and in the panel's state (its object store name).
 * @param {KVScope} s
 */
export const scopeID = (s) => (s.kind === 'host' ? 'host' : `${s.kind}:${s.name}`);

/**
 * storeOf returns the kv store of scope s.
 * @param {KVRoot} root @param {KVScope} s
 * @returns {KVStore}
 */
export const storeOf = (root, s) => (s.kind === 'host' ? root : s.kind === 'node' ? root.node(s.name) : root.store(s.name));

/**
 * approxSize estimates how many bytes a value takes: binary by its length, strings
 * as UTF-16, containers by what they hold. IndexedDB's own figure is not exposed.
 * @param {unknown} v
 * @returns {number}
 */
export function approxSize(v, seen = new Set()) {
  switch (typeof v) {
    case 'string': return 2 * v.length;
    case 'number': return 8;
    case 'boolean': return 4;
    case 'bigint': return 8 + Math.ceil(v.toString(16).length / 2);
    case 'undefined': return 1;
    case 'object': break;
    default: return 0;
  }
  if (v === null) return 1;
  if (seen.has(v)) return 0;
  seen.add(v);
  if (v instanceof Blob) return v.size;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.buffer.byteLength;
  if (v instanceof Date) return 8;
  if (v instanceof RegExp) return 2 * v.source.length;
  let n = 0;
  if (v instanceof Map) for (const [k, x] of v) n += approxSize(k, seen) + approxSize(x, seen);
  else if (v instanceof Set) for (const x of v) n += approxSize(x, seen);
  else for (const [k, x] of Object.entries(v)) n += 2 * k.length + approxSize(x, seen);
  return n;
}

/**
 * bytes formats a size for people.
 * @param {number} n
 */
export function bytes(n) {
  if (!Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/**
 * jsonEditable reports whether v survives JSON.stringify → JSON.parse unchanged, so
 * that the panel can offer to edit it as JSON text.
 * @param {unknown} v
 */
export function jsonEditable(v, depth = 0) {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonEditable(v[i], depth + 1)) return false;
    return Object.keys(v).length === v.length;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.keys(v).every((k) => k !== '__proto__' && jsonEditable(/** @type {any} */ (v)[k], depth + 1));
}

/** el makes an element with properties and children. */
function el(/** @type {string} */ tag, /** @type {Record<string, any>} */ props = {}, /** @type {Array<Node|string>} */ ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) /** @type {any} */ (e)[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/**
 * StoragePanel lists what the patch's kv holds, read through the kv API itself
 * (kv.scopes(), then keys() and get() on each scope).
 */
export class StoragePanel {
  /**
   * @param {HTMLElement} root                  the panel's element
   * @param {() => KVRoot} getRoot              the root of the open patch
   * @param {{nodeIds?: () => Iterable<string>, confirm?: (text: string) => boolean, onError?: (text: string) => void}} [options]
   *   nodeIds: the ids of the patch's nodes (to mark orphaned node scopes);
   *   confirm: asks the user (window.confirm by default); onError: shows a failure.
   */
  constructor(root, getRoot, options = {}) {
    this.el = root;
    this.getRoot = getRoot;
    this.nodeIds = options.nodeIds ?? (() => []);
    this.confirm = options.confirm ?? ((text) => window.confirm(text));
    this.onError = options.onError ?? ((text) => console.error(text));
    this.urls = /** @type {string[]} */ ([]);
    /** @type {Promise<void> | null} */
    this.running = null;
    this.again = false;
    this.frame = 0;
    this.timer = 0;
    /** pages holds the page shown of each scope, by scopeID. */
    this.pages = /** @type {Map<string, number>} */ (new Map());
    /** editing is set while a value is being edited: redraws wait for it. */
    this.editing = false;
    /**
     * pressed is set while a mouse button or finger is down on the panel: a redraw
     * replaces every element, so one between the press and the release would make
     * them land on different elements and the click act on neither (a node writing
     * sixty times a second redraws every frame). Redraws wait for the release;
     * held says one waited.
     */
    this.pressed = false;
    this.held = false;
    /** refreshed counts finished refreshes (the tests wait on it through the DOM too). */
    this.refreshed = 0;
    /** @type {(() => void) | null} */
    this.unwatch = null;
    /** @type {ScopeView[]} */
    this.views = [];
    /**
     * What the last read found, by scope id, with every value of the scope; a
     * refresh reads again only the scopes in dirty (all of them when it is null),
     * so a node writing sixty times a second costs one read of its own scope per
     * frame, not of the whole patch.
     * @type {Map<string, {keys: string[], values: unknown[], size: number}>}
     */
    this.cache = new Map();
    /** @type {Set<string> | null} */
    this.dirty = null;
    this.usage = el('div', { className: 'usage' });
    this.list = el('div', { className: 'scopes' });
    this.el.replaceChildren(this.usage, this.list);
    this.el.addEventListener('click', (e) => this.onClick(/** @type {MouseEvent} */ (e)));
    this.el.addEventListener('pointerdown', () => { this.pressed = true; });
    // The click event follows pointerup in the same task; the redraw waits for the next frame.
    const release = () => {
      if (!this.pressed) return;
      this.pressed = false;
      if (this.held) {
        this.held = false;
        this.schedule();
      }
    };
    for (const type of ['pointerup', 'pointercancel', 'blur']) window.addEventListener(type, release, true);
    this.poll = 0;
  }

  /**
   * watch follows root's changes: through kv.watch when the module has it, every
   * change schedules one redraw in the next animation frame; otherwise by polling
   * every second. Calling it again (another root) stops the previous watch.
   */
  watch() {
    this.unwatch?.();
    clearInterval(this.poll);
    const root = /** @type {any} */ (this.getRoot());
    if (typeof root.watch === 'function') {
      this.unwatch = root.watch((c) => this.schedule(0, c.scope ? scopeID(/** @type {KVScope} */ (c.scope)) : undefined));
    } else {
      this.unwatch = null;
      this.poll = /** @type {any} */ (setInterval(() => this.schedule(), 1000));
    }
  }

  /**
   * schedule asks for a redraw (of scope, a scope id, or of every scope): at the next animation frame (a burst of changes, or
   * a node writing sixty times a second, gives one read per frame at most), or after
   * delay ms.
   */
  schedule(delay = 0, scope = /** @type {string | undefined} */ (undefined)) {
    if (scope === undefined) this.dirty = null;
    else this.dirty?.add(scope);
    if (delay > 0) {
      clearTimeout(this.timer);
      this.timer = /** @type {any} */ (setTimeout(() => this.refresh(false), delay));
      return;
    }
    if (this.frame) return;
    const run = () => { this.frame = 0; this.refresh(false); };
    // A hidden tab gets no frames; a timer keeps it current there.
    this.frame = document.hidden ? /** @type {any} */ (setTimeout(run, 100)) : requestAnimationFrame(run);
  }

  /**
   * refresh reads every scope again (with all unset: only those changed since) and
   * redraws the panel; it resolves when done. A call during a refresh runs one more
   * afterwards, so the panel never shows stale data.
   * @returns {Promise<void>}
   */
  refresh(all = true) {
    if (all) this.dirty = null;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const [views, usage] = await Promise.all([this.read(), this.readUsage()]);
          if (this.editing) {
            this.again = false;
            break; // the editor redraws when it closes
          }
          if (this.pressed) {
            this.again = false;
            this.held = true;
            this.dirty = null; // what was read is not shown: read it all again on release
            break;
          }
          this.render(views, usage);
        } while (this.again);
      } catch (err) {
        this.dirty = null;
        this.list.replaceChildren(el('p', { className: 'panel-error', textContent: `cannot read storage: ${/** @type {any} */ (err)?.message ?? err}` }));
      } finally {
        this.running = null;
        this.refreshed++;
        this.el.dataset.refreshed = String(this.refreshed);
      }
    })();
    return this.running;
  }

  /** @returns {Promise<ScopeView[]>} */
  async read() {
    const root = this.getRoot();
    const nodes = new Set(this.nodeIds());
    const dirty = this.dirty;
    this.dirty = new Set();
    const scopes = await root.scopes();
    const cache = new Map();
    const views = await Promise.all(scopes.map(async (scope) => {
      const id = scopeID(scope);
      let data = dirty && !dirty.has(id) ? this.cache.get(id) : undefined;
      if (!data) {
        const store = storeOf(root, scope);
        const keys = await store.keys();
        // Every value, for the scope's size; gets issued together share a transaction.
        const values = await Promise.all(keys.map((k) => store.get(k)));
        let size = 0;
        keys.forEach((k, i) => { size += 2 * k.length + approxSize(values[i]); });
        data = { keys, values, size };
      }
      cache.set(id, data);
      const { keys, values, size } = data;
      const pages = Math.max(1, Math.ceil(keys.length / PAGE));
      const page = Math.min(this.pages.get(id) ?? 0, pages - 1);
      const from = page * PAGE;
      /** @type {Array<[string, unknown]>} */
      const entries = keys.slice(from, from + PAGE).map((k, i) => [k, values[from + i]]);
      return { scope, id, keys, size, page, entries, orphan: scope.kind === 'node' && !nodes.has(scope.name) };
    }));
    this.cache = cache;
    return views;
  }

  async readUsage() {
    const s = navigator.storage;
    if (!s?.estimate) return null;
    const [est, persisted] = await Promise.all([s.estimate(), s.persisted ? s.persisted() : Promise.resolve(false)]);
    return { usage: est.usage ?? 0, quota: est.quota ?? 0, persisted };
  }

  /**
   * @param {ScopeView[]} views
   * @param {{usage: number, quota: number, persisted: boolean} | null} usage
   */
  render(views, usage) {
    this.views = views;
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
    if (usage) {
      const pct = usage.quota ? ` (${((100 * usage.usage) / usage.quota).toFixed(usage.usage / usage.quota < 0.01 ? 2 : 0)}%)` : '';
      this.usage.replaceChildren(
        el('div', { className: 'origin', title: 'navigator.storage.estimate(): the whole origin, every patch' },
          'origin ', el('b', { className: 'used', textContent: bytes(usage.usage) }), ` of ${bytes(usage.quota)}${pct}`),
        el('div', { className: 'persist' },
          el('span', { className: 'persisted', dataset: { persisted: String(usage.persisted) },
            textContent: usage.persisted ? 'persistent storage: granted' : 'persistent storage: not granted (the browser may evict it)' }),
          ...(usage.persisted ? [] : [' ', el('button', { className: 'ask-persist', textContent: 'ask', title: 'navigator.storage.persist()', dataset: { action: 'persist' } })])),
      );
    } else {
      this.usage.replaceChildren();
    }
    const frag = document.createDocumentFragment();
    const orphans = views.filter((v) => v.orphan);
    let total = 0;
    for (const v of views) total += v.size;
    frag.append(el('div', { className: 'patch-total' }, `${views.length} scope${views.length === 1 ? '' : 's'}, ≈${bytes(total)}`,
      ...(orphans.length ? [' ', el('button', {
        className: 'remove-orphans', dataset: { action: 'remove-orphans' },
        textContent: `remove ${orphans.length} orphaned`, title: 'remove every node scope whose node is no longer in the patch',
      })] : [])));
    if (views.length === 0) frag.append(el('p', { className: 'empty', textContent: 'Nothing stored yet.' }));
    for (const v of views) frag.append(this.section(v));
    this.list.replaceChildren(frag);
  }

  /** @param {ScopeView} v */
  section(v) {
    const { scope } = v;
    const title = el('h3', {}, scope.kind === 'host' ? 'host' : `${scope.kind} `);
    if (scope.kind !== 'host') title.append(el('b', { textContent: scope.name === '' ? '""' : scope.name }));
    if (v.orphan) title.append(' ', el('span', { className: 'orphan', textContent: 'orphaned', title: 'no node with this id is in the patch' }));
    title.append(el('small', { className: 'count', textContent: ` ${v.keys.length} key${v.keys.length === 1 ? '' : 's'}, ≈${bytes(v.size)}` }));
    const tools = el('span', { className: 'tools' },
      el('button', { textContent: 'clear', title: 'delete every key of this scope', dataset: { action: 'clear' } }),
      el('button', { textContent: 'remove', title: 'remove this scope and its object store', dataset: { action: 'remove' } }));
    const sec = el('section', { className: `scope scope-${scope.kind}${v.orphan ? ' orphaned' : ''}`,
      dataset: { kind: scope.kind, name: scope.name, scope: v.id } }, el('div', { className: 'scope-head' }, title, tools));
    for (const [key, value] of v.entries) sec.append(this.entry(key, value));
    if (v.keys.length > PAGE) {
      const pages = Math.ceil(v.keys.length / PAGE);
      const from = v.page * PAGE;
      sec.append(el('div', { className: 'pager', dataset: { page: String(v.page) } },
        el('button', { textContent: '‹', title: 'previous keys', disabled: v.page === 0, dataset: { action: 'prev' } }),
        el('span', { className: 'range', textContent: ` ${from + 1}–${Math.min(from + PAGE, v.keys.length)} of ${v.keys.length} ` }),
        el('button', { textContent: '›', title: 'next keys', disabled: v.page >= pages - 1, dataset: { action: 'next' } })));
    }
    return sec;
  }

  /** @param {string} key @param {unknown} value */
  entry(key, value) {
    const k = el('span', { className: 'key', textContent: key === '' ? '""' : key, title: key });
    const v = el('span', { className: 'value' });
    const bin = binaryLabel(value);
    if (isImageBlob(value)) {
      const url = URL.createObjectURL(value);
      this.urls.push(url);
      v.append(el('img', { className: 'thumb', src: url, alt: bin }), el('small', { textContent: bin }));
      v.dataset.binary = bin;
    } else if (bin) {
      v.textContent = bin;
      v.classList.add('binary');
      v.dataset.binary = bin;
    } else {
      v.textContent = preview(value, 120);
      v.title = preview(value, 2000);
      if (jsonEditable(value)) {
        v.classList.add('editable');
        v.dataset.action = 'edit';
        v.title = 'click to edit as JSON\n' + v.title;
      }
    }
    const del = el('button', { className: 'del', textContent: '×', title: 'delete this key', dataset: { action: 'delete' } });
    return el('div', { className: 'entry', dataset: { key } }, k, v, del);
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const actor = /** @type {HTMLElement | null} */ (target.closest('[data-action]'));
    if (!actor || !this.el.contains(actor)) return;
    const sec = /** @type {HTMLElement | null} */ (actor.closest('section.scope'));
    const view = sec ? this.views.find((v) => v.id === sec.dataset.scope) : undefined;
    const row = /** @type {HTMLElement | null} */ (actor.closest('.entry'));
    const key = row?.dataset.key;
    const act = async () => {
      const root = this.getRoot();
      switch (actor.dataset.action) {
        case 'persist':
          await navigator.storage.persist();
          break;
        case 'remove-orphans': {
          const orphans = this.views.filter((v) => v.orphan);
          if (!this.confirm(`Remove ${orphans.length} orphaned node scope${orphans.length === 1 ? '' : 's'} (${orphans.map((v) => JSON.stringify(v.scope.name)).join(', ')}) and everything in them?`)) return;
          for (const v of orphans) await root.removeScope(v.scope);
          break;
        }
        case 'clear':
          if (!view || !this.confirm(`Delete all ${view.keys.length} keys of ${label(view.scope)}?`)) return;
          await storeOf(root, view.scope).clear();
          break;
        case 'remove':
          if (!view || !this.confirm(`Remove ${label(view.scope)} and its ${view.keys.length} keys?`)) return;
          await root.removeScope(view.scope);
          break;
        case 'delete':
          if (!view || key === undefined) return;
          await storeOf(root, view.scope).delete(key);
          break;
        case 'prev':
        case 'next':
          if (!view) return;
          this.pages.set(view.id, view.page + (actor.dataset.action === 'next' ? 1 : -1));
          break;
        case 'edit':
          if (view && key !== undefined) this.edit(view, key, actor);
          return;
      }
      this.dirty = null;
      await this.refresh();
    };
    act().catch((err) => this.onError(`storage: ${err?.name ?? 'Error'}: ${err?.message ?? err}`));
  }

  /**
   * edit replaces a value's preview by a JSON editor: Enter (or leaving it) stores the
   * parsed value, Escape cancels; text that is not JSON is refused in place.
   * @param {ScopeView} view @param {string} key @param {HTMLElement} cell
   */
  edit(view, key, cell) {
    if (this.editing) return;
    const entry = view.entries.find(([k]) => k === key);
    if (!entry) return;
    this.editing = true;
    const input = /** @type {HTMLTextAreaElement} */ (el('textarea', { className: 'edit', rows: 2, spellcheck: false, value: JSON.stringify(entry[1]) }));
    cell.replaceChildren(input);
    cell.dataset.action = '';
    input.focus();
    let done = false;
    const finish = async (/** @type {boolean} */ save) => {
      if (done) return;
      let value;
      if (save) {
        try {
          value = JSON.parse(input.value);
        } catch (err) {
          input.setCustomValidity(`not JSON: ${/** @type {any} */ (err).message}`);
          input.reportValidity();
          input.classList.add('invalid');
          return;
        }
      }
      done = true;
      this.editing = false;
      try {
        if (save) await storeOf(this.getRoot(), view.scope).set(key, value);
      } catch (err) {
        this.onError(`storage: cannot save ${JSON.stringify(key)}: ${/** @type {any} */ (err)?.message ?? err}`);
      }
      this.dirty = null;
      await this.refresh();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        finish(true);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        finish(false);
      }
    });
    input.addEventListener('input', () => {
      try {
        JSON.parse(input.value);
      } catch {
        return; // stays marked until it parses
      }
      input.setCustomValidity('');
      input.classList.remove('invalid');
    });
    input.addEventListener('blur', () => finish(!input.classList.contains('invalid')));
  }
}

/** @param {KVScope} s */
function label(s) {
  return s.kind === 'host' ? 'the host scope' : `${s.kind} ${JSON.stringify(s.name)}`;
}
