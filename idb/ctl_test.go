//go:build js && wasm

package idb_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/idb/goapi"
	"github.com/patchies/patchkv/scope"
)

// The tests of the DB's operations on the database as a whole, in headless
// Chromium with its real IndexedDB.

func testContext(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// newPatch returns a fresh patch id and its DB, closed and deleted at the end of
// the test.
func newPatch(tb testing.TB) (string, *idb.DB) {
	tb.Helper()
	patch := "idbtest-" + strconv.FormatUint(rand.Uint64(), 36)
	db := openDB(tb, patch)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = goapi.DeleteDatabase(ctx, patch)
	})
	return patch, db
}

// openDB opens another DB (its own connection, as another tab has) on patch.
func openDB(tb testing.TB, patch string) *idb.DB {
	tb.Helper()
	db, err := idb.Open(patch, idb.Options{BlockedTimeoutMS: 3000, OnBlocked: func(string) {}})
	require.NoError(tb, err)
	tb.Cleanup(db.Close)
	return db
}

func node(tb testing.TB, db *idb.DB, id string) *goapi.Store {
	tb.Helper()
	s, err := scope.NodeScope(id)
	require.NoError(tb, err)
	return goapi.Wrap(db.Store(s))
}

func objectStore(id string) string {
	s, _ := scope.NodeScope(id)
	return s.ObjectStore()
}

// wait turns a callback API into a blocking call.
func wait[T any](tb testing.TB, start func(done func(T, error))) (T, error) {
	tb.Helper()
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1)
	start(func(v T, err error) { ch <- res{v, err} })
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(60 * time.Second):
		tb.Fatal("callback never called")
	}
	var zero T
	return zero, nil
}

func waitErr(tb testing.TB, start func(done func(error))) error {
	tb.Helper()
	_, err := wait(tb, func(done func(struct{}, error)) { start(func(err error) { done(struct{}{}, err) }) })
	return err
}

// dbVersion reads the database's version with plain IndexedDB.
func dbVersion(tb testing.TB, db *idb.DB) int {
	tb.Helper()
	v, err := wait(tb, func(done func(int, error)) {
		db.WithConn(func(conn js.Value, err error) {
			if err != nil {
				done(0, err)
				return
			}
			done(conn.Get("version").Int(), nil)
		})
	})
	require.NoError(tb, err)
	return v
}

func storeNames(tb testing.TB, db *idb.DB) []string {
	tb.Helper()
	names, err := wait(tb, db.StoreNames)
	require.NoError(tb, err)
	return names
}

func TestEnsureStoresCreatesAllInOneUpgrade(t *testing.T) {
	ctx := testContext(t)
	_, db := newPatch(t)
	require.NoError(t, node(t, db, "a").Set(ctx, "k", 1))
	before := dbVersion(t, db)
	var names []string
	for i := range 50 {
		names = append(names, objectStore("n"+strconv.Itoa(i)))
	}
	names = append(names, objectStore("a"), "store:\x00\\0 odd")
	require.NoError(t, waitErr(t, func(done func(error)) { db.EnsureStores(names, done) }))
	assert.Equal(t, before+1, dbVersion(t, db), "50 new stores in one upgrade")
	got := storeNames(t, db)
	assert.Len(t, got, 52)
	assert.Contains(t, got, "store:\x00\\0 odd", "names with NUL and backslash survive")
	// All exist: no upgrade.
	require.NoError(t, waitErr(t, func(done func(error)) { db.EnsureStores(names, done) }))
	assert.Equal(t, before+1, dbVersion(t, db))
	v, found, err := node(t, db, "a").Get(ctx, "k")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 1.0, v)
	for _, n := range []string{"n0", "n49"} {
		exists, open := db.HasStore(objectStore(n))
		assert.True(t, exists && open, n)
	}
}

func TestWithConnRunsInCallOrder(t *testing.T) {
	ctx := testContext(t)
	_, db := newPatch(t)
	// A write to a new store (an upgrade) then WithConn: WithConn sees the store.
	errc := make(chan error, 1)
	go func() { errc <- node(t, db, "x").Set(ctx, "k", "v") }()
	time.Sleep(0) // let the Set be issued first
	has, err := wait(t, func(done func(bool, error)) {
		db.WithConn(func(conn js.Value, err error) {
			if err != nil {
				done(false, err)
				return
			}
			done(conn.Get("objectStoreNames").Call("contains", objectStore("x")).Bool(), nil)
		})
	})
	require.NoError(t, err)
	require.NoError(t, <-errc)
	assert.True(t, has)
}

