//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"sync"
	"syscall/js"
	"time"
	"unicode/utf8"

	"github.com/hack-pad/safejs"
)

// ErrUnsupported is returned by ToJS for Go values with no JavaScript form
// (functions, channels, maps with non-string keys, invalid UTF-8 strings).
var ErrUnsupported = errors.New("idb: Go value has no JavaScript form")

// ErrNotBytes is returned by BytesOf for values that hold no binary data.
var ErrNotBytes = errors.New("idb: value is not binary (Uint8Array, ArrayBuffer, typed array, DataView or Blob)")

// typeBigInt stands for JavaScript's bigint, which syscall/js has no Type for
// (Value.Type panics on it).
const typeBigInt = safejs.Type(-1)

// typeOf returns v's JavaScript type without panicking on bigint.
func typeOf(v safejs.Value) (t safejs.Type) {
	defer func() {
		if recover() != nil {
			t = typeBigInt
		}
	}()
	return v.Type()
}

// ToJS converts a Go value to the JavaScript value stored for it:
//
//	nil → null; bool, numbers, string → primitives; []byte → Uint8Array (copied);
//	time.Time → Date; *big.Int → bigint; slices and arrays → Array;
//	maps with string keys and structs' exported fields → Object;
//	js.Value and *Blob pass through unchanged.
func ToJS(v any) (js.Value, error) {
	g, err := loadGlobals()
	if err != nil {
		return js.Undefined(), err
	}
	switch x := v.(type) {
	case nil:
		return js.Null(), nil
	case js.Value:
		return x, nil
	case safejs.Value:
		return safejs.Unsafe(x), nil
	case *Blob:
		return x.v, nil
	case string:
		if !utf8.ValidString(x) {
			return js.Undefined(), fmt.Errorf("%w: string is not valid UTF-8", ErrUnsupported)
		}
		return js.ValueOf(x), nil
	case []byte:
		return bytesToJS(g, x)
	case time.Time:
		return safejs.Unsafe(safejs.Global()).Get("Date").New(float64(x.UnixMilli())), nil
	case *big.Int:
		return safejs.Unsafe(safejs.Global()).Call("BigInt", x.String()), nil
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr, float32, float64:
		return js.ValueOf(x), nil
	}
	return reflectToJS(reflect.ValueOf(v))
}

func bytesToJS(g *globals, b []byte) (js.Value, error) {
	arr, err := g.uint8Array.New(len(b))
	if err != nil {
		return js.Undefined(), err
	}
	if _, err := safejs.CopyBytesToJS(arr, b); err != nil {
		return js.Undefined(), err
	}
	return safejs.Unsafe(arr), nil
}

