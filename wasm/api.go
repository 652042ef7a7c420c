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
	// store is set for node() and store(): they return a store object, so a bad
	// call returns one whose data methods reject instead of a rejected Promise.
	store bool
	call  func(r *root, b *bound, args js.Value) any
}

// storeMethods are the methods of every store object; set in init, because some
// of them make store objects.
var storeMethods, rootMethods []method

func init() {
	storeMethods = []method{
		{name: "get", arity: 1, call: func(_ *root, b *bound, args js.Value) any {
			return read(b, "get", idb.ReadGet, args.Index(0))
		}},
		{name: "set", arity: 2, call: func(r *root, b *bound, args js.Value) any {
			if err := checkKey(b, "set", args.Index(0)); err != nil {
				return rejected(err)
			}
			return r.commitPromise(b.store.PutJS(args.Index(0), idb.ValueAt(args, 1)))
		}},
		{name: "has", arity: 1, call: func(_ *root, b *bound, args js.Value) any {
			return read(b, "has", idb.ReadHas, args.Index(0))
		}},
		{name: "delete", arity: 1, call: func(r *root, b *bound, args js.Value) any {
			if err := checkKey(b, "delete", args.Index(0)); err != nil {
				return rejected(err)
			}
			return r.commitPromise(b.store.DeleteJS(args.Index(0)))
		}},
		{name: "keys", arity: 0, call: func(_ *root, b *bound, _ js.Value) any {
			return read(b, "keys", idb.ReadKeys, js.Undefined())
		}},
		{name: "clear", arity: 0, call: func(r *root, b *bound, _ js.Value) any {
			return r.commitPromise(b.store.ClearJS())
		}},
		{name: "store", arity: 1, store: true, call: func(r *root, b *bound, args js.Value) any {
			n, err := goName(b.prefix+".store", "store name", args.Index(0))
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
		method{name: "node", arity: 1, store: true, call: func(r *root, _ *bound, args js.Value) any {
			id, err := goName("kv.node", "node id", args.Index(0))
			if err != nil {
				return r.invalidStore(err)
			}
			s, _ := scope.NodeScope(id)
			return r.storeObject(s)
		}},
		method{name: "scopes", arity: 0, call: func(r *root, _ *bound, _ js.Value) any {
			return r.scopes()
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

// dispatch is the one js.Func behind every kv method. It checks `this` and the
// argument count, and turns a Go panic into a rejection of that call alone: a
// panic that reached syscall/js would end the program for every later call.
var dispatch = js.FuncOf(func(_ js.Value, call []js.Value) (result any) {
	args, code := call[0], call[1].Int()
	n, foreign, index, id := code%32, code/32%2 == 1, code/64%16, code/1024
	objects.Lock()
	b := objects.list[id]
	objects.Unlock()
	m := b.methods[index]
	name := b.prefix + "." + m.name
	bad := func(err error) any {
		if m.store {
			return b.root.invalidStore(err)
		}
		return rejected(err)
	}
	defer func() {
		if p := recover(); p != nil {
			result = bad(errors.New("patchkv: internal error in " + name + ": " + panicMessage(p)))
		}
	}()
	if foreign {
		return bad(typeError(name + ": called on an object that is not this kv store"))
	}
	if n != m.arity {
		return bad(typeError(name + ": takes " + strconv.Itoa(m.arity) + " argument" + plural(m.arity) + ", got " + strconv.Itoa(n)))
	}
	if hook := testHook; hook != nil {
		hook(name)
	}
	return m.call(b.root, b, args)
})

// root is the kv object of one patch: its own methods use the host scope, node()
// and store() hand out scoped stores, cached so that the same scope is the same
// object.
type root struct {
	db  *idb.DB
	obj js.Value

	mu     sync.Mutex
	stores map[string]js.Value // by object store name

	// The Promise of the last Commit handed out: writes issued in the same task
	// on the same store share a transaction, a Commit, and so a Promise.
	lastCommit  *idb.Commit
	lastPromise js.Value
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

func checkKey(b *bound, method string, key js.Value) error {
	if !isString(key) {
		return typeError(b.prefix + "." + method + ": key must be a string, got " + typeName(key))
	}
	return nil
}

// commitPromise returns the Promise that settles with c: writes issued in the
// same task on the same store share a transaction, a Commit, and so a Promise.
func (r *root) commitPromise(c *idb.Commit, err error) js.Value {
	if err != nil {
		return rejected(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c == r.lastCommit {
		return r.lastPromise
	}
	var p js.Value
	if tx := c.Transaction(); !tx.IsUndefined() {
		p = glueWatch.Invoke(tx)
	} else {
		// A write that waited for the connection, or one with nothing to do.
		d := newPromise()
		c.Then(func(err error) { d.settle(js.Undefined(), err) })
		p = d.value
	}
	r.lastCommit, r.lastPromise = c, p
	return p
}

// read places a read and returns the Promise of its result, settled in
// JavaScript from the request. While the connection opens the read waits in idb's
// queue, and the Promise is settled once the request is placed.
func read(b *bound, method string, kind idb.ReadKind, key js.Value) js.Value {
	if kind != idb.ReadKeys {
		if err := checkKey(b, method, key); err != nil {
			return rejected(err)
		}
	}
	var (
		mu      sync.Mutex
		placing = true
		now     js.Value
		later   promise
	)
	b.store.ReadJS(kind, key, func(store js.Value, err error) error {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			if placing {
				now, err = tryInvoke(glueRead, store, int(kind), key)
			} else {
				_, err = tryInvoke(glueReadInto, store, int(kind), key, later.resolve, later.reject)
			}
			if je, ok := err.(js.Error); ok && je.Get("name").String() == "TransactionInactiveError" {
				return err // idb runs the read again in a new transaction
			}
		}
		if err != nil {
			if placing {
				now = rejected(err)
			} else {
				later.settle(nil, err)
			}
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	placing = false
	if !now.IsUndefined() {
		return now
	}
	later = newPromise()
	return later.value
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
