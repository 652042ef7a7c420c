// Values: every structured-cloneable value comes back with its type and contents, a
// copy taken when set is called; what cannot be cloned is a DataCloneError that
// changes nothing.

(() => {
  /** Every kind of value the README promises to round-trip, made fresh on each call. */
  /** @type {() => Array<[string, any]>} */
  const VALUES = () => [
    ['null', null],
    ['true', true],
    ['false', false],
    ['number', 42.5],
    ['NaN', NaN],
    ['-0', -0],
    ['-Infinity', -Infinity],
    ['bigint', 123456789012345678901234567890n],
    ['string', 'héllo'],
    ['empty string', ''],
    ['Date', new Date(1700000000000)],
    ['invalid Date', new Date(NaN)],
    ['RegExp', /a+b/gi],
    ['Map', new Map(/** @type {Array<[any, any]>} */ ([[1, 'a'], ['b', { c: 2 }]]))],
    ['Set', new Set([1, 'two', 3n])],
    ['array', [1, 'a', [2, [3]], { x: null }]],
    ['sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['nested object', { a: { b: { c: [1, 2, { d: 'e' }] } }, 'with space': 1 }],
    ['object with __proto__ key', JSON.parse('{"__proto__": 1, "x": 2}')],
    ['ArrayBuffer', new Uint8Array([1, 2, 3, 255]).buffer],
    ['empty ArrayBuffer', new ArrayBuffer(0)],
    ['Uint8Array', new Uint8Array([0, 1, 254, 255])],
    ['Uint8ClampedArray', new Uint8ClampedArray([0, 128, 255])],
    ['Int8Array', new Int8Array([-128, 0, 127])],
    ['Int16Array', new Int16Array([-32768, 1, 32767])],
    ['Uint16Array', new Uint16Array([0, 65535])],
    ['Int32Array', new Int32Array([-1, 2 ** 31 - 1])],
    ['Uint32Array', new Uint32Array([0, 2 ** 32 - 1])],
    ['Float32Array', new Float32Array([1.5, -0, NaN])],
    ['Float64Array', new Float64Array([Math.PI, -Infinity, -0])],
    ['BigInt64Array', new BigInt64Array([-1n, 2n ** 62n])],
    ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n])],
    ['typed array view with offset', new Uint16Array(new Uint8Array([9, 9, 1, 0, 2, 0]).buffer, 2, 2)],
    ['DataView', new DataView(new Uint8Array([5, 6, 7]).buffer)],
    ['Blob with type', new Blob(['hello ', new Uint8Array([0, 255])], { type: 'application/x-test' })],
    ['empty Blob', new Blob([])],
    ['File with name', new File(['png'], 'drawing.png', { type: 'image/png', lastModified: 1700000000000 })],
    ['binary nested', { image: new Blob(['x'], { type: 'image/png' }), raw: new Uint8Array([1, 2]), list: [new ArrayBuffer(3)] }],
    ['boxed primitives', [new Number(1), new String('s'), new Boolean(false)]],
    ['undefined', undefined],
  ];

  contract.test('every structured-cloneable value round-trips with its type', async (t) => {
    const kv = await t.root();
    for (const [name, value] of VALUES()) {
      await kv.set(name, value);
      const got = await kv.get(name);
      await t.equal(got, value, name);
      if (typeof value === 'object' && value !== null) t.ok(got !== value, `${name}: get gave the stored object back, not a copy`);
    }
    // The same values nested in one object, in a node scope and a named store.
    const all = Object.fromEntries(VALUES());
    for (const s of [kv.node('n'), kv.store('s')]) {
      await s.set('all', all);
      await t.equal(await s.get('all'), Object.fromEntries(VALUES()), 'all values in one object');
    }
  });

  contract.test('binary comes back as the type it was stored as', async (t) => {
    const kv = await t.root();
    await kv.set('ab', new ArrayBuffer(8));
    await kv.set('u8', new Uint8Array(8));
    await kv.set('blob', new Blob(['x']));
    t.ok((await kv.get('ab')) instanceof ArrayBuffer, 'an ArrayBuffer is an ArrayBuffer');
    t.ok((await kv.get('u8')) instanceof Uint8Array, 'a Uint8Array is a Uint8Array');
    t.ok((await kv.get('blob')) instanceof Blob, 'a Blob is a Blob');
  });

  contract.test('a large binary value is cloned when set is called, and keeps its place among the calls around it', async (t) => {
    // A binary value of 1 MiB or more is not copied up front: it gets a
    // transaction to itself (copied when it has to wait for a write before it);
    // the calls before and after it in the task still take effect in their order.
    const kv = await t.root();
    for (const what of ['new scope', 'existing scope']) {
      const s = kv.node('big');
      const big = new Uint8Array(1 << 20).fill(7);
      const calls = [s.set('k', 'before'), s.set('k', big.buffer), s.set('after', 1), s.delete('gone')];
      const read = s.get('k');
      big[0] = 99;
      s.set('k2', big); // a view: the same path
      big[1] = 98;
      await Promise.all(calls);
      const got = await read;
      t.ok(got instanceof ArrayBuffer && got.byteLength === 1 << 20, `${what}: the ArrayBuffer came back whole`);
      const bytes = new Uint8Array(got);
      t.equal([bytes[0], bytes[1], bytes[bytes.length - 1]], [7, 7, 7], `${what}: as it was when set was called`);
      const view = await s.get('k2');
      t.equal([view[0], view[1], view.length], [99, 7, 1 << 20], `${what}: the view as it was when its set was called`);
      t.equal(await s.get('after'), 1, `${what}: the write after it landed`);
      await s.clear();
    }
  });

  contract.test('the value is cloned when set is called', async (t) => {
    const kv = await t.root();
    // A new scope (set waits for an upgrade) and then the same, existing scope.
    for (const what of ['new scope', 'existing scope']) {
      const s = kv.node('fresh');
      const o = { n: 1, list: [1] };
      const bytes = new Uint8Array([1, 2, 3]);
      const m = new Map([['k', 1]]);
      const p1 = s.set('o', o);
      const p2 = s.set('b', bytes);
      const p3 = s.set('m', m);
      o.n = 2;
      o.list.push(2);
      bytes[0] = 99;
      m.set('k', 2);
      await Promise.all([p1, p2, p3]);
      t.equal(await s.get('o'), { n: 1, list: [1] }, `${what}: object`);
      t.equal(await s.get('b'), new Uint8Array([1, 2, 3]), `${what}: bytes`);
      t.equal(await s.get('m'), new Map([['k', 1]]), `${what}: Map`);
    }
  });

  contract.test('get returns a fresh copy each time', async (t) => {
    const kv = await t.root();
    await kv.set('o', { list: [1, 2] });
    const a = /** @type {any} */ (await kv.get('o'));
    a.list.push(3);
    const b = await kv.get('o');
    t.ok(a !== b, 'the same object twice');
    t.equal(b, { list: [1, 2] }, 'changing what get returned changed the stored value');
  });

  contract.test('an uncloneable value rejects with DataCloneError and keeps the old value', async (t) => {
    const kv = await t.root();
    /** @type {Array<[string, () => any]>} */
    const values = [
      ['a function', () => () => 1],
      ['a symbol', () => Symbol('s')],
      ['an object with a method', () => ({ f() {} })],
      ['a WeakMap', () => new WeakMap()],
      ['an array holding a function', () => [1, () => 2]],
    ];
    if (typeof document !== 'undefined') values.push(['a DOM node', () => document.createElement('div')]);
    let n = 0;
    for (const [name, make] of values) {
      for (const where of ['existing scope', 'new scope']) {
        await kv.node('existing').set('k', 'old');
        const s = where === 'existing scope' ? kv.node('existing') : kv.node('new-' + n++);
        let p;
        try {
          p = s.set('k', make());
        } catch (err) {
          t.fail(`${name}, ${where}: set threw synchronously: ${err}`);
        }
        const err = await t.rejects(p, 'DataCloneError', `${name}, ${where}`);
        t.ok(String(err.message).includes('"k"'), `${name}, ${where}: the message ${t.show(err.message)} does not name the key`);
        t.equal(await kv.node('existing').get('k'), 'old', `${name}, ${where}: the old value`);
        if (where === 'new scope') t.equal(await s.has('k'), false, `${name}, ${where}: has`);
      }
    }
    await kv.set('after', 1);
    t.equal(await kv.get('after'), 1, 'the next call works');
  });

  contract.test('a write next to an uncloneable one in the same task still lands', async (t) => {
    const kv = await t.root();
    for (const s of [kv.node('fresh'), kv.node('fresh')]) {
      const good = s.set('good', 1);
      const bad = s.set('bad', () => 1);
      const after = s.set('after', 2);
      await t.rejects(bad, 'DataCloneError');
      await good;
      await after;
      t.equal(await s.get('good'), 1, 'the write before');
      t.equal(await s.get('after'), 2, 'the write after');
      t.equal(await s.has('bad'), false, 'the uncloneable one');
    }
  });

  // A value whose getter calls kv while set clones it. IndexedDB deactivates the
  // transaction during the clone, so the nested write needs a transaction of its
  // own; the outer set must still store what the getter returned.
  contract.test('kv called from a getter while set clones the value', async (t) => {
    const kv = await t.root();
    for (const s of [kv.node('reentrant'), kv.node('reentrant'), kv.node('fresh-' + Math.random())]) {
      await s.set('warm', 0);
      /** @type {any} */
      let nested;
      /** @type {any} */
      let read;
      const value = {
        get x() {
          nested = s.set('inner', 'from getter');
          read = s.get('warm');
          return 2;
        },
      };
      const p = s.set('outer', value);
      t.ok(p instanceof Promise && nested instanceof Promise && read instanceof Promise, 'not Promises');
      await p;
      await nested;
      t.equal(await read, 0, 'the read inside the getter');
      t.equal(await s.get('outer'), { x: 2 }, 'the outer value');
      t.equal(await s.get('inner'), 'from getter', 'the nested write');
    }
  });
})();
