// Arguments: a wrong call is a TypeError in a rejected Promise, never a throw, and
// stores nothing; methods work unbound.

(() => {
  contract.test('wrong arguments are TypeErrors, never throws', async (t) => {
    const kv = /** @type {any} */ (await t.root());
    /** @type {Array<[string, () => any]>} */
    const calls = [
      ['get()', () => kv.get()],
      ["get('a', 'b')", () => kv.get('a', 'b')],
      ["set('a')", () => kv.set('a')],
      ["set('a', 1, 2)", () => kv.set('a', 1, 2)],
      ['has()', () => kv.has()],
      ['delete()', () => kv.delete()],
      ['keys(1)', () => kv.keys(1)],
      ['clear(1)', () => kv.clear(1)],
      ["get.call({}, 'a')", () => kv.get.call({}, 'a')],
      ["set.call(another store, 'a', 1)", () => kv.set.call(kv.node('x'), 'a', 1)],
    ];
    for (const [what, call] of calls) {
      let p;
      try {
        p = call();
      } catch (err) {
        t.fail(`${what} threw synchronously: ${err}`);
      }
      await t.rejects(p, 'TypeError', what);
    }
    t.equal(await kv.keys(), [], 'nothing stored');
    t.equal(await kv.node('x').keys(), [], 'nothing stored in the other store');
  });

  contract.test('methods work unbound', async (t) => {
    const kv = await t.root();
    const { set, get, has, keys } = kv;
    await set('a', 1);
    t.equal(await get('a'), 1);
    t.equal(await has('a'), true);
    t.equal(await keys(), ['a']);
    const { set: nodeSet } = kv.node('n');
    await nodeSet('b', 2);
    t.equal(await kv.node('n').get('b'), 2, 'an unbound node method uses its node');
  });
})();
