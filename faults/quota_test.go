//go:build !js

package faults

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fillResult struct {
	Written int `json:"written"`
	Error   *struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		IsError bool   `json:"isError"`
	} `json:"error"`
	Estimate struct {
		Quota float64 `json:"quota"`
		Usage float64 `json:"usage"`
	} `json:"estimate"`
}

// smallDisk returns a Chromium profile directory on a 64 MiB tmpfs, unmounted at
// cleanup. It errors when mounting is not allowed (not root, no CAP_SYS_ADMIN),
// or when PATCHKV_QUOTA=override asks for the fallback.
func smallDisk(tb testing.TB) (string, error) {
	tb.Helper()
	if os.Getenv("PATCHKV_QUOTA") == "override" {
		return "", errors.New("PATCHKV_QUOTA=override")
	}
	profile := filepath.Join(profileDir(tb), "profile")
	require.NoError(tb, os.Mkdir(profile, 0o755))
	if err := syscall.Mount("tmpfs", profile, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size=64m,mode=0755"); err != nil {
		return "", err
	}
	tb.Cleanup(func() {
		// Chromium's helper processes may hold files for a moment after it quits.
		for range 50 {
			if syscall.Unmount(profile, 0) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		_ = syscall.Unmount(profile, syscall.MNT_DETACH)
	})
	return profile, nil
}

// smallStorageTab opens a tab in a browser of its own whose storage runs out
// after about 40 MiB: its profile on a 64 MiB tmpfs (smallDisk), or, where
// mounting is not allowed, the origin's quota set to 40 MiB through the
// DevTools protocol (Storage.overrideQuotaForOrigin).
func smallStorageTab(t *testing.T) *Tab {
	t.Helper()
	profile, mountErr := smallDisk(t)
	ctx, _ := ownBrowser(t, profile)
	p := openTab(t, ctx, tabOptions{})
	if mountErr != nil {
		t.Logf("no tmpfs (%v): limiting the origin's quota with Storage.overrideQuotaForOrigin instead", mountErr)
		origin := serverURL(t, plain)
		p.run(10*time.Second, chromedp.ActionFunc(func(ctx context.Context) error {
			return storage.OverrideQuotaForOrigin(origin).WithQuotaSize(40 << 20).Do(ctx)
		}))
	} else {
		t.Logf("profile on a 64 MiB tmpfs at %s", profile)
	}
	return p
}

// The disk fills up. The browser's profile lives on a 64 MiB tmpfs, so IndexedDB
// runs out of room after some 40 MiB whatever quota it reports; where mounting is
// not allowed, the origin's quota is set to 40 MiB through the DevTools protocol
// (Storage.overrideQuotaForOrigin) instead. Spec §4: set rejects with an error
// named QuotaExceededError (not AbortError, not a bare Error), also for a write to
// a new scope; every earlier value is intact; after deleting some keys, writes
// work again.
func TestStorageFull(t *testing.T) {
	p := smallStorageTab(t)
	p.openKV(patchID(t))

	var r fillResult
	p.eval(`faults.fill(kv, 1 << 20, 400)`, &r)
	t.Logf("storage full after %d values of 1 MiB (estimate: usage %.1f MiB, quota %.1f MiB)",
		r.Written, r.Estimate.Usage/(1<<20), r.Estimate.Quota/(1<<20))
	require.NotNil(t, r.Error, "400 MiB fit")
	assert.Equal(t, "QuotaExceededError", r.Error.Name, r.Error.Message)
	assert.True(t, r.Error.IsError, "the rejection is an Error")
	require.Greater(t, r.Written, 5)

	var newScope struct{ Name, Message string }
	p.eval(`kv.node('new while full').set('k', faults.random(1 << 20)).then(() => ({name: 'resolved'}), (e) => ({name: e.name, message: e.message}))`, &newScope)
	assert.Equal(t, "QuotaExceededError", newScope.Name, "a write to a new scope while full: %s", newScope.Message)

	var bad []string
	p.eval(`faults.checkFilled(kv, `+lit(r.Written)+`, 0)`, &bad)
	assert.Empty(t, bad, "earlier values missing or damaged")

	// Make room: writes work again, and the values kept are still intact.
	var again fillResult
	p.eval(`(async () => {
		for (let i = 0; i < 10; i++) await kv.delete('f' + i);
		return faults.fill(kv, 1 << 20, 5, 'g');
	})()`, &again)
	assert.Nil(t, again.Error, "a write after deleting 10 MiB")
	assert.Equal(t, 5, again.Written)
	p.eval(`faults.checkFilled(kv, `+lit(r.Written)+`, 10)`, &bad)
	assert.Empty(t, bad, "values missing or damaged after making room")
	p.eval(`faults.checkFilled(kv, 5, 0, 'g')`, &bad)
	assert.Empty(t, bad, "values written after making room")
}

// One oversized set shares a transaction with small writes and a read issued in
// the same task, while storage is nearly full. Only the oversized set rejects
// (QuotaExceededError): the small set, the delete and another caller's write
// (the same named store opened from a node) land, each with its own answer, in
// order; the read never resolves with the rolled-back value; no change event is
// sent for the failed write.
func TestOneOversizedWriteFailsAlone(t *testing.T) {
	p := smallStorageTab(t)
	p.openKV(patchID(t))
	var r fillResult
	p.eval(`faults.fill(kv, 1 << 20, 400)`, &r)
	require.NotNil(t, r.Error, "400 MiB fit")
	require.Equal(t, "QuotaExceededError", r.Error.Name)

	type outcome struct {
		Results []string `json:"results"`
		After   []any    `json:"after"`
		Changes []string `json:"changes"`
	}
	var got outcome
	p.eval(`(async () => {
		for (let i = 0; i < 12; i++) await kv.delete('f' + i);      // room for small writes, not for 24 MiB
		const s = kv.store('s'), same = kv.node('other').store('s');
		await s.set('victim', 'v');
		const changes = [];
		kv.watch((c) => changes.push(c.op + ' ' + (c.key ?? '')));
		const settle = (p) => p.then((v) => 'ok ' + String(v), (e) => 'error ' + e.name);
		const calls = [
			s.set('small', 1),
			s.set('huge', faults.random(24 << 20)),
			s.get('huge'),
			s.delete('victim'),
			same.set('neighbour', 2),
			s.get('small'),
		].map(settle);
		const results = await Promise.all(calls);
		const after = [await s.get('small'), await s.has('huge'), await s.has('victim'), await s.get('neighbour')];
		await s.set('last', 1);
		for (let i = 0; i < 100 && !changes.includes('set last'); i++) await new Promise((r) => setTimeout(r, 10));
		return { results, after, changes };
	})()`, &got)
	assert.Equal(t, []string{"ok undefined", "error QuotaExceededError", "ok undefined", "ok true", "ok undefined", "ok 1"}, got.Results,
		"set small, set huge, get huge, delete victim, a neighbour's set, get small")
	assert.Equal(t, []any{1.0, false, false, 2.0}, got.After, "small, has huge, has victim, neighbour")
	assert.Equal(t, []string{"set small", "delete victim", "set neighbour", "set last"}, got.Changes, "change events")

	// Calls made after the shared transaction, before it aborts (a microtask
	// later, a task later), come after its calls are run again: the last write
	// wins and a read sees the writes issued before it. (IndexedDB runs them
	// before the calls run again, which are new transactions: kv holds them.)
	var later outcome
	p.eval(`(async () => {
		const o = kv.store('order');
		const changes = [];
		await o.set('exists', true); // the calls below run at once, not after an upgrade
		const stop = o.subscribe((c) => changes.push(c.op + " " + c.key));
		const settle = (p) => p.then((v) => 'ok ' + String(v), (e) => 'error ' + e.name);
		const calls = [o.set('k', 1), o.set('big', faults.random(24 << 20))];
		await null;
		calls.push(o.set('k', 2), o.get('k'));
		await new Promise((r) => setTimeout(r, 0));
		calls.push(o.set('j', 'later'), o.get('k'), o.has('big'));
		const results = await Promise.all(calls.map(settle));
		const after = [await o.get('k'), await o.get('j')];
		for (let i = 0; i < 100 && changes.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
		stop();
		return { results, after, changes };
	})()`, &later)
	assert.Equal(t, []string{"ok undefined", "error QuotaExceededError", "ok undefined", "ok 2", "ok undefined", "ok 2", "ok false"}, later.Results,
		"set k 1, set big; a microtask later set k 2, get k; a task later set j, get k, has big")
	assert.Equal(t, []any{2.0, "later"}, later.After, "k, j")
	assert.Equal(t, []string{"set k", "set k", "set j"}, later.Changes, "change events, in commit order")
}
