// The WebAssembly instance and the C ABI as JavaScript calls: loading, memory,
// strings, errors, and the host object that plug-ins written in JS answer
// through (core/wasm/library_runlog.js calls Module.runlogHost).
//
// Browser-safe: no Node-only global is touched here. Node passes the .wasm
// bytes in through setWasmSource() (src/node.js).
import createRunlogModule from '../dist/runlog.mjs';
import { RunlogError, STATUS, STATUS_MIN } from './errors.js';

const ERR_SIZE = 520; // sizeof(runlog_error): version, status, message[512]
const ERR_MESSAGE = 8;
const ERR_MESSAGE_SIZE = 512;

let wasmSource = null;      // URL | string | BufferSource | WebAssembly.Module | () => Promise<…>
let compiledPromise = null; // Promise<WebAssembly.Module>
let corePromise = null;     // Promise<Core>
let initMs = null;          // time of the first load (compile + instantiate), ms

/**
 * Where the .wasm comes from: a URL (string or URL), its bytes, a compiled
 * WebAssembly.Module, or an async function returning one of those. Default:
 * `runlog.wasm` next to dist/runlog.mjs, fetched. Call before the first init().
 */
export function setWasmSource(source) {
  wasmSource = source;
  compiledPromise = null;
}

async function compileModule() {
  let src = wasmSource ?? new URL('../dist/runlog.wasm', import.meta.url);
  if (typeof src === 'function') src = await src();
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return WebAssembly.compile(src);
  const url = String(src);
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' }));
    } catch (_) {
      // Served without application/wasm: fall back to bytes below.
    }
  }
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new RunlogError(STATUS.RUNLOG_E_IO, `cannot load ${url}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

/** The shared instance (created on first use; a fresh one after an abort). */
export function getCore() {
  if (!corePromise) {
    const t0 = now();
    corePromise = (async () => {
      if (!compiledPromise) compiledPromise = compileModule();
      let compiled;
      try {
        compiled = await compiledPromise;
      } catch (e) {
        compiledPromise = null;
        throw e instanceof RunlogError ? e : new RunlogError(STATUS.RUNLOG_E_IO, `cannot load runlog.wasm: ${e && e.message || e}`);
      }
      const host = new Host();
      const M = await createRunlogModule({
        runlogHost: host,
        instantiateWasm(imports, receive) {
          WebAssembly.instantiate(compiled, imports).then((inst) => receive(inst, compiled));
          return {};
        },
        print: (t) => console.log(t),
        printErr: (t) => console.warn(t),
      });
      const core = new Core(M, host);
      host.core = core;
      if (initMs === null) initMs = now() - t0;
      return core;
    })();
    corePromise.catch(() => { corePromise = null; });
  }
  return corePromise;
}

/** Milliseconds the first load took (fetch/compile + instantiate), or null. */
export function loadTimeMs() {
  return initMs;
}

export function now() {
  const p = globalThis.performance;
  return p && p.now ? p.now() : Date.now();
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Core {
  constructor(M, host) {
    this.M = M;
    this.host = host;
    this.dead = null;
    this.err = M._malloc(ERR_SIZE);
    this.scratch = 0;        // reusable buffer for log() text
    this.scratchCap = 0;
    this.scratchView = null;
    this.ensureScratch(4096);
    this.keyCache = new Map(); // interned C strings of metric keys (typed path)
  }

  // ---- memory ----
  get u8() { return this.M.HEAPU8; }
  get u32() { return this.M.HEAPU32; }
  get i32() { return this.M.HEAP32; }
  get f64() { return this.M.HEAPF64; }

  ensureScratch(n) {
    if (n <= this.scratchCap) return;
    let cap = Math.max(this.scratchCap * 2, 4096);
    while (cap < n) cap *= 2;
    if (this.scratch) this.M._free(this.scratch);
    this.scratch = this.M._malloc(cap);
    if (!this.scratch) throw new RunlogError(STATUS.RUNLOG_E_NOMEM, 'out of WebAssembly memory');
    this.scratchCap = cap;
    this.scratchView = null;
  }

  /** Writes text at the scratch buffer, NUL-terminated; returns its byte length. */
  writeScratch(text) {
    // Fast path: ASCII, copied by hand (most metric rows); else encodeInto.
    const n = text.length;
    this.ensureScratch(n + 1);
    let view = this.scratchView;
    if (view === null || view.buffer !== this.M.HEAPU8.buffer) {
      view = this.scratchView = this.M.HEAPU8.subarray(this.scratch, this.scratch + this.scratchCap);
    }
    if (n < 256) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 127) break;
        view[i] = c;
      }
      if (i === n) {
        view[n] = 0;
        return n;
      }
    }
    for (;;) {
      const r = encoder.encodeInto(text, view.subarray(0, this.scratchCap - 1));
      if (r.read === n) {
        view[r.written] = 0;
        return r.written;
      }
      this.ensureScratch(this.scratchCap * 2);
      view = this.scratchView = this.M.HEAPU8.subarray(this.scratch, this.scratch + this.scratchCap);
    }
  }

  /** malloc'ed NUL-terminated copy of text (caller frees), 0 for null/undefined. */
  cstr(text) {
    if (text === null || text === undefined) return 0;
    const bytes = encoder.encode(String(text));
    const p = this.M._malloc(bytes.length + 1);
    if (!p) throw new RunlogError(STATUS.RUNLOG_E_NOMEM, 'out of WebAssembly memory');
    const u8 = this.u8;
    u8.set(bytes, p);
    u8[p + bytes.length] = 0;
    return p;
  }

  /**
   * Interned C string for a metric key. The cache is bounded: when full it is
   * emptied (the core copies keys when staging, so no pointer outlives a call).
   */
  key(text) {
    let p = this.keyCache.get(text);
    if (p === undefined) {
      if (this.keyCache.size >= 4096) {
        for (const q of this.keyCache.values()) this.M._free(q);
        this.keyCache.clear();
      }
      p = this.cstr(text);
      this.keyCache.set(text, p);
    }
    return p;
  }

  str(ptr) {
    if (!ptr) return null;
    const u8 = this.u8;
    let end = ptr;
    while (u8[end] !== 0) end++;
    return decoder.decode(u8.subarray(ptr, end));
  }

  bytes(ptr, len) {
    return this.u8.slice(ptr, ptr + len);
  }

  // ---- errors ----
  resetErr() {
    const i32 = this.i32;
    i32[this.err >> 2] = 1;       // RUNLOG_ERROR_VERSION
    i32[(this.err >> 2) + 1] = 0; // status
    this.u8[this.err + ERR_MESSAGE] = 0;
  }

  errorFrom(rc, fn) {
    const msg = this.str(this.err + ERR_MESSAGE) || '';
    return new RunlogError(rc, msg || `${fn} failed`);
  }

  /** Throws a RunlogError for a non-zero status. */
  check(rc, fn) {
    if (rc !== 0) throw this.errorFrom(rc, fn);
    return rc;
  }

  /**
   * Runs fn(M) and turns an abort of the instance (a WebAssembly.RuntimeError
   * from abort(), out of memory, a bug) into a RunlogError; the instance is
   * then dropped so that the next init() starts a fresh one.
   */
  guard(fn) {
    if (this.dead) throw this.dead;
    try {
      return fn(this.M);
    } catch (e) {
      if (e instanceof RunlogError) throw e;
      this.dead = new RunlogError(
        STATUS.RUNLOG_E_INTERNAL,
        `runlog's WebAssembly instance stopped (${e && e.message || e}): a runlog bug, please report it. ` +
          'Runs of this instance are closed; what was flushed is kept in the store; the next init() starts a fresh instance',
      );
      corePromise = null;
      this.host.onDead?.(this.dead);
      throw this.dead;
    }
  }

  /** Frees and returns a runlog_buf's text ({data, size} at ptr). */
  takeBuf(bufPtr) {
    const u32 = this.u32;
    const data = u32[bufPtr >> 2];
    const size = u32[(bufPtr >> 2) + 1];
    const text = data ? decoder.decode(this.u8.subarray(data, data + size)) : '';
    this.M._runlog_buf_free(bufPtr);
    return text;
  }
}

