// JSON text the way runlog (and W&B) reads it: like JSON.stringify, except
// that NaN, Infinity and -Infinity are kept as bare tokens instead of
// becoming null, BigInt is written as an integer, and typed arrays as arrays.
// Keys of objects are quoted once and cached: metric names repeat every step.

const keyCache = new Map();
const MAX_KEYS = 20000;
const MAX_DEPTH = 200;

function quotedKey(k) {
  let q = keyCache.get(k);
  if (q === undefined) {
    q = JSON.stringify(k) + ':';
    if (keyCache.size < MAX_KEYS) keyCache.set(k, q);
  }
  return q;
}

export function numberText(v) {
  if (v === v && v !== Infinity && v !== -Infinity) return '' + v;
  return v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

function value(v, depth) {
  switch (typeof v) {
    case 'number':
      return numberText(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      if (v === null) return 'null';
      if (depth > MAX_DEPTH) throw new TypeError('runlog: the value nests too deeply (a cycle?)');
      if (typeof v.toJSON === 'function') return value(v.toJSON(), depth + 1) ?? 'null';
      if (Array.isArray(v) || ArrayBuffer.isView(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i) s += ',';
          s += value(v[i], depth + 1) ?? 'null';
        }
        return s + ']';
      }
      if (v instanceof Map) return object(Object.fromEntries(v), depth);
      return object(v, depth);
    default:
      return undefined; // undefined, function, symbol: left out (as JSON.stringify does)
  }
}

function object(o, depth) {
  let s = '{';
  let first = true;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    const t = value(o[k], depth + 1);
    if (t === undefined) continue;
    if (first) first = false;
    else s += ',';
    s += quotedKey(k) + t;
  }
  return s + '}';
}

/** JSON text of v, keeping NaN/±Infinity; undefined for unrepresentable v. */
export function toJsonText(v) {
  return value(v, 0);
}
