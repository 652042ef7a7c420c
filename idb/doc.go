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
// An operation is a JSOp (op.go): the DB decides when it runs and hands it the
// open connection, and the caller places the request itself, in the current
// task's transaction on the store (BeginJS), so that operations issued in the
// same task share one transaction and commit once. The wasm package places
// requests in one call into JavaScript, so that the JavaScript API's hot path
// crosses the boundary once and nothing in Go listens for the result; package
// idb/goapi places them through safejs and waits for their events. Stored values
// are never read into Go on the way, so binary data never grows the module's
// memory.
//
// The package talks to JavaScript through one small seam (jsval.go, jsglobal.go)
// over syscall/js that returns errors instead of panicking, like
// github.com/hack-pad/safejs, which it does not import: kv.wasm's size budget has
// no room for fmt, which safejs uses. For the same reason it avoids time, context
// and errors.As. Package idb/goapi, the Go-value API, sits on top and uses safejs
// and github.com/hack-pad/go-indexeddb.
package idb
