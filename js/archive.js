// js/archive.js — a patch's data as a whole (README "Export and import"): the export
// file's codec and kv.export(), kv.import(), kv.removeScope() and kv.destroy().
// kv.wasm's root methods call these through a handle (Handle below) whose primitives
// are Go's: the open connection in call order, creating object stores in one upgrade,
// deleting one, deleting the database. The loader (kv.js) imports this module the first
// time one of them is called, so it costs nothing at start-up and nothing in kv.wasm;
// values go from IndexedDB into the file and back without ever crossing into Go.
//
// File layout, version 1 (all integers little-endian):
//
//   offset  size  field
//   0       8     magic: 89 50 4B 56 0D 0A 1A 0A ("\x89PKV\r\n\x1a\n": catches text-mode
//                 transfers and files that are not exports)
//   8       4     format version (uint32) = 1
//   12      8     manifest length M in bytes (uint64)
//   20      8     data length D in bytes (uint64)
//   28      4     CRC-32 (IEEE) of the manifest bytes
//   32      M     manifest: UTF-8 JSON (below)
//   32+M    D     data: the binary sections, one after the other, no padding
//
// The file is exactly 32 + M + D bytes. The manifest is
//   {"format":"patchkv-export","version":1,"patch":"<id>","exported":"<ISO date>",
//    "sections":[length, ...], "scopes":[{"kind":"host"|"node"|"store","name":"…",
//    "entries":[[key, value], ...]}, ...]}
// Keys are JSON strings (JSON.stringify escapes lone surrogates, so any JavaScript
// string survives). A value is encoded as itself when it is a string, a finite
// number other than -0, a boolean or null; anything else is an array whose first
// element is a tag (a stored array is tag "a", so a JSON array is always a tag):
//   ["u"] undefined          ["n","NaN"|"Infinity"|"-Infinity"|"-0"]   ["i","123"] bigint
//   ["D",id,ms|"NaN"] Date   ["R",id,source,flags] RegExp
//   ["P",id,value] Boolean/Number/String/BigInt object
//   ["E",id,name,message,stack|null] Error
//   ["a",id,length,[values]|null,[key,value,...]] Array: values for a dense array,
//       null and every index in the pairs for a sparse one; pairs also hold extra props
//   ["o",id,key,value,...] plain object     ["M",id,key,value,...] Map   ["S",id,value,...] Set
//   ["B",id,section,maxByteLength?] ArrayBuffer (its bytes are data section `section`)
//   ["T",id,"Uint8Array"|…,buffer,byteOffset,length] typed array (buffer: a "B" or "r")
//   ["V",id,buffer,byteOffset,byteLength] DataView
//   ["b",id,section,type] Blob   ["f",id,section,type,name,lastModified] File
//   ["r",id] the object numbered id earlier in the same value (shared and cyclic references)
// Objects are numbered in the order they are met, per stored value. Section i starts
// at 32 + M + the sum of the lengths of sections 0..i-1.
//
// Blobs and Files go into the export Blob by reference (new Blob([header, manifest,
// ...sections])) and come back as slices of the imported file: their bytes are never
// read into JavaScript or Go memory here. ArrayBuffers are read from the file in
// chunks of up to CHUNK bytes.

// @ts-check

/** @typedef {{ kind: 'host' | 'node' | 'store', name: string, entries: Array<[string, any]> }} ArchiveScope */
/** @typedef {{ patch: string, scopes: ArchiveScope[], stores: string[], keys: number, file: Blob }} Archive */
/**
 * Handle is what kv.wasm hands these functions for one patch: its id, Go's
 * primitives (call) and the patch's events hub (idb/events.js), through which
 * subscribers in every context learn that a scope was reset.
 * @typedef {{
 *   patch: string,
 *   call: {
 *     (op: 'conn'): Promise<IDBDatabase>,
 *     (op: 'ensure', names: string[]): Promise<void>,
 *     (op: 'deleteStore', name: string): Promise<boolean>,
 *     (op: 'destroy'): Promise<void>,
 *   },
 *   hub?: { emit(changes: Array<{scope: {kind: string, name: string} | null, op: string}>): void },
 * }} Handle
 */

