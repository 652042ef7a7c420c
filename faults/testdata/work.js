// Workloads and checks of the fault tests, shared by pages (faults.js) and the
// Worker (worker.js). Every function takes the root kv first, so that the Worker
// can run any of them by name.

/** FNV-1a (32 bit) of bytes: the checksum stored with every burst value. */
export function fnv(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** scopeOf returns the store a scope descriptor names: {kind:'host'}, {kind:'node', name}, {kind:'store', name, via}. */
export function scopeOf(kv, d) {
  switch (d.kind) {
    case 'host': return kv;
    case 'node': return kv.node(d.name);
    case 'store': return d.via === undefined ? kv.store(d.name) : kv.node(d.via).store(d.name);
  }
  throw new Error('bad scope ' + JSON.stringify(d));
}

/** Rejects with a named error if p has not settled after ms: a call that hangs fails the test by name. */
function watch(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not settle in ${ms} ms`), { name: 'Hang' })), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

// ---- 1. Concurrency: contexts creating scopes while using existing ones --------

/**
 * createScopes makes n new node scopes named who-i (each first write needs a
 * version upgrade) while writing to and reading from the existing named store
 * 'shared' and the host scope. Calls are partly awaited, partly not. It resolves
 * to {writes: [[scope, key, value]] that resolved, failures: [messages]}.
 */
export async function createScopes(kv, who, n) {
  const writes = [], failures = [], pending = [];
  const track = (what, p, onOK) => {
    const w = watch(p, 30000, what).then(onOK, (err) => { failures.push(`${what}: ${err.name}: ${err.message}`); });
    pending.push(w);
    return w;
  };
  const write = (scope, key, value) =>
    track(`${who} set ${JSON.stringify(scope)} ${key}`, scopeOf(kv, scope).set(key, value), () => writes.push([scope, key, value]));
  const read = (scope, key, want) =>
    track(`${who} get ${JSON.stringify(scope)} ${key}`, scopeOf(kv, scope).get(key), (got) => {
      if (got !== want) failures.push(`${who} get ${key}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    });
  for (let i = 0; i < n; i++) {
    const node = { kind: 'node', name: `${who}-${i}` };
    const first = write(node, 'k', i);
    write({ kind: 'store', name: 'shared' }, `${who}-${i}`, i);
    write({ kind: 'host' }, `${who}-${i}`, { i, who });
    read({ kind: 'store', name: 'shared' }, 'seed', 'seed');
    read({ kind: 'host' }, 'seed', 'seed');
    if (i > 0) read({ kind: 'node', name: `${who}-${i - 1}` }, 'k', i - 1);
    track(`${who} keys shared`, kv.store('shared').keys(), (keys) => {
      if (!keys.includes('seed')) failures.push(`${who} keys(shared) lacks seed`);
    });
    await first; // one upgrade at a time per context, so that the contexts interleave
  }
  await Promise.all(pending);
  return { writes, failures };
}

/** verifyWrites reads every [scope, key, value] and returns the mismatches. */
export async function verifyWrites(kv, writes) {
  const bad = [];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  await Promise.all(writes.map(async ([scope, key, value]) => {
    try {
      const got = await watch(scopeOf(kv, scope).get(key), 30000, 'verify get');
      if (!same(got, value)) bad.push(`${JSON.stringify(scope)} ${key}: got ${JSON.stringify(got)}, want ${JSON.stringify(value)}`);
    } catch (err) {
      bad.push(`${JSON.stringify(scope)} ${key}: ${err.name}: ${err.message}`);
    }
  }));
  return bad;
}

// ---- 2. Model-based test ----------------------------------------------------------

/** KEYS are the keys the model test uses; the model refers to them by index. */
export const KEYS = ['', 'a', 'b', 'a/b', ':', '__proto__', 'constructor', 'k\u0000', '\u{1F39B}', '\uD800', '\uFFFD', 'z'.repeat(300)];

/** keyOrder returns the indexes of KEYS in IndexedDB key order. */
export function keyOrder() {
  return KEYS.map((_, i) => i).sort((x, y) => indexedDB.cmp(KEYS[x], KEYS[y]));
}

/** valueOf makes the value a model spec {t, n} stands for. */
function valueOf({ t, n }) {
  switch (t) {
    case 'num': return n;
    case 'str': return 'v' + n;
    case 'obj': return { n, list: [n, 's' + n], nested: { n } };
    case 'bytes': return new Uint8Array([n & 255, (n >> 8) & 255, 7]);
    case 'undef': return undefined;
  }
  throw new Error('bad value spec ' + t);
}

