//go:build !js

package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

type burstOutcome struct {
	Issued   int            `json:"issued"`
	Resolved int            `json:"resolved"`
	Rejected map[string]int `json:"rejected"`
	Pending  int            `json:"pending"`
	After    string         `json:"after"`
	// BrowserStuck: the call after failed, and a plain indexedDB.open of the
	// database made then got no answer within 5 s either.
	BrowserStuck bool `json:"browserStuck"`
}

// Chromium's "Clear site data" (DevTools' Storage.clearDataForOrigin) deletes the
// origin's databases and force-closes their connections: the connection gets a
// close event and its transactions are aborted. Issue 14 #3: some calls of a
// burst then never settled. Every call must settle (resolve, or reject), and the
// next call works on a new database, unless Chromium never answers an open of
// that database any more (README, Limits: about 1 run in 12 of this test on a
// busy machine): then the call after must fail with a TimeoutError, and a plain
// open of the database must get no answer either, which tells the browser's
// stall from patchkv's.
func TestClearSiteDataDuringBurst(t *testing.T) {
	for round, out := range clearDuringBurst(t, false) {
		assert.Zero(t, out.Pending, "round %d: calls that never settled", round)
		if out.BrowserStuck {
			t.Logf("round %d: Chromium answered no open of the database after the clear, not even a plain one (README, Limits)", round)
			assert.True(t, strings.HasPrefix(out.After, "TimeoutError: "), "round %d: the call after fails with a TimeoutError: %s", round, out.After)
			continue
		}
		assert.Equal(t, "2", out.After, "round %d: a call after the clear works", round)
	}
}

// The same with a loop of awaited reads running alongside, which keeps a
// read-only transaction busy (they share one): a call that found the
// connection gone made Go let go of it before its close event came, and the
// write transactions still on it, which the browser never answers, left their
// calls pending forever (10-21 calls, in 4 of 50 runs) until a connection kv
// lets go of kept settling its calls on close (ops.js drop; 0 of 26 runs since).
// Only settling is asserted: in about 1 run in 20 Chromium then never answers
// the next open of the database either (also without the loop's shared
// transactions), so the call after the clear fails with a TimeoutError, which
// is logged.
func TestClearSiteDataDuringReadLoop(t *testing.T) {
	for round, out := range clearDuringBurst(t, true) {
		assert.Zero(t, out.Pending, "round %d: calls that never settled", round)
	}
}

// clearDuringBurst clears the site's data in the middle of a burst of calls, in
// three rounds of a new tab each, with a loop of awaited reads alongside when
// readLoop is set, and returns what became of the calls.
func clearDuringBurst(t *testing.T, readLoop bool) []burstOutcome {
	b := sharedBrowser(t)
	var outs []burstOutcome
	for round := range 3 {
		p := openTab(t, b, tabOptions{})
		p.openKV(patchID(t) + fmt.Sprint(round))
		// A burst of sets over many tasks: some to the host scope, some creating
		// scopes, some reads, while the clear comes in; with readLoop, awaited
		// reads of one node scope one after another until the burst ends.
		p.eval(`(async (readLoop) => {
			const st = window.burst = { issued: 0, resolved: 0, rejected: {}, promises: [] };
			await kv.set('seed', 1);
			await kv.node('reader').set('k', 1);
			const track = (pr) => {
				st.issued++;
				st.promises.push(pr.then(() => { st.resolved++; }, (e) => { st.rejected[e?.name] = (st.rejected[e?.name] || 0) + 1; }));
			};
			st.running = (async () => {
				for (let task = 0; task < 400; task++) {
					for (let i = 0; i < 10; i++) track(kv.set('k' + task + '-' + i, { task, i, pad: 'x'.repeat(200) }));
					if (task % 20 === 0) track(kv.node('n' + task).set('k', task));
					track(kv.get('seed'));
					await new Promise((r) => setTimeout(r, 2));
				}
			})();
			st.reading = (async () => {
				let done = !readLoop;
				st.running.then(() => { done = true; });
				for (let n = 1; !done; n++) {
					const pr = kv.node('reader').get('k');
					track(pr);
					await pr.catch(() => {});
					// Once the clear has deleted the scope a get answers at once:
					// let the burst's timers run.
					if (n % 20 === 0) await new Promise((r) => setTimeout(r, 0));
				}
			})();
			return true;
		})(`+fmt.Sprint(readLoop)+`)`, nil)
		time.Sleep(time.Duration(150+100*round) * time.Millisecond)
		origin := serverURL(t, plain)
		p.run(20*time.Second, chromedp.ActionFunc(func(ctx context.Context) error {
			return storage.ClearDataForOrigin(origin, "all").Do(ctx)
		}))
		var out burstOutcome
		p.eval(`(async () => {
			const st = window.burst;
			await st.running;
			await st.reading;
			const all = Promise.all(st.promises).then(() => 'settled');
			const limit = new Promise((r) => setTimeout(() => r('timeout'), 15000));
			await Promise.race([all, limit]);
			const rejected = Object.values(st.rejected).reduce((a, b) => a + b, 0);
			let after, browserStuck = false;
			try { await kv.set('after', 2); after = String(await kv.get('after')); } catch (e) {
				after = e.name + ': ' + e.message;
				// Does the browser answer an open of the database at all?
				browserStuck = await new Promise((res) => {
					const req = indexedDB.open('patchkv:' + kv.patch);
					const timer = setTimeout(() => res(true), 5000);
					req.onsuccess = () => { clearTimeout(timer); req.result.close(); res(false); };
					req.onerror = () => { clearTimeout(timer); res(false); };
				});
			}
			return { issued: st.issued, resolved: st.resolved, rejected: st.rejected, pending: st.issued - st.resolved - rejected, after, browserStuck };
		})()`, &out)
		t.Logf("round %d: %d calls: %d resolved, rejected %v, never settled %d; the call after: %s (the browser stuck: %v)", round, out.Issued, out.Resolved, out.Rejected, out.Pending, out.After, out.BrowserStuck)
		outs = append(outs, out)
	}
	return outs
}