const MAGIC = [0x89, 0x50, 0x4b, 0x56, 0x0d, 0x0a, 0x1a, 0x0a];
/** VERSION is the file format version this module writes, and the only one it reads. */
export const VERSION = 1;
const HEADER = 32;
const FORMAT = 'patchkv-export';
/** ArrayBuffer sections are read from the file in runs of at most this many bytes. */
const CHUNK = 8 << 20;

const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

/** @param {string} message */
const dataError = (message) => new DOMException('patchkv: import: ' + message, 'DataError');

/** @type {Uint32Array | undefined} */
let crcTable;
/**
 * crc32 is the CRC-32 of bytes (IEEE 802.3, as in gzip and PNG).
 * @param {Uint8Array} bytes
 */
export function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** storeName is scope.ObjectStore in Go: keep in sync with scope/scope.go. */
const storeName = (/** @type {string} */ kind, /** @type {string} */ name) => kind === 'host' ? 'host' : kind + ':' + name;

/**
 * scopeOf is scope.Parse in Go: the scope an object store holds, or null for
 * object stores that patchkv did not make.
 * @param {string} store
 * @returns {{kind: 'host'|'node'|'store', name: string} | null}
 */
function scopeOf(store) {
  if (store === 'host') return { kind: 'host', name: '' };
  if (store.startsWith('node:')) return { kind: 'node', name: store.slice(5) };
  if (store.startsWith('store:')) return { kind: 'store', name: store.slice(6) };
  return null;
}

/**
 * patchStores lists the object stores of conn that hold patchkv scopes.
 * @param {IDBDatabase} conn
 */
function patchStores(conn) {
  return Array.from(conn.objectStoreNames).filter((n) => scopeOf(n) !== null);
}

// ---- encoding ----

/**
 * Encoder turns one stored value into its JSON form, appending binary sections to parts.
 */
class Encoder {
  /**
   * @param {Array<Blob | Uint8Array>} parts  the data sections so far
   * @param {number[]} lengths                their lengths
   */
  constructor(parts, lengths) {
    this.parts = parts;
    this.lengths = lengths;
    /** @type {Map<object, number>} */
    this.ids = new Map();
  }

  /** @param {Blob | Uint8Array} part @param {number} length */
  section(part, length) {
    this.parts.push(part);
    this.lengths.push(length);
    return this.lengths.length - 1;
  }

