package scope_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/scope"
)

func mustNode(tb testing.TB, id string) scope.Scope {
	tb.Helper()
	s, err := scope.NodeScope(id)
	require.NoError(tb, err)
	return s
}

func mustNamed(tb testing.TB, name string) scope.Scope {
	tb.Helper()
	s, err := scope.NamedScope(name)
	require.NoError(tb, err)
	return s
}

func TestObjectStoreNames(t *testing.T) {
	tests := []struct {
		name  string
		scope scope.Scope
		want  string
	}{
		{"host", scope.HostScope(), "host"},
		{"node", mustNode(t, "a"), "node:a"},
		{"empty node id", mustNode(t, ""), "node:"},
		{"named", mustNamed(t, "settings"), "store:settings"},
		{"empty store name", mustNamed(t, ""), "store:"},
		{"store named like a node store", mustNamed(t, "node:a"), "store:node:a"},
		{"node named like the host", mustNode(t, "host"), "node:host"},
		{"astral", mustNamed(t, "🎛️"), "store:🎛️"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.scope.ObjectStore()
			assert.Equal(t, tt.want, got)
			back, err := scope.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, tt.scope, back)
		})
	}
}

func TestDifferentScopesNeverShareAStore(t *testing.T) {
	names := []string{"", "a", ":", "host", "node:", "store:", "node:a", "__proto__", "a/b", "\x00", strings.Repeat("x", 1<<16)}
	seen := map[string]scope.Scope{scope.HostScope().ObjectStore(): scope.HostScope()}
	for _, n := range names {
		for _, s := range []scope.Scope{mustNode(t, n), mustNamed(t, n)} {
			name := s.ObjectStore()
			if prev, ok := seen[name]; ok {
				t.Fatalf("%v and %v share object store %q", prev, s, name)
			}
			seen[name] = s
		}
	}
}

func TestInvalidNamesAreRejected(t *testing.T) {
	bad := string([]byte{0xff, 'a'})
	_, err := scope.NodeScope(bad)
	assert.ErrorIs(t, err, scope.ErrInvalidName)
	_, err = scope.NamedScope(bad)
	assert.ErrorIs(t, err, scope.ErrInvalidName)
	_, err = scope.DatabaseName(bad)
	assert.ErrorIs(t, err, scope.ErrInvalidName)
	_, err = scope.Parse("node:" + bad)
	assert.ErrorIs(t, err, scope.ErrInvalidName)
}

func TestParseRejectsForeignStores(t *testing.T) {
	for _, name := range []string{"", "hosts", "Node:a", "keyval", "nodes"} {
		_, err := scope.Parse(name)
		assert.ErrorIs(t, err, scope.ErrNotPatchKV, "Parse(%q)", name)
	}
}

func TestDatabaseNames(t *testing.T) {
	a, err := scope.DatabaseName("a")
	require.NoError(t, err)
	b, err := scope.DatabaseName("b")
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	patch, ok := scope.PatchOf(a)
	assert.True(t, ok)
	assert.Equal(t, "a", patch)
	_, ok = scope.PatchOf("keyval-store")
	assert.False(t, ok)
}
