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

// method is one method of a kv object. Every method of every kv object is a small
// JavaScript closure (glue makeStore) that calls the one Go dispatcher with the
// object's number and the method's index, so that a page with many nodes holds
// one js.Func, not seven per node.
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

// call is one call of a method: whether its first argument is a string (the
// closure checks, so that the key never has to cross into Go), and its arguments
// as the JavaScript Array they arrived in, fetched from glue only when needed.
type call struct {
	args      js.Value
	haveArgs  bool
	keyString bool
	method    func() string // "kv.get", "kv store.set"..., for messages
}

// argsJS returns the call's arguments. On the exported entry they are fetched
// from glue, which holds the current call's (nested calls restore it).
func (c *call) argsJS() js.Value {
	if !c.haveArgs {
		c.args, c.haveArgs = glueArgs.Invoke(), true
	}
	return c.args
}

// storeMethods are the methods of every store object; set in init, because some
// of them make store objects.
var storeMethods, rootMethods []method

func init() {
	storeMethods = []method{
		{name: "get", arity: 1, call: func(_ *root, b *bound, c *call) js.Value {
			return runOp(b, c, idb.OpGet)
		}},
		{name: "set", arity: 2, call: func(_ *root, b *bound, c *call) js.Value {
			return runOp(b, c, idb.OpPut)
		}},
		{name: "has", arity: 1, call: func(_ *root, b *bound, c *call) js.Value {
			return runOp(b, c, idb.OpHas)
		}},
		{name: "delete", arity: 1, call: func(_ *root, b *bound, c *call) js.Value {
			return runOp(b, c, idb.OpDelete)
		}},
		{name: "keys", arity: 0, call: func(_ *root, b *bound, c *call) js.Value {
			return runOp(b, c, idb.OpKeys)
		}},
		{name: "clear", arity: 0, call: func(_ *root, b *bound, c *call) js.Value {
			return runOp(b, c, idb.OpClear)
		}},
		{name: "store", arity: 1, store: true, call: func(r *root, b *bound, c *call) js.Value {
			n, err := goName(b.prefix+".store", "store name", c.argsJS().Index(0))
			if err != nil {
				return r.invalidStore(err)
			}
			s, _ := scope.NamedScope(n)
			return r.storeObject(s)
		}},
	}

	// rootMethods are the root's: its store methods (on the host scope), then
	// node() and scopes().
	rootMethods = append(storeMethods[:len(storeMethods):len(storeMethods)],
		method{name: "node", arity: 1, store: true, call: func(r *root, _ *bound, c *call) js.Value {
			id, err := goName("kv.node", "node id", c.argsJS().Index(0))
			if err != nil {
				return r.invalidStore(err)
			}
			s, _ := scope.NodeScope(id)
			return r.storeObject(s)
		}},
		method{name: "scopes", arity: 0, call: func(r *root, _ *bound, _ *call) js.Value {
			return r.scopes()
		}},
		// A patch's data as a whole (SPEC §8): js/archive.js, through wasm/archive.go.
		method{name: "export", arity: 0, call: func(r *root, _ *bound, c *call) js.Value {
			return r.archive("export", c)
		}},
		method{name: "import", arity: 1, optional: 1, call: func(r *root, _ *bound, c *call) js.Value {
			return r.archive("import", c)
		}},
		method{name: "removeScope", arity: 1, call: func(r *root, _ *bound, c *call) js.Value {
			return r.archive("removeScope", c)
		}},
		method{name: "destroy", arity: 0, call: func(r *root, _ *bound, c *call) js.Value {
			return r.archive("destroy", c)
		}},
	)
	storeMethodNames = methodNames(storeMethods)
	rootMethodNames = methodNames(rootMethods)
}

func methodNames(ms []method) js.Value {
	names := jsArray.New(len(ms))
	for i, m := range ms {
		names.SetIndex(i, m.name)
	}
	return names
}

// The names of the methods, as Arrays for makeStore.
var storeMethodNames, rootMethodNames js.Value

