//go:build js && wasm

package goapi_test

import (
	"context"
	"fmt"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/idb/goapi"
	"github.com/patchies/patchkv/scope"
)

// Go code compiled into the module stores Go values in the same stores the
// JavaScript kv uses: here the named store "settings" of patch "example", which
// a js node reads with kv.store("settings").get("tempo").
func Example() {
	ctx := context.Background()
	settings, _ := scope.NamedScope("settings")
	db, err := idb.Open("example", idb.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer goapi.DeleteDatabase(ctx, "example")
	defer db.Close()

	st := goapi.Wrap(db.Store(settings))
	if err := st.Set(ctx, "tempo", 120); err != nil {
		fmt.Println(err)
		return
	}
	_ = st.Set(ctx, "pattern", []byte{1, 0, 1, 1})
	tempo, found, _ := st.Get(ctx, "tempo")
	pattern, _, _ := st.GetBytes(ctx, "pattern")
	keys, _ := st.Keys(ctx)
	fmt.Println(tempo, found, pattern, keys)
	// Output: 120 true [1 0 1 1] [pattern tempo]
}
