//go:build js && wasm

package main

import (
	"runtime"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patchies/patchkv/internal/testscripts"
)

func TestRootShape(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	got := mustRun(t, `
		const methods = (o) => Object.keys(o).filter((k) => typeof o[k] === 'function').sort().join(',');
		return [kv.patch, methods(kv), methods(kv.node('n')), methods(kv.store('s')), methods(kv.node('n').store('t'))].join('|');
	`, map[string]any{"kv": kv})
	const store = "clear,delete,get,has,keys,set,store,subscribe,update"
	assert.Equal(t, patch+"|clear,delete,get,has,keys,node,scopes,set,store,subscribe,update,watch|"+store+"|"+store+"|"+store, got.String())

	again := openPatch(t, patch)
	assert.True(t, again.Equal(kv), "opening the same patch twice gives the same root")
}

func TestAnyStringIsAKey(t *testing.T) {
	kv := openKV(t)
	tests := []struct {
		name string
		key  string // a JavaScript expression
	}{
		{"empty", `""`},
		{"proto", `"__proto__"`},
		{"constructor", `"constructor"`},
		{"colon", `":"`},
		{"slash", `"a/b"`},
		{"emoji", `"🎛️🔊"`},
		{"nul", `"a\u0000b"`},
		{"64 KiB", `"k".repeat(65536)`},
		{"lone surrogate", `"\uD800"`},
		{"replacement character", `"\uFFFD"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustRun(t, `
				const key = `+tt.key+`;
				const s = kv.node('keys-' + `+"`"+tt.name+"`"+`);
				await s.set(key, {v: key});
				await same(await s.get(key), {v: key});
				if (!(await s.has(key))) throw new Error('has is false');
				const keys = await s.keys();
				if (keys.length !== 1 || keys[0] !== key) throw new Error('keys() = ' + JSON.stringify(keys));
				await s.delete(key);
				if (await s.has(key)) throw new Error('still there after delete');
			`, map[string]any{"kv": kv})
		})
	}
}

func TestLoneSurrogatesAreNeverMerged(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		await kv.set('\uD800', 'lone high');
		await kv.set('\uDC00', 'lone low');
		await kv.set('\uFFFD', 'replacement');
		await same(await kv.get('\uD800'), 'lone high');
		await same(await kv.get('\uDC00'), 'lone low');
		await same(await kv.get('\uFFFD'), 'replacement');
		await same((await kv.keys()).length, 3);
	`, map[string]any{"kv": kv})

	for _, expr := range []string{`kv.node('\uD800')`, `kv.store('a\uDC00')`, `kv.node('n').store('\uD800')`} {
		_, err := run(t, `return `+expr+`.set('k', 1);`, map[string]any{"kv": kv})
		assert.Equal(t, "TypeError", errName(err), expr)
	}
}

func TestNonStringKeysAreTypeErrors(t *testing.T) {
	kv := openKV(t)
	keys := []string{`1`, `undefined`, `null`, `{}`, `['a']`, `Symbol('a')`, `10n`, `Promise.resolve('a')`, `new Proxy({}, {})`, `new String('a')`, `true`}
	for _, key := range keys {
		for _, call := range []string{`s.get(k)`, `s.set(k, 1)`, `s.has(k)`, `s.delete(k)`} {
			t.Run(key+"/"+call, func(t *testing.T) {
				_, err := run(t, `
					const s = kv.node('typed'); const k = `+key+`;
					let p;
					try { p = `+call+`; } catch (e) { throw new Error('threw synchronously: ' + e); }
					if (!(p instanceof Promise)) throw new Error('not a promise');
					return p;
				`, map[string]any{"kv": kv})
				require.Error(t, err)
				assert.Equal(t, "TypeError", errName(err))
				assert.Contains(t, err.Error(), "key must be a string")
			})
		}
	}
	keysLeft := mustRun(t, `return (await kv.node('typed').keys()).length`, map[string]any{"kv": kv})
	assert.Equal(t, 0, keysLeft.Int(), "nothing written")
}

func TestNodeIDsAndStoreNamesMustBeStrings(t *testing.T) {
	kv := openKV(t)
	for _, expr := range []string{`kv.node(1)`, `kv.node()`, `kv.store(null)`, `kv.store({})`, `kv.node('a').store(2)`, `kv.store('a', 'b')`} {
		t.Run(expr, func(t *testing.T) {
			_, err := run(t, `const s = `+expr+`; return s.get('k');`, map[string]any{"kv": kv})
			assert.Equal(t, "TypeError", errName(err))
		})
	}
	for _, name := range []string{`""`, `"__proto__"`, `":"`, `"host"`, `"node:x"`} {
		mustRun(t, `
			await kv.node(`+name+`).set('k', 'node');
			await kv.store(`+name+`).set('k', 'store');
			await same(await kv.node(`+name+`).get('k'), 'node');
			await same(await kv.store(`+name+`).get('k'), 'store');
		`, map[string]any{"kv": kv})
	}
}

func TestWrongArgumentsAreTypeErrors(t *testing.T) {
	kv := openKV(t)
	calls := []string{
		`kv.get()`, `kv.get('a', 'b')`, `kv.set('a')`, `kv.set('a', 1, 2)`, `kv.has()`, `kv.delete()`,
		`kv.keys(1)`, `kv.clear(1)`, `kv.get.call({}, 'a')`, `kv.set.call(kv.node('x'), 'a', 1)`,
	}
	for _, call := range calls {
		t.Run(call, func(t *testing.T) {
			_, err := run(t, `
				let p;
				try { p = `+call+`; } catch (e) { throw new Error('threw synchronously: ' + e); }
				return p;`, map[string]any{"kv": kv})
			assert.Equal(t, "TypeError", errName(err))
		})
	}
	// Methods work unbound, as a user who destructures them expects.
	mustRun(t, `const { set, get } = kv; await set('a', 1); await same(await get('a'), 1);`, map[string]any{"kv": kv})
	keys := mustRun(t, `return kv.keys()`, map[string]any{"kv": kv})
	assert.Equal(t, 1, keys.Length(), "only the unbound set stored anything")
}

func TestValuesRoundTripWithTheirTypes(t *testing.T) {
	kv := openKV(t)
	values := []struct{ name, expr string }{
		{"null", `null`},
		{"true", `true`},
		{"false", `false`},
		{"number", `42.5`},
		{"NaN", `NaN`},
		{"-0", `-0`},
		{"Infinity", `-Infinity`},
		{"bigint", `123456789012345678901234567890n`},
		{"string", `"héllo"`},
		{"empty string", `""`},
		{"Date", `new Date(1700000000000)`},
		{"RegExp", `/a+b/gi`},
		{"Map", `new Map([[1, 'a'], ['b', {c: 2}]])`},
		{"Set", `new Set([1, 'two', 3n])`},
		{"array", `[1, 'a', [2, [3]], {x: null}]`},
		{"nested object", `{a: {b: {c: [1, 2, {d: 'e'}]}}, 'with space': 1}`},
		{"ArrayBuffer", `new Uint8Array([1, 2, 3, 255]).buffer`},
		{"Uint8Array", `new Uint8Array([0, 1, 254, 255])`},
		{"Uint8ClampedArray", `new Uint8ClampedArray([0, 128, 255])`},
		{"Int8Array", `new Int8Array([-128, 0, 127])`},
		{"Int16Array", `new Int16Array([-32768, 1, 32767])`},
		{"Uint16Array", `new Uint16Array([0, 65535])`},
		{"Int32Array", `new Int32Array([-1, 2 ** 31 - 1])`},
		{"Uint32Array", `new Uint32Array([0, 2 ** 32 - 1])`},
		{"Float32Array", `new Float32Array([1.5, -0, NaN])`},
		{"Float64Array", `new Float64Array([Math.PI, -Infinity])`},
		{"BigInt64Array", `new BigInt64Array([-1n, 2n ** 62n])`},
		{"BigUint64Array", `new BigUint64Array([2n ** 64n - 1n])`},
		{"typed array view with offset", `new Uint16Array(new Uint8Array([9, 9, 1, 0, 2, 0]).buffer, 2, 2)`},
		{"DataView", `new DataView(new Uint8Array([5, 6, 7]).buffer)`},
		{"Blob with type", `new Blob(['hello ', new Uint8Array([0, 255])], {type: 'application/x-test'})`},
		{"File with name", `new File(['png'], 'drawing.png', {type: 'image/png', lastModified: 1700000000000})`},
		{"binary nested", `{image: new Blob(['x'], {type: 'image/png'}), raw: new Uint8Array([1, 2]), list: [new ArrayBuffer(3)]}`},
		{"undefined", `undefined`},
	}
	for _, v := range values {
		t.Run(v.name, func(t *testing.T) {
			mustRun(t, `
				const value = `+v.expr+`;
				await kv.set(`+"`"+v.name+"`"+`, value);
				const got = await kv.get(`+"`"+v.name+"`"+`);
				await same(got, value);
				if (typeof value === 'object' && value !== null && got === value) throw new Error('got the same object back, not a copy');
			`, map[string]any{"kv": kv})
		})
	}
}

func TestUndefinedIsStored(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		const s = kv.node('u');
		await s.set('nothing', undefined);
		if (!(await s.has('nothing'))) throw new Error('has is false');
		if (!(await s.keys()).includes('nothing')) throw new Error('keys() misses it');
		await same(await s.get('nothing'), undefined);
		if (await s.has('missing')) throw new Error('has(missing) is true');
		await s.delete('nothing');
		if ((await s.has('nothing')) !== (await s.keys()).includes('nothing')) throw new Error('has and keys disagree');
	`, map[string]any{"kv": kv})
}

func TestValueIsClonedWhenSetIsCalled(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		// A new scope (set waits for an upgrade) and an existing one (set goes straight in).
		for (const s of [kv.node('fresh'), kv.node('fresh')]) {
			const o = {n: 1, list: [1]};
			const bytes = new Uint8Array([1, 2, 3]);
			const p1 = s.set('o', o);
			const p2 = s.set('b', bytes);
			o.n = 2; o.list.push(2); bytes[0] = 99;
			await Promise.all([p1, p2]);
			await same(await s.get('o'), {n: 1, list: [1]});
			await same(await s.get('b'), new Uint8Array([1, 2, 3]));
		}
	`, map[string]any{"kv": kv})
}

