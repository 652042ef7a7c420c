//go:build !js

// Command bench measures patchkv against raw IndexedDB and idb-keyval in headless
// Chromium, over the browser's real IndexedDB, and prints one table.
//
// Each round starts a new Chromium with a fresh profile (holding only the 100,000
// keys of the bulk scopes, filled once per run: see seed.go). It first opens one
// cold tab per implementation (cache disabled) to time loading, then one page
// (bench/page.html) in which every workload of bench/workloads.js runs against
// each implementation, in an order rotated from round to round. Ratios to raw
// IndexedDB are taken per round, between runs in the same browser, and the table
// shows their median. A last browser runs bench/probe.html, which counts patchkv's
// entries into Go per operation (and, with -profile, CPU-profiles them). Speed
// goals live here as printed ratios, never as timed tests.
//
// Run it with ./build.sh bench [flags]; it serves the repository root itself.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/patchies/patchkv/internal/browser"
	"github.com/patchies/patchkv/internal/devserver"
)

// Implementation ids as bench/workloads.js names them; raw is the reference.
const (
	implRaw       = "raw"
	implIdbKeyval = "idb-keyval"
	implKV        = "kv"
)

var allImpls = []string{implRaw, implIdbKeyval, implKV}

// implTitle is how the table names an implementation.
var implTitle = map[string]string{implRaw: "raw IDB", implIdbKeyval: "idb-keyval", implKV: "patchkv", coldRef: "no store"}

// coldRef is the cold-start reference page: no storage code at all.
const coldRef = "none"

type config struct {
	root      string
	rounds    int
	impls     []string
	small     int // awaited set/get count
	burst     int // un-awaited set count
	events    int // un-awaited sets whose change events another frame waits for
	mib       int // binary value size
	binReps   int
	bulk      int // keys held elsewhere in the patch
	scanN     int // keys in the scanned scope
	keysReps  int
	clearReps int
	timeout   time.Duration
	verbose   bool
	out       string
	quick     bool
	probe     bool
	profile   bool
	workloads bool   // the workload rounds (and the cold tabs without cache)
	startup   bool   // the start-up phase of startup.go
	scopes    []int  // patch sizes of the many-scopes rows (issue 13)
	only      string // run only the workloads whose id starts with this
	workers   bool   // also time worker-node starts (bench/workers.go)
	onlyWork  bool   // only that
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.root, "root", "", "repository root to serve (default: the directory holding go.mod)")
	fs.IntVar(&cfg.rounds, "rounds", 7, "rounds, each in a new browser with a fresh profile")
	impls := fs.String("impls", strings.Join(allImpls, ","), "implementations to run (raw is always included)")
	fs.IntVar(&cfg.small, "n", 1000, "awaited sets and gets per round")
	fs.IntVar(&cfg.burst, "burst", 2000, "un-awaited sets per round")
	fs.IntVar(&cfg.events, "events", 10000, "un-awaited sets whose change events another frame must receive")
	fs.IntVar(&cfg.mib, "mib", 16, "binary value size in MiB")
	fs.IntVar(&cfg.binReps, "binreps", 5, "binary round trips per round")
	fs.IntVar(&cfg.bulk, "bulk", 100000, "keys held in another scope of the patch for keys()/clear()")
	fs.IntVar(&cfg.scanN, "scan", 1000, "keys in the scope that keys()/clear() work on")
	fs.IntVar(&cfg.keysReps, "keysreps", 20, "keys() calls per round")
	fs.IntVar(&cfg.clearReps, "clearreps", 5, "clear() calls per round")
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Minute, "limit for one workload of one implementation")
	fs.BoolVar(&cfg.verbose, "v", false, "copy the page's console to stderr")
	fs.StringVar(&cfg.out, "out", "artifacts/bench.txt", "also write the table here (relative to the root)")
	fs.BoolVar(&cfg.probe, "probe", true, "also count patchkv's entries into Go and its time there, per operation")
	fs.BoolVar(&cfg.profile, "profile", false, "with the probe, CPU-profile awaited get and set on a kv.wasm built with names (writes .cpuprofile files next to -out)")
	fs.BoolVar(&cfg.workloads, "workloads", true, "run the workload rounds (with their cache-less cold tabs)")
	fs.BoolVar(&cfg.startup, "startup", true, "run the start-up phase: cold start first and return visits against an empty Go program, and the demo page's load timeline")
	fs.StringVar(&cfg.only, "only", "", "run only the workloads whose id starts with this (e.g. scopes-)")
	scopes := fs.String("scopes", "10,100,1000,3000", "patch sizes (scopes) for the many-scopes rows; empty for none")
	fs.BoolVar(&cfg.workers, "workers", true, "also time worker nodes' start to their first kv.get, and the page's memory with twenty")
	fs.BoolVar(&cfg.onlyWork, "workers-only", false, "run only the worker-node section")
	fs.BoolVar(&cfg.quick, "quick", false, "a fast pass: 2 rounds and smaller workloads (unless set explicitly)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.quick {
		for name, v := range map[string]*int{"rounds": &cfg.rounds, "n": &cfg.small, "burst": &cfg.burst,
			"binreps": &cfg.binReps, "bulk": &cfg.bulk} {
			if !set[name] {
				*v = map[string]int{"rounds": 2, "n": 200, "burst": 1000, "binreps": 1, "bulk": 20000}[name]
			}
		}
	}
	if cfg.rounds < 1 || cfg.small < 1 || cfg.burst < 1 || cfg.events < 1 || cfg.mib < 1 || cfg.binReps < 1 ||
		cfg.bulk < 0 || cfg.scanN < 1 || cfg.keysReps < 1 || cfg.clearReps < 1 {
		return cfg, errors.New("counts must be positive")
	}
	for _, f := range strings.Split(*scopes, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-scopes: bad size %q", f)
		}
		cfg.scopes = append(cfg.scopes, n)
	}
	cfg.impls = []string{implRaw}
	for _, name := range strings.Split(*impls, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case implRaw, "":
		case implIdbKeyval, implKV:
			cfg.impls = append(cfg.impls, name)
		default:
			return cfg, fmt.Errorf("unknown implementation %q (want %s)", name, strings.Join(allImpls, ", "))
		}
	}
	return cfg, nil
}

