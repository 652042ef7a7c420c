// A call made where the JavaScript stack is nearly full (issue 14 #1): it may
// fail, but only that call, and the module keeps answering.

contract.test('a call on a nearly full stack fails alone and kv keeps working', async (t) => {
  const kv = await t.root();
  await kv.set('a', 1);
  const s = kv.node('n');
  /** @type {Promise<any>[]} */
  const settled = [];
  let bottom = -1;
  let threw = 0;
  // Recurse until the stack overflows, then call kv at each of the last
  // 3,000 frames on the way back: every headroom from none to plenty.
  const deep = (/** @type {number} */ d) => {
    try {
      deep(d + 1);
    } catch {
      if (bottom < 0) bottom = d;
    }
    if (d < bottom - 3000) return;
    try {
      const api = /** @type {any} */ (globalThis).patchkv;
      const p =
        d % 5 === 0 ? kv.get('a')
        : d % 5 === 1 ? s.set('k', d)
        : d % 5 === 2 ? Promise.resolve(kv.node('m' + d))
        : d % 5 === 3 ? api.open(kv.patch) // the module's own entries too
        : Promise.resolve(api.attach({}));
      settled.push(Promise.resolve(p).then(() => 'ok', (e) => e.name));
    } catch (e) {
      threw++;
      t.ok(e instanceof RangeError, 'only a RangeError may be thrown, got ' + e);
    }
  };
  deep(0);
  const results = await Promise.all(settled);
  for (const r of results) t.ok(r === 'ok' || r === 'RangeError', 'a call settled with ' + r);
  t.ok(results.includes('ok'), 'calls with room work');
  t.equal(await kv.get('a'), 1, 'kv answers afterwards');
  await s.set('k', 'after');
  t.equal(await s.get('k'), 'after');
  t.equal(threw >= 0, true);
});
