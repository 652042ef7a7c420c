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
		clone, err := safejs.Global().Call("structuredClone", v)
		if err != nil {
			return storeError(key, err)
		}
		v = safejs.Unsafe(clone)
		return nil
	}
	_, err = st.do(ctx, idb.OpPut, hold, func(store safejs.Value) (safejs.Value, error) {
		if _, err := store.Call("put", v, k); err != nil {
			return safejs.Undefined(), storeError(key, err)
		}
		return store.Get("transaction")
	})
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
	return st.request(ctx, idb.OpGet, key, "get")
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
	v, err := st.request(ctx, idb.OpHas, key, "getKey")
	return err == nil && !v.IsUndefined(), err
}

// Delete removes key and returns once that is durable; a missing key is fine.
func (st *Store) Delete(ctx context.Context, key string) error {
	k, err := goKey(key)
	if err != nil {
		return err
	}
	_, err = st.do(ctx, idb.OpDelete, nil, func(store safejs.Value) (safejs.Value, error) {
		if _, err := store.Call("delete", k); err != nil {
			return safejs.Undefined(), err
		}
		return store.Get("transaction")
	})
	return err
}

// Keys returns the store's keys in IndexedDB order.
func (st *Store) Keys(ctx context.Context) ([]string, error) {
	arr, err := st.do(ctx, idb.OpKeys, nil, func(store safejs.Value) (safejs.Value, error) {
		return store.Call("getAllKeys")
	})
	if err != nil || arr.IsUndefined() {
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
	_, err := st.do(ctx, idb.OpClear, nil, func(store safejs.Value) (safejs.Value, error) {
		if _, err := store.Call("clear"); err != nil {
			return safejs.Undefined(), err
		}
		return store.Get("transaction")
	})
	return err
}

// request reads key with the object store's method (get or getKey).
func (st *Store) request(ctx context.Context, kind idb.OpKind, key, method string) (js.Value, error) {
	k, err := goKey(key)
	if err != nil {
		return js.Undefined(), err
	}
	return st.do(ctx, kind, nil, func(store safejs.Value) (safejs.Value, error) {
		return store.Call(method, k)
	})
}

type result struct {
	v   js.Value
	err error
}

// do runs one operation through idb and waits for it. place puts its request in
// the object store of the task's transaction and returns what to wait for: the
// request of a read (do returns its result) or the transaction of a write (do
// returns once it commits). A read of a store that was never written gives
// undefined, and a delete or clear there has nothing to do.
func (st *Store) do(ctx context.Context, kind idb.OpKind, hold func() error, place func(store safejs.Value) (safejs.Value, error)) (js.Value, error) {
	write := kind == idb.OpPut || kind == idb.OpDelete || kind == idb.OpClear
	ch := make(chan result, 1)
	op := &idb.JSOp{Kind: kind, Hold: hold, Run: func(conn js.Value, exists bool, err error) error {
		if err != nil || !exists {
			ch <- result{js.Undefined(), err}
			return nil
		}
		begin := safejs.Safe(idb.BeginJS())
		target, err := placeIn(begin, conn, st.s.ObjectStoreJS(), write, false, place)
		if errorName(err) == "TransactionInactiveError" {
			// IndexedDB deactivates a transaction while put clones a value: a call
			// made from a getter then needs a transaction of its own.
			target, err = placeIn(begin, conn, st.s.ObjectStoreJS(), write, true, place)
		}
		if err != nil {
			if name := errorName(err); name == "InvalidStateError" || name == "NotFoundError" {
				return err // the connection closed under us: idb reconnects and runs op again
			}
			ch <- result{js.Undefined(), err}
			return nil
		}
		listen(target, write, ch)
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

// placeIn places the operation in the object store begin gives. Errors that
// JavaScript threw come back as *idb.DOMError.
func placeIn(begin safejs.Value, conn, name js.Value, write, fresh bool, place func(safejs.Value) (safejs.Value, error)) (safejs.Value, error) {
	store, err := begin.Invoke(conn, name, write, fresh)
	if err == nil {
		store, err = place(store)
	}
	return store, domError(err)
}

// listen sends the outcome of target to ch once it settles: a request's result,
// or a transaction's commit (undefined) or abort (its error).
func listen(target safejs.Value, write bool, ch chan<- result) {
	t := safejs.Unsafe(target)
	var f safejs.Func
	f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		event := safejs.Unsafe(args[0])
		switch event.Get("type").String() {
		case "success":
			ch <- result{t.Get("result"), nil}
		case "complete":
			ch <- result{js.Undefined(), nil}
		case "error": // a read's request
			event.Call("preventDefault")
			ch <- result{js.Undefined(), idb.DOMErrorOf(t.Get("error"))}
		case "abort": // a write's transaction
			var err error = &idb.DOMError{Name: "AbortError", Message: "goapi: the transaction was aborted"}
			if txErr := t.Get("error"); txErr.Type() == js.TypeObject {
				err = idb.DOMErrorOf(txErr)
			}
			ch <- result{js.Undefined(), err}
		}
		for _, ev := range events(write) {
			t.Call("removeEventListener", ev, safejs.Unsafe(f.Value()))
		}
		f.Release()
		return nil
	})
	if err != nil {
		ch <- result{js.Undefined(), err}
		return
	}
	for _, ev := range events(write) {
		t.Call("addEventListener", ev, safejs.Unsafe(f.Value()))
	}
}

func events(write bool) []string {
	if write {
		return []string{"complete", "abort"}
	}
	return []string{"success", "error"}
}

// domError turns what JavaScript threw (safejs wraps it) into an *idb.DOMError.
func domError(err error) error {
	var jsErr js.Error
	if errors.As(err, &jsErr) {
		return idb.DOMErrorOf(jsErr.Value)
	}
	return err
}

func errorName(err error) string {
	var d *idb.DOMError
	if errors.As(err, &d) {
		return d.Name
	}
	return ""
}

// storeError names the key in a DataCloneError, so that a caller who stores many
// values learns which one cannot be stored.
func storeError(key string, err error) error {
	err = domError(err)
	var d *idb.DOMError
	if !errors.As(err, &d) || d.Name != "DataCloneError" {
		return err
	}
	return &idb.DOMError{Name: d.Name, Message: "goapi: the value for key " + quote(key) + " cannot be stored: " + d.Message}
}

func quote(s string) string { return `"` + s + `"` }

// goKey turns a Go key into a JavaScript string; invalid UTF-8 would be decoded
// to U+FFFD in JavaScript and merge with other keys, so it is refused.
func goKey(key string) (js.Value, error) {
	if !utf8.ValidString(key) {
		return js.Undefined(), scope.ErrInvalidName
	}
	return js.ValueOf(key), nil
}
