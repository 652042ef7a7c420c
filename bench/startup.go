//go:build !js

package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/patchies/patchkv/internal/devserver"
)

// The start-up phase (issue 13): first and return visits, with the HTTP cache on as
// a user has it.
//
//   - Cold start: navigation → first get done, for patchkv, raw IndexedDB,
//     idb-keyval, and an empty Go WebAssembly program reaching main (bench/floor,
//     the floor under any Go module). The first visit starts from an empty HTTP
//     cache; the return visit opens the same URL in a new tab a moment later,
//     revalidating what it cached (304s). V8 compiles kv.wasm again on the return
//     visit: Chromium caches a WebAssembly module's compiled code only once about
//     1 MB of it has been optimized (TurboFan), and kv.wasm's functions never get
//     that hot (traces of the demo page show no cached module even after a first
//     visit of 15 s, and 618 functions compiled lazily on the return visit).
//   - The page: navigation → the demo patch showing its restored state (its two
//     counters showing the counts they read from kv), first visit and reload,
//     with a timeline of marks (bench/pageload.js).
//
// Each round is a new Chromium with a fresh profile; ratios are taken within the
// round and the medians printed.

// floorPath is where the server sends the floor program's wasm.
const floorPath = "/bench/floor.wasm"

// startupImpls are the cold-start pages, in the order of the report.
var startupImpls = []string{implKV, implRaw, implIdbKeyval, implFloor}

const implFloor = "floor"

// returnPause is how long the first visit's page stays open before it closes and
// the return visit begins: a user spends a moment on a page (Chromium would write
// a WebAssembly module to its code cache only once its functions tier up, which
// kv.wasm's do not in a visit).
const returnPause = 3 * time.Second

// visit names the two visits of each measurement.
var visits = []string{"first", "return"}

// startupResult holds the phase's series, per round (NaN where a round failed).
type startupResult struct {
	ran    bool
	err    error
	rounds int
	// cold[impl][visit]: navigation → first get done (floor: → main runs).
	cold map[string]map[string][]float64
	// coldMarks[visit][mark]: patchkv's cold-start marks.
	coldMarks map[string]map[string][]float64
	// page[visit]: navigation → state shown; pageMarks[visit][mark] the timeline.
	page      map[string][]float64
	pageMarks map[string]map[string][]float64
	counter   map[string]string // what the counters showed, last round
	errs      []string
}

func newStartupResult(rounds int) *startupResult {
	s := &startupResult{ran: true, rounds: rounds, cold: map[string]map[string][]float64{},
		coldMarks: map[string]map[string][]float64{}, page: map[string][]float64{},
		pageMarks: map[string]map[string][]float64{}, counter: map[string]string{}}
	for _, impl := range startupImpls {
		s.cold[impl] = map[string][]float64{}
		for _, v := range visits {
			s.cold[impl][v] = nanSlice(rounds)
		}
	}
	for _, v := range visits {
		s.page[v] = nanSlice(rounds)
		s.coldMarks[v] = map[string][]float64{}
		s.pageMarks[v] = map[string][]float64{}
	}
	return s
}

func (s *startupResult) setMark(m map[string]map[string][]float64, visit, name string, round int, v float64) {
	if m[visit][name] == nil {
		m[visit][name] = nanSlice(s.rounds)
	}
	m[visit][name][round] = v
}

func (s *startupResult) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.errs = append(s.errs, msg)
	logf("  startup: %s", msg)
}

// buildFloor builds bench/floor to dir/floor.wasm the way ./build.sh builds kv.wasm.
func buildFloor(root, dir string) (string, error) {
	out := filepath.Join(dir, "floor.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./bench/floor")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building bench/floor: %v: %s", err, b)
	}
	return out, nil
}

