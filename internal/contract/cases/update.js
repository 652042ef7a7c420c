// update(key, fn): the read and the write in one transaction, fn synchronous, its
// result stored and returned (README "Atomic update").

(() => {
  contract.test('update stores what fn returns and resolves to it', async (t) => {
    const kv = await t.root();
    const s = kv.store('counter');
    let seen = 'not called';
    t.equal(await s.update('n', (v) => ((seen = v), (v ?? 0) + 1)), 1, 'first update');
    t.equal(seen, undefined, 'fn gets undefined for a missing key');
    t.equal(await s.update('n', (v) => v + 1), 2);
    t.equal(await s.get('n'), 2);
    t.equal(await kv.update('host', () => 'on the root'), 'on the root', 'the root (host scope) has update');
    t.equal(await kv.get('host'), 'on the root');
    t.equal(await kv.node('a').update('x', () => new Map([[1, 2]])), new Map([[1, 2]]), 'a node store');
  });

  contract.test('update storing undefined keeps the key', async (t) => {
    const kv = await t.root();
    await kv.set('k', 1);
    t.equal(await kv.update('k', () => undefined), undefined);
    t.equal(await kv.has('k'), true);
    t.equal(await kv.keys(), ['k']);
  });

  contract.test('update passes fn a fresh copy of the value', async (t) => {
    const kv = await t.root();
    const o = { list: [1] };
    await kv.set('o', o);
    const got = await kv.get('o');
    let arg;
    await kv.update('o', (v) => {
      arg = v;
      v.list.push(2);
      return v;
    });
    t.ok(arg !== o && arg !== got, 'fn got an object handed out before');
    t.equal(got, { list: [1] }, 'an earlier get changed');
    t.equal(o, { list: [1] }, 'the stored original changed');
    t.equal(await kv.get('o'), { list: [1, 2] });
  });

  contract.test('un-awaited updates take effect in program order and count every increment', async (t) => {
    const kv = await t.root();
    const s = kv.store('c');
    const ps = [];
    for (let i = 0; i < 20; i++) ps.push(s.update('n', (v) => (v ?? 0) + 1));
    t.equal(await Promise.all(ps), Array.from({ length: 20 }, (_, i) => i + 1));
    s.set('k', 1);
    s.update('k', (v) => v + 1);
    s.set('k', 10);
    t.equal(await s.get('k'), 10, 'a set after an update wins');
    s.update('k', (v) => v + 1);
    t.equal(await s.get('k'), 11, 'a get after an update sees it');
    s.update('gone', () => 1);
    s.delete('gone');
    t.equal(await s.has('gone'), false, 'a delete after an update wins');
  });

  contract.test('update with fn not a function is a TypeError and writes nothing', async (t) => {
    const kv = await t.root();
    await kv.set('warm', 1);
    const before = await t.raw.storeNames();
    for (const bad of [undefined, null, 42, 'fn', {}, Promise.resolve(1)]) {
      await t.rejects(kv.store('never').update('k', bad), 'TypeError', `fn ${t.show(bad)}`);
    }
    await t.rejects(kv.update('k'), 'TypeError', 'one argument');
    await t.rejects(kv.update(1, () => 1), 'TypeError', 'a non-string key');
    t.equal(await t.raw.storeNames(), before, 'object stores');
    t.equal(await kv.has('k'), false);
  });

  contract.test('fn throwing rejects with what it threw; writes beside it still land', async (t) => {
    const kv = await t.root();
    const s = kv.store('s');
    await s.set('k', 'old');
    const boom = new RangeError('boom');
    const before = s.set('before', 1);
    const p = s.update('k', () => {
      throw boom;
    });
    const after = s.set('after', 2);
    const err = await t.rejects(p, 'RangeError');
    t.ok(err === boom, 'rejected with the thrown object itself');
    await before;
    await after;
    t.equal(await s.get('k'), 'old', 'nothing written');
    t.equal([await s.get('before'), await s.get('after')], [1, 2], 'writes sharing the transaction');
    const thrown = await s.update('k', () => {
      throw 'a string';
    }).then(() => 'resolved', (e) => e);
    t.equal(thrown, 'a string', 'a thrown non-Error');
  });

  contract.test('fn returning a thenable is a TypeError; nothing written, neighbours land', async (t) => {
    const kv = await t.root();
    const s = kv.store('s');
    await s.set('k', 'old');
    const side = s.set('side', 1);
    await t.rejects(s.update('k', async () => 'new'), 'TypeError', 'an async fn');
    await t.rejects(s.update('k', () => ({ then() {} })), 'TypeError', 'a thenable');
    await side;
    t.equal(await s.get('k'), 'old');
    t.equal(await s.get('side'), 1);
  });

  contract.test('fn returning an uncloneable value is a DataCloneError; the old value stays', async (t) => {
    const kv = await t.root();
    const s = kv.store('s');
    await s.set('k', 'old');
    const side = s.set('side', 1);
    await t.rejects(s.update('k', () => ({ f() {} })), 'DataCloneError');
    await t.rejects(s.update('k', () => Symbol('x')), 'DataCloneError');
    await side;
    t.equal(await s.get('k'), 'old');
    t.equal(await s.get('side'), 1);
    t.equal(await s.update('k', (v) => v + '!'), 'old!', 'the next update works');
  });
})();
