//go:build js && wasm

package idb

import (
	"errors"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/patchies/patchkv/scope"
)

// DefaultBlockedTimeoutMS is how long (in milliseconds) an operation waits for an
// open request to finish — a version upgrade blocked by other connections, or a
// request the browser does not answer — before it fails with a TimeoutError.
const DefaultBlockedTimeoutMS = 10_000

// ErrClosed is returned for operations on a DB after Close.
var ErrClosed = errors.New("idb: database closed")

// Options tunes a DB. The zero value works.
type Options struct {
	// BlockedTimeoutMS bounds the wait (in milliseconds) for an open request:
	// for other connections to close during a version upgrade, and for any
	// answer at all; zero means DefaultBlockedTimeoutMS. It
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
	stateClosed  connState = iota
	stateOpening           // a request (open, upgrade, delete) is in flight
	stateOpen
)

// mutex is a sync.Mutex whose Lock and Unlock are calls: inlined at each of the
// DB's many lock sites, they cost kv.wasm about 1 KB gzip; a call is nothing
// next to the trip into JavaScript that every operation makes.
type mutex struct{ m sync.Mutex }

//go:noinline
func (m *mutex) Lock() { m.m.Lock() }

//go:noinline
func (m *mutex) Unlock() { m.m.Unlock() }

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

	mu      mutex
	state   connState
	closed  bool
	conn    jsval
	connFn  js.Func
	version int             // conn's, or the last connection's
	stores  map[string]bool // object stores of conn, learnt once per connection
	queue   []*op           // operations waiting for the connection, in order
	pumping bool            // pumpLocked is running the queue
	req     *request        // the open, upgrade or delete in flight
	races   int             // upgrades in a row that another context got to first
	// takeBack is how ops.js hands back calls that waited behind a transaction
	// and found their connection gone (takeBackCalls). Never released: ops.js
	// may call it whenever a transaction of any of the DB's connections
	// finishes, and calling a released js.Func ends the Go program.
	takeBack js.Func
	// gate tells JavaScript when a call may skip Go (GateJS); gateOpen is what
	// it was last told.
	gate     jsval
	gateOpen bool
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
	db.takeBack = funcOf(func(_ jsval, args []js.Value) { db.takeBackCalls(arg(args, 0)) }, func(error) {})
	db.gate, _ = glue.ops.Call("gate")
	return db, nil
}

// GateJS returns the DB's gate, {conn, stores}: while conn is not null, an
// operation on a store of this DB may be placed directly with ops.js's run on
// conn (exists: stores.has(name)), without entering Go, and it takes effect in
// call order. conn is set only while the connection is open, nothing waits in
// the queue and the queue is not being run; a write to a store that does not
// exist must still come to Go, which upgrades. The wasm package's methods use it
// (glue.js): a call into Go costs more than IndexedDB's own work.
func (db *DB) GateJS() js.Value { return db.gate.js() }

