//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"syscall/js"

	"github.com/patchies/patchkv/idb"
)

// registry hands out one root per patch, so that loading the same patch twice
// gives the same kv (and one IndexedDB connection).
type registry struct {
	mu    mutex
	roots map[string]*root
	opts  idb.Options
}

// open resolves to the root kv of patch once its database is open, or rejects
// with the reason it cannot be opened (IndexedDB refused, bad patch id). conn,
// when it is an IDBDatabase, is a connection to the patch's database that the
// loader opened while the module compiled; it is used or closed.
func (reg *registry) open(patchArg, conn js.Value) js.Value {
	hasConn := conn.Type() == js.TypeObject
	patch, err := goName("loadKV", "patch", patchArg)
	if err != nil {
		return rejected(err)
	}
	reg.mu.Lock()
	r, ok := reg.roots[patch]
	reg.mu.Unlock()
	if ok {
		if hasConn {
			conn.Call("close")
		}
		return resolved(r.obj)
	}
	db, err := idb.Open(patch, reg.opts)
	if err != nil {
		return rejected(err)
	}
	if hasConn && !db.Adopt(conn) {
		conn.Call("close")
	}
	p := newPromise()
	db.Ping(func(err error) {
		if err != nil {
			db.Close()
			p.settle(nil, err)
			return
		}
		reg.mu.Lock()
		r, ok := reg.roots[patch]
		if !ok {
			r = newRoot(db)
			reg.roots[patch] = r
		}
		reg.mu.Unlock()
		if ok {
			db.Close()
		}
		p.settle(r.obj, nil)
	})
	return p.value
}

var defaultRegistry = &registry{roots: map[string]*root{}}

// register publishes globalThis.patchkv = {open(patch, conn?), attach(exports)} and tells the loader
// (js/kv.js) that the module is ready by calling globalThis.__patchkvReady.
func register() {
	api := jsObject.New()
	// Both entries are behind glue's stack check, as every kv method is: a
	// call on a nearly full stack must not trap inside Go (issue 14 #1).
	api.Set("open", glueGuard.Invoke(js.FuncOf(func(_ js.Value, args []js.Value) (result any) {
		defer func() {
			if p := recover(); p != nil {
				result = rejected(errors.New("patchkv.open: internal error: " + panicMessage(p)))
			}
		}()
		if len(args) < 1 || len(args) > 2 {
			return rejected(typeError("patchkv.open: takes a patch id and an optional connection, got " + strconv.Itoa(len(args)) + " arguments"))
		}
		conn := js.Undefined()
		if len(args) == 2 {
			conn = args[1]
		}
		return defaultRegistry.open(args[0], conn)
	}), true))
	// attach(exports) hands glue the module's own exports, so that kv methods
	// can enter Go through patchkv_call; the loader has them, Go does not.
	// Only the first call counts (glue useExport), and a throwing getter or a
	// revoked Proxy changes nothing: code in the page cannot replace the entry.
	// glue reads patchkv_call itself: a getter that throws must not unwind
	// through Go (syscall/js's Get does not catch).
	api.Set("attach", glueGuard.Invoke(js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer func() { _ = recover() }()
		if len(args) == 1 {
			glueUseExport.Invoke(args[0])
		}
		return nil
	}), false))
	// open and attach can be neither replaced nor deleted: code in the page
	// cannot swap what the loader uses (issue 14 #6). The object stays
	// extensible: the loader adds archive (the same way).
	for _, name := range []string{"open", "attach"} {
		desc := jsObject.New()
		desc.Set("value", api.Get(name))
		desc.Set("enumerable", true)
		desc.Set("writable", false) // explicit: redefining keeps omitted attributes
		desc.Set("configurable", false)
		jsObject.Call("defineProperty", api, name, desc)
	}
	jsGlobal.Set("patchkv", api)
	if ready := jsGlobal.Get("__patchkvReady"); ready.Type() == js.TypeFunction {
		ready.Invoke(api)
	}
}
