// Package testscripts holds JavaScript test scripts that more than one test
// package runs: the wasm package's tests (through the js.Func entry into Go) and
// the faults tests (through the loader's exported entry).
package testscripts

import _ "embed"

// Reentrant is the body of an async function of kv: it stores values whose
// getters call kv while set clones them, on a scope that exists and on a new
// one, and returns what was stored, expected to be ReentrantWant.
//
//go:embed reentrant.js
var Reentrant string

// ReentrantWant is what Reentrant returns when every call did its part.
const ReentrantWant = `[{"x":2},"from getter"]|[{"x":2},"from getter"]|[{"x":2},"from getter"]`
