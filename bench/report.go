//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"

	"github.com/chromedp/cdproto/runtime"
)

// series holds one implementation's timings of one workload, one slot per round
// (NaN where the round has no number).
type series struct {
	ms    []float64
	ops   float64
	bytes float64
	errs  map[string][]int // error text → rounds (1-based)
	extra map[string][]float64
}

type results struct {
	rounds int
	m      map[string]map[string]*series // workload id → impl → series
}

func newResults(rounds int) *results {
	return &results{rounds: rounds, m: map[string]map[string]*series{}}
}

func (r *results) get(impl, id string) *series {
	byImpl := r.m[id]
	if byImpl == nil {
		byImpl = map[string]*series{}
		r.m[id] = byImpl
	}
	s := byImpl[impl]
	if s == nil {
		s = &series{ms: make([]float64, r.rounds), errs: map[string][]int{}, extra: map[string][]float64{}}
		for i := range s.ms {
			s.ms[i] = math.NaN()
		}
		byImpl[impl] = s
	}
	return s
}

// lookup is get without creating: nil when nothing was recorded.
func (r *results) lookup(impl, id string) *series {
	return r.m[id][impl]
}

func (r *results) add(impl, id string, round int, res result) {
	s := r.get(impl, id)
	s.ms[round] = res.MS
	s.ops, s.bytes = res.Ops, res.Bytes
	for k, v := range res.Marks {
		s.setExtra(k, round, v, r.rounds)
	}
}

// setExtra records v as round's value of the series' extra figure k.
func (s *series) setExtra(k string, round int, v float64, rounds int) {
	if s.extra[k] == nil {
		s.extra[k] = nanSlice(rounds)
	}
	s.extra[k][round] = v
}

func (r *results) fail(impl, id string, round int, err error) {
	s := r.get(impl, id)
	msg := errText(err)
	s.errs[msg] = append(s.errs[msg], round+1)
}

func (r *results) cold(impl string, round int, c coldResult) {
	if impl == coldRef { // the reference page has no store: only its floor counts
		r.add(impl, "cold-nav", round, result{MS: c.Start, Ops: 1})
		return
	}
	r.add(impl, "cold-ready", round, result{MS: c.Ready - c.Start, Ops: 1})
	r.add(impl, "cold-get", round, result{MS: c.FirstGet - c.Start, Ops: 1})
	r.add(impl, "cold-nav", round, result{MS: c.FirstGet, Ops: 1})
	s := r.get(impl, "cold-ready")
	for k, v := range map[string]float64{
		"encoded": c.WasmEncoded, "decoded": c.WasmDecoded, "fetch": c.WasmFetchEnd - c.WasmFetchStart,
		"start": c.Start, "kvjsStart": c.KVJSStart, "kvjsEnd": c.KVJSEnd, "wasmExecStart": c.WasmExecStart,
		"wasmExecEnd": c.WasmExecEnd, "wasmStart": c.WasmFetchStart, "wasmEnd": c.WasmFetchEnd,
		"ready": c.Ready, "firstGet": c.FirstGet,
		"compileStart": c.Marks.CompileStart, "compileEnd": c.Marks.CompileEnd, "instStart": c.Marks.InstantiateStart, "instEnd": c.Marks.InstantiateEnd, "runStart": c.Marks.RunStart,
		"runReturned": c.Marks.RunReturned, "idbOpen": c.Marks.IDBOpen, "idbOpenSuccess": c.Marks.IDBOpenSuccess,
	} {
		s.setExtra(k, round, v, r.rounds)
	}
}

