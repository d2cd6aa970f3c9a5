// The Chromium test: Debian's /usr/bin/chromium driven by playwright-core
// (wasm/node_modules, from the committed lockfile) against pages served on
// 127.0.0.1 by this script. Steps:
//   1. log a run offline into IndexedDB on the page, and one from a Web Worker;
//   2. reload the page: both runs are still pending;
//   3. start the local W&B server (tests/server/wbserver.py), sync through a
//      relay on the page's origin that holds the API key: the server holds
//      exactly what was logged, nothing is pending any more;
//   4. errors are RunlogErrors on the page; throughput and init time;
//   5. the example (examples/browser/): trains, logs every step, syncs; a
//      screenshot goes to <build>/wasm/browser-example.png.
// Exit 0: passed; 1: failed; 77: skipped (chromium or playwright-core
// missing) unless RUNLOG_REQUIRE_BROWSER=1, which makes that a failure.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_KEY, buildDir, packageDir, sourceDir, startServer } from '../helpers.mjs';
import { testRow } from './rows.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.RUNLOG_CHROMIUM || '/usr/bin/chromium';
const required = process.env.RUNLOG_REQUIRE_BROWSER === '1' || process.env.CI === 'true';

function skip(why) {
  if (required) {
    console.error(`browser test: ${why} (required here: RUNLOG_REQUIRE_BROWSER=1 or CI=true); run scripts/setup-wasm.sh`);
    process.exit(1);
  }
  console.log(`browser test skipped: ${why}; scripts/setup-wasm.sh installs it`);
  process.exit(77);
}

let chromium;
try {
  const require = createRequire(path.join(sourceDir, 'wasm/package.json'));
  ({ chromium } = require('playwright-core'));
} catch {
  skip('playwright-core is not installed in wasm/node_modules (npm ci in wasm/)');
}
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is missing (apt-get install chromium)`);
if (!fs.existsSync(path.join(packageDir, 'dist/runlog.wasm'))) {
  console.error(`browser test: no package at ${packageDir}: build the wasm preset first`);
  process.exit(1);
}

// ---- the origin the pages come from: files + a relay to the W&B server ----
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png' };
// Only these folders of the repository are served.
const SERVED = ['examples/browser/', 'wasm/test/browser/', path.relative(sourceDir, packageDir) + '/'];
let wb = null; // the W&B server, once started (step 3)
const relayed = [];

function relay(req, res) {
  // A relay on the page's origin: it adds the real API key, so the page never
  // holds it, and the W&B server needs no CORS.
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    if (!wb) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"the W&B server is not reachable (test: not started yet)"}');
      return;
    }
    const target = wb.url + req.url.slice('/wandb'.length);
    relayed.push({ url: req.url, auth: req.headers.authorization || '' });
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.origin;
    delete headers.referer;
    delete headers['content-length'];
    headers.authorization = `Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`;
    try {
      const r = await fetch(target, { method: req.method, headers, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) });
      const body = Buffer.from(await r.arrayBuffer());
      const out = {};
      r.headers.forEach((v, k) => {
        if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(k)) out[k] = v;
      });
      res.writeHead(r.status, out);
      res.end(body);
    } catch (e) {
      res.writeHead(502);
      res.end(String(e));
    }
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/wandb/')) return relay(req, res);
  const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  const file = path.join(sourceDir, rel.endsWith('/') || rel === '' ? `${rel}index.html` : rel);
  const inside = SERVED.some((d) => path.relative(path.join(sourceDir, d), file).split(path.sep)[0] !== '..');
  if (!inside || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404);
    res.end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const pkgPath = `/${path.relative(sourceDir, packageDir)}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const context = await browser.newContext();
// Nothing leaves 127.0.0.1.
await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
const page = await context.newPage();
const consoleLines = [];
page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));

const results = [];
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, 'ok', Date.now() - t0]);
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, 'FAILED', Date.now() - t0]);
    console.log(`not ok - ${name}\n${e && e.stack || e}`);
    throw e;
  }
}

async function openTestPage() {
  await page.goto(`${origin}/wasm/test/browser/page.html`);
  await page.waitForFunction(() => window.runlogReady === true, null, { timeout: 30000 });
}

