//go:build js && wasm

package idb

import (
	"errors"
	"fmt"
	"sync"
	"syscall/js"

	goidb "github.com/hack-pad/go-indexeddb/idb"
	"github.com/hack-pad/safejs"
)

// This file is the package's seam to JavaScript: the globals it needs are looked up
// once, and JavaScript exceptions become Go errors here.

type globals struct {
	indexedDB         safejs.Value
	object            safejs.Value
	array             safejs.Value
	uint8Array        safejs.Value
	arrayBuffer       safejs.Value
	arrayBufferIsView safejs.Value
	blob              safejs.Value
	domException      safejs.Value
	queueMicrotask    safejs.Value
	console           safejs.Value
	// gluePut and glueClone are small JavaScript functions that move stored
	// values between JavaScript places without passing them through Go (see
	// Value); undefinedBox is [undefined].
	gluePut      safejs.Value
	glueClone    safejs.Value
	undefinedBox safejs.Value
}

// glueSource defines gluePut and glueClone. They exist because a number that
// crosses into Go loses its sign when it is zero (syscall/js keeps a single 0), so
// values are read from where JavaScript put them, by JavaScript.
const glueSource = `return {
	put(store, holder, slot, key) { return store.put(holder[slot], key); },
	clone(holder, slot) { return [structuredClone(holder[slot])]; },
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
		g := safejs.Global()
		get := func(name string) safejs.Value {
			if jsgErr != nil {
				return safejs.Undefined()
			}
			v, err := g.Get(name)
			if err != nil {
				jsgErr = err
			}
			return v
		}
		jsg = globals{
			indexedDB:      get("indexedDB"),
			object:         get("Object"),
			array:          get("Array"),
			uint8Array:     get("Uint8Array"),
			arrayBuffer:    get("ArrayBuffer"),
			blob:           get("Blob"),
			domException:   get("DOMException"),
			queueMicrotask: get("queueMicrotask"),
			console:        get("console"),
		}
		if jsgErr == nil {
			jsg.arrayBufferIsView, jsgErr = jsg.arrayBuffer.Get("isView")
		}
		if jsgErr == nil {
			jsgErr = jsg.loadGlue(get("Function"))
		}
		if jsgErr == nil && jsg.indexedDB.Type() != safejs.TypeObject {
			jsgErr = ErrNoIndexedDB
		}
	})
	return &jsg, jsgErr
}

// DOMError is an IndexedDB failure reported by the browser: a DOMException such as
// QuotaExceededError, AbortError or DataCloneError. It keeps the JavaScript exception
// so that the JS API can reject with the browser's own object.
//
// errors.Is(err, goidb.NewDOMException("QuotaExceededError")) and
// errors.Is(err, &DOMError{Name: "QuotaExceededError"}) both match by name.
type DOMError struct {
	Name    string
	Message string
	value   safejs.Value
}

// Error returns "idb: Name: Message".
func (e *DOMError) Error() string {
	if e.Message == "" {
		return "idb: " + e.Name
	}
	return "idb: " + e.Name + ": " + e.Message
}

// Is reports whether target names the same DOMException.
func (e *DOMError) Is(target error) bool {
	switch t := target.(type) {
	case *DOMError:
		return t.Name == e.Name
	case goidb.DOMException:
		return t == goidb.NewDOMException(e.Name)
	}
	return false
}

// JSValue returns the JavaScript exception, creating a DOMException when the error
// was made in Go.
func (e *DOMError) JSValue() js.Value {
	if e.value.Type() == safejs.TypeUndefined {
		if g, err := loadGlobals(); err == nil {
			if v, err := g.domException.New(e.Message, e.Name); err == nil {
				e.value = v
			}
		}
	}
	return safejs.Unsafe(e.value)
}

// newDOMError builds a DOMError from a thrown or reported JavaScript value; values
// that are not exceptions give a DOMError named "UnknownError".
func newDOMError(v safejs.Value) *DOMError {
	if v.Type() != safejs.TypeObject {
		return &DOMError{Name: "UnknownError", Message: fmt.Sprint(safejs.Unsafe(v))}
	}
	e := &DOMError{value: v}
	if n, err := v.Get("name"); err == nil && n.Type() == safejs.TypeString {
		e.Name, _ = n.String()
	}
	if m, err := v.Get("message"); err == nil && m.Type() == safejs.TypeString {
		e.Message, _ = m.String()
	}
	if e.Name == "" {
		e.Name = "UnknownError"
	}
	return e
}

// asDOMError turns an error from a safejs call into a *DOMError when JavaScript
// threw; other errors (a Go panic caught by safejs) pass through.
func asDOMError(err error) error {
	if err == nil {
		return nil
	}
	var jsErr js.Error
	if errors.As(err, &jsErr) {
		return newDOMError(safejs.Safe(jsErr.Value))
	}
	var d *DOMError
	if errors.As(err, &d) {
		return d
	}
	return err
}

// errorName returns the DOMException name of err, or "" when it is not one.
func errorName(err error) string {
	var d *DOMError
	if errors.As(err, &d) {
		return d.Name
	}
	return ""
}

// callback wraps fn as a JavaScript function that never lets a Go panic escape into
// syscall/js (which would end the program): a panic is handed to onPanic instead.
func callback(fn func(this safejs.Value, args []safejs.Value), onPanic func(error)) (safejs.Func, error) {
	return safejs.FuncOf(func(this safejs.Value, args []safejs.Value) any {
		defer func() {
			if r := recover(); r != nil {
				onPanic(fmt.Errorf("idb: internal error: %v", r))
			}
		}()
		fn(this, args)
		return nil
	})
}

// arg returns args[i] or undefined.
func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}

// getString reads the string property p of v ("" when it is missing or not a string).
func getString(v safejs.Value, p string) string {
	x, err := v.Get(p)
	if err != nil || x.Type() != safejs.TypeString {
		return ""
	}
	s, _ := x.String()
	return s
}

func (g *globals) loadGlue(function safejs.Value) error {
	maker, err := function.New(glueSource)
	if err != nil {
		return err
	}
	glue, err := maker.Invoke()
	if err != nil {
		return err
	}
	if g.gluePut, err = glue.Get("put"); err != nil {
		return err
	}
	if g.glueClone, err = glue.Get("clone"); err != nil {
		return err
	}
	g.undefinedBox, err = g.array.New(1)
	return err
}