/** describe turns a value read back into its spec, or {t:'weird'} when it is none of them. */
function describe(v) {
  if (v === undefined) return { t: 'undef' };
  if (typeof v === 'number') return { t: 'num', n: v };
  if (typeof v === 'string' && /^v\d+$/.test(v)) return { t: 'str', n: +v.slice(1) };
  if (v instanceof Uint8Array && v.length === 3 && v[2] === 7) return { t: 'bytes', n: v[0] | (v[1] << 8) };
  if (v && typeof v === 'object' && JSON.stringify(v) === JSON.stringify(valueOf({ t: 'obj', n: v.n }))) return { t: 'obj', n: v.n };
  return { t: 'weird', s: String(v) };
}

/**
 * runOps issues ops ({op, scope, key, value, wait}) in order, awaiting those with
 * wait and not the others, and resolves to one result per op: {t:'ok'}, a value
 * spec (get), a boolean (has, store), key indexes (keys), or {t:'err', name, message}.
 */
export async function runOps(kv, ops) {
  const results = new Array(ops.length);
  const pending = [];
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    let p;
    try {
      const s = scopeOf(kv, o.scope);
      const key = KEYS[o.key];
      switch (o.op) {
        case 'set': p = s.set(key, valueOf(o.value)).then(() => ({ t: 'ok' })); break;
        case 'get': p = s.get(key).then(describe); break;
        case 'has': p = s.has(key); break;
        case 'delete': p = s.delete(key).then(() => ({ t: 'ok' })); break;
        case 'clear': p = s.clear().then(() => ({ t: 'ok' })); break;
        case 'keys': p = s.keys().then((ks) => ks.map((k) => KEYS.indexOf(k))); break;
        case 'store': p = Promise.resolve(s.store(o.name) === kv.store(o.name)); break;
        default: throw new Error('bad op ' + o.op);
      }
    } catch (err) {
      p = Promise.reject(err);
    }
    p = watch(p, 30000, o.op).then(
      (r) => { results[i] = r; },
      (err) => { results[i] = { t: 'err', name: err?.name, message: String(err?.message ?? err) }; });
    pending.push(p);
    if (o.wait) await p;
  }
  await Promise.all(pending);
  return results;
}

/** dump returns every key of every scope as {scopeName: {keyIndex: spec}}. */
export async function dump(kv, scopes) {
  const out = {};
  for (const [name, d] of Object.entries(scopes)) {
    const s = scopeOf(kv, d);
    const entry = {};
    for (const k of await s.keys()) entry[KEYS.indexOf(k)] = describe(await s.get(k));
    out[name] = entry;
  }
  return out;
}

// ---- 3, 4. Write bursts, checksummed, acknowledged to Go as they resolve ------------

/**
 * startBurst issues total writes of checksummed values into node scopes, in
 * tasks of batch un-awaited writes with at most inFlight pending; every
 * newScopeEvery writes the next write goes to a new scope (a version upgrade).
 * Each resolved write is reported at once by calling ack('scope\tkey\tsum').
 * It does not wait: the burst runs until done or until the page dies.
 */
export function startBurst(kv, { total, batch, inFlight, newScopeEvery, ack }) {
  const report = globalThis[ack];
  let issued = 0, pending = 0, scope = 'burst-0';
  const state = { issued: 0, resolved: 0, done: false, failures: [] };
  globalThis.burstState = state;
  const write = (s, i, size) => {
    const key = 'k' + String(i).padStart(6, '0');
    const payload = new Uint8Array(size);
    crypto.getRandomValues(payload.subarray(0, Math.min(size, 65536)));
    const sum = fnv(payload);
    pending++;
    kv.node(s).set(key, { key, i, payload, sum }).then(
      () => { pending--; state.resolved++; report(`${s}\t${key}\t${sum}`); },
      (err) => { pending--; state.failures.push(`${key}: ${err.name}: ${err.message}`); });
  };
  const tick = () => {
    if (state.stopped) return;
    for (let b = 0; b < batch && issued < total && pending < inFlight; b++) {
      const i = issued++;
      state.issued = issued;
      if (newScopeEvery && i > 0 && i % newScopeEvery === 0) scope = 'burst-' + i / newScopeEvery;
      write(scope, i, 64 + (i * 7919) % 2048);
    }
    if (issued < total) setTimeout(tick, 0);
    else state.done = true;
  };
  tick();
  // reloadNow stops the burst, issues n more writes of 64 KiB (half of them to a
  // new scope, which needs an upgrade) and reloads the page in the same task, so
  // that they are pending when the page goes away.
  state.reloadNow = (n) => {
    state.stopped = true;
    for (let b = 0; b < n; b++) {
      const i = issued++;
      write(b % 2 ? scope : 'burst-reload', i, 65536);
    }
    state.issued = issued;
    location.reload();
    return pending;
  };
  return true;
}

