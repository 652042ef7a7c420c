// Package idb keeps patchkv's data in the browser's IndexedDB: one database per
// patch, one object store per scope (see package scope), created on first write.
//
// A DB owns one connection and its whole lifecycle in one place (db.go): open,
// version upgrades that add object stores (writes to new stores issued together
// share one), the blocked event with a bounded wait and a one-time report,
// versionchange and close events from other contexts, and reopening. While the
// connection is not ready, operations wait in a queue, in call order; a queued
// write holds a structured clone taken when it was issued.
//
// Two kinds of operation share the queue and its order. A JSOp (store.go) is the
// JavaScript API's: the DB decides when it runs and hands it the open connection,
// and the caller places the request itself in one call into JavaScript, reusing
// the current task's transaction (the wasm package's glue does this), so that
// the hot path crosses the boundary once and nothing in Go listens for the
// result. The Go-valued operations of idb/goapi go through txn.go instead: the
// same per-task transaction reuse in Go, reads placed by the caller on the store
// it is handed, and
// writes sharing a Commit that listens from Go only when a Go caller waits
// (commit.go). Stored values travel between JavaScript places without being read
// in Go (value.go), so binary data never grows the module's memory.
//
// The package talks to JavaScript through one small seam (jsval.go, jsglobal.go)
// over syscall/js that returns errors instead of panicking, like
// github.com/hack-pad/safejs, which it does not import: kv.wasm's size budget has
// no room for fmt, which safejs uses. For the same reason it avoids time, context
// and errors.As. Package idb/goapi, the Go-value API, sits on top and uses safejs
// and github.com/hack-pad/go-indexeddb.
package idb
