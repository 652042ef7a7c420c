//go:build js && wasm

package idb

import (
	"errors"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/patchies/patchkv/scope"
)

// DefaultBlockedTimeoutMS is how long (in milliseconds) an operation that needs a
// version upgrade waits for other connections to close before it fails with a
// TimeoutError.
const DefaultBlockedTimeoutMS = 10_000

// maxOpenAttempts bounds the open/upgrade cycles one queue may go through when
// several contexts race to upgrade the same database; each cycle normally succeeds.
const maxOpenAttempts = 64

// ErrClosed is returned for operations on a DB after Close.
var ErrClosed = errors.New("idb: database closed")

// Options tunes a DB. The zero value works.
type Options struct {
	// BlockedTimeoutMS bounds the wait (in milliseconds) for other connections
	// to close during a version upgrade; zero means DefaultBlockedTimeoutMS. It
	// is not a time.Duration because importing package time adds ~50 KB (gzip)
	// to kv.wasm.
	BlockedTimeoutMS int
	// OnBlocked is told once per blocked upgrade what is waiting and why; nil
	// writes the message with console.warn, so that a developer whose other tab
	// holds the database open sees why a write is slow.
	OnBlocked func(message string)
}

type connState uint8

const (
	stateClosed connState = iota
	stateOpening
	stateOpen
)

// DB is one patch's IndexedDB database and this context's connection to it. The
// connection opens on first use, is upgraded to add object stores when a write
// needs one, closes when another context asks for a version change or deletes the
// database, and reopens by itself on the next operation.
//
// All methods may be called from any goroutine or js.FuncOf handler.
type DB struct {
	name  string
	patch string
	opts  Options
	g     *globals

	mu       sync.Mutex
	state    connState
	closed   bool
	conn     jsval
	connFn   js.Func
	known    map[string]bool // object stores of conn: true exists, false absent
	queue    []*op           // operations waiting for the connection, in order
	attempt  *openAttempt
	attempts int
}

// Open returns the DB of patch. Nothing is opened until the first operation. It
// errors with ErrNoIndexedDB when the context has no IndexedDB and with
// scope.ErrInvalidName when patch is not valid UTF-8.
func Open(patch string, opts Options) (*DB, error) {
	name, err := scope.DatabaseName(patch)
	if err != nil {
		return nil, err
	}
	g, err := loadGlobals()
	if err != nil {
		return nil, err
	}
	if opts.BlockedTimeoutMS <= 0 {
		opts.BlockedTimeoutMS = DefaultBlockedTimeoutMS
	}
	db := &DB{name: name, patch: patch, opts: opts, g: g}
	return db, nil
}

// Name returns the IndexedDB database name.
func (db *DB) Name() string { return db.name }

// Patch returns the patch id the DB was opened for.
func (db *DB) Patch() string { return db.patch }

// Store returns the store of scope s. It creates nothing: the object store is
// created by the first write.
func (db *DB) Store(s scope.Scope) *Store {
	name := s.ObjectStore()
	return &Store{db: db, scope: s, name: name, nameJS: js.ValueOf(name)}
}

// Ping opens the connection if needed and calls done once it is open (nil) or
// failed to open (the DOMException, for example when IndexedDB refuses access).
func (db *DB) Ping(done func(error)) {
	_ = db.run(&op{ping: done})
}

// Scopes reports the scopes that have an object store in this database, in
// IndexedDB order; object stores that patchkv did not create are left out.
func (db *DB) Scopes(done func([]scope.Scope, error)) {
	db.Ping(func(err error) {
		if err != nil {
			done(nil, err)
			return
		}
		db.mu.Lock()
		names, err := storeNames(db.conn)
		db.mu.Unlock()
		if err != nil {
			done(nil, asDOMError(err))
			return
		}
		scopes := make([]scope.Scope, 0, len(names))
		for _, n := range names {
			if s, err := scope.Parse(n); err == nil {
				scopes = append(scopes, s)
			}
		}
		done(scopes, nil)
	})
}

// Close closes the connection; queued operations fail with ErrClosed, and so do
// later ones. Transactions already running still complete.
func (db *DB) Close() {
	db.mu.Lock()
	db.closed = true
	queue := db.takeQueueLocked()
	db.dropConnLocked()
	if db.attempt != nil {
		db.attempt.abandoned = true
		db.attempt = nil
	}
	db.mu.Unlock()
	failOps(queue, ErrClosed)
}

