//go:build js && wasm

package main

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The kv behaviour a single caller sees (keys, values, order, scopes, errors) is the
// contract suite's (internal/contract/cases, run here through the js.Func entry by
// TestContract). The tests below need the module's insides: its registry and
// connections, a forced panic, Go's memory statistics, a second registry as
// another tab would have, a shortened blocked-upgrade bound.

// TestResolvedWritesAreCommitted closes every connection of the patch and opens it
// anew through the registry: what resolved is there. (That another connection sees
// it at once is the contract case "a resolved write is visible to another
// connection at once".)
func TestResolvedWritesAreCommitted(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	mustRun(t, `await kv.node('n').set('k', {v: 1}); kv.set('h', 2); await kv.delete('h');`, map[string]any{"kv": kv})
	for _, r := range defaultRegistry.roots {
		if r.db.Patch() == patch {
			r.db.Close()
		}
	}
	delete(defaultRegistry.roots, patch)
	again := openPatch(t, patch)
	assert.False(t, again.Equal(kv), "a new root after the registry forgot the patch")
	mustRun(t, `await same(await kv.node('n').get('k'), {v: 1}); await same(await kv.has('h'), false);`, map[string]any{"kv": again})
}

func TestOneFailureRejectsOnlyItsCall(t *testing.T) {
	kv := openKV(t)
	testHook = func(method string) {
		if method == "kv.get" {
			panic("forced failure")
		}
	}
	_, err := run(t, `return kv.get('a')`, map[string]any{"kv": kv})
	testHook = nil
	require.Error(t, err)
	assert.Contains(t, err.Error(), "forced failure")
	mustRun(t, `await kv.set('a', 1); await same(await kv.get('a'), 1);`, map[string]any{"kv": kv})
}

func TestBinaryValuesAreNotCopiedIntoGoMemory(t *testing.T) {
	kv := openKV(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	mustRun(t, `
		const big = new Uint8Array(64 << 20);
		for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
		await kv.set('ab', big.buffer);
		await kv.set('blob', new Blob([big]));
		const back = await kv.get('ab');
		if (!(back instanceof ArrayBuffer) || back.byteLength !== big.length) throw new Error('wrong ArrayBuffer back');
		const view = new Uint8Array(back);
		for (let i = 0; i < view.length; i += 4096) if (view[i] !== (i & 255)) throw new Error('byte ' + i);
		const blob = await kv.get('blob');
		if (!(blob instanceof Blob) || blob.size !== big.length) throw new Error('wrong Blob back');
	`, map[string]any{"kv": kv})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := int64(after.Sys) - int64(before.Sys)
	t.Logf("Go memory grew by %d KiB for a 64 MiB ArrayBuffer and Blob round trip", grown>>10)
	assert.LessOrEqual(t, grown, int64(4<<20))
}

func TestSecondConnectionCreatingScopesConcurrently(t *testing.T) {
	patch := uniquePatch(t)
	a := openPatch(t, patch)
	b := openSecondConnection(t, patch, idbOptionsForTests())
	got := mustRun(t, `
		await a.set('existing', 0);
		const ps = [];
		for (let i = 0; i < 20; i++) {
			ps.push(a.node('a' + i).set('k', i));      // new scope: upgrade from connection a
			ps.push(b.node('b' + i).set('k', i));      // new scope: upgrade from connection b
			ps.push(a.get('existing'));                 // reads of an existing scope meanwhile
			ps.push(b.set('existing', i));
		}
		await Promise.all(ps);
		let sum = 0;
		for (let i = 0; i < 20; i++) sum += await b.node('a' + i).get('k') + await a.node('b' + i).get('k');
		return sum + ':' + (await a.scopes()).length;
	`, map[string]any{"a": a, "b": b})
	assert.Equal(t, "380:41", got.String())
}

func TestWorkerConnectionDuringUpgrades(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	got := mustRun(t, `
		await kv.set('seed', 1);
		// A worker with its own raw IndexedDB connection that behaves well: it
		// closes on versionchange and reopens, while writing its own keys.
		const src = `+"`"+`
			let db;
			function open() { return new Promise((res, rej) => { const r = indexedDB.open(NAME); r.onsuccess = () => { db = r.result; db.onversionchange = () => { db.close(); db = null; }; res(); }; r.onerror = () => rej(r.error); }); }
			onmessage = async (e) => {
				let n = 0;
				for (let i = 0; i < 200; i++) {
					if (!db) await open();
					try {
						await new Promise((res, rej) => { const tx = db.transaction('host', 'readwrite'); tx.objectStore('host').put(i, 'w' + i); tx.oncomplete = res; tx.onabort = () => rej(tx.error); });
						n++;
					} catch (err) { if (db) throw err; i--; }
				}
				postMessage(n);
			};
		`+"`"+`.replace('NAME', JSON.stringify('patchkv:' + patch));
		const w = new Worker(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));
		const done = new Promise((res, rej) => { w.onmessage = (e) => res(e.data); w.onerror = (e) => rej(new Error(e.message)); });
		w.postMessage('go');
		const ps = [];
		for (let i = 0; i < 30; i++) ps.push(kv.node('n' + i).set('k', i));
		await Promise.all(ps);
		const written = await done;
		w.terminate();
		let found = 0;
		for (let i = 0; i < 200; i++) if ((await kv.get('w' + i)) === i) found++;
		return written + ':' + found + ':' + (await kv.scopes()).length;
	`, map[string]any{"kv": kv, "patch": patch})
	assert.Equal(t, "200:200:31", got.String())
}

func TestBlockedUpgradeWaitsThenSucceeds(t *testing.T) {
	patch := uniquePatch(t)
	kv := openSecondConnection(t, patch, idbOptionsForTests())
	got := mustRun(t, `
		await kv.set('seed', 1);
		// A raw connection that ignores versionchange holds the database open.
		const db = await new Promise((res, rej) => { const r = indexedDB.open('patchkv:' + patch); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
		const p = kv.node('new').set('k', 'v');
		setTimeout(() => db.close(), 1500);
		await p;
		return await kv.node('new').get('k');
	`, map[string]any{"kv": kv, "patch": patch})
	assert.Equal(t, "v", got.String())
	assert.Equal(t, 1, blockedWarnings(patch), "progress is reported once")
}

func TestBlockedUpgradeGivesUpAfterTheBound(t *testing.T) {
	patch := uniquePatch(t)
	kv := openSecondConnection(t, patch, idbOptionsForTests())
	_, err := run(t, `
		await kv.set('seed', 1);
		const db = await new Promise((res, rej) => { const r = indexedDB.open('patchkv:' + patch); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
		globalThis.__holder = db;
		return kv.node('new').set('k', 'v');
	`, map[string]any{"kv": kv, "patch": patch})
	require.Error(t, err)
	assert.Equal(t, "TimeoutError", errName(err))
	assert.Contains(t, err.Error(), "did not")
	// Once the holder lets go, the same write works.
	mustRun(t, `globalThis.__holder.close(); await kv.node('new').set('k', 'v'); await same(await kv.node('new').get('k'), 'v');`, map[string]any{"kv": kv})
	mustRun(t, `await same(await kv.get('seed'), 1);`, map[string]any{"kv": kv})
}

// TestReentrantCallFromGetter runs testscripts.Reentrant through the js.Func
// entry (faults/values_test.go runs it through the loader's exported entry).