  /**
   * @param {any} v
   * @returns {any}
   */
  value(v) {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (Number.isFinite(v) && !Object.is(v, -0)) return v;
        return ['n', Object.is(v, -0) ? '-0' : String(v)];
      case 'bigint':
        return ['i', v.toString()];
      case 'undefined':
        return ['u'];
      case 'object':
        if (v === null) return null;
        break;
      default:
        throw new DOMException(`patchkv: export: a stored ${typeof v} cannot be encoded`, 'DataCloneError');
    }
    const seen = this.ids.get(v);
    if (seen !== undefined) return ['r', seen];
    const id = this.ids.size;
    this.ids.set(v, id);
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    if (Array.isArray(v)) return this.array(v, id);
    if (v instanceof ArrayBuffer) {
      const out = ['B', id, this.section(new Uint8Array(v), v.byteLength)];
      if (v.resizable) out.push(v.maxByteLength);
      return out;
    }
    if (ArrayBuffer.isView(v)) {
      if (v instanceof DataView) return ['V', id, this.value(v.buffer), v.byteOffset, v.byteLength];
      const name = TYPED.find((t) => tag === t);
      if (!name) throw new DOMException(`patchkv: export: a stored ${tag} cannot be encoded`, 'DataCloneError');
      return ['T', id, name, this.value(v.buffer), v.byteOffset, /** @type {any} */ (v).length];
    }
    if (typeof File !== 'undefined' && v instanceof File) {
      return ['f', id, this.section(v, v.size), v.type, v.name, v.lastModified];
    }
    if (v instanceof Blob) return ['b', id, this.section(v, v.size), v.type];
    if (v instanceof Date) {
      const t = v.getTime();
      return ['D', id, Number.isNaN(t) ? 'NaN' : t];
    }
    if (v instanceof RegExp) return ['R', id, v.source, v.flags];
    if (v instanceof Map) {
      const out = ['M', id];
      for (const [k, x] of v) out.push(this.value(k), this.value(x));
      return out;
    }
    if (v instanceof Set) {
      const out = ['S', id];
      for (const x of v) out.push(this.value(x));
      return out;
    }
    if (tag === 'Boolean' || tag === 'Number' || tag === 'String' || tag === 'BigInt') {
      return ['P', id, this.value(v.valueOf())];
    }
    if (v instanceof Error) {
      return ['E', id, v.name, v.message, typeof v.stack === 'string' ? v.stack : null];
    }
    if (tag !== 'Object') {
      throw new DOMException(`patchkv: export: a stored ${tag} cannot be encoded`, 'DataCloneError');
    }
    const out = ['o', id];
    for (const k of Object.keys(v)) out.push(k, this.value(v[k]));
    return out;
  }

  /** @param {any[]} v @param {number} id */
  array(v, id) {
    const keys = Object.keys(v);
    let dense = keys.length >= v.length;
    for (let i = 0; dense && i < v.length; i++) dense = i in v;
    const pairs = [];
    /** @type {any[] | null} */
    let values = null;
    if (dense) {
      values = new Array(v.length);
      for (let i = 0; i < v.length; i++) values[i] = this.value(v[i]);
    }
    for (const k of keys) {
      if (dense && isIndex(k, v.length)) continue;
      pairs.push(k, this.value(v[/** @type {any} */ (k)]));
    }
    return ['a', id, v.length, values, pairs];
  }
}

/** @param {string} k @param {number} length */
function isIndex(k, length) {
  const n = Number(k);
  return String(n >>> 0) === k && n < length;
}

/**
 * encode builds the export file of scopes: one Blob of the header, the manifest and
 * the data sections, Blob values by reference.
 * @param {string} patch
 * @param {Array<{kind: string, name: string, keys: IDBValidKey[], values: any[]}>} scopes
 * @returns {Blob}
 */
export function encode(patch, scopes) {
  /** @type {Array<Blob | Uint8Array>} */
  const parts = [];
  /** @type {number[]} */
  const lengths = [];
  const out = [];
  for (const s of scopes) {
    const entries = new Array(s.keys.length);
    for (let i = 0; i < s.keys.length; i++) {
      entries[i] = [s.keys[i], new Encoder(parts, lengths).value(s.values[i])];
    }
    out.push({ kind: s.kind, name: s.name, entries });
  }
  const manifest = new TextEncoder().encode(JSON.stringify({
    format: FORMAT, version: VERSION, patch, exported: new Date().toISOString(), sections: lengths, scopes: out,
  }));
  let data = 0;
  for (const n of lengths) data += n;
  const header = new Uint8Array(HEADER);
  const dv = new DataView(header.buffer);
  header.set(MAGIC, 0);
  dv.setUint32(8, VERSION, true);
  dv.setBigUint64(12, BigInt(manifest.length), true);
  dv.setBigUint64(20, BigInt(data), true);
  dv.setUint32(28, crc32(manifest), true);
  return new Blob(/** @type {BlobPart[]} */ ([header, manifest, ...parts]), { type: 'application/x-patchkv' });
}

// ---- decoding ----

/**
 * decode reads and checks an export file. It rejects with a TypeError when file is
 * not a Blob and with a DOMException named DataError saying what is wrong when it
 * is not a complete, intact patchkv export of a version this code reads.
 * @param {unknown} file
 * @returns {Promise<Archive>}
 */