/**
 * verifyBurst reads back the acknowledged writes ([scope, key, sum]) and every
 * other value the burst scopes hold. It resolves to {acked, lost, torn, present}:
 * lost are acknowledged writes that are missing, torn are values (acknowledged
 * or not) whose bytes do not match their checksum or key.
 */
export async function verifyBurst(kv, acked) {
  const lost = [], torn = [];
  const check = (scope, key, v, sum) => {
    if (v === undefined) return 'missing';
    if (!v || v.key !== key || !(v.payload instanceof Uint8Array)) return 'not a burst value: ' + JSON.stringify(v);
    if (fnv(v.payload) !== v.sum) return 'checksum mismatch';
    if (sum !== undefined && v.sum !== sum) return `sum ${v.sum}, acknowledged ${sum}`;
    return '';
  };
  for (const [scope, key, sum] of acked) {
    const problem = check(scope, key, await kv.node(scope).get(key), Number(sum));
    if (problem === 'missing') lost.push(`${scope}/${key}`);
    else if (problem) torn.push(`${scope}/${key}: ${problem}`);
  }
  let present = 0;
  for (const { kind, name } of await kv.scopes()) {
    if (kind !== 'node' || !name.startsWith('burst-')) continue;
    const s = kv.node(name);
    for (const key of await s.keys()) {
      present++;
      const problem = check(name, key, await s.get(key));
      if (problem) torn.push(`${name}/${key}: ${problem}`);
    }
  }
  return { acked: acked.length, lost, torn, present };
}

// ---- 5. Storage full -----------------------------------------------------------------

/** random returns size random (so incompressible) bytes. */
export function random(size) {
  const bytes = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(bytes.subarray(off, Math.min(size, off + 65536)));
  return bytes;
}

/**
 * fill writes checksummed random values of size bytes under keys prefix+0,
 * prefix+1, … of the host scope until a set rejects, at most max writes. It
 * resolves to {written, error: {name, message, isError}, estimate}.
 */
export async function fill(kv, size, max, prefix = 'f') {
  let written = 0, error = null;
  for (; written < max; written++) {
    const payload = random(size);
    try {
      await kv.set(prefix + written, { payload, sum: fnv(payload) });
    } catch (err) {
      error = { name: err?.name, message: String(err?.message ?? err), isError: err instanceof Error };
      break;
    }
  }
  return { written, error, estimate: await navigator.storage.estimate() };
}

/** checkFilled returns the keys prefix+from … prefix+(n-1) whose value is missing or does not match its checksum. */
export async function checkFilled(kv, n, from = 0, prefix = 'f') {
  const bad = [];
  for (let i = from; i < n; i++) {
    const v = await kv.get(prefix + i);
    if (!v || !(v.payload instanceof Uint8Array) || fnv(v.payload) !== v.sum) bad.push(prefix + i);
  }
  return bad;
}

// ---- 8. Values IndexedDB cannot store ---------------------------------------------------

/** unstorable makes a value that structured cloning can copy but not for storage. */
function unstorable(what) {
  switch (what) {
    case 'SharedArrayBuffer': return new SharedArrayBuffer(16);
    case 'Int32Array on a SharedArrayBuffer': return new Int32Array(new SharedArrayBuffer(16));
    case 'VideoFrame': {
      const canvas = new OffscreenCanvas(2, 2);
      canvas.getContext('2d').fillRect(0, 0, 2, 2);
      return new VideoFrame(canvas, { timestamp: 0 });
    }
    case 'WebAssembly.Module': return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    case 'object holding a SharedArrayBuffer': return { n: 1, list: [new SharedArrayBuffer(4)] };
  }
  throw new Error('unknown value ' + what);
}

