//go:build js && wasm

package goapi

import (
	"context"
	"errors"
	"io"
	"syscall/js"

	"github.com/patchies/patchkv/idb"
)

// A patch's data as a whole, from Go: the same export file as kv.export() and
// kv.import() (js/archive.js, whose header comment and the README document its
// versioned layout), made and read by that module. Go only streams the file's
// bytes to an io.Writer or from an io.Reader, a chunk at a time; ExportBlob and
// ImportBlob keep it in the browser altogether.

// ErrNoArchive is returned when the page or worker has not loaded js/archive.js:
// it is loaded by js/kv.js (globalThis.patchkv.archive), so a Go program must be
// started through loadKV to export or import.
var ErrNoArchive = errors.New("goapi: js/archive.js is not available (load kv.wasm through js/kv.js)")

// ImportMode says how Import treats the patch's data: Merge writes the file's
// keys over it, Replace makes it exactly the file's.
type ImportMode string

// The import modes.
const (
	Merge   ImportMode = "merge"
	Replace ImportMode = "replace"
)

// ImportResult counts what an import wrote.
type ImportResult struct {
	Scopes, Keys int
}

// ExportBlob returns the export file of the whole patch of db as a JavaScript
// Blob (binary values in it by reference; nothing is copied into Go). It errors
// with ErrNoArchive, the *idb.DOMError that stopped it, or ctx's error.
func ExportBlob(ctx context.Context, db *idb.DB) (js.Value, error) {
	return runArchive(ctx, db, "exportPatch")
}

// Export writes the export file of the whole patch of db to w, streaming it in
// chunks, and returns how many bytes it wrote. It errors like ExportBlob and
// with w's error.
func Export(ctx context.Context, db *idb.DB, w io.Writer) (int64, error) {
	blob, err := ExportBlob(ctx, db)
	if err != nil {
		return 0, err
	}
	reader := blob.Call("stream").Call("getReader")
	defer reader.Call("releaseLock")
	var n int64
	var buf []byte
	for {
		r, err := awaitPromise(ctx, reader.Call("read"))
		if err != nil {
			return n, err
		}
		if r.Get("done").Bool() {
			return n, nil
		}
		chunk := r.Get("value")
		if l := chunk.Length(); cap(buf) < l {
			buf = make([]byte, l)
		}
		buf = buf[:chunk.Length()]
		js.CopyBytesToGo(buf, chunk)
		m, err := w.Write(buf)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
}

// ImportBlob loads file, a Blob or File holding an export file, into the patch
// of db, atomically (see kv.import in the README): a failure leaves every key as
// it was. It errors with an *idb.DOMError named DataError when file is not an
// intact export of a version this module reads, TypeError when it is not a
// Blob or mode is not Merge or Replace, QuotaExceededError when storage fills;
// with ErrNoArchive or ctx's error.
func ImportBlob(ctx context.Context, db *idb.DB, file js.Value, mode ImportMode) (ImportResult, error) {
	opts := js.Global().Get("Object").New()
	opts.Set("mode", string(mode))
	v, err := runArchive(ctx, db, "importPatch", file, opts)
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Scopes: v.Get("scopes").Int(), Keys: v.Get("keys").Int()}, nil
}

// importChunk is how many bytes Import copies from Go to JavaScript at a time.
const importChunk = 1 << 20

// Import reads an export file from r into a Blob, a chunk at a time, and loads
// it like ImportBlob. It errors like ImportBlob and with r's error.
func Import(ctx context.Context, db *idb.DB, r io.Reader, mode ImportMode) (ImportResult, error) {
	parts := js.Global().Get("Array").New()
	buf := make([]byte, importChunk)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			chunk := js.Global().Get("Uint8Array").New(n)
			js.CopyBytesToJS(chunk, buf[:n])
			parts.Call("push", chunk)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return ImportResult{}, err
		}
		if ctx.Err() != nil {
			return ImportResult{}, ctx.Err()
		}
	}
	return ImportBlob(ctx, db, js.Global().Get("Blob").New(parts), mode)
}

// runArchive calls the archive module's method with a handle on db (see
// js/archive.js, Handle): Go's primitives and the patch's events hub.
func runArchive(ctx context.Context, db *idb.DB, method string, args ...any) (js.Value, error) {
	api := js.Global().Get("patchkv")
	if api.Type() != js.TypeObject || api.Get("archive").Type() != js.TypeFunction {
		return js.Undefined(), ErrNoArchive
	}
	mod, err := awaitPromise(ctx, api.Call("archive"))
	if err != nil {
		return js.Undefined(), err
	}
	call := js.FuncOf(func(_ js.Value, a []js.Value) any { return primitive(db, a) })
	h := js.Global().Get("Object").New()
	h.Set("patch", db.Patch())
	h.Set("call", call)
	h.Set("hub", db.HubJS())
	v, err := awaitPromise(ctx, mod.Call(method, append([]any{h}, args...)...))
	if ctx.Err() == nil {
		call.Release() // the module is done with it (after a cancel it may still call)
	}
	return v, err
}

// primitive is the handle's call(op, arg): a Promise of the DB operation.
func primitive(db *idb.DB, a []js.Value) any {
	r := js.Global().Get("Promise").Call("withResolvers")
	settle := func(v any, err error) {
		if err != nil {
			var e js.Value
			if d, ok := err.(*idb.DOMError); ok {
				e = d.JSValue()
			} else {
				e = js.Global().Get("Error").New(err.Error())
			}
			r.Get("reject").Invoke(e)
			return
		}
		r.Get("resolve").Invoke(v)
	}
	switch a[0].String() {
	case "conn":
		db.WithConn(func(c js.Value, err error) { settle(c, err) })
	case "ensure":
		names := make([]string, a[1].Length())
		for i := range names {
			names[i] = a[1].Index(i).String()
		}
		db.EnsureStores(names, func(err error) { settle(nil, err) })
	case "deleteStore":
		db.DeleteStore(a[1].String(), func(existed bool, err error) { settle(existed, err) })
	case "destroy":
		db.Destroy(func(err error) { settle(nil, err) })
	default:
		settle(nil, errors.New("goapi: unknown archive primitive "+a[0].String()))
	}
	return r.Get("promise")
}

// awaitPromise waits for p to settle.
func awaitPromise(ctx context.Context, p js.Value) (js.Value, error) {
	ch := make(chan result, 1)
	listen(p, ch)
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}
