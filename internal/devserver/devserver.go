// Package devserver serves the repository root the way a production host would serve
// the patch page: correct types for .wasm and ES modules, no caching surprises during
// development, and precompressed kv.wasm.br / kv.wasm.gz when the browser accepts them.
package devserver

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// encodings are tried in order of preference; ./build.sh writes both next to kv.wasm.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// Handler serves files below root. A request for NAME whose client accepts br or gzip
// gets NAME.br or NAME.gz when that file exists, with Content-Encoding set and the
// Content-Type of NAME.
func Handler(root string) http.Handler {
	files := http.FileServer(http.Dir(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		clean := path.Clean("/" + r.URL.Path)
		if ct := contentType(clean); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		accept := r.Header.Get("Accept-Encoding")
		for _, enc := range encodings {
			if !strings.Contains(accept, enc.name) {
				continue
			}
			full := filepath.Join(root, filepath.FromSlash(clean)+enc.ext)
			if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() {
				w.Header().Set("Content-Encoding", enc.name)
				w.Header().Add("Vary", "Accept-Encoding")
				http.ServeFile(w, r, full)
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".wasm":
		return "application/wasm"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	}
	return ""
}
