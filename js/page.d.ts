// Globals the patch page (js/app.js) sets on window, for its own UI, for scripts and
// for the end-to-end tests.

interface Window {
  /** The patch on screen: load, addNode, removeNode, connect, send, outputs, toJSON. */
  patch: import('./runtime.js').Patch;
  /** Resolves once the page has loaded its patch (rejects when it could not). */
  patchReady: Promise<void>;
  /** Resolves once the latest layout change is committed to kv. */
  patchSaved(): Promise<unknown>;
  /** Resolves once the drafts (typed-but-unrun code) the editor holds are committed to kv. */
  patchDraftsSaved(): Promise<unknown>;
  /** The patch menu: export, import, copy and delete patches with their data. */
  patchFiles: import('./patches.js').PatchFiles;
}
