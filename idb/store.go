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
	handle js.Value // made on first use by HandleJS
	parse  bool     // scope is to be parsed from name (StoreFromHandle)
}

// Scope returns the scope this store holds.
func (s *Store) Scope() scope.Scope {
	if s.parse {
		sc, _ := scope.Parse(s.name)
		return sc
	}
	return s.scope
}

// DB returns the database the store belongs to.
func (s *Store) DB() *DB { return s.db }

// RunJS runs op on this store; it returns Hold's error, if any.
func (s *Store) RunJS(j *JSOp) error {
	return s.db.run(&op{store: s.name, js: j})
}

// ObjectStoreJS returns the name of the store's object store as a JavaScript
// string, made once.
func (s *Store) ObjectStoreJS() js.Value { return s.nameJS }

// HandleJS returns the store as ops.js takes it, made once: {name, scope:
// {kind, name}, hub}, where name is the object store's name and hub the events
// hub of the store's patch.
func (s *Store) HandleJS() js.Value {
	if s.handle.IsUndefined() {
		h := js.Global().Get("Object").New()
		h.Set("name", s.nameJS)
		h.Set("scope", scopeJS(s.scope))
		h.Set("hub", s.db.HubJS())
		s.handle = h
	}
	return s.handle
}

// Handle returns the handle of a store made by StoreFromHandle (HandleJS makes
// one for the others; kv.wasm only has the first kind, and does without
// HandleJS's code).
func (s *Store) Handle() js.Value { return s.handle }

// StoreFromHandle returns the store of handle, a store handle made in
// JavaScript in the shape HandleJS makes ({name, scope, hub}, as wasm/glue.js
// does for a new store object): the handle is used as it is, so making a store
// object costs one call into JavaScript rather than a dozen. The name must be
// one that scope's ObjectStore returns.
func (db *DB) StoreFromHandle(handle js.Value) (*Store, error) {
	nameJS, err := wrap(handle).Get("name")
	if err != nil {
		return nil, err
	}
	name, err := nameJS.String()
	if err != nil {
		return nil, err
	}
	return &Store{db: db, name: name, nameJS: nameJS.js(), handle: handle, parse: true}, nil
}

// scopeJS returns {kind, name} for s, as events and kv.scopes() spell it.
func scopeJS(s scope.Scope) js.Value {
	o := js.Global().Get("Object").New()
	o.Set("kind", s.Kind.String())
	o.Set("name", s.Name)
	return o
}
