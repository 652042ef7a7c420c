//go:build !js

package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A patch's data as a whole across contexts (README "Export and import"):
// removeScope and destroy from one page while another page and two Workers use
// the patch, and an import that runs out of disk. Single-context behaviour is in
// the contract suite (internal/contract/cases/archive.js).

type resetSeen struct {
	Op    string `json:"op"`
	Scope *struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"scope"`
}

func resets(changes []resetSeen) []string {
	var out []string
	for _, c := range changes {
		if c.Op != "reset" {
			continue
		}
		if c.Scope == nil {
			out = append(out, "*")
		} else {
			out = append(out, c.Scope.Kind+":"+c.Scope.Name)
		}
	}
	return out
}

// Page 0 removes a scope and then destroys the patch while page 1 and both
// Workers have it open and listen: each gets 'reset' for the removed scope and
// for the whole patch, and its next calls work (reads find nothing, a write
// creates the database again, seen by everyone).
func TestRemoveScopeAndDestroyWhileOthersUseThePatch(t *testing.T) {
	patch := patchID(t)
	pages := twoPagesTwoWorkers(t, patch)
	pages[0].eval(`(async () => {
		await kv.store('gone').set('a', 1);
		await kv.node('stays').set('b', 2);
		return true;
	})()`, nil)
	for _, p := range pages {
		p.eval(`(async () => {
			faults.listen(kv, 'page');
			await worker.call('listen', 'worker');
			// Both have used the patch: their connections are open.
			return [await kv.store('gone').get('a'), await worker.call('dump', [{kind: 'store', name: 'gone'}])];
		})()`, nil)
	}

	var existed bool
	pages[0].eval(`kv.removeScope({kind: 'store', name: 'gone'})`, &existed)
	assert.True(t, existed)
	var after struct {
		Keys   []string `json:"keys"`
		Worker any      `json:"worker"`
	}
	pages[1].eval(`(async () => ({ keys: await kv.store('gone').keys(), worker: await worker.call('dump', [{kind: 'node', name: 'stays'}]) }))()`, &after)
	assert.Empty(t, after.Keys, "the other page reads the removed scope as empty")

	pages[0].eval(`kv.destroy().then(() => true)`, nil)
	for i, p := range pages {
		var page, work []resetSeen
		p.eval(`faults.heard(kv, 'page', 2, 5000)`, &page)
		p.eval(`worker.call('heard', 'worker', 2, 5000)`, &work)
		assert.Equal(t, []string{"store:gone", "*"}, resets(page), "page %d's listener", i)
		assert.Equal(t, []string{"store:gone", "*"}, resets(work), "page %d's worker's listener", i)
	}

	// Everyone's next calls work: the data is gone, a write recreates the database.
	var got []any
	pages[1].eval(`(async () => [await kv.node('stays').get('b') ?? null, await worker.call('dump', [{kind: 'node', name: 'stays'}])])()`, &got)
	assert.Nil(t, got[0], "the other page reads nothing after destroy")
	var v any
	pages[1].eval(`worker.call('bump', 'w', 'k', 3)`, &v)
	assert.Equal(t, 3.0, v)
	pages[0].eval(`kv.store('w').get('k')`, &v)
	assert.Equal(t, 3.0, v, "a write from the other page's Worker created the database again")
	pages[1].eval(`kv.set('again', 1).then(() => kv.get('again'))`, &v)
	assert.Equal(t, 1.0, v)
}

// An import that fills the disk mid-way rejects with QuotaExceededError and no
// key of the patch changes (a snapshot before and after); an import that fits
// then works.
func TestImportRunsOutOfQuota(t *testing.T) {
	p := smallStorageTab(t)
	p.openKV(patchID(t))
	var r struct {
		Name, Message string
		Same          bool
		Before, After int
		Fits          any
	}
	require.NoError(t, p.evalErr(4*time.Minute, `(async () => {
		const archive = await import('/js/archive.js');
		await kv.set('a', 'before');
		await kv.node('n').set('bin', faults.random(1 << 20));
		const snapshot = async () => {
			const out = [];
			for (const s of await kv.scopes()) {
				const st = faults.scopeOf(kv, s);
				for (const k of await st.keys()) out.push(s.kind + ':' + s.name + ':' + k + '=' + faults.fnv(new Uint8Array(await new Blob([JSON.stringify(await st.get(k)) ?? '', (await st.get(k)) instanceof Uint8Array ? await st.get(k) : '']).arrayBuffer())));
			}
			return out.join('\n');
		};
		const before = await snapshot();
		// 80 MiB of ArrayBuffers, written over the patch's own keys and into new scopes.
		const big = { kind: 'store', name: 'big', keys: [], values: [] };
		for (let i = 0; i < 80; i++) { big.keys.push('b' + i); big.values.push(faults.random(1 << 20).buffer); }
		const file = archive.encode('elsewhere', [
			{ kind: 'host', name: '', keys: ['a'], values: ['from the file'] },
			{ kind: 'node', name: 'n', keys: ['bin'], values: [new Uint8Array(3)] },
			big,
		]);
		let err;
		try { await kv.import(file, { mode: 'replace' }); } catch (e) { err = e; }
		const after = await snapshot();
		const small = archive.encode('elsewhere', [{ kind: 'host', name: '', keys: ['a'], values: ['fits'] }]);
		await kv.import(small);
		return { name: err?.name ?? 'resolved', message: String(err?.message ?? ''), same: before === after,
			before: before.length, after: after.length, fits: await kv.get('a') };
	})()`, &r))
	t.Logf("import of 80 MiB on a full disk: %s: %s", r.Name, r.Message)
	require.Equal(t, "QuotaExceededError", r.Name, r.Message)
	assert.Contains(t, r.Message, "storage is full", "the message says what is wrong")
	assert.True(t, r.Same, "keys changed by the failed import (snapshot %d → %d bytes)", r.Before, r.After)
	assert.Equal(t, "fits", r.Fits, "an import that fits works afterwards")
}
