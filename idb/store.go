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
// called from js.FuncOf handlers. A request is placed when the call is made (or,
// while the connection opens or upgrades, as soon as it is ready, in call order),
// so a write clones its value at once and a read sees every earlier write.

// ReadKind selects what ReadJS asks for.
type ReadKind uint8

const (
	// ReadGet reads the value stored under the key (undefined when absent).
	ReadGet ReadKind = iota
	// ReadHas reads the key itself, or undefined when it is not stored.
	ReadHas
	// ReadKeys reads an Array of every key of the store, in IndexedDB order.
	ReadKeys
)

var readOps = [...]opKind{ReadGet: opGet, ReadHas: opHas, ReadKeys: opKeys}

// ReadJS runs a read: it calls place with the object store to place the read
// request on, in this task's transaction on the store (or, while the connection
// opens or upgrades, once it is ready, in call order). The caller places the
// request itself, so that a JavaScript caller can place it and watch its events
// in one step; the request is get(key) for ReadGet, getKey(key) for ReadHas and
// getAllKeys() for ReadKeys. place gets an undefined store and a nil error when
// the store was never written (nothing is stored), and an error when the read
// cannot run. If place returns a DOMException named TransactionInactiveError,
// the read runs again in a new transaction. key must be a JavaScript string
// (ErrInvalidKey) except for ReadKeys, which ignores it.
func (s *Store) ReadJS(kind ReadKind, key js.Value, place func(store js.Value, err error) error) {
	run := func(store jsval, err error) error { return asDOMError(place(store.js(), err)) }
	if kind == ReadKeys {
		s.db.run(&op{kind: opKeys, store: s.name, place: run})
		return
	}
	k, err := jsKey(key)
	if err != nil {
		_ = place(js.Undefined(), err)
		return
	}
	s.db.run(&op{kind: readOps[kind], store: s.name, key: k, place: run})
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