export async function decode(file) {
  if (!(file instanceof Blob)) {
    throw new TypeError('patchkv: import: expects a Blob or File (a kv.export() file), got ' + describe(file));
  }
  if (file.size < HEADER) {
    if (file.size > 0 && await looksLikeMagic(file)) {
      throw dataError(`the file is truncated: ${file.size} bytes, shorter than the ${HEADER}-byte header`);
    }
    throw dataError(notExport(file.size === 0 ? '' : await file.slice(0, 16).text()));
  }
  const head = new Uint8Array(await file.slice(0, HEADER).arrayBuffer());
  if (!MAGIC.every((b, i) => head[i] === b)) {
    throw dataError(notExport(new TextDecoder().decode(head.subarray(0, 16))));
  }
  const dv = new DataView(head.buffer);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) {
    throw dataError(version > VERSION
      ? `the file is format version ${version}, newer than this patchkv reads (version ${VERSION}); update patchkv to import it`
      : `the file has an invalid format version ${version}`);
  }
  const mlen = Number(dv.getBigUint64(12, true));
  const dlen = Number(dv.getBigUint64(20, true));
  const want = HEADER + mlen + dlen;
  if (!Number.isSafeInteger(want)) throw dataError('the header is corrupt (impossible lengths)');
  if (file.size < want) {
    throw dataError(`the file is truncated: ${file.size} bytes of the ${want} its header announces`);
  }
  if (file.size > want) {
    throw dataError(`the file has ${file.size - want} bytes after its end (${want} bytes announced)`);
  }
  const mbytes = new Uint8Array(await file.slice(HEADER, HEADER + mlen).arrayBuffer());
  if (crc32(mbytes) !== dv.getUint32(28, true)) {
    throw dataError('the manifest is corrupt (its CRC-32 does not match the header)');
  }
  let m;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(mbytes));
  } catch (err) {
    throw dataError('the manifest is not valid UTF-8 JSON: ' + (/** @type {any} */ (err)?.message ?? err));
  }
  if (!m || typeof m !== 'object' || m.format !== FORMAT || m.version !== VERSION) {
    throw dataError('the manifest does not describe a patchkv export of version ' + VERSION);
  }
  if (!Array.isArray(m.sections) || !Array.isArray(m.scopes)) throw dataError('the manifest lacks sections or scopes');
  /** @type {number[]} */
  const starts = [];
  let at = HEADER + mlen;
  for (const n of m.sections) {
    if (!Number.isSafeInteger(n) || n < 0) throw dataError('the manifest has an invalid section length');
    starts.push(at);
    at += n;
  }
  if (at !== want) throw dataError(`the sections add up to ${at - HEADER - mlen} bytes, the header says ${dlen}`);

  const reader = new SectionReader(file, m.sections, starts);
  // First pass: check the structure and find the ArrayBuffer sections to read.
  /** @type {Set<string>} */
  const seenStores = new Set();
  let keys = 0;
  for (const s of m.scopes) {
    if (!s || typeof s !== 'object' || !['host', 'node', 'store'].includes(s.kind) || typeof s.name !== 'string' ||
      (s.kind === 'host' && s.name !== '') || !Array.isArray(s.entries)) {
      throw dataError('the manifest has an invalid scope');
    }
    if (!s.name.isWellFormed()) throw dataError(`the ${s.kind} name ${JSON.stringify(s.name)} contains a lone surrogate`);
    const sn = storeName(s.kind, s.name);
    if (seenStores.has(sn)) throw dataError(`the manifest lists the ${s.kind} ${JSON.stringify(s.name)} twice`);
    seenStores.add(sn);
    for (const e of s.entries) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') throw dataError('the manifest has an invalid entry');
      reader.scan(e[1]);
      keys++;
    }
  }
  await reader.load();
  /** @type {ArchiveScope[]} */
  const scopes = m.scopes.map((/** @type {any} */ s) => ({
    kind: s.kind, name: s.name,
    entries: s.entries.map((/** @type {[string, any]} */ [k, v]) => /** @type {[string, any]} */ ([k, new Decoder(reader).value(v)])),
  }));
  return { patch: typeof m.patch === 'string' ? m.patch : '', scopes, stores: [...seenStores], keys, file };
}

