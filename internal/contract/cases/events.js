// Live changes in one context: subscribe on a store, watch on the root (README
// "Live changes"). Changes from other pages and workers: faults/live_test.go.

(() => {
  /** Waits until cond() holds, failing the case after ms. */
  const until = async (t, cond, what, ms = 5000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) t.fail(`timed out waiting for ${what}`);
      await t.sleep(5);
    }
  };

  contract.test('subscribe gets set, update, delete and clear of its store once committed', async (t) => {
    const kv = await t.root();
    const s = kv.store('s');
    const got = [];
    const stop = s.subscribe((c) => got.push(c));
    t.equal(typeof stop, 'function', 'subscribe returns unsubscribe');
    const p = s.set('a', 1);
    t.equal(got.length, 0, 'called synchronously inside set');
    await p;
    await s.update('a', (v) => v + 1);
    t.equal(await s.delete('a'), true);
    t.equal(await s.delete('a'), false); // removed nothing: no event
    await s.clear();
    const scope = { kind: 'store', name: 's' };
    await until(t, () => got.length >= 4, 'four changes');
    await t.sleep(50);
    t.equal(got, [
      { scope, op: 'set', key: 'a' },
      { scope, op: 'set', key: 'a' },
      { scope, op: 'delete', key: 'a' },
      { scope, op: 'clear' },
    ]);
    stop();
  });

  contract.test("subscribe sees only its own store's changes; watch sees every scope", async (t) => {
    const kv = await t.root();
    const mine = [];
    const all = [];
    const s = kv.store('mine');
    s.subscribe((c) => mine.push(c));
    kv.watch((c) => all.push(c));
    await kv.node('mine').set('n', 1);
    await kv.set('h', 1);
    await kv.store('other').set('o', 1);
    await kv.node('x').store('mine').set('m', 1); // the same named store, opened from a node
    await until(t, () => all.length >= 4, 'four changes');
    await t.sleep(50);
    t.equal(mine, [{ scope: { kind: 'store', name: 'mine' }, op: 'set', key: 'm' }]);
    t.equal(all, [
      { scope: { kind: 'node', name: 'mine' }, op: 'set', key: 'n' },
      { scope: { kind: 'host', name: '' }, op: 'set', key: 'h' },
      { scope: { kind: 'store', name: 'other' }, op: 'set', key: 'o' },
      { scope: { kind: 'store', name: 'mine' }, op: 'set', key: 'm' },
    ]);
  });

  contract.test('changes arrive once each, in the order they committed', async (t) => {
    const kv = await t.root();
    const got = [];
    kv.watch((c) => got.push(c.key));
    const s = kv.node('burst');
    await s.set('warm', 0);
    const ps = [];
    for (let i = 0; i < 200; i++) ps.push(s.set('k' + i, i));
    await Promise.all(ps);
    await kv.store('two').set('x', 1);
    await until(t, () => got.length >= 202, '202 changes');
    await t.sleep(50);
    t.equal(got, ['warm', ...ps.map((_, i) => 'k' + i), 'x']);
  });

  contract.test('after unsubscribe the listener is not called; calling it twice is harmless', async (t) => {
    const kv = await t.root();
    const a = [];
    const b = [];
    const stopA = kv.subscribe((c) => a.push(c.key));
    const stopB = kv.watch((c) => b.push(c.key));
    await kv.set('one', 1);
    await until(t, () => a.length === 1 && b.length === 1, 'the first change');
    stopA();
    stopA();
    const p = kv.set('two', 2);
    stopB(); // before the change commits
    await p;
    const c = [];
    kv.watch((ch) => c.push(ch.key));
    await kv.set('three', 3);
    await until(t, () => c.length >= 1, 'a change to a third listener');
    t.equal(a, ['one']);
    t.equal(b, ['one']);
  });

  contract.test("a listener subscribed once a write has resolved does not get that write's change", async (t) => {
    const kv = await t.root();
    // 'old' exists, so its writes go at once; 'new' is created by its first
    // write, which waits for an upgrade. Another listener is there all along,
    // so each change is queued for delivery when its write resolves.
    const old = kv.store('late-old');
    await old.set('warm', 0);
    for (const s of [old, kv.store('late-new')]) {
      const early = [];
      const stopEarly = s.subscribe((c) => early.push(c.key));
      await s.set('a', 1);
      const late = [];
      const stopLate = s.subscribe((c) => late.push(c.key));
      await s.set('b', 2);
      await until(t, () => early.length >= 2 && late.length >= 1, 'the changes');
      await t.sleep(50);
      t.equal(early, ['a', 'b'], 'the listener that was there gets both');
      t.equal(late, ['b'], 'the late listener gets only the write made after it subscribed');
      stopEarly();
      stopLate();
    }
  });

  contract.test('a listener that throws is reported and the others are still called', async (t) => {
    const kv = await t.root();
    const reported = [];
    const onError = (e) => {
      if (e.error?.message === 'listener failed') {
        reported.push(e.error);
        e.preventDefault();
      }
    };
    globalThis.addEventListener('error', onError);
    try {
      const got = [];
      kv.subscribe(() => {
        throw new Error('listener failed');
      });
      kv.subscribe((c) => got.push(c.key));
      await kv.set('a', 1);
      await kv.set('b', 2);
      await until(t, () => got.length >= 2 && reported.length >= 2, 'both changes and both reports');
      t.equal(got, ['a', 'b']);
    } finally {
      globalThis.removeEventListener('error', onError);
    }
  });

  contract.test('subscribe and watch with something other than a function throw a TypeError', async (t) => {
    const kv = await t.root();
    for (const bad of [undefined, null, 1, 'f', {}]) {
      t.throws(() => kv.store('s').subscribe(bad), 'TypeError', `subscribe(${t.show(bad)})`);
      t.throws(() => kv.subscribe(bad), 'TypeError', `kv.subscribe(${t.show(bad)})`);
      t.throws(() => kv.watch(bad), 'TypeError', `watch(${t.show(bad)})`);
    }
  });

  contract.test('writes that fail produce no event', async (t) => {
    const kv = await t.root();
    const got = [];
    kv.watch((c) => got.push(c.key));
    await kv.set('k', 1);
    await t.rejects(kv.set('fn', () => 1), 'DataCloneError');
    await t.rejects(kv.update('k', () => {
      throw new Error('no');
    }), 'Error');
    await t.rejects(kv.update('k', () => Promise.resolve(2)), 'TypeError');
    await t.rejects(kv.update('k', () => Symbol('s')), 'DataCloneError');
    await t.rejects(kv.set(1, 1), 'TypeError');
    await kv.set('last', 1);
    await until(t, () => got.includes('last'), 'the last change');
    t.equal(got, ['k', 'last']);
  });

  contract.test('changes of another patch never arrive', async (t) => {
    const kv = await t.root();
    const other = await t.root(t.newPatch());
    const got = [];
    kv.watch((c) => got.push(c));
    other.watch(() => {});
    await other.set('x', 1);
    await other.store('s').set('y', 1);
    await kv.set('mine', 1);
    await until(t, () => got.length >= 1, 'the own change');
    await t.sleep(50);
    t.equal(got.map((c) => c.key), ['mine']);
  });

  contract.test('a read issued after a write in the same task resolves after it commits', async (t) => {
    const kv = await t.root();
    const s = kv.store('s');
    await s.set('warm', 0);
    const order = [];
    const w = s.set('a', 1).then(() => order.push('set'));
    const r = s.get('a').then((v) => order.push('get ' + v));
    await Promise.all([w, r]);
    t.equal(order, ['set', 'get 1']);
  });
})();
