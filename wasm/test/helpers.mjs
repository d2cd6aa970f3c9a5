// Test helpers: where the built package is, and the local W&B-protocol test
// server (tests/server/wbserver.py) on 127.0.0.1 with a random port.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.RUNLOG_SOURCE_DIR || path.resolve(here, '../..');
export const packageDir = process.env.RUNLOG_WASM_PACKAGE || path.join(sourceDir, 'build/wasm/wasm/package');
export const buildDir = process.env.RUNLOG_WASM_BUILD_DIR || path.join(sourceDir, 'build/wasm/wasm');

/** The package as Node imports it (the "node" export: src/node.js). */
export async function loadRunlog() {
  const entry = path.join(packageDir, 'src/node.js');
  if (!fs.existsSync(entry)) throw new Error(`no built package at ${packageDir}: run cmake --workflow --preset wasm`);
  return import(pathToFileURL(entry).href);
}

export function tmpDir(prefix = 'runlog-wasm-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const API_KEY = '0123456789abcdef0123456789abcdef01234567';

/** Starts wbserver.py on 127.0.0.1:0; resolves to {url, port, state(), admin(), stop()}. */
export async function startServer(args = []) {
  const dir = tmpDir('runlog-wbserver-');
  const ready = path.join(dir, 'ready');
  const proc = spawn('python3', [path.join(sourceDir, 'tests/server/wbserver.py'), '--host', '127.0.0.1', '--port', '0',
    '--ready-file', ready, '--exit-with-parent', '--max-lifetime', '900', '--api-key', API_KEY, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const deadline = Date.now() + 20000;
  while (!fs.existsSync(ready) || !fs.readFileSync(ready, 'utf8').trim()) {
    if (proc.exitCode !== null) throw new Error(`wbserver.py exited ${proc.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`wbserver.py did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = parseInt(fs.readFileSync(ready, 'utf8').trim(), 10);
  const url = `http://127.0.0.1:${port}`;
  const admin = async (p, body) => {
    const res = await fetch(`${url}${p}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    url,
    port,
    admin,
    state: () => admin('/_admin/state?strict=1'),
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
