//go:build js && wasm

package goapi_test

import (
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"strconv"
	"sync"
	"syscall/js"
	"testing"
	"time"

	goidb "github.com/hack-pad/go-indexeddb/idb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/idb/goapi"
	"github.com/patchies/patchkv/scope"
)

func testContext(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// newPatch returns a fresh patch's DB, closed and deleted at the end of the test.
func newPatch(tb testing.TB) *idb.DB {
	tb.Helper()
	patch := "goapi-" + strconv.FormatUint(rand.Uint64(), 36)
	db, err := idb.Open(patch, idb.Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(tb, goapi.DeleteDatabase(ctx, patch))
	})
	return db
}

func nodeStore(tb testing.TB, db *idb.DB, id string) *goapi.Store {
	tb.Helper()
	s, err := scope.NodeScope(id)
	require.NoError(tb, err)
	return goapi.Wrap(db.Store(s))
}

func TestGoValuesRoundTrip(t *testing.T) {
	ctx := testContext(t)
	st := nodeStore(t, newPatch(t), "n")
	when := time.UnixMilli(1700000000123)
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"int", 42, 42.0},
		{"float", -1.5, -1.5},
		{"string", "héllo 🎛️", "héllo 🎛️"},
		{"bytes", []byte{0, 1, 254, 255}, []byte{0, 1, 254, 255}},
		{"empty bytes", []byte{}, []byte{}},
		{"time", when, when},
		{"bigint", big1, big1},
		{"slice", []any{1, "a", []byte{7}}, []any{1.0, "a", []byte{7}}},
		{"string slice", []string{"a", "b"}, []any{"a", "b"}},
		{"map", map[string]any{"a": 1, "nested": map[string]int{"b": 2}}, map[string]any{"a": 1.0, "nested": map[string]any{"b": 2.0}}},
		{"struct", struct {
			Name  string
			Count int
			skip  bool
		}{"x", 3, true}, map[string]any{"Name": "x", "Count": 3.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, st.Set(ctx, tt.name, tt.in))
			got, found, err := st.Get(ctx, tt.name)
			require.NoError(t, err)
			assert.True(t, found)
			if b, ok := tt.want.(*big.Int); ok {
				assert.Equal(t, 0, b.Cmp(got.(*big.Int)), "got %v, want %v", got, b)
				return
			}
			if w, ok := tt.want.(time.Time); ok {
				assert.True(t, w.Equal(got.(time.Time)), "got %v, want %v", got, w)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBytesAreUint8ArraysForJavaScript(t *testing.T) {
	ctx := testContext(t)
	db := newPatch(t)
	st := nodeStore(t, db, "n")
	require.NoError(t, st.Set(ctx, "b", []byte("abc")))
	v, err := st.GetJS(ctx, "b")
	require.NoError(t, err)
	assert.True(t, v.InstanceOf(js.Global().Get("Uint8Array")), "stored as a Uint8Array")
	assert.Equal(t, 3, v.Length())
}

func TestBinaryWrittenByJavaScript(t *testing.T) {
	ctx := testContext(t)
	st := nodeStore(t, newPatch(t), "n")
	blob := js.Global().Get("Blob").New([]any{"hello"}, map[string]any{"type": "text/plain"})
	buf := js.Global().Get("Uint8Array").New([]any{1, 2, 3}).Get("buffer")
	view := js.Global().Get("DataView").New(js.Global().Get("Uint8Array").New([]any{9, 8, 7, 6}).Get("buffer"), 1, 2)
	require.NoError(t, st.Set(ctx, "blob", blob))
	require.NoError(t, st.Set(ctx, "buf", buf))
	require.NoError(t, st.Set(ctx, "view", view))

	got, found, err := st.Get(ctx, "blob")
	require.NoError(t, err)
	require.True(t, found)
	b, ok := got.(*goapi.Blob)
	require.True(t, ok, "a Blob comes back as *goapi.Blob, unread: %T", got)
	assert.Equal(t, "text/plain", b.Type())
	assert.Equal(t, 5, b.Size())
	data, err := b.Bytes(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(data))

	for key, want := range map[string][]byte{"blob": []byte("hello"), "buf": {1, 2, 3}, "view": {8, 7}} {
		data, found, err := st.GetBytes(ctx, key)
		require.NoError(t, err, key)
		assert.True(t, found, key)
		assert.Equal(t, want, data, key)
	}
	require.NoError(t, st.Set(ctx, "text", "not binary"))
	_, _, err = st.GetBytes(ctx, "text")
	assert.ErrorIs(t, err, goapi.ErrNotBytes)
	data, found, err = st.GetBytes(ctx, "missing")
	assert.NoError(t, err)
	assert.False(t, found)
	assert.Nil(t, data)
}

func TestStoreMethods(t *testing.T) {
	ctx := testContext(t)
	db := newPatch(t)
	st := nodeStore(t, db, "n")
	other := nodeStore(t, db, "other")

	keys, err := st.Keys(ctx)
	require.NoError(t, err)
	assert.Empty(t, keys)
	for _, k := range []string{"b", "a", "c"} {
		require.NoError(t, st.Set(ctx, k, k))
	}
	require.NoError(t, other.Set(ctx, "a", "other"))
	keys, err = st.Keys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, keys)

	has, err := st.Has(ctx, "a")
	require.NoError(t, err)
	assert.True(t, has)
	existed, err := st.Delete(ctx, "a")
	require.NoError(t, err)
	assert.True(t, existed, "Delete of a key that exists")
	has, err = st.Has(ctx, "a")
	require.NoError(t, err)
	assert.False(t, has)
	existed, err = st.Delete(ctx, "never there")
	require.NoError(t, err)
	assert.False(t, existed, "Delete of a missing key")

	require.NoError(t, st.Set(ctx, "nil", nil))
	v, found, err := st.Get(ctx, "nil")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Nil(t, v)
	_, found, err = st.Get(ctx, "missing")
	require.NoError(t, err)
	assert.False(t, found)

	require.NoError(t, st.Clear(ctx))
	keys, err = st.Keys(ctx)
	require.NoError(t, err)
	assert.Empty(t, keys)
	v, _, err = other.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, "other", v, "Clear touches only its own scope")
}

