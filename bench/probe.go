//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cdprofiler "github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// probeResult is what bench/probe.js measured: patchkv's entries into Go and the
// time spent there, per operation, beside raw IndexedDB in the same page.
type probeResult struct {
	Isolated bool      `json:"isolated"`
	Load     probeCost `json:"load"`
	Open2    probeCost `json:"open2"`
	Ops      []probeOp `json:"ops"`
	err      error     // why there is no result
	ran      bool      // the probe was attempted
	profiles []profileSummary
}

type probeCost struct {
	Wall    float64 `json:"wall"`
	Entries float64 `json:"entries"`
	GoMS    float64 `json:"goMS"`
	InitMS  float64 `json:"initMS"`
}

type probeOp struct {
	Name    string   `json:"name"`
	Wall    float64  `json:"wall"`
	Raw     *float64 `json:"raw"`
	Entries float64  `json:"entries"`
	GoMS    float64  `json:"goMS"`
}

// namedWasmPath is where the probe page finds kv.wasm built with names (-profile).
const namedWasmPath = "/__bench/kv-named.wasm"

// isolate serves bench/probe.html cross-origin isolated, so that its timers have
// fine steps, and namedWasm (when set) at namedWasmPath; every other path is
// served as the dev server serves it.
func isolate(h http.Handler, namedWasm string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == namedWasmPath && namedWasm != "" {
			w.Header().Set("Content-Type", "application/wasm")
			http.ServeFile(w, r, namedWasm)
			return
		}
		if r.URL.Path == "/bench/probe.html" {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		}
		h.ServeHTTP(w, r)
	})
}

// runProbe opens bench/probe.html in a new browser with a fresh profile; with
// named set, the page loads that kv.wasm and CPU profiles follow, written to outDir.
func runProbe(cfg config, base string, named bool, outDir string) probeResult {
	out := probeResult{ran: true}
	profile, err := os.MkdirTemp("", "patchkv-bench-profile-")
	if err != nil {
		out.err = err
		return out
	}
	defer os.RemoveAll(profile)
	ctx, stop, err := startBrowser(profile)
	if err != nil {
		out.err = err
		return out
	}
	defer stop()
	if cfg.verbose {
		chromedp.ListenTarget(ctx, consoleLogger("probe"))
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	url := base + "/bench/probe.html"
	if named {
		url += "?wasm=" + namedWasmPath
	}
	err = chromedp.Run(ctx, chromedp.Navigate(url), evalAwait(`window.probeDone`, &out))
	out.ran = true
	if err != nil {
		out.err = fmt.Errorf("probe: %s", errText(err))
		return out
	}
	if named {
		for _, k := range []struct {
			kind  string
			count int
		}{{"get", 1000}, {"raw-get", 1000}, {"set", 1000}, {"raw-set", 1000}, {"scopes", 10}, {"raw-scopes", 10}, {"create", 10}, {"raw-create", 10}} {
			out.profiles = append(out.profiles, profileOps(ctx, k.kind, k.count, outDir))
		}
	}
	return out
}

func reportProbe(b *strings.Builder, p probeResult) {
	if !p.ran {
		return
	}
	fmt.Fprintf(b, "\npatchkv internals (one more fresh browser; JS→Go entries counted by subclassing wasm_exec.js's Go; \"in Go\" includes the JS\n"+
		" that Go calls, e.g. IndexedDB requests; cross-origin isolated page: %v)\n", p.Isolated)
	if p.err != nil {
		fmt.Fprintf(b, "  %v\n", p.err)
		return
	}
	fmt.Fprintf(b, "  loadKV, first patch: %s wall, %s in Go (%s of it Go's init until main waits), %.0f entries into Go\n",
		fmtMS(p.Load.Wall), fmtMS(p.Load.GoMS), fmtMS(p.Load.InitMS), p.Load.Entries)
	fmt.Fprintf(b, "  loadKV, second patch: %s wall, %s in Go, %.0f entries into Go\n", fmtMS(p.Open2.Wall), fmtMS(p.Open2.GoMS), p.Open2.Entries)
	const f = "  %-52s %11s %11s %11s %9s %11s\n"
	fmt.Fprintf(b, f, "operation (per op)", "patchkv", "raw IDB", "kv − raw", "Go entries", "in Go")
	for _, o := range p.Ops {
		raw, diff := "—", "—"
		if o.Raw != nil {
			raw, diff = fmtUS(*o.Raw), fmtUS(o.Wall-*o.Raw)
		}
		fmt.Fprintf(b, f, o.Name, fmtUS(o.Wall), raw, diff, fmt.Sprintf("%.2f", o.Entries), fmtUS(o.GoMS))
	}
	reportProfiles(b, p.profiles)
}

// fmtUS writes milliseconds as microseconds.
func fmtUS(ms float64) string {
	return fmt.Sprintf("%.0f µs", ms*1000)
}

// profileSummary is a CPU profile of one kind of patchkv operation, by function
// (self time) and by where the function lives.
type profileSummary struct {
	Kind   string
	Count  int
	WallMS float64
	File   string
	Top    []fnCost
	Groups []fnCost
	err    error
}

type fnCost struct {
	Name string
	MS   float64
}

// buildNamed builds kv.wasm with its function names kept (./build.sh strips them
// with -s -w), so that a profile names Go functions; it returns the file.
func buildNamed(root, dir string) (string, error) {
	out := filepath.Join(dir, "kv.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building kv.wasm with names: %v: %s", err, b)
	}
	return out, nil
}