func TestGetReturnsAFreshCopy(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		await kv.set('o', {list: [1, 2]});
		const a = await kv.get('o');
		a.list.push(3);
		const b = await kv.get('o');
		if (a === b) throw new Error('same object twice');
		await same(b, {list: [1, 2]});
	`, map[string]any{"kv": kv})
}

func TestUncloneableValuesRejectWithDataCloneError(t *testing.T) {
	kv := openKV(t)
	for _, expr := range []string{`() => 1`, `Symbol('s')`, `{f() {}}`, `document.createElement('div')`, `new WeakMap()`, `[1, () => 2]`} {
		t.Run(expr, func(t *testing.T) {
			for _, scope := range []string{`kv.node('existing')`, `kv.node('new-' + Math.random())`} {
				mustRun(t, `await kv.node('existing').set('k', 'old');`, map[string]any{"kv": kv})
				_, err := run(t, `
					const s = `+scope+`;
					let p;
					try { p = s.set('k', `+expr+`); } catch (e) { throw new Error('threw synchronously: ' + e); }
					return p;`, map[string]any{"kv": kv})
				require.Error(t, err)
				assert.Equal(t, "DataCloneError", errName(err))
				assert.Contains(t, err.Error(), `"k"`, "the message names the key")
				mustRun(t, `await same(await kv.node('existing').get('k'), 'old');`, map[string]any{"kv": kv})
			}
		})
	}
	// The next call works.
	mustRun(t, `await kv.set('after', 1); await same(await kv.get('after'), 1);`, map[string]any{"kv": kv})
}

func TestEveryMethodReturnsAPromise(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		const s = kv.node('p');
		for (const p of [s.get('a'), s.set('a', 1), s.has('a'), s.delete('a'), s.keys(), s.clear(), kv.scopes()]) {
			if (!(p instanceof Promise)) throw new Error('not a promise: ' + p);
			await p;
		}
	`, map[string]any{"kv": kv})
}

