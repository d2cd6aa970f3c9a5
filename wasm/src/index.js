// runlog for JavaScript: the runlog core (C++ → WebAssembly) behind a W&B-like
// API. Works on a page's main thread, in Web Workers and in Node 20; this file
// and everything it imports touch no Node-only global (Node adds its disk
// store and the .wasm loading in src/node.js).
//
//   const run = await runlog.init({ project: 'demo', config: { lr: 0.01 } });
//   run.log({ loss: 0.5, acc: 0.8 });            // synchronous, cheap
//   run.summary.best_acc = 0.9;
//   await run.finish();                          // resolves once persisted
//
// The sans-I/O core runs on the event loop: log() queues a row in the core
// and returns; a timer pumps the queue into the store (runlog_pump), and the
// store writes behind to IndexedDB / disk. finish() and flush() resolve once
// the data is on that storage, online or not.
import { getCore, setWasmSource, loadTimeMs, now } from './core.js';
import { RunlogError, StoreError, STATUS, statusName } from './errors.js';
import { HttpExecutor, fetchSend } from './http.js';
import { toJsonText } from './json.js';
import { IndexedDBStore } from './stores/indexeddb.js';
import { MemoryStore } from './stores/memory.js';

export { RunlogError, StoreError, STATUS, MemoryStore, IndexedDBStore, HttpExecutor, fetchSend, setWasmSource, loadTimeMs };

const STEP_AUTO = -1;
const LEVELS = ['debug', 'info', 'warn', 'error'];
const SUMMARY_OPS = { min: 1, max: 2, mean: 4, first: 8, last: 16, none: 32 };
const UPLOAD_STATES = ['none', 'connecting', 'streaming', 'done', 'gave_up', 'failed'];

// ---- defaults (src/node.js replaces the store factory) ----
let defaultStoreFactory = () =>
  typeof globalThis.indexedDB === 'object' && globalThis.indexedDB ? new IndexedDBStore() : new MemoryStore();
let defaultStoreInstance = null;
let defaultEnv = {};

/** The store used when none is passed (IndexedDB in browsers, disk in Node). */
export function defaultStore() {
  if (!defaultStoreInstance) defaultStoreInstance = defaultStoreFactory();
  return defaultStoreInstance;
}

/** @internal used by src/node.js */
export function _setDefaults({ store, env }) {
  if (store) {
    defaultStoreFactory = store;
    defaultStoreInstance = null;
  }
  if (env) defaultEnv = env;
}

let envApplied = null;
function applyEnv(core) {
  if (envApplied === core) return;
  envApplied = core;
  const M = core.M;
  for (const [k, v] of Object.entries(defaultEnv)) {
    const kp = core.cstr(k);
    const vp = core.cstr(v);
    M._runlog_wasm_setenv(kp, vp);
    M._free(kp);
    M._free(vp);
  }
  const h = hostFacts();
  const ps = [h.hostname, h.program, h.os, h.cwd, h.username].map((s) => core.cstr(s ?? ''));
  M._runlog_wasm_set_host(...ps);
  ps.forEach((p) => M._free(p));
}

let hostFactsFn = () => {
  const g = globalThis;
  const loc = g.location;
  return {
    hostname: loc && loc.hostname ? loc.hostname : 'browser',
    // origin + path only: a query string or fragment may carry secrets
    program: loc ? `${loc.origin}${loc.pathname}` : 'worker',
    os: g.navigator && g.navigator.userAgent ? g.navigator.userAgent : 'WebAssembly',
    cwd: '',
    username: '',
  };
};
function hostFacts() {
  return hostFactsFn();
}
/** @internal used by src/node.js */
export function _setHostFacts(fn) {
  hostFactsFn = fn;
}

