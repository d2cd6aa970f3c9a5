// The JS API over the wasm build, in Node: init/log/summary/config/
// defineMetric/flush/finish, errors, and what lands in the journal (read back
// with an independent reader, test/journal.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRunlog } from './helpers.mjs';
import { readJournal } from './journal.mjs';

const runlog = await loadRunlog();

async function journalOf(store, id) {
  const j = readJournal(await store.journal(id));
  assert.equal(j.stop, 'end', 'the journal reads to a clean end');
  return j.records;
}

test('init gives a run with id, name, project, mode; the core says it has no threads', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ project: 'proj', name: 'my-run', mode: 'offline', store, silent: true });
  assert.match(run.id, /^[a-z0-9]{8}$/);
  assert.equal(run.name, 'my-run');
  assert.equal(run.project, 'proj');
  assert.equal(run.mode, 'offline');
  assert.match(run.location, /^memory\/offline-run-\d{8}_\d{6}-[a-z0-9]{8}$/);
  assert.equal(await runlog.version(), '0.1.0');
  await run.finish();
});

test('log() rows land in the journal exactly, with _step/_runtime/_timestamp; NaN and ±Infinity kept', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true, config: { lr: 0.01, layers: [4, 2] } });
  const logged = [];
  for (let i = 0; i < 500; i++) {
    const row = i % 3 === 0
      ? { loss: 1 / (i + 1), acc: i / 500, epoch: i >> 4 }                    // typed path
      : { loss: 1 / (i + 1), nested: { a: i, s: `t${i}` }, bad: NaN, inf: -Infinity }; // JSON path
    run.log(row);
    logged.push(row);
  }
  await run.finish();
  const recs = await journalOf(store, run.id);
  assert.equal(recs[0].kind, 'run');
  assert.deepEqual(recs[0].data.config, { lr: 0.01, layers: [4, 2] });
  const hist = recs.filter((r) => r.kind === 'history').map((r) => r.data);
  assert.equal(hist.length, logged.length);
  hist.forEach((h, i) => {
    assert.equal(h._step, i);
    assert.equal(typeof h._runtime, 'number');
    assert.ok(h._timestamp > 1.7e9);
    const { _step, _runtime, _timestamp, ...rest } = h;
    assert.deepEqual(rest, logged[i], `row ${i}`);
  });
  assert.deepEqual(recs.at(-1), { kind: 'exit', data: { exit_code: 0, runtime: recs.at(-1).data.runtime } });
});

test('step and commit follow W&B; a smaller step is a RunlogError and the run goes on', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true });
  run.log({ a: 1 }, { commit: false });
  run.log({ b: 2 });                 // merged with a, recorded at step 0
  run.log({ c: 3 }, { step: 5 });    // pending at step 5
  run.log({ d: 4 }, { step: 5, commit: true });
  assert.throws(() => run.log({ e: 5 }, { step: 2 }), (e) => e instanceof runlog.RunlogError &&
    e.code === 'RUNLOG_E_STEP_ORDER' && e.status === -7 && /smaller than the current step/.test(e.message));
  assert.throws(() => run.log({ _step: 1 }), (e) => e.code === 'RUNLOG_E_RESERVED_KEY');
  assert.throws(() => run.log([1, 2]), (e) => e.code === 'RUNLOG_E_NOT_OBJECT');
  assert.throws(() => run.log({ x: 1 }, { step: -5 }), (e) => e.code === 'RUNLOG_E_INVALID_ARGUMENT');
  run.log({ f: 6 });
  assert.equal(run.stats().stepsRefused, 1);
  await run.finish();
  const hist = (await journalOf(store, run.id)).filter((r) => r.kind === 'history').map(({ data: { _runtime, _timestamp, ...d } }) => d);
  assert.deepEqual(hist, [{ a: 1, b: 2, _step: 0 }, { c: 3, d: 4, _step: 5 }, { f: 6, _step: 6 }]);
});

