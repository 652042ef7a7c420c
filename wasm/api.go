//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/scope"
)

// The protocol between the method closures of glue.js and Go, defined here once
// and handed to glue when it is made (protocolJS).
//
// A method's closure calls patchkv_call(object, method, flags, argc): the kv
// object's number (bind), the method's code (methodID), flags about the
// arguments that glue checks so that the key never has to cross into Go, and the
// argument count. Go answers resultPromise when glue holds the operation's
// Promise, resultValue when Go left the result in glue (a store object, a
// rejected Promise).
const (
	flagForeign   = 1 << iota // `this` is neither the kv object nor undefined/globalThis
	flagKeyString             // the first argument is a string
	flagFunc                  // the second argument is a function
)

const (
	resultPromise int32 = 0
	resultValue   int32 = 1
)

// protocolJS describes the protocol's constants for glue.js. A loop rather than
// js.ValueOf of a map literal, whose code costs kv.wasm about 1 KB.
func protocolJS() js.Value {
	o := jsObject.New()
	for _, c := range [...]struct {
		name  string
		value int32
	}{
		{"flagForeign", flagForeign},
		{"flagKeyString", flagKeyString},
		{"flagFunc", flagFunc},
		{"resultPromise", resultPromise},
		{"resultValue", resultValue},
		{"methodBind", int32(methodBind)},
		{"methodRelease", int32(methodRelease)},
		{"methodQueue", int32(methodQueue)},
	} {
		o.Set(c.name, c.value)
	}
	return o
}

// methodID is a method's code on the bridge: its index in methods.
type methodID int32

const (
	methodGet methodID = iota
	methodSet
	methodHas
	methodDelete
	methodKeys
	methodClear
	methodUpdate
	methodStore
	methodNode
	methodScopes
	// A patch's data as a whole (README "Export and import"): js/archive.js, through wasm/archive.go.
	methodExport
	methodImport
	methodRemoveScope
	methodDestroy
	// Glue's own calls, never a method of a kv object (see bindCall).
	methodBind    // object: a root; the argument: a store object's handle; result: its number
	methodRelease // object: a store object that was collected
	methodQueue   // object: a root; the argument: calls glue parked, [handle, kind, number, …] (queueParked)
)

// method is one method of a kv object. Every method of every kv object is a
// small JavaScript closure (glue makeStore) that calls Go with the object's
// number and the method's code, so that a page with many nodes holds no Go
// function per node.
type method struct {
	name  string
	arity int
	// optional is how many arguments after arity may be left out.
	optional int
	// store is set for node() and store(): they return a store object, so a bad
	// call returns one whose data methods reject instead of a rejected Promise.
	store bool
	call  func(r *root, b *bound, c *call) js.Value
}

// call is one call of a method: its flags, and its arguments as the JavaScript
// Array they arrived in, fetched from glue only when needed.
type call struct {
	args     js.Value
	haveArgs bool
	flags    int32
	method   func() string // "kv.get", "kv store.set"..., for messages
}

// argsJS returns the call's arguments. On the exported entry they are fetched
// from glue, which holds the current call's (nested calls restore it).
func (c *call) argsJS() js.Value {
	if !c.haveArgs {
		c.args, c.haveArgs = glueArgs.Invoke(), true
	}
	return c.args
}

// first returns the call's first argument; on the exported entry without
// fetching the arguments' Array (each value Go holds costs a reference and a
// finalizer, which add up when a patch load touches every scope).
func (c *call) first() js.Value {
	if c.haveArgs {
		return c.args.Index(0)
	}
	return glueFirst.Invoke()
}

// methods are every kv method, by code; set in init, because some of them make
// store objects.
var methods []method

// storeMethods and rootMethods are the codes of a store's methods and of the
// root's (its store methods on the host scope, then node() and scopes()).
var storeMethods, rootMethods []methodID

