//go:build js && wasm

package idb

import "syscall/js"

// OpKind says what a JSOp does: for ordering, and because a put is the only
// operation that makes its object store exist.
type OpKind uint8

const (
	OpGet OpKind = iota
	OpHas
	OpKeys
	OpPut
	OpDelete
	OpClear
)

// JSOp is one operation on a store whose IndexedDB requests the caller places
// itself: the wasm package in one call into JavaScript, so that the hot path
// crosses the boundary once; package goapi through safejs. The DB decides when it
// runs: at once when the connection is open and nothing waits before it, or later,
// in call order, once the connection has opened or has been upgraded to create
// the object store a put needs. Whoever runs it places its requests in the
// current task's transaction on the store (BeginJS), so that operations issued
// together commit together.
type JSOp struct {
	Kind OpKind
	// Run does the operation on the open connection conn, in the object store
	// named by Store.ObjectStoreJS; exists says whether that store exists (it
	// always does for OpPut; a read of a store that does not exist finds nothing,
	// and no store is created for it). When the operation cannot run, Run gets an
	// undefined conn and the error. If Run returns an InvalidStateError or
	// NotFoundError (the connection closed under it), the operation runs again
	// once reconnected.
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
func (o *op) creates() bool { return o.js != nil && o.js.Kind == OpPut }

// fail reports err for o.
func (o *op) fail(err error) {
	if o.ctl != nil {
		o.ctl.fail(err)
		return
	}
	_ = o.js.Run(js.Undefined(), false, err)
}
