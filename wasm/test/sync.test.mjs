// Online mode and sync against the local W&B-protocol server
// (tests/server/wbserver.py on 127.0.0.1): the core's protocol carried by the
// JS executor (fetch, or a page's own send()).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { API_KEY, loadRunlog, startServer } from './helpers.mjs';

const runlog = await loadRunlog();
let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const strip = ({ _runtime, _timestamp, ...rest }) => rest;

async function serverRun(id) {
  const st = await srv.state();
  return st.runs.find((r) => r.name === id);
}

function rows(n, seed) {
  return Array.from({ length: n }, (_, i) => ({ loss: 1 / (i + seed), acc: (i * seed) % 97 / 97, tag: `r${i}` }));
}

test('offline run → pendingRuns → syncPending: the server holds exactly what was logged; a second sync sends nothing', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ project: 'sync-js', mode: 'offline', store, silent: true, config: { lr: 0.5, arch: 'mlp' } });
  const logged = rows(120, 3);
  for (const r of logged) run.log(r);
  run.summary.best = 0.99;
  await run.finish();
  const pending = await runlog.pendingRuns({ store });
  assert.deepEqual(pending.map((p) => p.id), [run.id]);
  assert.equal(pending[0].finished, true);
  assert.equal(pending[0].project, 'sync-js');

  const res = await runlog.syncPending({ store, apiKey: API_KEY, baseUrl: srv.url, silent: true });
  assert.equal(res.length, 1);
  assert.equal(res[0].ok, true, res[0].error?.message);
  assert.equal(res[0].rowsSent, 120);
  assert.deepEqual(await runlog.pendingRuns({ store }), []);

  const r = await serverRun(run.id);
  assert.equal(r.project, 'sync-js');
  assert.deepEqual(r.history.map(strip), logged.map((row, i) => ({ ...row, _step: i })));
  assert.deepEqual(r.config_values, { lr: 0.5, arch: 'mlp' });
  assert.equal(r.summary.best, 0.99);
  assert.equal(r.exitcode, 0);
  assert.equal(r.state, 'finished');
  assert.ok(Object.values(r.line_overwrites || {}).every((n) => n === 0), 'no line sent twice');

  const again = await runlog.syncPending({ store, apiKey: API_KEY, baseUrl: srv.url, silent: true });
  assert.deepEqual(again, [], 'nothing pending: nothing sent');
});

test('online run: rows stream while logged; finish resolves after the upload; nothing left pending', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ project: 'online-js', mode: 'online', store, silent: true, apiKey: API_KEY, baseUrl: srv.url, transmitIntervalMs: 50 });
  const logged = rows(60, 5);
  for (const r of logged.slice(0, 30)) run.log(r);
  // streaming while the run is open
  const t0 = Date.now();
  while ((await serverRun(run.id))?.history.length !== 30 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await serverRun(run.id)).history.length, 30, 'rows arrive before finish');
  for (const r of logged.slice(30)) run.log(r);
  await run.finish();
  assert.equal(run.upload.ok, true);
  const r = await serverRun(run.id);
  assert.deepEqual(r.history.map(strip), logged.map((row, i) => ({ ...row, _step: i })));
  assert.equal(r.exitcode, 0);
  assert.deepEqual(await runlog.pendingRuns({ store }), []);
});

test('a page-supplied send() (a relay holding the key) carries every request; server errors are retried', async () => {
  await srv.admin('/_admin/faults', { rules: [{ endpoint: 'file_stream', status: 500, count: 2 }] });
  const store = new runlog.MemoryStore();
  const seen = [];
  // The "page" never has the key: the relay puts it in.
  const relay = async (req) => {
    seen.push(req.url);
    assert.ok(!JSON.stringify(req.headers).includes(API_KEY), 'the page-side request carries no real key');
    const headers = { ...req.headers, Authorization: `Basic ${btoa(`api:${API_KEY}`)}` };
    const res = await fetch(req.url, { method: req.method, headers, body: req.body });
    return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
  };
  const run = await runlog.init({ project: 'relay-js', mode: 'offline', store, silent: true });
  for (const r of rows(25, 7)) run.log(r);
  await run.finish();
  const res = await runlog.syncPending({ store, apiKey: 'page-has-no-key', baseUrl: srv.url, send: relay, silent: true, retryWaitMinMs: 50, retryWaitMaxMs: 200 });
  assert.equal(res[0].ok, true, res[0].error?.message);
  assert.ok(res[0].retries >= 2, `retried ${res[0].retries}`);
  assert.ok(seen.some((u) => u.endsWith('/graphql')) && seen.some((u) => u.includes('/file_stream')));
  const r = await serverRun(run.id);
  assert.equal(r.history.length, 25);
  assert.equal(r.exitcode, 0);
  await srv.admin('/_admin/faults', { rules: [] });
});

test('server down: finish still resolves (persisted), the run stays pending; syncPending uploads it later', async () => {
  const store = new runlog.MemoryStore();
  const down = 'http://127.0.0.1:9'; // discard port: nothing listens
  const run = await runlog.init({ project: 'down-js', mode: 'online', store, silent: true, apiKey: API_KEY, baseUrl: down, uploadTimeoutMs: 1500, retryWaitMinMs: 100, retryWaitMaxMs: 200 });
  const logged = rows(40, 11);
  for (const r of logged) run.log(r);
  const t0 = Date.now();
  await run.finish();
  assert.ok(Date.now() - t0 < 15000);
  assert.equal(run.upload.ok, false);
  const pending = await runlog.pendingRuns({ store });
  assert.deepEqual(pending.map((p) => p.id), [run.id]);
  const res = await runlog.syncPending({ store, apiKey: API_KEY, baseUrl: srv.url, silent: true });
  assert.equal(res[0].ok, true, res[0].error?.message);
  const r = await serverRun(run.id);
  assert.deepEqual(r.history.map(strip), logged.map((row, i) => ({ ...row, _step: i })));
  assert.equal(r.exitcode, 0);
});

test('a wrong API key: the sync fails with the server\'s refusal, the run stays pending', async () => {
  const store = new runlog.MemoryStore();
  const run = await runlog.init({ mode: 'offline', store, silent: true });
  run.log({ a: 1 });
  await run.finish();
  const res = await runlog.syncPending({ store, apiKey: 'x'.repeat(40), baseUrl: srv.url, silent: true });
  assert.equal(res[0].ok, false);
  assert.equal(res[0].state, 'failed');
  assert.ok(res[0].error instanceof runlog.RunlogError);
  assert.equal(res[0].error.code, 'RUNLOG_E_REFUSED');
  assert.match(res[0].error.message, /401|key/i);
  assert.ok(!res[0].error.message.includes('x'.repeat(40)), 'the key is not in the message');
  assert.equal((await runlog.pendingRuns({ store })).length, 1);
});