/** @param {Blob} file */
async function looksLikeMagic(file) {
  const b = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  return b.every((x, i) => x === MAGIC[i]);
}

/** @param {string} start the first bytes of the file as text */
function notExport(start) {
  const t = start.trimStart();
  if (t === '') return 'the file is empty, not a patchkv export';
  if (t[0] === '{' || t[0] === '[') return 'the file is JSON, not a patchkv export (which starts with the bytes \\x89PKV)';
  return 'the file is not a patchkv export (which starts with the bytes \\x89PKV)';
}

/** @param {unknown} v */
function describe(v) {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return Object.prototype.toString.call(v).slice(8, -1);
}

/**
 * SectionReader hands out the data sections of a file: Blobs as slices of it, and
 * ArrayBuffers read in runs of adjacent sections, one read per run.
 */
class SectionReader {
  /** @param {Blob} file @param {number[]} lengths @param {number[]} starts */
  constructor(file, lengths, starts) {
    this.file = file;
    this.lengths = lengths;
    this.starts = starts;
    /** @type {Set<number>} */
    this.wanted = new Set();
    /** @type {Map<number, ArrayBuffer>} */
    this.buffers = new Map();
    /** @type {Set<number>} */
    this.used = new Set();
  }

  /** @param {any} i */
  check(i) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.lengths.length) throw dataError('a value refers to a missing data section');
    if (this.used.has(i)) throw dataError('two values share one data section');
    this.used.add(i);
    return i;
  }

  /**
   * scan walks an encoded value, checking section numbers and noting the
   * ArrayBuffers to read.
   * @param {any} e
   */
  scan(e) {
    if (!Array.isArray(e)) return;
    const t = e[0];
    if (t === 'B') this.wanted.add(this.check(e[2]));
    else if (t === 'b' || t === 'f') this.check(e[2]);
    else if (t === 'a') {
      if (Array.isArray(e[3])) for (const x of e[3]) this.scan(x);
      if (Array.isArray(e[4])) for (let i = 1; i < e[4].length; i += 2) this.scan(e[4][i]);
    } else if (t === 'o' || t === 'M' || t === 'S') {
      for (let i = 2; i < e.length; i++) this.scan(e[i]);
    } else if (t === 'T' || t === 'P') this.scan(e[t === 'T' ? 3 : 2]);
    else if (t === 'V') this.scan(e[2]);
  }

  /** load reads every wanted ArrayBuffer section, adjacent ones in one read. */
  async load() {
    const want = [...this.wanted].sort((a, b) => a - b);
    const reads = [];
    for (let i = 0; i < want.length;) {
      let j = i + 1;
      let size = this.lengths[want[i]];
      while (j < want.length && want[j] === want[j - 1] + 1 && size + this.lengths[want[j]] <= CHUNK) {
        size += this.lengths[want[j]];
        j++;
      }
      reads.push(this.read(want.slice(i, j)));
      i = j;
    }
    await Promise.all(reads);
  }

  /** @param {number[]} run adjacent section numbers */
  async read(run) {
    const from = this.starts[run[0]];
    const last = run[run.length - 1];
    const buf = await this.file.slice(from, this.starts[last] + this.lengths[last]).arrayBuffer();
    if (run.length === 1) {
      this.buffers.set(run[0], buf);
      return;
    }
    for (const i of run) this.buffers.set(i, buf.slice(this.starts[i] - from, this.starts[i] - from + this.lengths[i]));
  }

  /** @param {number} i */
  blob(i, type = '') {
    return this.file.slice(this.starts[i], this.starts[i] + this.lengths[i], type);
  }
}

/** Decoder rebuilds one stored value from its JSON form. */
class Decoder {
  /** @param {SectionReader} reader */
  constructor(reader) {
    this.reader = reader;
    /** @type {any[]} */
    this.objects = [];
  }

  /** @param {any} id @param {any} obj */
  keep(id, obj) {
    if (id !== this.objects.length) throw dataError('a value numbers its objects out of order');
    this.objects.push(obj);
    return obj;
  }

