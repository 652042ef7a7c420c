// Types shared by the bridge's JavaScript (idb/ops.js, idb/events.js,
// wasm/glue.js). Those files are scripts, evaluated by Go as expressions, so
// their JSDoc typedefs would all be global: the shared ones live here, once.

declare global {
  /** A scope as events and kv.scopes() spell it. */
  interface PatchkvScopeRef {
    kind: string;
    name: string;
  }
  /** A committed change: what listeners get. scope is null for a whole-patch reset. */
  interface PatchkvChange {
    scope: PatchkvScopeRef | null;
    op: string;
    key?: string;
  }
  /** The events hub of one patch in one realm (idb/events.js). */
  interface PatchkvHub {
    emit(changes: PatchkvChange[]): void;
    subscribe(scope: PatchkvScopeRef | null, fn: (change: PatchkvChange) => void): () => void;
  }
  /** A store as idb/ops.js takes it (idb.Store.HandleJS). */
  interface PatchkvStoreHandle {
    name: string;
    scope: PatchkvScopeRef;
    hub: PatchkvHub;
  }
  /**
   * A DB's gate (idb.DB.GateJS): while conn is set, an operation may be placed
   * on it directly (stores: the object stores it has).
   */
  interface PatchkvGate {
    conn: IDBDatabase | null;
    stores: Set<string> | null;
  }
  /** idb's operations (idb/ops.js). */
  interface PatchkvOps {
    skip: object;
    kinds: { get: number; has: number; keys: number; put: number; delete: number; clear: number; update: number };
    run(conn: IDBDatabase, h: PatchkvStoreHandle, kind: number, exists: boolean, key: any, value: any): Promise<any>;
    park(h: PatchkvStoreHandle, kind: number, key: any, value: any): [number, Promise<any>];
    unpark(conn: IDBDatabase, n: number, exists: boolean): void;
    unparkFail(n: number, err: any): void;
    clone(value: any, key: any): any[];
  }
}

export {};
