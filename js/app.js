// js/app.js — wires the page together: kv, the patch runtime, the editor, the storage
// panel, and the saved layout. index.html calls boot().

import { loadKV } from './kv.js';
import { Patch } from './runtime.js';
import { KINDS } from './nodes/index.js';
import { Editor } from './editor.js';
import { StoragePanel } from './storage.js';
import { PatchFiles } from './patches.js';
import { startEarly, pagePatch, pageSafe, patchDocument, template, DEFAULT_PATCH, LAYOUT_KEY, DRAFTS_KEY } from './early.js';
import { laterRoot } from './lateroot.js';

/** @typedef {import('./kv.js').KVRoot} KVRoot */

// LAYOUT_KEY (where the page keeps the patch document, in the patch's own host scope)
// and DEFAULT_PATCH live in js/early.js, which reads the layout before this module loads.
export { LAYOUT_KEY, DEFAULT_PATCH };

// template (the document a patch starts from) lives in js/early.js too.
export { template };

/**
 * boot starts the page. It sets window.patch as soon as the runtime exists and
 * window.patchReady to a Promise that resolves once the saved (or template) patch has
 * loaded; window.patchSaved() resolves once the latest layout change is committed.
 * @param {{wasmURL?: string}} [options]
 */
export function boot(options = {}) {
  const id = pagePatch();
  const safe = pageSafe();
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

  // index.html started kv and the read of the saved layout already (js/early.js), unless
  // the page was given another kv.wasm.
  const early = options.wasmURL ? undefined : startEarly(id);
  const ready = (async () => {
    const kvLoad = early ? early.kv : loadKV({ patch: id, wasmURL: options.wasmURL });
    kvLoad.catch(() => {}); // reported below
    /** @type {KVRoot | undefined} kv's root, once it is there */
    let root;
    kvLoad.then((r) => (root = r), () => {});
    const loadFailed = (/** @type {any} */ err) => {
      fatal(`kv did not load: ${err?.message ?? err}. Run ./build.sh serve (it builds kv.wasm).`);
      return err;
    };
    // The saved layout and drafts, read with plain IndexedDB while kv.wasm compiles, so
    // that the nodes are built meanwhile and only their kv calls wait for kv; read
    // through kv when kv is there first or the plain read failed.
    let saved = early ? await Promise.race([early.saved, kvLoad.then(() => undefined, () => undefined)]) : undefined;
    if (!saved) {
      try {
        root = await kvLoad;
      } catch (err) {
        throw loadFailed(err);
      }
      saved = await readSaved(root);
    }
    /** @type {Editor} */
    let editor;
    const patch = new Patch({ root: root ?? laterRoot(id, kvLoad), safe, p5Parent: (nodeId) => editor.p5Parent(nodeId) });
    if (!root) {
      // Once kv is there, whatever asks the patch for its root gets kv's own (nodes built
      // before keep the stand-in, whose calls go straight to it from then on).
      const stand = patch.root;
      kvLoad.then((r) => {
        if (patch.root === stand) patch.root = r;
      }, () => {});
    }
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

    /** firstLoad: the page's first patch.load is still running (the panel waits for it). */
    let firstLoad = true;
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
          () => {
            if (!firstLoad) panel.schedule(0, 'host');
          },
          // (After kv failed to load, the banner says that instead.)
          (err) => {
            if (document.body.dataset.ready !== 'error') banner(`could not save the patch: ${err?.message ?? err}`);
          },
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
      // The first load's panel is drawn once the patch has loaded (below): reading
      // every scope meanwhile would compete with the nodes' own first kv calls.
      if (!firstLoad) panel.schedule(0);
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
    const drafts = saved.get(DRAFTS_KEY);
    if (drafts && typeof drafts === 'object') {
      for (const [k, v] of Object.entries(drafts)) if (typeof v === 'string') editor.drafts.set(k, v);
    }
    const doc = patchDocument(id, saved);
    loading = true;
    const loaded = patch.load(doc);
    loading = false;
    save(); // the first save turns the template into the user's own patch
    try {
      await kvLoad;
    } catch (err) {
      throw loadFailed(err);
    }
    await loaded;
    firstLoad = false;
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

/**
 * readSaved reads the layout and the drafts through kv, as a Map like js/early.js's
 * (a key that is not stored is absent). A failed read of the layout shows a banner,
 * and the patch's template opens; a failed read of the drafts only warns.
 * @param {KVRoot} root
 * @returns {Promise<Map<string, unknown>>}
 */
async function readSaved(root) {
  const [drafts, layout] = await Promise.allSettled([root.get(DRAFTS_KEY), root.get(LAYOUT_KEY)]);
  /** @type {Map<string, unknown>} */
  const saved = new Map();
  if (drafts.status === 'rejected') console.warn('could not read the drafts:', drafts.reason);
  else if (drafts.value !== undefined) saved.set(DRAFTS_KEY, drafts.value);
  if (layout.status === 'rejected') banner(`could not read the saved patch: ${layout.reason?.message ?? layout.reason}`);
  else if (layout.value !== undefined) saved.set(LAYOUT_KEY, layout.value);
  return saved;
}

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