// findRoot returns the directory holding patchkv's go.mod, from dir upwards.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/patchies/patchkv\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no patchkv go.mod above %s (use -root)", dir)
		}
	}
}

// workload is one group of rows in the table: one JS workload with its parameters.
type workload struct {
	id     string         // results key
	title  string         // row title
	js     string         // function in bench/workloads.js
	patch  string         // patch id the workload runs in
	params map[string]any // passed to the JS function
	prep   bool           // untimed setup: logged, not tabled
	perOp  bool           // table shows ms per operation rather than the total
	rate   rateUnit
	// impls, when set, limits the workload to these implementations (the rest
	// have no such feature: listeners, other contexts, the same layout).
	impls []string
}

// implsOf returns the implementations of impls that w runs on.
func (w workload) implsOf(impls []string) []string {
	if w.impls == nil {
		return impls
	}
	var out []string
	for _, impl := range impls {
		if slices.Contains(w.impls, impl) {
			out = append(out, impl)
		}
	}
	return out
}

// scopeWorkloads are the many-scopes rows (issue 13) for a patch of n scopes,
// patchkv against raw IndexedDB with the same layout (one object store per scope).
func scopeWorkloads(n int) []workload {
	m := min(n, 100)
	only := []string{implRaw, implKV}
	p := func(kind string) string { return fmt.Sprintf("bench-scopes-%s-%d", kind, n) }
	return []workload{
		{id: fmt.Sprintf("scopes-get-%d", n), title: fmt.Sprintf("%s scopes: get on %d of them, awaited", count(n), m), js: "scopesGet100", patch: p("get"), params: map[string]any{"n": n}, impls: only},
		{id: fmt.Sprintf("scopes-read-%d", n), title: fmt.Sprintf("%s scopes: first get of each, at once", count(n)), js: "scopesFirstRead", patch: p("read"), params: map[string]any{"n": n}, impls: only},
		{id: fmt.Sprintf("scopes-create-%d", n), title: fmt.Sprintf("%s scopes: create all at once", count(n)), js: "scopesCreateAll", patch: p("create"), params: map[string]any{"n": n}, impls: only},
		{id: fmt.Sprintf("scopes-one-%d", n), title: fmt.Sprintf("%s scopes: create last %d one by one", count(n), m), js: "scopesCreateOneByOne", patch: p("one"), params: map[string]any{"n": n, "m": m}, impls: only, perOp: true},
	}
}

type rateUnit int

const (
	rateOps rateUnit = iota
	rateMiB
	rateNone
)

