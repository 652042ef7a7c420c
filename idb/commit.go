//go:build js && wasm

package idb

import (
	"strconv"
	"sync"
)

// Commit is the outcome of one or more writes: it settles when the IndexedDB
// transactions holding them have committed (nil) or aborted (the DOMException,
// e.g. QuotaExceededError). Writes issued in the same task on the same store share
// one Commit, because they share one transaction.
type Commit struct {
	mu      sync.Mutex
	pending int
	err     error
	done    chan struct{}
	waiters []func(error)
}

func newCommit(pending int) *Commit {
	c := &Commit{pending: pending, done: make(chan struct{})}
	if pending == 0 {
		close(c.done)
	}
	return c
}

func doneCommit(err error) *Commit {
	c := newCommit(0)
	c.err = err
	return c
}

// add counts one more transaction (or queued write) that must settle first.
func (c *Commit) add() {
	c.mu.Lock()
	if c.pending == 0 {
		c.done = make(chan struct{})
	}
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

// then calls fn with the outcome once c settles (now, if it has).
func (c *Commit) then(fn func(error)) {
	c.mu.Lock()
	if c.pending > 0 {
		c.waiters = append(c.waiters, fn)
		c.mu.Unlock()
		return
	}
	err := c.err
	c.mu.Unlock()
	fn(err)
}

// Then calls fn once with nil when the writes are durable or with the error that
// aborted them. fn runs on the JavaScript event loop and must not block.
func (c *Commit) Then(fn func(error)) { c.then(fn) }

// Done is closed once the writes are durable or failed; Err then says which.
func (c *Commit) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// Err returns nil while pending or once durable, and the error that failed the
// writes otherwise.
func (c *Commit) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// quoteJS quotes a key for an error message, cutting very long keys.
func quoteJS(s string) string {
	const max = 80
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