// withFloor serves the floor program's wasm (in dir) at floorPath with the dev
// server's handler, so with the same headers and validators as kv.wasm.
func withFloor(h http.Handler, dir string) http.Handler {
	if dir == "" {
		return h
	}
	floor := http.StripPrefix("/bench", devserver.Handler(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == floorPath {
			floor.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// runStartup runs the start-up phase: cfg.rounds browsers, each with a fresh profile.
func runStartup(cfg config, base, root string) *startupResult {
	res := newStartupResult(cfg.rounds)
	script, err := os.ReadFile(filepath.Join(root, "bench", "pageload.js"))
	if err != nil {
		res.fail("%v", err)
		return res
	}
	for r := 0; r < cfg.rounds; r++ {
		logf("startup round %d/%d", r+1, cfg.rounds)
		if err := startupRound(cfg, base, string(script), r, res); err != nil {
			res.fail("round %d: %v", r+1, err)
		}
	}
	return res
}

func startupRound(cfg config, base, script string, r int, res *startupResult) error {
	profile, err := os.MkdirTemp("", "patchkv-bench-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, stop, err := startBrowser(profile)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.verbose {
		chromedp.ListenTarget(ctx, consoleLogger("startup"))
	}
	for _, impl := range rotate(startupImpls, r) {
		// A first visit: nothing of this origin in the HTTP cache.
		if err := chromedp.Run(ctx, network.ClearBrowserCache()); err != nil {
			return err
		}
		url := fmt.Sprintf("%s/bench/cold.html?impl=%s&patch=bench-startup-%d", base, impl, r+1)
		for _, v := range visits {
			linger := returnPause
			if v == "return" {
				linger = 0
			}
			c, err := cachedVisit(ctx, url, linger)
			if err != nil {
				res.fail("cold %s, %s visit: %s", impl, v, errText(err))
				continue
			}
			res.cold[impl][v][r] = c.FirstGet
			if impl == implKV {
				for k, x := range map[string]float64{
					"script": c.Start, "kv.js loaded": c.KVJSEnd, "kv.wasm last byte": c.WasmFetchEnd,
					"compile start": c.Marks.CompileStart, "compile end": c.Marks.CompileEnd,
					"Go run": c.Marks.RunStart, "patchkv's Go code": c.Marks.GoCode, "indexedDB open": c.Marks.IDBOpen, "open success": c.Marks.IDBOpenSuccess,
					"kv ready": c.Ready, "first get": c.FirstGet,
				} {
					res.setMark(res.coldMarks, v, k, r, x)
				}
				res.setMark(res.coldMarks, v, "kv.wasm transferred (KB)", r, c.WasmTransfer/1000)
			}
			if impl == implFloor {
				res.setMark(res.coldMarks, v, "floor Go run", r, c.Marks.RunStart)
			}
			logf("  %-10s %-6s visit: navigation → first get %6.1f ms", implTitle[impl], v, c.FirstGet)
		}
	}

	// The page, first visit then reload.
	if err := chromedp.Run(ctx, network.ClearBrowserCache()); err != nil {
		return err
	}
	return pageVisits(ctx, base, script, r, res)
}

// cachedVisit opens url in a new tab with the HTTP cache on and returns what
// bench/cold.js measured; the tab stays open for linger after that.
func cachedVisit(bctx context.Context, url string, linger time.Duration) (coldResult, error) {
	tctx, closeTab := chromedp.NewContext(bctx)
	defer closeTab()
	defer time.Sleep(linger)
	if err := chromedp.Run(tctx); err != nil {
		return coldResult{}, err
	}
	ctx, cancel := context.WithTimeout(tctx, time.Minute)
	defer cancel()
	var c coldResult
	err := chromedp.Run(ctx, chromedp.Navigate(url), evalAwait(`window.coldDone`, &c))
	return c, err
}

// pageMark names, in timeline order, with their titles.
var pageMarkOrder = []struct{ key, title string }{
	{"htmlLoaded", "HTML"},
	{"domContentLoaded", "DOMContentLoaded"},
	{"res:/js/app.js", "app.js"},
	{"res:/js/kv.js", "kv.js"},
	{"res:/kv.wasm.start", "kv.wasm requested"},
	{"res:/kv.wasm", "kv.wasm last byte"},
	{"res:/wasm_exec.js", "wasm_exec.js"},
	{"compileStart", "compile start"},
	{"compileEnd", "compile end"},
	{"goRun", "Go run"},
	{"idbOpen", "indexedDB.open"},
	{"idbOpenSuccess", "open success"},
	{"kvReady", "kv ready (loadKV resolved)"},
	{"lockRequested", "upgrade lock asked"},
	{"lockGranted", "lock granted"},
	{"upgradeOpen", "upgrade's open"},
	{"upgradeNeeded", "upgradeneeded"},
	{"upgradeSuccess", "upgrade done"},
	{"patchMade", "runtime made"},
	{"layoutRead", "layout read"},
	{"nodesBuilt", "nodes built"},
	{"loadbangs", "loadbangs banged"},
	{"res:/node_modules/p5/lib/p5.min.js.start", "p5 requested"},
	{"res:/node_modules/p5/lib/p5.min.js", "p5 loaded"},
	{"p5Evaluated", "p5 evaluated"},
	{"sketchCanvas", "sketch canvas"},
	{"shown:counter", "js counter shows its count"},
	{"shown:plus", "kv counter's +1 shows its count"},
	{"stateShown", "restored state shown (next frame)"},
	{"patchLoaded", "patch loaded"},
	{"patchReady", "patchReady"},
}

type pageLoad struct {
	Marks     map[string]float64 `json:"marks"`
	Resources map[string]struct {
		Start, End, Transfer float64
	} `json:"resources"`
	Shown string `json:"shown"`
}

// pageVisits opens the demo patch (index.html without ?patch) in a new tab, then
// reloads it, and records when its counters showed their counts.
func pageVisits(bctx context.Context, base, script string, r int, res *startupResult) error {
	tctx, closeTab := chromedp.NewContext(bctx)
	defer closeTab()
	if err := chromedp.Run(tctx,
		page.BringToFront(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(script).Do(ctx)
			return err
		}),
	); err != nil {
		return err
	}
	for _, v := range visits {
		if v == "return" {
			time.Sleep(returnPause)
		}
		ctx, cancel := context.WithTimeout(tctx, time.Minute)
		nav := chromedp.Navigate(base + "/")
		if v == "return" {
			nav = chromedp.Reload()
		}
		var pl pageLoad
		err := chromedp.Run(ctx, nav, evalAwait(`window.__pageload.done`, &pl))
		cancel()
		if err != nil {
			res.fail("page, %s visit: %s", v, errText(err))
			continue
		}
		res.page[v][r] = pl.Marks["stateShown"]
		res.counter[v] = pl.Shown
		for k, x := range pl.Marks {
			res.setMark(res.pageMarks, v, k, r, x)
		}
		for path, e := range pl.Resources {
			res.setMark(res.pageMarks, v, "res:"+path, r, e.End)
			res.setMark(res.pageMarks, v, "res:"+path+".start", r, e.Start)
		}
		logf("  page %-6s visit: navigation → restored state shown %6.1f ms (%s)", v, pl.Marks["stateShown"], pl.Shown)
	}
	return nil
}

// reportStartup prints the phase's rows, timelines and targets.
func reportStartup(b *strings.Builder, s *startupResult) {
	if s == nil || !s.ran {
		return
	}
	fmt.Fprintf(b, "\nstart-up, HTTP cache on (issue 13): median ms (min–max) over %d round(s), each a new browser with a fresh profile;\n"+
		" first visit = empty HTTP cache; return = the same URL in a new tab after the first stayed open %v (304s; kv.wasm compiled again)\n", s.rounds, returnPause)
	fmt.Fprintf(b, "%-52s %-22s %-22s\n", "navigation → first get done", "first visit", "return visit")
	for _, impl := range startupImpls {
		title := implTitle[impl]
		if impl == implFloor {
			title = "empty Go wasm → main (floor)"
		}
		fmt.Fprintf(b, "  %-50s %-22s %-22s\n", title, spread(s.cold[impl]["first"]), spread(s.cold[impl]["return"]))
	}
	fmt.Fprintf(b, "  %-50s %-22s %-22s\n", "patchkv − floor (per round)", spread(diffs(s.cold[implKV]["first"], s.cold[implFloor]["first"])),
		spread(diffs(s.cold[implKV]["return"], s.cold[implFloor]["return"])))
	fmt.Fprintf(b, "  %-50s %-22s %-22s\n", "patchkv ÷ raw IDB (per round)", ratioSpread(s.cold[implKV]["first"], s.cold[implRaw]["first"]),
		ratioSpread(s.cold[implKV]["return"], s.cold[implRaw]["return"]))
	fmt.Fprintf(b, "%-52s %-22s %-22s\n", "the demo page: navigation → its state shown", spread(s.page["first"]), spread(s.page["return"]))
	fmt.Fprintf(b, "  %-50s %-22s %-22s\n", "page − patchkv cold start (per round)", spread(diffs(s.page["first"], s.cold[implKV]["first"])),
		spread(diffs(s.page["return"], s.cold[implKV]["return"])))
	if c := s.counter["return"]; c != "" {
		fmt.Fprintf(b, "  (the counters showed %q on the first visit, %q on reload)\n", s.counter["first"], c)
	}

	fmt.Fprintf(b, "\npatchkv cold start (bench/cold.html), median ms since navigation:\n")
	coldOrder := []string{"script", "kv.js loaded", "kv.wasm last byte", "compile start", "compile end", "Go run", "patchkv's Go code",
		"indexedDB open", "open success", "kv ready", "first get"}
	for _, v := range visits {
		var parts []string
		for _, k := range coldOrder {
			parts = append(parts, fmt.Sprintf("%s %s", k, num(median(s.coldMarks[v][k]))))
		}
		fmt.Fprintf(b, "  %-6s %s · kv.wasm over the wire %s KB\n", v, wrap(strings.Join(parts, " · "), 110, "         "),
			num(median(s.coldMarks[v]["kv.wasm transferred (KB)"])))
	}
	fmt.Fprintf(b, "\nthe demo page's timeline (bench/pageload.js), median ms since navigation, in order:\n")
	for _, v := range visits {
		type at struct {
			title string
			ms    float64
		}
		var line []at
		for _, m := range pageMarkOrder {
			if x := median(s.pageMarks[v][m.key]); !math.IsNaN(x) {
				line = append(line, at{m.title, x})
			}
		}
		slices.SortStableFunc(line, func(a, b at) int {
			switch {
			case a.ms < b.ms:
				return -1
			case a.ms > b.ms:
				return 1
			}
			return 0
		})
		var parts []string
		for _, a := range line {
			parts = append(parts, fmt.Sprintf("%s %s", a.title, num(a.ms)))
		}
		fmt.Fprintf(b, "  %-6s %s\n", v, wrap(strings.Join(parts, " · "), 110, "         "))
	}

	fmt.Fprintf(b, "\ntargets (issue 13)\n")
	targets := []struct {
		what     string
		got, lim float64
	}{
		{"cold start, first visit: patchkv ≤ floor + 10 ms", median(diffs(s.cold[implKV]["first"], s.cold[implFloor]["first"])), 10},
		{"cold start, return visit: patchkv ≤ floor + 10 ms", median(diffs(s.cold[implKV]["return"], s.cold[implFloor]["return"])), 10},
		{"page, first visit: state shown ≤ patchkv cold start + 50 ms", median(diffs(s.page["first"], s.cold[implKV]["first"])), 50},
		{"page, reload: restored state shown ≤ patchkv return visit + 50 ms", median(diffs(s.page["return"], s.cold[implKV]["return"])), 50},
	}
	for _, t := range targets {
		status := "n/a "
		if !math.IsNaN(t.got) {
			status = map[bool]string{true: "PASS", false: "MISS"}[t.got <= t.lim]
		}
		fmt.Fprintf(b, "  %-4s %-70s %+.1f ms\n", status, t.what, t.got)
	}
	reportWhere(b, s)
	for _, e := range s.errs {
		fmt.Fprintf(b, "  error: %s\n", e)
	}
}

// reportWhere says, from the medians of the timelines, which part of each
// start-up row is the browser's (fetching and compiling kv.wasm, opening the
// database), which is Go's start and patchkv's own, and which is the page's.
func reportWhere(b *strings.Builder, s *startupResult) {
	fmt.Fprintf(b, "where the time goes (medians of the timelines above, ms)\n")
	for _, v := range visits {
		m := func(k string) float64 { return median(s.coldMarks[v][k]) }
		browser := math.Max(m("compile end"), m("open success"))
		floorMain := median(s.cold[implFloor][v])
		fmt.Fprintf(b, "  cold start, %-6s the browser: kv.wasm's last byte at %s, read whole by the page at %s,\n"+
			"                      compiled %s → %s, database open %s → %s; both done at %s;\n"+
			"                      then Go's start and patchkv's own to kv ready: %s (Go run at %s) —\n"+
			"                      Go's runtime %s (Go run → patchkv's Go code; the floor's Go run → main %s), patchkv's own\n"+
			"                      %s (its JavaScript evaluated, main, the early connection adopted → kv ready); the floor reached main at %s\n",
			v, num(m("kv.wasm last byte")), num(m("compile start")),
			num(m("compile start")), num(m("compile end")), num(m("indexedDB open")), num(m("open success")), num(browser),
			num(m("kv ready")-browser), num(m("Go run")),
			num(m("patchkv's Go code")-m("Go run")), num(floorMain-m("floor Go run")),
			num(m("kv ready")-m("patchkv's Go code")), num(floorMain))
	}
	for _, v := range visits {
		m := func(k string) float64 { return median(s.pageMarks[v][k]) }
		c := func(k string) float64 { return median(s.coldMarks[v][k]) }
		fmt.Fprintf(b, "  page, %-6s kv ready %s later than in its own page (cold start): the browser, loading the page's other files\n"+
			"                      and running its scripts meanwhile — kv.wasm's last byte at %s (alone %s), its compile %s → %s\n"+
			"                      (alone %s → %s), Go run %s (alone %s), kv ready %s (alone %s)\n",
			v, num(m("kvReady")-c("kv ready")), num(m("res:/kv.wasm")), num(c("kv.wasm last byte")),
			num(m("compileStart")), num(m("compileEnd")), num(c("compile start")), num(c("compile end")),
			num(m("goRun")), num(c("Go run")), num(m("kvReady")), num(c("kv ready")))
		if up := m("upgradeSuccess"); !math.IsNaN(up) {
			fmt.Fprintf(b, "                      its new node scopes' upgrade: the lock asked %s → granted %s (the browser), the upgrade's\n"+
				"                      open %s → upgradeneeded %s → done %s\n",
				num(m("lockRequested")), num(m("lockGranted")), num(m("upgradeOpen")), num(m("upgradeNeeded")), num(up))
		}
		from := math.Max(m("kvReady"), m("layoutRead"))
		fmt.Fprintf(b, "  page, %-6s kv ready at %s, the layout read at %s; then the page's own part until the state shows: %s —\n"+
			"                      the nodes built %s after the layout read; then, once kv is ready too, the js counter's first run\n"+
			"                      (its get and set, answered through the first frame) %s; the loadbangs %s; the Patchies counter's\n"+
			"                      get and the +1 shown %s; the next frame %s\n",
			v, num(m("kvReady")), num(m("layoutRead")), num(m("stateShown")-from),
			num(m("nodesBuilt")-m("layoutRead")), num(m("shown:counter")-math.Max(m("nodesBuilt"), m("kvReady"))),
			num(m("loadbangs")-m("shown:counter")),
			num(m("shown:plus")-m("loadbangs")), num(m("stateShown")-m("shown:plus")))
	}
}

// diffs returns a[i] − b[i] per round (NaN where either is missing).
func diffs(a, b []float64) []float64 {
	out := nanSlice(len(a))
	for i := range a {
		if i < len(b) {
			out[i] = a[i] - b[i]
		}
	}
	return out
}

// num formats ms without a unit ("—" when missing).
func num(ms float64) string {
	if math.IsNaN(ms) {
		return "—"
	}
	return fmt.Sprintf("%.1f", ms)
}

// spread is "median (min–max)" in ms.
func spread(xs []float64) string {
	p := present(xs)
	if len(p) == 0 {
		return "—"
	}
	lo, hi := minMax(xs)
	if len(p) == 1 {
		return num(lo)
	}
	return fmt.Sprintf("%s (%s–%s)", num(median(xs)), num(lo), num(hi))
}

func ratioSpread(a, b []float64) string {
	r := nanSlice(len(a))
	for i := range a {
		if i < len(b) && b[i] > 0 {
			r[i] = a[i] / b[i]
		}
	}
	if len(present(r)) == 0 {
		return "—"
	}
	lo, hi := minMax(r)
	return fmt.Sprintf("×%.2f (%.2f–%.2f)", median(r), lo, hi)
}

// wrap breaks s at " · " so that lines stay under width, continuing with indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, part := range strings.Split(s, " · ") {
		if i > 0 {
			if n+3+len(part) > width {
				b.WriteString("\n" + indent)
				n = len(indent)
			} else {
				b.WriteString(" · ")
				n += 3
			}
		}
		b.WriteString(part)
		n += len(part)
	}
	return b.String()
}
