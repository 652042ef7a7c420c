//go:build !js

package faults

import (
	"context"
	"fmt"
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
}

// Chromium's "Clear site data" (DevTools' Storage.clearDataForOrigin) deletes the
// origin's databases and force-closes their connections: the connection gets a
// close event and its transactions are aborted. Issue 14 #3: some calls of a
// burst then never settled. Every call must settle (resolve, or reject), and the
// next call works on a new database.
func TestClearSiteDataDuringBurst(t *testing.T) {
	b := sharedBrowser(t)
	for round := range 3 {
		p := openTab(t, b, tabOptions{})
		p.openKV(patchID(t) + fmt.Sprint(round))
		// A burst of sets over many tasks: some to the host scope, some creating
		// scopes, some reads, while the clear comes in.
		p.eval(`(async () => {
			const st = window.burst = { issued: 0, resolved: 0, rejected: {}, promises: [] };
			await kv.set('seed', 1);
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
			return true;
		})()`, nil)
		time.Sleep(time.Duration(150+100*round) * time.Millisecond)
		origin := serverURL(t, plain)
		p.run(20*time.Second, chromedp.ActionFunc(func(ctx context.Context) error {
			return storage.ClearDataForOrigin(origin, "all").Do(ctx)
		}))
		var out burstOutcome
		p.eval(`(async () => {
			const st = window.burst;
			await st.running;
			const all = Promise.all(st.promises).then(() => 'settled');
			const limit = new Promise((r) => setTimeout(() => r('timeout'), 15000));
			await Promise.race([all, limit]);
			const rejected = Object.values(st.rejected).reduce((a, b) => a + b, 0);
			let after;
			try { await kv.set('after', 2); after = String(await kv.get('after')); } catch (e) { after = e.name + ': ' + e.message; }
			return { issued: st.issued, resolved: st.resolved, rejected: st.rejected, pending: st.issued - st.resolved - rejected, after };
		})()`, &out)
		t.Logf("round %d: %d calls: %d resolved, rejected %v, never settled %d", round, out.Issued, out.Resolved, out.Rejected, out.Pending)
		assert.Zero(t, out.Pending, "calls that never settled")
		assert.Equal(t, "2", out.After, "a call after the clear works")
	}
}
