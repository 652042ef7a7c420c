// delete resolves whether the key existed, decided in the same transaction as the
// delete (README "The JavaScript API").

(() => {
  contract.test('delete resolves true when the key existed and false when it did not', async (t) => {
    const kv = await t.root();
    const s = kv.store('s');
    await s.set('a', 1);
    t.equal(await s.delete('a'), true, 'existing key');
    t.equal(await s.delete('a'), false, 'deleted already');
    t.equal(await s.delete('never'), false, 'missing key');
    await kv.set('u', undefined);
    t.equal(await kv.delete('u'), true, 'a key holding undefined exists');
    t.equal(await kv.has('u'), false);
  });

  contract.test('un-awaited deletes issued together each get their own answer', async (t) => {
    const kv = await t.root();
    const s = kv.node('n');
    await s.set('warm', 0); // the scope exists: everything below shares one transaction
    s.set('a', 1);
    const answers = [s.delete('a'), s.delete('a'), s.delete('b'), s.set('b', 2), s.delete('b')];
    t.equal(await Promise.all(answers), [true, false, false, undefined, true]);
    // The same on a scope created by the first write of the burst (it waits for an upgrade).
    const f = kv.node('fresh');
    f.set('a', 1);
    t.equal(await Promise.all([f.delete('a'), f.delete('a'), f.delete('x')]), [true, false, false], 'new scope');
    t.equal(await f.keys(), []);
  });

  contract.test('kv.set then kv.delete without awaiting: the delete sees the set', async (t) => {
    const kv = await t.root();
    kv.set('a', 1);
    t.equal(await kv.delete('a'), true);
  });

  contract.test('delete in a scope never written resolves false and creates nothing', async (t) => {
    const kv = await t.root();
    await kv.set('k', 1); // the database exists
    const before = await t.raw.storeNames();
    t.equal(await kv.store('nothing-here').delete('k'), false);
    t.equal(await kv.node('nobody').delete('k'), false);
    t.equal(await t.raw.storeNames(), before, 'object stores');
  });

  contract.test('delete with a non-string key is a TypeError and deletes nothing', async (t) => {
    const kv = await t.root();
    await kv.set('1', 'one');
    await t.rejects(kv.delete(1), 'TypeError');
    t.equal(await kv.get('1'), 'one');
  });
})();
