// Hostile objects as keys, node ids and store names never make a call throw
// (issue 14 #7): data methods reject with a TypeError, node() and store() give a
// store whose calls reject.

(() => {
  const hostile = () => {
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const trap = () => {
      throw new Error('trap');
    };
    return [
      ['a revoked Proxy', revocable.proxy],
      ['a Proxy whose every trap throws', new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap })],
      ['an object whose toString throws', { toString: trap, valueOf: trap, [Symbol.toPrimitive]: trap }],
    ];
  };

  contract.test('a throwing Proxy as a key rejects with a TypeError, never throws', async (t) => {
    const kv = await t.root();
    for (const [what, key] of hostile()) {
      /** @type {Record<string, () => Promise<any>>} */
      const calls = {
        get: () => kv.get(key),
        set: () => kv.set(key, 1),
        has: () => kv.has(key),
        delete: () => kv.delete(key),
        update: () => kv.update(key, () => 1),
      };
      for (const [name, call] of Object.entries(calls)) {
        let p;
        try {
          p = call();
        } catch (err) {
          t.fail(`${name}(${what}) threw ${t.show(err)}`);
        }
        await t.rejects(p, 'TypeError', `${name}(${what})`);
      }
    }
    t.equal(await kv.keys(), [], 'nothing written');
  });

  contract.test('a throwing Proxy as a node id or store name gives a store whose calls reject', async (t) => {
    const kv = await t.root();
    for (const [what, name] of hostile()) {
      /** @type {Array<[string, () => any]>} */
      const makers = [['node', () => kv.node(name)], ['store', () => kv.store(name)], ['store of a node', () => kv.node('n').store(name)]];
      for (const [how, make] of makers) {
        let s;
        try {
          s = make();
        } catch (err) {
          t.fail(`${how}(${what}) threw ${t.show(err)}`);
        }
        await t.rejects(s.set('k', 1), 'TypeError', `${how}(${what}).set`);
        await t.rejects(s.get('k'), 'TypeError', `${how}(${what}).get`);
      }
    }
    t.equal(await kv.scopes(), [], 'no scope created');
  });
})();
