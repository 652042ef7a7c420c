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

	glue             = jsGlobal.Get("Function").New("begin", glueSource).Invoke(idb.BeginJS())
	glueMakeStore    = glue.Get("makeStore")
	glueInvalidStore = glue.Get("invalidStore")
	glueRun          = glue.Get("run")
	glueClone        = glue.Get("clone")
	glueArgs         = glue.Get("args")
	glueSetResult    = glue.Get("result")
	glueUseExport    = glue.Get("useExport")
)

// glueSource defines the JavaScript half of the API. Every crossing between Go
// and JavaScript costs (a reference, a finalizer, decoded strings), so a data
// method crosses twice: its closure calls the Go dispatcher, which checks the call
// and makes one call back into glue read or write. Nothing that completes later
// enters Go again.
//
//   - makeStore builds a kv object whose methods call the dispatcher with the
//     arguments as one Array and one number packing the object's number, the
//     method's index, whether `this` is foreign, whether the first argument is a
//     string, and the argument count. The key and the value stay in the Array:
//     Go never reads them (a number that crosses into Go loses its sign when it
//     is zero: syscall/js keeps one 0). A method's Promise is left by glue in
//     `out` and returned by the closure, so it does not cross either.
//   - invalidStore builds the store of a bad node id or store name: its data
//     methods reject with the TypeError, its store(name) is the root's.
//   - run does one operation on an object store in this task's
//     transaction on it, starting one when there is none: begin is idb's
//     (idb.BeginJS), so both share a task's transactions. A write's Promise is
//     its transaction's, shared by every write in it.
//     With resolve, the Promise settles a Promise handed out earlier instead.
//   - clone copies a value that has to wait, as put would have.
//   - With useExport, method closures enter Go through the exported
//     patchkv_call instead of the js.Func dispatcher; the call's arguments wait
//     in cur.args (args fetches them) and a result Go makes is left by result.
const glueSource = `
const out = { p: undefined, r: undefined };
const cur = { args: undefined }; // the arguments of the method call being dispatched
let exported = null;             // the module's patchkv_call, once the loader hands it over
const committed = new WeakMap(); // transaction -> Promise of its outcome
function withStore(conn, name, write, fn) {
	try {
		return fn(begin(conn, name, write, false));
	} catch (e) {
		if (e?.name !== 'TransactionInactiveError') throw e;
		return fn(begin(conn, name, write, true));
	}
}
function outcome(tx) {
	let p = committed.get(tx);
	if (!p) {
		p = new Promise((resolve, reject) => {
			tx.addEventListener('complete', () => resolve());
			tx.addEventListener('abort', () => reject(tx.error || new DOMException('patchkv: the transaction was aborted', 'AbortError')));
		});
		committed.set(tx, p);
	}
	return p;
}
return {
	makeStore(dispatch, id, names) {
		const o = {};
		names.forEach((name, i) => {
			o[name] = function (...args) {
				const foreign = this !== undefined && this !== null && this !== o && this !== globalThis;
				const code = ((((id * 16 + i) * 2 + (foreign ? 1 : 0)) * 2 + (typeof args[0] === 'string' ? 1 : 0)) * 32) + Math.min(args.length, 31);
				let r;
				if (exported) {
					const outer = cur.args;
					cur.args = args;
					try {
						if (exported(code) === 1) { r = out.r; out.r = undefined; }
					} finally {
						cur.args = outer;
					}
				} else {
					r = dispatch(args, code);
				}
				if (r !== undefined) return r;
				const p = out.p;
				out.p = undefined;
				return p;
			};
		});
		return o;
	},
	invalidStore(error, root) {
		const reject = () => Promise.reject(error);
		return { get: reject, set: reject, has: reject, delete: reject, keys: reject, clear: reject, store: (name) => root.store(name) };
	},
	// run does one operation. op is the kind (0 get, 1 has, 2 keys, 3 put,
	// 4 delete, 5 clear) plus 8 when the object store exists.
	run(conn, name, op, args, holder, slot = 1, resolve) {
		args ??= cur.args;
		holder ??= args;
		const kind = op & 7, exists = op >= 8;
		let p;
		if (kind < 3) {
			if (!exists) {
				p = Promise.resolve(kind === 1 ? false : kind === 2 ? [] : undefined);
			} else {
				const req = withStore(conn, name, false, (s) => kind === 2 ? s.getAllKeys() : kind === 1 ? s.getKey(args[0]) : s.get(args[0]));
				p = new Promise((resolve, reject) => {
					req.onsuccess = () => resolve(kind === 1 ? req.result !== undefined : req.result);
					req.onerror = (e) => { e.preventDefault(); reject(req.error); };
				});
			}
		} else if (!exists) {
			p = Promise.resolve();
		} else {
			p = outcome(withStore(conn, name, true, (s) => {
				if (kind === 3) s.put(holder[slot], args[0]);
				else if (kind === 4) s.delete(args[0]);
				else s.clear();
				return s.transaction;
			}));
		}
		if (resolve) resolve(p);
		else out.p = p;
	},
	clone(holder, slot) { return [structuredClone(holder[slot])]; },
	args() { return cur.args; },
	result(v) { out.r = v; },
	useExport(fn) { if (typeof fn === 'function') exported = fn; },
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
