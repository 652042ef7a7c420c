//go:build js && wasm

package idb

import (
	"syscall/js"

	"github.com/patchies/patchkv/scope"
)

// Change is one committed change of a patch's data, as its events hub
// (events.js) delivers it to listeners in every page, frame and worker of the
// origin on the patch.
type Change struct {
	// Scope is the scope that changed; for a Reset of the whole patch (a
	// destroyed database) it is the zero Scope.
	Scope scope.Scope
	// Op is OpSet, OpDeleted, OpCleared or OpReset.
	Op string
	// Key is the key set or deleted ("" for clear and reset).
	Key string
}

// The ops of a Change, spelled as JavaScript listeners see them.
const (
	ChangeSet     = "set"    // set or update wrote Key
	ChangeDeleted = "delete" // delete removed Key (it existed)
	ChangeCleared = "clear"  // clear ran
	ChangeReset   = "reset"  // the scope changed in bulk: reread what you need
)

// HubJS returns the JavaScript events hub of the DB's patch in this realm (see
// events.js): emit(changes) and subscribe(scope | null, fn) → unsubscribe.
// Every DB of one patch in a realm has the same hub.
func (db *DB) HubJS() js.Value {
	_ = loadGlue()
	if glue.hubOf.Type() != js.TypeFunction {
		return js.Undefined()
	}
	h, err := glue.hubOf.Invoke(db.patch)
	if err != nil {
		return js.Undefined()
	}
	return h.js()
}

// Emit tells every listener of the patch (in this realm and, through its
// BroadcastChannel, in every other) about changes that have committed. The
// operations of stores emit their own changes; Emit is for whoever changes
// scopes in bulk (an import, a removed scope, a destroyed database), which
// emits a Change with Op ChangeReset for each scope, or one with the zero Scope
// for the whole patch.
func (db *DB) Emit(changes ...Change) {
	hub := db.HubJS()
	if hub.IsUndefined() || len(changes) == 0 {
		return
	}
	arr := js.Global().Get("Array").New(len(changes))
	for i, c := range changes {
		o := js.Global().Get("Object").New()
		if c.Scope.Kind == 0 {
			o.Set("scope", js.Null())
		} else {
			o.Set("scope", scopeJS(c.Scope))
		}
		o.Set("op", c.Op)
		if c.Op == ChangeSet || c.Op == ChangeDeleted {
			o.Set("key", c.Key)
		}
		arr.SetIndex(i, o)
	}
	_, _ = wrap(hub).Call("emit", arr)
}

// ChangeOf converts a change as the hub delivers it to a listener ({scope:
// {kind, name} | null, op, key}) into a Change.
func ChangeOf(v js.Value) Change {
	var c Change
	x := wrap(v)
	c.Op = getString(x, "op")
	c.Key = getString(x, "key")
	if sv, err := x.Get("scope"); err == nil && sv.Type() == js.TypeObject {
		name := getString(sv, "name")
		switch getString(sv, "kind") {
		case "host":
			c.Scope = scope.HostScope()
		case "node":
			c.Scope, _ = scope.NodeScope(name)
		case "store":
			c.Scope, _ = scope.NamedScope(name)
		}
	}
	return c
}
