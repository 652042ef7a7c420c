//go:build js && wasm

package idb

import (
	"syscall/js"

	"github.com/patchies/patchkv/scope"
)

// Store is one scope of a patch: a node's private keys, a named store, or the host
// scope, kept in its own object store. Store values are cheap; make as many as needed.
type Store struct {
	db     *DB
	scope  scope.Scope
	name   string
	nameJS js.Value
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

// OpKind says what a JSOp does, for ordering and for creating object stores.
type OpKind uint8

const (
	OpGet OpKind = iota
	OpHas
	OpKeys
	OpPut
	OpDelete
	OpClear
)

var jsOps = [...]opKind{OpGet: opGet, OpHas: opHas, OpKeys: opKeys, OpPut: opPut, OpDelete: opDelete, OpClear: opClear}

// JSOp is an operation whose IndexedDB requests the caller places itself, in one
// call into JavaScript, so that the hot path of the JavaScript API crosses the
// boundary once. The DB decides when it runs: at once when the connection is open
// and nothing waits before it, or later, in call order, once the connection has
// opened or has been upgraded to create the object store a write needs.
type JSOp struct {
	Kind OpKind
	// Run does the operation on the open connection conn, in the object store
	// named by ObjectStoreJS; exists says whether that store exists (it always
	// does for OpPut). When the operation cannot run, Run gets an undefined conn
	// and the error. If Run returns an InvalidStateError or NotFoundError (the
	// connection closed under it), the operation runs again once reconnected.
	Run func(conn js.Value, exists bool, err error) error
	// Hold, if set, is called before the operation waits, in the caller's call:
	// it takes what Run will need from the caller's arguments (a write clones
	// its value). Its error cancels the operation and is returned by RunJS.
	Hold func() error
}

// RunJS runs op on this store; it returns Hold's error, if any.
func (s *Store) RunJS(j *JSOp) error {
	_, err := s.db.run(&op{kind: jsOps[j.Kind], store: s.name, js: j})
	return err
}

// ObjectStoreJS returns the name of the store's object store as a JavaScript
// string, made once.
func (s *Store) ObjectStoreJS() js.Value { return s.nameJS }

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
