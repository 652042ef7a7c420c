// js/storage.js — the storage panel: every scope of the open patch, its keys, and a
// preview of each value (binary by type and size, images as thumbnails).

import { preview, binaryLabel, isImageBlob } from './preview.js';

/** MAX_KEYS caps how many keys of one scope the panel reads and shows. */
const MAX_KEYS = 100;

/**
 * StoragePanel lists what the patch's kv holds, read through the kv API itself
 * (kv.scopes(), then keys() and get() on each scope).
 */
export class StoragePanel {
  /**
   * @param {HTMLElement} el                    the panel's list element
   * @param {() => import('./kv.d.ts').KVRoot} getRoot   the root of the open patch
   */
  constructor(el, getRoot) {
    this.el = el;
    this.getRoot = getRoot;
    this.urls = /** @type {string[]} */ ([]);
    this.running = null;
    this.again = false;
    this.timer = 0;
    /** refreshed counts finished refreshes (the tests wait on it through the DOM too). */
    this.refreshed = 0;
  }

  /** schedule refreshes soon, coalescing bursts of writes into one read. */
  schedule(delay = 80) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), delay);
  }

  /**
   * refresh reads every scope again and redraws the panel; it resolves when done. A call
   * during a refresh runs one more afterwards, so the panel never shows stale data.
   * @returns {Promise<void>}
   */
  refresh() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.render(await this.read());
        } while (this.again);
      } catch (err) {
        this.el.replaceChildren(Object.assign(document.createElement('p'), {
          className: 'panel-error', textContent: `cannot read storage: ${err?.message ?? err}`,
        }));
      } finally {
        this.running = null;
        this.refreshed++;
        this.el.dataset.refreshed = String(this.refreshed);
      }
    })();
    return this.running;
  }

  async read() {
    const root = this.getRoot();
    const scopes = await root.scopes();
    return Promise.all(scopes.map(async (scope) => {
      const store = scope.kind === 'host' ? root : scope.kind === 'node' ? root.node(scope.name) : root.store(scope.name);
      const keys = await store.keys();
      const shown = keys.slice(0, MAX_KEYS);
      const values = await Promise.all(shown.map((k) => store.get(k)));
      return { scope, total: keys.length, entries: shown.map((k, i) => [k, values[i]]) };
    }));
  }

  render(list) {
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
    const frag = document.createDocumentFragment();
    if (list.length === 0) {
      frag.append(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'Nothing stored yet.' }));
    }
    for (const { scope, total, entries } of list) {
      const sec = document.createElement('section');
      sec.className = `scope scope-${scope.kind}`;
      sec.dataset.kind = scope.kind;
      sec.dataset.name = scope.name;
      const title = document.createElement('h3');
      const label = scope.kind === 'host' ? 'host' : `${scope.kind} `;
      title.append(label);
      if (scope.kind !== 'host') {
        const b = document.createElement('b');
        b.textContent = scope.name === '' ? '""' : scope.name;
        title.append(b);
      }
      const count = document.createElement('small');
      count.textContent = ` ${total} key${total === 1 ? '' : 's'}`;
      title.append(count);
      sec.append(title);
      for (const [key, value] of entries) sec.append(this.entry(key, value));
      if (total > entries.length) {
        sec.append(Object.assign(document.createElement('p'), { className: 'more', textContent: `… ${total - entries.length} more` }));
      }
      frag.append(sec);
    }
    this.el.replaceChildren(frag);
  }

  entry(key, value) {
    const row = document.createElement('div');
    row.className = 'entry';
    row.dataset.key = key;
    const k = document.createElement('span');
    k.className = 'key';
    k.textContent = key === '' ? '""' : key;
    k.title = key;
    const v = document.createElement('span');
    v.className = 'value';
    const bin = binaryLabel(value);
    if (isImageBlob(value)) {
      const url = URL.createObjectURL(value);
      this.urls.push(url);
      const img = document.createElement('img');
      img.className = 'thumb';
      img.src = url;
      img.alt = bin;
      v.append(img, Object.assign(document.createElement('small'), { textContent: bin }));
      v.dataset.binary = bin;
    } else if (bin) {
      v.textContent = bin;
      v.classList.add('binary');
      v.dataset.binary = bin;
    } else {
      v.textContent = preview(value, 120);
      v.title = preview(value, 2000);
    }
    row.append(k, v);
    return row;
  }
}