  /**
   * @param {any} e
   * @returns {any}
   */
  value(e) {
    if (e === null || typeof e === 'string' || typeof e === 'boolean' || typeof e === 'number') return e;
    if (!Array.isArray(e)) throw dataError('a value has an invalid encoding');
    const [t, id] = e;
    switch (t) {
      case 'u': return undefined;
      case 'n':
        if (e[1] === '-0') return -0;
        if (e[1] === 'NaN' || e[1] === 'Infinity' || e[1] === '-Infinity') return Number(e[1]);
        break;
      case 'i':
        if (typeof e[1] === 'string' && /^-?\d+$/.test(e[1])) return BigInt(e[1]);
        break;
      case 'r':
        if (Number.isInteger(id) && id >= 0 && id < this.objects.length) return this.objects[id];
        break;
      case 'D':
        return this.keep(id, new Date(e[2] === 'NaN' ? NaN : Number(e[2])));
      case 'R':
        try {
          return this.keep(id, new RegExp(String(e[2]), String(e[3])));
        } catch {
          break;
        }
      case 'P': {
        const slot = this.keep(id, null);
        void slot;
        const obj = Object(this.value(e[2]));
        this.objects[id] = obj;
        return obj;
      }
      case 'E': {
        const Ctor = /** @type {any} */ ({ EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError })[e[2]] ?? Error;
        const err = new Ctor(String(e[3]));
        if (Ctor === Error && e[2] !== 'Error') err.name = String(e[2]);
        if (typeof e[4] === 'string') err.stack = e[4];
        else delete err.stack;
        return this.keep(id, err);
      }
      case 'a': {
        if (!Number.isSafeInteger(e[2]) || e[2] < 0 || e[2] > 0xffffffff) break;
        const arr = this.keep(id, new Array(e[2]));
        if (Array.isArray(e[3])) for (let i = 0; i < e[3].length; i++) arr[i] = this.value(e[3][i]);
        if (Array.isArray(e[4])) this.props(arr, e[4], 0);
        return arr;
      }
      case 'o': {
        const o = this.keep(id, {});
        this.props(o, e, 2);
        return o;
      }
      case 'M': {
        const map = this.keep(id, new Map());
        for (let i = 2; i + 1 < e.length; i += 2) map.set(this.value(e[i]), this.value(e[i + 1]));
        return map;
      }
      case 'S': {
        const set = this.keep(id, new Set());
        for (let i = 2; i < e.length; i++) set.add(this.value(e[i]));
        return set;
      }
      case 'B': {
        let buf = this.reader.buffers.get(e[2]);
        if (!buf) break;
        if (Number.isSafeInteger(e[3]) && e[3] >= buf.byteLength) {
          const r = new ArrayBuffer(buf.byteLength, { maxByteLength: e[3] });
          new Uint8Array(r).set(new Uint8Array(buf));
          buf = r;
        }
        return this.keep(id, buf);
      }
      case 'T': // ['T', id, constructor name, buffer, byteOffset, length]
      case 'V': {
        // ['V', id, buffer, byteOffset, byteLength]
        const typed = t === 'T';
        const Ctor = !typed ? DataView : TYPED.includes(e[2]) ? /** @type {any} */ (globalThis)[e[2]] : undefined;
        if (typeof Ctor !== 'function') break;
        const at = typed ? 3 : 2;
        const slot = this.objects.length;
        this.keep(id, null);
        const buf = this.value(e[at]);
        if (!(buf instanceof ArrayBuffer)) break;
        try {
          return (this.objects[slot] = new Ctor(buf, e[at + 1], e[at + 2]));
        } catch {
          break;
        }
      }
      case 'b':
        return this.keep(id, this.reader.blob(e[2], typeof e[3] === 'string' ? e[3] : ''));
      case 'f':
        return this.keep(id, new File([this.reader.blob(e[2])], String(e[4]),
          { type: typeof e[3] === 'string' ? e[3] : '', lastModified: Number(e[5]) }));
    }
    throw dataError(`a value has an invalid encoding (tag ${JSON.stringify(t)})`);
  }

