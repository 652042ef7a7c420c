//go:build !js

package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type loadFailure struct {
	Loaded  bool   `json:"loaded"`
	Name    string `json:"name"`
	Message string `json:"message"`
	IsError bool   `json:"isError"`
	Again   string `json:"again"` // the message of a second loadKV
	KV      string `json:"kv"`    // typeof globalThis.kv afterwards
}

// loadFailureJS calls loadKV twice with the options OPTIONS and describes how it failed.
const loadFailureJS = `(async () => {
	const r = {};
	const options = OPTIONS;
	try { await faults.loadKV(options); r.loaded = true; }
	catch (e) { r.name = e.name; r.message = e.message; r.isError = e instanceof Error; }
	try { await faults.loadKV(options); } catch (e) { r.again = e.message; }
	r.kv = typeof globalThis.kv;
	return r;
})()`

// Spec §3: loadKV rejects with a clear Error when IndexedDB is unavailable; the
// module never panics. Three real ways to be without IndexedDB: the global is
// missing (an init script deletes it, as some embedded webviews ship), the origin
// is opaque (a page sandboxed by CSP, where Chromium's indexedDB.open throws a
// SecurityError), and site data blocked by the user (Chromium's cookie setting,
// under which indexedDB.open fails asynchronously with UnknownError). And one way
// to hang: an indexedDB.open that never answers (an init script replaces it),
// where loadKV gives up after its openTimeout.
func TestIndexedDBUnavailable(t *testing.T) {
	blockedProfile := profileDir(t)
	require.NoError(t, os.MkdirAll(filepath.Join(blockedProfile, "Default"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(blockedProfile, "Default", "Preferences"),
		[]byte(`{"profile":{"default_content_setting_values":{"cookies":2}}}`), 0o644))
	tests := []struct {
		name    string
		browser func(tb testing.TB) context.Context
		tab     tabOptions
		want    []string // parts of the one message
		options string   // loadKV's options; empty: the patch "unavailable", openTimeout 1000
	}{
		{"global missing", sharedBrowser, tabOptions{init: `delete globalThis.indexedDB;`},
			[]string{"patchkv: IndexedDB is not available in this context"}, ""},
		{"opaque origin", sharedBrowser, tabOptions{query: "sandbox=1"},
			[]string{`patchkv: cannot open the IndexedDB database of patch "unavailable"`, "SecurityError"}, ""},
		{"site data blocked", func(tb testing.TB) context.Context { ctx, _ := ownBrowser(tb, blockedProfile); return ctx }, tabOptions{},
			[]string{`patchkv: cannot open the IndexedDB database of patch "unavailable"`, "UnknownError"}, ""},
		{"open never answers", sharedBrowser, tabOptions{init: `IDBFactory.prototype.open = function () { return {}; };`},
			[]string{`patchkv: cannot open the IndexedDB database of patch "unavailable"`, "TimeoutError", "did not answer"}, ""},
		// And kv.wasm itself: missing (a page served without ./build.sh), or not WebAssembly.
		{"kv.wasm missing", sharedBrowser, tabOptions{},
			[]string{"patchkv: cannot fetch ", "/no-such.wasm: HTTP 404", "./build.sh"}, `{patch: 'unavailable', wasmURL: '/no-such.wasm'}`},
		{"kv.wasm not WebAssembly", sharedBrowser, tabOptions{},
			[]string{"patchkv: cannot compile ", "/index.html: ", "magic word"}, `{patch: 'unavailable', wasmURL: '/index.html'}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openTab(t, tt.browser(t), tt.tab)
			options := tt.options
			if options == "" {
				options = `{patch: 'unavailable', openTimeout: 1000}`
			}
			var r loadFailure
			require.NoError(t, p.evalErr(30*time.Second, strings.Replace(loadFailureJS, "OPTIONS", options, 1), &r), "loadKV settles")
			assert.False(t, r.Loaded, "loadKV resolved")
			assert.True(t, r.IsError, "the rejection is an Error")
			for _, part := range tt.want {
				assert.Contains(t, r.Message, part)
			}
			assert.NotContains(t, r.Message, "\n", "one line")
			assert.Equal(t, r.Message, r.Again, "a second loadKV fails the same way")
			assert.Equal(t, "undefined", r.KV, "no half-made kv is published")
			for _, line := range p.consoleLines() {
				for _, bad := range []string{"panic", "fatal error", "Go program exited"} {
					assert.NotContains(t, strings.ToLower(line), strings.ToLower(bad))
				}
			}
			t.Logf("loadKV rejects with %s: %s", r.Name, r.Message)
		})
	}
}

// openTimeout beyond setTimeout's 32-bit range (Infinity included) means no
// limit instead of timing out at once; zero, negative, NaN and non-numbers are
// TypeErrors (issue 14 #9).
func TestOpenTimeoutOutOfRange(t *testing.T) {
	p := openTab(t, sharedBrowser(t), tabOptions{})
	patch := patchID(t)
	var got []string
	p.eval(`(async () => {
		const out = [];
		for (const v of [2147483648, 3000000000, Infinity, 0, -5, NaN, '100']) {
			// A patch per value: loadKV of a patch already open returns its root at once.
			out.push(await faults.loadKV({patch: `+lit(patch)+` + out.length, openTimeout: v}).then(
				(kv) => kv.get('k').then(() => 'ok'), (e) => e.name));
		}
		return out;
	})()`, &got)
	assert.Equal(t, []string{"ok", "ok", "ok", "TypeError", "TypeError", "TypeError", "TypeError"}, got)
}
