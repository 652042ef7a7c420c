// A patch's data as a whole (README "Export and import"): export, import,
// removeScope, destroy, in one context. Bigger and cross-context cases:
// wasm/archive_test.go (every type, 10,000 keys, 64 MiB), faults/archive_test.go
// (other pages and workers, a full disk), e2e/archive_test.go (the page).

(() => {
  /** A value of most kinds the README ("The JavaScript API") names, binary nested included. */
  const values = () => ({
    n: null, t: true, z: -0, nan: NaN, inf: -Infinity, big: 2n ** 70n, s: 'x\uD800y', u: undefined,
    d: new Date(86400000), re: /a.b/gimsuy, m: new Map([['k', new Set([1, 'x'])]]),
    a: [1, [2, { three: 3 }]], o: { deep: { er: [] } }, ab: new Uint8Array([1, 2, 3]).buffer,
    f64: new Float64Array([0.5, -0]), dv: new DataView(new ArrayBuffer(4)), blob: new Blob(['hi'], { type: 'text/plain' }),
    file: new File(['fi'], 'f.txt', { type: 'text/plain', lastModified: 5 }), nested: { bin: [new Int16Array([-2])] },
  });

  contract.test('export then import into another patch gives back every scope, key and value', async (t) => {
    const src = await t.root();
    const dst = await t.root(t.newPatch());
    const vals = values();
    for (const [k, v] of Object.entries(vals)) {
      await src.set(k, v);
      await src.node('n').set(k, v);
      await src.store('s').set(k, v);
    }
    const file = await src.export();
    t.ok(file instanceof Blob, 'export gives a Blob');
    await t.equal(await dst.import(file), { scopes: 3, keys: 3 * Object.keys(vals).length });
    await t.equal(await dst.scopes(), await src.scopes());
    for (const [k, v] of Object.entries(vals)) {
      await t.equal(await dst.get(k), v, 'host ' + k);
      await t.equal(await dst.node('n').get(k), v, 'node ' + k);
      await t.equal(await dst.store('s').get(k), v, 'store ' + k);
    }
    t.ok(await dst.has('u'), 'undefined is stored');
  });

  contract.test('an empty patch exports a file that imports nothing', async (t) => {
    const kv = await t.root();
    const file = await kv.export();
    await t.equal(await (await t.root(t.newPatch())).import(file), { scopes: 0, keys: 0 });
  });

  contract.test('merge writes over; replace makes the data exactly the file', async (t) => {
    const src = await t.root();
    await src.node('a').set('k', 'file');
    const file = await src.export();
    const kv = await t.root(t.newPatch());
    await kv.node('a').set('old', 1);
    await kv.store('other').set('x', 1);
    await kv.import(file, { mode: 'merge' });
    await t.equal(await kv.node('a').keys(), ['k', 'old']);
    await t.equal(await kv.store('other').get('x'), 1);
    await kv.import(file, { mode: 'replace' });
    await t.equal(await kv.node('a').keys(), ['k']);
    await t.equal(await kv.store('other').keys(), []);
  });

  contract.test('a bad file rejects with DataError, a non-Blob with TypeError, and nothing changes', async (t) => {
    const kv = await t.root();
    await kv.set('keep', 1);
    const good = new Uint8Array(await (await kv.export()).arrayBuffer());
    const cut = new Blob([good.subarray(0, good.length - 2)]);
    const future = good.slice();
    future[8] = 9;
    const flipped = good.slice();
    flipped[40] ^= 0x20;
    /** @type {Array<[string, Blob, string]>} */
    const files = [['truncated', cut, 'truncated'], ['future version', new Blob([future]), 'version 9'],
      ['flipped manifest byte', new Blob([flipped]), 'corrupt'], ['JSON', new Blob(['{"keep": 2}']), 'JSON']];
    for (const [what, f, msg] of files) {
      const err = await t.rejects(kv.import(f), 'DataError', what);
      t.ok(String(err.message).includes(msg), `${what}: message says what is wrong: ${err.message}`);
    }
    for (const bad of [undefined, null, 'file', good, {}]) await t.rejects(kv.import(bad), 'TypeError');
    await t.rejects(kv.import(new Blob([good]), { mode: 'all' }), 'TypeError');
    await t.rejects(kv.import(new Blob([good]), 'replace'), 'TypeError');
    await t.equal(await kv.keys(), ['keep']);
    await t.equal(await kv.get('keep'), 1);
  });

  contract.test('import, removeScope and destroy tell subscribers reset', async (t) => {
    const kv = await t.root();
    await kv.store('s').set('a', 1);
    await kv.node('n').set('b', 2);
    const file = await kv.export();
    const seen = [];
    const stop = kv.watch((c) => seen.push(c));
    const own = [];
    const stopOwn = kv.store('s').subscribe((c) => own.push(c));
    await kv.import(file);
    await t.equal(await kv.removeScope({ kind: 'node', name: 'n' }), true);
    await t.equal(await kv.removeScope({ kind: 'node', name: 'n' }), false);
    await kv.destroy();
    for (let i = 0; i < 100 && own.length < 2; i++) await t.sleep(10);
    await t.sleep(30);
    stop();
    stopOwn();
    const resets = seen.filter((c) => c.op === 'reset').map((c) => c.scope && c.scope.kind + ':' + c.scope.name);
    t.ok(resets.includes('store:s') && resets.includes('node:n'), 'import reset both scopes: ' + t.show(resets));
    t.equal(resets.filter((r) => r === 'node:n').length, 2, 'removeScope reset node n once more (not for a missing scope)');
    await t.equal(own, [{ scope: { kind: 'store', name: 's' }, op: 'reset' }, { scope: { kind: 'store', name: 's' }, op: 'reset' }],
      "the store's own listener: the import, then destroy");
  });

  contract.test('after destroy the patch is empty and the next write creates it again', async (t) => {
    const kv = await t.root();
    await kv.node('n').set('k', 1);
    await kv.destroy();
    await t.equal(await kv.scopes(), []);
    await t.equal(await kv.node('n').get('k'), undefined);
    await kv.node('n').set('k', 2);
    await t.equal(await kv.node('n').get('k'), 2);
    await t.rejects(kv.removeScope({ kind: 'nope', name: 'x' }), 'TypeError');
    await t.rejects(kv.removeScope('node:n'), 'TypeError');
  });
})();