func TestGoAPIErrors(t *testing.T) {
	ctx := testContext(t)
	st := nodeStore(t, newPatch(t), "n")
	require.NoError(t, st.Set(ctx, "k", "old"))

	assert.ErrorIs(t, st.Set(ctx, string([]byte{0xff}), 1), scope.ErrInvalidName)
	assert.ErrorIs(t, st.Set(ctx, "k", make(chan int)), goapi.ErrUnsupported)
	assert.ErrorIs(t, st.Set(ctx, "k", map[int]int{1: 2}), goapi.ErrUnsupported)

	fn := js.FuncOf(func(js.Value, []js.Value) any { return nil })
	defer fn.Release()
	err := st.Set(ctx, "k", fn.Value)
	require.Error(t, err)
	assert.True(t, idb.IsDOMException(err, "DataCloneError"), "got %v", err)
	assert.ErrorIs(t, err, &idb.DOMError{Name: "DataCloneError"})
	v, _, err := st.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "old", v, "a failed Set keeps the old value")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = st.Keys(cancelled)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestLayoutSeenByGoIndexedDB reads patchkv's data with go-indexeddb, an
// independent IndexedDB wrapper: one database per patch ("patchkv:" + patch), one
// object store per scope ("node:" + id, "store:" + name, "host"), keys as given.
func TestLayoutSeenByGoIndexedDB(t *testing.T) {
	ctx := testContext(t)
	db := newPatch(t)
	node := nodeStore(t, db, "osc-1")
	named, err := scope.NamedScope("settings")
	require.NoError(t, err)
	require.NoError(t, node.Set(ctx, "freq", 440))
	require.NoError(t, goapi.Wrap(db.Store(named)).Set(ctx, "tempo", 120))
	require.NoError(t, goapi.Wrap(db.Store(scope.HostScope())).Set(ctx, "title", "demo"))

	req, err := goidb.Global().Open(ctx, db.Name(), 0, func(*goidb.Database, uint, uint) error { return nil })
	require.NoError(t, err)
	raw, err := req.Await(ctx)
	require.NoError(t, err)
	defer raw.Close()
	names, err := raw.ObjectStoreNames()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"host", "node:osc-1", "store:settings"}, names)

	for storeName, kv := range map[string][2]any{"node:osc-1": {"freq", 440}, "store:settings": {"tempo", 120}, "host": {"title", "demo"}} {
		tx, err := raw.Transaction(goidb.TransactionReadOnly, storeName)
		require.NoError(t, err)
		os, err := tx.ObjectStore(storeName)
		require.NoError(t, err)
		getReq, err := os.Get(js.ValueOf(kv[0]))
		require.NoError(t, err)
		v, err := getReq.Await(ctx)
		require.NoError(t, err)
		assert.Equal(t, js.ValueOf(kv[1]).String(), v.String(), storeName)
	}
}

