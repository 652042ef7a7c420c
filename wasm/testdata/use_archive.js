// Gives globalThis.patchkv the archive module, as js/kv.js does, from the source
// of js/archive.js (wasmbrowsertest serves no other files): useArchive in
// wasm/archive_test.go evaluates this expression and calls it with that source.

(
  /** @param {string} src js/archive.js */
  (src) => {
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    /** @type {Promise<any>} */
    let mod;
    /** @type {any} */ (globalThis).patchkv.archive = () => (mod ??= import(url));
  }
)
