//go:build js && wasm

package idb

import (
	"errors"
	"sync"
	"syscall/js"
)

// This file is the package's seam to JavaScript: the globals it needs are looked up
// once, and JavaScript exceptions become Go errors here.

type globals struct {
	indexedDB    jsval
	domException jsval
	console      jsval
	setTimeout   jsval
	clearTimeout jsval
}

// glueSource defines begin, which returns the object store of this task's
// transaction on a store, starting one when there is none (or fresh is set).
// Tasks are numbered by epoch: it changes once the current task's microtasks have
// run, which is when IndexedDB deactivates the transactions the task created.
// Every operation goes through it (BeginJS), from the JavaScript API and from Go
// callers alike, so that operations issued together share transactions; keeping
// it in JavaScript saves three Go-to-JavaScript calls per operation.
const glueSource = `
let epoch = 0, bumping = false;
const bump = () => { epoch++; bumping = false; };
const open = new WeakMap(); // connection -> Map(store name -> {store, write, epoch})
return function begin(conn, name, write, fresh) {
	if (!bumping) { bumping = true; queueMicrotask(bump); }
	let txs = open.get(conn);
	if (!txs) open.set(conn, txs = new Map());
	const t = txs.get(name);
	if (!fresh && t && t.epoch === epoch && (t.write || !write)) return t.store;
	const store = conn.transaction(name, write ? 'readwrite' : 'readonly').objectStore(name);
	txs.set(name, { store, write, epoch });
	return store;
};`

var (
	jsg     globals
	jsgErr  error
	jsgOnce sync.Once
)

// ErrNoIndexedDB is returned when the realm has no IndexedDB (some private modes,
// some embedded webviews, or a worker without it).
var ErrNoIndexedDB = errors.New("idb: IndexedDB is not available in this context")

func loadGlobals() (*globals, error) {
	jsgOnce.Do(func() {
		g := wrap(js.Global())
		get := func(name string) jsval {
			if jsgErr != nil {
				return undefined()
			}
			v, err := g.Get(name)
			if err != nil {
				jsgErr = err
			}
			return v
		}
		jsg = globals{
			indexedDB:    get("indexedDB"),
			domException: get("DOMException"),
			console:      get("console"),
			setTimeout:   get("setTimeout"),
			clearTimeout: get("clearTimeout"),
		}
		if jsgErr == nil {
			jsgErr = loadGlue()
		}
		if jsgErr == nil && jsg.indexedDB.Type() != js.TypeObject {
			jsgErr = ErrNoIndexedDB
		}
	})
	return &jsg, jsgErr
}

// DOMError is an IndexedDB failure reported by the browser: a DOMException such as
// QuotaExceededError, AbortError or DataCloneError. It keeps the JavaScript exception
// so that the JS API can reject with the browser's own object.
//
// errors.Is(err, &DOMError{Name: "QuotaExceededError"}) matches by name, and so
// does IsDOMException(err, "QuotaExceededError").
type DOMError struct {
	Name    string
	Message string
	value   jsval
}

// Error returns "idb: Name: Message".
func (e *DOMError) Error() string {
	if e.Message == "" {
		return "idb: " + e.Name
	}
	return "idb: " + e.Name + ": " + e.Message
}

// Is reports whether target is a *DOMError with the same name.
func (e *DOMError) Is(target error) bool {
	t, ok := target.(*DOMError)
	return ok && t.Name == e.Name
}

// IsDOMException reports whether err is (or wraps) the DOMException called name.
func IsDOMException(err error, name string) bool {
	for err != nil {
		if errorName(err) == name {
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// JSValue returns the JavaScript exception, creating a DOMException when the error
// was made in Go.
func (e *DOMError) JSValue() js.Value {
	if e.value.Type() == js.TypeUndefined {
		if g, err := loadGlobals(); err == nil {
			if v, err := g.domException.New(e.Message, e.Name); err == nil {
				e.value = v
			}
		}
	}
	return e.value.js()
}

// DOMErrorOf builds a DOMError from a thrown or reported JavaScript value (a
// DOMException); other values give a DOMError named "UnknownError".
func DOMErrorOf(v js.Value) *DOMError { return newDOMError(wrap(v)) }

// newDOMError is DOMErrorOf for the package's seam.
func newDOMError(v jsval) *DOMError {
	if v.Type() != js.TypeObject {
		return &DOMError{Name: "UnknownError", Message: js.Global().Get("String").Invoke(v.js()).String()}
	}
	e := &DOMError{value: v}
	if n, err := v.Get("name"); err == nil && n.Type() == js.TypeString {
		e.Name, _ = n.String()
	}
	if m, err := v.Get("message"); err == nil && m.Type() == js.TypeString {
		e.Message, _ = m.String()
	}
	if e.Name == "" {
		e.Name = "UnknownError"
	}
	return e
}

// asDOMError turns an error from a jsval call into a *DOMError when JavaScript
// threw; other errors (a syscall/js type error) pass through. The errors of this
// package are never wrapped, so type assertions do; errors.As would pull
// reflection support (~18 KB gzip) into kv.wasm.
func asDOMError(err error) error {
	switch e := err.(type) {
	case js.Error:
		return newDOMError(wrap(e.Value))
	case nil:
		return nil
	}
	return err
}

// errorName returns the DOMException name of err, or "" when it is not one.
func errorName(err error) string {
	if d, ok := err.(*DOMError); ok {
		return d.Name
	}
	return ""
}

// arg returns args[i] or undefined.
func arg(args []js.Value, i int) jsval {
	if i < len(args) {
		return jsval{args[i]}
	}
	return undefined()
}

// getString reads the string property p of v ("" when it is missing or not a string).
func getString(v jsval, p string) string {
	x, err := v.Get(p)
	if err != nil || x.Type() != js.TypeString {
		return ""
	}
	s, _ := x.String()
	return s
}

// glue holds begin; it needs no IndexedDB, so that BeginJS works before (and
// without) a database.
var glue struct {
	once  sync.Once
	err   error
	begin jsval
}

func loadGlue() error {
	glue.once.Do(func() {
		maker, err := wrap(js.Global()).Get("Function")
		if err == nil {
			maker, err = maker.New(glueSource)
		}
		if err == nil {
			glue.begin, err = maker.Invoke()
		}
		glue.err = err
	})
	return glue.err
}

// BeginJS returns the JavaScript function begin(conn, storeName, write, fresh)
// that gives the object store of the current task's transaction on a store (see
// glueSource). Whoever runs a JSOp places its requests there.
func BeginJS() js.Value {
	_ = loadGlue()
	return glue.begin.js()
}
