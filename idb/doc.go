// Package idb keeps patchkv's data in the browser's IndexedDB: one database per
// patch, one object store per scope (see package scope), created on first write.
//
// A DB owns one connection and its whole lifecycle in one place (db.go): open,
// version upgrades that add object stores, the blocked event, versionchange and
// close events from other contexts, reopening, and a bounded wait when another
// connection will not let go. Operations issued in the same JavaScript task share
// one transaction per object store (txn.go), so a burst of writes commits once
// while each write still keeps its place in program order.
//
// There are two ways in. The asynchronous methods of Store (Get, Has, Keys, Put,
// Delete, Clear) take JavaScript values and report through callbacks or a Commit;
// they never block and are what the wasm package turns into Promises. The blocking
// methods (GetValue, SetValue, GetBytes, ...) take and return Go values, convert
// them across the boundary themselves ([]byte ⇄ Uint8Array, strings, numbers,
// maps, slices) and must be called from a goroutine, never from inside a js.FuncOf
// handler, where waiting would deadlock the page.
//
// go-indexeddb (github.com/hack-pad/go-indexeddb) is used for what it does well:
// deleting databases and DOMException values that errors.Is compares by name. The
// connection and the hot path talk to IndexedDB through safejs directly, because
// go-indexeddb has no blocked hook, closes on versionchange without telling its
// caller, logs from library code, and spends a context, three listeners and a
// goroutine on every request.
package idb
