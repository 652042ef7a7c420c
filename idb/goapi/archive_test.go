//go:build js && wasm

package goapi_test

import (
	"bytes"
	"sync"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/idb"
	"github.com/patchies/patchkv/idb/goapi"
	jsfiles "github.com/patchies/patchkv/js"
	"github.com/patchies/patchkv/scope"
)

// useArchive gives globalThis.patchkv.archive the module js/kv.js would import.
var useArchive = sync.OnceFunc(func() {
	js.Global().Get("Function").New("src", `
		const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
		let mod;
		globalThis.patchkv ??= {};
		globalThis.patchkv.archive = () => (mod ??= import(url));
	`).Invoke(jsfiles.Archive)
})

func TestExportImportThroughGo(t *testing.T) {
	useArchive()
	ctx := testContext(t)
	src, dst := newPatch(t), newPatch(t)
	settings, _ := scope.NamedScope("settings")
	require.NoError(t, nodeStore(t, src, "osc").Set(ctx, "freq", 440))
	require.NoError(t, goapi.Wrap(src.Store(settings)).Set(ctx, "pattern", []byte{1, 0, 1, 1}))
	blob := js.Global().Get("Blob").New([]any{"png bytes"}, map[string]any{"type": "image/png"})
	require.NoError(t, goapi.Wrap(src.Store(settings)).Set(ctx, "img", blob))

	var file bytes.Buffer
	n, err := goapi.Export(ctx, src, &file)
	require.NoError(t, err)
	assert.Equal(t, int64(file.Len()), n)
	assert.Equal(t, []byte("\x89PKV\r\n\x1a\n"), file.Bytes()[:8], "magic")

	res, err := goapi.Import(ctx, dst, bytes.NewReader(file.Bytes()), goapi.Merge)
	require.NoError(t, err)
	assert.Equal(t, goapi.ImportResult{Scopes: 2, Keys: 3}, res)
	freq, found, err := nodeStore(t, dst, "osc").Get(ctx, "freq")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 440.0, freq)
	pattern, _, err := goapi.Wrap(dst.Store(settings)).GetBytes(ctx, "pattern")
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 0, 1, 1}, pattern)
	img, _, err := goapi.Wrap(dst.Store(settings)).Get(ctx, "img")
	require.NoError(t, err)
	require.IsType(t, &goapi.Blob{}, img)
	assert.Equal(t, "image/png", img.(*goapi.Blob).Type())

	// A damaged file changes nothing.
	bad := append([]byte(nil), file.Bytes()...)
	bad[len(bad)/2] ^= 1
	bad = bad[:len(bad)-1]
	_, err = goapi.Import(ctx, dst, bytes.NewReader(bad), goapi.Replace)
	assert.True(t, idb.IsDOMException(err, "DataError"), "got %v", err)
	keys, err := goapi.Wrap(dst.Store(settings)).Keys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"img", "pattern"}, keys)
}
