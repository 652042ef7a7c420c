// js/app.js — wires the page together: kv, the patch runtime, the editor, the storage
// panel, and the saved layout. index.html calls boot().

import { loadKV } from './kv.js';
import { Patch } from './patch.js';
import { Editor } from './editor.js';
import { StoragePanel } from './storage.js';
import { PatchFiles } from './patches.js';
import { demoPatch } from './demo.js';

/**
 * LAYOUT_KEY is where the page keeps the patch document (nodes, code, positions, wires).
 *
 * It lives in the kv host scope of the patch itself rather than in localStorage: the
 * document and the data its nodes keep are then one IndexedDB database, cleared,
 * exported or deleted together, a patch id never shows another patch's layout, and the
 * page relies on the same committed-before-resolve writes that it asks its nodes to
 * trust. The host scope is isolated from every node scope and named store, so no node
 * can overwrite it by accident.
 */
export const LAYOUT_KEY = 'patch:layout';

/** DEFAULT_PATCH is the patch id the page opens without ?patch=. */
export const DEFAULT_PATCH = 'demo';

/**
 * template returns the document a patch starts from before the user has saved any: the
 * demo for the demo id, an empty canvas otherwise.
 * @param {string} id
 */
export function template(id) {
  return id === DEFAULT_PATCH ? demoPatch(id) : { id, nodes: [], edges: [] };
}

/**
 * boot starts the page. It sets window.patch as soon as the runtime exists and
 * window.patchReady to a Promise that resolves once the saved (or template) patch has
 * loaded; window.patchSaved() resolves once the latest layout change is committed.
 * @param {{wasmURL?: string}} [options]
 */
export function boot(options = {}) {
  const params = new URLSearchParams(location.search);
  const id = params.get('patch') ?? DEFAULT_PATCH;
  const $ = (sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
  $('#patch-id').textContent = id;
  document.title = `${id} · patchkv`;

  const ready = (async () => {
    let root;
    try {
      root = await loadKV({ patch: id, ...(options.wasmURL ? { wasmURL: options.wasmURL } : {}) });
    } catch (err) {
      fatal(`kv did not load: ${err?.message ?? err}. Run ./build.sh serve (it builds kv.wasm).`);
      throw err;
    }
    /** @type {Editor} */
    let editor;
    const patch = new Patch({ root, p5Parent: (nodeId) => editor.p5Parent(nodeId) });
    editor = new Editor(patch, $('#canvas'));
    const panel = new StoragePanel($('#storage-list'), () => patch.root, {
      nodeIds: () => patch.nodes.keys(),
      onError: banner,
    });
    const open = (/** @type {string} */ pid) => {
      const url = new URL(location.href);
      url.searchParams.set('patch', pid);
      location.assign(url); // also when it is this patch: it reloads
    };
    window.patchFiles = new PatchFiles($('#patch-files'), {
      current: () => patch.root, go: open, onError: banner, onImported: () => location.reload(),
    });
    window.patch = patch;

    // Save the document after every change, coalescing the bursts of one task.
    let lastSave = Promise.resolve();
    let queued = false;
    let loading = true;
    const save = () => {
      if (loading || queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        const doc = patch.toJSON();
        lastSave = patch.root.set(LAYOUT_KEY, doc).then(
          () => panel.schedule(),
          (err) => banner(`could not save the patch: ${err?.message ?? err}`),
        );
      });
    };
    window.patchSaved = () => lastSave;
    patch.addEventListener('change', save);
    patch.addEventListener('write', () => panel.schedule());
    patch.addEventListener('load', () => {
      $('#patch-id').textContent = patch.id;
      document.title = `${patch.id} · patchkv`;
      const url = new URL(location.href);
      if (url.searchParams.get('patch') !== patch.id && !(patch.id === DEFAULT_PATCH && !url.searchParams.has('patch'))) {
        url.searchParams.set('patch', patch.id);
        history.replaceState(null, '', url);
      }
      panel.schedule(0);
    });

    for (const b of document.querySelectorAll('[data-add]')) {
      b.addEventListener('click', () => {
        editor.add(/** @type {any} */ (b.getAttribute('data-add'))).catch((err) => banner(String(err?.message ?? err)));
      });
    }
    $('#refresh').addEventListener('click', () => panel.refresh());
    $('#reset').addEventListener('click', async () => {
      if (!confirm(`Reset the layout of "${patch.id}"? Stored node data stays.`)) return;
      await patch.load(template(patch.id));
    });

    let saved;
    try {
      saved = await root.get(LAYOUT_KEY);
    } catch (err) {
      banner(`could not read the saved patch: ${err?.message ?? err}`);
    }
    const doc = saved && typeof saved === 'object' && Array.isArray(saved.nodes) ? { ...saved, id } : template(id);
    loading = true;
    const loaded = patch.load(doc);
    loading = false;
    save(); // the first save turns the template into the user's own patch
    await loaded;
    panel.watch();
    await panel.refresh();
    $('#loading').hidden = true;
    document.body.dataset.ready = 'true';
  })();
  window.patchReady = ready;
  ready.catch(() => {});
  return ready;
}

function fatal(text) {
  banner(text);
  const loading = document.querySelector('#loading');
  if (loading) loading.hidden = true;
  document.body.dataset.ready = 'error';
}

function banner(text) {
  const el = document.querySelector('#banner');
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
}

window.addEventListener('unhandledrejection', (e) => {
  banner(`unhandled: ${e.reason?.message ?? e.reason}`);
});
