//go:build js && wasm

package idb

import (
	"sync"
	"syscall/js"
)

// Commit is the outcome of one or more writes: it settles when the IndexedDB
// transaction holding them has committed (nil) or aborted (the DOMException, e.g.
// QuotaExceededError). Writes issued in the same task on the same store share one
// transaction and so one Commit.
//
// JavaScript callers watch Transaction() themselves, so that completion never has
// to enter Go; Go callers use Then or Done, which start listening on first use.
// Both must be called in the task that made the write (before the transaction can
// finish), as the wasm and goapi packages do.
type Commit struct {
	tx jsval // the readwrite transaction; undefined for queued and settled commits

	mu        sync.Mutex
	listening bool
	pending   int // transactions (or queued writes) still to settle
	err       error
	done      chan struct{}
	waiters   []func(error)
}

// newTxCommit returns the Commit of write transaction tx.
func newTxCommit(tx jsval) *Commit {
	return &Commit{tx: tx, pending: 1, done: make(chan struct{})}
}

// newQueuedCommit returns the Commit shared by writes waiting in the queue; each
// adds itself with add and settles with finishOne once its transaction has.
func newQueuedCommit() *Commit {
	return &Commit{tx: undefined(), listening: true, done: make(chan struct{})}
}

// doneCommit returns a Commit that has already settled with err.
func doneCommit(err error) *Commit {
	c := &Commit{tx: undefined(), listening: true, err: err, done: make(chan struct{})}
	close(c.done)
	return c
}

// Transaction returns the IDBTransaction whose complete or abort event settles
// the Commit, or undefined when there is none to watch (use Then).
func (c *Commit) Transaction() js.Value { return c.tx.js() }

// Then calls fn once with nil when the writes are durable or with the error that
// aborted them. fn runs on the JavaScript event loop and must not block.
func (c *Commit) Then(fn func(error)) {
	c.mu.Lock()
	if c.pending == 0 && c.listening {
		err := c.err
		c.mu.Unlock()
		fn(err)
		return
	}
	c.waiters = append(c.waiters, fn)
	c.listenLocked()
	c.mu.Unlock()
}

// Done is closed once the writes are durable or failed; Err then says which.
func (c *Commit) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listenLocked()
	return c.done
}

// Err returns the error that failed the writes, or nil (also while pending).
func (c *Commit) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// listenLocked starts watching the transaction from Go, once.
func (c *Commit) listenLocked() {
	if c.listening {
		return
	}
	c.listening = true
	var f js.Func
	f = funcOf(func(_ jsval, args []js.Value) {
		event := arg(args, 0)
		var err error
		if getString(event, "type") == "abort" {
			err = abortError(c.tx)
		}
		_, _ = c.tx.Call("removeEventListener", "complete", f.Value)
		_, _ = c.tx.Call("removeEventListener", "abort", f.Value)
		releaseFunc(f)
		c.finishOne(err)
	}, c.finishOne)
	_, err1 := c.tx.Call("addEventListener", "complete", f.Value)
	_, err2 := c.tx.Call("addEventListener", "abort", f.Value)
	if err1 != nil || err2 != nil {
		releaseFunc(f)
		c.pending = 0
		c.err = asDOMError(err1)
		close(c.done)
	}
}

// abortError is the error of an aborted transaction: its DOMException, or an
// AbortError when it was aborted without one.
func abortError(tx jsval) error {
	if txErr, err := tx.Get("error"); err == nil && txErr.Type() == js.TypeObject {
		return newDOMError(txErr)
	}
	return &DOMError{Name: "AbortError", Message: "patchkv: the transaction was aborted"}
}

// add counts one more queued write that must settle first.
func (c *Commit) add() {
	c.mu.Lock()
	c.pending++
	c.mu.Unlock()
}

// finishOne settles one of the pending parts; the first error wins.
func (c *Commit) finishOne(err error) {
	c.mu.Lock()
	if c.pending == 0 {
		c.mu.Unlock()
		return
	}
	if err != nil && c.err == nil {
		c.err = err
	}
	c.pending--
	if c.pending > 0 {
		c.mu.Unlock()
		return
	}
	waiters := c.waiters
	c.waiters = nil
	close(c.done)
	final := c.err
	c.mu.Unlock()
	for _, fn := range waiters {
		fn(final)
	}
}

// quote puts a name or key in quotes for an error message, cutting long ones. It
// does not escape: strconv.Quote's tables cost kv.wasm size for a message.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return `"` + s[:max] + `…"`
	}
	return `"` + s + `"`
}
