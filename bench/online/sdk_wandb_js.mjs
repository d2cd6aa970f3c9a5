// The npm client @wandb/sdk (0.5.1) logging the benchmark workload: N rows of
// 10 scalar metrics, the same keys and values as bench_online.
// Usage: node sdk_wandb_js.mjs OUT.json ROWS PROJECT JS_DIR
// JS_DIR holds node_modules/@wandb/sdk (tests/server/js, installed by
// tests/server/run_tests.sh from the committed lockfile). The environment
// (set by run.py) points it at the local server: WANDB_BASE_URL, WANDB_API_KEY.
// Writes {"id", "project", "seconds": {import, init, log, finish, total}}.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [out, rowsArg, project, jsDir] = process.argv.slice(2);
const rows = Number(rowsArg);
const KEYS = ['train/loss', 'train/acc', 'train/lr', 'val/loss', 'val/acc',
  'grad_norm', 'throughput', 'gpu_util', 'epoch_frac', 'tokens'];

const t0 = performance.now();
const { default: wandb } = await import(pathToFileURL(join(jsDir, 'node_modules', '@wandb', 'sdk', 'index.js')).href);
const tImport = performance.now();
const run = await wandb.init({ project, config: { bench: 'online', rows } });
const tInit = performance.now();
for (let i = 0; i < rows; i += 1) {
  const base = 1 / (i + 1);
  const row = {};
  for (let k = 0; k < KEYS.length; k += 1) row[KEYS[k]] = base + k * 0.001;
  wandb.log(row);
}
// wandb.log() only chains a promise; let those callbacks run (they do the
// SDK's per-row work) before stopping the clock.
await new Promise((resolve) => { setImmediate(resolve); });
const tLog = performance.now();
const info = { id: run.id, project: run.project };
await wandb.finish();
const tFinish = performance.now();
info.seconds = {
  import: (tImport - t0) / 1000,
  init: (tInit - tImport) / 1000,
  log: (tLog - tInit) / 1000,
  finish: (tFinish - tLog) / 1000,
  total: (tFinish - t0) / 1000,
};
writeFileSync(out, JSON.stringify(info));
