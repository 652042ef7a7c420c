// js/app.js — wires the page together: kv, the patch runtime, the editor, the storage
// panel, and the saved layout. index.html calls boot().

import { loadKV } from './kv.js';
import { Patch } from './runtime.js';
import { KINDS } from './nodes/index.js';
import { Editor, DRAFTS_KEY } from './editor.js';
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
  const safe = params.has('safe') && SAFE_VALUES.has(params.get('safe') ?? '');
  const $ = (sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
  $('#patch-id').textContent = id;
  document.title = `${id} · patchkv`;
  const safeURL = new URL(location.href);
  safeURL.searchParams.set('safe', '1');
  if (safe) {
    banner('Safe mode: no node code runs. ▶ on a node runs it; ', link('open normally', normalURL()));
  } else if (loadDidNotFinish(id)) {
    banner(`The last time this page opened patch "${id}", loading did not finish. If it hangs again, `,
      link('open it in safe mode (?safe=1)', safeURL.href), ', where no node code runs, and fix the node.');
  }
  // A hint for a load that takes long (a page frozen by node code shows it on the next load,
  // through the marker above).
  const slow = setTimeout(() => {
    $('#loading').replaceChildren('· loading takes long: ', link('open in safe mode', safeURL.href));
  }, SLOW_LOAD_MS);
  markLoading(id, true);

  // One toolbar button per node kind, in the order of js/nodes/index.js.
  const adders = $('#add-buttons');
  for (const [type, Kind] of Object.entries(KINDS)) {
    const b = document.createElement('button');
    b.dataset.add = type;
    b.textContent = type;
    b.title = Kind.description;
    adders.append(b);
  }

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
    const patch = new Patch({ root, safe, p5Parent: (nodeId) => editor.p5Parent(nodeId) });
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
    new PatchFiles($('#patch-files'), {
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
          () => panel.schedule(0, 'host'),
          (err) => banner(`could not save the patch: ${err?.message ?? err}`),
        );
      });
    };
    window.patchSaved = () => lastSave;
    patch.addEventListener('change', save);
    // The panel follows kv's own change events (panel.watch below), node writes included.
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

    window.patchDraftsSaved = () => editor.draftsSaved;
    try {
      const drafts = await root.get(DRAFTS_KEY);
      if (drafts && typeof drafts === 'object') {
        for (const [k, v] of Object.entries(drafts)) if (typeof v === 'string') editor.drafts.set(k, v);
      }
    } catch (err) {
      console.warn('could not read the drafts:', err);
    }
    /** @type {any} */
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
    clearTimeout(slow);
    markLoading(id, false);
    panel.watch();
    await panel.refresh();
    $('#loading').hidden = true;
    document.body.dataset.ready = 'true';
  })();
  window.patchReady = ready;
  ready.catch(() => {});
  return ready;
}

/** SAFE_VALUES are the values of ?safe= that open a patch without running node code. */
const SAFE_VALUES = new Set(['1', 'true', 'yes', '']);

/** SLOW_LOAD_MS is when the page offers safe mode while a patch is still loading. */
const SLOW_LOAD_MS = 4000;

/**
 * markLoading records in localStorage (it must survive a tab that froze and was
 * closed) that the page started (on) or finished (off) loading patch
 * id, so that the next load can tell that the last one never finished.
 * @param {string} id @param {boolean} on
 */
function markLoading(id, on) {
  try {
    if (on) localStorage.setItem(LOADING_PREFIX + id, String(Date.now()));
    else localStorage.removeItem(LOADING_PREFIX + id);
  } catch {}
}

/** @param {string} id */
function loadDidNotFinish(id) {
  try {
    return localStorage.getItem(LOADING_PREFIX + id) !== null;
  } catch {
    return false;
  }
}

const LOADING_PREFIX = 'patchkv:loading:';

function normalURL() {
  const u = new URL(location.href);
  u.searchParams.delete('safe');
  return u.href;
}

/** @param {string} text @param {string} href */
function link(text, href) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

function fatal(text) {
  banner(text);
  const loading = /** @type {HTMLElement | null} */ (document.querySelector('#loading'));
  if (loading) loading.hidden = true;
  document.body.dataset.ready = 'error';
}

/** @param {...(string|Node)} parts */
function banner(...parts) {
  const el = /** @type {HTMLElement | null} */ (document.querySelector('#banner'));
  if (!el) return;
  el.replaceChildren(...parts);
  el.hidden = false;
}

window.addEventListener('unhandledrejection', (e) => {
  // A rejection that node code left unhandled is shown on its node by the runtime,
  // which marks the event handled first (it listens in the capture phase).
  if (e.defaultPrevented) return;
  banner(`unhandled: ${e.reason?.message ?? e.reason}`);
});