func TestProgramOrderWithoutAwaiting(t *testing.T) {
	kv := openKV(t)
	got := mustRun(t, `
		const out = [];
		for (const s of [kv.node('o1'), kv.node('o1'), kv.store('shared'), kv]) {
			s.set('a', 1); s.set('a', 2);
			out.push(await s.get('a'));
			s.set('x', 1); s.delete('x');
			out.push(await s.has('x'));
			s.set('y', 1); s.clear(); s.set('z', 3);
			out.push((await s.keys()).join(','));
			s.set('r', 'first'); const r = s.get('r'); s.set('r', 'second');
			out.push(await r, await s.get('r'));
		}
		return out.join('|');
	`, map[string]any{"kv": kv})
	assert.Equal(t, "2|false|z|first|second|2|false|z|first|second|2|false|z|first|second|2|false|z|first|second", got.String())
}

func TestManyUnawaitedWritesAllLand(t *testing.T) {
	kv := openKV(t)
	got := mustRun(t, `
		const s = kv.node('burst');
		const ps = [];
		for (let i = 0; i < 2000; i++) ps.push(s.set('k' + String(i).padStart(4, '0'), i));
		await Promise.all(ps);
		const keys = await s.keys();
		let sum = 0;
		for (const k of keys) sum += await s.get(k);
		return keys.length + ':' + sum;
	`, map[string]any{"kv": kv})
	assert.Equal(t, "2000:1999000", got.String())
}

