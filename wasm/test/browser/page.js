// Functions the Chromium test (run.mjs) calls on this page.
import * as runlog from 'runlog';
import { testRow } from './rows.js';

async function logOffline(n) {
  const run = await runlog.init({ project: 'browser-test', mode: 'offline', silent: true, config: { lr: 0.1, batch: 32 } });
  for (let i = 0; i < n; i++) run.log(testRow(i));
  run.summary.best_acc = 0.99;
  await run.finish();
  return { id: run.id, name: run.name, location: run.location };
}

// A page closed mid-run: rows flushed, never finished.
async function logUnfinished(n) {
  const run = await runlog.init({ project: 'browser-crash', mode: 'offline', silent: true });
  for (let i = 0; i < n; i++) run.log(testRow(i));
  await run.flush();
  window.keepAlive = run; // no finish(): the reload ends the page
  return { id: run.id };
}

async function pending() {
  return (await runlog.pendingRuns()).map((r) => ({ id: r.id, project: r.project, finished: r.finished, location: r.location }));
}

async function sync(base, timeoutMs) {
  const baseUrl = new URL(base, location.href).href.replace(/\/$/, '');
  const res = await runlog.syncPending({ baseUrl, apiKey: 'the-relay-holds-the-key', silent: true, timeoutMs, retryWaitMinMs: 200, retryWaitMaxMs: 1000 });
  return res.map((r) => ({ id: r.id, ok: r.ok, state: r.state, rowsSent: r.rowsSent, error: r.error ? r.error.message : null }));
}

function workerRun(n, id) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onmessage = (e) => {
      w.terminate();
      e.data.error ? reject(Object.assign(new Error(e.data.error), { code: e.data.code })) : resolve(e.data);
    };
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ n, id });
  });
}

async function errors() {
  const run = await runlog.init({ mode: 'offline', silent: true, store: new runlog.MemoryStore() });
  run.log({ a: 1 }, { step: 5 });
  let err = null;
  try {
    run.log({ a: 2 }, { step: 1 });
  } catch (e) {
    err = { isError: e instanceof Error, runlog: e instanceof runlog.RunlogError, code: e.code, message: e.message };
  }
  await run.finish();
  return err;
}

// Memory stays bounded: what IndexedDB committed leaves the in-memory copy
// (offline: at once; online: once the server acknowledged it).
async function bounded(n, base) {
  const store = new runlog.IndexedDBStore({ name: 'runlog-bounded' });
  const opts = base
    ? { mode: 'online', baseUrl: new URL(base, location.href).href.replace(/\/$/, ''), apiKey: 'held-by-the-relay', transmitIntervalMs: 100 }
    : { mode: 'offline' };
  const run = await runlog.init({ ...opts, store, silent: true, project: 'bounded' });
  const row = {};
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 20; k++) row[`m${k}`] = Math.sin(i + k);
    run.log(row);
    if (i % 1000 === 999) {
      await run.flush();
      await new Promise((r) => setTimeout(r, base ? 150 : 0));
    }
  }
  await run.flush();
  if (base) for (let i = 0; i < 100 && run.stats().rowsUploaded < n; i++) await new Promise((r) => setTimeout(r, 50));
  const img = store.images.get(run.id);
  // The uploader saves its progress at most once a second; then the
  // acknowledged part can leave memory.
  for (let i = 0; i < 60 && (base ? img.floor === 0 : false); i++) {
    await new Promise((r) => setTimeout(r, 100));
    await run.flush();
  }
  await new Promise((r) => setTimeout(r, 300));
  await run.flush();
  const inMemory = img.chunks.reduce((a, c) => a + c.bytes.length, 0);
  const journalBytes = run.stats().journalBytes;
  const uploaded = run.stats().rowsUploaded;
  const progress = img.files.get('sync-progress.json');
  const progressText = progress ? new TextDecoder().decode(progress) : null;
  await run.finish();
  const whole = await store.journal(run.id);
  return { id: run.id, inMemory, journalBytes, wholeBytes: whole.length, uploaded, upload: run.upload ? run.upload.ok : null, progressText, persisted: img.persistedSize, mode: img.meta.mode };
}

// One writer per run across the page and its workers (Web Locks).
async function lockCheck() {
  const run = await runlog.init({ id: 'lockchk1', mode: 'offline', silent: true });
  let code = null;
  try {
    await workerRun(1, 'lockchk1');
  } catch (e) {
    code = e.code;
  }
  await run.finish();
  const again = await workerRun(1, 'lockchk2');
  return { whileOpen: code, afterFinish: !!again.id };
}

async function bench(rows, k) {
  const t0 = performance.now();
  const run = await runlog.init({ mode: 'offline', silent: true, store: new runlog.MemoryStore() });
  const initMs = performance.now() - t0;
  const keys = Array.from({ length: k }, (_, i) => `metric_${i}`);
  const row = {};
  const t1 = performance.now();
  for (let s = 0; s < rows; s++) {
    for (let j = 0; j < k; j++) row[keys[j]] = Math.sin(s * 0.001 + j);
    run.log(row);
  }
  const t2 = performance.now();
  await run.finish();
  const t3 = performance.now();
  return {
    initMs,
    firstLoadMs: runlog.loadTimeMs(),
    logMetricsPerSec: (rows * k) / ((t2 - t1) / 1000),
    withFinishMetricsPerSec: (rows * k) / ((t3 - t1) / 1000),
  };
}

Object.assign(window, { logOffline, logUnfinished, pending, sync, workerRun, errors, lockCheck, bounded, bench, runlogReady: true });
