//go:build !js

package idb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWasmFilesHaveBuildTags fails when a file of the browser-only packages
// (idb, idb/goapi, wasm) lacks the "js && wasm" constraint: they use syscall/js,
// and a file without the constraint breaks the host build.
func TestWasmFilesHaveBuildTags(t *testing.T) {
	for _, dir := range []string{".", "goapi", "../wasm"} {
		checkBuildTags(t, dir, "//go:build js && wasm", "wasm_tags_test.go")
	}
}

func checkBuildTags(t *testing.T, dir, want string, skip ...string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Go files found")
	}
next:
	for _, f := range files {
		for _, s := range skip {
			if filepath.Base(f) == s {
				continue next
			}
		}
		if filepath.Base(f) == "doc.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), want+"\n") {
			t.Errorf("%s does not start with %q", f, want)
		}
	}
}
