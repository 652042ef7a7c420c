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
  /**
   * Removes `key`; resolves once committed, to `true` when the key existed just
   * before this delete took effect and `false` when it did not (decided in the
   * same transaction: of two contexts deleting one key at once, exactly one gets `true`).
   */
  delete(key: string): Promise<boolean>;
  /** A new array of this scope's keys, in IndexedDB key order. */
  keys(): Promise<string[]>;
  /** Removes every key of this scope (and only this scope); resolves once committed. */
  clear(): Promise<void>;
  /**
   * Reads `key` and stores `fn(value)` in one IndexedDB transaction: no other
   * write to this store, from any context, comes between the read and the write.
   * `fn` is called synchronously with a fresh copy of the value (`undefined` when
   * missing) and must return the new value synchronously; what it returns is
   * stored (`undefined` included) and the Promise resolves to it once committed.
   * Rejects with a `TypeError` when `fn` is not a function or returns a thenable,
   * with what `fn` threw, or with a `DataCloneError`; then nothing is written.
   * `fn` may be called again when the transaction is retried; its result is
   * stored once.
   */
  update<T = StorableValue>(key: string, fn: (value: StorableValue) => T): Promise<T>;
  /**
   * Calls `listener` after each change of this store commits, whoever made it
   * (this context, another page, frame or worker of the origin on the same
   * patch), never synchronously inside the call that made it. Returns the
   * function that stops it; calling that twice is harmless. Throws a
   * `TypeError` when `listener` is not a function.
   */
  subscribe(listener: (change: KVChange) => void): () => void;
  /** The named store `name` of the same patch, shared by everyone who opens that name. */
  store(name: string): KVStore;
}

/**
 * A committed change, as `subscribe` and `watch` listeners get it. Events carry
 * no values: read what you need with `get`.
 */
export interface KVChange {
  /**
   * The scope that changed. `null` only for `watch` listeners, when the whole
   * patch was reset (a destroyed database); a store's listener then gets its own scope.
   */
  scope: KVScope | null;
  /**
   * `'set'` (by set or update), `'delete'` (a delete that removed a key),
   * `'clear'`, or `'reset'` (the scope changed in bulk: an import, a removed
   * scope, a destroyed patch; reread what you need).
   */
  op: "set" | "delete" | "clear" | "reset";
  /** The key, for `'set'` and `'delete'`. */
  key?: string;
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
  /**
   * `subscribe` for every scope of the patch: calls `listener` after each
   * committed change of any scope, from any context. Returns the function that
   * stops it. Throws a `TypeError` when `listener` is not a function.
   */
  watch(listener: (change: KVChange) => void): () => void;
}

export interface LoadOptions {
  /** The patch id; one IndexedDB database per patch. Default `"default"`. */
  patch?: string;
  /** Where kv.wasm lives. Default: `kv.wasm` next to index.html. */
  wasmURL?: string | URL;
  /**
   * How long (ms) to wait for IndexedDB to answer opening the patch's database
   * before rejecting with a TimeoutError. Default 10,000. More than 2^31 - 1
   * (`Infinity` included) means no limit; zero, negative, NaN or a non-number is a
   * TypeError.
   */
  openTimeout?: number;
  /**
   * kv.wasm compiled already (for example by the page, handed to a Worker with
   * postMessage), so that this realm starts it without fetching or compiling it again.
   */
  module?: WebAssembly.Module;
}

/**
 * Loads the WebAssembly module once per realm and resolves to the root `kv` of
 * `options.patch` (the same object for the same patch), also set as `globalThis.kv`.
 * Rejects with an Error when WebAssembly or IndexedDB is unavailable or the wasm
 * cannot be fetched.
 */
export function loadKV(options?: LoadOptions): Promise<KVRoot>;

/**
 * The compiled kv.wasm of this realm once `loadKV` has started it (undefined before), to
 * post to a Worker whose `loadKV({module})` then skips fetching and compiling.
 */
export function wasmModule(): Promise<WebAssembly.Module> | undefined;

declare global {
  // eslint-disable-next-line no-var
  var kv: KVRoot | undefined;
}