func init() {
	methods = []method{
		methodGet:    {name: "get", arity: 1, call: opMethod(idb.OpGet)},
		methodSet:    {name: "set", arity: 2, call: opMethod(idb.OpPut)},
		methodHas:    {name: "has", arity: 1, call: opMethod(idb.OpHas)},
		methodDelete: {name: "delete", arity: 1, call: opMethod(idb.OpDelete)},
		methodKeys:   {name: "keys", arity: 0, call: opMethod(idb.OpKeys)},
		methodClear:  {name: "clear", arity: 0, call: opMethod(idb.OpClear)},
		methodUpdate: {name: "update", arity: 2, call: opMethod(idb.OpUpdate)},
		methodStore: {name: "store", arity: 1, store: true, call: func(r *root, b *bound, c *call) js.Value {
			n, err := goName(b.prefix+".store", "store name", c.first())
			if err != nil {
				return r.invalidStore(err)
			}
			s, _ := scope.NamedScope(n)
			return r.storeObject(s)
		}},
		methodNode: {name: "node", arity: 1, store: true, call: func(r *root, _ *bound, c *call) js.Value {
			id, err := goName("kv.node", "node id", c.first())
			if err != nil {
				return r.invalidStore(err)
			}
			s, _ := scope.NodeScope(id)
			return r.storeObject(s)
		}},
		methodScopes: {name: "scopes", arity: 0, call: func(r *root, _ *bound, _ *call) js.Value {
			return r.scopes()
		}},
		methodExport:      {name: "export", arity: 0, call: archiveMethod("export")},
		methodImport:      {name: "import", arity: 1, optional: 1, call: archiveMethod("import")},
		methodRemoveScope: {name: "removeScope", arity: 1, call: archiveMethod("removeScope")},
		methodDestroy:     {name: "destroy", arity: 0, call: archiveMethod("destroy")},
	}
	storeMethods = []methodID{methodGet, methodSet, methodHas, methodDelete, methodKeys, methodClear, methodUpdate, methodStore}
	rootMethods = append(storeMethods[:len(storeMethods):len(storeMethods)], methodNode, methodScopes,
		methodExport, methodImport, methodRemoveScope, methodDestroy)
	storeMethodsJS = methodTable(storeMethods)
	rootMethodsJS = methodTable(rootMethods)
	storeAllowed, rootAllowed = allowedOf(storeMethods), allowedOf(rootMethods)
}

// opMethod and archiveMethod make the calls of the data methods and of the
// archive methods. Not inlined: each call site would get its own copy of the
// closure.
//
//go:noinline
func opMethod(kind idb.OpKind) func(*root, *bound, *call) js.Value {
	return func(_ *root, b *bound, c *call) js.Value { return runOp(b, c, kind) }
}

//go:noinline
func archiveMethod(name string) func(*root, *bound, *call) js.Value {
	return func(r *root, _ *bound, c *call) js.Value { return r.archive(name, c) }
}

// methodTable returns [[name, code], ...] for makeStore.
func methodTable(ids []methodID) js.Value {
	t := jsArray.New(len(ids))
	for i, id := range ids {
		t.SetIndex(i, []any{methods[id].name, int(id)})
	}
	return t
}

// The method tables of store objects and of roots, as glue makeStore takes them.
var storeMethodsJS, rootMethodsJS js.Value

// bound is one kv object: the root (host scope) or a node or named store. It
// holds no JavaScript object: a store object nobody holds can be collected, and
// its number is then released (glue storeOf).
type bound struct {
	root    *root
	store   *idb.Store
	allowed []bool // by methodID: the object has the method (storeAllowed or rootAllowed)
	prefix  string // "kv" or "kv store", for error messages
}

// storeAllowed and rootAllowed are the bound.allowed of store objects and roots.
var storeAllowed, rootAllowed []bool

func allowedOf(ids []methodID) []bool {
	a := make([]bool, len(methods))
	for _, id := range ids {
		a[id] = true
	}
	return a
}

// objects holds every kv object that has made a call, by the number its
// closures pass to Go; free are the numbers of collected ones, for reuse.
var objects objectTable

type objectTable struct {
	mutex
	list []*bound
	free []int32
}