// run runs o now when the connection is open and nothing is queued before it,
// and queues it otherwise. It returns the error of o's Hold.
func (db *DB) run(o *op) error {
	db.mu.Lock()
	for {
		if db.closed {
			db.mu.Unlock()
			o.fail(ErrClosed)
			return nil
		}
		if db.state == stateOpen && len(db.queue) == 0 {
			if o.ping != nil {
				db.mu.Unlock()
				o.ping(nil)
				return nil
			}
			exists, err := db.hasStoreLocked(o.store)
			if err != nil {
				db.dropConnLocked()
				continue
			}
			if exists || !o.creates() {
				conn := db.conn
				db.mu.Unlock()
				if err := o.js.Run(conn.js(), exists, nil); !ConnGone(err) {
					return nil
				}
				// The connection closed under us (deleted, storage cleared): reopen
				// and run o from the queue.
				db.mu.Lock()
				if db.state == stateOpen && db.conn.Equal(conn) {
					db.dropConnLocked()
				}
				continue
			}
		}
		if o.js != nil && !o.held {
			// Before it waits, the operation takes what it needs from the caller's
			// arguments (a put clones its value, as put would). That runs user
			// code, which may call back into us: never hold the lock across it.
			db.mu.Unlock()
			if o.js.Hold != nil {
				if err := o.js.Hold(); err != nil {
					return err
				}
			}
			o.held = true
			db.mu.Lock()
			continue
		}
		db.enqueueLocked(o)
		db.mu.Unlock()
		return nil
	}
}

// enqueueLocked appends o to the queue and starts what the queue needs: opening a
// connection, or an upgrade when the open one lacks a store.
func (db *DB) enqueueLocked(o *op) {
	db.queue = append(db.queue, o)
	switch db.state {
	case stateClosed:
		db.openLocked(0)
	case stateOpen:
		// Only a write to a missing store queues while open: upgrade.
		v, err := db.versionLocked()
		db.dropConnLocked()
		if err != nil {
			v = 0
		} else {
			v++
		}
		db.openLocked(v)
	case stateOpening:
		if db.attempt != nil && db.attempt.blocked {
			db.attempt.armTimer()
		}
	}
}

func (db *DB) takeQueueLocked() []*op {
	q := db.queue
	db.queue = nil
	return q
}

func failOps(ops []*op, err error) {
	for _, o := range ops {
		o.fail(err)
	}
}

// storesNeededLocked lists the object stores that queued writes need.
func (db *DB) storesNeededLocked() []string {
	var names []string
	seen := map[string]bool{}
	for _, o := range db.queue {
		if o.creates() && !seen[o.store] {
			seen[o.store] = true
			names = append(names, o.store)
		}
	}
	return names
}

func (db *DB) hasStoreLocked(name string) (bool, error) {
	if exists, ok := db.known[name]; ok {
		return exists, nil
	}
	exists, err := containsStore(db.conn, name)
	if err != nil {
		return false, err
	}
	db.known[name] = exists
	return exists, nil
}

func (db *DB) versionLocked() (int, error) {
	v, err := db.conn.Get("version")
	if err != nil {
		return 0, err
	}
	return v.Int()
}

// dropConnLocked closes and forgets the current connection. Transactions that are
// running on it still complete; new operations go through the queue.
func (db *DB) dropConnLocked() {
	if db.state == stateOpen {
		_, _ = db.conn.Call("close")
		_ = db.conn.Set("onversionchange", nil)
		_ = db.conn.Set("onclose", nil)
		releaseFunc(db.connFn)
	}
	if db.state != stateOpening {
		db.state = stateClosed
	}
	db.conn = undefined()
	db.known = nil
}

// onConnEvent handles versionchange (another context upgrades or deletes the
// database) and close (the browser closed the connection, e.g. storage cleared) by
// letting go of the connection; the next operation reopens it.
func (db *DB) onConnEvent(conn jsval) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.state != stateOpen || !db.conn.Equal(conn) {
		return
	}
	db.dropConnLocked()
	if len(db.queue) > 0 {
		db.openLocked(0)
	}
}

// openLocked starts an open request; version 0 opens the current version.
func (db *DB) openLocked(version int) {
	db.attempts++
	if db.attempts > maxOpenAttempts {
		queue := db.takeQueueLocked()
		db.attempts = 0
		db.state = stateClosed
		err := &DOMError{Name: "AbortError", Message: "patchkv: gave up opening " + quote(db.name) + " after " + strconv.Itoa(maxOpenAttempts) + " upgrade attempts raced with other contexts"}
		go failOps(queue, err)
		return
	}
	db.state = stateOpening
	a := &openAttempt{db: db}
	db.attempt = a
	if err := a.start(version); err != nil {
		db.state = stateClosed
		db.attempt = nil
		queue := db.takeQueueLocked()
		go failOps(queue, err)
	}
}

