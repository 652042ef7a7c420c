//go:build js && wasm

package goapi

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"syscall/js"
	"time"
	"unicode/utf8"

	"github.com/hack-pad/safejs"
)

// ErrUnsupported is returned by ToJS for Go values with no JavaScript form
// (functions, channels, maps with non-string keys, invalid UTF-8 strings).
var ErrUnsupported = errors.New("goapi: Go value has no JavaScript form")

// ErrNotBytes is returned by BytesOf for values that hold no binary data.
var ErrNotBytes = errors.New("goapi: value is not binary (Uint8Array, ArrayBuffer, typed array, DataView or Blob)")

var (
	global            = safejs.Global()
	jsArray           = get(global, "Array")
	jsObject          = get(global, "Object")
	jsUint8Array      = get(global, "Uint8Array")
	jsArrayBuffer     = get(global, "ArrayBuffer")
	jsBlob            = get(global, "Blob")
	jsDate            = get(global, "Date")
	jsBigInt          = get(global, "BigInt")
	jsString          = get(global, "String")
	jsObjectToString  = get(get(jsObject, "prototype"), "toString")
	jsArrayBufferView = get(jsArrayBuffer, "isView")
)

func get(v safejs.Value, p string) safejs.Value {
	x, err := v.Get(p)
	if err != nil {
		return safejs.Undefined()
	}
	return x
}

// ToJS converts a Go value to the JavaScript value stored for it:
//
//	nil → null; bool, numbers, string → primitives; []byte → Uint8Array (copied);
//	time.Time → Date; *big.Int → bigint; slices and arrays → Array;
//	maps with string keys and structs' exported fields → Object;
//	js.Value, safejs.Value and *Blob pass through unchanged.
func ToJS(v any) (js.Value, error) {
	out, err := toJS(v)
	return safejs.Unsafe(out), err
}

func toJS(v any) (safejs.Value, error) {
	switch x := v.(type) {
	case nil:
		return safejs.Null(), nil
	case js.Value:
		return safejs.Safe(x), nil
	case safejs.Value:
		return x, nil
	case *Blob:
		return x.v, nil
	case string:
		if !utf8.ValidString(x) {
			return safejs.Undefined(), fmt.Errorf("%w: string is not valid UTF-8", ErrUnsupported)
		}
		return safejs.ValueOf(x)
	case []byte:
		arr, err := jsUint8Array.New(len(x))
		if err != nil {
			return safejs.Undefined(), err
		}
		_, err = safejs.CopyBytesToJS(arr, x)
		return arr, err
	case time.Time:
		return jsDate.New(float64(x.UnixMilli()))
	case *big.Int:
		return jsBigInt.Invoke(x.String())
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return safejs.ValueOf(x)
	}
	return reflectToJS(reflect.ValueOf(v))
}

func reflectToJS(rv reflect.Value) (safejs.Value, error) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return safejs.Null(), nil
		}
		return toJS(rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return safejs.Null(), nil
		}
		arr, err := jsArray.New(rv.Len())
		for i := 0; err == nil && i < rv.Len(); i++ {
			var e safejs.Value
			if e, err = toJS(rv.Index(i).Interface()); err == nil {
				err = arr.SetIndex(i, e)
			}
		}
		return arr, err
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return safejs.Undefined(), fmt.Errorf("%w: map key type %s", ErrUnsupported, rv.Type().Key())
		}
		obj, err := jsObject.New()
		for iter := rv.MapRange(); err == nil && iter.Next(); {
			err = setField(obj, iter.Key().String(), iter.Value().Interface())
		}
		return obj, err
	case reflect.Struct:
		obj, err := jsObject.New()
		t := rv.Type()
		for i := 0; err == nil && i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				err = setField(obj, t.Field(i).Name, rv.Field(i).Interface())
			}
		}
		return obj, err
	case reflect.String:
		return toJS(rv.String())
	case reflect.Bool:
		return safejs.ValueOf(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return safejs.ValueOf(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return safejs.ValueOf(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return safejs.ValueOf(rv.Float())
	}
	return safejs.Undefined(), fmt.Errorf("%w: %s", ErrUnsupported, rv.Type())
}

func setField(obj safejs.Value, name string, v any) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: field name is not valid UTF-8", ErrUnsupported)
	}
	e, err := toJS(v)
	if err != nil {
		return err
	}
	return obj.Set(name, e)
}

// Blob is a stored JavaScript Blob or File. Its bytes stay in the browser until
// Bytes is called.
type Blob struct {
	v safejs.Value
}

// JSValue returns the Blob itself.
func (b *Blob) JSValue() js.Value { return safejs.Unsafe(b.v) }

// Type returns the Blob's MIME type ("" when unknown).
func (b *Blob) Type() string { return safejs.Unsafe(b.v).Get("type").String() }