test('summary and config: set/get, Proxy access, update, null removes; defineMetric summaries', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true, config: { lr: 0.1 } });
  run.defineMetric('acc', { summary: 'max' });
  run.defineMetric('loss', { summary: ['min', 'last'] });
  for (const [loss, acc] of [[0.9, 0.2], [0.5, 0.7], [0.6, 0.6]]) run.log({ loss, acc });
  await run.flush();
  assert.deepEqual(run.summary.acc, { max: 0.7 });
  assert.deepEqual(run.summary.get('loss'), { min: 0.5, last: 0.6 });
  run.summary.best_epoch = 7;
  run.summary.update({ note: 'ok', gone: 1 });
  delete run.summary.gone;
  assert.equal(run.summary.best_epoch, 7);
  assert.equal(run.summary.gone, undefined);
  assert.equal(run.summary.nothing, undefined);
  assert.ok('note' in run.summary);
  run.config.update({ optimizer: 'sgd' });
  run.config.batch = 32;
  assert.equal(run.config.lr, 0.1);
  assert.deepEqual(run.config.get(), { lr: 0.1, optimizer: 'sgd', batch: 32 });
  assert.deepEqual(JSON.parse(JSON.stringify(run.config)), { lr: 0.1, optimizer: 'sgd', batch: 32 });
  assert.throws(() => run.defineMetric('x', { summary: 'median' }), (e) => e.code === 'RUNLOG_E_INVALID_ARGUMENT');
  await run.finish();
  const files = store.images.get(run.id).files;
  const summary = JSON.parse(new TextDecoder().decode(files.get('files/wandb-summary.json')));
  assert.equal(summary.best_epoch, 7);
  assert.deepEqual(summary.acc, { max: 0.7 });
  assert.ok(!('gone' in summary));
  assert.match(new TextDecoder().decode(files.get('files/config.yaml')), /optimizer:\n\s+value: "?sgd"?/);
});

test('a finished run refuses calls with RUNLOG_E_FINISHED; finish twice returns the same promise', async () => {
  const run = await runlog.init({ mode: 'offline', store: new runlog.MemoryStore(), silent: true });
  const p1 = run.finish();
  const p2 = run.finish();
  assert.equal(p1, p2);
  await p1;
  assert.throws(() => run.log({ a: 1 }), (e) => e.code === 'RUNLOG_E_FINISHED');
  assert.throws(() => run.summary.update({ a: 1 }), (e) => e.code === 'RUNLOG_E_FINISHED');
  await assert.rejects(run.flush(), (e) => e.code === 'RUNLOG_E_FINISHED');
});

test('bad options are RunlogErrors naming the cause', async () => {
  await assert.rejects(runlog.init({ mode: 'sideways', store: new runlog.MemoryStore(), silent: true }),
    (e) => e instanceof runlog.RunlogError && e.code === 'RUNLOG_E_INVALID_ARGUMENT' && /sideways/.test(e.message));
  await assert.rejects(runlog.init({ id: 'bad/id', store: new runlog.MemoryStore(), silent: true, mode: 'offline' }),
    (e) => e.code === 'RUNLOG_E_INVALID_ARGUMENT');
});

test('the same id twice in a store: EXISTS; resume continues the steps', async () => {
  const store = new runlog.MemoryStore();
  const a = await runlog.init({ id: 'resumeme', mode: 'offline', store, silent: true });
  a.log({ x: 1 });
  a.log({ x: 2 });
  await assert.rejects(runlog.init({ id: 'resumeme', mode: 'offline', store, silent: true, resume: 'allow' }),
    (e) => e.code === 'RUNLOG_E_EXISTS', 'one writer per run');
  await a.finish();
  await assert.rejects(runlog.init({ id: 'resumeme', mode: 'offline', store, silent: true, resume: 'never' }),
    (e) => e.code === 'RUNLOG_E_EXISTS');
  const b = await runlog.init({ id: 'resumeme', mode: 'offline', store, silent: true, resume: 'allow' });
  b.log({ x: 3 });
  await b.finish();
  const hist = (await journalOf(store, 'resumeme')).filter((r) => r.kind === 'history').map((r) => [r.data._step, r.data.x]);
  assert.deepEqual(hist, [[0, 1], [1, 2], [2, 3]]);
});

