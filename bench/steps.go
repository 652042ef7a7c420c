package main

import (
	"fmt"
	"strings"
)

// The many-scopes rows say where their time goes: the workloads mark the steps
// of their timed runs (traceSteps in workloads.js), and each step between two
// marks is either the code's (patchkv's JavaScript and Go, or raw IndexedDB's
// few lines) or the browser's (the Web Lock's grant, IndexedDB answering; the
// marks cannot take out of those the handler each answer runs, nor garbage
// collection). Medians over rounds of each step, so the parts need not add up
// to the row's median exactly.

// step is the time from mark from ("" is the run's start) to mark to ("" is its
// end), the code's own or the browser's.
type step struct {
	from, to, what string
	browser        bool
}

// upgradeSteps are the steps of an upgrade and the writes after it, from its
// open request on, the same for both implementations.
var upgradeSteps = []step{
	{"upgradeOpen", "upgradeNeeded", "open → upgradeneeded", true},
	{"upgradeNeeded", "storeMade", "upgradeneeded → the first store made", false},
	{"storeMade", "upgradeDone", "the stores made and the upgrade committed", true},
	{"upgradeDone", "firstTx", "the upgrade done → the first write placed", false},
	{"firstTx", "", "the writes placed and committed", true},
}

// createSteps are the steps of creating scopes at once, per implementation.
// patchkv makes its writes first (they wait, parked, for the upgrade its Go
// code asks for under the upgrade lock); raw IndexedDB opens the next version
// first and writes once it is open.
var createSteps = map[string][]step{
	implKV: append([]step{
		{"", "issued", "the writes made", false},
		{"issued", "lockAsked", "its queue until the lock is asked", false},
		{"lockAsked", "lockGranted", "the Web Lock granted", true},
		{"lockGranted", "upgradeOpen", "the grant to the upgrade's open", false},
	}, upgradeSteps...),
	implRaw: append([]step{
		{"", "upgradeOpen", "closing and the upgrade's open", false},
	}, upgradeSteps...),
}

// readSteps are the steps of reading scopes: making the calls (the code's,
// with the browser's transaction and request objects it makes), and waiting
// for their answers (for awaited gets, the time outside the calls).
var readSteps = []step{
	{"", "issued", "the calls made", false},
	{"issued", "", "their answers", true},
}

// stepTimes returns each step's median over the rounds of s, and the sums of
// the code's steps and the browser's; NaN where a mark is missing.
func stepTimes(s *series, steps []step) (each []float64, code, browser float64) {
	for _, st := range steps {
		from, to := s.extra[st.from], s.extra[st.to]
		if st.from == "" {
			from = make([]float64, len(s.ms)) // the run's start: 0 in every round
		}
		if st.to == "" {
			to = s.ms // the run's end
		}
		d := median(diffs(to, from)) // NaN where a mark is missing
		each = append(each, d)
		if st.browser {
			browser += d
		} else {
			code += d
		}
	}
	return each, code, browser
}

// reportScopeSteps prints, for each many-scopes row of sizes whose runs were
// traced, its steps for patchkv and raw IndexedDB and what patchkv's extra time
// is made of.
func reportScopeSteps(b *strings.Builder, res *results, sizes []int) {
	header := false
	for _, n := range sizes {
		for _, row := range []struct {
			id, what string
			steps    map[string][]step
		}{
			{"get", "get on 100 scopes, awaited", map[string][]step{implKV: readSteps, implRaw: readSteps}},
			{"read", "first get of each scope at once", map[string][]step{implKV: readSteps, implRaw: readSteps}},
			{"create", "create all scopes at once", createSteps},
		} {
			id := fmt.Sprintf("scopes-%s-%d", row.id, n)
			kv, raw := res.lookup(implKV, id), res.lookup(implRaw, id)
			if kv == nil || raw == nil || len(kv.extra) == 0 || len(raw.extra) == 0 {
				continue
			}
			if !header {
				fmt.Fprintf(b, "\nwhere the time of the many-scopes rows goes (medians over rounds of each step of the timed runs, ms;\n"+
					" the code's steps are patchkv's JavaScript and Go or raw IndexedDB's own lines; the browser's are the Web Lock\n"+
					" and IndexedDB answering, which include the handler each answer runs and any garbage collection meanwhile)\n")
				header = true
			}
			var lines []string
			var sums [2][2]float64 // impl (kv, raw) × (code, browser)
			for i, impl := range []string{implKV, implRaw} {
				s := kv
				if impl == implRaw {
					s = raw
				}
				steps := row.steps[impl]
				each, code, browser := stepTimes(s, steps)
				sums[i] = [2]float64{code, browser}
				var own, theirs []string
				for j, st := range steps {
					part := fmt.Sprintf("%s %s", st.what, num(each[j]))
					if st.browser {
						theirs = append(theirs, part)
					} else {
						own = append(own, part)
					}
				}
				const indent = "               "
				lines = append(lines,
					wrap(fmt.Sprintf("    %-10s its code %s — %s", implTitle[impl], num(code), strings.Join(own, " · ")), 118, indent),
					wrap(fmt.Sprintf("    %-10s the browser %s — %s", "", num(browser), strings.Join(theirs, " · ")), 118, indent))
			}
			fmt.Fprintf(b, "  %s scopes, %s: patchkv %s, raw IDB %s; patchkv − raw IDB: its code %+.1f, the browser %+.1f\n",
				count(n), row.what, num(median(kv.ms)), num(median(raw.ms)), sums[0][0]-sums[1][0], sums[0][1]-sums[1][1])
			for _, l := range lines {
				fmt.Fprintln(b, l)
			}
		}
	}
}
