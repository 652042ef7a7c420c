//go:build js && wasm

package goapi

import (
	"context"
	"errors"
	"syscall/js"
	"unicode/utf8"

	"github.com/hack-pad/safejs"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/scope"
)

// Store gives blocking, Go-valued access to one scope of a patch.
type Store struct {
	s *idb.Store
}

// Wrap returns the Go API of s.
func Wrap(s *idb.Store) *Store { return &Store{s: s} }

// Open returns the Go API of scope sc of patch, with default options. It errors
// like idb.Open.
func Open(patch string, sc scope.Scope) (*Store, error) {
	db, err := idb.Open(patch, idb.Options{})
	if err != nil {
		return nil, err
	}
	return Wrap(db.Store(sc)), nil
}

// Store returns the underlying asynchronous store.
func (st *Store) Store() *idb.Store { return st.s }

// Set stores value (converted by ToJS) under key and returns once it is durable.
// It errors with scope.ErrInvalidName for a key that is not valid UTF-8,
// ErrUnsupported for a Go value with no JavaScript form, an *idb.DOMError from
// IndexedDB (DataCloneError, QuotaExceededError...), or ctx's error.
func (st *Store) Set(ctx context.Context, key string, value any) error {
	k, err := goKey(key)
	if err != nil {
		return err
	}
	v, err := ToJS(value)
	if err != nil {
		return err
	}
	hold := func() error {
		// The write waits for the connection: keep a clone taken now, as put would.
		box, err := safejs.Safe(idb.OpsJS()).Call("clone", v, k)
		if err != nil {
			return domError(err)
		}
		v = safejs.Unsafe(box).Index(0)
		return nil
	}
	_, err = st.do(ctx, idb.OpPut, hold, k, func() js.Value { return v })
	return err
}

// Get returns the value stored under key converted by FromJS, and whether the key
// exists. A Blob comes back as a *Blob whose bytes are read only if asked for.
func (st *Store) Get(ctx context.Context, key string) (any, bool, error) {
	v, err := st.GetJS(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if v.IsUndefined() {
		found, err := st.Has(ctx, key)
		return nil, found, err
	}
	out, err := FromJS(v)
	return out, true, err
}

// GetJS returns the JavaScript value stored under key (undefined when absent).
func (st *Store) GetJS(ctx context.Context, key string) (js.Value, error) {
	return st.keyed(ctx, idb.OpGet, key)
}

// GetBytes returns the bytes stored under key: the contents of a Uint8Array, any
// other typed array or DataView, an ArrayBuffer, or a Blob (read now). It returns
// nil, false for a missing key and ErrNotBytes for other values.
func (st *Store) GetBytes(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := st.GetJS(ctx, key)
	if err != nil || v.IsUndefined() {
		return nil, false, err
	}
	b, err := BytesOf(ctx, v)
	return b, err == nil, err
}

// Has reports whether key is stored (also when its value is undefined).
func (st *Store) Has(ctx context.Context, key string) (bool, error) {
	v, err := st.keyed(ctx, idb.OpHas, key)
	return err == nil && v.Type() == js.TypeBoolean && v.Bool(), err
}

// Delete removes key and returns once that is durable. It reports whether the
// key existed just before, decided in the same transaction as the delete (of two
// contexts deleting one key at once, exactly one gets true).
func (st *Store) Delete(ctx context.Context, key string) (bool, error) {
	v, err := st.keyed(ctx, idb.OpDelete, key)
	return err == nil && v.Type() == js.TypeBoolean && v.Bool(), err
}

// Update reads key and stores what fn returns in one IndexedDB transaction, so
// that no other write to the store (from this context or any other page, frame
// or worker) comes between the read and the write, and returns the stored value
// once it is durable. fn gets the current value converted by FromJS and whether
// the key holds a value (false for a missing key and for a stored undefined);
// its result is converted by ToJS. fn runs on the browser's event loop inside
// the transaction: it must return at once, without blocking or waiting on a
// channel. It may run more than once when the transaction has to be retried;
// its result is stored once. When fn returns an error (or panics), nothing is
// written and Update returns that error; a result that cannot be stored gives a
// DataCloneError and leaves the old value.
func (st *Store) Update(ctx context.Context, key string, fn func(old any, found bool) (any, error)) (any, error) {
	k, err := goKey(key)
	if err != nil {
		return nil, err
	}
	var (
		fnErr  error
		stored any
	)
	ops := idb.OpsJS()
	f := js.FuncOf(func(_ js.Value, args []js.Value) (res any) {
		defer func() {
			if p := recover(); p != nil {
				fnErr = errors.New("goapi: Update: the function panicked")
				res = ops.Get("skip")
			}
		}()
		fnErr, stored = nil, nil
		var old any
		found := len(args) > 0 && !args[0].IsUndefined()
		if found {
			if old, fnErr = FromJS(args[0]); fnErr != nil {
				return ops.Get("skip")
			}
		}
		v, err := fn(old, found)
		if err == nil {
			var jv js.Value
			if jv, err = ToJS(v); err == nil {
				stored = v
				return jv
			}
		}
		fnErr = err
		return ops.Get("skip")
	})
	defer f.Release()
	_, err = st.do(ctx, idb.OpUpdate, nil, k, func() js.Value { return f.Value })
	if err != nil {
		if fnErr != nil {
			return nil, fnErr
		}
		return nil, err
	}
	return stored, nil
}

// Keys returns the store's keys in IndexedDB order.
func (st *Store) Keys(ctx context.Context) ([]string, error) {
	arr, err := st.do(ctx, idb.OpKeys, nil, js.Undefined(), nil)
	if err != nil || arr.Type() != js.TypeObject {
		return nil, err
	}
	keys := make([]string, arr.Length())
	for i := range keys {
		keys[i] = arr.Index(i).String()
	}
	return keys, nil
}

// Clear removes every key of the store and returns once that is durable.
func (st *Store) Clear(ctx context.Context) error {
	_, err := st.do(ctx, idb.OpClear, nil, js.Undefined(), nil)
	return err
}

// Subscribe calls fn with each change of the store once it has committed,
// whoever made it: this module, the JavaScript kv, another page, frame or worker
// of the origin on the same patch (see the README's "Live changes"). fn runs on
// the browser's event loop: it must return at once (start a goroutine, or send
// on a buffered channel, for anything longer). cancel stops the calls; calling
// it again does nothing.
func (st *Store) Subscribe(fn func(idb.Change)) (cancel func()) {
	own := st.s.Scope()
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 {
			return nil
		}
		c := idb.ChangeOf(args[0])
		c.Scope = own
		fn(c)
		return nil
	})
	h := st.s.HandleJS()
	unsub := h.Get("hub").Call("subscribe", h.Get("scope"), f)
	done := false
	return func() {
		if done {
			return
		}
		done = true
		unsub.Invoke()
		f.Release()
	}
}

