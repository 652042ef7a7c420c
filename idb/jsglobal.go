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

var (
	jsg     globals
	jsgErr  error
	jsgOnce sync.Once
)

// ErrNoIndexedDB is returned when the realm has no IndexedDB (some private modes,
// some embedded webviews, or a worker without it).
var ErrNoIndexedDB = errors.New("idb: IndexedDB is not available in this context")

//go:noinline
func loadGlobals() (*globals, error) {
	jsgOnce.Do(func() {
		// A table rather than one lookup each: every call site costs kv.wasm code.
		g := wrap(js.Global())
		for _, x := range [...]struct {
			v    *jsval
			name string
		}{
			{&jsg.indexedDB, "indexedDB"},
			{&jsg.domException, "DOMException"},
			{&jsg.console, "console"},
			{&jsg.setTimeout, "setTimeout"},
			{&jsg.clearTimeout, "clearTimeout"},
		} {
			if jsgErr == nil {
				*x.v, jsgErr = g.Get(x.name)
			}
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
	e := &DOMError{value: v, Name: getString(v, "name"), Message: getString(v, "message")}
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

// The package's JavaScript: ops.js (every IndexedDB operation) and events.js (the
// events hub), each a factory expression evaluated once. They need no database,
// so that OpsJS works before (and without) one.
//
// They are copied into ops_js.go as opsSource and eventsSource (importing package
// embed would add about 50 KB gzip to kv.wasm; see package internal/jsembed).
//
//go:generate env -u GOOS -u GOARCH go run ../internal/jsembed/gen -o ops_js.go opsSource=ops.js eventsSource=events.js lifeSource=life.js

var glue struct {
	once  sync.Once
	err   error
	ops   jsval
	hubOf jsval
}

//go:noinline
func loadGlue() error {
	glue.once.Do(func() {
		eval, err := wrap(js.Global()).Get("eval")
		var makeOps, makeHubs jsval
		if err == nil {
			makeOps, err = eval.Invoke(opsSource)
		}
		if err == nil {
			glue.ops, err = makeOps.Invoke(opCodesJS(), js.ValueOf(connGoneNames))
		}
		if err == nil {
			makeHubs, err = eval.Invoke(eventsSource)
		}
		if err == nil {
			glue.hubOf, err = makeHubs.Invoke()
		}
		glue.err = err
	})
	return glue.err
}

// OpsJS returns the JavaScript operations object of ops.js: run(conn, handle,
// kind, exists, key, value) places one operation in the current task's
// transaction on a store (see JSOp) and returns its Promise; clone(holder, slot)
// copies a value that has to wait. Whoever runs a JSOp calls it.
func OpsJS() js.Value {
	_ = loadGlue()
	return glue.ops.js()
}
