// Package goapi is patchkv's API for Go code compiled into the same WebAssembly
// module: blocking calls that take a context, accept and return Go values, and
// convert them across the JavaScript boundary ([]byte ⇄ Uint8Array, strings,
// numbers, bools, nil, maps and slices; a Blob is read into []byte only when
// asked for with GetBytes or Blob.Bytes).
//
// It sits on package idb's asynchronous API and uses github.com/hack-pad/safejs
// for the conversions and github.com/hack-pad/go-indexeddb for deleting
// databases. It lives apart from idb so that kv.wasm, which only needs the
// JavaScript-facing API, does not carry fmt, reflect, time and context.
//
// Every call blocks until IndexedDB answers: make calls from a goroutine, never
// from inside a js.FuncOf handler, whose waiting would stop the event loop that
// delivers the answer.
package goapi