func TestKeysAreAFreshArrayInOrder(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		for (const k of ['b', 'a', 'B', '', 'aa', '\u00e9', '10', '9']) await kv.set(k, 1);
		const a = await kv.keys();
		await same(a, ['', '10', '9', 'B', 'a', 'aa', 'b', '\u00e9']);
		a.push('mutated');
		await same((await kv.keys()).length, 8);
	`, map[string]any{"kv": kv})
}

func TestScopesAreIsolated(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		await kv.node('a').set('k', 'node a');
		await kv.node('b').set('k', 'node b');
		await kv.store('a').set('k', 'store a');
		await kv.set('k', 'host');
		await same(await kv.node('a').get('k'), 'node a');
		await same(await kv.node('b').get('k'), 'node b');
		await same(await kv.store('a').get('k'), 'store a');
		await same(await kv.get('k'), 'host');
		await kv.node('a').clear();
		await same(await kv.node('a').keys(), []);
		await same(await kv.node('b').get('k'), 'node b');
		await same(await kv.store('a').get('k'), 'store a');
		await same(await kv.get('k'), 'host');
	`, map[string]any{"kv": kv})
}

func TestNamedStoresAreShared(t *testing.T) {
	kv := openKV(t)
	mustRun(t, `
		await kv.node('a').store('s').set('from a', 1);
		await kv.node('b').store('s').set('from b', 2);
		await kv.store('s').set('from root', 3);
		await same(await kv.store('s').keys(), ['from a', 'from b', 'from root']);
		await same(await kv.node('a').store('s').get('from b'), 2);
		if (kv.store('s') !== kv.node('x').store('s')) throw new Error('different objects for one store');
		await same(await kv.node('a').keys(), []);
	`, map[string]any{"kv": kv})
}

