// Prepended to every script the wasm tests run (run in wasm/helpers_test.go): `same`
// compares two values by type and content the way a user would expect a round trip
// to preserve them. A classic script: its declarations land in the test script's
// function scope. Its type for the other fixtures: helpers.d.ts.

/** @param {any} v */
const tag = (v) => Object.prototype.toString.call(v);
/**
 * @param {any} a
 * @param {any} b
 * @returns {Promise<void>}
 */
async function same(a, b, path = 'value') {
  if (typeof a !== typeof b) throw new Error(path + ': typeof ' + typeof a + ' != ' + typeof b);
  if (typeof a !== 'object' || a === null || b === null) {
    if (!Object.is(a, b)) throw new Error(path + ': ' + String(a) + ' !== ' + String(b));
    return;
  }
  if (tag(a) !== tag(b)) throw new Error(path + ': ' + tag(a) + ' != ' + tag(b));
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) throw new Error(path + ': prototypes differ');
  if (a instanceof Blob) {
    if (a.type !== b.type || a.size !== b.size) throw new Error(path + ': blob type/size differ');
    if (a instanceof File && a.name !== b.name) throw new Error(path + ': file name differs');
    await same(new Uint8Array(await a.arrayBuffer()), new Uint8Array(await b.arrayBuffer()), path + '.bytes');
    return;
  }
  if (a instanceof ArrayBuffer) return same(new Uint8Array(a), new Uint8Array(b), path);
  if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) throw new Error(path + ': byteLength differs');
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) throw new Error(path + ': byte ' + i + ' differs');
    return;
  }
  if (a instanceof Date) return same(a.getTime(), b.getTime(), path);
  if (a instanceof RegExp) return same(String(a), String(b), path);
  if (a instanceof Map) return same([...a.entries()], [...b.entries()], path);
  if (a instanceof Set) return same([...a], [...b], path);
  const ka = Object.keys(a), kb = Object.keys(b);
  await same(ka.join('\u0000'), kb.join('\u0000'), path + ' keys');
  for (const k of ka) await same(a[k], b[k], path + '.' + k);
}
