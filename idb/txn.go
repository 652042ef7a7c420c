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
	cloned bool                       // value is already a private structured clone
	read   func(req jsval, err error) // reads and pings: the IDBRequest, or undefined when nothing was read
	commit *Commit                    // a queued write's placeholder
}

var errTxnEnded = &DOMError{Name: "AbortError", Message: "patchkv: the transaction ended before the request finished"}

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
// issued on that store in the same task. Reads resolve on their request's success,
// in request order; writes share one Commit that settles on complete or abort.
type txn struct {
	db     *DB
	name   string
	tx     jsval
	store  jsval
	write  bool
	fn     js.Func
	commit *Commit
	reads  []*op
	ended  bool
}

// txnLocked returns this task's transaction on store name, starting one if needed.
// A write needs a readwrite transaction; a readonly one started earlier in the task
// is left to finish first (IndexedDB orders overlapping transactions by creation).
func (db *DB) txnLocked(name string, write bool) (*txn, error) {
	if t := db.active[name]; t != nil && (t.write || !write) {
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
	t := &txn{db: db, name: name, tx: tx, store: store, write: write}
	if write {
		t.commit = newCommit(1)
	}
	t.fn = funcOf(t.handle, t.internalError)
	if err := tx.Set("oncomplete", t.fn.Value); err != nil {
		return nil, asDOMError(err)
	}
	if err := tx.Set("onabort", t.fn.Value); err != nil {
		return nil, asDOMError(err)
	}
	db.active[name] = t
	db.scheduleClearLocked()
	return t, nil
}

// issueLocked places o's request in t. It is called with db.mu held and returns
// with it released: put runs the structured clone, which can run user code that
// calls back into this package.
func (t *txn) issueLocked(o *op) (*Commit, error) {
	db := t.db
	if o.kind == opPut {
		c := t.commit
		db.mu.Unlock()
		if _, err := db.g.gluePut.Invoke(t.store, o.value.holder, o.value.slot, o.key); err != nil {
			err = asDOMError(err)
			if errorName(err) == "TransactionInactiveError" {
				return db.retry(t, o)
			}
			return o.fail(o.cloneError(err))
		}
		return c, nil
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
	if err != nil {
		db.mu.Unlock()
		err = asDOMError(err)
		if errorName(err) == "TransactionInactiveError" {
			return db.retry(t, o)
		}
		return o.fail(err)
	}
	if o.kind.writes() {
		c := t.commit
		db.mu.Unlock()
		return c, nil
	}
	t.reads = append(t.reads, o)
	db.mu.Unlock()
	if err := req.Set("onsuccess", t.fn.Value); err != nil {
		return nil, err
	}
	if err := req.Set("onerror", t.fn.Value); err != nil {
		return nil, err
	}
	return nil, nil
}

// retry runs o again in a new transaction after t turned out to be inactive (it
// outlived its task); this is a safety net, the microtask clear normally prevents it.
func (db *DB) retry(t *txn, o *op) (*Commit, error) {
	db.mu.Lock()
	if db.active[t.name] == t {
		delete(db.active, t.name)
	}
	db.mu.Unlock()
	return db.run(o)
}

func (t *txn) handle(_ jsval, args []js.Value) {
	event := arg(args, 0)
	switch getString(event, "type") {
	case "success", "error":
		t.db.mu.Lock()
		var o *op
		if len(t.reads) > 0 {
			o, t.reads = t.reads[0], t.reads[1:]
		}
		t.db.mu.Unlock()
		if o == nil {
			return
		}
		req, err := event.Get("target")
		if err != nil {
			o.read(undefined(), err)
			return
		}
		if getString(event, "type") == "success" {
			o.read(req, nil)
			return
		}
		// A failed read rejects only itself; without preventDefault the whole
		// transaction, and the writes in it, would abort.
		_, _ = event.Call("preventDefault")
		reqErr, err := req.Get("error")
		if err != nil {
			o.read(undefined(), err)
			return
		}
		o.read(undefined(), newDOMError(reqErr))
	case "complete":
		t.end(nil)
	case "abort":
		var err error = &DOMError{Name: "AbortError", Message: "patchkv: the transaction was aborted"}
		if txErr, gerr := t.tx.Get("error"); gerr == nil && txErr.Type() == js.TypeObject {
			err = newDOMError(txErr)
		}
		t.end(err)
	}
}

// end settles everything t still owes once it completed or aborted.
func (t *txn) end(err error) {
	db := t.db
	db.mu.Lock()
	if t.ended {
		db.mu.Unlock()
		return
	}
	t.ended = true
	reads := t.reads
	t.reads = nil
	if db.active[t.name] == t {
		delete(db.active, t.name)
	}
	db.mu.Unlock()
	_ = t.tx.Set("oncomplete", nil)
	_ = t.tx.Set("onabort", nil)
	t.fn.Release()
	readErr := err
	if readErr == nil {
		readErr = errTxnEnded
	}
	for _, o := range reads {
		o.read(undefined(), readErr)
	}
	if t.commit != nil {
		t.commit.finishOne(err)
	}
}

// internalError settles t after a Go panic in its event handler.
func (t *txn) internalError(err error) {
	t.end(err)
}
