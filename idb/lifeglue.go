//go:build js && wasm

package idb

import "syscall/js"

var lifeGlue struct {
	loaded                     bool
	names, apply, lock, random jsval
}

// loadLifeGlue makes lifeGlue once. The module's Go code runs on one thread
// and this runs no JavaScript that could call back into Go, so no sync.Once.
//
//go:noinline
func loadLifeGlue() {
	if lifeGlue.loaded {
		return
	}
	lifeGlue.loaded = true
	// lifeSource is idb/life.js: an expression of the four functions.
	v := js.Global().Call("eval", lifeSource)
	lifeGlue.names = wrap(v.Get("names"))
	lifeGlue.apply = wrap(v.Get("apply"))
	lifeGlue.lock = wrap(v.Get("lock"))
	lifeGlue.random = wrap(v.Get("random"))
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
	// Split at NUL and undo the escaping, without package strings (its
	// tables would add to kv.wasm).
	var names []string
	buf := make([]byte, 0, 64)
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == 0 {
			names = append(names, string(buf))
			buf = buf[:0]
			continue
		}
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			if c = s[i]; c == '0' {
				c = 0
			}
		}
		buf = append(buf, c)
	}
	return names, nil
}

// appendChange adds one change of an upgrade to b, as life.js apply takes them:
// op ('c' create, 'd' delete) and the escaped name, after a NUL unless first.
func appendChange(b []byte, op byte, name string) []byte {
	if len(b) > 0 {
		b = append(b, 0)
	}
	b = append(b, op)
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}

// applyChanges makes the changes of b (appendChange) on conn, inside its
// versionchange transaction, in one call into JavaScript.
func applyChanges(conn jsval, b []byte) error {
	loadLifeGlue()
	_, err := lifeGlue.apply.Invoke(conn, string(b))
	return err
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

// randomMS returns a random whole number of milliseconds in [0, max).
func randomMS(max int) int {
	loadLifeGlue()
	v, err := lifeGlue.random.Invoke()
	if err != nil {
		return max / 2
	}
	return int(v.js().Float() * float64(max))
}
