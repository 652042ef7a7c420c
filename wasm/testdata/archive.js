// The scripts of wasm/archive_test.go: export, import, removeScope and destroy
// with every value kind, hostile keys, many scopes, 64 MiB, bad files.
//
// An expression: runFixture (wasm/helpers_test.go) evaluates it inside the test
// script, after helpers.js, and calls one of its methods with the test's
// parameters (kv objects, and the patch id where named).

(() => {
  // everyValue: one value of each kind the README's "The JavaScript API" names.
  // snapshot: every scope, key and value of a root, for before/after comparisons.
  function everyValue() {
    const bytes = new Uint8Array(300); for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
    const shared = new ArrayBuffer(16); new Uint8Array(shared).set([1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]);
    const cyclic = { name: 'loop' }; cyclic.self = cyclic;
    const inner = { x: 1 };
    /** @type {any[]} */
    const sparse = [1, , 3]; sparse[10] = 'ten';
    /** @type {any} */
    const withProp = [1, 2]; withProp.extra = 'yes';
    return {
      null: null, true: true, false: false, zero: 0, negzero: -0, nan: NaN, inf: Infinity, neginf: -Infinity,
      int: 42, float: 3.25, max: Number.MAX_VALUE, tiny: 5e-324, big: 12345678901234567890123n, negbig: -5n,
      str: 'hé 😀', empty: '', lone: '\uD800x\uDFFF', undef: undefined,
      date: new Date(1700000000123), badDate: new Date(NaN), re: /a+b?\//giu, reY: /x/ys,
      map: new Map(/** @type {[any, any][]} */ ([[1, 'one'], ['k', { deep: [1n] }], [{ o: 1 }, new Set([2])]])),
      set: new Set([1, 'two', null, undefined, -0]),
      arr: [1, 'a', [2, [3]], {}], sparse, withProp,
      obj: Object.assign(JSON.parse('{"__proto__": "own"}'), { a: { b: { c: { d: 'deep' } } }, constructor: 'c', '': 'empty key' }),
      ab: bytes.buffer.slice(0), emptyAB: new ArrayBuffer(0),
      i8: new Int8Array([-1, 2, -128]), u8: new Uint8Array([1, 2, 255]), u8c: new Uint8ClampedArray([0, 255]),
      i16: new Int16Array([-300, 300]), u16: new Uint16Array([65535]), i32: new Int32Array([-1 << 30]),
      u32: new Uint32Array([4000000000]), f32: new Float32Array([1.5, NaN]), f64: new Float64Array([Math.PI, -0]),
      bi64: new BigInt64Array([-5n]), bu64: new BigUint64Array([2n ** 64n - 1n]),
      view: new Uint8Array(shared, 4, 8), dv: new DataView(shared, 2, 6),
      blob: new Blob([bytes], { type: 'image/png' }), blobNoType: new Blob(['text']),
      file: new File([bytes.subarray(0, 10)], 'a name.bin', { type: 'application/x-test', lastModified: 1600000000000 }),
      nested: { list: [new Blob(['x'], { type: 'text/plain' }), new Uint16Array([7])], buf: new ArrayBuffer(3) },
      cyclic, twice: [inner, inner], boxed: [new Number(-0), new String('s'), new Boolean(false), Object(7n)],
      err: new RangeError('out of range'),
    };
  }
  /** @param {any} kv @param {{ kind: string, name: string }} s */
  function scopeOf(kv, s) { return s.kind === 'host' ? kv : s.kind === 'node' ? kv.node(s.name) : kv.store(s.name); }
  /** @param {any} kv @returns {Promise<[string, any][]>} */
  async function snapshot(kv) {
    const out = [];
    for (const s of await kv.scopes()) {
      const st = scopeOf(kv, s);
      const keys = await st.keys();
      const values = await Promise.all(keys.map((k) => st.get(k))); // one transaction per scope
      keys.forEach((k, i) => out.push([s.kind + ':' + s.name + ':' + k, values[i]]));
    }
    return out;
  }
  /** @param {[string, any][]} a @param {[string, any][]} b */
  async function sameSnapshot(a, b) {
    if (a.length !== b.length) throw new Error('snapshot has ' + b.length + ' keys, want ' + a.length);
    for (let i = 0; i < a.length; i++) {
      await same(a[i][0], b[i][0], 'key ' + i);
      if (a[i][0].endsWith(':cyclic')) continue; // same() would recurse forever; checked apart
      await same(a[i][1], b[i][1], a[i][0]);
    }
  }
  async function seed(kv) {
    await kv.set('h', 'host value');
    await kv.node('n1').set('a', 1);
    await kv.store('s').set('b', new Blob(['bee'], { type: 'text/plain' }));
    await kv.store('s').set('c', new Uint8Array([9, 9]));
  }
  return {
    async everyType({ src, dst }) {
      const vals = everyValue();
      for (const [k, v] of Object.entries(vals)) {
        await src.set(k, v);
        await src.node('node ' + k).set(k, v);
        await src.store('s').set(k, { wrapped: v });
      }
      const file = await src.export();
      if (!(file instanceof Blob)) throw new Error('export did not give a Blob');
      const res = await dst.import(file);
      await same(res, { scopes: 2 + Object.keys(vals).length, keys: 3 * Object.keys(vals).length });
      for (const [k, v] of Object.entries(vals)) {
        if (k === 'cyclic') continue;
        await same(await dst.get(k), v, 'host ' + k);
        await same(await dst.node('node ' + k).get(k), v, 'node ' + k);
        await same(await dst.store('s').get(k), { wrapped: v }, 'store ' + k);
      }
      // What same() does not see: identity, holes, extra array properties, File and Blob details.
      for (const c of [await dst.get('cyclic'), await dst.node('node cyclic').get('cyclic'), (await dst.store('s').get('cyclic')).wrapped]) {
        if (c.self !== c || c.name !== 'loop' || Object.keys(c).join() !== 'name,self') throw new Error('cycle lost');
      }
      const twice = await dst.get('twice');
      if (twice[0] !== twice[1]) throw new Error('shared reference lost');
      const view = await dst.get('view'), dv = await dst.get('dv');
      if (view.byteOffset !== 4 || view.buffer.byteLength !== 16 || dv.byteOffset !== 2 || dv.byteLength !== 6) throw new Error('view offsets lost');
      const sparse = await dst.get('sparse');
      if (sparse.length !== 11 || (1 in sparse) || sparse[10] !== 'ten') throw new Error('sparse array changed');
      if ((await dst.get('withProp')).extra !== 'yes') throw new Error('array property lost');
      const file2 = await dst.get('file');
      if (!(file2 instanceof File) || file2.name !== 'a name.bin' || file2.lastModified !== 1600000000000 || file2.type !== 'application/x-test') throw new Error('File changed');
      if (!Object.hasOwn(await dst.get('obj'), '__proto__')) throw new Error('own __proto__ lost');
      const boxed = await dst.get('boxed');
      if (!Object.is(boxed[0].valueOf(), -0) || typeof boxed[3] !== 'object' || boxed[3].valueOf() !== 7n) throw new Error('boxed primitives changed');
      const err = await dst.get('err');
      if (!(err instanceof RangeError) || err.message !== 'out of range') throw new Error('Error changed');
      await same(await dst.scopes(), await src.scopes());
      await sameSnapshot(await snapshot(src), await snapshot(dst));
    },

    async hostileKeys({ src, dst }) {
      const long = 'k'.repeat(64 << 10);
      const keys = ['', '\uD800', '\uDC00', 'a\uD800b', '\uFFFD', '__proto__', 'constructor', ':', 'a/b', '\u0000', '😀', long, long + '\uDBFF'];
      for (const k of keys) await src.node('n').set(k, k.length);
      await dst.import(await src.export());
      const got = await dst.node('n').keys();
      await same(got, await src.node('n').keys());
      if (got.length !== keys.length) throw new Error('keys merged: ' + got.length);
      for (const k of keys) await same(await dst.node('n').get(k), k.length, 'key of length ' + k.length);
      if (await dst.node('n').has('\uFFFD') !== true || await dst.node('n').get('\uD800') !== 1) throw new Error('lone surrogate merged');
    },

    async manyScopes({ src, dst }) {
      const writes = [];
      for (let s = 0; s < 200; s++) {
        const st = s % 2 ? src.node('node-' + s) : src.store('store-' + s);
        for (let k = 0; k < 50; k++) writes.push(st.set('key-' + k, { s, k, text: 'v' + s + '/' + k }));
      }
      await Promise.all(writes);
      const t = [performance.now()];
      const file = await src.export();
      t.push(performance.now());
      const res = await dst.import(file);
      t.push(performance.now());
      await same(res, { scopes: 200, keys: 10000 });
      await sameSnapshot(await snapshot(src), await snapshot(dst));
      return [t[1] - t[0], t[2] - t[1]];
    },

    async big64MiB({ src, dst }) {
      const MiB = 1 << 20;
      for (let i = 0; i < 4; i++) {
        const b = new Uint8Array(8 * MiB);
        for (let j = 0; j < b.length; j += 4096) b[j] = (i + j) & 255;
        await src.store('bin').set('ab' + i, b.buffer);
        await src.node('n').set('blob' + i, new Blob([b], { type: 'application/octet-stream' }));
      }
      let t0 = performance.now();
      const file = await src.export();
      const exportMs = performance.now() - t0;
      if (file.size < 64 * MiB) throw new Error('file of ' + file.size + ' bytes');
      t0 = performance.now();
      await same(await dst.import(file), { scopes: 2, keys: 8 });
      const importMs = performance.now() - t0;
      for (let i = 0; i < 4; i++) {
        const ab = new Uint8Array(await dst.store('bin').get('ab' + i));
        const bl = new Uint8Array(await (await dst.node('n').get('blob' + i)).arrayBuffer());
        if (ab.length !== 8 * MiB || bl.length !== 8 * MiB) throw new Error('sizes');
        for (let j = 0; j < ab.length; j += 4096) if (ab[j] !== ((i + j) & 255) || bl[j] !== ((i + j) & 255)) throw new Error('byte ' + j);
      }
      return [exportMs, importMs];
    },

    async badFiles({ src, dst }) {
      await seed(src);
      await src.store('other').set('x', 'from the file');
      const file = await src.export();
      const bytes = new Uint8Array(await file.arrayBuffer());
      const mlen = Number(new DataView(bytes.buffer).getBigUint64(12, true));
      await seed(dst);
      await dst.node('n1').set('a', 'kept');
      const before = await snapshot(dst);
      const scopesBefore = await dst.scopes();
      const flipped = bytes.slice(); flipped[32 + (mlen >> 1)] ^= 1;
      const future = bytes.slice(); new DataView(future.buffer).setUint32(8, 2, true);
      /** @type {[string, any, string, RegExp][]} */
      const cases = [
        ['truncated', new Blob([bytes.subarray(0, bytes.length - 1)]), 'DataError', /truncated/],
        ['truncated header', new Blob([bytes.subarray(0, 20)]), 'DataError', /truncated/],
        ['truncated manifest', new Blob([bytes.subarray(0, 32 + (mlen >> 1))]), 'DataError', /truncated/],
        ['flipped manifest byte', new Blob([flipped]), 'DataError', /manifest is corrupt/],
        ['future version', new Blob([future]), 'DataError', /version 2, newer/],
        ['JSON', new Blob([JSON.stringify({ scopes: [{ kind: 'host', name: '', entries: [['a', 1]] }] })], { type: 'application/json' }), 'DataError', /JSON, not a patchkv export/],
        ['empty', new Blob([]), 'DataError', /empty/],
        ['extra bytes', new Blob([bytes, new Uint8Array(3)]), 'DataError', /after its end/],
        ['not a Blob', bytes, 'TypeError', /Blob/],
        ['string', 'hello', 'TypeError', /Blob/],
        ['bad mode', [file, { mode: 'overwrite' }], 'TypeError', /mode/],
      ];
      for (const [what, arg, name, msg] of cases) {
        let err;
        try {
          await (Array.isArray(arg) ? dst.import(...arg) : dst.import(arg));
        } catch (e) { err = e; }
        if (!err) throw new Error(what + ': import resolved');
        if (err.name !== name || !msg.test(err.message)) throw new Error(what + ': got ' + err.name + ': ' + err.message);
      }
      await sameSnapshot(before, await snapshot(dst));
      await same(await dst.scopes(), scopesBefore);
    },

    async mergeAndReplace({ src, merge, replace }) {
      await src.set('h', 'from file');
      await src.node('n').set('a', 'from file');
      const file = await src.export();
      for (const kv of [merge, replace]) {
        await kv.set('h', 'old');
        await kv.set('only-here', 'old');
        await kv.node('n').set('b', 'old');
        await kv.store('elsewhere').set('c', 'old');
      }
      await same(await merge.import(file, { mode: 'merge' }), { scopes: 2, keys: 2 });
      await same(await merge.get('h'), 'from file');
      await same(await merge.get('only-here'), 'old');
      await same(await merge.node('n').keys(), ['a', 'b']);
      await same(await merge.store('elsewhere').get('c'), 'old');
      await same(await merge.import(file), { scopes: 2, keys: 2 }); // merge is the default
      await same(await replace.import(file, { mode: 'replace' }), { scopes: 2, keys: 2 });
      await sameSnapshot(await snapshot(src), await snapshot(replace));
    },

    /** @param {{ kv: any, other: any, patch: string }} p */
    async removeScopeAndDestroy({ kv, other, patch }) {
      await seed(kv);
      await same(await kv.removeScope({ kind: 'store', name: 's' }), true);
      await same(await kv.removeScope({ kind: 'store', name: 's' }), false);
      await same(await kv.removeScope({ kind: 'node', name: 'never' }), false);
      await same((await kv.scopes()).map((s) => s.kind + ':' + s.name), ['host:', 'node:n1']);
      await same(await other.store('s').keys(), []);
      await same(await other.node('n1').get('a'), 1);
      for (const bad of [undefined, null, 'store:s', { kind: 'x', name: 'a' }, { kind: 'node' }, { kind: 'node', name: '\uD800' }]) {
        let err;
        try { await kv.removeScope(bad); } catch (e) { err = e; }
        if (err?.name !== 'TypeError') throw new Error('removeScope(' + String(bad) + '): ' + err);
      }
      await same(await kv.removeScope({ kind: 'host' }), true);
      await kv.destroy();
      if ((await indexedDB.databases()).some((d) => d.name === 'patchkv:' + patch)) throw new Error('database still listed');
      // The other connection's next calls work and recreate the database.
      await same(await other.node('n1').get('a'), undefined);
      await other.node('n1').set('a', 2);
      await same(await kv.node('n1').get('a'), 2);
      await kv.destroy();
      await kv.set('again', true);
      await same(await other.get('again'), true);
    },

    async export({ kv }) {
      return kv.export();
    },
  };
})()
