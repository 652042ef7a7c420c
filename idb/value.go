//go:build js && wasm

package idb

import (
	"syscall/js"
)

// Value is a value to store, held where Go does not read it: element slot of
// holder, a JavaScript array. PutJS takes one; ValueOf makes one.
//
// The indirection exists because syscall/js cannot hold -0: every zero that
// crosses into Go becomes +0. A value that waits in the queue is cloned into a
// new one-element array, and put reads it from there, in JavaScript.
type Value struct {
	holder jsval
	slot   int
}

// ValueOf boxes a value made or read in Go.
func ValueOf(v js.Value) Value {
	return Value{holder: wrap(js.Global().Get("Array").Call("of", v)), slot: 0}
}
