// js/patches.js — a patch with its data as one file, and the patches this browser
// holds: export the open patch (its layout lives in kv, so the file is layout and
// data), import a file as a new patch or into the open one (asking before it
// replaces anything), copy the patch with its data under a new id, delete it, and
// list every patch (indexedDB.databases()) with its size, to open or delete.

import { approxSize, bytes } from './storage.js';

/** @typedef {import('./kv.d.ts').KVRoot} KVRoot */

/** DB_PREFIX is how patchkv names a patch's database (scope.DatabaseName in Go). */
const DB_PREFIX = 'patchkv:';

/** FILE_EXT is the extension of export files. */
export const FILE_EXT = '.patchkv';

/**
 * openRoot returns the root kv of another patch without making it the page's
 * globalThis.kv (which loadKV would).
 * @param {string} id
 * @returns {Promise<KVRoot>}
 */
export async function openRoot(id) {
  const api = /** @type {any} */ (globalThis).patchkv;
  if (!api?.open) throw new Error('patchkv is not loaded');
  return api.open(id);
}

/**
 * listPatches resolves to the patches this origin holds, by id, with an estimate of
 * each one's size (its keys and values, read with plain IndexedDB).
 * @returns {Promise<Array<{id: string, size: number}>>}
 */
export async function listPatches() {
  const dbs = await indexedDB.databases();
  const ids = dbs.map((d) => d.name ?? '').filter((n) => n.startsWith(DB_PREFIX)).map((n) => n.slice(DB_PREFIX.length)).sort();
  return Promise.all(ids.map(async (id) => ({ id, size: await patchSize(DB_PREFIX + id).catch(() => NaN) })));
}

/**
 * patchSize estimates the bytes held by database name. It never creates a database:
 * one deleted since it was listed is 0.
 * @param {string} name
 * @returns {Promise<number>}
 */
function patchSize(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => req.transaction?.abort(); // it was deleted meanwhile
    req.onerror = (e) => { e.preventDefault(); req.error?.name === 'AbortError' ? resolve(0) : reject(req.error); };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close();
      const names = Array.from(db.objectStoreNames);
      if (names.length === 0) { db.close(); resolve(0); return; }
      let size = 0;
      const tx = db.transaction(names, 'readonly');
      for (const n of names) {
        const s = tx.objectStore(n);
        const k = s.getAllKeys();
        k.onsuccess = () => { for (const key of k.result) size += typeof key === 'string' ? 2 * key.length : 8; };
        const v = s.getAll();
        v.onsuccess = () => { for (const x of v.result) size += approxSize(x); };
      }
      tx.oncomplete = () => { db.close(); resolve(size); };
      tx.onabort = () => { db.close(); reject(tx.error); };
    };
  });
}

/**
 * download saves blob as a file called name.
 * @param {Blob} blob @param {string} name
 */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** fileName makes a file name of a patch id. */
