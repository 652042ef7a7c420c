//go:build js && wasm

package idb

import "syscall/js"

// OpKind says what a JSOp does. The codes are handed to ops.js when it is
// loaded (opCodesJS), so that Go and JavaScript share one definition.
type OpKind uint8

const (
	OpGet OpKind = iota
	OpHas
	OpKeys
	OpPut
	OpDelete
	OpClear
	// OpUpdate reads a key and writes what a function returns in one read-write
	// transaction (ops.js).
	OpUpdate
)

// opNames are the OpKind codes' names in ops.js.
var opNames = [...]string{OpGet: "get", OpHas: "has", OpKeys: "keys", OpPut: "put", OpDelete: "delete", OpClear: "clear", OpUpdate: "update"}

// opCodesJS describes the OpKind codes for ops.js: {get: 0, has: 1, ...}. A loop
// rather than js.ValueOf of a map literal, whose code costs kv.wasm about 1 KB.
func opCodesJS() js.Value {
	o := js.Global().Get("Object").New()
	for k, n := range opNames {
		o.Set(n, k)
	}
	return o
}

// Creates reports whether an operation of kind k needs its object store to
// exist (it writes a value); the others find nothing in a store that does not
// exist, and create nothing.
func (k OpKind) Creates() bool { return k == OpPut || k == OpUpdate }

// connGoneNames are the DOMExceptions that say a connection can no longer
// start transactions (it was closed by the browser or for a version change, or
// its object store is gone). It is the one classification of them: ops.js gets
// it too, and throws these (and only these) back to Go, which reconnects.
var connGoneNames = []any{"InvalidStateError", "NotFoundError"}

// ConnGone reports whether err says the connection closed under an operation:
// the operation can run again on a new connection.
func ConnGone(err error) bool {
	name := errorName(asDOMError(err))
	for _, n := range connGoneNames {
		if n == name {
			return true
		}
	}
	return false
}

// JSOp is one operation on a store. The DB decides when it runs: at once when
// the connection is open and nothing waits before it, or later, in call order,
// once the connection has opened or has been upgraded to create the object store
// the operation needs. Whoever runs it places it with OpsJS().run, in the
// current task's transaction on the store, so that operations issued together
// commit together; the wasm package does so in one call into JavaScript, so that
// the hot path crosses the boundary once, package goapi through safejs.
type JSOp struct {
	Kind OpKind
	// Run does the operation on the open connection conn, in the object store
	// of Store.HandleJS; exists says whether that store exists (it always does
	// when Kind.Creates; a read of a store that does not exist finds nothing,
	// and no store is created for it). When the operation cannot run, Run gets
	// an undefined conn and the error. If Run returns an error for which
	// ConnGone is true, the operation runs again once reconnected.
	Run func(conn js.Value, exists bool, err error) error
	// Hold, if set, is called before the operation waits, in the caller's call:
	// it takes what Run will need from the caller's arguments (a put clones its
	// value, as put itself would). Its error cancels the operation and is
	// returned by RunJS.
	Hold func() error
}

// op is one operation kept whole, so that it can wait in the queue while the
// connection opens or upgrades: a JSOp on an object store, or a control
// operation on the database (ctl, see ctl.go).
type op struct {
	store string
	js    *JSOp
	held  bool // js.Hold has run
	ctl   *ctlOp
}

// creates reports whether o needs its object store to exist.
func (o *op) creates() bool { return o.js != nil && o.js.Kind.Creates() }

// fail reports err for o.
func (o *op) fail(err error) {
	if o.ctl != nil {
		o.ctl.fail(err)
		return
	}
	_ = o.js.Run(js.Undefined(), false, err)
}
