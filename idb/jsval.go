//go:build js && wasm

package idb

import (
	"errors"
	"syscall/js"

	"github.com/patchies/patchkv/internal/jsfuncs"
)

// jsval is the package's one seam to syscall/js: the calls that can throw (or
// panic in syscall/js on a wrong type) return an error instead, so that code
// holding a lock or running in an event handler never unwinds through a panic.
//
// It mirrors the part of github.com/hack-pad/safejs that this package needs.
// safejs itself is not used on this path because it formats its errors with fmt,
// which alone adds about 170 KB (gzip) to kv.wasm; see README "Size".
type jsval struct{ v js.Value }

func wrap(v js.Value) jsval { return jsval{v} }

func undefined() jsval { return jsval{js.Undefined()} }

// js returns the syscall/js value.
func (x jsval) js() js.Value { return x.v }

// try runs fn, turning a panic (a JavaScript exception or a syscall/js type
// error) into an error.
func try(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	fn()
	return nil
}

// panicError turns a recovered value into an error without fmt.
func panicError(r any) error {
	switch p := r.(type) {
	case error:
		return p
	case string:
		return errors.New(p)
	case js.Value:
		return js.Error{Value: p}
	}
	return errors.New("idb: unexpected panic")
}

func unwrapArgs(args []any) []any {
	for i, a := range args {
		if x, ok := a.(jsval); ok {
			args[i] = x.v
		}
	}
	return args
}

// The calls below are //go:noinline: inlined, each call site would get its own
// copy of the recovering closure, which costs kv.wasm about 1 KB gzip; the call
// itself is nothing next to the trip into JavaScript.
//
//go:noinline
func (x jsval) Get(p string) (out jsval, err error) {
	err = try(func() { out.v = x.v.Get(p) })
	return
}

//go:noinline
func (x jsval) Set(p string, v any) error {
	if y, ok := v.(jsval); ok {
		v = y.v
	}
	return try(func() { x.v.Set(p, v) })
}

//go:noinline
func (x jsval) Call(m string, args ...any) (out jsval, err error) {
	args = unwrapArgs(args)
	err = try(func() { out.v = x.v.Call(m, args...) })
	return
}

//go:noinline
func (x jsval) Invoke(args ...any) (out jsval, err error) {
	args = unwrapArgs(args)
	err = try(func() { out.v = x.v.Invoke(args...) })
	return
}

//go:noinline
func (x jsval) New(args ...any) (out jsval, err error) {
	args = unwrapArgs(args)
	err = try(func() { out.v = x.v.New(args...) })
	return
}

//go:noinline
func (x jsval) Index(i int) (out jsval, err error) {
	err = try(func() { out.v = x.v.Index(i) })
	return
}

//go:noinline
func (x jsval) Length() (n int, err error) {
	err = try(func() { n = x.v.Length() })
	return
}

//go:noinline
func (x jsval) Int() (n int, err error) {
	err = try(func() { n = x.v.Int() })
	return
}

//go:noinline
func (x jsval) Bool() (b bool, err error) {
	err = try(func() { b = x.v.Bool() })
	return
}

// String returns the value of a JavaScript string (an error for other types).
func (x jsval) String() (string, error) {
	if x.Type() != js.TypeString {
		return "", errors.New("idb: value is not a string")
	}
	return x.v.String(), nil
}

//go:noinline
func (x jsval) InstanceOf(t jsval) (ok bool, err error) {
	err = try(func() { ok = x.v.InstanceOf(t.v) })
	return
}

func (x jsval) Equal(y jsval) bool { return x.v.Equal(y.v) }

// typeBigInt stands for JavaScript's bigint, which syscall/js has no Type for.
const typeBigInt = js.Type(-1)

// Type returns the JavaScript type; bigint, which syscall/js's Type panics on,
// is typeBigInt.
func (x jsval) Type() (t js.Type) {
	defer func() {
		if recover() != nil {
			t = typeBigInt
		}
	}()
	return x.v.Type()
}

// funcOf wraps fn as a JavaScript function that never lets a Go panic escape into
// syscall/js (which would end the program): a panic goes to onPanic instead.
// Release it with releaseFunc, which keeps jsfuncs' count.
func funcOf(fn func(this jsval, args []js.Value), onPanic func(error)) js.Func {
	jsfuncs.Made()
	return js.FuncOf(func(this js.Value, args []js.Value) any {
		defer func() {
			if r := recover(); r != nil {
				onPanic(panicError(r))
			}
		}()
		fn(jsval{this}, args)
		return nil
	})
}

// releaseFunc releases f, made by funcOf.
func releaseFunc(f js.Func) {
	f.Release()
	jsfuncs.Released()
}

// afterFunc calls fn once after ms milliseconds through the page's setTimeout (Go's own timers
// would add their runtime support to kv.wasm). stop cancels it; either way the
// js.Func is released.
func afterFunc(ms int, fn func()) (stop func()) {
	var (
		f    js.Func
		done bool
		id   jsval
	)
	finish := func() bool {
		if done {
			return false
		}
		done = true
		releaseFunc(f)
		return true
	}
	f = funcOf(func(jsval, []js.Value) {
		if finish() {
			fn()
		}
	}, func(error) {})
	id, err := jsg.setTimeout.Invoke(f.Value, ms)
	if err != nil {
		finish()
		return func() {}
	}
	return func() {
		if finish() {
			_, _ = jsg.clearTimeout.Invoke(id)
		}
	}
}
