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

// RunJS runs op on this store; it returns Hold's error, if any.
func (s *Store) RunJS(j *JSOp) error {
	return s.db.run(&op{store: s.name, js: j})
}

// ObjectStoreJS returns the name of the store's object store as a JavaScript
// string, made once.
func (s *Store) ObjectStoreJS() js.Value { return s.nameJS }
