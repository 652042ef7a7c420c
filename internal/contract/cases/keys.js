// Keys: any string is a key, different strings are different keys, anything else
// is a TypeError, and keys() lists them in IndexedDB order.

(() => {
  const KEYS = [
    ['empty', ''],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['colon', ':'],
    ['slash', 'a/b'],
    ['emoji', '🎛️🔊'],
    ['NUL', 'a\u0000b'],
    ['64 KiB', 'k'.repeat(65536)],
    ['lone surrogate', '\uD800'],
    ['replacement character', '\uFFFD'],
  ];

  contract.test('any string is a key', async (t) => {
    const kv = await t.root();
    for (const [name, key] of KEYS) {
      const s = kv.node('keys-' + name);
      await s.set(key, { v: key });
      await t.equal(await s.get(key), { v: key }, `${name}: get`);
      t.equal(await s.has(key), true, `${name}: has`);
      t.equal(await s.keys(), [key], `${name}: keys`);
      await s.delete(key);
      t.equal(await s.has(key), false, `${name}: has after delete`);
    }
  });

  contract.test('lone surrogates in keys are never merged with other keys', async (t) => {
    const kv = await t.root();
    await kv.set('\uD800', 'lone high');
    await kv.set('\uDC00', 'lone low');
    await kv.set('\uFFFD', 'replacement');
    await kv.set('\uD800\uDC00', 'pair');
    t.equal(await kv.get('\uD800'), 'lone high');
    t.equal(await kv.get('\uDC00'), 'lone low');
    t.equal(await kv.get('\uFFFD'), 'replacement');
    t.equal(await kv.get('\uD800\uDC00'), 'pair');
    t.equal((await kv.keys()).length, 4, 'four keys');
    await kv.delete('\uD800');
    t.equal(await kv.get('\uFFFD'), 'replacement', 'deleting the lone surrogate left U+FFFD');
  });

  contract.test('a key that is not a string is a TypeError and writes nothing', async (t) => {
    const kv = await t.root();
    const s = /** @type {any} */ (kv.node('typed'));
    const keys = [1, undefined, null, {}, ['a'], Symbol('a'), 10n, Promise.resolve('a'), new Proxy({}, {}), new String('a'), true];
    for (const key of keys) {
      /** @type {Array<[string, () => Promise<unknown>]>} */
      const calls = [['get', () => s.get(key)], ['set', () => s.set(key, 1)], ['has', () => s.has(key)], ['delete', () => s.delete(key)]];
      for (const [name, call] of calls) {
        let p;
        try {
          p = call();
        } catch (err) {
          t.fail(`${name}(${t.show(key)}) threw synchronously: ${err}`);
        }
        const err = await t.rejects(p, 'TypeError', `${name}(${t.show(key)})`);
        t.ok(String(err.message).includes('key must be a string'), `${name}(${t.show(key)}): message ${t.show(err.message)} does not say the key must be a string`);
      }
    }
    t.equal(await s.keys(), [], 'nothing written');
  });

  contract.test('keys() is a new array in IndexedDB order', async (t) => {
    const kv = await t.root();
    for (const k of ['b', 'a', 'B', '', 'aa', '\u00e9', '10', '9']) await kv.set(k, 1);
    const a = await kv.keys();
    t.equal(a, ['', '10', '9', 'B', 'a', 'aa', 'b', '\u00e9']);
    a.push('mutated');
    t.equal((await kv.keys()).length, 8, 'a caller changing the array changes nothing');
    t.ok((await kv.keys()) !== (await kv.keys()), 'the same array twice');
  });

  contract.test('has(k) agrees with keys().includes(k), undefined values included', async (t) => {
    const kv = await t.root();
    const s = kv.node('u');
    const agree = async (k, what) => t.equal(await s.has(k), (await s.keys()).includes(k), `${what}: has and keys disagree on ${t.show(k)}`);
    await agree('nothing', 'before');
    await s.set('nothing', undefined);
    t.equal(await s.has('nothing'), true, 'has after set(k, undefined)');
    t.ok((await s.keys()).includes('nothing'), 'keys() lists a key whose value is undefined');
    t.equal(await s.get('nothing'), undefined);
    t.equal(await s.has('missing'), false, 'has(missing)');
    await agree('nothing', 'after set');
    await s.delete('nothing');
    await agree('nothing', 'after delete');
    s.set('x', undefined);
    const [has, keys] = await Promise.all([s.has('x'), s.keys()]);
    t.equal(has, keys.includes('x'), 'un-awaited set, then has and keys in one task');
  });
})();