// profileOps samples the CPU while the probe page runs count operations of kind.
func profileOps(ctx context.Context, kind string, count int, outDir string) profileSummary {
	sum := profileSummary{Kind: kind, Count: count}
	var prof *cdprofiler.Profile
	err := chromedp.Run(ctx,
		cdprofiler.Enable(),
		cdprofiler.SetSamplingInterval(50),
		cdprofiler.Start(),
		evalAwait(fmt.Sprintf("window.probeProfile(%s, %d)", jsString(kind), count), &sum.WallMS),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			prof, err = cdprofiler.Stop().Do(ctx)
			return err
		}),
	)
	if err != nil {
		sum.err = fmt.Errorf("profile %s: %s", kind, errText(err))
		return sum
	}
	if b, err := json.Marshal(prof); err == nil {
		sum.File = filepath.Join(outDir, "probe-"+kind+".cpuprofile")
		if err := os.WriteFile(sum.File, b, 0o644); err != nil {
			sum.File = ""
		}
	}
	byNode := map[int64]*cdprofiler.ProfileNode{}
	for _, n := range prof.Nodes {
		byNode[n.ID] = n
	}
	self := map[string]float64{}
	groups := map[string]float64{}
	for i, id := range prof.Samples {
		if i >= len(prof.TimeDeltas) {
			break
		}
		ms := float64(prof.TimeDeltas[i]) / 1000
		n := byNode[id]
		if n == nil || n.CallFrame == nil {
			continue
		}
		name, group := classify(n.CallFrame.FunctionName, n.CallFrame.URL)
		self[name] += ms
		groups[group] += ms
	}
	sum.Top = topCosts(self, 15)
	sum.Groups = topCosts(groups, 0)
	return sum
}