// errText is the first line of what the page threw (or of err), at most 240 bytes.
func errText(err error) string {
	msg := err.Error()
	var ex *runtime.ExceptionDetails
	if errors.As(err, &ex) && ex.Exception != nil && ex.Exception.Description != "" {
		msg = ex.Exception.Description
	}
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	if len(msg) > 240 {
		msg = msg[:240] + "…"
	}
	return msg
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// present returns the values that are not NaN.
func present(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// median of the values that are not NaN; NaN when there are none.
func median(xs []float64) float64 {
	v := present(xs)
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func minMax(xs []float64) (float64, float64) {
	v := present(xs)
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(v), slices.Max(v)
}

// ratios returns num[i]/den[i] per round, NaN where either is missing.
func ratios(num, den []float64) []float64 {
	out := make([]float64, len(num))
	for i := range num {
		out[i] = math.NaN()
		if i < len(den) && !math.IsNaN(num[i]) && !math.IsNaN(den[i]) && den[i] > 0 {
			out[i] = num[i] / den[i]
		}
	}
	return out
}

// speedVsRaw is the median over rounds of raw's time / impl's time in that round:
// 1 means as fast as raw IndexedDB, 2 twice as fast.
func speedVsRaw(res *results, impl, id string) float64 {
	s, raw := res.lookup(impl, id), res.lookup(implRaw, id)
	if s == nil || raw == nil {
		return math.NaN()
	}
	return median(ratios(raw.ms, s.ms))
}

// timeRatio is the median over rounds of a's time / b's time in that round.
func timeRatio(res *results, implA, idA, implB, idB string) float64 {
	a, b := res.lookup(implA, idA), res.lookup(implB, idB)
	if a == nil || b == nil {
		return math.NaN()
	}
	return median(ratios(a.ms, b.ms))
}

func fmtMS(ms float64) string {
	switch {
	case math.IsNaN(ms):
		return "—"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	default:
		return fmt.Sprintf("%.1f ms", ms)
	}
}

func fmtRatio(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", x)
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fmtRate(w workload, s *series, totalMedian float64) string {
	if math.IsNaN(totalMedian) || totalMedian <= 0 {
		return "—"
	}
	switch w.rate {
	case rateMiB:
		return fmt.Sprintf("%.0f MiB/s", s.bytes/(1<<20)*1000/totalMedian)
	case rateOps:
		return count(int(math.Round(s.ops*1000/totalMedian))) + " ops/s"
	}
	return ""
}

const rowFormat = "%-44s %-10s %10s %10s %10s %14s %9s %5s\n"

func report(b *strings.Builder, env environment, ws []workload, res *results) {
	cfg := env.cfg
	fmt.Fprintf(b, "patchkv benchmark: %s, %d rounds, each a new headless Chromium with a fresh profile, order rotated\n",
		map[bool]string{true: "quick pass", false: "full run"}[cfg.quick], cfg.rounds)
	fmt.Fprintf(b, "browser: %s; machine: %s/%s, %d CPUs (%s); page cores %d, gc between runs %v\n",
		orDash(env.product), goruntime.GOOS, goruntime.GOARCH, goruntime.NumCPU(), orDash(cpuModel()), env.page.Cores, env.page.GC)
	fmt.Fprintf(b, "command: ./build.sh bench %s\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(b, "times: median/min/max over rounds; ×raw = median over rounds of (raw IDB time / impl time) in the same round (>1 is faster)\n\n")

	fmt.Fprintf(b, rowFormat, "workload", "impl", "median", "min", "max", "throughput", "×raw", "n")
	fmt.Fprintf(b, "%s\n", strings.Repeat("-", 44+1+10+1+10+1+10+1+10+1+14+1+9+1+5))
	row := func(w workload, impls []string) {
		for i, impl := range impls {
			title := ""
			if i == 0 {
				title = w.title
			}
			s := res.lookup(impl, w.id)
			if s == nil {
				fmt.Fprintf(b, rowFormat, title, implTitle[impl], "—", "—", "—", "—", "—", fmt.Sprintf("0/%d", res.rounds))
				continue
			}
			per := 1.0
			if w.perOp && s.ops > 0 {
				per = s.ops
			}
			med := median(s.ms)
			lo, hi := minMax(s.ms)
			ratio := "—"
			if impl != coldRef {
				ratio = fmtRatio(speedVsRaw(res, impl, w.id))
			}
			fmt.Fprintf(b, rowFormat, title, implTitle[impl], fmtMS(med/per), fmtMS(lo/per), fmtMS(hi/per),
				fmtRate(w, s, med), ratio, fmt.Sprintf("%d/%d", len(present(s.ms)), res.rounds))
		}
	}
	for _, w := range ws {
		if !w.prep {
			row(w, w.implsOf(cfg.impls))
		}
	}
	for i, w := range coldRows {
		impls := cfg.impls
		if i == len(coldRows)-1 {
			impls = append(append([]string{}, impls...), coldRef)
		}
		row(w, impls)
	}
	fmt.Fprintf(b, "(cold start: a new tab per implementation, HTTP cache disabled, before the page above loads; %q is a page without\n"+
		" storage code, its row is navigation → script start; ready = kv: loadKV resolved, raw: database open, idb-keyval: module imported)\n", implTitle[coldRef])

	fmt.Fprintf(b, "\nsetup, untimed: the %s-key bulk scopes were filled once, in a seed profile copied (without caches) into each\n"+
		" round's new profile:", count(cfg.bulk))
	for _, impl := range cfg.impls {
		if f, ok := env.seedFills[impl]; ok {
			fmt.Fprintf(b, " %s %s;", implTitle[impl], fmtMS(f.MS))
		} else {
			fmt.Fprintf(b, " %s —;", implTitle[impl])
		}
	}
	fmt.Fprintf(b, " (raw IDB and idb-keyval in one transaction, patchkv as un-awaited sets in chunks of 10,000)\n")
	sz := readSizes(env.root)
	fmt.Fprintf(b, "\nsizes: kv.wasm %s raw, %s gzip, %s brotli; idb-keyval dist/index.js %s raw, %s gzip\n",
		fmtBytes(sz.raw), fmtBytes(sz.gzip), fmtBytes(sz.brotli), fmtBytes(sz.ikRaw), fmtBytes(sz.ikGzip))
	if s := res.lookup(implKV, "cold-ready"); s != nil && s.extra["decoded"] != nil {
		fmt.Fprintf(b, "kv.wasm over the wire (cold tabs): %s transferred for %s decoded\n",
			fmtBytes(int64(median(s.extra["encoded"]))), fmtBytes(int64(median(s.extra["decoded"]))))
		at := func(k string) string { return fmtMS(median(s.extra[k])) }
		fmt.Fprintf(b, "patchkv cold start, median ms since navigation: script %s · kv.js requested %s, loaded %s · kv.wasm requested %s,\n"+
			" last byte %s · wasm_exec.js requested %s, loaded %s · compile %s → %s · instantiate %s → %s · Go run %s → main waits %s\n"+
			" · indexedDB.open %s → success %s · kv ready %s · first get %s\n",
			at("start"), at("kvjsStart"), at("kvjsEnd"), at("wasmStart"), at("wasmEnd"), at("wasmExecStart"), at("wasmExecEnd"),
			at("compileStart"), at("compileEnd"), at("instStart"), at("instEnd"), at("runStart"), at("runReturned"), at("idbOpen"), at("idbOpenSuccess"), at("ready"), at("firstGet"))
	}

	fmt.Fprintf(b, "\ntargets (issues 4, 9 and 13), patchkv\n")
	for _, t := range append(targets(res, sz), scopeTargets(res, cfg.scopes)...) {
		status := "n/a "
		if !math.IsNaN(t.got) {
			status = map[bool]string{true: "PASS", false: "MISS"}[t.ok(t.got)]
		}
		fmt.Fprintf(b, "  %-4s %-76s %s\n", status, t.what, t.show(t.got))
	}

	reportScopeSteps(b, res, cfg.scopes)
	reportProbe(b, env.probe)
	reportStartup(b, env.startup)

	// Errors, one line per implementation and message, naming the rows it hit.
	type errKey struct{ impl, msg string }
	hits := map[errKey][]string{}
	var order []errKey
	for _, w := range append(append([]workload{}, ws...), coldRows...) {
		for _, impl := range append(append([]string{}, cfg.impls...), coldRef) {
			s := res.lookup(impl, w.id)
			if s == nil {
				continue
			}
			msgs := make([]string, 0, len(s.errs))
			for m := range s.errs {
				msgs = append(msgs, m)
			}
			slices.Sort(msgs)
			for _, m := range msgs {
				k := errKey{impl, m}
				if hits[k] == nil {
					order = append(order, k)
				}
				hits[k] = append(hits[k], fmt.Sprintf("%s%v", w.id, s.errs[m]))
			}
		}
	}
	if len(order) > 0 {
		fmt.Fprintf(b, "\nerrors (workload[rounds])\n")
		for _, k := range order {
			fmt.Fprintf(b, "  %s: %s\n    in %s\n", implTitle[k.impl], k.msg, strings.Join(hits[k], " "))
		}
	}
	fmt.Fprintf(b, "\nwall time %s\n", env.elapsed.Round(1e9))
}

type target struct {
	what string
	got  float64
	ok   func(float64) bool
	show func(float64) string
}

func targets(res *results, sz sizes) []target {
	atLeast := func(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
	atMost := func(x float64) func(float64) bool { return func(v float64) bool { return v <= x } }
	ratio := func(v float64) string { return fmtRatio(v) }
	kb := func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return fmtBytes(int64(v))
	}
	bytesOr := func(n int64) float64 {
		if n < 0 {
			return math.NaN()
		}
		return float64(n)
	}
	precompressed := math.NaN()
	if s := res.lookup(implKV, "cold-ready"); s != nil && s.extra["decoded"] != nil {
		if enc, dec := median(s.extra["encoded"]), median(s.extra["decoded"]); dec > 0 {
			precompressed = enc / dec
		}
	}
	return []target{
		{"awaited set: speed ≥ 0.85× raw IDB", speedVsRaw(res, implKV, "set"), atLeast(0.85), ratio},
		{"awaited get: speed ≥ 0.80× raw IDB", speedVsRaw(res, implKV, "get"), atLeast(0.80), ratio},
		{"un-awaited sets: speed ≥ 5× raw IDB", speedVsRaw(res, implKV, "burst"), atLeast(5), ratio},
		{"ArrayBuffer round trip: time ≤ 1.1× raw IDB", timeRatio(res, implKV, "arraybuffer", implRaw, "arraybuffer"), atMost(1.1), ratio},
		{"Blob round trip: time ≤ 1.1× raw IDB", timeRatio(res, implKV, "blob", implRaw, "blob"), atMost(1.1), ratio},
		{"keys(): time with bulk elsewhere ≤ 1.2× time on a patch with nothing else", timeRatio(res, implKV, "keys-big", implKV, "keys-empty"), atMost(1.2), ratio},
		{"clear(): time with bulk elsewhere ≤ 1.2× time on a patch with nothing else", timeRatio(res, implKV, "clear-big", implKV, "clear-empty"), atMost(1.2), ratio},
		{"awaited update: speed ≥ 0.9× raw IDB get+put in one transaction", speedVsRaw(res, implKV, "update"), atLeast(0.9), ratio},
		{"awaited delete (answering whether it existed): speed ≥ 0.85× raw IDB", speedVsRaw(res, implKV, "delete"), atLeast(0.85), ratio},
		{"awaited set with 10 listeners: speed ≥ 0.9× with none", timeRatio(res, implKV, "set-quiet", implKV, "set-listened"), atLeast(0.9), ratio},
		{"change → another frame: p99 ≤ 20 ms", median(seriesMS(res, implKV, "latency-frame-p99")), atMost(20), fmtMS},
		{"change → a Worker: p99 ≤ 20 ms", median(seriesMS(res, implKV, "latency-worker-p99")), atMost(20), fmtMS},
		{"export, 10,000 small values: time ≤ 1.5× keys+get per scope", timeRatio(res, implKV, "archive-export-small", implKV, "archive-read-small"), atMost(1.5), ratio},
		{"import, 10,000 small values: time ≤ 1.5× set per scope", timeRatio(res, implKV, "archive-import-small", implKV, "archive-write-small"), atMost(1.5), ratio},
		{"export, 64 MiB binary: time ≤ 1.5× keys+get per scope", timeRatio(res, implKV, "archive-export-binary", implKV, "archive-read-binary"), atMost(1.5), ratio},
		{"import, 64 MiB binary: time ≤ 1.5× set per scope", timeRatio(res, implKV, "archive-import-binary", implKV, "archive-write-binary"), atMost(1.5), ratio},
		{"kv.wasm gzip ≤ 650 KB (650,000 B)", bytesOr(sz.gzip), atMost(650_000), kb},
		{"kv.wasm brotli ≤ 500 KB (500,000 B)", bytesOr(sz.brotli), atMost(500_000), kb},
		{"kv.wasm served precompressed (transferred / decoded < 0.5)", precompressed, atMost(0.5), func(v float64) string {
			if math.IsNaN(v) {
				return "—"
			}
			return fmt.Sprintf("%.2f", v)
		}},
		{"cold start, script → kv ready ≤ 80 ms median", median(seriesMS(res, implKV, "cold-ready")), atMost(80), fmtMS},
	}
}

// scopeTargets are issue 13's: with many scopes, patchkv's time at most 1.15×
// raw IndexedDB's with the same layout (creating scopes one by one is bound by
// the browser's upgrades and only reported).
func scopeTargets(res *results, sizes []int) []target {
	var ts []target
	for _, n := range sizes {
		for _, k := range []struct{ id, what string }{
			{"get", "get on 100 scopes"}, {"read", "first get of each scope at once"}, {"create", "create all scopes at once"},
		} {
			id := fmt.Sprintf("scopes-%s-%d", k.id, n)
			ts = append(ts, target{fmt.Sprintf("%s scopes, %s: time ≤ 1.15× raw IDB", count(n), k.what),
				timeRatio(res, implKV, id, implRaw, id), func(v float64) bool { return v <= 1.15 }, fmtRatio})
		}
	}
	return ts
}

func seriesMS(res *results, impl, id string) []float64 {
	if s := res.lookup(impl, id); s != nil {
		return s.ms
	}
	return nil
}

type sizes struct{ raw, gzip, brotli, ikRaw, ikGzip int64 }

// readSizes reads kv.wasm and the files ./build.sh compresses next to it; -1 where
// a file is missing. idb-keyval's module is gzipped here for comparison.
func readSizes(root string) sizes {
	size := func(name string) int64 {
		st, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			return -1
		}
		return st.Size()
	}
	sz := sizes{raw: size("kv.wasm"), gzip: size("kv.wasm.gz"), brotli: size("kv.wasm.br"), ikRaw: -1, ikGzip: -1}
	if b, err := os.ReadFile(filepath.Join(root, "node_modules/idb-keyval/dist/index.js")); err == nil {
		sz.ikRaw = int64(len(b))
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		sz.ikGzip = int64(buf.Len())
	}
	return sz
}

func fmtBytes(n int64) string {
	if n < 0 {
		return "missing"
	}
	return count(int(n)) + " B"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