let status = 0;
const N = 300;
const NW = 40;
let pageRun;
let workerRun;
let unfinishedRun;
const NU = 25;
const numbers = {};
try {
  // The test page's import map points at the default build dir; another one
  // is served under its own path.
  if (pkgPath !== '/build/wasm/wasm/package') {
    await page.route('**/wasm/test/browser/page.html', async (route) => {
      const r = await route.fetch();
      route.fulfill({ response: r, body: (await r.text()).replace('/build/wasm/wasm/package/', `${pkgPath}/`) });
    });
    await page.route('**/wasm/test/browser/worker.js', async (route) => {
      const r = await route.fetch();
      route.fulfill({ response: r, body: (await r.text()).replace('/build/wasm/wasm/package/', `${pkgPath}/`) });
    });
  }

  await step('log offline into IndexedDB on the main thread and in a Web Worker; one run left unfinished', async () => {
    await openTestPage();
    pageRun = await page.evaluate((n) => window.logOffline(n), N);
    assert.match(pageRun.id, /^[a-z0-9]{8}$/);
    assert.match(pageRun.location, /^indexeddb:\/\/runlog\/offline-run-/);
    workerRun = await page.evaluate((n) => window.workerRun(n), NW);
    assert.match(workerRun.id, /^[a-z0-9]{8}$/);
    unfinishedRun = await page.evaluate((n) => window.logUnfinished(n), NU);
    assert.equal(relayed.length, 0, 'offline: no request was made');
  });

  await step('reload: the runs are still pending (IndexedDB), the unfinished one too', async () => {
    await page.reload();
    await page.waitForFunction(() => window.runlogReady === true);
    const pending = await page.evaluate(() => window.pending());
    const ids = pending.map((p) => p.id);
    assert.ok(ids.includes(pageRun.id), `pending after reload: ${JSON.stringify(pending)}`);
    assert.ok(ids.includes(workerRun.id), `worker run pending: ${JSON.stringify(pending)}`);
    assert.ok(pending.find((p) => p.id === pageRun.id).finished && pending.find((p) => p.id === workerRun.id).finished);
    assert.equal(pending.find((p) => p.id === unfinishedRun.id)?.finished, false, 'the run left open by the reload is pending, unfinished');
  });

  await step('server down: a sync attempt fails, the runs stay pending', async () => {
    const res = await page.evaluate(() => window.sync('/wandb', 2000));
    assert.ok(res.length >= 2 && res.every((r) => !r.ok), JSON.stringify(res));
    assert.ok(res.every((r) => /RUNLOG_E_TIMEOUT/.test(r.error)), JSON.stringify(res));
    const ids = (await page.evaluate(() => window.pending())).map((p) => p.id);
    assert.ok(ids.includes(pageRun.id) && ids.includes(workerRun.id));
  });

  await step('start the W&B server, sync: it holds exactly what was logged', async () => {
    wb = await startServer();
    const res = await page.evaluate(() => window.sync('/wandb'));
    const mine = res.filter((r) => r.id === pageRun.id || r.id === workerRun.id || r.id === unfinishedRun.id);
    assert.equal(mine.length, 3, JSON.stringify(res));
    assert.ok(mine.every((r) => r.ok), JSON.stringify(mine));
    const st = await wb.state();
    const run = st.runs.find((r) => r.name === pageRun.id);
    assert.ok(run, 'the page run is on the server');
    const strip = ({ _runtime, _timestamp, ...rest }) => rest;
    const expected = Array.from({ length: N }, (_, i) => ({ ...testRow(i), _step: i }));
    assert.deepEqual(run.history.map(strip), expected);
    assert.deepEqual(run.config_values, { lr: 0.1, batch: 32 });
    assert.equal(run.summary.best_acc, 0.99);
    assert.equal(run.exitcode, 0);
    assert.equal(run.project, 'browser-test');
    const wrun = st.runs.find((r) => r.name === workerRun.id);
    assert.deepEqual(wrun.history.map(strip), Array.from({ length: NW }, (_, i) => ({ ...testRow(i), _step: i })));
    // W&B's sync closes a run that never finished with exit code 1.
    const urun = st.runs.find((r) => r.name === unfinishedRun.id);
    assert.deepEqual(urun.history.map(strip), Array.from({ length: NU }, (_, i) => ({ ...testRow(i), _step: i })));
    assert.equal(urun.exitcode, 1);
    assert.ok(relayed.length > 0 && relayed.every((r) => !r.auth.includes(Buffer.from(`api:${API_KEY}`).toString('base64'))), 'the page never sent the real key');
    const pending = (await page.evaluate(() => window.pending())).map((p) => p.id);
    assert.ok(!pending.includes(pageRun.id) && !pending.includes(workerRun.id) && !pending.includes(unfinishedRun.id), `still pending: ${pending}`);
  });

  await step('memory stays bounded: committed journal bytes leave memory (offline, and online once acknowledged)', async () => {
    const off = await page.evaluate(() => window.bounded(6000, null));
    assert.ok(off.journalBytes > 1_000_000, JSON.stringify(off));
    assert.ok(off.inMemory < off.journalBytes / 10, `offline: ${off.inMemory} of ${off.journalBytes} bytes still in memory`);
    assert.ok(off.wholeBytes >= off.journalBytes, 'the whole journal reads back from IndexedDB');
    const on = await page.evaluate(() => window.bounded(3000, '/wandb'));
    assert.equal(on.upload, true, JSON.stringify(on));
    assert.ok(on.inMemory < on.journalBytes / 2, `online: ${on.inMemory} of ${on.journalBytes} bytes still in memory (${on.uploaded} rows uploaded): ${JSON.stringify(on)}`);
    const st = await wb.state();
    assert.equal(st.runs.find((r) => r.name === on.id).history.length, 3000);
  });

  await step('one writer per run: a worker cannot open a run the page has open (Web Locks)', async () => {
    const r = await page.evaluate(() => window.lockCheck());
    assert.deepEqual(r, { whileOpen: 'RUNLOG_E_EXISTS', afterFinish: true });
  });

  await step('errors reach the page as RunlogError objects', async () => {
    const e = await page.evaluate(() => window.errors());
    assert.deepEqual([e.isError, e.runlog, e.code], [true, true, 'RUNLOG_E_STEP_ORDER']);
    assert.match(e.message, /smaller than the current step/);
  });

  await step('throughput and init time in Chromium', async () => {
    await openTestPage();
    const b1 = await page.evaluate(() => window.bench(50000, 10));
    const b2 = await page.evaluate(() => window.bench(200000, 1));
    numbers.chromium = { firstLoadMs: b1.firstLoadMs, initMs: b1.initMs, k10: b1, k1: b2 };
    console.log(`   chromium: first load (fetch+compile+instantiate) ${b1.firstLoadMs.toFixed(1)} ms, init ${b1.initMs.toFixed(1)} ms; ` +
      `log() 10 metrics/row ${(b1.logMetricsPerSec / 1e6).toFixed(2)} M metrics/s (${(b1.withFinishMetricsPerSec / 1e6).toFixed(2)} M/s incl. finish), ` +
      `1 metric/row ${(b2.logMetricsPerSec / 1e6).toFixed(2)} M/s (${(b2.withFinishMetricsPerSec / 1e6).toFixed(2)} M/s incl. finish)`);
    assert.ok(b1.logMetricsPerSec > 50000);
  });

  await step('the example trains offline, logs every step, and syncs when back online; screenshot', async () => {
    const steps = 400;
    await page.goto(`${origin}/examples/browser/index.html?steps=${steps}&baseUrl=/wandb&apiKey=held-by-the-relay`);
    // Once the run is open (the .wasm is loaded), the network goes away.
    await page.waitForFunction(() => /stored in indexeddb:/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
    await context.setOffline(true);
    const done = await page.waitForFunction(() => window.exampleDone && window.exampleDone.then((d) => d), null, { timeout: 120000 })
      .then((h) => h.jsonValue());
    assert.equal(done.steps, steps);
    assert.ok(done.finalAccuracy > 0.7, `accuracy ${done.finalAccuracy}`);
    assert.deepEqual(done.synced, [], 'offline: nothing was sent');
    assert.match(await page.textContent('#status'), /offline, will sync when back online/);
    assert.ok(!(await wb.state()).runs.some((r) => r.name === done.runId));
    await page.screenshot({ path: path.join(buildDir, 'browser-example-offline.png'), fullPage: true });
    // Back online: the page's 'online' handler syncs the pending run.
    await context.setOffline(false);
    let run;
    for (let i = 0; i < 200 && !(run && run.exitcode === 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = (await wb.state()).runs.find((r) => r.name === done.runId);
    }
    assert.ok(run && run.exitcode === 0, 'synced once back online');
    assert.equal(run.history.length, steps);
    assert.deepEqual(Object.keys(run.history[0]).filter((k) => !k.startsWith('_')).sort(), ['accuracy', 'loss']);
    assert.equal(run.project, 'browser-demo');
    assert.equal(run.summary.final_accuracy, done.finalAccuracy);
    assert.deepEqual(run.summary.accuracy, { max: Math.max(...run.history.map((h) => h.accuracy)) });
    await page.waitForFunction(() => /uploaded/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
    const shot = path.join(buildDir, 'browser-example.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10000);
    console.log(`   screenshots: ${shot} (and browser-example-offline.png)`);
  });
} catch (e) {
  status = 1;
  console.log('--- page console ---');
  for (const l of consoleLines.slice(-40)) console.log(`   ${l}`);
} finally {
  await browser.close().catch(() => {});
  server.close();
  await wb?.stop();
}
if (numbers.chromium) fs.writeFileSync(path.join(buildDir, 'browser-numbers.json'), JSON.stringify(numbers, null, 2));
console.log(`${results.filter((r) => r[1] === 'ok').length}/${results.length} browser steps passed`);
process.exit(status);