// classify names a profile frame and the part of the program it belongs to.
func classify(fn, url string) (name, group string) {
	fn = strings.TrimPrefix(fn, "$")
	switch {
	case fn == "(idle)":
		return fn, "idle (waiting for IndexedDB)"
	case fn == "(program)":
		return fn, "browser native (program)"
	case fn == "(garbage collector)":
		return fn, "V8 garbage collector"
	case strings.HasPrefix(url, "wasm://") || strings.HasSuffix(url, ".wasm"):
		switch {
		case strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") || strings.HasPrefix(fn, "sync."):
			group = "Go runtime (wasm)"
		case strings.HasPrefix(fn, "syscall/js."):
			group = "syscall/js (wasm)"
		case strings.HasPrefix(fn, "github.com/patchies/patchkv/"):
			group = "patchkv Go code (wasm)"
		default:
			group = "other Go (wasm)"
		}
		return fn, group
	case strings.HasSuffix(url, "/wasm_exec.js"):
		return "wasm_exec.js " + fn, "wasm_exec.js (JS side of syscall/js)"
	case url == "":
		if fn == "" {
			fn = "(anonymous native)"
		}
		return fn, "browser native (IndexedDB, Promise, …)"
	}
	base := url[strings.LastIndex(url, "/")+1:]
	if fn == "" {
		fn = "(anonymous)"
	}
	return base + " " + fn, "page JavaScript (" + base + ")"
}

func topCosts(m map[string]float64, n int) []fnCost {
	out := make([]fnCost, 0, len(m))
	for k, v := range m {
		out = append(out, fnCost{k, v})
	}
	slices.SortFunc(out, func(a, b fnCost) int {
		if a.MS != b.MS {
			if a.MS > b.MS {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// reportProfiles prints each patchkv profile beside raw IndexedDB's profile of the
// same operation ("raw-" + kind), per call.
func reportProfiles(b *strings.Builder, ps []profileSummary) {
	byKind := map[string]profileSummary{}
	for _, p := range ps {
		byKind[p.Kind] = p
	}
	for _, p := range ps {
		if strings.HasPrefix(p.Kind, "raw-") {
			continue
		}
		raw, ok := byKind["raw-"+p.Kind]
		if p.err != nil || !ok || raw.err != nil {
			fmt.Fprintf(b, "  profile %s: %v %v\n", p.Kind, p.err, raw.err)
			continue
		}
		perCall := func(s profileSummary) map[string]float64 {
			m := map[string]float64{}
			for _, g := range s.Groups {
				m[g.Name] = g.MS / float64(s.Count)
			}
			return m
		}
		kvG, rawG := perCall(p), perCall(raw)
		what := fmt.Sprintf("%d awaited %s calls", p.Count, p.Kind)
		switch p.Kind {
		case "scopes":
			what = fmt.Sprintf("%d patch loads (a get on each of 1,000 scopes at once, on a new connection; per load)", p.Count)
		case "create":
			what = fmt.Sprintf("%d creations of 100 scopes at once (one set each; per creation)", p.Count)
		}
		fmt.Fprintf(b, "\n  CPU profile, %s, kv.wasm built with names (DevTools files: %s, %s)\n",
			what, orDash(p.File), orDash(raw.File))
		f := "    %-50s %10s %10s %10s\n"
		fmt.Fprintf(b, f, "self time per call, by part", "patchkv", "raw IDB", "kv − raw")
		var kvSum, rawSum float64
		for _, g := range p.Groups {
			kvSum += kvG[g.Name]
			rawSum += rawG[g.Name]
			fmt.Fprintf(b, f, g.Name, fmtUS(kvG[g.Name]), fmtUS(rawG[g.Name]), fmtUS(kvG[g.Name]-rawG[g.Name]))
		}
		for _, g := range raw.Groups {
			if _, seen := kvG[g.Name]; !seen {
				rawSum += rawG[g.Name]
				fmt.Fprintf(b, f, g.Name, fmtUS(0), fmtUS(rawG[g.Name]), fmtUS(-rawG[g.Name]))
			}
		}
		fmt.Fprintf(b, f, "total (wall per call)", fmtUS(p.WallMS/float64(p.Count)), fmtUS(raw.WallMS/float64(raw.Count)),
			fmtUS(p.WallMS/float64(p.Count)-raw.WallMS/float64(raw.Count)))
		fmt.Fprintf(b, "    patchkv's top functions, self time per call:\n")
		for _, fn := range p.Top {
			fmt.Fprintf(b, "      %-58s %9s\n", trimTo(fn.Name, 58), fmtUS(fn.MS/float64(p.Count)))
		}
	}
}

func trimTo(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
