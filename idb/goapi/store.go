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
	c, err := st.s.PutJS(k, idb.ValueOf(v))
	if err != nil {
		return err
	}
	return wait(ctx, c)
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
	k, err := goKey(key)
	if err != nil {
		return js.Undefined(), err
	}
	return st.read(ctx, idb.ReadGet, k)
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
	k, err := goKey(key)
	if err != nil {
		return false, err
	}
	v, err := st.read(ctx, idb.ReadHas, k)
	return err == nil && !v.IsUndefined(), err
}

// Delete removes key and returns once that is durable; a missing key is fine.
func (st *Store) Delete(ctx context.Context, key string) error {
	k, err := goKey(key)
	if err != nil {
		return err
	}
	c, err := st.s.DeleteJS(k)
	if err != nil {
		return err
	}
	return wait(ctx, c)
}

// Keys returns the store's keys in IndexedDB order.
func (st *Store) Keys(ctx context.Context) ([]string, error) {
	arr, err := st.read(ctx, idb.ReadKeys, js.Undefined())
	if err != nil {
		return nil, err
	}
	if arr.IsUndefined() {
		return nil, nil
	}
	keys := make([]string, arr.Length())
	for i := range keys {
		keys[i] = arr.Index(i).String()
	}
	return keys, nil
}

// Clear removes every key of the store and returns once that is durable.
func (st *Store) Clear(ctx context.Context) error {
	c, err := st.s.ClearJS()
	if err != nil {
		return err
	}
	return wait(ctx, c)
}

type result struct {
	v   js.Value
	err error
}

// read runs a read and waits for its request's result; undefined when the store
// was never written.
func (st *Store) read(ctx context.Context, kind idb.ReadKind, key js.Value) (js.Value, error) {
	ch := make(chan result, 1)
	st.s.ReadJS(kind, key, func(store js.Value, err error) error {
		if err != nil || store.IsUndefined() {
			ch <- result{js.Undefined(), err}
			return nil
		}
		args := []any{key}
		if kind == idb.ReadKeys {
			args = nil
		}
		req, err := safejs.Safe(store).Call(readMethods[kind], args...)
		var jsErr js.Error
		if errors.As(err, &jsErr) && jsErr.Get("name").String() == "TransactionInactiveError" {
			return jsErr // idb runs the read again in a new transaction
		}
		if err != nil {
			ch <- result{js.Undefined(), err}
			return nil
		}
		listen(safejs.Unsafe(req), ch)
		return nil
	})
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

var readMethods = [...]string{idb.ReadGet: "get", idb.ReadHas: "getKey", idb.ReadKeys: "getAllKeys"}

// listen sends req's result or error to ch once it settles.
func listen(req js.Value, ch chan<- result) {
	var f safejs.Func
	f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		defer f.Release()
		event := safejs.Unsafe(args[0])
		if event.Get("type").String() == "success" {
			ch <- result{req.Get("result"), nil}
			return nil
		}
		event.Call("preventDefault")
		reqErr := req.Get("error")
		ch <- result{js.Undefined(), &idb.DOMError{Name: reqErr.Get("name").String(), Message: reqErr.Get("message").String()}}
		return nil
	})
	if err != nil {
		ch <- result{js.Undefined(), err}
		return
	}
	req.Set("onsuccess", safejs.Unsafe(f.Value()))
	req.Set("onerror", safejs.Unsafe(f.Value()))
}

// wait blocks until c settles or ctx ends.
func wait(ctx context.Context, c *idb.Commit) error {
	select {
	case <-c.Done():
		return c.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// goKey turns a Go key into a JavaScript string; invalid UTF-8 would be decoded
// to U+FFFD in JavaScript and merge with other keys, so it is refused.
func goKey(key string) (js.Value, error) {
	if !utf8.ValidString(key) {
		return js.Undefined(), scope.ErrInvalidName
	}
	return js.ValueOf(key), nil
}