// ---- timers: background ones must not keep Node alive, awaited ones must ----
function bgTimer(fn, ms) {
  const t = setTimeout(fn, ms);
  if (t && typeof t.unref === 'function') t.unref();
  return t;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the FinalizationRegistry safety net ----
const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((held) => {
    // A Run was garbage-collected without finish(): finish it here so the
    // journal gets its exit record and the core's memory is released.
    try {
      held.onLost?.();
      held.release?.();
      if (held.core.dead) return;
      held.core.resetErr();
      held.core.M._runlog_finish(held.ptr, 0, held.core.err);
      held.core.M._free(held.statsPtr);
      if (held.logId) held.core.host.drop(held.logId);
    } catch (_) {
      // the instance is gone: nothing left to release
    }
  })
  : null;

const openRuns = new Set(); // ids of runs open in this realm (syncPending skips them)

// Outside the Run constructor on purpose: a closure made there would share
// its context (holding `this`), and the held value must not reach the run, or
// it could never be collected.
function registerRun(run, core, ptr, id, statsPtr, logId) {
  const held = { core, ptr, statsPtr, logId, release: null, onLost: () => openRuns.delete(id) };
  registry?.register(run, held, run);
  return held; // the run may point at it (to hand over its lock), not the reverse
}
function weakRefTo(obj) {
  return typeof WeakRef === 'function' ? new WeakRef(obj) : { deref: () => obj };
}

// A timer / answer callback that pumps the run if it is still alive.
function pumpLater(ref, answer) {
  return () => {
    const run = ref.deref();
    if (!run) return;
    if (answer) run._schedule(0);
    else {
      run._timer = null;
      run._pumpNow();
    }
  };
}

// Runs with a handle, for the pagehide flush: weak, so that a dropped run can
// still be collected (and finished by the registry).
const liveRuns = new Set(); // WeakRef<Run>

function installPageHooks() {
  const g = globalThis;
  if (installPageHooks.done) return true;
  if (typeof g.addEventListener !== 'function' || typeof g.document !== 'object') return false;
  installPageHooks.done = true;
  const flushAll = () => {
    for (const ref of liveRuns) {
      const run = ref.deref();
      if (run) {
        run._pumpNow();
        run._store.persisted().catch(() => {}); // start the IndexedDB commit now
      } else liveRuns.delete(ref);
    }
  };
  // The last chance to hand rows to IndexedDB before a tab is hidden or closed.
  g.addEventListener('pagehide', flushAll);
  g.document.addEventListener('visibilitychange', () => {
    if (g.document.visibilityState === 'hidden') flushAll();
  });
  return true;
}

function optionsJson(o, extra) {
  const out = { ...extra };
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return JSON.stringify(out);
}

function makeLogHandle(core, onMessage, filter) {
  if (!onMessage && !filter) return 0;
  const fn = (level, text) => {
    if (filter && filter(level, text)) return;
    if (onMessage) onMessage(LEVELS[level] || 'info', text);
    else (level >= 3 ? console.error : level >= 2 ? console.warn : console.log)(`runlog: ${text}`);
  };
  return core.host.add(fn);
}

function summaryFlags(summary) {
  if (summary === undefined || summary === null || summary === '') return 0;
  const list = Array.isArray(summary) ? summary : String(summary).split(',');
  let flags = 0;
  for (const s of list) {
    const f = SUMMARY_OPS[String(s).trim().toLowerCase()];
    if (!f) throw new RunlogError(STATUS.RUNLOG_E_INVALID_ARGUMENT, `defineMetric: summary "${s}" is not one of min, max, mean, first, last, none`);
    flags |= f;
  }
  return flags;
}

/** run.summary / run.config: methods plus property access through a Proxy. */
function keyedView(target) {
  return new Proxy(target, {
    get(t, k, r) {
      if (typeof k === 'symbol' || k in t) return Reflect.get(t, k, r);
      return t.get(k);
    },
    set(t, k, v) {
      if (typeof k === 'symbol' || k in t) return false;
      t.update({ [k]: v });
      return true;
    },
    deleteProperty(t, k) {
      if (typeof k === 'symbol' || k in t) return false;
      t.update({ [k]: null });
      return true;
    },
    has(t, k) {
      return typeof k === 'string' && t.get(k) !== undefined;
    },
    ownKeys(t) {
      return Object.keys(t.toJSON());
    },
    getOwnPropertyDescriptor(t, k) {
      const v = typeof k === 'string' ? t.get(k) : undefined;
      return v === undefined ? undefined : { value: v, enumerable: true, configurable: true, writable: true };
    },
  });
}

class Summary {
  constructor(run) {
    Object.defineProperty(this, '_run', { value: run });
  }
  /** W&B's run.summary.update(obj): sets keys; null removes a key. */
  update(obj) {
    this._run._jsonCall('_runlog_summary_update_json', 'summary.update', obj);
  }
  set(key, value) {
    this.update({ [key]: value });
  }
  /** The summary of one top-level key (undefined if none), or everything. */
  get(key) {
    if (key === undefined) return this.toJSON();
    return this._run._getJson('_runlog_summary_get_json', true, String(key), 'summary.get');
  }
  toJSON() {
    return this._run._getJson('_runlog_summary_get_json', true, null, 'summary.get') || {};
  }
}

class Config {
  constructor(run) {
    Object.defineProperty(this, '_run', { value: run });
  }
  /** W&B's run.config.update(obj): merges top-level keys. */
  update(obj) {
    this._run._jsonCall('_runlog_config_update_json', 'config.update', obj);
  }
  set(key, value) {
    this.update({ [key]: value });
  }
  get(key) {
    const all = this._run._getJson('_runlog_config_get_json', false, null, 'config.get') || {};
    return key === undefined ? all : all[key];
  }
  toJSON() {
    return this.get();
  }
}

export class Run {
  /** @internal use runlog.init() */
  constructor(core, ptr, store, http, opts) {
    this._core = core;
    this._ptr = ptr;
    this._store = store;
    this._http = http;
    this._pumpMs = opts.pumpIntervalMs ?? 100;
    this._timer = null;
    this._finishing = null;
    this._opts = opts;
    this._warned = false;
    const M = core.M;
    this.id = core.str(M._runlog_run_id(ptr));
    this.name = core.str(M._runlog_run_name(ptr));
    this.project = core.str(M._runlog_run_project(ptr));
    this.entity = core.str(M._runlog_run_entity(ptr));
    this.mode = core.str(M._runlog_run_mode(ptr));
    this.location = core.str(M._runlog_run_dir(ptr));
    this.summary = keyedView(new Summary(this));
    this.config = keyedView(new Config(this));
    this._statsPtr = M._malloc(120);
    this._online = this.mode === 'online';
    // Timers and answers reach the run through a WeakRef (pumpLater), so that
    // neither keeps a dropped run alive (the FinalizationRegistry finishes it).
    this._weak = weakRefTo(this);
    if (http) http.onAnswer = pumpLater(this._weak, true);
    openRuns.add(this.id);
    this._ref = null;
    if (installPageHooks() && typeof WeakRef === 'function') {
      this._ref = this._weak;
      liveRuns.add(this._ref);
    }
    this._held = registerRun(this, core, ptr, this.id, this._statsPtr, opts._logId);
    if (this._online) this._schedule(0);
  }

  _handle(fn) {
    if (!this._ptr || this._finishing) {
      throw new RunlogError(STATUS.RUNLOG_E_FINISHED, `${fn}: run ${this.id} was finished already; start a new one with runlog.init()`);
    }
    return this._ptr;
  }

  /**
   * W&B's run.log(data, {step, commit}): synchronous; the row is queued in the
   * core and written by the next pump. NaN and ±Infinity are kept.
   */
  log(data, opts) {
    const ptr = this._handle('log');
    const core = this._core;
    if (data !== null && typeof data === 'object' && !Array.isArray(data) && typedRow(data) &&
        (opts === undefined || opts.step === undefined || opts.step === null || (Number.isSafeInteger(opts.step) && opts.step >= 0))) {
      this._logTyped(ptr, core, data, opts);
      return;
    }
    const text = toJsonText(data);
    if (text === undefined || text[0] !== '{') {
      throw new RunlogError(STATUS.RUNLOG_E_NOT_OBJECT, 'log: data must be an object such as {loss: 0.5}');
    }
    let step = STEP_AUTO;
    let commit = 0;
    if (opts !== undefined) {
      if (opts.step !== undefined && opts.step !== null) step = opts.step;
      if (opts.commit === true) commit = 1;
      else if (opts.commit === false) commit = 2;
    }
    if (core.dead) throw core.dead;
    let rc;
    try {
      const len = core.writeScratch(text);
      core.i32[(core.err >> 2) + 1] = 0;
      rc = core.M._runlog_wasm_log(ptr, core.scratch, len, step, commit, core.err);
    } catch (e) {
      core.guard(() => { throw e; });
    }
    if (rc !== 0) throw core.errorFrom(rc, 'log');
    if (this._timer === null) this._schedule(this._pumpMs);
  }

  // The typed fast path (runlog_stage_double/_int + commit_row): no JSON text
  // is built here nor parsed in the core. Only for flat rows of numbers whose
  // keys typedRow() accepted, so a stage call cannot be refused half-way.
  _logTyped(ptr, core, data, opts) {
    let step = STEP_AUTO;
    let commit = 0;
    if (opts !== undefined) {
      if (opts.step !== undefined && opts.step !== null) step = opts.step;
      if (opts.commit === true) commit = 1;
      else if (opts.commit === false) commit = 2;
    }
    if (core.dead) throw core.dead;
    const M = core.M;
    const err = core.err;
    let rc = 0;
    try {
      for (const k in data) {
        const v = data[k];
        const kp = core.key(k);
        rc = Number.isSafeInteger(v) && !Object.is(v, -0)
          ? M._runlog_wasm_stage_int(ptr, kp, v, err)
          : M._runlog_stage_double(ptr, kp, v, err);
        if (rc !== 0) break;
      }
      if (rc === 0) rc = M._runlog_wasm_commit_row(ptr, step, commit, err);
    } catch (e) {
      core.guard(() => { throw e; });
    }
    if (rc !== 0) throw core.errorFrom(rc, 'log');
    if (this._timer === null) this._schedule(this._pumpMs);
  }

  /** W&B's run.define_metric(name, {stepMetric, summary, hidden, stepSync}). */
  defineMetric(name, opts = {}) {
    const ptr = this._handle('defineMetric');
    const core = this._core;
    const flags = summaryFlags(opts.summary);
    core.guard((M) => {
      const np = core.cstr(name);
      const sp = core.cstr(opts.stepMetric ?? opts.step_metric);
      const mo = M._malloc(20);
      const i32 = core.i32;
      i32[mo >> 2] = 1;
      core.u32[(mo >> 2) + 1] = sp;
      core.u32[(mo >> 2) + 2] = flags;
      i32[(mo >> 2) + 3] = opts.hidden ? 1 : 0;
      const sync = opts.stepSync ?? opts.step_sync;
      i32[(mo >> 2) + 4] = sync === undefined ? 0 : sync ? 1 : 2;
      core.resetErr();
      const rc = M._runlog_define_metric(ptr, np, mo, core.err);
      M._free(np);
      if (sp) M._free(sp);
      M._free(mo);
      core.check(rc, 'defineMetric');
    });
  }

  _jsonCall(fn, what, obj) {
    const ptr = this._handle(what);
    const core = this._core;
    const text = toJsonText(obj);
    if (text === undefined || text[0] !== '{') throw new RunlogError(STATUS.RUNLOG_E_NOT_OBJECT, `${what}: pass an object`);
    core.guard((M) => {
      const len = core.writeScratch(text);
      core.resetErr();
      core.check(M[fn](ptr, core.scratch, len, core.err), what);
    });
    if (this._timer === null) this._schedule(this._pumpMs);
  }

  _getJson(fn, hasKey, key, what) {
    const ptr = this._handle(what);
    const core = this._core;
    return core.guard((M) => {
      const buf = M._malloc(8);
      core.u32[buf >> 2] = 0;
      core.u32[(buf >> 2) + 1] = 0;
      const kp = hasKey ? core.cstr(key) : 0;
      core.resetErr();
      const rc = hasKey ? M[fn](ptr, kp, buf, core.err) : M[fn](ptr, buf, core.err);
      if (kp) M._free(kp);
      if (rc === STATUS.RUNLOG_E_NOT_FOUND) {
        M._free(buf);
        return undefined;
      }
      if (rc !== 0) {
        M._free(buf);
        throw core.errorFrom(rc, what);
      }
      const text = core.takeBuf(buf);
      M._free(buf);
      return parseJson(text);
    });
  }

  /** Counters: rows logged, bytes queued, journal size, upload state… */
  stats() {
    const ptr = this._handle('stats');
    const core = this._core;
    return core.guard((M) => {
      const p = this._statsPtr;
      core.i32[p >> 2] = 2;
      core.resetErr();
      core.check(M._runlog_get_stats(ptr, p, core.err), 'stats');
      const f = core.f64; // 64-bit fields read as two 32-bit halves
      const u = core.u32;
      const u64 = (off) => u[(p + off) >> 2] + u[(p + off + 4) >> 2] * 4294967296;
      void f;
      const i64 = (off) => {
        const lo = u[(p + off) >> 2];
        const hi = core.i32[(p + off + 4) >> 2];
        return hi * 4294967296 + lo;
      };
      return {
        step: i64(8),
        rowsLogged: u64(16),
        stepsRefused: u64(24),
        rowsRefusedQueueFull: u64(32),
        recordsQueued: u64(40),
        bytesQueued: u64(48),
        recordsWritten: u64(56),
        journalBytes: u64(64),
        storeErrors: u64(72),
        uploadState: UPLOAD_STATES[core.i32[(p + 80) >> 2]] || 'none',
        rowsUploaded: u64(88),
        uploadRequests: u64(96),
        uploadRetries: u64(104),
        uploadBytesPending: u64(112),
      };
    });
  }

  // ---- driving the core from the event loop ----
  _schedule(ms) {
    if (this._timer !== null) {
      if (ms > 0) return;
      clearTimeout(this._timer);
    }
    this._timer = bgTimer(pumpLater(this._weak, false), ms);
  }

  _pumpNow() {
    if (!this._ptr || this._core.dead) return;
    const core = this._core;
    let rc = 0;
    try {
      core.resetErr();
      rc = core.M._runlog_pump(this._ptr, 0, core.err);
    } catch (e) {
      try { core.guard(() => { throw e; }); } catch (_) { /* reported through dead */ }
      return;
    }
    if (rc !== 0 && rc !== STATUS.RUNLOG_E_FINISHED && !this._warned) {
      // The core keeps the rows and retries the store; say it once.
      this._warned = true;
      const e = core.errorFrom(rc, 'pump');
      (this._opts.onMessage || ((l, t) => console.warn(`runlog: ${t}`)))('warn', e.message);
    } else if (rc === 0) {
      this._warned = false;
    }
    if (this._online && !this._finishing) this._schedule(this._opts.uploadPollMs ?? 250);
  }

  /** Writes what was logged to the store and waits until it is persisted. */
  async flush() {
    const ptr = this._handle('flush');
    const core = this._core;
    core.guard((M) => {
      core.resetErr();
      core.check(M._runlog_flush(ptr, -1, core.err), 'flush');
    });
    await storeCall(this._store, 'flush', () => this._store.persisted());
  }

  /**
   * W&B's run.finish(exitCode): records the last row and the exit, writes
   * the run files, and resolves once they are persisted in the store (also
   * offline). Online, it then waits for the upload (up to uploadTimeoutMs);
   * what is not uploaded stays pending for runlog.syncPending().
   */
  finish(exitCode = 0) {
    if (this._finishing) return this._finishing;
    if (!this._ptr) return Promise.reject(new RunlogError(STATUS.RUNLOG_E_FINISHED, `finish: run ${this.id} was finished already`));
    this._finishing = this._finish(exitCode | 0);
    return this._finishing;
  }

  async _finish(exitCode) {
    const core = this._core;
    const ptr = this._ptr;
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
    const deadline = now() + (this._opts.uploadTimeoutMs ?? 120000);
    if (this._opts._logState) this._opts._logState.finishing = true;
    if (this._online && !core.dead) await this._drainUpload(deadline);
    let error = null;
    try {
      core.guard((M) => {
        core.resetErr();
        const rc = M._runlog_finish(ptr, exitCode, core.err);
        if (rc !== 0) error = core.errorFrom(rc, 'finish');
      });
    } catch (e) {
      error = e;
    }
    this._ptr = 0;
    if (this._opts._logId) core.host.drop(this._opts._logId);
    registry?.unregister(this);
    if (this._ref) liveRuns.delete(this._ref);
    if (!core.dead) core.M._free(this._statsPtr);
    try {
      await storeCall(this._store, 'finish', async () => {
        await this._store.persisted();
        await this._store.setMeta(this.id, { finished: true, exitCode });
      });
    } catch (e) {
      error = error || e;
    }
    openRuns.delete(this.id);
    if (!this._online) this._store.evict?.(this.id); // in IndexedDB now: free the memory copy
    if (this._online && !error && !core.dead) {
      // The core's finish only journals the exit in this single-threaded
      // build; its upload goes on here, over the same store, with sync.
      const left = Math.max(1000, deadline - now());
      try {
        this.upload = await syncOne(this.id, this._store, { ...this._opts, timeoutMs: left, quiet: true }, this._http, true);
      } catch (e) {
        error = e;
      }
    }
    this._release?.();
    this._release = null;
    if (error) throw error;
  }

  async _drainUpload(deadline) {
    // Let the request in flight finish (its answer saves the upload progress),
    // then finish at once: the sync that follows sends the rest without the
    // live stream's transmit interval.
    for (let i = 0; i < 3 && this._http.inFlight && now() < deadline; i++) {
      await Promise.race([this._http.settled(), sleep(Math.max(1, deadline - now()))]);
      this._pumpNow();
    }
  }
}

const RESERVED = new Set(['_step', '_runtime', '_wandb', '_timestamp']);

/** A flat row of numbers under plain keys: the typed path can take it. */
function typedRow(o) {
  let n = 0;
  for (const k in o) {
    if (typeof o[k] !== 'number' || k === '' || RESERVED.has(k)) return false;
    if (++n > 1024) return false;
  }
  return n > 0;
}

function parseJson(text) {
  // The core writes NaN/Infinity bare; JSON.parse does not take them.
  try {
    return JSON.parse(text);
  } catch (_) {
    return JSON.parse(text.replace(/(?<=[:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '"$1"'), (k, v) =>
      v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
  }
}

// A store's asynchronous calls (IndexedDB refused in a private window, a
// full disk…) reject with RunlogErrors like everything else.
async function storeCall(store, what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RunlogError) throw e;
    const quota = e && e.name === 'QuotaExceededError';
    throw new RunlogError(quota ? STATUS.RUNLOG_E_NO_SPACE : STATUS.RUNLOG_E_IO,
      `${what}: the store ${store.label || ''} failed: ${e && e.message || e}`);
  }
}

function transportFor(opts) {
  if (opts.transport instanceof HttpExecutor) return opts.transport;
  return new HttpExecutor({ send: opts.send, fetch: opts.fetch });
}

/**
 * Starts a run (W&B's wandb.init). Options: project, entity, name, notes,
 * group, jobType, tags, id, mode ("online" | "offline" | "disabled"), resume,
 * config, silent, store, apiKey, baseUrl, send, onMessage, and the tuning
 * fields of runlog_options (queueCapacityBytes, durability, …).
 */
export async function init(options = {}) {
  const o = options;
  const store = o.store || defaultStore();
  const core = await getCore();
  applyEnv(core);
  await storeCall(store, 'init', () => store.ready());
  const id = o.id ?? o.runId;
  let release = null;
  if (id && store.acquire) {
    release = await store.acquire(id);
    if (!release) throw new RunlogError(STATUS.RUNLOG_E_EXISTS, `init: run ${id} is open in another tab or worker: finish it there first, or use another id`);
  }
  if (id) {
    try {
      await storeCall(store, 'init', () => store.load(id));
    } catch (e) {
      release?.();
      throw e;
    }
  }
  const mode = o.mode;
  const wantsHttp = mode !== 'offline' && mode !== 'disabled' && mode !== 'dryrun';
  const http = wantsHttp ? transportFor(o) : null;
  const onMessage = o.onMessage;
  // The core's own upload wait is for threads; here the event loop uploads
  // (Run._finish), so the core must not spin: 1 ms.
  const json = optionsJson({
    project: o.project,
    entity: o.entity,
    name: o.name,
    notes: o.notes,
    group: o.group,
    job_type: o.jobType ?? o.job_type,
    tags: Array.isArray(o.tags) ? o.tags.join(',') : o.tags,
    run_id: id,
    mode,
    resume: o.resume === true ? 'allow' : o.resume || undefined,
    config_json: o.config !== undefined ? toJsonText(o.config) : undefined,
    silent: o.silent,
    queue_full: o.queueFull,
    queue_capacity_bytes: o.queueCapacityBytes,
    max_payload_bytes: o.maxPayloadBytes,
    durability: o.durability === undefined ? undefined : { interval: 0, flush: 1, none: 2, every_record: 3 }[o.durability] ?? o.durability,
    fsync_interval_ms: o.fsyncIntervalMs,
    finish_timeout_ms: o.finishTimeoutMs,
    base_url: o.baseUrl,
    api_key: o.apiKey,
    transmit_interval_ms: o.transmitIntervalMs,
    http_timeout_ms: o.httpTimeoutMs,
    retry_max: o.retryMax,
    retry_wait_min_ms: o.retryWaitMinMs,
    retry_wait_max_ms: o.retryWaitMaxMs,
    upload_timeout_ms: 1,
  });
  const logState = { finishing: false };
  // In this build the core's finish() never waits for the upload (the event
  // loop does it, Run._finish), so its "upload the rest with runlog sync"
  // warning at that moment is not news: the sync that follows says the truth.
  const filter = (level, text) => logState.finishing && level === 2 && /upload the rest with/.test(text);
  const runStorage = store.openRun();
  const storeId = core.host.add(runStorage);
  const httpId = http ? core.host.add(http.handle()) : 0;
  const logId = makeLogHandle(core, onMessage, filter);
  let ptr;
  try {
    ptr = core.guard((M) => {
      const out = M._malloc(4);
      const jp = core.cstr(json);
      core.resetErr();
      const rc = M._runlog_wasm_init(out, jp, storeId, httpId, logId, core.err);
      M._free(jp);
      const p = core.u32[out >> 2];
      M._free(out);
      if (rc !== 0) {
        if (logId) core.host.drop(logId);
        throw core.errorFrom(rc, 'init');
      }
      return p;
    });
  } catch (e) {
    release?.();
    throw e;
  }
  const run = new Run(core, ptr, store, http, { ...o, onMessage, _logState: logState, _logId: logId });
  if (!release && store.acquire && run.mode !== 'disabled') release = await store.acquire(run.id);
  run._release = release || null;
  run._held.release = run._release;
  if (run.mode !== 'disabled') {
    try {
      await store.setMeta(run.id, { project: run.project, name: run.name, entity: run.entity, mode: run.mode, finished: false });
    } catch (e) {
      // The run itself is open and journaling; only the listing lacks its names.
      (onMessage || ((l, t) => console.warn(`runlog: ${t}`)))('warn', `cannot record run ${run.id}'s metadata in the store: ${e && e.message || e}`);
    }
  }
  return run;
}

async function progressOf(store, id) {
  const bytes = await storeCall(store, 'pendingRuns', () => store.readFile(id, 'sync-progress.json'));
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (_) {
    return null;
  }
}

/**
 * Runs in the store not yet (completely) uploaded: offline runs, and online
 * runs whose upload did not finish. Newest first.
 */
export async function pendingRuns({ store = defaultStore() } = {}) {
  await storeCall(store, 'pendingRuns', () => store.ready());
  const out = [];
  for (const meta of await storeCall(store, 'pendingRuns', () => store.list())) {
    if (meta.mode === 'disabled') continue;
    const progress = await progressOf(store, meta.id);
    if (progress && progress.complete) continue;
    out.push({
      id: meta.id,
      name: meta.name ?? null,
      project: meta.project ?? null,
      entity: meta.entity ?? null,
      location: meta.location,
      createdAt: meta.createdAt ? new Date(meta.createdAt) : null,
      finished: !!meta.finished,
      open: openRuns.has(meta.id),
      rowsUploaded: progress ? progress.history_lines ?? 0 : 0,
    });
  }
  return out;
}

const SYNC_STATUS_SIZE = 56;

async function syncOne(id, store, o, httpGiven, locked = false) {
  let release = null;
  if (!locked && store.acquire) {
    release = await store.acquire(id);
    if (!release) return { id, ok: false, state: 'none', finished: false, rowsTotal: 0, rowsUploaded: 0, rowsSent: 0, requests: 0, retries: 0, skipped: true, error: new RunlogError(STATUS.RUNLOG_E_EXISTS, `run ${id} is open in another tab or worker: it uploads there, or later`), messages: [] };
  }
  try {
    return await syncOneLocked(id, store, o, httpGiven);
  } finally {
    release?.();
  }
}

async function syncOneLocked(id, store, o, httpGiven) {
  const core = await getCore();
  applyEnv(core);
  await storeCall(store, 'syncPending', () => store.load(id));
  const http = httpGiven || transportFor(o);
  const storeId = core.host.add(store.openRun());
  const httpId = core.host.add(http.handle());
  const messages = [];
  const logId = makeLogHandle(core, (level, text) => {
    messages.push({ level, text });
    if (o.onMessage) o.onMessage(level, text);
    else if (!o.quiet && !o.silent && level !== 'debug' && level !== 'info') console.warn(`runlog: ${text}`);
  });
  const M = core.M;
  const json = optionsJson({
    run_id: id,
    entity: o.entity,
    project: o.project,
    base_url: o.baseUrl,
    api_key: o.apiKey,
    http_timeout_ms: o.httpTimeoutMs,
    retry_max: o.retryMax,
    retry_wait_min_ms: o.retryWaitMinMs,
    retry_wait_max_ms: o.retryWaitMaxMs,
    close_unfinished: o.closeUnfinished,
    silent: o.silent,
  });
  const sync = core.guard(() => {
    const out = M._malloc(4);
    const jp = core.cstr(json);
    core.resetErr();
    const rc = M._runlog_wasm_sync_open(out, jp, storeId, httpId, logId, core.err);
    M._free(jp);
    const p = core.u32[out >> 2];
    M._free(out);
    if (rc !== 0) {
      core.host.drop(logId);
      throw core.errorFrom(rc, 'syncPending');
    }
    return p;
  });
  const st = M._malloc(SYNC_STATUS_SIZE);
  let wake = null;
  http.onAnswer = () => wake && wake();
  const deadline = o.timeoutMs === undefined ? Infinity : now() + o.timeoutMs;
  let result;
  let lastMark = '';
  try {
    for (;;) {
      let rc;
      core.guard(() => {
        core.i32[st >> 2] = 1;
        core.resetErr();
        rc = M._runlog_sync_run(sync, 0, st, core.err);
      });
      const u = core.u32;
      const u64 = (off) => u[(st + off) >> 2] + u[(st + off + 4) >> 2] * 4294967296;
      const status = {
        state: UPLOAD_STATES[core.i32[(st + 4) >> 2]] || 'none',
        finished: core.i32[(st + 8) >> 2] !== 0,
        rowsTotal: u64(16),
        rowsUploaded: u64(24),
        rowsSent: u64(32),
        requests: u64(40),
        retries: u64(48),
      };
      if (o.onProgress) o.onProgress({ id, ...status });
      if (status.finished || rc !== 0) {
        result = { id, ok: rc === 0 && status.state === 'done', ...status };
        if (rc !== 0) result.error = core.errorFrom(rc, 'sync');
        break;
      }
      if (now() >= deadline) {
        result = { id, ok: false, ...status, error: new RunlogError(STATUS.RUNLOG_E_TIMEOUT, `sync of run ${id} did not finish within ${o.timeoutMs} ms; what was acknowledged is kept, the rest stays pending`) };
        break;
      }
      // Progress (more of the journal read, an answer handled): go on at
      // once, only yielding to the event loop. Else wait for an answer or a
      // retry deadline (the core's backoff runs on its clock: poll it).
      const mark = `${status.rowsTotal}/${status.rowsUploaded}/${status.requests}/${status.state}`;
      const moved = mark !== lastMark;
      lastMark = mark;
      await new Promise((resolve) => {
        const t = setTimeout(resolve, moved ? 0 : http.inFlight ? 1000 : 50);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    if (!core.dead) {
      M._runlog_sync_close(sync);
      M._free(st);
    }
    core.host.drop(logId);
    http.onAnswer = null;
  }
  await storeCall(store, 'syncPending', () => store.persisted());
  if (!openRuns.has(id)) store.evict?.(id); // the journal copy in memory is not needed any more
  result.messages = messages;
  return result;
}

/**
 * Uploads every pending run (runlog.pendingRuns()) to the W&B server with
 * the core's protocol over fetch (or options.send). Resolves to one result per
 * run: {id, ok, state, rowsSent, rowsUploaded, error?}. Runs open in this page
 * are skipped (their own upload is under way).
 */
export async function syncPending(options = {}) {
  const store = options.store || defaultStore();
  const results = [];
  for (const r of await pendingRuns({ store })) {
    if (r.open) continue;
    if (options.ids && !options.ids.includes(r.id)) continue;
    results.push(await syncOne(r.id, store, options, null));
  }
  return results;
}

/** Library version ("0.1.0") of the loaded core. */
export async function version() {
  const core = await getCore();
  return core.str(core.M._runlog_version());
}

export function _statusName(s) {
  return statusName(s);
}

export default { init, pendingRuns, syncPending, version, defaultStore, MemoryStore, IndexedDBStore, HttpExecutor, fetchSend, RunlogError, StoreError, STATUS, setWasmSource, loadTimeMs };
