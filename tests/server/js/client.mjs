// Drive the official @wandb/sdk (npm, 0.5.1) against the test server.
// Usage: node client.mjs OUT.json [rows]
// Environment: WANDB_BASE_URL, WANDB_API_KEY (set by the test).
import { writeFileSync } from 'node:fs';

const out = process.argv[2];
const rows = Number(process.argv[3] || 20);
const t0 = performance.now();
const { default: wandb } = await import('@wandb/sdk');
const tImport = performance.now();
const run = await wandb.init({
  project: 'fidelity-js',
  config: { lr: 0.01, layers: 3, model: { depth: 3, act: 'relu' } },
});
const tInit = performance.now();
for (let i = 0; i < rows; i += 1) {
  wandb.log({ loss: 1 / (i + 1), acc: i / rows, nested: { x: i } });
}
// The JS SDK has no run.summary API: its summary is the merge of logged
// rows, sent with each history batch. A last row carries the summary-only keys.
wandb.log({ best_acc: 0.99, final: 'done' }, undefined, true);
const tLog = performance.now();
const info = { id: run.id, entity: run.entity, project: run.project, name: run.name, url: run.url() };
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