// bound is one kv object: the root (host scope) or a node or named store.
type bound struct {
	root    *root
	store   *idb.Store
	obj     js.Value
	methods []method
	prefix  string // "kv" or "kv store", for error messages
}

// objects holds every kv object by the number its closures pass to dispatch.
var objects struct {
	sync.Mutex
	list []*bound
}

// A kv method's closure enters Go in one of two ways, both ending in dispatchCode:
// through the exported function patchkv_call (when the loader has handed glue the
// module's exports: a plain WebAssembly call, about 1 µs), or through the js.Func
// dispatch (about 20–40 µs: syscall/js's event machinery and a trip through the
// scheduler), which works without the loader, as in wasmbrowsertest.

// exportedCall is the fast entry. The method's arguments stay in glue (cur.args)
// and are fetched only when Go needs them. It returns 1 when Go left the method's
// result in glue (a store object, a rejected Promise), 0 when glue holds the
// operation's Promise.
//
//go:wasmexport patchkv_call
func exportedCall(code float64) int32 {
	r := dispatchCode(int(code), js.Undefined(), false)
	if r.IsUndefined() {
		return 0
	}
	glueSetResult.Invoke(r)
	return 1
}

// dispatch is the js.Func entry: it gets the arguments as an Array.
var dispatch = js.FuncOf(func(_ js.Value, in []js.Value) any {
	return dispatchCode(in[1].Int(), in[0], true)
})

// dispatchCode runs one method call. code packs the object's number, the method's
// index, whether `this` is foreign, whether the first argument is a string, and
// the argument count (see glue makeStore). It checks `this` and the argument
// count, and turns a Go panic into a rejection of that call alone: a panic that
// reached syscall/js would end the program for every later call. It returns
// undefined when the method's Promise is in glue's out slot.
func dispatchCode(code int, args js.Value, haveArgs bool) (result js.Value) {
	n, keyString, foreign, index, id := code%32, code/32%2 == 1, code/64%2 == 1, code/128%16, code/2048
	objects.Lock()
	b := objects.list[id]
	objects.Unlock()
	m := b.methods[index]
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
	if foreign {
		return bad(typeError(name() + ": called on an object that is not this kv store"))
	}
	if n < m.arity || n > m.arity+m.optional {
		takes := strconv.Itoa(m.arity)
		if m.optional > 0 {
			takes += " to " + strconv.Itoa(m.arity+m.optional)
		}
		return bad(typeError(name() + ": takes " + takes + " argument" + plural(m.arity+m.optional) + ", got " + strconv.Itoa(n)))
	}
	if hook := testHook; hook != nil {
		hook(name())
	}
	return m.call(b.root, b, &call{args: args, haveArgs: haveArgs, keyString: keyString, method: name})
}

// root is the kv object of one patch: its own methods use the host scope, node()
// and store() hand out scoped stores, cached so that the same scope is the same
// object.
type root struct {
	db  *idb.DB
	obj js.Value

	mu     sync.Mutex
	stores map[string]js.Value // by object store name
	handle js.Value            // for js/archive.js (wasm/archive.go), made on first use
}

// newRoot builds the root kv of db's patch.
func newRoot(db *idb.DB) *root {
	r := &root{db: db, stores: map[string]js.Value{}}
	r.obj = r.bind(db.Store(scope.HostScope()), "kv", rootMethods, rootMethodNames)
	r.obj.Set("patch", db.Patch())
	return r
}

// bind makes the JavaScript object of store s.
func (r *root) bind(s *idb.Store, prefix string, ms []method, names js.Value) js.Value {
	b := &bound{root: r, store: s, methods: ms, prefix: prefix}
	objects.Lock()
	id := len(objects.list)
	objects.list = append(objects.list, b)
	objects.Unlock()
	b.obj = glueMakeStore.Invoke(dispatch, id, names)
	return b.obj
}

