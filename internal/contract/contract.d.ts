// Types of the contract suite: the global `contract` the cases call, and the `t`
// each case receives. harness.js implements them.

import type { KVRoot } from '../../js/kv.d.ts';

/** An entry: one way a caller reaches kv (the js.Func entry, the loader, a Worker). */
export interface Entry {
  /** Short name, used in patch ids and by cases that skip an entry. */
  name: string;
  /** The root kv of patch through this entry (rejects like the entry does). */
  root(patch: unknown): Promise<KVRoot>;
  /** Deletes what the case stored under patch (default: delete its database). */
  cleanup?(patch: string): Promise<unknown>;
}

/** A registered case. */
export interface Case {
  name: string;
  file: string;
  fn: (t: ContractT) => Promise<void> | void;
  timeout: number;
}

/** How one run of a case went; contract.go's Report mirrors it. */
export interface Report {
  name: string;
  file: string;
  status: 'pass' | 'fail' | 'skip';
  /** Why it failed or was skipped. */
  message: string;
  /** The case's line that failed, "cases/x.js:12:5", when the stack shows it. */
  where: string;
  stack: string;
  logs: string[];
  ms: number;
}

/** Plain IndexedDB, to look at what kv did from outside (database "patchkv:" + patch). */
export interface RawIDB {
  open(patch: string): Promise<IDBDatabase>;
  /** The object store names of patch's database (the case's own patch by default). */
  storeNames(patch?: string): Promise<string[]>;
  /** The version of patch's database. */
  version(patch?: string): Promise<number>;
  /** The value under key in object store `store` of patch's database. */
  get(patch: string, store: string, key: IDBValidKey): Promise<unknown>;
  deleteDatabase(patch: string): Promise<unknown>;
}

/** What a case receives. */
export interface ContractT {
  /** The entry under test: "jsfunc", "loader", "worker", … */
  entry: string;
  /** A patch id unique to this run of this case. */
  patch: string;
  /** Another unique patch id (deleted after the case too). */
  newPatch(): string;
  /**
   * The root kv of patch (default t.patch) through the entry under test. Typed
   * loosely: cases call kv with wrong arguments on purpose and read back values of
   * every type; the API's declared types (js/kv.d.ts) are checked where the
   * project's own code uses them.
   */
  root(patch?: unknown): Promise<any>;
  /**
   * Deep, type-aware equality: Map, Set, Date, RegExp, typed arrays and
   * ArrayBuffer by bytes, Blob by type, size and bytes, File by name, -0 and NaN
   * by Object.is, prototypes compared. Throws on a difference found at once; a
   * Blob's bytes are compared asynchronously (await the result, or the case
   * fails when it ends).
   */
  equal(got: unknown, want: unknown, msg?: string): Promise<void>;
  ok(cond: unknown, msg?: string): void;
  fail(msg: string): never;
  /** Awaits promise and fails unless it rejects with an Error named errorName; returns that error. */
  rejects(promise: unknown, errorName?: string, msg?: string): Promise<any>;
  /** Calls fn and fails unless it throws an Error named errorName; returns that error. */
  throws(fn: () => unknown, errorName?: string, msg?: string): any;
  sleep(ms: number): Promise<void>;
  /** Ends the case as skipped, with why, when cond holds. */
  skipIf(cond: unknown, why: string): void;
  /** Adds a line to the case's log (shown with -v or on failure). */
  log(...args: unknown[]): void;
  /** Describes a value for a message (keeps -0, NaN, undefined, types). */
  show(v: unknown): string;
  raw: RawIDB;
}

export interface Contract {
  test(name: string, fn: (t: ContractT) => Promise<void> | void, options?: { timeout?: number }): void;
  beginFile(file: string): void;
  list(): { name: string; file: string }[];
  run(name: string, entry: Entry): Promise<Report>;
  show(v: unknown): string;
}

declare global {
  // eslint-disable-next-line no-var
  var contract: Contract;
}