// add gives b a number.
func (o *objectTable) add(b *bound) int32 {
	o.Lock()
	defer o.Unlock()
	if n := len(o.free); n > 0 {
		id := o.free[n-1]
		o.free = o.free[:n-1]
		o.list[id] = b
		return id
	}
	o.list = append(o.list, b)
	return int32(len(o.list) - 1)
}

// release frees number id of a collected store object; roots are never released.
func (o *objectTable) release(id int32) {
	o.Lock()
	defer o.Unlock()
	if id >= 0 && int(id) < len(o.list) && o.list[id] != nil && o.list[id].prefix != "kv" {
		o.list[id] = nil
		o.free = append(o.free, id)
	}
}

// liveObjects counts the kv objects that hold a number.
func liveObjects() int {
	objects.Lock()
	defer objects.Unlock()
	return len(objects.list) - len(objects.free)
}

// A kv method's closure enters Go in one of two ways, both ending in dispatchCall:
// through the exported function patchkv_call (when the loader has handed glue the
// module's exports: a plain WebAssembly call, about 1 µs), or through the js.Func
// dispatch (about 20–40 µs: syscall/js's event machinery and a trip through the
// scheduler), which works without the loader, as in wasmbrowsertest.

// exportedCall is the fast entry. The method's arguments stay in glue and are
// fetched only when Go needs them.
//
//go:wasmexport patchkv_call
func exportedCall(object, method, flags, argc int32) int32 {
	r := dispatchCall(object, methodID(method), flags, argc, js.Undefined(), false)
	if r.IsUndefined() {
		return resultPromise
	}
	if r.Equal(inGlue) {
		return resultValue
	}
	glueSetResult.Invoke(r)
	return resultValue
}

// dispatch is the js.Func entry: dispatch(args, object, method, flags).
var dispatch = js.FuncOf(func(_ js.Value, in []js.Value) any {
	r := dispatchCall(int32(in[1].Int()), methodID(in[2].Int()), int32(in[3].Int()), int32(in[0].Length()), in[0], true)
	if r.Equal(inGlue) {
		return js.Undefined() // glue takes the result from its out slot
	}
	return r
})

// inGlue is what a method returns when glue holds its result in the out slot
// (storeObject). No method returns null itself.
var inGlue = js.Null()

// dispatchCall runs one method call. It checks `this` and the argument count,
// and turns a Go panic into a rejection of that call alone: a panic that reached
// syscall/js would end the program for every later call. It returns undefined
// when the method's Promise is in glue's out slot.
func dispatchCall(object int32, id methodID, flags, argc int32, args js.Value, haveArgs bool) (result js.Value) {
	if id >= methodBind {
		return glueCall(object, id, &call{args: args, haveArgs: haveArgs})
	}
	objects.Lock()
	var b *bound
	if object >= 0 && int(object) < len(objects.list) {
		b = objects.list[object]
	}
	objects.Unlock()
	if b == nil || id < 0 || int(id) >= len(b.allowed) || !b.allowed[id] {
		return rejected(typeError("patchkv: no such kv method"))
	}
	m := &methods[id]
	name := func() string { return b.prefix + "." + m.name } // for messages only
	bad := func(err error) js.Value {
		if m.store {
			return b.root.invalidStore(err)
		}
		return rejected(err)
	}
	defer func() {
		if p := recover(); p != nil {
			result = bad(errors.New("patchkv: internal error in " + name() + ": " + panicMessage(p)))
		}
	}()
	if flags&flagForeign != 0 {
		return bad(typeError(name() + ": called on an object that is not this kv store"))
	}
	if int(argc) < m.arity || int(argc) > m.arity+m.optional {
		takes := strconv.Itoa(m.arity)
		if m.optional > 0 {
			takes += " to " + strconv.Itoa(m.arity+m.optional)
		}
		return bad(typeError(name() + ": takes " + takes + " argument" + plural(m.arity+m.optional) + ", got " + strconv.Itoa(int(argc))))
	}
	if hook := testHook; hook != nil {
		hook(name())
	}
	return m.call(b.root, b, &call{args: args, haveArgs: haveArgs, flags: flags, method: name})
}

