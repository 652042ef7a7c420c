//go:build js && wasm

package goapi

import (
	"context"
	"syscall/js"

	goidb "github.com/hack-pad/go-indexeddb/idb"

	"github.com/patchies/patchkv/scope"
)

// DeleteDatabase deletes the database of patch and everything in it, and returns
// once IndexedDB has done so. Open idb.DB connections close on the resulting
// versionchange and reopen an empty database on their next operation.
func DeleteDatabase(ctx context.Context, patch string) error {
	name, err := scope.DatabaseName(patch)
	if err != nil {
		return err
	}
	factory, err := goidb.WrapFactory(js.Global().Get("indexedDB"))
	if err != nil {
		return err
	}
	req, err := factory.DeleteDatabase(name)
	if err != nil {
		return err
	}
	return req.Await(ctx)
}
