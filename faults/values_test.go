//go:build !js

package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type storeReport struct {
	Path string `json:"path"`
	Good struct {
		OK bool `json:"ok"`
	} `json:"good"`
	Bad struct {
		OK      bool   `json:"ok"`
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"bad"`
	GoodValue any `json:"goodValue"`
	Kept      any `json:"kept"`
	Next      struct {
		OK bool `json:"ok"`
	} `json:"next"`
}

// Values that structured cloning can copy but IndexedDB cannot store: a
// SharedArrayBuffer (which exists only on a cross-origin isolated page, so this
// page is served with COOP/COEP), a VideoFrame, a WebAssembly.Module. (Functions,
// symbols, DOM nodes and WeakMaps, which cannot be cloned at all, are tested in
// wasm/kv_test.go.) Spec §4: set rejects with a
// DataCloneError that names the key, what was stored under it is unchanged, and
// the failure rejects that call only (not a write issued next to it in the same
// task), on every path a write takes: straight into an open connection, queued for
// the upgrade that creates its scope, queued while the connection reopens.
func TestUnstorableValues(t *testing.T) {
	p := openTab(t, sharedBrowser(t), tabOptions{server: isolated})
	var isolatedPage bool
	p.eval(`crossOriginIsolated && typeof SharedArrayBuffer === 'function'`, &isolatedPage)
	assert.True(t, isolatedPage, "the page is cross-origin isolated")
	p.openKV(patchID(t))
	values := []string{"SharedArrayBuffer", "Int32Array on a SharedArrayBuffer", "object holding a SharedArrayBuffer", "VideoFrame", "WebAssembly.Module"}
	for i, what := range values {
		t.Run(what, func(t *testing.T) {
			var reports []storeReport
			require.NoError(t, p.evalErr(60*time.Second, fmt.Sprintf(`faults.storeUnstorable(kv, %s, %d)`, lit(what), i), &reports))
			assert.Len(t, reports, 3)
			for _, r := range reports {
				assert.False(t, r.Bad.OK, "%s: set resolved", r.Path)
				assert.Equal(t, "DataCloneError", r.Bad.Name, "%s: %s", r.Path, r.Bad.Message)
				assert.Contains(t, r.Bad.Message, `"k"`, "%s: the message names the key", r.Path)
				assert.True(t, r.Good.OK, "%s: the good write issued next to it in the same task was rejected too", r.Path)
				assert.Equal(t, r.Path, r.GoodValue, "%s: the good write is stored", r.Path)
				if r.Path != "new scope" {
					assert.Equal(t, "old", r.Kept, "%s: the old value is kept", r.Path)
				} else {
					assert.Nil(t, r.Kept, "%s: nothing stored under the key", r.Path)
				}
				assert.True(t, r.Next.OK, "%s: the next call works", r.Path)
			}
		})
	}
}

// Chromium can store an ImageBitmap (issue 5 lists it among the values that cannot
// be stored; in Chromium it is a structured-cloneable value like any other), so it
// round-trips with its size and pixels, as spec §4 promises for such values.
func TestImageBitmapRoundTrips(t *testing.T) {
	p := openTab(t, sharedBrowser(t), tabOptions{})
	p.openKV(patchID(t))
	var got []any
	p.eval(`faults.imageBitmapRoundTrip(kv)`, &got)
	assert.Equal(t, []any{"[object ImageBitmap]", 3.0, 2.0, 200.0, 200.0, 200.0, 200.0}, got)
}