// glueCall runs glue's own calls (methodBind, methodRelease), which only the
// closures and the FinalizationRegistry of glue.js make.
func glueCall(object int32, id methodID, c *call) (result js.Value) {
	defer func() {
		if p := recover(); p != nil {
			result = js.Undefined() // glue rejects the method call that needed the number
		}
	}()
	if id == methodRelease {
		objects.release(object)
		return js.Undefined()
	}
	objects.Lock()
	var r *root
	if object >= 0 && int(object) < len(objects.list) && objects.list[object] != nil {
		r = objects.list[object].root
	}
	objects.Unlock()
	if id == methodQueue {
		queueParked(r, c.argsJS().Index(0))
		return js.Undefined()
	}
	if id != methodBind || r == nil {
		return js.Undefined()
	}
	s, err := r.db.StoreFromHandle(c.argsJS().Index(0))
	if err != nil {
		return js.Undefined()
	}
	return js.ValueOf(objects.add(&bound{root: r, store: s, allowed: storeAllowed, prefix: "kv store"}))
}

// root is the kv object of one patch: its own methods use the host scope, node()
// and store() hand out scoped stores, which glue keeps while they are held, so
// that the same scope is the same object.
type root struct {
	db  *idb.DB
	obj js.Value
	id  int32 // its number, as glue storeOf takes it

	mu     mutex
	handle js.Value // for js/archive.js (wasm/archive.go), made on first use
}

// newRoot builds the root kv of db's patch.
func newRoot(db *idb.DB) *root {
	r := &root{db: db}
	host := scope.HostScope()
	h := glueHandle.Invoke(db.HubJS(), host.ObjectStore(), host.Kind.String(), host.Name)
	s, _ := db.StoreFromHandle(h) // h is glue's plain object: reading its name cannot fail
	r.id = objects.add(&bound{root: r, store: s, allowed: rootAllowed, prefix: "kv"})
	r.obj = glueMakeRoot.Invoke(dispatch, r.id, rootMethodsJS, h, db.GateJS())
	r.obj.Set("patch", db.Patch())
	return r
}

// storeObject makes glue's out slot hold the JavaScript object of scope s: the
// one glue holds, or a new one that binds to Go on its first call. One call
// into JavaScript, and Go holds no reference to the object.
func (r *root) storeObject(s scope.Scope) js.Value {
	glueStoreOf.Invoke(dispatch, r.id, storeMethodsJS, s.ObjectStore(), s.Kind.String(), s.Name)
	return inGlue
}

// invalidStore returns a store whose data methods reject with err, and whose
// store(name) works: node() and store() cannot throw from Go, so a bad id
// surfaces on the first call instead. It is plain JavaScript: bad ids cost no Go
// state however often they are passed.
func (r *root) invalidStore(err error) js.Value {
	return glueInvalidStore.Invoke(toJSError(err), r.obj)
}

// scopes resolves to [{kind, name}] for every scope of the patch that has data.
func (r *root) scopes() js.Value {
	p := newPromise()
	r.db.Scopes(func(scopes []scope.Scope, err error) {
		if err != nil {
			p.settle(nil, err)
			return
		}
		arr := jsArray.New(len(scopes))
		for i, s := range scopes {
			o := jsObject.New()
			o.Set("kind", s.Kind.String())
			o.Set("name", s.Name)
			arr.SetIndex(i, o)
		}
		p.settle(arr, nil)
	})
	return p.value
}

