//go:build js && wasm

package idb

import ()

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
	cloned bool                       // value is already a private structured clone
	read   func(req jsval, err error) // reads and pings: the placed IDBRequest, or undefined when there is nothing to read
	commit *Commit                    // a queued write's placeholder
}

// fail reports err for o: to its reader, or to its queued Commit. For a write that
// never reached the queue it returns err.
func (o *op) fail(err error) (*Commit, error) {
	switch {
	case o.read != nil:
		o.read(undefined(), err)
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
		o.read(undefined(), nil)
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
	msg := "patchkv: the value for key " + quoteJS(key) + " cannot be stored"
	if d.Message != "" {
		msg += ": " + d.Message
	}
	return &DOMError{Name: d.Name, Message: msg}
}

// txn is one IndexedDB transaction on one object store, shared by every operation
// issued on that store in the same task (epoch). Nothing in Go listens to it:
// reads hand their request to the caller, who watches it (the wasm package does so
// in JavaScript), and writes share a Commit that listens only if a Go caller asks.
type txn struct {
	name   string
	tx     jsval
	store  jsval
	write  bool
	epoch  int
	commit *Commit
}

// txnLocked returns this task's transaction on store name, starting one if needed.
// A write needs a readwrite transaction; a readonly one started earlier in the task
// is left to finish first (IndexedDB orders overlapping transactions by creation).
func (db *DB) txnLocked(name string, write bool) (*txn, error) {
	epoch, err := db.g.epoch()
	if err != nil {
		return nil, err
	}
	if t := db.active[name]; t != nil && t.epoch == epoch && (t.write || !write) {
		return t, nil
	}
	mode := "readonly"
	if write {
		mode = "readwrite"
	}
	tx, err := db.conn.Call("transaction", name, mode)
	if err != nil {
		return nil, asDOMError(err)
	}
	store, err := tx.Call("objectStore", name)
	if err != nil {
		return nil, asDOMError(err)
	}
	t := &txn{name: name, tx: tx, store: store, write: write, epoch: epoch}
	if write {
		t.commit = newTxCommit(tx)
	}
	db.active[name] = t
	return t, nil
}

// issueLocked places o's request in t. It is called with db.mu held and returns
// with it released: put runs the structured clone, which can run user code that
// calls back into this package.
func (db *DB) issueLocked(t *txn, o *op) (*Commit, error) {
	if o.kind == opPut {
		db.mu.Unlock()
		if _, err := db.g.gluePut.Invoke(t.store, o.value.holder, o.value.slot, o.key); err != nil {
			err = asDOMError(err)
			if errorName(err) == "TransactionInactiveError" {
				return db.retry(t, o)
			}
			return o.fail(o.cloneError(err))
		}
		return t.commit, nil
	}
	var (
		req jsval
		err error
	)
	switch o.kind {
	case opGet:
		req, err = t.store.Call("get", o.key)
	case opHas:
		req, err = t.store.Call("getKey", o.key)
	case opKeys:
		req, err = t.store.Call("getAllKeys")
	case opDelete:
		_, err = t.store.Call("delete", o.key)
	case opClear:
		_, err = t.store.Call("clear")
	}
	db.mu.Unlock()
	if err != nil {
		err = asDOMError(err)
		if errorName(err) == "TransactionInactiveError" {
			return db.retry(t, o)
		}
		return o.fail(err)
	}
	if o.kind.writes() {
		return t.commit, nil
	}
	o.read(req, nil)
	return nil, nil
}

// retry runs o again in a new transaction after t turned out to be inactive. The
// epoch check normally prevents this; it is the safety net.
func (db *DB) retry(t *txn, o *op) (*Commit, error) {
	db.mu.Lock()
	if db.active[t.name] == t {
		delete(db.active, t.name)
	}
	db.mu.Unlock()
	return db.run(o)
}
