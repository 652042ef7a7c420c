//go:build js && wasm

package idb

import (
	"context"
	"syscall/js"
	"unicode/utf8"

	"github.com/hack-pad/safejs"

	"github.com/patchies/patchkv/scope"
)

// Store is one scope of a patch: a node's private keys, a named store, or the host
// scope, kept in its own object store. Store values are cheap; make as many as needed.
type Store struct {
	db    *DB
	scope scope.Scope
	name  string
}

// Scope returns the scope this store holds.
func (s *Store) Scope() scope.Scope { return s.scope }

// DB returns the database the store belongs to.
func (s *Store) DB() *DB { return s.db }

// jsKey checks that key is a JavaScript string (keys stay JavaScript values so that
// strings Go cannot hold, such as lone surrogates, are never merged).
func jsKey(key js.Value) (safejs.Value, error) {
	if typeOf(safejs.Safe(key)) != safejs.TypeString {
		return safejs.Value{}, ErrInvalidKey
	}
	return safejs.Safe(key), nil
}

// The asynchronous API below takes JavaScript values, never blocks, and may be
// called from js.FuncOf handlers. Reads report through done, on the JavaScript
// event loop; writes return a Commit. A request is placed when the call is made,
// so a write clones its value at once.

// GetJS reports the value stored under key, a fresh copy, or undefined.
func (s *Store) GetJS(key js.Value, done func(Value, error)) {
	s.read(opGet, key, func(req safejs.Value, err error) {
		if err != nil || req.Type() == safejs.TypeUndefined {
			done(undefinedValue(), err)
			return
		}
		done(requestResult(req), nil)
	})
}

// HasJS reports whether key is stored (also when its value is undefined).
func (s *Store) HasJS(key js.Value, done func(bool, error)) {
	s.read(opHas, key, func(req safejs.Value, err error) {
		if err != nil || req.Type() == safejs.TypeUndefined {
			done(false, err)
			return
		}
		found, err := req.Get("result")
		done(err == nil && found.Type() != safejs.TypeUndefined, err)
	})
}

// KeysJS reports a new Array of the store's keys in IndexedDB order.
func (s *Store) KeysJS(done func(js.Value, error)) {
	s.db.run(&op{kind: opKeys, store: s.name, read: func(req safejs.Value, err error) {
		var keys safejs.Value
		switch {
		case err != nil:
		case req.Type() == safejs.TypeUndefined:
			keys, err = jsg.array.New()
		default:
			keys, err = req.Get("result")
		}
		done(safejs.Unsafe(keys), err)
	}})
}

func (s *Store) read(kind opKind, key js.Value, done func(safejs.Value, error)) {
	k, err := jsKey(key)
	if err != nil {
		done(safejs.Undefined(), err)
		return
	}
	s.db.run(&op{kind: kind, store: s.name, key: k, read: done})
}

// PutJS stores a structured clone of value, taken now, under key. It errors at
// once with ErrInvalidKey or a DataCloneError (what was stored is unchanged);
// otherwise the Commit settles when the write is durable.
func (s *Store) PutJS(key js.Value, value Value) (*Commit, error) {
	k, err := jsKey(key)
	if err != nil {
		return nil, err
	}
	return s.db.run(&op{kind: opPut, store: s.name, key: k, value: value})
}

// DeleteJS removes key; deleting a missing key is not an error.
func (s *Store) DeleteJS(key js.Value) (*Commit, error) {
	k, err := jsKey(key)
	if err != nil {
		return nil, err
	}
	return s.db.run(&op{kind: opDelete, store: s.name, key: k})
}

// ClearJS removes every key of this store and of no other.
func (s *Store) ClearJS() (*Commit, error) {
	return s.db.run(&op{kind: opClear, store: s.name})
}

// The blocking API below takes and returns Go values (see ToJS and FromJS for the
// conversions). Call it from a goroutine, never from a js.FuncOf handler: waiting
// there would stop the event loop that has to deliver the answer.

// Set stores value under key and returns once it is durable. It errors with
// scope.ErrInvalidName for a key that is not valid UTF-8, ErrUnsupported for a Go
// value with no JavaScript form, a *DOMError from IndexedDB, or ctx's error.
func (s *Store) Set(ctx context.Context, key string, value any) error {
	k, err := goKey(key)
	if err != nil {
		return err
	}
	v, err := ToJS(value)
	if err != nil {
		return err
	}
	c, err := s.PutJS(k, ValueOf(v))
	if err != nil {
		return err
	}
	return c.Wait(ctx)
}

// Get returns the value stored under key converted by FromJS, and whether it was
// found. A Blob comes back as a *Blob: its bytes are read only if asked for.
func (s *Store) Get(ctx context.Context, key string) (any, bool, error) {
	v, err := s.GetValueJS(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if v.Type() == js.TypeUndefined {
		found, err := s.Has(ctx, key)
		return nil, found, err
	}
	out, err := FromJS(v)
	return out, true, err
}

// GetValueJS returns the JavaScript value stored under key (undefined when absent).
func (s *Store) GetValueJS(ctx context.Context, key string) (js.Value, error) {
	k, err := goKey(key)
	if err != nil {
		return js.Undefined(), err
	}
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	s.GetJS(k, func(v Value, err error) { ch <- result{v.JS(), err} })
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// GetBytes returns the bytes stored under key: the contents of a Uint8Array, any
// other typed array or DataView, an ArrayBuffer, or a Blob (read now). It returns
// nil, false for a missing key and ErrNotBytes for other values.
func (s *Store) GetBytes(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := s.GetValueJS(ctx, key)
	if err != nil || v.Type() == js.TypeUndefined {
		return nil, false, err
	}
	b, err := BytesOf(ctx, v)
	return b, err == nil, err
}

// Has reports whether key is stored.
func (s *Store) Has(ctx context.Context, key string) (bool, error) {
	k, err := goKey(key)
	if err != nil {
		return false, err
	}
	type result struct {
		ok  bool
		err error
	}
	ch := make(chan result, 1)
	s.HasJS(k, func(ok bool, err error) { ch <- result{ok, err} })
	select {
	case r := <-ch:
		return r.ok, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Delete removes key and returns once that is durable.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := goKey(key)
	if err != nil {
		return err
	}
	c, err := s.DeleteJS(k)
	if err != nil {
		return err
	}
	return c.Wait(ctx)
}

// Keys returns the store's keys in IndexedDB order.
func (s *Store) Keys(ctx context.Context) ([]string, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	s.KeysJS(func(v js.Value, err error) { ch <- result{v, err} })
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	n := r.v.Length()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = r.v.Index(i).String()
	}
	return keys, nil
}

// Clear removes every key of the store and returns once that is durable.
func (s *Store) Clear(ctx context.Context) error {
	c, err := s.ClearJS()
	if err != nil {
		return err
	}
	return c.Wait(ctx)
}

func goKey(key string) (js.Value, error) {
	if !utf8.ValidString(key) {
		return js.Undefined(), scope.ErrInvalidName
	}
	return js.ValueOf(key), nil
}