// runOp starts a data method's operation. When the connection is ready it runs at
// once, in one call to JavaScript (glue run) that leaves the method's Promise in
// glue's out slot, where the method's closure picks it up: neither the key, the
// value nor the Promise crosses into Go. Otherwise glue parks it (glue park: its
// Promise goes to the out slot, a put's value is copied then) and it waits in
// idb's queue as a number; once it can run, one call places it (glue unpark).
func runOp(b *bound, c *call, kind idb.OpKind) js.Value {
	keyed := kind != idb.OpKeys && kind != idb.OpClear
	if keyed && c.flags&flagKeyString == 0 {
		return rejected(typeError(c.method() + ": key must be a string, got " + typeName(c.argsJS().Index(0))))
	}
	if kind == idb.OpUpdate && c.flags&flagFunc == 0 {
		return rejected(typeError(c.method() + ": the second argument must be a function, got " + typeName(c.argsJS().Index(1))))
	}
	var (
		mu     sync.Mutex
		parked int      // the call's number among glue's parked calls, once it waits
		now    js.Value // the call's Promise, when it failed before it ran or waited
	)
	// Arguments left out are undefined in glue, which then uses the current
	// call's: the operation runs or parks within it, so Go need not fetch them.
	args := func(fixed ...any) []any {
		if c.haveArgs {
			return append(fixed, c.args)
		}
		return fixed
	}
	op := &idb.JSOp{Kind: kind, Run: func(conn js.Value, exists bool, err error) error {
		mu.Lock()
		n := parked
		mu.Unlock()
		if n != 0 {
			return unpark(conn, n, exists, err)
		}
		if err == nil {
			if _, err = tryInvoke(glueRun, args(conn, b.store.Handle(), int(kind), exists)...); err == nil || idb.ConnGone(err) {
				return err
			}
		}
		mu.Lock()
		now = rejected(err)
		mu.Unlock()
		return nil
	}}
	op.Hold = func() error {
		v, err := tryInvoke(gluePark, args(b.store.Handle(), int(kind))...)
		if err != nil {
			return err
		}
		mu.Lock()
		parked = v.Int()
		mu.Unlock()
		if parked == 0 {
			return errInGlue
		}
		return nil
	}
	if err := b.store.RunJS(op); err != nil && err != errInGlue {
		return rejected(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !now.IsUndefined() {
		return now
	}
	return js.Undefined() // the Promise is in glue's out slot
}

// unpark places parked call n on conn, or fails it with err (idb.JSOp's Run for
// a call that waited). A connection found gone is returned: idb reconnects and
// runs the operation again.
func unpark(conn js.Value, n int, exists bool, err error) error {
	if err == nil {
		if _, err = tryInvoke(glueUnpark, conn, n, exists); err == nil || idb.ConnGone(err) {
			return err
		}
	}
	_, _ = tryInvoke(glueUnparkFail, n, toJSError(err))
	return nil
}

// queueParked queues, in order, the calls glue parked itself in one task
// (glue pend): [handle, kind, number, …]. While a write to a new scope waits
// for its upgrade, every call after it waits too, so glue parks those of the
// same task and hands them over in one entry into Go, instead of two each
// (one to bind a new store object, one for the call): in a page that has just
// loaded, 100 first writes to new scopes took 5–8 ms to issue, most of it
// in those entries. A call that cannot be queued is failed alone.
func queueParked(r *root, list js.Value) {
	n := list.Length()
	for i := 0; i+2 < n; i += 3 {
		num := list.Index(i + 2).Int()
		if err := queueParked1(r, list.Index(i), idb.OpKind(list.Index(i+1).Int()), num); err != nil {
			_, _ = tryInvoke(glueUnparkFail, num, toJSError(err))
		}
	}
}

// queueParked1 queues parked call n, of kind, on the store of handle h.
func queueParked1(r *root, h js.Value, kind idb.OpKind, n int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.New("patchkv: internal error queueing a call: " + panicMessage(p))
		}
	}()
	if r == nil {
		return errors.New("patchkv: the call's kv object is gone")
	}
	s, err := r.db.StoreFromHandle(h)
	if err != nil {
		return err
	}
	return s.RunJS(&idb.JSOp{Kind: kind, Run: func(conn js.Value, exists bool, err error) error {
		return unpark(conn, n, exists, err)
	}})
}

// errInGlue is Hold's error for a call that failed in glue (an uncloneable
// value): its rejected Promise is in glue's out slot already.
var errInGlue = errors.New("patchkv: the call failed in glue")

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// testHook, when set by a test, runs inside every method call; tests use it to
// force a panic in the middle of a call.
var testHook func(method string)
