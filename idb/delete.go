//go:build js && wasm

package idb

import (
	"context"

	goidb "github.com/hack-pad/go-indexeddb/idb"
	"github.com/hack-pad/safejs"

	"github.com/patchies/patchkv/scope"
)

// DeleteDatabase deletes the database of patch and everything in it. Open
// connections of this package close and reopen an empty database on their next
// operation. It blocks until the deletion is done: call it from a goroutine.
func DeleteDatabase(ctx context.Context, patch string) error {
	name, err := scope.DatabaseName(patch)
	if err != nil {
		return err
	}
	g, err := loadGlobals()
	if err != nil {
		return err
	}
	factory, err := goidb.WrapFactory(safejs.Unsafe(g.indexedDB))
	if err != nil {
		return err
	}
	req, err := factory.DeleteDatabase(name)
	if err != nil {
		return err
	}
	return req.Await(ctx)
}
