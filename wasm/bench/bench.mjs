// runlog (wasm) and the official @wandb/sdk (npm, 0.5.1) in Node, side by
// side on the same workload, both uploading to the local W&B test server
// (tests/server/wbserver.py on 127.0.0.1), each in its own process.
//   cd wasm/bench && npm ci && node bench.mjs [K=10] [N=20000]
// Prints a table and checks that the server holds every row of each run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_KEY, buildDir, startServer } from '../test/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const K = +(process.argv[2] || 10);
const N = +(process.argv[3] || 20000);
if (!fs.existsSync(path.join(here, 'node_modules/@wandb/sdk'))) {
  console.error('bench: @wandb/sdk is missing: cd wasm/bench && npm ci');
  process.exit(1);
}
const wb = await startServer(['--no-log-bodies']);
const rows = [];
try {
  const cases = [['runlog', 'offline'], ['runlog', 'online'], ['wandb', 'online']];
  for (const [which, mode] of cases) {
    const out = JSON.parse(execFileSync(process.execPath, [path.join(here, 'one.mjs'), which, K, N, wb.url, API_KEY, mode], { cwd: here, encoding: 'utf8', timeout: 600000 }).trim().split('\n').pop());
    if (mode === 'online') {
      const st = await wb.admin('/_admin/state?requests=0&strict=1');
      const r = st.runs.find((x) => x.name === out.id);
      out.server_rows = r ? r.history.length : 0;
    }
    rows.push(out);
  }
} finally {
  await wb.stop();
}
const fmt = (x, d = 1) => (x === null || x === undefined ? '-' : Number(x).toFixed(d));
console.log(`workload: ${N} rows x ${K} scalar metrics = ${N * K} metrics (Node ${process.version})`);
console.log('client               mode     init ms   log() s   metrics/s (log)   finish s   rows on server   RSS MB');
for (const r of rows) {
  const name = r.which === 'runlog' ? 'runlog (wasm)' : '@wandb/sdk 0.5.1';
  console.log(`${name.padEnd(20)} ${r.mode.padEnd(8)} ${fmt(r.init_ms).padStart(7)}   ${fmt(r.log_s, 3).padStart(7)}   ${Math.round((N * K) / r.log_s).toLocaleString('en').padStart(15)}   ${fmt(r.finish_s, 2).padStart(8)}   ${String(r.server_rows ?? '-').padStart(14)}   ${fmt(r.rss_mb, 0).padStart(6)}`);
}
fs.mkdirSync(buildDir, { recursive: true });
fs.writeFileSync(path.join(buildDir, 'bench-node.json'), JSON.stringify({ K, N, node: process.version, rows }, null, 2));