func TestPatchesAreIsolated(t *testing.T) {
	a, b := openKV(t), openKV(t)
	mustRun(t, `
		await a.set('k', 'a'); await a.node('n').set('k', 'a');
		await same(await b.get('k'), undefined);
		await same(await b.node('n').keys(), []);
		await b.set('k', 'b');
		await same(await a.get('k'), 'a');
	`, map[string]any{"a": a, "b": b})
}

func TestReadingCreatesNothing(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	mustRun(t, `
		const s = kv.node('never');
		await same(await s.get('k'), undefined);
		await same(await s.has('k'), false);
		await same(await s.keys(), []);
		await s.delete('k');
		await s.clear();
		await same(await kv.store('never').get('k'), undefined);
		await same(await rawStoreNames('patchkv:' + patch), []);
		await same(await kv.scopes(), []);
		await kv.node('written').set('k', 1);
		await same(await rawStoreNames('patchkv:' + patch), ['node:written']);
		await same(await kv.scopes(), [{kind: 'node', name: 'written'}]);
	`, map[string]any{"kv": kv, "patch": patch})
}

func TestResolvedWritesAreCommitted(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	mustRun(t, `
		await kv.node('n').set('k', {v: 1});
		// A separate raw IndexedDB connection sees the write the moment set resolved.
		const db = await new Promise((res, rej) => { const r = indexedDB.open('patchkv:' + patch); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
		const v = await new Promise((res, rej) => { const r = db.transaction('node:n').objectStore('node:n').get('k'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
		db.close();
		await same(v, {v: 1});
	`, map[string]any{"kv": kv, "patch": patch})

	// Close every connection and reopen: what resolved is there.
	for _, r := range defaultRegistry.roots {
		if r.db.Patch() == patch {
			r.db.Close()
		}
	}
	delete(defaultRegistry.roots, patch)
	again := openPatch(t, patch)
	mustRun(t, `await same(await kv.node('n').get('k'), {v: 1});`, map[string]any{"kv": again})
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

func TestDatabaseDeletedByAnotherPage(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	mustRun(t, `
		await kv.node('n').set('k', 1);
		await new Promise((res, rej) => { const r = indexedDB.deleteDatabase('patchkv:' + patch); r.onsuccess = res; r.onerror = () => rej(r.error); r.onblocked = () => rej(new Error('delete blocked: kv did not close')); });
		await same(await kv.node('n').get('k'), undefined);
		await kv.node('n').set('k', 2);
		await same(await kv.node('n').get('k'), 2);
	`, map[string]any{"kv": kv, "patch": patch})
}

func TestLoadKVModule(t *testing.T) {
	// The loader itself is exercised by the page tests; here: a bad patch id.
	_, err := await(js.Global().Get("patchkv").Call("open", 42))
	assert.Equal(t, "TypeError", errName(err))
	_, err = run(t, `return patchkv.open('\uD800')`, nil)
	assert.Equal(t, "TypeError", errName(err))
}

func TestNewScopesWrittenTogetherShareOneUpgrade(t *testing.T) {
	patch := uniquePatch(t)
	kv := openPatch(t, patch)
	got := mustRun(t, `
		const version = () => new Promise((res, rej) => { const r = indexedDB.open('patchkv:' + patch); r.onsuccess = () => { const v = r.result.version; r.result.close(); res(v); }; r.onerror = () => rej(r.error); });
		const before = await version();
		const ps = [];
		for (let i = 0; i < 20; i++) ps.push(kv.node('n' + i).set('k', i));
		await Promise.all(ps);
		return (await version()) - before;
	`, map[string]any{"kv": kv, "patch": patch})
	assert.Equal(t, 1, got.Int(), "20 new scopes in one task take one version upgrade")
}

// TestReentrantCallFromGetter runs testscripts.Reentrant through the js.Func
// entry (faults/values_test.go runs it through the loader's exported entry).
func TestReentrantCallFromGetter(t *testing.T) {
	got := mustRun(t, testscripts.Reentrant, map[string]any{"kv": openKV(t)})
	assert.Equal(t, testscripts.ReentrantWant, got.String())
}
