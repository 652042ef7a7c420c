// Types of wasm/testdata/helpers.js, which run (wasm/helpers_test.go) prepends to
// every test script: the other fixtures use `same` from it.
export {};

declare global {
  /** Compares two values by type and content; rejects with the first difference. */
  function same(a: any, b: any, path?: string): Promise<void>;
}
