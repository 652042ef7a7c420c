// The shape of the API: what loadKV resolves to, which methods a store has, and
// that every data method answers with a Promise instead of throwing.

(() => {
  const methods = (o) => Object.keys(o).filter((k) => typeof o[k] === 'function').sort();
  // A scoped store has exactly these methods; the root has them and the whole
  // patch's, of which the ones for a patch's data as a whole (export, import,
  // removeScope, destroy) may still be on their way: the root has nothing else.
  const STORE = ['clear', 'delete', 'get', 'has', 'keys', 'set', 'store', 'subscribe', 'update'];
  const STORE_NOW = STORE;
  const STORE_ALLOWED = STORE;
  const ROOT_NOW = [...STORE, 'node', 'scopes', 'watch'];
  const ROOT_ALLOWED = [...ROOT_NOW, 'export', 'import', 'removeScope', 'destroy'];

  const checkMethods = (t, o, now, allowed, what) => {
    const got = methods(o);
    const missing = now.filter((m) => !got.includes(m));
    const extra = got.filter((m) => !allowed.includes(m));
    t.ok(!missing.length && !extra.length, `${what} has methods ${t.show(got)}: missing ${t.show(missing)}, not allowed ${t.show(extra)}`);
  };

  contract.test('the root has the patch id and the methods of a store, node and scopes', async (t) => {
    const kv = await t.root();
    t.equal(kv.patch, t.patch, 'kv.patch');
    checkMethods(t, kv, ROOT_NOW, ROOT_ALLOWED, 'the root');
    checkMethods(t, kv.node('n'), STORE_NOW, STORE_ALLOWED, 'a node store');
    checkMethods(t, kv.store('s'), STORE_NOW, STORE_ALLOWED, 'a named store');
    checkMethods(t, kv.node('n').store('t'), STORE_NOW, STORE_ALLOWED, "a node's named store");
  });

  contract.test('opening the same patch twice gives the same root', async (t) => {
    const a = await t.root();
    const b = await t.root(t.patch);
    t.ok(a === b, 'two roots for one patch');
    const other = await t.root(t.newPatch());
    t.ok(other !== a, 'another patch gave the same root');
  });

  contract.test('a patch id must be a well-formed string', async (t) => {
    for (const bad of [42, null, {}, Symbol('p')]) await t.rejects(t.root(bad), 'TypeError', `patch ${t.show(bad)}`);
    await t.rejects(t.root('\uD800'), 'TypeError', 'a lone surrogate');
  });

  contract.test('every data method returns a Promise and never throws', async (t) => {
    const kv = await t.root();
    for (const s of [kv, kv.node('p'), kv.store('p')]) {
      const calls = [() => s.get('a'), () => s.set('a', 1), () => s.has('a'), () => s.delete('a'), () => s.keys(), () => s.clear()];
      for (const call of calls) {
        let p;
        try {
          p = call();
        } catch (err) {
          t.fail(`${call} threw synchronously: ${err}`);
        }
        t.ok(p instanceof Promise, `${call} returned ${t.show(p)}, not a Promise`);
        await p;
      }
    }
    t.ok(kv.scopes() instanceof Promise, 'scopes() is not a Promise');
  });
})();
