//go:build js && wasm

package main

import (
	"testing"
)

// The benchmarks below time the JavaScript API from JavaScript, against plain
// IndexedDB code doing the same work in the same page and run, and report the
// ratio (higher is better for patchkv). ./build.sh bench runs the full
// cross-implementation benchmark in fresh browsers; these are the quick Go-side
// view of the hot paths: go test -bench . (under wasmbrowsertest).

// rawJS is plain IndexedDB, one transaction per operation: reads resolve on
// request success, writes on transaction complete, as a careful hand-written
// wrapper would.
const rawJS = `
function rawOpen(name) {
  return new Promise((res, rej) => {
    const r = indexedDB.open(name, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('s');
    r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
  });
}
function rawSet(db, k, v) {
  return new Promise((res, rej) => { const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(v, k); tx.oncomplete = () => res(); tx.onabort = () => rej(tx.error); });
}
function rawGet(db, k) {
  return new Promise((res, rej) => { const r = db.transaction('s').objectStore('s').get(k); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
}
`

func benchPair(b *testing.B, setup, kvLoop, rawLoop string) {
	kv := openKV(b)
	raw := "raw-" + uniquePatch(b)
	b.Cleanup(func() { _, _ = run(b, `indexedDB.deleteDatabase(name)`, map[string]any{"name": raw}) })
	res := mustRun(b, rawJS+`
		const s = kv.node('bench'); const db = await rawOpen(name);
		`+setup+`
		const t0 = performance.now();
		`+kvLoop+`
		const t1 = performance.now();
		`+rawLoop+`
		const t2 = performance.now();
		db.close();
		return [t1 - t0, t2 - t1];
	`, map[string]any{"kv": kv, "name": raw, "n": b.N})
	kvMS, rawMS := res.Index(0).Float(), res.Index(1).Float()
	b.ReportMetric(kvMS*1e6/float64(b.N), "ns/op")
	b.ReportMetric(rawMS*1e6/float64(b.N), "raw-ns/op")
	if kvMS > 0 {
		b.ReportMetric(rawMS/kvMS, "x-raw")
	}
}

func BenchmarkSetAwaited(b *testing.B) {
	benchPair(b, `await s.set('warm', 0); await rawSet(db, 'warm', 0);`,
		`for (let i = 0; i < n; i++) await s.set('k' + i, {i, name: 'value ' + i});`,
		`for (let i = 0; i < n; i++) await rawSet(db, 'k' + i, {i, name: 'value ' + i});`)
}

func BenchmarkGetAwaited(b *testing.B) {
	benchPair(b, `for (let i = 0; i < 100; i++) { await s.set('k' + i, {i}); await rawSet(db, 'k' + i, {i}); }`,
		`for (let i = 0; i < n; i++) await s.get('k' + (i % 100));`,
		`for (let i = 0; i < n; i++) await rawGet(db, 'k' + (i % 100));`)
}

func BenchmarkSetUnawaited(b *testing.B) {
	benchPair(b, `await s.set('warm', 0); await rawSet(db, 'warm', 0);`,
		`{ const ps = []; for (let i = 0; i < n; i++) ps.push(s.set('k' + i, i)); await Promise.all(ps); }`,
		`{ const ps = []; for (let i = 0; i < n; i++) ps.push(rawSet(db, 'k' + i, i)); await Promise.all(ps); }`)
}