const fileName = (/** @type {string} */ id) => (id.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_') || 'patch') + FILE_EXT;

/**
 * PatchFiles is the page's patch menu: export, import, copy, delete, and the list
 * of patches.
 */
export class PatchFiles {
  /**
   * @param {HTMLElement} root
   * @param {{
   *   current: () => KVRoot,
   *   go: (id: string) => void,
   *   confirm?: (text: string) => boolean,
   *   prompt?: (text: string, value: string) => string | null,
   *   onError?: (text: string) => void,
   *   onImported?: () => void,
   * }} options
   *   current: the open patch's root; go: opens patch id (navigates);
   *   onImported: the open patch's data was replaced or merged (reload its layout).
   */
  constructor(root, options) {
    this.el = root;
    this.o = options;
    this.confirm = options.confirm ?? ((t) => window.confirm(t));
    this.prompt = options.prompt ?? ((t, v) => window.prompt(t, v));
    this.onError = options.onError ?? ((t) => console.error(t));
    this.file = /** @type {HTMLInputElement} */ (Object.assign(document.createElement('input'), {
      type: 'file', accept: FILE_EXT + ',application/x-patchkv', hidden: true, className: 'import-file',
    }));
    /** @type {'new' | 'here'} */
    this.importTarget = 'new';
    this.file.addEventListener('change', () => {
      const f = this.file.files?.[0];
      this.file.value = '';
      if (f) this.run(() => this.importFile(f, this.importTarget));
    });
    const button = (/** @type {string} */ action, /** @type {string} */ text, /** @type {string} */ title) =>
      Object.assign(document.createElement('button'), { textContent: text, title, className: action, onclick: () => this.action(action) });
    this.list = document.createElement('ul');
    this.list.className = 'patch-list';
    this.status = Object.assign(document.createElement('p'), { className: 'patch-status' });
    const bar = document.createElement('div');
    bar.className = 'patch-actions';
    bar.append(
      button('export', 'export', 'download this patch (layout and data) as one file'),
      button('import-here', 'import here…', 'load a file into this patch (asks before replacing anything)'),
      button('import-new', 'import as new…', 'load a file as a new patch'),
      button('copy', 'copy…', 'copy this patch with its data under a new id'),
      button('delete', 'delete', 'delete this patch and all its data'),
      button('list', 'patches', 'list the patches this browser holds'),
      this.file,
    );
    this.el.replaceChildren(bar, this.status, this.list);
    this.list.addEventListener('click', (e) => {
      const b = /** @type {HTMLElement} */ (e.target).closest('button[data-id]');
      if (b instanceof HTMLElement && b.dataset.id !== undefined) {
        const id = b.dataset.id;
        if (b.classList.contains('delete-patch')) this.run(() => this.deletePatch(id));
      }
    });
  }

  /** run does an action, reporting its failure. @param {() => Promise<unknown>} fn */
  run(fn) {
    const p = fn().catch((err) => this.onError(`${err?.name ?? 'Error'}: ${err?.message ?? err}`));
    this.last = p;
    return p;
  }

  /** @param {string} action */
  action(action) {
    switch (action) {
      case 'export': return this.run(() => this.exportPatch());
      case 'import-here':
      case 'import-new':
        this.importTarget = action === 'import-here' ? 'here' : 'new';
        this.file.click();
        return;
      case 'copy': return this.run(() => this.copy());
      case 'delete': return this.run(() => this.deletePatch(this.o.current().patch));
      case 'list': return this.run(() => this.showList());
    }
  }

  say(/** @type {string} */ text) {
    this.status.textContent = text;
  }

  async exportPatch() {
    const root = this.o.current();
    const blob = await root.export();
    download(blob, fileName(root.patch));
    this.say(`exported "${root.patch}": ${bytes(blob.size)}`);
    return blob;
  }

  /**
   * importFile loads f into the open patch (here) or a new one (asking its id).
   * @param {Blob} f @param {'here' | 'new'} where
   */
  async importFile(f, where) {
    const archive = await import('./archive.js');
    const info = await archive.info(f); // a bad file stops here, before any question
    const what = `${info.scopes} scope${info.scopes === 1 ? '' : 's'}, ${info.keys} key${info.keys === 1 ? '' : 's'}`;
    if (where === 'here') {
      const root = this.o.current();
      const replace = this.confirm(`Replace all data of "${root.patch}" with the file's (${what}, from "${info.patch}")?\n\n` +
        'OK replaces; Cancel asks whether to merge instead.');
      if (!replace && !this.confirm(`Merge the file (${what}) into "${root.patch}"? Keys in both get the file's values.`)) return;
      const r = await root.import(f, { mode: replace ? 'replace' : 'merge' });
      this.say(`imported ${r.keys} keys in ${r.scopes} scopes into "${root.patch}"`);
      this.o.onImported?.();
      return;
    }
    const id = await this.askNewID(`Import the file (${what}) as a new patch called:`, info.patch || 'imported');
    if (id === null) return;
    const root = await openRoot(id);
    await root.import(f, { mode: 'replace' });
    this.o.go(id);
  }

  /** copy copies the open patch with its data under a new id, then opens it. */
  async copy() {
    const src = this.o.current();
    const id = await this.askNewID(`Copy "${src.patch}" with its data to a new patch called:`, src.patch + '-copy');
    if (id === null) return;
    const dst = await openRoot(id);
    await dst.import(await src.export(), { mode: 'replace' });
    this.o.go(id);
  }

  /**
   * askNewID asks for a patch id; an id in use is confirmed before it is replaced.
   * It resolves to null when the user cancels.
   * @param {string} question @param {string} suggestion
   */
  async askNewID(question, suggestion) {
    const taken = new Set((await indexedDB.databases()).map((d) => d.name));
    let s = suggestion;
    for (let n = 2; taken.has(DB_PREFIX + s); n++) s = `${suggestion}-${n}`;
    for (;;) {
      const id = this.prompt(question, s);
      if (id === null) return null;
      if (id === '' || !id.isWellFormed()) continue;
      if (id === this.o.current().patch) {
        this.onError('that is the open patch: use "import here" to load a file into it');
        return null;
      }
      if (taken.has(DB_PREFIX + id) && !this.confirm(`Patch "${id}" exists. Replace all its data?`)) continue;
      return id;
    }
  }

  /** @param {string} id */
  async deletePatch(id) {
    const current = this.o.current();
    if (!this.confirm(`Delete patch "${id}" and all its data? This cannot be undone.`)) return;
    const root = id === current.patch ? current : await openRoot(id);
    await root.destroy();
    this.say(`deleted "${id}"`);
    if (id === current.patch) {
      this.o.go(id); // reopens as a new, empty patch
      return;
    }
    await this.showList();
  }

  async showList() {
    const current = this.o.current().patch;
    const patches = await listPatches();
    this.list.replaceChildren(...patches.map(({ id, size }) => {
      const li = document.createElement('li');
      li.dataset.id = id;
      const url = new URL(location.href);
      url.searchParams.set('patch', id);
      const a = Object.assign(document.createElement('a'), { href: url.href, textContent: id === '' ? '""' : id, className: 'open-patch' });
      const del = Object.assign(document.createElement('button'), { textContent: '×', title: `delete "${id}" and its data`, className: 'delete-patch' });
      del.dataset.id = id;
      li.append(a, ` ≈${bytes(size)}`, ...(id === current ? [' (open)'] : []), ' ', del);
      if (id === current) li.classList.add('current');
      return li;
    }));
    this.say(`${patches.length} patch${patches.length === 1 ? '' : 'es'} in this browser`);
  }
}