func reflectToJS(rv reflect.Value) (js.Value, error) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return js.Null(), nil
		}
		return ToJS(rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return js.Null(), nil
		}
		arr := js.Global().Get("Array").New(rv.Len())
		for i := 0; i < rv.Len(); i++ {
			e, err := ToJS(rv.Index(i).Interface())
			if err != nil {
				return js.Undefined(), err
			}
			arr.SetIndex(i, e)
		}
		return arr, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return js.Undefined(), fmt.Errorf("%w: map key type %s", ErrUnsupported, rv.Type().Key())
		}
		obj := js.Global().Get("Object").New()
		iter := rv.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if !utf8.ValidString(k) {
				return js.Undefined(), fmt.Errorf("%w: map key is not valid UTF-8", ErrUnsupported)
			}
			e, err := ToJS(iter.Value().Interface())
			if err != nil {
				return js.Undefined(), err
			}
			obj.Set(k, e)
		}
		return obj, nil
	case reflect.Struct:
		obj := js.Global().Get("Object").New()
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			e, err := ToJS(rv.Field(i).Interface())
			if err != nil {
				return js.Undefined(), err
			}
			obj.Set(f.Name, e)
		}
		return obj, nil
	case reflect.String:
		return ToJS(rv.String())
	case reflect.Bool:
		return js.ValueOf(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return js.ValueOf(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return js.ValueOf(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return js.ValueOf(rv.Float()), nil
	}
	return js.Undefined(), fmt.Errorf("%w: %s", ErrUnsupported, rv.Type())
}

// Blob is a stored JavaScript Blob or File. Its bytes stay in the browser until
// Bytes is called.
type Blob struct {
	v js.Value
}

// JSValue returns the Blob itself.
func (b *Blob) JSValue() js.Value { return b.v }

// Type returns the Blob's MIME type ("" when unknown).
func (b *Blob) Type() string { return b.v.Get("type").String() }

// Size returns the Blob's size in bytes.
func (b *Blob) Size() int { return b.v.Get("size").Int() }

// Bytes reads the Blob's contents into Go memory. Call it from a goroutine.
func (b *Blob) Bytes(ctx context.Context) ([]byte, error) {
	buf, err := await(ctx, safejs.Safe(b.v), "arrayBuffer")
	if err != nil {
		return nil, err
	}
	return copyBytes(buf)
}

// FromJS converts a JavaScript value read from a store to Go:
//
//	undefined, null → nil; boolean → bool; number → float64; string → string;
//	bigint → *big.Int; Uint8Array, ArrayBuffer, other typed arrays, DataView → []byte
//	(copied); Blob, File → *Blob (not read); Date → time.Time; Array → []any;
//	Map with string keys and plain objects → map[string]any; Set → []any.
//
// Values with no Go counterpart (RegExp, functions) come back as js.Value.
func FromJS(v js.Value) (any, error) {
	g, err := loadGlobals()
	if err != nil {
		return nil, err
	}
	sv := safejs.Safe(v)
	switch typeOf(sv) {
	case safejs.TypeUndefined, safejs.TypeNull:
		return nil, nil
	case safejs.TypeBoolean:
		return v.Bool(), nil
	case safejs.TypeNumber:
		return v.Float(), nil
	case safejs.TypeString:
		return v.String(), nil
	case typeBigInt:
		n, ok := new(big.Int).SetString(js.Global().Get("String").Invoke(v).String(), 10)
		if !ok {
			return nil, fmt.Errorf("idb: cannot read bigint %v", v)
		}
		return n, nil
	case safejs.TypeObject:
	default:
		return v, nil
	}
	if isBinary(g, v) {
		return copyBytes(sv)
	}
	switch className(v) {
	case "Blob", "File":
		return &Blob{v: v}, nil
	case "Date":
		return time.UnixMilli(int64(v.Call("getTime").Float())), nil
	case "Array", "Set":
		arr := js.Global().Get("Array").Call("from", v)
		out := make([]any, arr.Length())
		for i := range out {
			if out[i], err = FromJS(arr.Index(i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "Map":
		entries := js.Global().Get("Array").Call("from", v)
		out := make(map[string]any, entries.Length())
		for i := 0; i < entries.Length(); i++ {
			e := entries.Index(i)
			if e.Index(0).Type() != js.TypeString {
				return v, nil
			}
			if out[e.Index(0).String()], err = FromJS(e.Index(1)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "Object":
		keys := js.Global().Get("Object").Call("keys", v)
		out := make(map[string]any, keys.Length())
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i).String()
			if out[k], err = FromJS(v.Get(k)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// BytesOf returns a copy of the bytes of a binary value (see GetBytes); a Blob is
// read now. It errors with ErrNotBytes for anything else.
func BytesOf(ctx context.Context, v js.Value) ([]byte, error) {
	g, err := loadGlobals()
	if err != nil {
		return nil, err
	}
	if typeOf(safejs.Safe(v)) != safejs.TypeObject {
		return nil, ErrNotBytes
	}
	if isBinary(g, v) {
		return copyBytes(safejs.Safe(v))
	}
	if ok, _ := safejs.Safe(v).InstanceOf(g.blob); ok {
		return (&Blob{v: v}).Bytes(ctx)
	}
	return nil, ErrNotBytes
}

func isBinary(g *globals, v js.Value) bool {
	if ok, _ := safejs.Safe(v).InstanceOf(g.arrayBuffer); ok {
		return true
	}
	isView, err := g.arrayBufferIsView.Invoke(v)
	return err == nil && safejs.Unsafe(isView).Bool()
}

// copyBytes copies an ArrayBuffer or an ArrayBuffer view into Go memory.
func copyBytes(v safejs.Value) ([]byte, error) {
	g, err := loadGlobals()
	if err != nil {
		return nil, err
	}
	var view safejs.Value
	if ok, _ := v.InstanceOf(g.arrayBuffer); ok {
		view, err = g.uint8Array.New(v)
	} else {
		buf, berr := v.Get("buffer")
		off, oerr := v.Get("byteOffset")
		n, nerr := v.Get("byteLength")
		if err = errors.Join(berr, oerr, nerr); err == nil {
			view, err = g.uint8Array.New(buf, off, n)
		}
	}
	if err != nil {
		return nil, err
	}
	n, err := view.Length()
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	_, err = safejs.CopyBytesToGo(b, view)
	return b, err
}

// className returns Object.prototype.toString's tag ("Blob", "Date", "Object"...).
func className(v js.Value) string {
	s := js.Global().Get("Object").Get("prototype").Get("toString").Call("call", v).String()
	if len(s) > 9 {
		return s[8 : len(s)-1]
	}
	return s
}

// await calls method on v and waits for the Promise it returns.
func await(ctx context.Context, v safejs.Value, method string) (safejs.Value, error) {
	p, err := v.Call(method)
	if err != nil {
		return safejs.Undefined(), asDOMError(err)
	}
	var (
		once sync.Once
		ch   = make(chan struct{})
		res  safejs.Value
		rerr error
	)
	settle := func(v safejs.Value, err error) {
		once.Do(func() { res, rerr = v, err; close(ch) })
	}
	onOK, err := callback(func(_ safejs.Value, args []safejs.Value) { settle(arg(args, 0), nil) }, func(err error) { settle(safejs.Undefined(), err) })
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onOK.Release()
	onErr, err := callback(func(_ safejs.Value, args []safejs.Value) { settle(safejs.Undefined(), newDOMError(arg(args, 0))) }, func(err error) { settle(safejs.Undefined(), err) })
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onErr.Release()
	if _, err := p.Call("then", onOK.Value(), onErr.Value()); err != nil {
		return safejs.Undefined(), err
	}
	select {
	case <-ch:
		return res, rerr
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}