func workloads(cfg config) []workload {
	bin := func(kind string) map[string]any {
		return map[string]any{"mib": cfg.mib, "reps": cfg.binReps, "kind": kind}
	}
	scan := func(bulk int) map[string]any {
		return map[string]any{"n": cfg.scanN, "bulk": bulk, "reps": cfg.keysReps}
	}
	clr := func(bulk int) map[string]any {
		return map[string]any{"n": cfg.scanN, "bulk": bulk, "reps": cfg.clearReps}
	}
	big, none := fmt.Sprintf("%dk", cfg.bulk/1000), "nothing"
	ws := []workload{
		{id: "set", title: fmt.Sprintf("set, awaited, %s small values (total)", count(cfg.small)), js: "setAwaited", patch: "bench-1", params: map[string]any{"n": cfg.small}},
		{id: "get", title: fmt.Sprintf("get, awaited, %s small values (total)", count(cfg.small)), js: "getAwaited", patch: "bench-1", params: map[string]any{"n": cfg.small}},
		{id: "burst", title: fmt.Sprintf("set, %s un-awaited, then all (total)", count(cfg.burst)), js: "setBurst", patch: "bench-1", params: map[string]any{"n": cfg.burst}},
		{id: "arraybuffer", title: fmt.Sprintf("%d MiB ArrayBuffer set+get (per trip)", cfg.mib), js: "binary", patch: "bench-1", params: bin("arraybuffer"), perOp: true, rate: rateMiB},
		{id: "blob", title: fmt.Sprintf("%d MiB Blob set+get (per trip)", cfg.mib), js: "binary", patch: "bench-1", params: bin("blob"), perOp: true, rate: rateMiB},
		{id: "prep-big", title: fmt.Sprintf("%s + %s keys", big, count(cfg.scanN)), js: "prepScan", patch: "bench-big", params: scan(cfg.bulk), prep: true},
		{id: "prep-empty", title: fmt.Sprintf("%s keys", count(cfg.scanN)), js: "prepScan", patch: "bench-empty", params: scan(0), prep: true},
		{id: "keys-big", title: fmt.Sprintf("keys(), %s-key scope, %s elsewhere", count(cfg.scanN), big), js: "scanKeys", patch: "bench-big", params: scan(cfg.bulk), perOp: true},
		{id: "keys-empty", title: fmt.Sprintf("keys(), %s-key scope, %s elsewhere", count(cfg.scanN), none), js: "scanKeys", patch: "bench-empty", params: scan(0), perOp: true},
		{id: "clear-big", title: fmt.Sprintf("clear(), %s-key scope, %s elsewhere", count(cfg.scanN), big), js: "clearScan", patch: "bench-big", params: clr(cfg.bulk), perOp: true},
		{id: "clear-empty", title: fmt.Sprintf("clear(), %s-key scope, %s elsewhere", count(cfg.scanN), none), js: "clearScan", patch: "bench-empty", params: clr(0), perOp: true},
		{id: "update", title: fmt.Sprintf("update, awaited, %s increments (total)", count(cfg.small)), js: "updateAwaited", patch: "bench-1", params: map[string]any{"n": cfg.small}},
		{id: "delete", title: fmt.Sprintf("delete, awaited, %s keys (total)", count(cfg.small)), js: "deleteAwaited", patch: "bench-1", params: map[string]any{"n": cfg.small}},
		{id: "set-quiet", title: fmt.Sprintf("set, awaited, %s, no listeners (total)", count(cfg.small)), js: "setListened", patch: "bench-live", params: map[string]any{"n": cfg.small, "listeners": 0}, impls: kvOnly},
		{id: "set-listened", title: fmt.Sprintf("set, awaited, %s, 10 listeners (total)", count(cfg.small)), js: "setListened", patch: "bench-live", params: map[string]any{"n": cfg.small, "listeners": 10}, impls: kvOnly},
		{id: "latency-frame-p50", title: fmt.Sprintf("change → another frame, median of %s", count(cfg.small)), js: "changeLatency", patch: "bench-live", params: map[string]any{"n": cfg.small, "to": "frame", "stat": "p50"}, impls: kvOnly, rate: rateNone},
		{id: "latency-frame-p99", title: fmt.Sprintf("change → another frame, p99 of %s", count(cfg.small)), js: "changeLatency", patch: "bench-live", params: map[string]any{"n": cfg.small, "to": "frame", "stat": "p99"}, impls: kvOnly, rate: rateNone},
		{id: "latency-worker-p50", title: fmt.Sprintf("change → a Worker, median of %s", count(cfg.small)), js: "changeLatency", patch: "bench-live", params: map[string]any{"n": cfg.small, "to": "worker", "stat": "p50"}, impls: kvOnly, rate: rateNone},
		{id: "latency-worker-p99", title: fmt.Sprintf("change → a Worker, p99 of %s", count(cfg.small)), js: "changeLatency", patch: "bench-live", params: map[string]any{"n": cfg.small, "to": "worker", "stat": "p99"}, impls: kvOnly, rate: rateNone},
		{id: "change-burst", title: fmt.Sprintf("%s un-awaited sets → all events in a frame", count(cfg.events)), js: "changeBurst", patch: "bench-live", params: map[string]any{"n": cfg.events}, impls: kvOnly},
	}
	ws = append(ws, archiveWorkloads()...)
	for _, n := range cfg.scopes {
		ws = append(ws, scopeWorkloads(n)...)
	}
	return ws
}