// ---- the host: handle table for plug-ins written in JS ----

function writeCString(core, text, ptr, cap) {
  if (!ptr || cap <= 0) return;
  const bytes = encoder.encode(text);
  const n = Math.min(bytes.length, cap - 1);
  const u8 = core.u8;
  u8.set(bytes.subarray(0, n), ptr);
  u8[ptr + n] = 0;
}

function reportError(core, errPtr, e, fallback) {
  let status = fallback;
  if (e && typeof e.status === 'number' && e.status < 0 && e.status >= STATUS_MIN) status = e.status;
  const message = (e && (e.detail || e.message)) || String(e);
  if (errPtr) {
    core.i32[(errPtr >> 2) + 1] = status;
    writeCString(core, message, errPtr + ERR_MESSAGE, ERR_MESSAGE_SIZE);
  }
  return status;
}

export class Host {
  constructor() {
    this.core = null;
    this.handles = new Map();
    this.next = 1;
    this.onDead = null;
  }

  add(obj) {
    const id = this.next++;
    this.handles.set(id, obj);
    return id;
  }

  get(id) {
    const h = this.handles.get(id);
    if (!h) throw new RunlogError(STATUS.RUNLOG_E_INTERNAL, `no plug-in with handle ${id}`);
    return h;
  }

  drop(id) {
    this.handles.delete(id);
  }