test('memory is bounded: a run that is never awaited pumps itself within the queue capacity', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true, queueCapacityBytes: 64 * 1024 });
  for (let i = 0; i < 20000; i++) run.log({ loss: i, acc: i / 2 });
  const s = run.stats();
  assert.ok(s.bytesQueued <= 64 * 1024, `bytes queued ${s.bytesQueued}`);
  assert.ok(s.recordsWritten > 10000, 'written on the logging thread when the queue was full');
  await run.finish();
});

test('the event loop pumps: rows reach the store without flush()', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true, pumpIntervalMs: 10 });
  run.log({ a: 1 });
  for (let i = 0; i < 100 && run.stats().recordsQueued; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(run.stats().recordsQueued, 0);
  assert.ok(run.stats().recordsWritten >= 1);
  await run.finish();
});

test('disabled mode accepts every call and stores nothing', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'disabled', store, silent: true });
  run.log({ a: 1 });
  run.summary.x = 1;
  await run.finish();
  assert.deepEqual(await runlog.pendingRuns({ store }), []);
});

test('messages go to onMessage with level names', async () => {
  const seen = [];
  const run = await runlog.init({ mode: 'offline', store: new runlog.MemoryStore(), onMessage: (l, t) => seen.push([l, t]) });
  await run.finish();
  assert.ok(seen.some(([l, t]) => l === 'info' && t.includes(run.id)), JSON.stringify(seen));
});

test('a store that throws: log() goes on, flush() reports the store error, nothing is lost once it recovers', async () => {
  class Flaky extends runlog.MemoryStore {
    openRun() {
      const r = super.openRun();
      const append = r.append.bind(r);
      r.append = (b) => {
        if (this.broken) throw new runlog.StoreError('RUNLOG_E_NO_SPACE', 'disk full (test)');
        append(b);
      };
      return r;
    }
  }
  const store = new Flaky();
  const run = await runlog.init({ mode: 'offline', store, silent: true });
  await run.flush();
  store.broken = true;
  for (let i = 0; i < 10; i++) run.log({ i });
  await assert.rejects(run.flush(), (e) => e.code === 'RUNLOG_E_NO_SPACE' && /disk full \(test\)/.test(e.message));
  store.broken = false;
  await run.flush();
  await run.finish();
  const hist = (await journalOf(store, run.id)).filter((r) => r.kind === 'history');
  assert.equal(hist.length, 10);
});

test('numbers survive the JSON path exactly: the core parses and writes doubles bit for bit', async () => {
  // Nested rows take the JSON path (the core's scanner parses the numbers,
  // the journal writes them back): every double must read back identical.
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true });
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const values = [];
  for (let i = 0; i < 4000; i++) {
    const kind = i % 8;
    const v = kind === 0 ? rnd()
      : kind === 1 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300)
      : kind === 2 ? Math.floor(rnd() * 2 ** 53) / 2 ** Math.floor(rnd() * 60)
      : kind === 3 ? new Float64Array(new Uint32Array([Math.floor(rnd() * 2 ** 32), Math.floor(rnd() * 2 ** 31)]).buffer)[0]
      : kind === 4 ? 5e-324 * Math.floor(rnd() * 1000 + 1)
      : kind === 5 ? Math.sin(i) * 1e22
      : kind === 6 ? Number.MAX_VALUE / (1 + rnd())
      : 0.1 * i;
    values.push(v);
    run.log({ n: { v } });
  }
  await run.finish();
  const hist = (await journalOf(store, run.id)).filter((r) => r.kind === 'history');
  hist.forEach((h, i) => assert.ok(Object.is(h.data.n.v, values[i]), `row ${i}: logged ${values[i]}, journaled ${h.data.n.v}`));
  assert.ok(Number.isFinite(values[3]));
});
