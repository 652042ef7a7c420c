// Package devserver serves the repository root the way a production host would serve
// the patch page: correct types for .wasm and ES modules, precompressed kv.wasm.br /
// kv.wasm.gz when the browser accepts them, and validators that make a return visit
// cheap.
//
// Every file is sent with `Cache-Control: no-cache` and a strong ETag made from a
// hash of the bytes sent: the browser keeps its copy (and V8 its compiled code for
// kv.wasm) and revalidates on each visit, and the server answers 304 Not Modified
// while the content is unchanged. ./build.sh rewrites kv.wasm and its compressed
// files only when their content changes, so an unchanged build keeps them valid; a
// changed one is fetched at once, never served stale.
package devserver

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// encodings are tried in order of preference; ./build.sh writes both next to kv.wasm.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// Handler serves files below root. A request for NAME whose client accepts br or gzip
// gets NAME.br or NAME.gz when that file exists, with Content-Encoding set and the
// Content-Type of NAME. Each file carries an ETag of its content; a request whose
// If-None-Match holds it gets 304 Not Modified.
func Handler(root string) http.Handler {
	files := http.FileServer(http.Dir(root))
	tags := &etags{byPath: map[string]etag{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		clean := path.Clean("/" + r.URL.Path)
		full := filepath.Join(root, filepath.FromSlash(clean))
		if st, err := os.Stat(full); err == nil && st.IsDir() {
			if !strings.HasSuffix(r.URL.Path, "/") {
				files.ServeHTTP(w, r) // redirects to the slash form
				return
			}
			clean = path.Join(clean, "index.html")
			full = filepath.Join(full, "index.html")
		}
		if ct := contentType(clean); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		accept := r.Header.Get("Accept-Encoding")
		varies := false
		for _, enc := range encodings {
			st, err := os.Stat(full + enc.ext)
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			varies = true
			if !accepts(accept, enc.name) {
				continue
			}
			w.Header().Set("Content-Encoding", enc.name)
			w.Header().Set("Vary", "Accept-Encoding")
			serve(w, r, clean, full+enc.ext, st, tags)
			return
		}
		if varies {
			// The same URL has a compressed form: caches must key on the encoding.
			w.Header().Set("Vary", "Accept-Encoding")
		}
		st, err := os.Stat(full)
		if err != nil || !st.Mode().IsRegular() {
			files.ServeHTTP(w, r) // 404s, directory listings
			return
		}
		serve(w, r, clean, full, st, tags)
	})
}

// serve sends the file at full as the content of name (whose extension gives the
// Content-Type when none is set) with its ETag; http.ServeContent answers
// If-None-Match (304) and ranges.
func serve(w http.ResponseWriter, r *http.Request, name, full string, st os.FileInfo, tags *etags) {
	f, err := os.Open(full)
	if err != nil {
		http.Error(w, "cannot open file", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	tag, err := tags.of(full, st, f)
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	w.Header().Set("ETag", tag)
	// Last-Modified is left out on purpose: the ETag is the validator, and a file
	// rewritten with the same bytes must not look changed.
	http.ServeContent(w, r, name, time.Time{}, f)
}

// accepts reports whether an Accept-Encoding header value accepts enc (with a
// non-zero quality).
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// etags caches each file's ETag by path, size and modification time, so that a
// file is hashed once per change, not once per request.
type etags struct {
	mu     sync.Mutex
	byPath map[string]etag
}

type etag struct {
	size  int64
	mtime time.Time
	tag   string
}

func (e *etags) of(full string, st os.FileInfo, f io.ReadSeeker) (string, error) {
	e.mu.Lock()
	c, ok := e.byPath[full]
	e.mu.Unlock()
	if ok && c.size == st.Size() && c.mtime.Equal(st.ModTime()) {
		return c.tag, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	e.mu.Lock()
	e.byPath[full] = etag{size: st.Size(), mtime: st.ModTime(), tag: tag}
	e.mu.Unlock()
	return tag, nil
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
