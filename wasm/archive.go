//go:build js && wasm

package main

import "syscall/js"

// The root's patch-wide methods (README "Export and import") — export, import,
// removeScope, destroy — are JavaScript (js/archive.js: the file format, argument checks, the IndexedDB
// reads and writes, 'reset' events). The loader imports that module on first use
// (globalThis.patchkv.archive); Go hands it a handle whose primitives need idb's
// DB: the connection in call order, creating object stores in one upgrade,
// deleting one, deleting the database. Keeping the rest out of Go keeps kv.wasm
// small and every value out of Go's memory. The module emits 'reset' through the
// patch's events hub (idb/events.js) itself.

// archive runs the archive module's method for the root, with the call's arguments.
func (r *root) archive(method string, c *call) js.Value {
	r.mu.Lock()
	if r.handle.IsUndefined() {
		h := jsObject.New()
		h.Set("patch", r.db.Patch())
		h.Set("call", js.FuncOf(r.primitive)) // lives as long as the root
		h.Set("hub", r.db.HubJS())            // 'reset' events go out through the patch's events hub
		r.handle = h
	}
	h := r.handle
	r.mu.Unlock()
	return glueArchive.Invoke(method, h, c.argsJS())
}

// primitive is handle.call(op, arg): the DB operations the archive module needs,
// each a Promise. Only archive.js calls it, with the arguments it documents.
func (r *root) primitive(_ js.Value, args []js.Value) any {
	p := newPromise()
	switch args[0].String() {
	case "conn":
		r.db.WithConn(p.settleValue)
	case "ensure":
		names := make([]string, args[1].Length())
		for i := range names {
			names[i] = args[1].Index(i).String()
		}
		r.db.EnsureStores(names, p.settleErr)
	case "deleteStore":
		r.db.DeleteStore(args[1].String(), p.settleBool)
	case "destroy":
		r.db.Destroy(p.settleErr)
	}
	return p.value
}

func (p promise) settleValue(v js.Value, err error) { p.settle(v, err) }
func (p promise) settleBool(b bool, err error)      { p.settle(b, err) }
func (p promise) settleErr(err error)               { p.settle(nil, err) }