// opened is called by a successful open request with its connection.
func (db *DB) opened(a *openAttempt, conn jsval) {
	db.mu.Lock()
	if a.abandoned || db.attempt != a {
		db.mu.Unlock()
		_, _ = conn.Call("close")
		return
	}
	db.attempt = nil
	if err := db.useConnLocked(conn); err != nil {
		db.state = stateClosed
		queue := db.takeQueueLocked()
		db.mu.Unlock()
		failOps(queue, err)
		return
	}
	for _, name := range db.storesNeededLocked() {
		exists, err := db.hasStoreLocked(name)
		if err != nil || !exists {
			// Another context raced us to the version we asked for, or the open
			// had no upgrade: ask for the next version.
			v, verr := db.versionLocked()
			db.dropConnLocked()
			if verr != nil {
				v = 0
			}
			db.openLocked(v + 1)
			db.mu.Unlock()
			return
		}
	}
	db.attempts = 0
	queue := db.takeQueueLocked()
	db.mu.Unlock()
	db.flush(queue)
}

// useConnLocked makes conn the open connection and listens for the events that
// make it let go: versionchange (another context upgrades or deletes the
// database) and close (the browser closed it).
func (db *DB) useConnLocked(conn jsval) error {
	fn := funcOf(func(jsval, []js.Value) { db.onConnEvent(conn) }, func(error) {})
	err := conn.Set("onversionchange", fn.Value)
	if err == nil {
		err = conn.Set("onclose", fn.Value)
	}
	if err != nil {
		releaseFunc(fn)
		_, _ = conn.Call("close")
		return asDOMError(err)
	}
	db.conn, db.known, db.connFn = conn, map[string]bool{}, fn
	db.state = stateOpen
	return nil
}

