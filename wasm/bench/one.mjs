// One side of the benchmark, in its own process: `node one.mjs runlog|wandb
// K N BASE_URL API_KEY [mode]` prints {init_ms, log_s, finish_s, rows}.
// The workload: N rows of K scalar metrics, logged as fast as possible, then
// finish (which uploads to the local test server). Same data for both.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [which, K, N, baseUrl, apiKey, mode = 'online'] = process.argv.slice(2);
const k = +K;
const n = +N;
const keys = Array.from({ length: k }, (_, i) => `metric_${i}`);
const row = {};
const here = path.dirname(fileURLToPath(import.meta.url));
const out = { which, k, n, mode };

if (which === 'runlog') {
  const pkg = process.env.RUNLOG_WASM_PACKAGE || path.resolve(here, '../../build/wasm/wasm/package');
  const t0 = performance.now();
  const runlog = await import(pathToFileURL(path.join(pkg, 'src/node.js')).href);
  const store = new runlog.MemoryStore();
  const t1 = performance.now();
  const run = await runlog.init({ project: 'bench', mode, store, apiKey, baseUrl, silent: true });
  const t2 = performance.now();
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < k; j++) row[keys[j]] = Math.sin(s * 0.001 + j);
    run.log(row);
  }
  const t3 = performance.now();
  await run.finish();
  const t4 = performance.now();
  Object.assign(out, { id: run.id, import_ms: t1 - t0, init_ms: t2 - t1, first_load_ms: runlog.loadTimeMs(), log_s: (t3 - t2) / 1000, finish_s: (t4 - t3) / 1000, uploaded: mode === 'online' ? !!run.upload?.ok : null });
} else {
  process.env.WANDB_BASE_URL = baseUrl;
  process.env.WANDB_API_KEY = apiKey;
  process.env.WANDB_SILENT = 'true';
  if (mode !== 'online') process.env.WANDB_MODE = mode;
  const t0 = performance.now();
  const { default: wandb } = await import('@wandb/sdk');
  const t1 = performance.now();
  const run = await wandb.init({ project: 'bench' });
  const t2 = performance.now();
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < k; j++) row[keys[j]] = Math.sin(s * 0.001 + j);
    wandb.log(row);
  }
  const t3 = performance.now();
  await wandb.finish();
  const t4 = performance.now();
  Object.assign(out, { id: run.id, import_ms: t1 - t0, init_ms: t2 - t1, log_s: (t3 - t2) / 1000, finish_s: (t4 - t3) / 1000 });
}
out.rss_mb = process.memoryUsage().rss / 1048576;
console.log(JSON.stringify(out));
process.exit(0);
