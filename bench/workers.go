//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
)

// workerModes are bench/workers.js's modes, the reference first.
var workerModes = []string{"idb", "kv-module", "kv-compile"}

var workerModeTitle = map[string]string{
	"idb":        "Worker: open IndexedDB, one get",
	"kv-module":  "worker node, page's compiled kv.wasm",
	"kv-compile": "worker node, compiles kv.wasm itself",
}

// workersResult is what the worker-node section measured: per mode and node count, the
// median over rounds of the median and the slowest node's time to its first kv.get,
// and the renderer's resident memory with and without twenty worker nodes.
type workersResult struct {
	ran    bool
	err    error
	rounds int
	first  map[string][]float64 // "mode/n" → per round: median node's ms
	last   map[string][]float64 // "mode/n" → per round: slowest node's ms
	rssKB  map[string][]float64 // "page" (kv loaded, no Workers), "kv-module/20", "idb/20"
	// loop guard: best-of-5 ms of a 10⁸-iteration tight loop, plain and guarded, per round
	loopPlain, loopGuarded []float64
}

// runWorkers opens bench/workers.html in a new browser with a fresh profile and starts
// one and twenty Workers of each mode, rounds times.
func runWorkers(cfg config, base string) workersResult {
	out := workersResult{ran: true, first: map[string][]float64{}, last: map[string][]float64{}, rssKB: map[string][]float64{}}
	profile, err := os.MkdirTemp("", "patchkv-bench-workers-")
	if err != nil {
		out.err = err
		return out
	}
	defer os.RemoveAll(profile)
	bctx, stop, err := startBrowser(profile)
	if err != nil {
		out.err = err
		return out
	}
	defer stop()
	ctx, cancel := context.WithTimeout(bctx, 10*time.Minute)
	defer cancel()
	if cfg.verbose {
		chromedp.ListenTarget(ctx, consoleLogger("workers"))
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/bench/workers.html"), evalAwait(`window.benchLoaded`, nil)); err != nil {
		out.err = err
		return out
	}
	var loop struct{ Plain, Guarded float64 }
	if err := chromedp.Run(ctx, evalAwait(`window.bench.loopOverhead(1e8, 5)`, &loop)); err != nil {
		logf("  loop guard: %v", err)
	} else {
		out.loopPlain = append(out.loopPlain, loop.Plain)
		out.loopGuarded = append(out.loopGuarded, loop.Guarded)
		logf("  loop guard: 1e8 iterations plain %.0f ms, guarded %.0f ms", loop.Plain, loop.Guarded)
	}
	rounds := min(cfg.rounds, 5)
	out.rounds = rounds
	for r := 0; r < rounds; r++ {
		chromedp.Run(ctx, chromedp.Evaluate(`window.gc?.()`, nil)) //nolint:errcheck // best effort
		rss, err := rendererRSS(ctx)
		if err != nil {
			logf("  workers: renderer memory: %v", err)
		} else {
			out.rssKB["page"] = append(out.rssKB["page"], rss)
		}
		for _, mode := range rotate(workerModes, r) {
			for _, n := range []int{1, 20} {
				var got struct {
					Times []float64 `json:"times"`
					All   float64   `json:"all"`
				}
				expr := fmt.Sprintf(`window.bench.start(%d, %s, %d)`, n, jsString(mode), r)
				if err := chromedp.Run(ctx, evalAwait(expr, &got)); err != nil {
					out.err = fmt.Errorf("%s × %d: %w", mode, n, err)
					return out
				}
				key := mode + "/" + strconv.Itoa(n)
				out.first[key] = append(out.first[key], median(got.Times))
				out.last[key] = append(out.last[key], got.Times[len(got.Times)-1])
				if n == 20 && mode != "kv-compile" {
					chromedp.Run(ctx, chromedp.Evaluate(`window.gc?.()`, nil)) //nolint:errcheck // best effort
					time.Sleep(500 * time.Millisecond)                         // let the Workers settle
					if rss, err := rendererRSS(ctx); err == nil {
						out.rssKB[key] = append(out.rssKB[key], rss)
					}
				}
				if err := chromedp.Run(ctx, chromedp.Evaluate(`window.bench.stop()`, nil)); err != nil {
					out.err = err
					return out
				}
				logf("  workers %-10s ×%2d: median node %6.1f ms, last %6.1f ms", mode, n, median(got.Times), got.Times[len(got.Times)-1])
			}
		}
	}
	return out
}

// rendererRSS sums the resident memory (KiB) of the browser's renderer processes (the
// page and its Workers share one) from /proc; an error where /proc is not there.
func rendererRSS(ctx context.Context) (float64, error) {
	// SystemInfo is a browser-level domain: ask the browser, not the tab.
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil {
		return 0, fmt.Errorf("no browser in context")
	}
	procs, err := systeminfo.GetProcessInfo().Do(cdp.WithExecutor(ctx, c.Browser))
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, p := range procs {
		if p.Type != "renderer" {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", int(p.ID)))
		if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				total += kb
			}
		}
	}
	return total, nil
}

// reportWorkers writes the worker-node section of the table.
func reportWorkers(b *strings.Builder, w workersResult) {
	if !w.ran {
		return
	}
	fmt.Fprintf(b, "\nworker nodes: time from new Worker to its first completed kv.get (median over %d rounds)\n", w.rounds)
	if w.err != nil {
		fmt.Fprintf(b, "  error: %v\n", w.err)
	}
	fmt.Fprintf(b, "  %-40s %6s %14s %14s\n", "mode", "nodes", "median node", "slowest node")
	for _, mode := range workerModes {
		for _, n := range []int{1, 20} {
			key := mode + "/" + strconv.Itoa(n)
			if len(w.first[key]) == 0 {
				continue
			}
			fmt.Fprintf(b, "  %-40s %6d %11.1f ms %11.1f ms\n", workerModeTitle[mode], n, median(w.first[key]), median(w.last[key]))
		}
	}
	mb := func(k string) string {
		if len(w.rssKB[k]) == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f MiB", median(slices.Clone(w.rssKB[k]))/1024)
	}
	if len(w.loopGuarded) > 0 {
		fmt.Fprintf(b, "  loop guard (js/p5 nodes): 10^8 iterations of one addition: %.0f ms as written, %.0f ms guarded (%.1f ns more per iteration)\n",
			median(w.loopPlain), median(w.loopGuarded), (median(w.loopGuarded)-median(w.loopPlain))/1e2)
	}
	fmt.Fprintf(b, "  renderer memory (RSS, page and its Workers): kv loaded, no Workers %s; 20 worker nodes %s; 20 IndexedDB-only Workers %s\n",
		mb("page"), mb("kv-module/20"), mb("idb/20"))
}
