package devserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/devserver"
)

type response struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, url string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The default transport would ask for gzip itself and decode it.
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{res.StatusCode, res.Header, string(b)}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// A return visit revalidates and gets 304 Not Modified while the content is the
// same (also when a build rewrote the file with the same bytes), and the new bytes
// at once when it changed; each encoding has its own validator.
func TestReturnVisitIsNotModified(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "kv.wasm"), "\x00asm raw")
	write(t, filepath.Join(root, "kv.wasm.br"), "brotli bytes")
	write(t, filepath.Join(root, "kv.wasm.gz"), "gzip bytes")
	write(t, filepath.Join(root, "js", "kv.js"), "export {};")
	write(t, filepath.Join(root, "index.html"), "<!doctype html>")
	srv := httptest.NewServer(devserver.Handler(root))
	defer srv.Close()

	tests := []struct {
		name, path, accept, wantBody, wantEncoding, wantType string
	}{
		{"wasm, brotli", "/kv.wasm", "gzip, deflate, br, zstd", "brotli bytes", "br", "application/wasm"},
		{"wasm, gzip", "/kv.wasm", "gzip", "gzip bytes", "gzip", "application/wasm"},
		{"wasm, br refused", "/kv.wasm", "br;q=0, gzip", "gzip bytes", "gzip", "application/wasm"},
		{"wasm, identity", "/kv.wasm", "", "\x00asm raw", "", "application/wasm"},
		{"module", "/js/kv.js", "br", "export {};", "", "text/javascript; charset=utf-8"},
		{"page", "/", "br", "<!doctype html>", "", "text/html; charset=utf-8"},
	}
	etags := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := get(t, srv.URL+tt.path, map[string]string{"Accept-Encoding": tt.accept})
			require.Equal(t, http.StatusOK, first.status)
			assert.Equal(t, tt.wantBody, first.body)
			assert.Equal(t, tt.wantEncoding, first.header.Get("Content-Encoding"))
			assert.Equal(t, tt.wantType, first.header.Get("Content-Type"))
			assert.Equal(t, "no-cache", first.header.Get("Cache-Control"), "the browser revalidates every visit")
			tag := first.header.Get("ETag")
			require.Regexp(t, `^"[0-9a-f]{32}"$`, tag)
			if tt.path == "/kv.wasm" {
				assert.Equal(t, "Accept-Encoding", first.header.Get("Vary"))
			}
			etags[tt.name] = tag

			again := get(t, srv.URL+tt.path, map[string]string{"Accept-Encoding": tt.accept, "If-None-Match": tag})
			assert.Equal(t, http.StatusNotModified, again.status)
			assert.Empty(t, again.body)
			assert.Equal(t, tag, again.header.Get("ETag"))

			stale := get(t, srv.URL+tt.path, map[string]string{"Accept-Encoding": tt.accept, "If-None-Match": `"0123"`})
			assert.Equal(t, http.StatusOK, stale.status)
			assert.Equal(t, tt.wantBody, stale.body)
		})
	}
	assert.NotEqual(t, etags["wasm, brotli"], etags["wasm, gzip"], "one validator per encoding")
	assert.NotEqual(t, etags["wasm, gzip"], etags["wasm, identity"], "one validator per encoding")

	// The same bytes written again (a new modification time): still 304.
	write(t, filepath.Join(root, "kv.wasm.br"), "brotli bytes")
	same := get(t, srv.URL+"/kv.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etags["wasm, brotli"]})
	assert.Equal(t, http.StatusNotModified, same.status)

	// New bytes: the old validator no longer matches.
	write(t, filepath.Join(root, "kv.wasm.br"), "new brotli bytes!")
	changed := get(t, srv.URL+"/kv.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etags["wasm, brotli"]})
	assert.Equal(t, http.StatusOK, changed.status)
	assert.Equal(t, "new brotli bytes!", changed.body)
	assert.NotEqual(t, etags["wasm, brotli"], changed.header.Get("ETag"))
}

func TestMissingFileIs404(t *testing.T) {
	srv := httptest.NewServer(devserver.Handler(t.TempDir()))
	defer srv.Close()
	assert.Equal(t, http.StatusNotFound, get(t, srv.URL+"/kv.wasm", map[string]string{"Accept-Encoding": "br"}).status)
}
