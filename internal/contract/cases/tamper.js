// Code in the page (a node's, in one realm) cannot disable storage for everyone
// through the module's globals (issue 14 #6): the loader took what it needs once.

(() => {
  contract.test("the module's globals cannot be replaced or broken", async (t) => {
    // Without the loader nothing has been attached yet: a stranger's attach would
    // be the first, which the js.Func entry's tests do not model.
    t.skipIf(t.entry === 'jsfunc', 'the js.Func entry has no loader');
    const kv = await t.root();
    const api = /** @type {any} */ (globalThis).patchkv;
    const { open, attach } = api;
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const hostile = [
      { patchkv_call: () => 0 },
      { get patchkv_call() { throw new Error('getter'); } },
      revocable.proxy,
      10n,
      undefined,
    ];
    for (const h of hostile) {
      try {
        api.attach(h);
      } catch (err) {
        t.fail(`attach(${t.show(h)}) threw ${t.show(err)}`);
      }
    }
    for (const name of ['open', 'attach']) {
      try {
        api[name] = () => Promise.resolve(null);
      } catch {
        // not writable: strict code gets a TypeError
      }
      try {
        delete api[name];
      } catch {
        // not configurable
      }
    }
    t.ok(api.open === open && api.attach === attach, 'open and attach replaced or deleted');
    await kv.set('a', 1);
    t.equal(await kv.get('a'), 1, 'a set after the attempts');
    t.ok(typeof kv.node('n').set === 'function', 'node() still gives stores');
    const other = await t.root(t.newPatch());
    await other.set('b', 2);
    t.equal(await other.get('b'), 2, 'a patch opened after the attempts');
  });
})();
