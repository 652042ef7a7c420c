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
	r.obj = jsObject.New()
	r.bindStore(r.obj, db.Store(scope.HostScope()), nil)
	r.obj.Set("patch", db.Patch())
	r.obj.Set("node", r.storeMethod(r.obj, "kv.node", func(args js.Value) any {
		id, err := goName("kv.node", "node id", args.Index(0))
		if err != nil {
			return r.invalidStore(err)
		}
		s, _ := scope.NodeScope(id)
		return r.storeObject(s)
	}))
	r.obj.Set("scopes", r.method(r.obj, "kv.scopes", 0, func(js.Value) any {
		p := newPromise()
		db.Scopes(func(scopes []scope.Scope, err error) {
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
	}))
	return r
}

// storeObject returns the JavaScript object of scope s, making it on first use.
func (r *root) storeObject(s scope.Scope) js.Value {
	name := s.ObjectStore()
	r.mu.Lock()
	defer r.mu.Unlock()
	if obj, ok := r.stores[name]; ok {
		return obj
	}
	obj := jsObject.New()
	r.bindStore(obj, r.db.Store(s), nil)
	r.stores[name] = obj
	return obj
}

// invalidStore returns a store whose data methods reject with err: node() and
// store() cannot throw from Go, so a bad id surfaces on the first call instead.
func (r *root) invalidStore(err error) js.Value {
	obj := jsObject.New()
	r.bindStore(obj, nil, err)
	return obj
}

// bindStore puts get/set/has/delete/keys/clear/store on obj for store s (or, when
// bad is set, methods that reject with bad).
func (r *root) bindStore(obj js.Value, s *idb.Store, bad error) {
	name := "kv"
	if s != nil && s.Scope().Kind != scope.Host {
		name = "kv store"
	}
	dataMethod := func(method string, arity int, fn func(args js.Value) any) {
		obj.Set(method, r.method(obj, name+"."+method, arity, func(args js.Value) any {
			if bad != nil {
				return rejected(bad)
			}
			return fn(args)
		}))
	}
	dataMethod("get", 1, func(args js.Value) any {
		if err := checkKey("get", args.Index(0)); err != nil {
			return rejected(err)
		}
		return read(s, idb.ReadGet, args.Index(0))
	})
	dataMethod("has", 1, func(args js.Value) any {
		if err := checkKey("has", args.Index(0)); err != nil {
			return rejected(err)
		}
		return read(s, idb.ReadHas, args.Index(0))
	})
	dataMethod("keys", 0, func(js.Value) any {
		return read(s, idb.ReadKeys, js.Undefined())
	})
	dataMethod("set", 2, func(args js.Value) any {
		if err := checkKey("set", args.Index(0)); err != nil {
			return rejected(err)
		}
		return r.commitPromise(s.PutJS(args.Index(0), idb.ValueAt(args, 1)))
	})
	dataMethod("delete", 1, func(args js.Value) any {
		if err := checkKey("delete", args.Index(0)); err != nil {
			return rejected(err)
		}
		return r.commitPromise(s.DeleteJS(args.Index(0)))
	})
	dataMethod("clear", 0, func(js.Value) any {
		return r.commitPromise(s.ClearJS())
	})
	obj.Set("store", r.storeMethod(obj, name+".store", func(args js.Value) any {
		n, err := goName("kv.store", "store name", args.Index(0))
		if err != nil {
			return r.invalidStore(err)
		}
		ns, _ := scope.NamedScope(n)
		return r.storeObject(ns)
	}))
}

func checkKey(method string, key js.Value) error {
	if !isString(key) {
		return typeError("kv." + method + ": key must be a string, got " + typeName(key))
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
func read(s *idb.Store, kind idb.ReadKind, key js.Value) js.Value {
	var (
		mu      sync.Mutex
		placing = true
		now     js.Value
		later   promise
	)
	s.ReadJS(kind, key, func(req js.Value, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case placing && err != nil:
			now = rejected(err)
		case placing:
			now = glueRead.Invoke(req, int(kind))
		case err != nil:
			later.settle(nil, err)
		default:
			glueReadInto.Invoke(req, int(kind), later.resolve, later.reject)
		}
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

// method wraps fn as a JavaScript method of self. It checks the argument count
// and `this`, and turns a Go panic into a rejected Promise for that call alone:
// a panic that reached syscall/js would end the program for every later call.
func (r *root) method(self js.Value, name string, arity int, fn func(args js.Value) any) js.Value {
	return r.methodOr(self, name, arity, fn, func(err error) any { return rejected(err) })
}

// storeMethod is method for node() and store(): they return a store object, so
// a bad call returns one whose methods reject.
func (r *root) storeMethod(self js.Value, name string, fn func(args js.Value) any) js.Value {
	return r.methodOr(self, name, 1, fn, func(err error) any { return r.invalidStore(err) })
}

// The JavaScript function is glue around a Go js.Func that receives `this` and the
// arguments as one Array (see glueSource). The js.Func lives as long as the page.
func (r *root) methodOr(self js.Value, name string, arity int, fn func(args js.Value) any, bad func(error) any) js.Value {
	impl := js.FuncOf(func(_ js.Value, call []js.Value) (result any) {
		defer func() {
			if p := recover(); p != nil {
				result = bad(errors.New("patchkv: internal error in " + name + ": " + panicMessage(p)))
			}
		}()
		this, args := call[0], call[1]
		if !this.IsUndefined() && !this.IsNull() && !this.Equal(self) && !this.Equal(jsGlobal) {
			return bad(typeError(name + ": called on an object that is not this kv store"))
		}
		if n := args.Length(); n != arity {
			return bad(typeError(name + ": takes " + strconv.Itoa(arity) + " argument" + plural(arity) + ", got " + strconv.Itoa(n)))
		}
		if hook := testHook; hook != nil {
			hook(name)
		}
		return fn(args)
	})
	return glueMethod.Invoke(impl)
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