// archiveWorkloads are issue 12's rows: kv.export and kv.import of (a) 10,000
// small values across 200 scopes and (b) 64 MiB of binary, against reading
// (writing) the same data with get (set), one transaction per scope.
func archiveWorkloads() []workload {
	a := func(what, set string) map[string]any { return map[string]any{"what": what, "set": set} }
	const small, bin = "10,000 small values in 200 scopes", "64 MiB binary in 16 values"
	return []workload{
		{id: "archive-export-small", title: "export, " + small, js: "archive", patch: "bench-archive-small", params: a("export", "small"), impls: kvOnly},
		{id: "archive-read-small", title: "  same data: keys+get per scope", js: "archive", patch: "bench-archive-small", params: a("read", "small"), impls: kvOnly},
		{id: "archive-import-small", title: "import, " + small, js: "archive", patch: "bench-archive-small", params: a("import", "small"), impls: kvOnly},
		{id: "archive-write-small", title: "  same data: set per scope", js: "archive", patch: "bench-archive-small", params: a("write", "small"), impls: kvOnly},
		{id: "archive-export-binary", title: "export, " + bin, js: "archive", patch: "bench-archive-binary", params: a("export", "binary"), impls: kvOnly, rate: rateMiB},
		{id: "archive-read-binary", title: "  same data: keys+get per scope", js: "archive", patch: "bench-archive-binary", params: a("read", "binary"), impls: kvOnly, rate: rateMiB},
		{id: "archive-import-binary", title: "import, " + bin, js: "archive", patch: "bench-archive-binary", params: a("import", "binary"), impls: kvOnly, rate: rateMiB},
		{id: "archive-write-binary", title: "  same data: set per scope", js: "archive", patch: "bench-archive-binary", params: a("write", "binary"), impls: kvOnly, rate: rateMiB},
	}
}

// kvOnly limits a workload to patchkv: the others have no change events.
var kvOnly = []string{implKV}

// Cold-start rows: filled from the cold tabs rather than from page workloads.
var coldRows = []workload{
	{id: "cold-ready", title: "cold start: script → ready", rate: rateNone},
	{id: "cold-get", title: "cold start: script → first get done", rate: rateNone},
	{id: "cold-nav", title: "cold start: navigation → first get done", rate: rateNone},
}

// result is what a JS workload returns.
type result struct {
	MS    float64 `json:"ms"`
	Ops   float64 `json:"ops"`
	Bytes float64 `json:"bytes"`
	// Marks are the workload's own times within its run, ms from its start
	// (the many-scopes rows' steps: see traceSteps in workloads.js).
	Marks map[string]float64 `json:"marks,omitempty"`
}

// coldResult is what bench/cold.js returns.
type coldResult struct {
	Start          float64 `json:"start"`
	Ready          float64 `json:"ready"`
	FirstGet       float64 `json:"firstGet"`
	WasmEncoded    float64 `json:"wasmEncoded"`
	WasmDecoded    float64 `json:"wasmDecoded"`
	WasmTransfer   float64 `json:"wasmTransfer"` // bytes over the wire (headers only on a 304)
	WasmFetchStart float64 `json:"wasmFetchStart"`
	WasmFetchEnd   float64 `json:"wasmFetchEnd"`
	KVJSStart      float64 `json:"kvjsStart"`
	KVJSEnd        float64 `json:"kvjsEnd"`
	WasmExecStart  float64 `json:"wasmExecStart"`
	WasmExecEnd    float64 `json:"wasmExecEnd"`
	// Marks along patchkv's load (see bench/cold.js), ms since navigation.
	Marks struct {
		CompileStart     float64 `json:"compileStart"`
		CompileEnd       float64 `json:"compileEnd"`
		InstantiateStart float64 `json:"instantiateStart"`
		InstantiateEnd   float64 `json:"instantiateEnd"`
		RunStart         float64 `json:"runStart"`
		RunReturned      float64 `json:"runReturned"`
		GoCode           float64 `json:"goCode"` // patchkv's own Go code starts (its first eval)
		IDBOpen          float64 `json:"idbOpen"`
		IDBOpenSuccess   float64 `json:"idbOpenSuccess"`
	} `json:"marks"`
}

