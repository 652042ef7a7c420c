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

// Update increments a counter in one transaction: no other page, worker or Go
// caller can write between its read and its write, so no increment is lost.
func ExampleStore_Update() {
	ctx := context.Background()
	stats, _ := scope.NamedScope("stats")
	st, err := goapi.Open("example-update", stats)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer goapi.DeleteDatabase(ctx, "example-update")
	defer st.Store().DB().Close()

	for range 3 {
		if _, err := st.Update(ctx, "hits", func(old any, found bool) (any, error) {
			n, _ := old.(float64) // numbers come back as float64; nil when missing
			return n + 1, nil
		}); err != nil {
			fmt.Println(err)
			return
		}
	}
	hits, _, _ := st.Get(ctx, "hits")
	existed, _ := st.Delete(ctx, "hits")
	again, _ := st.Delete(ctx, "hits")
	fmt.Println(hits, existed, again)
	// Output: 3 true false
}

// Subscribe hears every committed change of the store, whoever made it: Go code,
// a node's kv, another page or a worker on the same patch.
func ExampleStore_Subscribe() {
	ctx := context.Background()
	settings, _ := scope.NamedScope("settings")
	st, err := goapi.Open("example-subscribe", settings)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer goapi.DeleteDatabase(ctx, "example-subscribe")
	defer st.Store().DB().Close()

	changes := make(chan idb.Change, 8) // buffered: the listener must not block
	cancel := st.Subscribe(func(c idb.Change) { changes <- c })
	defer cancel()

	_ = st.Set(ctx, "volume", 0.8)
	_, _ = st.Delete(ctx, "volume")
	for range 2 {
		c := <-changes
		fmt.Println(c.Scope, c.Op, c.Key)
	}
	// Output:
	// store "settings" set volume
	// store "settings" delete volume
}