// syncGateLocked opens or shuts the gate (GateJS) to match the DB's state.
// pumpLocked calls it as it starts and ends, and every change of the state is
// followed by a pump (or is Close, which calls it too).
func (db *DB) syncGateLocked() {
	open := !db.closed && db.state == stateOpen && len(db.queue) == 0 && !db.pumping
	if open == db.gateOpen {
		return
	}
	db.gateOpen = open
	conn := undefined()
	if open {
		conn = db.conn
	}
	_, _ = glue.ops.Call("setGate", db.gate, conn)
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

// Scopes reports the scopes that have an object store in this database, in
// IndexedDB order; object stores that patchkv did not create are left out.
func (db *DB) Scopes(done func([]scope.Scope, error)) {
	db.StoreNames(func(names []string, err error) {
		if err != nil {
			done(nil, err)
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
	if r := db.req; r != nil {
		db.req = nil
		r.abandon()
	}
	db.state = stateClosed
	db.syncGateLocked()
	db.mu.Unlock()
	failOps(queue, ErrClosed)
}

// run runs o now when the connection is open, o can run on it, and nothing is
// queued before it; otherwise o takes what it needs from the caller (Hold) and
// waits in the queue. It returns the error of o's Hold.
func (db *DB) run(o *op) error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		o.fail(ErrClosed)
		return nil
	}
	if db.state == stateOpen && len(db.queue) == 0 && !db.pumping {
		if ready, exists := db.readyLocked(o); ready {
			conn := db.conn
			db.mu.Unlock()
			if !db.exec(o, conn, exists) {
				return nil
			}
			// The connection closed under us (deleted, storage cleared): reopen
			// and run o from the queue.
			db.mu.Lock()
			db.connLostLocked(conn)
		}
	}
	if o.js != nil && !o.held {
		// Before it waits, the operation takes what it needs from the caller's
		// arguments (a put clones its value, as put would). That runs user code,
		// which may call back into us: never hold the lock across it.
		db.mu.Unlock()
		if o.js.Hold != nil {
			if err := o.js.Hold(); err != nil {
				return err
			}
		}
		o.held = true
		db.mu.Lock()
		if db.closed {
			db.mu.Unlock()
			o.fail(ErrClosed)
			return nil
		}
	}
	db.queue = append(db.queue, o)
	if r := db.req; r != nil {
		r.armTimer() // a request's timer that fired with nothing queued starts again
	}
	db.pumpLocked()
	db.mu.Unlock()
	return nil
}

// readyLocked reports whether o can run on the open connection now, and whether
// its object store exists.
func (db *DB) readyLocked(o *op) (ready, exists bool) {
	if o.ctl == nil {
		exists = db.stores[o.store]
		return exists || !o.creates(), exists
	}
	switch o.ctl.kind {
	case ctlConn, ctlReplay:
		return true, false
	case ctlEnsure:
		for _, n := range o.ctl.names {
			if !db.stores[n] {
				return false, false
			}
		}
		return true, false
	case ctlDeleteStore:
		return o.ctl.applied || !db.stores[o.store], false
	}
	return false, false // ctlDestroy
}

// exec runs o, which is ready, on conn. It reports whether conn turned out to be
// gone, in which case o must run again on a new connection.
func (db *DB) exec(o *op, conn jsval, exists bool) (gone bool) {
	if o.ctl != nil {
		o.ctl.finish(conn)
		return false
	}
	return ConnGone(o.js.Run(conn.js(), exists, nil))
}

// pumpLocked runs queued operations in order, in this task (so that they share
// transactions), for as long as the connection can run them, and starts what the
// first one that cannot run needs: an open, an upgrade or a delete. Operations
// issued while it runs (from user code called by one of them) queue behind the
// rest.
func (db *DB) pumpLocked() {
	if db.pumping {
		return
	}
	db.pumping = true
	db.syncGateLocked() // calls made while it runs queue behind
	defer func() {
		db.pumping = false
		db.syncGateLocked()
	}()
	for len(db.queue) > 0 && !db.closed {
		switch db.state {
		case stateClosed:
			if c := db.queue[0].ctl; c != nil && c.kind == ctlDestroy {
				db.startLocked(reqDelete, 0)
			} else {
				db.startLocked(reqOpen, 0)
			}
			return
		case stateOpening:
			return
		}
		o := db.queue[0]
		ready, exists := db.readyLocked(o)
		if !ready {
			db.dropConnLocked()
			if o.ctl != nil && o.ctl.kind == ctlDestroy {
				db.startLocked(reqDelete, 0)
			} else {
				db.startLocked(reqUpgrade, db.version+1)
			}
			return
		}
		db.queue[0] = nil
		db.queue = db.queue[1:]
		conn := db.conn
		db.mu.Unlock()
		gone := db.exec(o, conn, exists)
		db.mu.Lock()
		if gone {
			db.pushFrontLocked(o)
			db.connLostLocked(conn)
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

// change is one change an upgrade makes: create the object store name, or,
// with del, delete it for that DeleteStore.
type change struct {
	name string
	del  *ctlOp
}

// Flags of a store name while planning.
const (
	planTouched = 1 << iota // a queued operation uses it
	planKnown               // the plan so far decides whether it exists
	planExists
)

// planLocked walks the queue from its head and lists the changes its operations
// need, given the object stores have: every store a write or EnsureStores needs,
// and every DeleteStore up to the first that an earlier queued operation touches
// (that one waits for the next upgrade, so that the earlier operation sees the
// store) or up to a Destroy.
func (db *DB) planLocked(have map[string]bool) []change {
	var p []change
	st := map[string]uint8{}
	for _, o := range db.queue {
		var names []string
		var del *ctlOp
		switch {
		case o.ctl == nil:
			if !o.creates() {
				st[o.store] |= planTouched
				continue
			}
			names = []string{o.store}
		case o.ctl.kind == ctlEnsure:
			names = o.ctl.names
		case o.ctl.kind == ctlDeleteStore:
			names, del = o.ctl.names, o.ctl
		case o.ctl.kind == ctlDestroy:
			return p
		}
		for _, n := range names {
			f := st[n]
			exists := have[n]
			if f&planKnown != 0 {
				exists = f&planExists != 0
			}
			switch {
			case del != nil && f&planTouched != 0:
				return p
			case del != nil && !del.applied:
				p = append(p, change{n, del})
				f = planKnown
			case del == nil && !exists:
				p = append(p, change{name: n})
				f |= planKnown | planExists
			}
			st[n] = f | planTouched
		}
	}
	return p
}

// dropConnLocked closes and forgets the current connection. Transactions that are
// running on it still complete; new operations go through the queue.
func (db *DB) dropConnLocked() {
	if db.state == stateOpen {
		_, _ = glue.ops.Call("drop", db.conn)
		releaseFunc(db.connFn)
		db.state = stateClosed
	}
	db.conn = undefined()
	db.stores = nil
}

// connLostLocked lets go of conn if it is still the open connection.
func (db *DB) connLostLocked(conn jsval) {
	if db.state == stateOpen && db.conn.Equal(conn) {
		db.dropConnLocked()
	}
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
	db.pumpLocked()
}

// startLocked starts a request: open the current version, upgrade to version, or
// delete the database. After upgrades that raced with other contexts it first
// waits a random while, longer the more races in a row.
func (db *DB) startLocked(kind reqKind, version int) {
	db.state = stateOpening
	r := &request{db: db, kind: kind, version: version}
	db.req = r
	delay := 0
	if kind == reqUpgrade && db.races > 0 {
		max := 8 << min(db.races, 7) // 16 ms … 1 s
		delay = randomMS(max)
	}
	if delay > 0 {
		r.waitingLock = true
		r.stopDelay = afterFunc(delay, func() {
			db.mu.Lock()
			defer db.mu.Unlock()
			r.stopDelay = nil
			if db.req == r {
				db.beginLocked(r)
			}
		})
		return
	}
	db.beginLocked(r)
}

// beginLocked issues r, an upgrade under the upgrade lock where Web Locks exist.
func (db *DB) beginLocked(r *request) {
	if r.kind == reqUpgrade && !r.locked {
		if r.lock() {
			return // issued once granted
		}
	}
	if err := r.start(); err != nil {
		db.requestFailedLocked(r, err)
	}
}

// requestFailedLocked fails the queue with err, r having failed.
func (db *DB) requestFailedLocked(r *request, err error) {
	if db.req != r {
		return
	}
	db.req = nil
	db.state = stateClosed
	r.finish()
	queue := db.takeQueueLocked()
	go failOps(queue, err)
}

// opened is called by a successful open request with its connection.
func (db *DB) opened(r *request, conn jsval) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if r.abandoned || db.req != r {
		_, _ = conn.Call("close")
		return
	}
	db.req = nil
	db.state = stateClosed
	if err := db.useConnLocked(conn, r.stores); err != nil {
		queue := db.takeQueueLocked()
		go failOps(queue, err)
		return
	}
	if r.kind == reqUpgrade {
		if r.upgraded {
			db.races = 0
		} else {
			// Another context took the version we asked for first.
			db.races++
		}
	}
	for i, c := range r.deletes {
		c.applied, c.existed = true, r.existed[i]
	}
	db.pumpLocked()
}

// useConnLocked makes conn the open connection and listens for the events that
// make it let go: versionchange (another context upgrades or deletes the
// database) and close (the browser closed it). It learns the connection's object
// stores once (stores, when the upgrade that opened conn knows them already):
// our own upgrades make a new connection.
func (db *DB) useConnLocked(conn jsval, stores map[string]bool) error {
	if stores == nil {
		var err error
		if stores, err = storeSet(conn); err != nil {
			_, _ = conn.Call("close")
			return asDOMError(err)
		}
	}
	version, err := getInt(conn, "version")
	if err != nil {
		_, _ = conn.Call("close")
		return asDOMError(err)
	}
	fn := funcOf(func(jsval, []js.Value) { db.onConnEvent(conn) }, func(error) {})
	// ops.js sets fn as the handler of versionchange and close (on close, it
	// first settles what the browser never answered), and keeps takeBack. It
	// cannot fail: ops.js is loaded (glue) before any connection opens.
	_, _ = glue.ops.Call("adopt", conn, fn.Value, db.takeBack.Value)
	db.conn, db.stores, db.connFn, db.version = conn, stores, fn, version
	db.state = stateOpen
	return nil
}

func getInt(v jsval, p string) (int, error) {
	x, err := v.Get(p)
	if err != nil {
		return 0, err
	}
	return x.Int()
}

// Adopt makes conn, an open IDBDatabase of this patch's database, the DB's
// connection, so that a loader can open the database while the module compiles.
// It reports false, leaving conn to the caller, when conn is of another database
// or the DB has already started connecting.
func (db *DB) Adopt(conn js.Value) bool {
	c := wrap(conn)
	if getString(c, "name") != db.name {
		return false
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed || db.state != stateClosed || len(db.queue) > 0 || db.useConnLocked(c, nil) != nil {
		return false
	}
	db.pumpLocked() // opens the gate
	return true
}

// requestFailed is called when a request fails with err.
func (db *DB) requestFailed(r *request, err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if r.abandoned || db.req != r {
		return
	}
	if errorName(err) == "VersionError" && r.kind == reqUpgrade {
		// Someone upgraded past the version we asked for: learn the current one.
		db.req = nil
		db.state = stateClosed
		db.races++
		db.pumpLocked()
		return
	}
	if r.kind == reqDelete && len(db.queue) > 0 && db.queue[0].ctl == r.destroy {
		db.req = nil
		db.state = stateClosed
		db.queue = db.queue[1:]
		go r.destroy.fail(err)
		db.pumpLocked()
		return
	}
	db.requestFailedLocked(r, err)
}

// deleted is called when the database was deleted by r.
func (db *DB) deleted(r *request) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if r.abandoned || db.req != r {
		return
	}
	db.req = nil
	db.state = stateClosed
	if len(db.queue) > 0 && db.queue[0].ctl == r.destroy {
		db.queue = db.queue[1:]
		go r.destroy.finish(undefined())
	}
	db.pumpLocked()
}

// requestTimeout fails what is queued when r did not finish within
// Options.BlockedTimeoutMS of its start: other connections did not close for it
// (blocked), or the browser never answered at all. The browser queues a database's
// open requests behind one another, so another context's upgrade that never ends
// (a versionchange transaction kept busy) leaves ours without a single event; so
// can a request caught by "Clear site data". Such a silent request is abandoned —
// its connection, if it ever comes, is closed — and the next call asks again. A
// blocked one stays: it succeeds as soon as the others close.
func (db *DB) requestTimeout(r *request) {
	db.mu.Lock()
	r.stopTimer = nil
	if db.req != r || len(db.queue) == 0 {
		db.mu.Unlock()
		return
	}
	silent := !r.waiting()
	if silent {
		db.req = nil
		db.state = stateClosed
		if r.locked {
			r.unlock()
		}
		r.abandon()
	}
	queue := db.takeQueueLocked()
	db.mu.Unlock()
	what, after := "adding an object store to", " for other connections (another tab, worker or frame) to close; they did not"
	if silent {
		what, after = "opening", " and the browser did not answer (another context's upgrade may be holding the database)"
	}
	if r.kind == reqDelete {
		what = "deleting"
	}
	err := &DOMError{Name: "TimeoutError", Message: "patchkv: " + what + " database " + quote(db.name) +
		" waited " + seconds(db.opts.BlockedTimeoutMS) + after}
	failOps(queue, err)
}

type reqKind uint8

const (
	reqOpen    reqKind = iota // open the current version (creating the database)
	reqUpgrade                // open version, creating and deleting object stores
	reqDelete                 // delete the database
)

// request is one indexedDB.open or deleteDatabase request and its events.
type request struct {
	db      *DB
	kind    reqKind
	version int
	req     jsval
	fn      js.Func
	destroy *ctlOp // reqDelete: the Destroy it does

	locked      bool  // holds the upgrade lock
	waitingLock bool  // waiting for the lock or a back-off
	release     jsval // lets go of the lock
	lockFn      js.Func
	stopDelay   func()

	blocked    bool
	reported   bool
	stopTimer  func()
	stopReport func()
	abandoned  bool

	probing  bool            // an upgrade's first open, of the current version
	upgraded bool            // upgradeneeded ran
	stores   map[string]bool // the object stores once it ran: the connection's
	deletes  []*ctlOp
	existed  []bool
}

// waiting reports whether r waits for others: a blocked upgrade or delete, or
// an upgrade waiting for the lock another context holds while it upgrades.
func (r *request) waiting() bool { return r.blocked || r.waitingLock }

// lock asks for the upgrade lock, so that contexts never race each other's
// upgrades: whoever holds it upgrades from the version it finds. It reports false
// where Web Locks do not exist; the back-off after races then keeps progress.
// Called with db.mu held.
func (r *request) lock() bool {
	loadLifeGlue()
	r.lockFn = funcOf(func(_ jsval, args []js.Value) { r.granted(arg(args, 0)) }, func(error) {})
	ok, err := lifeGlue.lock.Invoke("patchkv-upgrade:"+r.db.name, r.lockFn.Value)
	if err == nil {
		b, _ := ok.Bool()
		if b {
			r.waitingLock = true
			r.armTimer()
			return true
		}
	}
	releaseFunc(r.lockFn)
	r.lockFn = js.Func{}
	return false
}

// granted is called once the lock is held (release undefined: it could not be had).
func (r *request) granted(release jsval) {
	db := r.db
	db.mu.Lock()
	defer db.mu.Unlock()
	r.release = release
	releaseFunc(r.lockFn)
	r.lockFn = js.Func{}
	if r.abandoned || db.req != r {
		r.unlock()
		return
	}
	r.locked, r.waitingLock = true, false
	if r.stopTimer != nil {
		r.stopTimer()
		r.stopTimer = nil
	}
	if len(db.queue) == 0 {
		// What needed the upgrade failed or was dropped meanwhile.
		db.req = nil
		db.state = stateClosed
		r.unlock()
		return
	}
	// After a race, the version we know is likely stale (others upgraded while we
	// waited): learn the current one first, under the lock, so that this upgrade
	// cannot race again.
	r.probing = db.races > 0
	db.beginLocked(r)
}

// unlock lets go of the upgrade lock.
func (r *request) unlock() {
	if r.release.Type() == js.TypeFunction {
		_, _ = r.release.Invoke()
	}
	r.release = undefined()
	r.locked = false
}

// abandon stops caring about r: its connection, if it comes, is closed.
func (r *request) abandon() {
	r.abandoned = true
	stopTimers(&r.stopDelay, &r.stopTimer, &r.stopReport)
	if r.req.js().Truthy() {
		return // finish runs on its events
	}
	r.finish()
}

func (r *request) start() error {
	db := r.db
	method, args := "open", []any{db.name}
	switch {
	case r.kind == reqDelete:
		r.destroy = db.queue[0].ctl
		method = "deleteDatabase"
	case r.kind == reqUpgrade && !r.probing:
		args = append(args, r.version)
	}
	req, err := db.g.indexedDB.Call(method, args...)
	if err != nil {
		return asDOMError(err)
	}
	r.req = req
	r.armTimer() // bounds the wait for any answer at all (requestTimeout)
	r.fn = funcOf(r.handle, func(err error) { db.requestFailed(r, err) })
	for _, ev := range []string{"onsuccess", "onerror", "onblocked", "onupgradeneeded"} {
		if err := req.Set(ev, r.fn.Value); err != nil {
			return asDOMError(err)
		}
	}
	return nil
}

func (r *request) handle(_ jsval, args []js.Value) {
	event := arg(args, 0)
	switch getString(event, "type") {
	case "upgradeneeded":
		r.upgrade()
	case "blocked":
		r.onBlocked()
	case "success":
		req := r.req
		r.db.mu.Lock()
		probing := r.probing && !r.upgraded
		if probing {
			r.endRequest() // keeps the lock for reissue
		} else {
			r.finish()
		}
		r.db.mu.Unlock()
		if r.kind == reqDelete {
			r.db.deleted(r)
			return
		}
		conn, err := req.Get("result")
		if err != nil {
			r.db.requestFailed(r, asDOMError(err))
			return
		}
		if probing {
			if r.reissue(conn) {
				return
			}
			r.db.mu.Lock()
			r.unlock()
			r.db.mu.Unlock()
		}
		r.db.opened(r, conn)
	case "error":
		req := r.req
		r.db.mu.Lock()
		r.finish()
		r.db.mu.Unlock()
		_, _ = event.Call("preventDefault")
		reqErr, err := req.Get("error")
		if err != nil {
			r.db.requestFailed(r, asDOMError(err))
			return
		}
		r.db.requestFailed(r, newDOMError(reqErr))
	}
}

// reissue is called with the connection a probing upgrade opened: when the
// queue still needs changes, it closes conn and asks for the next version, still
// holding the lock, and reports true.
func (r *request) reissue(conn jsval) bool {
	db := r.db
	db.mu.Lock()
	defer db.mu.Unlock()
	if r.abandoned || db.req != r {
		return false
	}
	have, err := storeSet(conn)
	v, verr := getInt(conn, "version")
	if err != nil || verr != nil {
		return false
	}
	if len(db.planLocked(have)) == 0 {
		return false // someone else made what we need
	}
	_, _ = conn.Call("close")
	r.probing = false
	r.version = v + 1
	if err := r.start(); err != nil {
		db.requestFailedLocked(r, err)
	}
	return true
}

// upgrade makes, inside the versionchange transaction, the changes the queued
// operations need (planLocked), so that operations issued together share one
// upgrade.
func (r *request) upgrade() {
	conn, err := r.req.Get("result")
	if err != nil {
		return
	}
	db := r.db
	db.mu.Lock()
	defer db.mu.Unlock()
	if r.abandoned {
		r.abortUpgrade() // nobody waits for it (requestTimeout, Close)
		return
	}
	have, err := storeSet(conn)
	read := err == nil
	if !read {
		have = map[string]bool{}
	}
	r.upgraded = true
	var changes []byte // one call makes them all (life.js apply)
	for _, c := range db.planLocked(have) {
		existed := have[c.name]
		switch {
		case c.del != nil:
			if existed {
				changes = appendChange(changes, 'd', c.name)
				delete(have, c.name)
			}
			r.deletes = append(r.deletes, c.del)
			r.existed = append(r.existed, existed)
		case !existed:
			changes = appendChange(changes, 'c', c.name)
			have[c.name] = true
		}
	}
	if len(changes) > 0 {
		if err := applyChanges(conn, changes); err != nil {
			r.abortUpgrade()
			return
		}
	}
	if read {
		r.stores = have
	}
}

// abortUpgrade aborts the versionchange transaction; the open request then fails.
func (r *request) abortUpgrade() {
	r.deletes, r.existed = nil, nil
	if tx, err := r.req.Get("transaction"); err == nil {
		_, _ = tx.Call("abort")
	}
}

// onBlocked marks r blocked, so that its bound (armed when it started) does not
// abandon it. Our own connection, closed just before the upgrade, can report
// blocked while its last transactions finish; so progress is reported only if the
// wait lasts longer than blockedReportDelay.
func (r *request) onBlocked() {
	db := r.db
	db.mu.Lock()
	defer db.mu.Unlock()
	r.blocked = true
	if r.stopReport == nil {
		r.stopReport = afterFunc(blockedReportDelay, r.report)
	}
}

// blockedReportDelay is how long a blocked upgrade waits before saying so.
const blockedReportDelay = 1000 // ms

// report tells the developer, once, what the upgrade is waiting for.
func (r *request) report() {
	db := r.db
	db.mu.Lock()
	if db.req != r || r.reported {
		db.mu.Unlock()
		return
	}
	r.reported = true
	db.mu.Unlock()
	what := "the write needs a version upgrade and fails"
	if r.kind == reqDelete {
		what = "deleting it waits, and kv.destroy() fails,"
	}
	msg := "patchkv: waiting for other connections to database " + quote(db.name) +
		" to close (another tab, worker or frame has it open); " + what + " after " +
		seconds(db.opts.BlockedTimeoutMS) + " if they do not"
	if db.opts.OnBlocked != nil {
		db.opts.OnBlocked(msg)
		return
	}
	_, _ = db.g.console.Call("warn", msg)
}

// armTimer starts the bounded wait of a request (requestTimeout); called with db.mu held.
// A running timer is left alone, so that later operations never extend the wait
// of earlier ones; once it fired, the next queued operation starts a new one.
func (r *request) armTimer() {
	if r.stopTimer != nil {
		return
	}
	r.stopTimer = afterFunc(r.db.opts.BlockedTimeoutMS, func() { r.db.requestTimeout(r) })
}

// finish releases what r holds; called with db.mu held.
func (r *request) finish() {
	r.endRequest()
	if r.locked {
		r.unlock()
	}
}

// stopTimers stops each timer that is set (afterFunc's stop) and clears it.
func stopTimers(stops ...*func()) {
	for _, stop := range stops {
		if *stop != nil {
			(*stop)()
			*stop = nil
		}
	}
}

// endRequest stops r's timers and lets go of its IndexedDB request.
func (r *request) endRequest() {
	stopTimers(&r.stopTimer, &r.stopReport)
	if r.req.js().Truthy() {
		for _, ev := range []string{"onsuccess", "onerror", "onblocked", "onupgradeneeded"} {
			_ = r.req.Set(ev, nil)
		}
		releaseFunc(r.fn)
		r.req = undefined()
	}
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
