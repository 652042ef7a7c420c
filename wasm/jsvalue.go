//go:build js && wasm

package main

import (
	"errors"
	"sync"
	"syscall/js"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/scope"
)

// This file is the package's seam to JavaScript: globals looked up once, Promises,
// and Go errors turned into the JavaScript errors the API promises.

var (
	jsGlobal = js.Global()

	jsObject, jsArray, jsPromise, jsError, jsTypeError js.Value
	// String.prototype.isWellFormed: false for strings with lone surrogates.
	jsIsWellFormed js.Value

	glue = loadGlue() // sets every js and glue variable of this block

	glueMakeRoot, glueStoreOf, glueHandle, glueGuard, glueInvalidStore, glueRun, gluePark, glueUnpark, glueUnparkFail, glueArgs, glueFirst, glueSetResult,
	glueUseExport, glueTypeName, glueArchive js.Value
)

// loadGlue looks up the globals the package uses and makes glue. The lookups
// are a table, not one initializer each: every call site costs kv.wasm code
// (about 0.5 KB gzip in all). Only functions run later use these variables, no
// other initializer.
func loadGlue() js.Value {
	for _, x := range [...]struct {
		v    *js.Value
		name string
	}{
		{&jsObject, "Object"},
		{&jsArray, "Array"},
		{&jsPromise, "Promise"},
		{&jsError, "Error"},
		{&jsTypeError, "TypeError"},
		{&jsIsWellFormed, "String"},
	} {
		*x.v = jsGlobal.Get(x.name)
	}
	jsIsWellFormed = jsIsWellFormed.Get("prototype").Get("isWellFormed")
	g := jsGlobal.Call("eval", glueSource).Invoke(protocolJS(), idb.OpsJS())
	for _, x := range [...]struct {
		v    *js.Value
		name string
	}{
		{&glueMakeRoot, "makeRoot"},
		{&glueStoreOf, "storeOf"},
		{&glueHandle, "handle"},
		{&glueGuard, "guard"},
		{&glueInvalidStore, "invalidStore"},
		{&glueRun, "run"},
		{&gluePark, "park"},
		{&glueUnpark, "unpark"},
		{&glueUnparkFail, "unparkFail"},
		{&glueArgs, "args"},
		{&glueFirst, "first"},
		{&glueSetResult, "result"},
		{&glueUseExport, "useExport"},
		{&glueTypeName, "typeName"},
		{&glueArchive, "archive"},
	} {
		*x.v = g.Get(x.name)
	}
	return g
}

// glueSource (glue_js.go) is the JavaScript half of the API, glue.js: it builds
// the kv objects whose method closures call into Go, and runs the operations Go
// decides on with idb's ops. It is copied there by go generate (importing
// package embed would add about 50 KB gzip to kv.wasm; see internal/jsembed).
//
//go:generate env -u GOOS -u GOARCH go run ../internal/jsembed/gen -o glue_js.go glueSource=glue.js

// mutex is a sync.Mutex whose Lock and Unlock are calls, for the locks off the
// per-call path (a root's, the registry's): inlined at every lock site, they
// cost kv.wasm code. The per-call locks stay sync.Mutex.
type mutex struct{ m sync.Mutex }

//go:noinline
func (m *mutex) Lock() { m.m.Lock() }

//go:noinline
func (m *mutex) Unlock() { m.m.Unlock() }

// promise is a pending JavaScript Promise and the functions that settle it.
type promise struct {
	value, resolve, reject js.Value
}

func newPromise() promise {
	r := jsPromise.Call("withResolvers")
	return promise{value: r.Get("promise"), resolve: r.Get("resolve"), reject: r.Get("reject")}
}

func (p promise) settle(v any, err error) {
	if err != nil {
		p.reject.Invoke(toJSError(err))
		return
	}
	p.resolve.Invoke(v)
}

// rejected returns a Promise already rejected with err.
func rejected(err error) js.Value {
	return jsPromise.Call("reject", toJSError(err))
}

// resolved returns a Promise already resolved with v.
func resolved(v any) js.Value {
	return jsPromise.Call("resolve", v)
}

// argError is a bad argument from JavaScript: it becomes a TypeError.
type argError struct{ msg string }

func (e *argError) Error() string { return e.msg }

func typeError(msg string) error {
	return &argError{msg: msg}
}

// panicMessage describes a recovered panic value without fmt (which would add
// about 170 KB gzip to kv.wasm).
func panicMessage(p any) string {
	switch v := p.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "unexpected panic"
}

// toJSError returns the JavaScript error a Promise rejects with: the browser's own
// DOMException for IndexedDB failures (so err.name is e.g. "QuotaExceededError"),
// a TypeError for bad arguments, an Error otherwise.
func toJSError(err error) js.Value {
	// Type switches rather than errors.As: nothing here wraps errors, and
	// errors.As would add reflection support (~18 KB gzip) to kv.wasm.
	switch e := err.(type) {
	case *idb.DOMError:
		return e.JSValue()
	case js.Error:
		return e.Value
	case *argError:
		return jsTypeError.New(e.msg)
	}
	switch err {
	case scope.ErrInvalidName:
		return jsTypeError.New("patchkv: " + err.Error())
	}
	return jsError.New("patchkv: " + err.Error())
}

// typeName describes a JavaScript value's type for error messages. It asks glue,
// which never throws: a revoked Proxy throws from instanceof and
// Array.isArray, and an exception thrown in a syscall/js call unwinds through Go.
func typeName(v js.Value) string {
	return glueTypeName.Invoke(v).String()
}

// isString reports whether v is a JavaScript string primitive.
func isString(v js.Value) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return v.Type() == js.TypeString
}

// goName converts a node id, store name or patch id to Go. Names must be strings
// that Go can hold losslessly: a lone surrogate would turn into U+FFFD and merge
// two different names, so it is rejected.
func goName(method, what string, v js.Value) (string, error) {
	if !isString(v) {
		return "", typeError(method + ": " + what + " must be a string, got " + typeName(v))
	}
	if !jsIsWellFormed.Call("call", v).Bool() {
		return "", typeError(method + ": " + what + " must be well-formed Unicode (it contains a lone surrogate)")
	}
	return v.String(), nil
}

// tryInvoke calls fn, returning what it throws as a js.Error.
func tryInvoke(fn js.Value, args ...any) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = je
				return
			}
			err = errors.New("patchkv: " + panicMessage(r))
		}
	}()
	return fn.Invoke(args...), nil
}