// storeObject returns the JavaScript object of scope s, making it on first use.
func (r *root) storeObject(s scope.Scope) js.Value {
	name := s.ObjectStore()
	r.mu.Lock()
	defer r.mu.Unlock()
	if obj, ok := r.stores[name]; ok {
		return obj
	}
	obj := r.bind(r.db.Store(s), "kv store", storeMethods, storeMethodNames)
	r.stores[name] = obj
	return obj
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
// once, in one call to JavaScript (glue read or write) that leaves the method's
// Promise in glue's out slot, where the method's closure picks it up: neither the
// key, the value nor the Promise crosses into Go. Otherwise it waits in idb's
// queue and runOp returns a Promise that is settled once it has run.
func runOp(b *bound, c *call, kind idb.OpKind) js.Value {
	keyed := kind != idb.OpKeys && kind != idb.OpClear
	if keyed && !c.keyString {
		return rejected(typeError(c.method() + ": key must be a string, got " + typeName(c.argsJS().Index(0))))
	}
	var (
		mu      sync.Mutex
		placing = true
		ran     bool
		now     js.Value
		later   promise
		holder  js.Value // the value is holder[slot]: undefined means the arguments
		slot    = 1
	)
	fail := func(err error) {
		if placing {
			now = rejected(err)
		} else {
			later.settle(nil, err)
		}
	}
	op := &idb.JSOp{Kind: kind, Run: func(conn js.Value, exists bool, err error) error {
		mu.Lock()
		defer mu.Unlock()
		ran = true
		if err != nil {
			fail(err)
			return nil
		}
		// op packs the kind and whether the store exists. Arguments left out
		// are undefined in glue: undefined arguments tell it to use the current
		// call's (the operation runs within it, so Go need not fetch them).
		op := int(kind)
		if exists {
			op += 8
		}
		switch {
		case !placing:
			_, err = tryInvoke(glueRun, conn, b.store.ObjectStoreJS(), op, c.args, holder, slot, later.resolve)
		case c.haveArgs || !holder.IsUndefined():
			_, err = tryInvoke(glueRun, conn, b.store.ObjectStoreJS(), op, c.args, holder, slot)
		default:
			_, err = tryInvoke(glueRun, conn, b.store.ObjectStoreJS(), op)
		}
		if err != nil {
			if isConnGone(err) {
				ran = false
				return err // idb reconnects and runs the operation again
			}
			if kind == idb.OpPut {
				err = cloneError(c, err)
			}
			fail(err)
		}
		return nil
	}}
	// An operation that has to wait takes its arguments now; a write keeps a
	// clone of its value taken now, as put would have.
	op.Hold = func() error {
		args := c.argsJS()
		if kind != idb.OpPut {
			return nil
		}
		box, err := tryInvoke(glueClone, args, 1)
		if err != nil {
			return cloneError(c, err)
		}
		mu.Lock()
		holder, slot = box, 0
		mu.Unlock()
		return nil
	}
	if err := b.store.RunJS(op); err != nil {
		return rejected(err)
	}
	mu.Lock()
	defer mu.Unlock()
	placing = false
	switch {
	case !now.IsUndefined():
		return now
	case ran:
		return js.Undefined() // the Promise is in glue's out slot
	}
	later = newPromise()
	return later.value
}

// isConnGone reports whether err says the connection closed under the call.
func isConnGone(err error) bool {
	je, ok := err.(js.Error)
	if !ok {
		return false
	}
	switch je.Get("name").String() {
	case "InvalidStateError", "NotFoundError":
		return true
	}
	return false
}

// cloneError names the key in a DataCloneError, so that a user who stores many
// values learns which one cannot be stored.
func cloneError(c *call, err error) error {
	je, ok := err.(js.Error)
	if !ok || je.Get("name").String() != "DataCloneError" {
		return err
	}
	return &idb.DOMError{Name: "DataCloneError", Message: "patchkv: the value for key " +
		"\"" + c.argsJS().Index(0).String() + "\" cannot be stored: " + je.Get("message").String()}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// testHook, when set by a test, runs inside every method call; tests use it to
// force a panic in the middle of a call.
var testHook func(method string)