// Size returns the Blob's size in bytes.
func (b *Blob) Size() int { return safejs.Unsafe(b.v).Get("size").Int() }

// Bytes reads the Blob's contents into Go memory. Call it from a goroutine.
func (b *Blob) Bytes(ctx context.Context) ([]byte, error) {
	buf, err := await(ctx, b.v, "arrayBuffer")
	if err != nil {
		return nil, err
	}
	return copyBytes(buf)
}

// FromJS converts a JavaScript value read from a store to Go:
//
//	undefined, null → nil; boolean → bool; number → float64; string → string;
//	bigint → *big.Int; Uint8Array, ArrayBuffer, other typed arrays, DataView → []byte
//	(copied); Blob, File → *Blob (not read); Date → time.Time; Array, Set → []any;
//	plain objects and Maps with string keys → map[string]any.
//
// Values with no Go counterpart (RegExp, Maps with other keys) come back as js.Value.
func FromJS(v js.Value) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("goapi: cannot convert value: %v", r)
		}
	}()
	switch tag := className(v); tag {
	case "Undefined", "Null":
		return nil, nil
	case "Boolean":
		return v.Bool(), nil
	case "Number":
		return v.Float(), nil
	case "String":
		return v.String(), nil
	case "BigInt":
		n, ok := new(big.Int).SetString(safejs.Unsafe(jsString).Invoke(v).String(), 10)
		if !ok {
			return nil, errors.New("goapi: cannot read bigint")
		}
		return n, nil
	case "Blob", "File":
		return &Blob{v: safejs.Safe(v)}, nil
	case "Date":
		return time.UnixMilli(int64(v.Call("getTime").Float())), nil
	case "Array", "Set":
		arr := safejs.Unsafe(jsArray).Call("from", v)
		list := make([]any, arr.Length())
		for i := range list {
			if list[i], err = FromJS(arr.Index(i)); err != nil {
				return nil, err
			}
		}
		return list, nil
	case "Map":
		entries := safejs.Unsafe(jsArray).Call("from", v)
		m := make(map[string]any, entries.Length())
		for i := 0; i < entries.Length(); i++ {
			e := entries.Index(i)
			if className(e.Index(0)) != "String" {
				return v, nil
			}
			if m[e.Index(0).String()], err = FromJS(e.Index(1)); err != nil {
				return nil, err
			}
		}
		return m, nil
	case "Object":
		keys := safejs.Unsafe(jsObject).Call("keys", v)
		m := make(map[string]any, keys.Length())
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i).String()
			if m[k], err = FromJS(v.Get(k)); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	if isBinary(v) {
		return copyBytes(safejs.Safe(v))
	}
	return v, nil
}

// BytesOf returns a copy of the bytes of a binary value; a Blob is read now. It
// errors with ErrNotBytes for anything else.
func BytesOf(ctx context.Context, v js.Value) ([]byte, error) {
	switch {
	case isBinary(v):
		return copyBytes(safejs.Safe(v))
	case className(v) == "Blob" || className(v) == "File":
		return (&Blob{v: safejs.Safe(v)}).Bytes(ctx)
	}
	return nil, ErrNotBytes
}

func isBinary(v js.Value) bool {
	if ok, _ := safejs.Safe(v).InstanceOf(jsArrayBuffer); ok {
		return true
	}
	isView, err := jsArrayBufferView.Invoke(v)
	return err == nil && safejs.Unsafe(isView).Bool()
}

// copyBytes copies an ArrayBuffer or an ArrayBuffer view into Go memory.
func copyBytes(v safejs.Value) ([]byte, error) {
	var (
		view safejs.Value
		err  error
	)
	if ok, _ := v.InstanceOf(jsArrayBuffer); ok {
		view, err = jsUint8Array.New(v)
	} else {
		jv := safejs.Unsafe(v)
		view, err = jsUint8Array.New(jv.Get("buffer"), jv.Get("byteOffset"), jv.Get("byteLength"))
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

// className returns Object.prototype.toString's tag: "Blob", "Date", "Object",
// "Number", "BigInt"... It works for every value, bigint included.
func className(v js.Value) string {
	s := safejs.Unsafe(jsObjectToString).Call("call", v).String()
	if len(s) > 9 {
		return s[8 : len(s)-1]
	}
	return s
}

// await calls method on v and waits for the Promise it returns.
func await(ctx context.Context, v safejs.Value, method string) (safejs.Value, error) {
	p, err := v.Call(method)
	if err != nil {
		return safejs.Undefined(), err
	}
	type result struct {
		v   safejs.Value
		err error
	}
	ch := make(chan result, 1)
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onOK.Release()
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		ch <- result{err: js.Error{Value: safejs.Unsafe(args[0])}}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onErr.Release()
	if _, err := p.Call("then", onOK, onErr); err != nil {
		return safejs.Undefined(), err
	}
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}
