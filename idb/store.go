//go:build js && wasm

package idb

import (
	"syscall/js"

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
func jsKey(key js.Value) (jsval, error) {
	if wrap(key).Type() != js.TypeString {
		return jsval{}, ErrInvalidKey
	}
	return wrap(key), nil
}

// The asynchronous API below takes JavaScript values, never blocks, and may be
// called from js.FuncOf handlers. Reads report through done, on the JavaScript
// event loop; writes return a Commit. A request is placed when the call is made,
// so a write clones its value at once.

// GetJS reports the value stored under key, a fresh copy, or undefined.
func (s *Store) GetJS(key js.Value, done func(Value, error)) {
	s.read(opGet, key, func(req jsval, err error) {
		if err != nil || req.Type() == js.TypeUndefined {
			done(undefinedValue(), err)
			return
		}
		done(requestResult(req), nil)
	})
}

// HasJS reports whether key is stored (also when its value is undefined).
func (s *Store) HasJS(key js.Value, done func(bool, error)) {
	s.read(opHas, key, func(req jsval, err error) {
		if err != nil || req.Type() == js.TypeUndefined {
			done(false, err)
			return
		}
		found, err := req.Get("result")
		done(err == nil && found.Type() != js.TypeUndefined, err)
	})
}

// KeysJS reports a new Array of the store's keys in IndexedDB order.
func (s *Store) KeysJS(done func(js.Value, error)) {
	s.db.run(&op{kind: opKeys, store: s.name, read: func(req jsval, err error) {
		var keys jsval
		switch {
		case err != nil:
		case req.Type() == js.TypeUndefined:
			keys, err = jsg.array.New()
		default:
			keys, err = req.Get("result")
		}
		done(keys.js(), err)
	}})
}

func (s *Store) read(kind opKind, key js.Value, done func(jsval, error)) {
	k, err := jsKey(key)
	if err != nil {
		done(undefined(), err)
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