func run(cfg config) error {
	root := cfg.root
	if root == "" {
		var err error
		if root, err = findRoot("."); err != nil {
			return err
		}
	}
	for _, f := range []string{"bench/page.html", "bench/workloads.js", "bench/cold.js"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	profile := cfg.profile && slices.Contains(cfg.impls, implKV)
	var namedWasm string
	if profile {
		dir, err := os.MkdirTemp("", "patchkv-bench-wasm-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		logf("profile: building kv.wasm with function names")
		if namedWasm, err = buildNamed(root, dir); err != nil {
			return err
		}
	}
	var floorDir string
	if cfg.startup {
		dir, err := os.MkdirTemp("", "patchkv-bench-floor-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if _, err := buildFloor(root, dir); err != nil {
			return err
		}
		floorDir = dir
	}
	srv := httptest.NewServer(isolate(withFloor(devserver.Handler(root), floorDir), namedWasm))
	defer srv.Close()

	if cfg.onlyWork {
		var b strings.Builder
		reportWorkers(&b, runWorkers(cfg, srv.URL))
		fmt.Print(b.String())
		return nil
	}
	ws := workloads(cfg)
	if cfg.only != "" {
		ws = slices.DeleteFunc(ws, func(w workload) bool { return !strings.HasPrefix(w.id, cfg.only) })
	}
	res := newResults(cfg.rounds)
	env := environment{root: root, cfg: cfg}
	began := time.Now()
	if cfg.workloads {
		seed, fills, err := seedProfile(cfg, srv.URL)
		if err != nil {
			return err
		}
		if seed != "" {
			defer os.RemoveAll(seed)
		}
		env.seedFills = fills
		for r := 0; r < cfg.rounds; r++ {
			if err := runRound(cfg, srv.URL, r, ws, res, &env, seed); err != nil {
				return fmt.Errorf("round %d: %w", r+1, err)
			}
		}
	}
	if cfg.startup {
		env.startup = runStartup(cfg, srv.URL, root)
	}
	out := cfg.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if (cfg.probe || profile) && slices.Contains(cfg.impls, implKV) {
		logf("probe: patchkv internals")
		env.probe = runProbe(cfg, srv.URL, profile, filepath.Dir(out))
	}
	var workers workersResult
	if cfg.workers {
		logf("worker nodes")
		workers = runWorkers(cfg, srv.URL)
	}
	env.elapsed = time.Since(began)

	var b strings.Builder
	report(&b, env, ws, res)
	reportWorkers(&b, workers)
	fmt.Print(b.String())
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	logf("table written to %s", out)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// rotate returns s rotated left by k.
func rotate(s []string, k int) []string {
	out := make([]string, 0, len(s))
	for i := range s {
		out = append(out, s[(i+k)%len(s)])
	}
	return out
}

func runRound(cfg config, base string, r int, ws []workload, res *results, env *environment, seed string) error {
	profile, err := os.MkdirTemp("", "patchkv-bench-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	if seed != "" {
		if err := copyProfile(seed, profile); err != nil {
			return fmt.Errorf("copying the seed profile: %w", err)
		}
	}
	ctx, stop, err := startBrowser(profile)
	if err != nil {
		return err
	}
	defer stop()
	if env.product == "" {
		_ = chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			_, product, _, _, _, err := cdpbrowser.GetVersion().Do(ctx)
			env.product = product
			return err
		}))
	}
	if cfg.verbose {
		chromedp.ListenTarget(ctx, consoleLogger("page"))
	}
	logf("round %d/%d: profile %s", r+1, cfg.rounds, profile)

	// Cold starts first, before anything has loaded in this profile.
	for _, impl := range rotate(append(append([]string{}, cfg.impls...), coldRef), r) {
		c, err := coldStart(ctx, cfg, base, impl, r)
		if err != nil {
			if impl != coldRef {
				res.fail(impl, "cold-ready", r, err)
				res.fail(impl, "cold-get", r, err)
			}
			res.fail(impl, "cold-nav", r, err)
			logf("  cold %-10s error: %s", impl, errText(err))
			continue
		}
		res.cold(impl, r, c)
		logf("  cold %-10s ready %6.1f ms after script start, first get %6.1f, nav→get %6.1f", impl, c.Ready-c.Start, c.FirstGet-c.Start, c.FirstGet)
	}

	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/bench/page.html"), evalAwait(`window.benchLoaded`, nil)); err != nil {
		return fmt.Errorf("loading bench/page.html: %w", err)
	}
	if env.page.UserAgent == "" {
		_ = chromedp.Run(ctx, evalAwait(`window.bench.info()`, &env.page))
	}
	broken := map[string]error{}
	record := func(w workload, impl string, out result, err error) {
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("timed out after %v", cfg.timeout)
				broken[impl] = err
			}
			res.fail(impl, w.id, r, err)
			logf("  %-12s %-10s error: %s", w.id, impl, errText(err))
			return
		}
		res.add(impl, w.id, r, out)
		logf("  %-12s %-10s %9.1f ms  (%g ops)", w.id, impl, out.MS, out.Ops)
	}
	for wi, w := range ws {
		order := rotate(w.implsOf(cfg.impls), r+wi)
		for _, impl := range order {
			if err := broken[impl]; err != nil {
				res.fail(impl, w.id, r, fmt.Errorf("skipped: %v", err))
				continue
			}
			out, err := runWorkload(ctx, cfg, w, impl)
			record(w, impl, out, err)
		}
	}
	return nil
}

