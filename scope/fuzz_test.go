package scope_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchies/patchkv/scope"
)

// FuzzNamingIsInjective checks that two different (kind, name) pairs never map to
// the same object store and that every object store name maps back to its scope.
// CI runs the seed corpus; `go test -fuzz=FuzzNamingIsInjective ./scope` explores.
func FuzzNamingIsInjective(f *testing.F) {
	seeds := []struct {
		k1, k2 uint8
		a, b   string
	}{
		{1, 2, "", ""},
		{2, 3, "a", "a"},
		{2, 3, "", "node:"},
		{3, 2, "node:a", "a"},
		{2, 2, "a", "a\x00"},
		{3, 3, "__proto__", "constructor"},
		{2, 3, ":", "/"},
		{1, 2, "", "host"},
		{3, 3, "😀", "\uFFFD"},
		// Hostile names: NUL, separators, 64 KiB, astral characters, and the
		// WTF-8 bytes of a lone surrogate (which Go cannot hold as text: they must
		// be rejected, never turned into U+FFFD and merged with it).
		{1, 2, "\x00", ""},
		{2, 3, "a\x00b", "a\x00b"},
		{2, 2, "a/b", "a:b"},
		{2, 3, strings.Repeat("k", 64<<10), strings.Repeat("k", 64<<10)},
		{2, 2, strings.Repeat("k", 64<<10), strings.Repeat("k", 64<<10) + "x"},
		{3, 2, "\U0001F39B\uFE0F", "\U0001F39B"},
		{2, 2, "\xed\xa0\x80", "\uFFFD"},
		{3, 3, "\xed\xb0\x80", "\xed\xa0\x80"},
	}
	for _, s := range seeds {
		f.Add(s.k1, s.a, s.k2, s.b)
	}
	f.Fuzz(func(t *testing.T, k1 uint8, a string, k2 uint8, b string) {
		s1, ok1 := scopeOf(k1, a)
		s2, ok2 := scopeOf(k2, b)
		if !ok1 || !ok2 {
			return
		}
		n1, n2 := s1.ObjectStore(), s2.ObjectStore()
		if s1 != s2 && n1 == n2 {
			t.Fatalf("%v and %v share object store %q", s1, s2, n1)
		}
		for _, s := range []scope.Scope{s1, s2} {
			back, err := scope.Parse(s.ObjectStore())
			if err != nil || back != s {
				t.Fatalf("Parse(%q) = %v, %v; want %v", s.ObjectStore(), back, err, s)
			}
		}
		// A named store can never be parsed back as a node's private store.
		if s1.Kind == scope.Named {
			if back, _ := scope.Parse(n1); back.Kind == scope.Node {
				t.Fatalf("named store %q reaches a node scope", a)
			}
		}
	})
}

func scopeOf(kind uint8, name string) (scope.Scope, bool) {
	var (
		s   scope.Scope
		err error
	)
	switch kind % 3 {
	case 0:
		return scope.HostScope(), true
	case 1:
		s, err = scope.NodeScope(name)
	default:
		s, err = scope.NamedScope(name)
	}
	if !utf8.ValidString(name) {
		if err == nil {
			panic("invalid UTF-8 accepted")
		}
		return s, false
	}
	return s, err == nil
}

// FuzzDatabaseNames checks that different patch ids never share a database, that
// PatchOf inverts DatabaseName, and that an id Go cannot hold as text (invalid
// UTF-8, e.g. a lone surrogate's WTF-8 bytes) is rejected rather than merged.
func FuzzDatabaseNames(f *testing.F) {
	for _, s := range [][2]string{
		{"", "patchkv:"}, {"a", "a\x00"}, {"__proto__", "constructor"}, {":", "/"},
		{strings.Repeat("p", 64<<10), strings.Repeat("p", 64<<10) + "q"},
		{"\U0001F39B", "\uFFFD"}, {"\xed\xa0\x80", "\uFFFD"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		da, errA := scope.DatabaseName(a)
		db, errB := scope.DatabaseName(b)
		for _, c := range []struct {
			patch, db string
			err       error
		}{{a, da, errA}, {b, db, errB}} {
			if !utf8.ValidString(c.patch) {
				if c.err == nil {
					t.Fatalf("DatabaseName(%q) accepted invalid UTF-8", c.patch)
				}
				continue
			}
			if c.err != nil {
				t.Fatalf("DatabaseName(%q): %v", c.patch, c.err)
			}
			if back, ok := scope.PatchOf(c.db); !ok || back != c.patch {
				t.Fatalf("PatchOf(%q) = %q, %v; want %q", c.db, back, ok, c.patch)
			}
		}
		if errA == nil && errB == nil && a != b && da == db {
			t.Fatalf("patches %q and %q share database %q", a, b, da)
		}
	})
}