  /** @param {any} o @param {any[]} e @param {number} from */
  props(o, e, from) {
    for (let i = from; i + 1 < e.length; i += 2) {
      const k = e[i];
      if (typeof k !== 'string') throw dataError('an object has a key that is not a string');
      const v = this.value(e[i + 1]);
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
    }
  }
}

// ---- IndexedDB ----

/**
 * exportDB reads every scope of conn in one readonly transaction and resolves to
 * the export file.
 * @param {IDBDatabase} conn
 * @param {string} patch
 * @returns {Promise<Blob>}
 */
function exportDB(conn, patch) {
  const names = patchStores(conn);
  if (names.length === 0) return Promise.resolve(encode(patch, []));
  return new Promise((resolve, reject) => {
    const tx = conn.transaction(names, 'readonly');
    const scopes = names.map((n) => {
      const sc = /** @type {{kind: string, name: string}} */ (scopeOf(n));
      const s = { kind: sc.kind, name: sc.name, keys: /** @type {IDBValidKey[]} */ ([]), values: /** @type {any[]} */ ([]) };
      const store = tx.objectStore(n);
      const k = store.getAllKeys();
      k.onsuccess = () => { s.keys = k.result; };
      const v = store.getAll();
      v.onsuccess = () => { s.values = v.result; };
      return s;
    });
    tx.oncomplete = () => {
      try {
        resolve(encode(patch, scopes));
      } catch (err) {
        reject(err);
      }
    };
    tx.onabort = () => reject(tx.error ?? new DOMException('patchkv: export: the transaction was aborted', 'AbortError'));
  });
}

/**
 * importDB writes archive a into conn in one readwrite transaction over every
 * store it touches; with replace, every patchkv store of conn is cleared first, in
 * the same transaction. Every store the archive needs must exist. It resolves to
 * {scopes, keys, reset} once committed (reset: the object stores whose contents
 * changed); a failure aborts the transaction, so nothing changes.
 * @param {IDBDatabase} conn
 * @param {Archive} a
 * @param {boolean} replace
 */
function importDB(conn, a, replace) {
  const names = new Set(a.stores);
  if (replace) for (const n of patchStores(conn)) names.add(n);
  const all = [...names];
  if (all.length === 0) return Promise.resolve({ scopes: 0, keys: 0, reset: [] });
  return new Promise((resolve, reject) => {
    const tx = conn.transaction(all, 'readwrite', { durability: 'strict' });
    tx.oncomplete = () => resolve({ scopes: a.scopes.length, keys: a.keys, reset: all });
    tx.onabort = () => {
      const e = tx.error;
      const what = e?.name === 'QuotaExceededError' ? "storage is full (the disk or the origin's quota)" : 'writing failed';
      reject(new DOMException(`patchkv: import: ${what}; nothing was imported (${a.keys} keys in ${a.scopes.length} scopes)` +
        (e?.message ? ': ' + e.message : ''), e?.name ?? 'AbortError'));
    };
    try {
      if (replace) for (const n of all) tx.objectStore(n).clear();
      for (const s of a.scopes) {
        const store = tx.objectStore(storeName(s.kind, s.name));
        for (const [k, v] of s.entries) {
          store.put(v, k); // a failed put aborts the transaction: nothing lands
        }
      }
    } catch (err) {
      try { tx.abort(); } catch { /* already finished */ }
      reject(err);
    }
  });
}


/** gone reports whether err says the connection closed or a store vanished under us: try again. */
const gone = (/** @type {any} */ err) => err?.name === 'InvalidStateError' || err?.name === 'NotFoundError';

/** How often an operation starts again when its connection closed under it. */
const RETRIES = 8;

/**
 * emit tells subscribers that the scopes held by the object stores names were reset.
 * @param {Handle} h @param {string[]} names
 */