  // ---- runlog_store ----
  storeOpen(id, runId, dirName, mode, sizePtr, createdPtr, loc, cap, err) {
    const core = this.core;
    try {
      const r = this.get(id).open(core.str(runId), core.str(dirName), mode);
      core.f64[sizePtr >> 3] = r.journalSize;
      core.i32[createdPtr >> 2] = r.created ? 1 : 0;
      writeCString(core, r.location, loc, cap);
      return 0;
    } catch (e) {
      return reportError(core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeAppend(id, data, len, err) {
    const core = this.core;
    try {
      this.get(id).append(core.u8.subarray(data, data + len));
      return 0;
    } catch (e) {
      return reportError(core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeSync(id, err) {
    try {
      this.get(id).sync();
      return 0;
    } catch (e) {
      return reportError(this.core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeRead(id, offset, buf, cap, nPtr, err) {
    const core = this.core;
    try {
      const chunk = this.get(id).read(offset, cap);
      const n = Math.min(chunk.length, cap);
      core.u8.set(n === chunk.length ? chunk : chunk.subarray(0, n), buf);
      core.u32[nPtr >> 2] = n;
      return 0;
    } catch (e) {
      return reportError(core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeTruncate(id, size, err) {
    try {
      this.get(id).truncate(size);
      return 0;
    } catch (e) {
      return reportError(this.core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeWriteFile(id, name, data, len, err) {
    const core = this.core;
    try {
      this.get(id).writeFile(core.str(name), core.u8.slice(data, data + len));
      return 0;
    } catch (e) {
      return reportError(core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeReadFile(id, name, out, err) {
    const core = this.core;
    try {
      const bytes = this.get(id).readFile(core.str(name));
      if (!bytes) return reportError(core, err, { status: STATUS.RUNLOG_E_NOT_FOUND, message: `no file ${core.str(name)}` }, STATUS.RUNLOG_E_NOT_FOUND);
      const p = core.M._malloc(bytes.length + 1);
      if (!p) return reportError(core, err, { message: 'out of WebAssembly memory' }, STATUS.RUNLOG_E_NOMEM);
      const u8 = core.u8; // after malloc: memory may have grown
      u8.set(bytes, p);
      u8[p + bytes.length] = 0;
      core.u32[out >> 2] = p;
      core.u32[(out >> 2) + 1] = bytes.length;
      return 0;
    } catch (e) {
      return reportError(core, err, e, STATUS.RUNLOG_E_IO);
    }
  }

  storeDestroy(id) {
    const h = this.handles.get(id);
    this.drop(id);
    try {
      h?.close?.();
    } catch (e) {
      console.warn(`runlog: closing the store failed: ${e && e.message || e}`);
    }
  }

  // ---- runlog_http ----
  httpStart(id, method, url, headers, body, bodyLen, timeoutMs, call, err) {
    const core = this.core;
    try {
      const executor = this.get(id);
      const req = {
        method: core.str(method),
        url: core.str(url),
        headers: parseHeaderLines(core.str(headers) || ''),
        body: core.bytes(body, bodyLen),
        timeoutMs,
      };
      executor.start(req, (answer) => this.httpComplete(call, answer, executor));
      return 0;
    } catch (e) {
      return reportError(core, err, e, STATUS.RUNLOG_E_CALLBACK);
    }
  }

  httpComplete(call, answer, executor) {
    const core = this.core;
    if (core.dead) return;
    const M = core.M;
    let status = answer.status | 0;
    let headerText = '';
    const h = answer.headers;
    if (typeof h === 'string') headerText = h;
    else if (h && typeof h.forEach === 'function') h.forEach((v, k) => { headerText += `${k}: ${v}\r\n`; });
    else if (h) for (const [k, v] of Object.entries(h)) headerText += `${k}: ${v}\r\n`;
    let body = answer.body ?? null;
    if (typeof body === 'string') body = encoder.encode(body);
    else if (body instanceof ArrayBuffer) body = new Uint8Array(body);
    const hp = core.cstr(headerText);
    const ep = status === 0 ? core.cstr(answer.error || 'no answer') : 0;
    let bp = 0;
    const blen = body ? body.length : 0;
    if (blen) {
      bp = M._malloc(blen);
      core.u8.set(body, bp);
    }
    try {
      core.guard(() => M._runlog_http_complete(call, status, hp, bp, blen, ep));
    } finally {
      M._free(hp);
      if (ep) M._free(ep);
      if (bp) M._free(bp);
    }
    executor.onAnswer?.();
  }

  httpCancel(id) {
    const h = this.handles.get(id);
    try {
      h?.cancel?.();
    } catch (_) {
      // nothing to undo
    }
  }

  httpDestroy(id) {
    const h = this.handles.get(id);
    this.drop(id);
    h?.close?.();
  }

  // ---- runlog_log_fn ----
  log(id, level, message) {
    const fn = this.handles.get(id);
    if (!fn) return;
    try {
      fn(level, this.core.str(message));
    } catch (_) {
      // a hook that throws must not unwind through wasm frames
    }
  }
}

function parseHeaderLines(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}
