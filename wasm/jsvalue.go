//go:build js && wasm

package main

import (
	"errors"
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

	glue             = jsGlobal.Get("Function").New(glueSource).Invoke()
	glueMakeStore    = glue.Get("makeStore")
	glueInvalidStore = glue.Get("invalidStore")
	glueRead         = glue.Get("read")
	glueReadInto     = glue.Get("readInto")
	glueWatch        = glue.Get("watch")
)

// glueSource defines the JavaScript half of the API, so that the work done per
// call in Go stays small and nothing that completes later has to enter Go again:
//
//   - makeStore builds a kv object whose methods call the Go dispatcher with the
//     arguments as one Array and one number that packs the object's number, the
//     method's index, whether `this` is foreign, and the argument count (each
//     value passed costs a call across the boundary). Go never reads a stored
//     value out of the arguments: a number that crosses into Go loses its sign
//     when it is zero (syscall/js keeps one 0).
//   - invalidStore builds the store of a bad node id or store name: its data
//     methods reject with the TypeError, its store(name) is the root's.
//   - read/readInto place a read request on the object store idb hands over and
//     settle a Promise from it (kind: 0 get, 1 has, 2 keys; an undefined store
//     means nothing is stored).
//   - watch returns a Promise of a write transaction: resolved on complete,
//     rejected with its DOMException on abort.
const glueSource = `
function absent(kind) { return kind === 1 ? false : kind === 2 ? [] : undefined; }
function request(store, kind, key) {
	return kind === 2 ? store.getAllKeys() : kind === 1 ? store.getKey(key) : store.get(key);
}
function bind(req, kind, resolve, reject) {
	req.onsuccess = () => resolve(kind === 1 ? req.result !== undefined : req.result);
	req.onerror = (e) => { e.preventDefault(); reject(req.error); };
}
return {
	makeStore(dispatch, id, names) {
		const o = {};
		names.forEach((name, i) => {
			o[name] = function (...args) {
				const foreign = this !== undefined && this !== null && this !== o && this !== globalThis;
				return dispatch(args, ((id * 16 + i) * 2 + (foreign ? 1 : 0)) * 32 + Math.min(args.length, 31));
			};
		});
		return o;
	},
	invalidStore(error, root) {
		const reject = () => Promise.reject(error);
		return { get: reject, set: reject, has: reject, delete: reject, keys: reject, clear: reject, store: (name) => root.store(name) };
	},
	read(store, kind, key) {
		if (store === undefined) return Promise.resolve(absent(kind));
		const req = request(store, kind, key); // throws here, for Go to see
		return new Promise((resolve, reject) => bind(req, kind, resolve, reject));
	},
	readInto(store, kind, key, resolve, reject) {
		if (store === undefined) { resolve(absent(kind)); return; }
		bind(request(store, kind, key), kind, resolve, reject);
	},
	watch(tx) {
		return new Promise((resolve, reject) => {
			tx.addEventListener('complete', () => resolve());
			tx.addEventListener('abort', () => reject(tx.error || new DOMException('patchkv: the transaction was aborted', 'AbortError')));
		});
	},
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
