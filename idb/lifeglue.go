//go:build js && wasm

package idb

import (
	"strings"
	"sync"
	"syscall/js"
)

// lifeGlueSource is the JavaScript half of the connection lifecycle (db.go):
//
//   - names lists a connection's object stores in one call: one string, the
//     names joined by NUL, with '\' written '\\' and NUL written '\0' inside a
//     name. Names that are not well-formed Unicode (no patchkv store has one) are
//     left out: Go could not hold them losslessly.
//   - lock asks for the exclusive Web Lock name and calls granted(release) once
//     this context holds it; release() lets it go. It returns false, calling
//     nothing, where Web Locks do not exist (insecure origins).
//   - random is Math.random, for the jittered back-off (math/rand would add to
//     kv.wasm).
const lifeGlueSource = `
return {
	names(conn) {
		const out = [];
		for (const n of conn.objectStoreNames) {
			if (n.isWellFormed()) out.push(n.replaceAll('\\', '\\\\').replaceAll('\0', '\\0'));
		}
		return out.join('\0');
	},
	lock(name, granted) {
		const locks = globalThis.navigator?.locks;
		if (typeof locks?.request !== 'function') return false;
		let got = false;
		locks.request(name, () => new Promise((release) => { got = true; granted(release); }))
			.catch(() => { if (!got) granted(null); });
		return true;
	},
	random() { return Math.random(); },
};`

var lifeGlue struct {
	once                sync.Once
	names, lock, random jsval
}

func loadLifeGlue() {
	lifeGlue.once.Do(func() {
		v := js.Global().Get("Function").New(lifeGlueSource).Invoke()
		lifeGlue.names = wrap(v.Get("names"))
		lifeGlue.lock = wrap(v.Get("lock"))
		lifeGlue.random = wrap(v.Get("random"))
	})
}

// storeNames lists conn's object stores in IndexedDB order, in one call into
// JavaScript however many there are.
func storeNames(conn jsval) ([]string, error) {
	loadLifeGlue()
	v, err := lifeGlue.names.Invoke(conn)
	if err != nil {
		return nil, err
	}
	s, err := v.String()
	if err != nil || s == "" {
		return nil, err
	}
	names := strings.Split(s, "\x00")
	for i, n := range names {
		if strings.IndexByte(n, '\\') >= 0 {
			names[i] = unescapeName(n)
		}
	}
	return names, nil
}

// storeSet returns conn's object stores as a set.
func storeSet(conn jsval) (map[string]bool, error) {
	names, err := storeNames(conn)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set, nil
}

// unescapeName undoes names' escaping of '\' and NUL.
func unescapeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			if s[i] == '0' {
				c = 0
			} else {
				c = s[i]
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// randomMS returns a random whole number of milliseconds in [0, max).
func randomMS(max int) int {
	loadLifeGlue()
	v, err := lifeGlue.random.Invoke()
	if err != nil {
		return max / 2
	}
	return int(v.js().Float() * float64(max))
}