/** bumpVersion upgrades the patch's database from another connection, which makes kv close its own: kv's next calls wait in its queue while it reopens. */
export function bumpVersion(kv) {
  return new Promise((resolve, reject) => {
    const probe = indexedDB.open('patchkv:' + kv.patch);
    probe.onerror = () => reject(probe.error);
    probe.onsuccess = () => {
      const v = probe.result.version;
      probe.result.close();
      const up = indexedDB.open('patchkv:' + kv.patch, v + 1);
      up.onerror = () => reject(up.error);
      up.onsuccess = () => { up.result.close(); resolve(v + 1); };
    };
  });
}

/**
 * storeUnstorable sets the value named what under key 'k' of a scope that holds
 * 'old', on each path a write can take (connection open; new scope, queued for the
 * upgrade; existing scope, queued while kv reconnects), each time next to a good
 * write issued in the same task. It resolves to one report per path.
 */
export async function storeUnstorable(kv, what, tag) {
  const out = [];
  const settle = (p) => p.then(() => ({ ok: true }), (e) => ({ ok: false, name: e?.name, message: String(e?.message ?? e) }));
  for (const path of ['open', 'new scope', 'reconnect']) {
    const s = path === 'new scope' ? kv.node(`fresh-${tag}`) : kv.node(`existing-${tag}-${path}`);
    if (path !== 'new scope') await s.set('k', 'old');
    if (path === 'reconnect') await bumpVersion(kv);
    const value = unstorable(what);
    const good = settle(s.set('good', path));
    const bad = settle(s.set('k', value));
    /** @type {any} */ (value).close?.(); // a VideoFrame holds decoder memory until closed
    const r = { path, good: await good, bad: await bad };
    r.goodValue = await s.get('good');
    r.kept = await s.get('k');
    r.next = await settle(s.set('next', 1));
    out.push(r);
  }
  return out;
}

/** imageBitmapRoundTrip stores a 3×2 ImageBitmap and reads it back: Chromium stores ImageBitmaps. */
export async function imageBitmapRoundTrip(kv) {
  const data = new ImageData(3, 2);
  data.data.fill(200);
  await kv.set('bitmap', await createImageBitmap(data));
  const back = await kv.get('bitmap');
  const ctx = new OffscreenCanvas(3, 2).getContext('2d');
  ctx.drawImage(back, 0, 0);
  return [Object.prototype.toString.call(back), back.width, back.height, ...ctx.getImageData(2, 1, 1, 1).data];
}

// ---- Live changes and atomic update (live_test.go) --------------------------------

/** bump increments store's key n times with awaited updates and resolves to the value it then reads. */
export async function bump(kv, store, key, n) {
  const s = kv.store(store);
  for (let i = 0; i < n; i++) await s.update(key, (v) => (v ?? 0) + 1);
  return s.get(key);
}

/** deleteAt deletes each of keys of store, all in one task at time `at` (Date.now() ms), and resolves to the answers. */
export async function deleteAt(kv, store, keys, at) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
  const s = kv.store(store);
  return Promise.all(keys.map((k) => s.delete(k)));
}

const listening = new Map();

/** listen starts recording every change of the patch (kv.watch) under name, with its arrival time. */
export function listen(kv, name) {
  const changes = [];
  const stop = kv.watch((c) => changes.push({ ...c, at: performance.timeOrigin + performance.now() }));
  listening.set(name, { changes, stop });
  return true;
}

/** unlisten stops listener name (its last listener in this context: the hub says so to the others). */
export function unlisten(name) {
  listening.get(name).stop();
  return true;
}

/** heard resolves to what listener name recorded once it has at least n changes (or after ms). */
export async function heard(kv, name, n, ms = 10000) {
  const l = listening.get(name);
  const end = Date.now() + ms;
  while (l.changes.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return l.changes;
}

/** changeScript makes the changes live_test.go expects, in this order; failures produce none. */
export async function changeScript(kv, tag) {
  const s = kv.store('shared');
  await s.set(tag + '-a', 1);
  await s.update(tag + '-b', (v) => (v ?? 0) + 1);
  await s.delete(tag + '-a'); // existed: an event
  await s.delete(tag + '-missing'); // did not: none
  await s.set(tag + '-fn', () => 1).catch(() => {}); // DataCloneError: none
  await s.update(tag + '-b', () => { throw new Error('no'); }).catch(() => {}); // none
  await kv.node(tag).set('n', 1);
  await kv.node(tag).clear();
  return true;
}
