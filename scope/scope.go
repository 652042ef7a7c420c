package scope

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Kind says whose keys a scope holds.
type Kind uint8

const (
	// Host is the page's own scope: the root kv's get/set/... methods.
	Host Kind = iota + 1
	// Node is the private scope of one node id.
	Node
	// Named is a store shared by everyone who opens the same name.
	Named
)

// String returns the kind's name as the JavaScript API spells it.
func (k Kind) String() string {
	switch k {
	case Host:
		return "host"
	case Node:
		return "node"
	case Named:
		return "store"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Object store names are a prefix that says the kind, then the name verbatim. The
// prefixes differ and the host's has no name part, so the mapping is injective.
const (
	hostStore   = "host"
	nodePrefix  = "node:"
	namedPrefix = "store:"
	dbPrefix    = "patchkv:"
)

// ErrInvalidName is returned for names that cannot cross to JavaScript losslessly:
// invalid UTF-8 in Go, or a lone surrogate in JavaScript (which Go decodes to
// U+FFFD, so two different JS names would become one).
var ErrInvalidName = errors.New("scope: name is not valid Unicode text (lone surrogate or invalid UTF-8)")

// ErrNotPatchKV is returned by Parse for an object store name that patchkv did not create.
var ErrNotPatchKV = errors.New("scope: not a patchkv object store name")

// Scope identifies one object store of a patch's database.
type Scope struct {
	Kind Kind
	// Name is the node id or the store name; empty for Host (and allowed to be
	// empty for the others: "" is a valid node id and store name).
	Name string
}

// HostScope returns the page's host scope.
func HostScope() Scope { return Scope{Kind: Host} }

// NodeScope returns the private scope of node id. It errors with ErrInvalidName
// when id is not valid UTF-8.
func NodeScope(id string) (Scope, error) { return newScope(Node, id) }

// NamedScope returns the shared store called name. It errors with ErrInvalidName
// when name is not valid UTF-8.
func NamedScope(name string) (Scope, error) { return newScope(Named, name) }

func newScope(k Kind, name string) (Scope, error) {
	if !utf8.ValidString(name) {
		return Scope{}, ErrInvalidName
	}
	return Scope{Kind: k, Name: name}, nil
}

// ObjectStore returns the name of the IndexedDB object store that holds s.
func (s Scope) ObjectStore() string {
	switch s.Kind {
	case Node:
		return nodePrefix + s.Name
	case Named:
		return namedPrefix + s.Name
	default:
		return hostStore
	}
}

// String describes s for error messages, e.g. `node "a"`.
func (s Scope) String() string {
	if s.Kind == Host {
		return "host scope"
	}
	return s.Kind.String() + " " + strconv.Quote(s.Name)
}

// Parse is the inverse of ObjectStore. It errors with ErrNotPatchKV for names that
// ObjectStore never returns.
func Parse(objectStore string) (Scope, error) {
	switch {
	case objectStore == hostStore:
		return HostScope(), nil
	case hasPrefix(objectStore, nodePrefix):
		return NodeScope(objectStore[len(nodePrefix):])
	case hasPrefix(objectStore, namedPrefix):
		return NamedScope(objectStore[len(namedPrefix):])
	}
	return Scope{}, ErrNotPatchKV
}

// DatabaseName returns the IndexedDB database that holds patch's data. It errors
// with ErrInvalidName when patch is not valid UTF-8.
func DatabaseName(patch string) (string, error) {
	if !utf8.ValidString(patch) {
		return "", ErrInvalidName
	}
	return dbPrefix + patch, nil
}

// PatchOf is the inverse of DatabaseName; ok is false for databases patchkv did not name.
func PatchOf(database string) (patch string, ok bool) {
	if !hasPrefix(database, dbPrefix) {
		return database, false
	}
	return database[len(dbPrefix):], true
}

// hasPrefix is strings.HasPrefix; package strings would bring the unicode tables
// into kv.wasm for this one comparison.
func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}
