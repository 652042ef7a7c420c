//go:build js && wasm

package idb

import (
	"syscall/js"
)

// Value is a stored JavaScript value that Go hands along without reading it: the
// element Slot of Holder (an argument list, a one-element array, or an IndexedDB
// request whose "result" is the value).
//
// The indirection exists because syscall/js cannot hold -0: every zero that
// crosses into Go becomes +0. Values therefore travel from the caller's arguments
// to put, and from a request's result to the caller's Promise, in JavaScript.
// Objects would survive the trip; the indirection costs nothing for them either.
type Value struct {
	holder jsval
	slot   any // string or int
}

// ValueAt returns the value at holder[slot], which holder keeps: typically the
// arguments Array of a JavaScript call.
func ValueAt(holder js.Value, slot int) Value {
	return Value{holder: wrap(holder), slot: slot}
}

// ValueOf boxes a value made or read in Go.
func ValueOf(v js.Value) Value {
	return Value{holder: wrap(js.Global().Get("Array").Call("of", v)), slot: 0}
}

// Holder and Slot say where the value is: holder[slot].
func (v Value) Holder() js.Value { return v.holder.js() }

// Slot is the property or index of the value in Holder.
func (v Value) Slot() any { return v.slot }

// JS reads the value into Go. A top-level -0 reads as 0.
func (v Value) JS() js.Value {
	if v.holder.Type() == js.TypeUndefined {
		return js.Undefined()
	}
	switch s := v.slot.(type) {
	case int:
		return v.holder.js().Index(s)
	case string:
		return v.holder.js().Get(s)
	}
	return js.Undefined()
}

func undefinedValue() Value { return Value{holder: jsg.undefinedBox, slot: 0} }

func requestResult(req jsval) Value { return Value{holder: req, slot: "result"} }
