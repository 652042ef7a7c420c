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
// Operations issued in the same JavaScript task share one transaction per object
// store (txn.go), so a burst of writes commits once while every write keeps its
// place in program order. Nothing in Go listens to a transaction on the hot
// path: a read hands its object store to the caller, who places the request and
// watches it; writes share a Commit, whose transaction a JavaScript caller watches
// itself and which listens from Go only when a Go caller waits (commit.go).
// Stored values travel between JavaScript places without being read in Go
// (value.go), so binary data never grows the module's memory.
//
// The package talks to JavaScript through one small seam (jsval.go, jsglobal.go)
// over syscall/js that returns errors instead of panicking, like
// github.com/hack-pad/safejs, which it does not import: kv.wasm's size budget has
// no room for fmt, which safejs uses. For the same reason it avoids time, context
// and errors.As. Package idb/goapi, the Go-value API, sits on top and uses safejs
// and github.com/hack-pad/go-indexeddb.
package idb