function emit(h, names) {
  if (!h.hub || names.length === 0) return;
  h.hub.emit(names.map((n) => ({ scope: /** @type {{kind: string, name: string}} */ (scopeOf(n)), op: 'reset' })));
}

/**
 * exportPatch is kv.export(): the export file of every scope of the patch, read in
 * one readonly transaction after the calls issued before it.
 * @param {Handle} h
 * @returns {Promise<Blob>}
 */
export async function exportPatch(h) {
  for (let n = 0; ; n++) {
    const conn = await h.call('conn');
    try {
      return await exportDB(conn, h.patch);
    } catch (err) {
      if (!gone(err) || n >= RETRIES) throw err;
    }
  }
}

/**
 * importPatch is kv.import(file, {mode}): it checks and reads the whole file, has Go
 * create every object store it needs in one upgrade, then writes it in one
 * readwrite transaction (clearing every scope first with mode 'replace'). Nothing
 * changes unless everything is written. It resolves to {scopes, keys}.
 * @param {Handle} h
 * @param {unknown} file
 * @param {unknown} [options]
 * @returns {Promise<{scopes: number, keys: number}>}
 */
export async function importPatch(h, file, options) {
  let replace = false;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`kv.import: options must be an object like {mode: 'replace'}, got ${describe(options)}`);
    }
    const mode = /** @type {any} */ (options).mode;
    if (mode !== undefined && mode !== 'merge' && mode !== 'replace') {
      throw new TypeError(`kv.import: mode must be 'merge' or 'replace', got ${typeof mode === 'string' ? JSON.stringify(mode) : describe(mode)}`);
    }
    replace = mode === 'replace';
  }
  const a = await decode(file);
  for (let n = 0; ; n++) {
    await h.call('ensure', a.stores);
    const conn = await h.call('conn');
    try {
      const r = await importDB(conn, a, replace);
      emit(h, r.reset);
      return { scopes: r.scopes, keys: r.keys };
    } catch (err) {
      if (!gone(err) || n >= RETRIES) throw err;
    }
  }
}

/**
 * removeScope is kv.removeScope({kind, name}): it deletes the scope's object store
 * and resolves to whether it existed.
 * @param {Handle} h
 * @param {unknown} scope
 * @returns {Promise<boolean>}
 */
export async function removeScope(h, scope) {
  const s = /** @type {any} */ (scope);
  if (s === null || typeof s !== 'object') {
    throw new TypeError(`kv.removeScope: expects a scope {kind, name}, got ${describe(s)}`);
  }
  if (s.kind !== 'host' && s.kind !== 'node' && s.kind !== 'store') {
    throw new TypeError(`kv.removeScope: kind must be 'node', 'store' or 'host', got ${typeof s.kind === 'string' ? JSON.stringify(s.kind) : describe(s.kind)}`);
  }
  if (s.kind !== 'host' && typeof s.name !== 'string') {
    throw new TypeError(`kv.removeScope: name must be a string, got ${describe(s.name)}`);
  }
  if (s.kind !== 'host' && !s.name.isWellFormed()) {
    throw new TypeError('kv.removeScope: name must be well-formed Unicode (it contains a lone surrogate)');
  }
  const name = storeName(s.kind, s.kind === 'host' ? '' : s.name);
  const existed = await h.call('deleteStore', name);
  if (existed) emit(h, [name]);
  return existed;
}

/**
 * destroyPatch is kv.destroy(): it deletes the patch's database; every subscriber
 * of the patch, in every context, gets 'reset'. The next write creates it again.
 * @param {Handle} h
 * @returns {Promise<void>}
 */
export async function destroyPatch(h) {
  await h.call('destroy');
  h.hub?.emit([{ scope: null, op: 'reset' }]); // every scope, also in other contexts
}

/**
 * info reads what an export file says about itself without reading its values:
 * the patch it was exported from, when, and how many scopes and keys it holds. It
 * rejects like decode.
 * @param {unknown} file
 */
export async function info(file) {
  const a = await decode(file);
  return { patch: a.patch, scopes: a.scopes.length, keys: a.keys };
}

export { storeName, scopeOf };
