//go:build js && wasm

package idb

// STUB until branch idblife lands (PLAN.md interface 1): minimal versions of the
// DB-level primitives that export/import, removeScope and destroy use, built on
// the existing queue. Delete this file when merging idblife.

import (
	"syscall/js"
)

// WithConn calls done with the open connection, in queue order after the
// operations issued before it.
func (db *DB) WithConn(done func(conn js.Value, err error)) {
	db.Ping(func(err error) {
		if err != nil {
			done(js.Undefined(), err)
			return
		}
		db.mu.Lock()
		c := db.conn
		db.mu.Unlock()
		done(c.js(), nil)
	})
}

// EnsureStores makes sure every named object store exists, creating the missing
// ones in one version upgrade.
func (db *DB) EnsureStores(names []string, done func(error)) {
	if len(names) == 0 {
		db.Ping(done)
		return
	}
	left := len(names)
	var first error
	for _, n := range names {
		_ = db.run(&op{store: n, js: &JSOp{Kind: OpPut, Run: func(_ js.Value, _ bool, err error) error {
			db.mu.Lock()
			if err != nil && first == nil {
				first = err
			}
			left--
			fin, e := left == 0, first
			db.mu.Unlock()
			if fin {
				done(e)
			}
			return nil
		}}})
	}
}

// Destroy closes this context's connection and deletes the database; the next
// operation creates it again.
func (db *DB) Destroy(done func(error)) {
	db.Ping(func(error) {
		db.mu.Lock()
		if db.state == stateOpen {
			db.dropConnLocked()
		}
		db.mu.Unlock()
		db.request(func() (jsval, error) { return db.g.indexedDB.Call("deleteDatabase", db.name) }, nil,
			func(jsval, error) {}, func(_ jsval, err error) { done(err) })
	})
}

// DeleteStore deletes the object store name in one version upgrade; existed says
// whether it was there.
func (db *DB) DeleteStore(name string, done func(existed bool, err error)) {
	db.WithConn(func(conn js.Value, err error) {
		if err != nil {
			done(false, err)
			return
		}
		c := wrap(conn)
		has, err := containsStore(c, name)
		if err != nil || !has {
			done(false, asDOMError(err))
			return
		}
		v, err := c.Get("version")
		var version int
		if err == nil {
			version, err = v.Int()
		}
		if err != nil {
			done(false, asDOMError(err))
			return
		}
		db.mu.Lock()
		if db.state == stateOpen && db.conn.Equal(c) {
			db.dropConnLocked()
		}
		db.mu.Unlock()
		existed := false
		db.request(func() (jsval, error) { return db.g.indexedDB.Call("open", db.name, version+1) },
			func(req jsval) {
				res, err := req.Get("result")
				if err != nil {
					return
				}
				if ok, _ := containsStore(res, name); ok {
					existed = true
					_, _ = res.Call("deleteObjectStore", name)
				}
			},
			func(jsval, error) {},
			func(req jsval, err error) {
				if err == nil {
					if res, e := req.Get("result"); e == nil {
						_, _ = res.Call("close")
					}
					done(existed, nil)
					return
				}
				if errorName(err) == "VersionError" || errorName(err) == "AbortError" {
					db.DeleteStore(name, done) // another context upgraded first
					return
				}
				done(false, err)
			})
	})
}

// request starts an IDBOpenDBRequest made by start and reports its events.
func (db *DB) request(start func() (jsval, error), upgrade func(req jsval), blocked func(jsval, error), finish func(req jsval, err error)) {
	req, err := start()
	if err != nil {
		finish(undefined(), asDOMError(err))
		return
	}
	var fn js.Func
	fn = funcOf(func(_ jsval, args []js.Value) {
		event := arg(args, 0)
		switch getString(event, "type") {
		case "upgradeneeded":
			if upgrade != nil {
				upgrade(req)
			}
			return
		case "blocked":
			return
		case "success":
			releaseFunc(fn)
			finish(req, nil)
		case "error":
			releaseFunc(fn)
			_, _ = event.Call("preventDefault")
			e, gerr := req.Get("error")
			if gerr != nil {
				finish(req, asDOMError(gerr))
				return
			}
			finish(req, newDOMError(e))
		}
	}, func(err error) { finish(req, err) })
	for _, ev := range []string{"onsuccess", "onerror", "onblocked", "onupgradeneeded"} {
		_ = req.Set(ev, fn.Value)
	}
}
