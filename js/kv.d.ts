// Type declarations for patchkv's JavaScript API (js/kv.js and the global `kv`).

/** Any value the structured clone algorithm accepts. */
export type StorableValue = unknown;

/**
 * A scope of one patch's storage: a node's private store, a named store, or the
 * page's host scope. Every method returns a Promise and never throws.
 */
export interface KVStore {
  /** The value stored under `key`, a fresh copy each call; `undefined` when absent. */
  get(key: string): Promise<StorableValue>;
  /** Stores a structured clone of `value` (taken now) under `key`; resolves once committed. */
  set(key: string, value: StorableValue): Promise<void>;
  /** Whether `key` is stored (also when its value is `undefined`). */
  has(key: string): Promise<boolean>;
  /** Removes `key`; resolves once committed, whether or not it existed. */
  delete(key: string): Promise<void>;
  /** A new array of this scope's keys, in IndexedDB key order. */
  keys(): Promise<string[]>;
  /** Removes every key of this scope (and only this scope); resolves once committed. */
  clear(): Promise<void>;
  /** The named store `name` of the same patch, shared by everyone who opens that name. */
  store(name: string): KVStore;
}

/** One scope of a patch as listed by `KVRoot.scopes()`. */
export interface KVScope {
  kind: "host" | "node" | "store";
  /** The node id or the store name; `""` for the host scope. */
  name: string;
}

/** The root `kv` of a patch (also `globalThis.kv`); its own methods use the host scope. */
export interface KVRoot extends KVStore {
  /** The patch id. */
  readonly patch: string;
  /** The node-scoped store that the sandbox of node `nodeId` receives as `kv`. */
  node(nodeId: string): KVStore;
  /** Every scope of this patch that holds (or held) data, in IndexedDB order. */
  scopes(): Promise<KVScope[]>;
  /**
   * The export file of the whole patch: every scope, key and value, in patchkv's
   * versioned format (README "Export file"). Blob values go in by reference.
   */
  export(): Promise<Blob>;
  /**
   * Loads an export file into this patch, atomically: `merge` (default) writes its
   * keys over the patch's, `replace` makes the patch's data exactly the file's.
   * Rejects with `DataError` for a file that is not an intact export this version
   * reads, `TypeError` for a non-Blob, `QuotaExceededError` when the disk fills;
   * then no key has changed.
   */
  import(file: Blob, options?: { mode?: "merge" | "replace" }): Promise<{ scopes: number; keys: number }>;
  /** Deletes a scope's object store and its keys; resolves to whether it existed. */
  removeScope(scope: { kind: "host" | "node" | "store"; name?: string }): Promise<boolean>;
  /** Deletes the patch's whole database; the next write creates it again. */
  destroy(): Promise<void>;
}

export interface LoadOptions {
  /** The patch id; one IndexedDB database per patch. Default `"default"`. */
  patch?: string;
  /** Where kv.wasm lives. Default: `kv.wasm` next to index.html. */
  wasmURL?: string | URL;
  /**
   * How long (ms) to wait for IndexedDB to answer opening the patch's database
   * before rejecting with a TimeoutError. Default 10,000.
   */
  openTimeout?: number;
}

/**
 * Loads the WebAssembly module once per realm and resolves to the root `kv` of
 * `options.patch` (the same object for the same patch), also set as `globalThis.kv`.
 * Rejects with an Error when WebAssembly or IndexedDB is unavailable or the wasm
 * cannot be fetched.
 */
export function loadKV(options?: LoadOptions): Promise<KVRoot>;

declare global {
  // eslint-disable-next-line no-var
  var kv: KVRoot | undefined;
}
