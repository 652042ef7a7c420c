// Scopes: a node's keys are its own, a named store is one store whoever opens it,
// the host scope stands apart, patches never meet; each scope is an object store
// created by its first write.

(() => {
  contract.test('node scopes, named stores and the host scope are isolated', async (t) => {
    const kv = await t.root();
    await kv.node('a').set('k', 'node a');
    await kv.node('b').set('k', 'node b');
    await kv.store('a').set('k', 'store a');
    await kv.set('k', 'host');
    t.equal(await kv.node('a').get('k'), 'node a');
    t.equal(await kv.node('b').get('k'), 'node b');
    t.equal(await kv.store('a').get('k'), 'store a', 'a store named like a node');
    t.equal(await kv.get('k'), 'host');
    await kv.node('a').clear();
    t.equal(await kv.node('a').keys(), [], 'cleared');
    t.equal(await kv.node('b').get('k'), 'node b', 'clear touched another node');
    t.equal(await kv.store('a').get('k'), 'store a', 'clear touched a named store');
    t.equal(await kv.get('k'), 'host', 'clear touched the host scope');
  });

  contract.test('named stores with one name are one store', async (t) => {
    const kv = await t.root();
    await kv.node('a').store('s').set('from a', 1);
    await kv.node('b').store('s').set('from b', 2);
    await kv.store('s').set('from root', 3);
    await kv.store('s').store('s').set('from store', 4);
    t.equal(await kv.store('s').keys(), ['from a', 'from b', 'from root', 'from store']);
    t.equal(await kv.node('a').store('s').get('from b'), 2);
    t.ok(kv.store('s') === kv.node('x').store('s'), 'different objects for one store');
    t.equal(await kv.node('a').keys(), [], "the node's own scope");
  });

  contract.test('any string is a node id or store name, and names never collide', async (t) => {
    const kv = await t.root();
    const names = ['', '__proto__', ':', 'host', 'node:x', 'store:x', 'a/b', '🎛️', 'a\0b', 'back\\slash', '\\0', '\0'];
    for (const name of names) {
      await kv.node(name).set('k', 'node');
      await kv.store(name).set('k', 'store');
    }
    for (const name of names) {
      t.equal(await kv.node(name).get('k'), 'node', `node ${t.show(name)}`);
      t.equal(await kv.store(name).get('k'), 'store', `store ${t.show(name)}`);
    }
    t.equal(await kv.keys(), [], 'the host scope');
    t.equal(await kv.node('x').keys(), [], 'node "x" against store "node:x"');
    // The layout: one object store per scope, named by its kind and the name as it is.
    const want = names.flatMap((n) => ['node:' + n, 'store:' + n]).sort();
    t.equal((await t.raw.storeNames()).sort(), want, 'object stores');
  });

  contract.test('a node id or store name that is not a well-formed string is a TypeError', async (t) => {
    const kv = await t.root();
    // Good names first: kv then makes the stores of further names itself.
    kv.node('fine');
    kv.store('fine').store('fine');
    /** @type {Array<[string, () => import('../../../js/kv.d.ts').KVStore]>} */
    const bad = [
      ['kv.node(1)', () => kv.node(/** @type {any} */ (1))],
      ['kv.node()', () => /** @type {any} */ (kv).node()],
      ['kv.store(null)', () => kv.store(/** @type {any} */ (null))],
      ['kv.store({})', () => kv.store(/** @type {any} */ ({}))],
      ["kv.node('a').store(2)", () => kv.node('a').store(/** @type {any} */ (2))],
      ["kv.store('a', 'b')", () => /** @type {any} */ (kv).store('a', 'b')],
      ["kv.node('\\uD800')", () => kv.node('\uD800')],
      ["kv.store('a\\uDC00')", () => kv.store('a\uDC00')],
      ["kv.node('n').store('\\uD800')", () => kv.node('n').store('\uD800')],
    ];
    for (const [what, make] of bad) {
      // Either node()/store() throws the TypeError, or the store's first call rejects with it.
      let s;
      try {
        s = make();
      } catch (err) {
        t.equal(err?.name, 'TypeError', `${what} threw`);
        continue;
      }
      await t.rejects(s.set('k', 1), 'TypeError', `${what}.set`);
      await t.rejects(s.get('k'), 'TypeError', `${what}.get`);
    }
    t.equal(await kv.scopes(), [], 'no scope was created');
  });

  contract.test('patches never see each other', async (t) => {
    const a = await t.root();
    const b = await t.root(t.newPatch());
    await a.set('k', 'a');
    await a.node('n').set('k', 'a');
    await a.store('s').set('k', 'a');
    t.equal(await b.get('k'), undefined);
    t.equal(await b.node('n').keys(), []);
    t.equal(await b.store('s').keys(), []);
    await b.set('k', 'b');
    t.equal(await a.get('k'), 'a');
  });

  contract.test('reading a scope never written creates nothing', async (t) => {
    const kv = await t.root();
    const s = kv.node('never');
    t.equal(await s.get('k'), undefined);
    t.equal(await s.has('k'), false);
    t.equal(await s.keys(), []);
    await s.delete('k');
    await s.clear();
    t.equal(await kv.store('never').get('k'), undefined);
    t.equal(await kv.get('k'), undefined);
    t.equal(await t.raw.storeNames(), [], 'object stores');
    t.equal(await kv.scopes(), [], 'scopes()');
    await kv.node('written').set('k', 1);
    t.equal(await t.raw.storeNames(), ['node:written'], 'object stores after a write');
    t.equal(await kv.scopes(), [{ kind: 'node', name: 'written' }], 'scopes() after a write');
  });

  contract.test('scopes() lists every written scope', async (t) => {
    const kv = await t.root();
    await kv.set('h', 1);
    await kv.node('n').set('k', 1);
    await kv.store('s').set('k', 1);
    await kv.store('s').clear();
    const scopes = await kv.scopes();
    const has = (kind, name) => scopes.some((s) => s.kind === kind && s.name === name);
    t.ok(has('host', '') && has('node', 'n') && has('store', 's'), `scopes() = ${t.show(scopes)}`);
    t.equal(scopes.length, 3, `scopes() = ${t.show(scopes)}`);
  });

  contract.test('new scopes written in one task share one version upgrade', async (t) => {
    const kv = await t.root();
    await kv.set('seed', 1);
    const before = await t.raw.version();
    const ps = [];
    for (let i = 0; i < 20; i++) ps.push(kv.node('n' + i).set('k', i));
    await Promise.all(ps);
    t.equal((await t.raw.version()) - before, 1, 'upgrades for 20 new scopes');
    t.equal((await kv.scopes()).length, 21, 'scopes');
  });

  contract.test('a database deleted by someone else is recreated by the next write', async (t) => {
    const kv = await t.root();
    await kv.node('n').set('k', 1);
    const deleted = t.raw.deleteDatabase(t.patch);
    await Promise.race([deleted, t.sleep(5000).then(() => t.fail('deleteDatabase blocked: kv did not close its connection'))]);
    t.equal(await kv.node('n').get('k'), undefined, 'after the delete');
    await kv.node('n').set('k', 2);
    t.equal(await kv.node('n').get('k'), 2, 'written again');
  });
})();
