//go:build js && wasm

package main

import (
	_ "embed"
	"testing"
)

// The benchmarks below time the JavaScript API from JavaScript, against plain
// IndexedDB code doing the same work in the same page and run, and report the
// ratio (higher is better for patchkv). ./build.sh bench runs the full
// cross-implementation benchmark in fresh browsers; these are the quick Go-side
// view of the hot paths: go test -bench . (under wasmbrowsertest).

// benchJS holds the benchmarks' scripts: plain IndexedDB, one transaction per
// operation (reads resolve on request success, writes on transaction complete, as
// a careful hand-written wrapper would), and a kv loop and a raw loop for each.
//
//go:embed testdata/bench.js
var benchJS string

// benchPair runs pair of benchJS: the kv and the raw loop, b.N times each.
func benchPair(b *testing.B, pair string) {
	kv := openKV(b)
	raw := "raw-" + uniquePatch(b)
	b.Cleanup(func() { _, _ = runFixture(b, benchJS, "deleteRaw", map[string]any{"name": raw}) })
	res := mustRunFixture(b, benchJS, "pair", map[string]any{"kv": kv, "name": raw, "n": b.N, "pair": pair})
	kvMS, rawMS := res.Index(0).Float(), res.Index(1).Float()
	b.ReportMetric(kvMS*1e6/float64(b.N), "ns/op")
	b.ReportMetric(rawMS*1e6/float64(b.N), "raw-ns/op")
	if kvMS > 0 {
		b.ReportMetric(rawMS/kvMS, "x-raw")
	}
}

func BenchmarkSetAwaited(b *testing.B) {
	benchPair(b, "setAwaited")
}

func BenchmarkGetAwaited(b *testing.B) {
	benchPair(b, "getAwaited")
}

func BenchmarkSetUnawaited(b *testing.B) {
	benchPair(b, "setUnawaited")
}
