// An independent reader of the runlog journal (docs/journal.md) for the tests:
// checks the header, every chunk's CRC-32 and framing, and returns records.
const HEADER = [0x89, 0x52, 0x4c, 0x47, 0x0d, 0x0a, 0x1a, 0x01];
const BLOCK = 32768;
const KINDS = { 1: 'run', 2: 'history', 3: 'summary', 4: 'config', 5: 'metric', 6: 'exit', 7: 'resume' };

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** JSON.parse that keeps bare NaN / Infinity / -Infinity. */
export function parseLoose(text) {
  const marked = text.replace(/(?<=[:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '"@@$1"');
  return JSON.parse(marked, (k, v) => (v === '@@NaN' ? NaN : v === '@@Infinity' ? Infinity : v === '@@-Infinity' ? -Infinity : v));
}

/** {records: [{kind, data}], stop: 'end'|'torn-tail'|'corrupt'|'bad-header'} */
export function readJournal(bytes) {
  if (bytes.length < 8 || HEADER.some((b, i) => bytes[i] !== b)) return { records: [], stop: 'bad-header' };
  const records = [];
  const dec = new TextDecoder('utf-8', { fatal: true });
  let pos = 8;
  let parts = null;
  while (pos < bytes.length) {
    const left = BLOCK - (pos % BLOCK);
    if (left < 7) {
      pos += left;
      continue;
    }
    if (pos + 7 > bytes.length) return { records, stop: 'torn-tail' };
    const crc = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24)) >>> 0;
    const len = bytes[pos + 4] | (bytes[pos + 5] << 8);
    const type = bytes[pos + 6];
    if (type === 0 && len === 0 && crc === 0) return { records, stop: 'torn-tail' };
    if (pos + 7 + len > bytes.length) return { records, stop: 'torn-tail' };
    if (7 + len > left) return { records, stop: 'corrupt' };
    if (crc32(bytes.subarray(pos + 6, pos + 7 + len)) !== crc) return { records, stop: 'corrupt' };
    const payload = bytes.subarray(pos + 7, pos + 7 + len);
    pos += 7 + len;
    if (type === 1) parts = [payload];
    else if (type === 2) {
      parts = [payload];
      continue;
    } else if (type === 3) {
      if (!parts) return { records, stop: 'corrupt' };
      parts.push(payload);
      continue;
    } else if (type === 4) {
      if (!parts) return { records, stop: 'corrupt' };
      parts.push(payload);
    } else return { records, stop: 'corrupt' };
    const total = parts.reduce((n, p) => n + p.length, 0);
    const rec = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      rec.set(p, o);
      o += p.length;
    }
    parts = null;
    records.push({ kind: KINDS[rec[0]] || `kind${rec[0]}`, data: parseLoose(dec.decode(rec.subarray(1))) });
  }
  return { records, stop: parts ? 'torn-tail' : 'end' };
}
