//go:build js && wasm

package idb

import (
	"errors"
	"syscall/js"
)

// This file holds the operations on the database as a whole: they wait in the
// same queue as the operations on stores, so that they take effect in call order.

type ctlKind uint8

const (
	ctlConn        ctlKind = iota // hand out the open connection
	ctlEnsure                     // make object stores exist (one upgrade)
	ctlDeleteStore                // delete an object store (one upgrade)
	ctlDestroy                    // close and delete the database
	ctlReplay                     // run again calls ops.js took back (DB.takeBackCalls)
)

// ctlOp is a control operation in the DB's queue.
type ctlOp struct {
	kind    ctlKind
	names   []string              // ctlEnsure: the stores; ctlDeleteStore: the one store
	conn    func(js.Value, error) // ctlConn
	done    func(error)           // ctlEnsure, ctlDestroy
	deleted func(bool, error)     // ctlDeleteStore
	list    jsval                 // ctlReplay: the calls
	// applied is set once an upgrade of the current connection has deleted the
	// store (existed: whether it was there).
	applied, existed bool
}

func (c *ctlOp) fail(err error) {
	switch c.kind {
	case ctlConn:
		c.conn(js.Undefined(), err)
	case ctlDeleteStore:
		c.deleted(false, err)
	case ctlReplay:
		_, _ = glue.ops.Call("replay", undefined(), c.list, err.Error())
	default:
		c.done(err)
	}
}

// finish reports success on conn.
func (c *ctlOp) finish(conn jsval) {
	switch c.kind {
	case ctlConn:
		c.conn(conn.js(), nil)
	case ctlDeleteStore:
		c.deleted(c.applied && c.existed, nil)
	case ctlReplay:
		_, _ = glue.ops.Call("replay", conn, c.list, "")
	default:
		c.done(nil)
	}
}

// ErrEmptyStoreName is returned for an object store name that is empty: patchkv's
// stores never have one (scope.Scope.ObjectStore is never empty).
var ErrEmptyStoreName = errors.New("idb: empty object store name")

// WithConn calls done with the open connection (an IDBDatabase), opening or
// reconnecting as needed, after every operation issued before it has started and
// before any issued after it. It errors when the database cannot be opened or the
// DB is closed. done runs synchronously in the task the connection became ready
// in: transactions it starts there are ordered with the DB's own. done must not
// close the connection.
func (db *DB) WithConn(done func(conn js.Value, err error)) {
	_ = db.run(&op{ctl: &ctlOp{kind: ctlConn, conn: done}})
}

// Ping opens the connection if needed and calls done once it is open (nil) or
// failed to open (the DOMException, for example when IndexedDB refuses access).
func (db *DB) Ping(done func(error)) {
	db.WithConn(func(_ js.Value, err error) { done(err) })
}

// EnsureStores makes sure every object store in names exists, creating all that
// are missing in one version upgrade (none when all exist), in call order. It
// errors like an upgrade does: a TimeoutError when other connections do not close
// within Options.BlockedTimeoutMS, the DOMException when IndexedDB refuses.
func (db *DB) EnsureStores(names []string, done func(error)) {
	for _, n := range names {
		if n == "" {
			done(ErrEmptyStoreName)
			return
		}
	}
	_ = db.run(&op{ctl: &ctlOp{kind: ctlEnsure, names: append([]string(nil), names...), done: done}})
}

// DeleteStore deletes the object store name and everything in it, in one version
// upgrade, in call order; existed says whether it was there (no upgrade when it
// was not). It errors like EnsureStores.
func (db *DB) DeleteStore(name string, done func(existed bool, err error)) {
	if name == "" {
		done(false, ErrEmptyStoreName)
		return
	}
	_ = db.run(&op{store: name, ctl: &ctlOp{kind: ctlDeleteStore, names: []string{name}, deleted: done}})
}

// Destroy closes this context's connection and deletes the database with
// everything in it, after the operations issued before it; the next operation
// creates it again. Other contexts' patchkv connections close on the
// versionchange event; a connection that does not close makes done fail with a
// TimeoutError after Options.BlockedTimeoutMS (IndexedDB then deletes the
// database once it closes).
func (db *DB) Destroy(done func(error)) {
	_ = db.run(&op{ctl: &ctlOp{kind: ctlDestroy, done: done}})
}

// HasStore reports, without waiting, whether the open connection has the object
// store name; open is false when no connection is open now.
func (db *DB) HasStore(name string) (exists, open bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.state != stateOpen {
		return false, false
	}
	return db.stores[name], true
}

// StoreNames calls done with the names of the database's object stores, in
// IndexedDB order, in call order (see WithConn).
func (db *DB) StoreNames(done func([]string, error)) {
	db.WithConn(func(conn js.Value, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		names, err := storeNames(wrap(conn))
		if err != nil {
			done(nil, asDOMError(err))
			return
		}
		done(names, nil)
	})
}

// takeBackCalls runs again, first and on the next connection, calls that ops.js
// placed on a connection that has gone since: calls that waited behind a shared
// transaction that could abort (they must not pass it), or that it had to run
// again. They go before everything in the queue, which was issued after them.
func (db *DB) takeBackCalls(list jsval) {
	o := &op{ctl: &ctlOp{kind: ctlReplay, list: list}}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		o.fail(ErrClosed)
		return
	}
	db.pushFrontLocked(o)
	db.pumpLocked()
	db.mu.Unlock()
}

// pushFrontLocked puts o first in the queue.
func (db *DB) pushFrontLocked(o *op) { db.queue = append([]*op{o}, db.queue...) }
