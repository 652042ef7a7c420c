//go:build js && wasm

package idb

import (
	"syscall/js"
)

type opKind uint8

const (
	opGet opKind = iota
	opHas
	opKeys
	opPut
	opDelete
	opClear
	opPing
)

func (k opKind) writes() bool { return k == opPut || k == opDelete || k == opClear }

// op is one operation on one object store, kept whole so that it can wait in the
// queue while the connection opens or upgrades.
type op struct {
	kind   opKind
	store  string
	key    jsval
	value  Value
	cloned bool  // value is already a private structured clone
	fresh  bool  // start a new transaction (the last one was inactive)
	js     *JSOp // an operation whose requests the caller places
	held   bool  // js.Hold has run
	// place is called for reads and pings with the object store to place the
	// read request on (undefined for pings, and when the store does not exist),
	// or with the error that kept the operation from running.
	place  func(store jsval, err error) error
	commit *Commit // a queued write's placeholder
}

// fail reports err for o: to its reader, or to its queued Commit. For a write that
// never reached the queue it returns err.
func (o *op) fail(err error) (*Commit, error) {
	switch {
	case o.js != nil:
		_ = o.js.Run(js.Undefined(), false, err)
	case o.place != nil:
		_ = o.place(undefined(), err)
	case o.commit != nil:
		o.commit.finishOne(err)
	default:
		return nil, err
	}
	return nil, nil
}

// answerAbsent answers o for an object store that does not exist: nothing stored,
// nothing to delete, and no store is created for it.
func (o *op) answerAbsent() (*Commit, error) {
	switch o.kind {
	case opGet, opHas, opKeys:
		_ = o.place(undefined(), nil)
	case opDelete, opClear:
		return doneCommit(nil), nil
	}
	return nil, nil
}

// cloneError names the key in a DataCloneError, so that a user who stores many
// values learns which one cannot be stored.
func (o *op) cloneError(err error) error {
	d, ok := err.(*DOMError)
	if !ok {
		return err
	}
	key, _ := o.key.String()
	msg := "patchkv: the value for key " + quote(key) + " cannot be stored"
	if d.Message != "" {
		msg += ": " + d.Message
	}
	return &DOMError{Name: d.Name, Message: msg}
}

// txn is one IndexedDB transaction on one object store of the Go path (goapi),
// shared by every operation issued on that store in the same task (glue begin
// decides, for JSOps too). Reads hand the store to the caller, who places the
// request and watches it; writes share a Commit that listens only when a Go
// caller waits.
type txn struct {
	name   string
	store  jsval // the transaction's object store, as glue begin returned it
	write  bool
	commit *Commit
}

// txnLocked returns this task's transaction on store name, starting one if needed
// (always when fresh). A write needs a readwrite transaction; a readonly one
// started earlier in the task is left to finish first (IndexedDB orders
// overlapping transactions by creation).
func (db *DB) txnLocked(name string, write, fresh bool) (*txn, error) {
	store, err := glue.begin.Invoke(db.conn, name, write, fresh)
	if err != nil {
		return nil, asDOMError(err)
	}
	if t := db.active[name]; t != nil && t.store.Equal(store) {
		return t, nil
	}
	t := &txn{name: name, store: store, write: write}
	if write {
		tx, err := store.Get("transaction")
		if err != nil {
			return nil, asDOMError(err)
		}
		t.commit = newTxCommit(tx)
	}
	db.active[name] = t
	return t, nil
}

// issueLocked places o's request in t. It is called with db.mu held and returns
// with it released: put runs the structured clone, which can run user code that
// calls back into this package, and a read runs the caller's place function.
func (db *DB) issueLocked(t *txn, o *op) (*Commit, error) {
	var err error
	switch o.kind {
	case opPut:
		db.mu.Unlock()
		if _, err := glue.put.Invoke(t.store, o.value.holder, o.value.slot, o.key); err != nil {
			err = asDOMError(err)
			if errorName(err) == "TransactionInactiveError" {
				return db.retry(o)
			}
			return o.fail(o.cloneError(err))
		}
		return t.commit, nil
	case opDelete:
		_, err = t.store.Call("delete", o.key)
	case opClear:
		_, err = t.store.Call("clear")
	default:
		db.mu.Unlock()
		err = o.place(t.store, nil)
		if errorName(err) == "TransactionInactiveError" {
			return db.retry(o)
		}
		return nil, nil
	}
	db.mu.Unlock()
	if err != nil {
		err = asDOMError(err)
		if errorName(err) == "TransactionInactiveError" {
			return db.retry(o)
		}
		return o.fail(err)
	}
	return t.commit, nil
}

// retry runs o again in a fresh transaction after the task's turned out to be
// inactive: IndexedDB deactivates a transaction while put clones a value, so a
// call made from a getter during the clone needs a transaction of its own.
func (db *DB) retry(o *op) (*Commit, error) {
	o.fresh = true
	return db.run(o)
}
