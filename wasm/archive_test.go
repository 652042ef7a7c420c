//go:build js && wasm

package main

import (
	_ "embed"
	"runtime"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	jsfiles "github.com/patchies/patchkv/js"
)

// useArchive gives globalThis.patchkv the archive module, as js/kv.js does, from
// the embedded js/archive.js (wasmbrowsertest serves no other files).
var useArchive = sync.OnceFunc(func() {
	js.Global().Get("Function").New("return (\n" + useArchiveJS + "\n);").Invoke().Invoke(jsfiles.Archive)
})

//go:embed testdata/use_archive.js
var useArchiveJS string

// archiveJS holds the scripts of the tests below and the helpers they share:
// everyValue (one value of each kind the README's "The JavaScript API" names),
// snapshot (every scope, key and value of a root, for before/after comparisons)
// and seed.
//
//go:embed testdata/archive.js
var archiveJS string

func archiveRun(tb testing.TB, method string, params map[string]any) js.Value {
	tb.Helper()
	useArchive()
	return mustRunFixture(tb, archiveJS, method, params)
}

func TestExportImportEveryType(t *testing.T) {
	src, dst := openKV(t), openKV(t)
	archiveRun(t, "everyType", map[string]any{"src": src, "dst": dst})
}

func TestExportImportHostileKeys(t *testing.T) {
	src, dst := openKV(t), openKV(t)
	archiveRun(t, "hostileKeys", map[string]any{"src": src, "dst": dst})
}

func TestExportImportManyScopes(t *testing.T) {
	src, dst := openKV(t), openKV(t)
	start := time.Now()
	v := archiveRun(t, "manyScopes", map[string]any{"src": src, "dst": dst})
	t.Logf("10,000 keys in 200 scopes: export %.0f ms, import %.0f ms; written, exported, imported and compared in %v",
		v.Index(0).Float(), v.Index(1).Float(), time.Since(start))
}

func TestExportImport64MiBWithoutGoMemory(t *testing.T) {
	src, dst := openKV(t), openKV(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	v := archiveRun(t, "big64MiB", map[string]any{"src": src, "dst": dst})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := int64(after.Sys) - int64(before.Sys)
	t.Logf("64 MiB (32 MiB ArrayBuffers, 32 MiB Blobs): export %.0f ms, import %.0f ms; Go memory grew by %d KiB",
		v.Index(0).Float(), v.Index(1).Float(), grown>>10)
	assert.LessOrEqual(t, grown, int64(4<<20))
}

func TestImportOfBadFilesChangesNothing(t *testing.T) {
	src, dst := openKV(t), openKV(t)
	archiveRun(t, "badFiles", map[string]any{"src": src, "dst": dst})
}

func TestImportMergeAndReplace(t *testing.T) {
	src, merge, replace := openKV(t), openKV(t), openKV(t)
	archiveRun(t, "mergeAndReplace", map[string]any{"src": src, "merge": merge, "replace": replace})
}

func TestRemoveScopeAndDestroy(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	other := openSecondConnection(t, patch, idbOptionsForTests())
	archiveRun(t, "removeScopeAndDestroy", map[string]any{"kv": kv, "other": other, "patch": patch})
}

func TestArchiveNeedsTheModule(t *testing.T) {
	kv := openKV(t)
	useArchive()
	saved := js.Global().Get("patchkv").Get("archive")
	js.Global().Get("patchkv").Set("archive", js.Undefined())
	defer js.Global().Get("patchkv").Set("archive", saved)
	_, err := runFixture(t, archiveJS, "export", map[string]any{"kv": kv})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "archive.js"), err.Error())
}