func TestDeleteStore(t *testing.T) {
	ctx := testContext(t)
	patch, db := newPatch(t)
	other := openDB(t, patch) // another context's connection, which must let go
	require.NoError(t, node(t, db, "a").Set(ctx, "k", 1))
	require.NoError(t, node(t, db, "b").Set(ctx, "k", 2))
	_, _, err := node(t, other, "a").Get(ctx, "k")
	require.NoError(t, err)

	existed, err := wait(t, func(done func(bool, error)) { db.DeleteStore(objectStore("a"), done) })
	require.NoError(t, err)
	assert.True(t, existed)
	existed, err = wait(t, func(done func(bool, error)) { db.DeleteStore(objectStore("a"), done) })
	require.NoError(t, err)
	assert.False(t, existed, "a second delete finds nothing")
	assert.Equal(t, []string{objectStore("b")}, storeNames(t, db))

	_, found, err := node(t, other, "a").Get(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found, "the other connection sees the store gone")
	v, _, err := node(t, other, "b").Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 2.0, v)
	// A later write creates it again, empty but for that write.
	require.NoError(t, node(t, db, "a").Set(ctx, "j", 3))
	keys, err := node(t, other, "a").Keys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"j"}, keys)
}

func TestDeleteStoreKeepsCallOrder(t *testing.T) {
	ctx := testContext(t)
	_, db := newPatch(t)
	a := node(t, db, "a")
	require.NoError(t, a.Set(ctx, "old", 1))
	// Issued together: a write to a new store, a read of a, delete a, a write to a.
	type res struct {
		existed bool
		err     error
	}
	got := make(chan any, 4)
	go func() { got <- node(t, db, "n").Set(ctx, "k", 1) }()
	go func() { v, _, err := a.Get(ctx, "old"); got <- [2]any{v, err} }()
	go func() {
		db.DeleteStore(objectStore("a"), func(existed bool, err error) { got <- res{existed, err} })
	}()
	go func() { got <- a.Set(ctx, "new", 2) }()
	var seenRead, seenDelete bool
	for range 4 {
		switch r := (<-got).(type) {
		case [2]any:
			require.Nil(t, r[1])
			assert.Equal(t, 1.0, r[0], "the read issued before the delete sees the old value")
			seenRead = true
		case res:
			require.NoError(t, r.err)
			assert.True(t, r.existed)
			seenDelete = true
		case error:
			require.NoError(t, r)
		}
	}
	assert.True(t, seenRead && seenDelete)
	keys, err := a.Keys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"new"}, keys, "only the write issued after the delete")
}

func TestDestroy(t *testing.T) {
	ctx := testContext(t)
	patch, db := newPatch(t)
	other := openDB(t, patch)
	require.NoError(t, node(t, db, "a").Set(ctx, "k", 1))
	_, _, err := node(t, other, "a").Get(ctx, "k") // other holds a connection
	require.NoError(t, err)

	require.NoError(t, waitErr(t, db.Destroy))
	names, err := wait(t, func(done func([]string, error)) {
		p := js.Global().Get("indexedDB").Call("databases")
		var ok, fail js.Func
		ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
			var list []string
			for i := 0; i < args[0].Length(); i++ {
				list = append(list, args[0].Index(i).Get("name").String())
			}
			done(list, nil)
			return nil
		})
		fail = js.FuncOf(func(_ js.Value, args []js.Value) any { done(nil, js.Error{Value: args[0]}); return nil })
		p.Call("then", ok, fail)
	})
	require.NoError(t, err)
	assert.NotContains(t, names, "patchkv:"+patch, "the database is gone")

	// Both contexts go on: reads find nothing, the next write recreates it.
	_, found, err := node(t, other, "a").Get(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found)
	require.NoError(t, node(t, other, "b").Set(ctx, "k", 2))
	v, _, err := node(t, db, "b").Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 2.0, v)
	_, found, err = node(t, db, "a").Get(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found)
}
