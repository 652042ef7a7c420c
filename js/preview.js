// js/preview.js — short, human-readable previews of stored values and messages.
//
// Binary values are described by type and size, never dumped; everything else is a
// compact JavaScript-like text cut to a length.

/**
 * isImageBlob reports whether v is a Blob (or File) holding an image the page can show.
 * @param {unknown} v
 * @returns {v is Blob}
 */
export function isImageBlob(v) {
  return typeof Blob !== 'undefined' && v instanceof Blob && /^image\//.test(v.type);
}

/**
 * binaryLabel describes a binary value by type and size ("Blob image/png, 1.2 KB"), or
 * returns "" when v is not binary.
 * @param {unknown} v
 * @returns {string}
 */
export function binaryLabel(v) {
  if (typeof File !== 'undefined' && v instanceof File) return `File "${v.name}" ${v.type || 'no type'}, ${size(v.size)}`;
  if (typeof Blob !== 'undefined' && v instanceof Blob) return `Blob ${v.type || 'no type'}, ${size(v.size)}`;
  if (v instanceof ArrayBuffer) return `ArrayBuffer, ${size(v.byteLength)}`;
  if (v instanceof DataView) return `DataView, ${size(v.byteLength)}`;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor?.name ?? 'TypedArray';
    return `${name}(${/** @type {any} */ (v).length}), ${size(v.byteLength)}`;
  }
  return '';
}

function size(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * preview returns a one-line text for any value, at most max characters.
 * @param {unknown} v
 * @param {number} [max]
 * @returns {string}
 */
export function preview(v, max = 80) {
  const s = text(v, 3);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function text(v, depth) {
  const b = binaryLabel(v);
  if (b) return `[${b}]`;
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${v}n`;
    case 'boolean':
      return String(v);
    case 'function':
      return `function ${v.name || ''}`.trim();
    case 'symbol':
      return v.toString();
  }
  if (v === null) return 'null';
  if (v instanceof Date) return `Date(${isNaN(v.getTime()) ? 'Invalid' : v.toISOString()})`;
  if (v instanceof RegExp) return String(v);
  if (depth <= 0) return Array.isArray(v) ? '[…]' : '{…}';
  if (v instanceof Map) {
    return `Map(${v.size}) {${[...v].slice(0, 8).map(([k, x]) => `${text(k, depth - 1)} => ${text(x, depth - 1)}`).join(', ')}}`;
  }
  if (v instanceof Set) return `Set(${v.size}) {${[...v].slice(0, 8).map((x) => text(x, depth - 1)).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.slice(0, 16).map((x) => text(x, depth - 1)).join(', ')}${v.length > 16 ? ', …' : ''}]`;
  if (typeof Node !== 'undefined' && v instanceof Node) return `<${v.nodeName.toLowerCase()}>`;
  const entries = Object.entries(v).slice(0, 16);
  return `{${entries.map(([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${text(x, depth - 1)}`).join(', ')}}`;
}