// runWorkload runs w for impl in the page of ctx and returns what it measured.
func runWorkload(ctx context.Context, cfg config, w workload, impl string) (result, error) {
	expr := fmt.Sprintf("window.bench.run(%s, %s, %s, %s)", jsString(impl), jsString(w.patch), jsString(w.js), jsJSON(w.params))
	var out result
	wctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	err := chromedp.Run(wctx, evalAwait(expr, &out))
	return out, err
}

// startBrowser starts Chromium on profile for one round (gc() exposed to pages). Its
// stop closes the browser and waits until the process has exited, so that the
// profile directory can be removed (or copied) afterwards.
func startBrowser(profile string) (context.Context, func(), error) {
	ctx, cancel, err := browser.Start(context.Background(), profile, chromedp.Flag("js-flags", "--expose-gc"))
	if err != nil {
		return nil, nil, err
	}
	return ctx, func() {
		if err := chromedp.Cancel(ctx); err != nil {
			logf("closing the browser: %v", err)
		}
		cancel()
	}, nil
}

// coldStart opens bench/cold.html for impl in a new tab of the round's browser, with
// the HTTP cache disabled, and returns what the page measured.
func coldStart(bctx context.Context, cfg config, base, impl string, r int) (coldResult, error) {
	tctx, closeTab := chromedp.NewContext(bctx)
	defer closeTab()
	if err := chromedp.Run(tctx); err != nil { // opens the tab, bound to tctx
		return coldResult{}, err
	}
	if cfg.verbose {
		chromedp.ListenTarget(tctx, consoleLogger("cold "+impl))
	}
	ctx, cancel := context.WithTimeout(tctx, time.Minute)
	defer cancel()
	var c coldResult
	url := fmt.Sprintf("%s/bench/cold.html?impl=%s&patch=bench-cold-%d", base, impl, r+1)
	err := chromedp.Run(ctx,
		network.Enable(),
		network.SetCacheDisabled(true),
		chromedp.Navigate(url),
		evalAwait(`window.coldDone`, &c),
	)
	return c, err
}

func evalAwait(expr string, out any) chromedp.Action {
	return chromedp.Evaluate(expr, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own maps of ints and strings reach here
	}
	return string(b)
}

func consoleLogger(who string) func(ev any) {
	return func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			fmt.Fprintf(os.Stderr, "  [%s console.%s] %s\n", who, ev.Type, strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			fmt.Fprintf(os.Stderr, "  [%s exception] %s\n", who, ev.ExceptionDetails.Error())
		}
	}
}

// environment describes where the numbers came from, for the report's header.
type environment struct {
	root    string
	cfg     config
	product string
	page    struct {
		UserAgent string `json:"userAgent"`
		Cores     int    `json:"cores"`
		GC        bool   `json:"gc"`
	}
	probe     probeResult
	startup   *startupResult    // nil when the phase did not run
	seedFills map[string]result // bulk fill of the seed profile, per implementation
	elapsed   time.Duration
}

// cpuModel reads the CPU's name from /proc/cpuinfo ("" when unknown).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 1<<16))
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
