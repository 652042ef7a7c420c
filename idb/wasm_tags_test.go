//go:build !js

package idb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWasmFilesHaveBuildTags fails when a file of this package lacks the
// "js && wasm" constraint: every file here uses syscall/js.
func TestWasmFilesHaveBuildTags(t *testing.T) {
	checkBuildTags(t, ".", "//go:build js && wasm", "wasm_tags_test.go")
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