// Adopt makes conn, an open IDBDatabase of this patch's database, the DB's
// connection, so that a loader can open the database while the module compiles.
// It errors, leaving conn to the caller, when conn is of another database or the
// DB has already started connecting.
func (db *DB) Adopt(conn js.Value) error {
	c := wrap(conn)
	if getString(c, "name") != db.name {
		return errors.New("idb: Adopt: connection is not to database " + quote(db.name))
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed || db.state != stateClosed || len(db.queue) > 0 {
		return errors.New("idb: Adopt: the database is already connecting")
	}
	return db.useConnLocked(c)
}

// openFailed is called when an open request fails.
func (db *DB) openFailed(a *openAttempt, err error) {
	db.mu.Lock()
	if a.abandoned || db.attempt != a {
		db.mu.Unlock()
		return
	}
	db.attempt = nil
	db.state = stateClosed
	if errorName(err) == "VersionError" && len(db.queue) > 0 {
		// Someone upgraded past the version we asked for: learn the current one.
		db.openLocked(0)
		db.mu.Unlock()
		return
	}
	queue := db.takeQueueLocked()
	db.mu.Unlock()
	failOps(queue, err)
}

// blockedTimeout fails what is queued when other connections did not close in time.
func (db *DB) blockedTimeout(a *openAttempt) {
	db.mu.Lock()
	a.stopTimer = nil
	if db.attempt != a || len(db.queue) == 0 {
		db.mu.Unlock()
		return
	}
	queue := db.takeQueueLocked()
	db.mu.Unlock()
	failOps(queue, &DOMError{Name: "TimeoutError", Message: "patchkv: adding an object store to database " +
		quote(db.name) + " waited " + seconds(db.opts.BlockedTimeoutMS) +
		" for other connections (another tab, worker or frame) to close; they did not"})
}

// flush runs queued operations in their order, in this task, so that they share
// transactions.
func (db *DB) flush(queue []*op) {
	for _, o := range queue {
		_ = db.run(o) // held already: no Hold, no error
	}
}

// openAttempt is one indexedDB.open request and its events.
type openAttempt struct {
	db         *DB
	req        jsval
	fn         js.Func
	blocked    bool
	reported   bool
	stopTimer  func()
	stopReport func()
	abandoned  bool
}

func (a *openAttempt) start(version int) error {
	args := []any{a.db.name}
	if version > 0 {
		args = append(args, version)
	}
	req, err := a.db.g.indexedDB.Call("open", args...)
	if err != nil {
		return asDOMError(err)
	}
	a.req = req
	a.fn = funcOf(a.handle, func(err error) { a.db.openFailed(a, err) })
	for _, ev := range []string{"onsuccess", "onerror", "onblocked", "onupgradeneeded"} {
		if err := req.Set(ev, a.fn.Value); err != nil {
			return asDOMError(err)
		}
	}
	return nil
}

func (a *openAttempt) handle(_ jsval, args []js.Value) {
	event := arg(args, 0)
	switch getString(event, "type") {
	case "upgradeneeded":
		a.upgrade()
	case "blocked":
		a.onBlocked(event)
	case "success":
		a.finish()
		conn, err := a.req.Get("result")
		if err != nil {
			a.db.openFailed(a, asDOMError(err))
			return
		}
		a.db.opened(a, conn)
	case "error":
		a.finish()
		_, _ = event.Call("preventDefault")
		reqErr, err := a.req.Get("error")
		if err != nil {
			a.db.openFailed(a, asDOMError(err))
			return
		}
		a.db.openFailed(a, newDOMError(reqErr))
	}
}

// upgrade creates, inside the versionchange transaction, every object store that
// queued writes need, so that concurrent first writes share one upgrade.
func (a *openAttempt) upgrade() {
	conn, err := a.req.Get("result")
	if err != nil {
		return
	}
	a.db.mu.Lock()
	names := a.db.storesNeededLocked()
	a.db.mu.Unlock()
	for _, name := range names {
		exists, err := containsStore(conn, name)
		if err != nil || exists {
			continue
		}
		if _, err := conn.Call("createObjectStore", name); err != nil {
			// Abort the upgrade; the open request then fails with this error.
			if tx, terr := a.req.Get("transaction"); terr == nil {
				_, _ = tx.Call("abort")
			}
			return
		}
	}
}

// onBlocked starts the bounded wait. Our own connection, closed just before the
// upgrade, can report blocked while its last transactions finish; so progress is
// reported only if the wait lasts longer than blockedReportDelay.
func (a *openAttempt) onBlocked(jsval) {
	db := a.db
	db.mu.Lock()
	defer db.mu.Unlock()
	a.blocked = true
	a.armTimer()
	if a.stopReport == nil {
		a.stopReport = afterFunc(blockedReportDelay, a.report)
	}
}

// blockedReportDelay is how long a blocked upgrade waits before saying so.
const blockedReportDelay = 1000 // ms

// report tells the developer, once, what the upgrade is waiting for.
func (a *openAttempt) report() {
	db := a.db
	db.mu.Lock()
	if db.attempt != a || a.reported {
		db.mu.Unlock()
		return
	}
	a.reported = true
	db.mu.Unlock()
	msg := "patchkv: waiting for other connections to database " + quote(db.name) +
		" to close (another tab, worker or frame has it open); the write needs a version upgrade and fails after " +
		seconds(db.opts.BlockedTimeoutMS) + " if they do not"
	if db.opts.OnBlocked != nil {
		db.opts.OnBlocked(msg)
		return
	}
	_, _ = db.g.console.Call("warn", msg)
}

// armTimer starts the bounded wait of a blocked attempt; called with db.mu held.
// A running timer is left alone, so that later operations never extend the wait of
// earlier ones; once it fired, the next queued operation starts a new one.
func (a *openAttempt) armTimer() {
	if a.stopTimer != nil {
		return
	}
	a.stopTimer = afterFunc(a.db.opts.BlockedTimeoutMS, func() { a.db.blockedTimeout(a) })
}

func (a *openAttempt) finish() {
	a.db.mu.Lock()
	if a.stopTimer != nil {
		a.stopTimer()
	}
	if a.stopReport != nil {
		a.stopReport()
	}
	a.db.mu.Unlock()
	for _, ev := range []string{"onsuccess", "onerror", "onblocked", "onupgradeneeded"} {
		_ = a.req.Set(ev, nil)
	}
	releaseFunc(a.fn)
}

// containsStore reports whether conn has an object store called name.
func containsStore(conn jsval, name string) (bool, error) {
	names, err := conn.Get("objectStoreNames")
	if err != nil {
		return false, err
	}
	v, err := names.Call("contains", name)
	if err != nil {
		return false, err
	}
	return v.Bool()
}

// storeNames lists conn's object stores in order.
func storeNames(conn jsval) ([]string, error) {
	list, err := conn.Get("objectStoreNames")
	if err != nil {
		return nil, err
	}
	n, err := list.Length()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, n)
	for i := 0; i < n; i++ {
		v, err := list.Call("item", i)
		if err != nil {
			return nil, err
		}
		s, err := v.String()
		if err != nil {
			return nil, err
		}
		names = append(names, s)
	}
	return names, nil
}

// seconds formats a duration in milliseconds for messages, e.g. "10s" or "1.5s".
func seconds(ms int) string {
	s := strconv.Itoa(ms / 1000)
	if ms%1000 != 0 {
		frac := strconv.Itoa(1000 + ms%1000)[1:] // three digits
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		s += "." + frac
	}
	return s + "s"
}

// quote puts a database name in quotes for a message. It does not escape:
// strconv.Quote's tables would cost kv.wasm size for a message.
func quote(s string) string { return `"` + s + `"` }