func TestUpdate(t *testing.T) {
	ctx := testContext(t)
	db := newPatch(t)
	st := nodeStore(t, db, "n")

	got, err := st.Update(ctx, "k", func(old any, found bool) (any, error) {
		assert.Nil(t, old)
		assert.False(t, found)
		return "first", nil
	})
	require.NoError(t, err)
	assert.Equal(t, "first", got)

	errNo := errors.New("no")
	_, err = st.Update(ctx, "k", func(old any, found bool) (any, error) {
		assert.Equal(t, "first", old)
		assert.True(t, found)
		return nil, errNo
	})
	assert.ErrorIs(t, err, errNo, "the function's error")
	_, err = st.Update(ctx, "k", func(any, bool) (any, error) { panic("boom") })
	assert.Error(t, err, "a panic in the function")
	_, err = st.Update(ctx, "k", func(any, bool) (any, error) { return make(chan int), nil })
	assert.ErrorIs(t, err, goapi.ErrUnsupported, "a result with no JavaScript form")
	v, _, err := st.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "first", v, "nothing written by failed updates")

	// Updates from many goroutines at once lose no increment.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.Update(ctx, "n", func(old any, _ bool) (any, error) {
				n, _ := old.(float64)
				return n + 1, nil
			})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	v, _, err = st.Get(ctx, "n")
	require.NoError(t, err)
	assert.Equal(t, 20.0, v)
}

func TestSubscribeSeesChangesFromJavaScriptToo(t *testing.T) {
	ctx := testContext(t)
	db := newPatch(t)
	st := nodeStore(t, db, "n")
	changes := make(chan idb.Change, 16)
	cancel := st.Subscribe(func(c idb.Change) { changes <- c })

	require.NoError(t, st.Set(ctx, "a", 1))
	other := nodeStore(t, db, "other")
	require.NoError(t, other.Set(ctx, "b", 1)) // another scope: not heard
	require.NoError(t, st.Clear(ctx))
	want := []string{"set a", "clear "}
	for _, w := range want {
		select {
		case c := <-changes:
			assert.Equal(t, w, c.Op+" "+c.Key)
			assert.Equal(t, st.Store().Scope(), c.Scope)
		case <-time.After(5 * time.Second):
			t.Fatalf("no change %q", w)
		}
	}
	cancel()
	cancel()
	require.NoError(t, st.Set(ctx, "after", 1))
	select {
	case c := <-changes:
		t.Fatalf("a change after cancel: %+v", c)
	case <-time.After(100 * time.Millisecond):
	}
}