// keyed runs an operation on key (get, has, delete).
func (st *Store) keyed(ctx context.Context, kind idb.OpKind, key string) (js.Value, error) {
	k, err := goKey(key)
	if err != nil {
		return js.Undefined(), err
	}
	return st.do(ctx, kind, nil, k, nil)
}

type result struct {
	v   js.Value
	err error
}

// do runs one operation through idb's ops (idb.OpsJS) and waits for its
// Promise: a read's result, a write's once committed. value, if set, gives the
// operation's value when it runs (a put's, an update's function).
func (st *Store) do(ctx context.Context, kind idb.OpKind, hold func() error, key js.Value, value func() js.Value) (js.Value, error) {
	ch := make(chan result, 1)
	op := &idb.JSOp{Kind: kind, Hold: hold, Run: func(conn js.Value, exists bool, err error) error {
		if err != nil {
			ch <- result{js.Undefined(), err}
			return nil
		}
		v := js.Undefined()
		if value != nil {
			v = value()
		}
		p, err := safejs.Safe(idb.OpsJS()).Call("run", conn, st.s.HandleJS(), int(kind), exists, key, v)
		if err != nil {
			err = domError(err)
			if idb.ConnGone(err) {
				return err // the connection closed under us: idb reconnects and runs op again
			}
			ch <- result{js.Undefined(), err}
			return nil
		}
		listen(safejs.Unsafe(p), ch)
		return nil
	}}
	if err := st.s.RunJS(op); err != nil {
		return js.Undefined(), err
	}
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// listen sends the outcome of the Promise p to ch once it settles.
func listen(p js.Value, ch chan<- result) {
	var ok, fail js.Func
	release := func() {
		ok.Release()
		fail.Release()
	}
	ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
		release()
		ch <- result{args[0], nil}
		return nil
	})
	fail = js.FuncOf(func(_ js.Value, args []js.Value) any {
		release()
		ch <- result{js.Undefined(), idb.DOMErrorOf(args[0])}
		return nil
	})
	p.Call("then", ok, fail)
}

// domError turns what JavaScript threw (safejs wraps it) into an *idb.DOMError.
func domError(err error) error {
	var jsErr js.Error
	if errors.As(err, &jsErr) {
		return idb.DOMErrorOf(jsErr.Value)
	}
	return err
}

// goKey turns a Go key into a JavaScript string; invalid UTF-8 would be decoded
// to U+FFFD in JavaScript and merge with other keys, so it is refused.
func goKey(key string) (js.Value, error) {
	if !utf8.ValidString(key) {
		return js.Undefined(), scope.ErrInvalidName
	}
	return js.ValueOf(key), nil
}
