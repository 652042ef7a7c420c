//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/scope"
)

// This file is the package's seam to JavaScript: globals looked up once, Promises,
// and Go errors turned into the JavaScript errors the API promises.

var (
	jsGlobal    = js.Global()
	jsObject    = jsGlobal.Get("Object")
	jsArray     = jsGlobal.Get("Array")
	jsPromise   = jsGlobal.Get("Promise")
	jsError     = jsGlobal.Get("Error")
	jsTypeError = jsGlobal.Get("TypeError")
	// String.prototype.isWellFormed: false for strings with lone surrogates.
	jsIsWellFormed = jsGlobal.Get("String").Get("prototype").Get("isWellFormed")

	glue       = jsGlobal.Get("Function").New(glueSource).Invoke()
	glueMethod = glue.Get("method")
	glueSettle = glue.Get("settle")
)

// glueSource defines two small JavaScript functions. A number that crosses into Go
// loses its sign when it is zero (syscall/js keeps a single 0), so stored values
// never pass through Go: methods hand Go their arguments as one Array, which Go
// passes on without reading the value, and results are read by JavaScript from
// the IndexedDB request that holds them.
const glueSource = `return {
	method(impl) { return function (...args) { return impl(this, args); }; },
	settle(fn, holder, slot) { fn(holder[slot]); },
};`

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

// settleValue resolves p with a stored value, read by JavaScript where it lies.
func (p promise) settleValue(v idb.Value, err error) {
	if err != nil {
		p.reject.Invoke(toJSError(err))
		return
	}
	glueSettle.Invoke(p.resolve, v.Holder(), v.Slot())
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
	case *argError:
		return jsTypeError.New(e.msg)
	}
	switch err {
	case idb.ErrInvalidKey:
		return jsTypeError.New("patchkv: key must be a string")
	case scope.ErrInvalidName:
		return jsTypeError.New("patchkv: " + err.Error())
	}
	return jsError.New("patchkv: " + err.Error())
}

// typeName describes a JavaScript value's type for error messages, without
// panicking on bigint (which syscall/js's Type cannot name).
func typeName(v js.Value) (name string) {
	defer func() {
		if recover() != nil {
			name = "bigint"
		}
	}()
	switch t := v.Type(); t {
	case js.TypeObject:
		if v.InstanceOf(jsArray) {
			return "array"
		}
		return "object"
	default:
		return t.String()
	}
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
