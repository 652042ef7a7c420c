//go:build !js

package scope_test

import (
	"go/build"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPureGo keeps scope free of syscall/js so its naming runs (and is fuzzed) on the host.
func TestPureGo(t *testing.T) {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = "js", "wasm"
	pkg, err := ctx.ImportDir(".", 0)
	require.NoError(t, err)
	for _, imp := range pkg.Imports {
		require.NotEqual(t, "syscall/js", imp, "scope must stay pure Go")
		require.NotContains(t, imp, "safejs")
		require.NotContains(t, imp, "go-indexeddb")
	}
}
