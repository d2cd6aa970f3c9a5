// The browser path touches no Node-only global: src/index.js and everything
// it imports (not src/node.js or src/stores/disk.js), and the generated loader.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { packageDir } from './helpers.mjs';

function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

function browserGraph() {
  const seen = new Set();
  const todo = [path.join(packageDir, 'src/index.js')];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    for (const spec of importsOf(f)) {
      assert.ok(spec.startsWith('.'), `${path.relative(packageDir, f)} imports "${spec}": the browser path imports nothing but its own files`);
      todo.push(path.resolve(path.dirname(f), spec));
    }
  }
  return [...seen];
}

const NODE_ONLY = /\b(require\s*\(|process\.|Buffer\.|__dirname|__filename|global\.|setImmediate\s*\()/;

test('src/index.js and its imports use no Node-only global', () => {
  const files = browserGraph();
  assert.ok(files.some((f) => f.endsWith('stores/indexeddb.js')));
  assert.ok(!files.some((f) => f.endsWith('node.js') || f.endsWith('disk.js')));
  for (const f of files) {
    const code = fs.readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    const m = NODE_ONLY.exec(code.replace(/typeof process/g, ''));
    assert.equal(m, null, `${path.relative(packageDir, f)} uses ${m && m[0]}`);
  }
});

test('the browser entry runs in a worker with no Node globals in reach of its code', async () => {
  // A worker_threads Worker still has Node globals, so run the entry with
  // them shadowed: it must load the wasm from bytes, log into MemoryStore and finish.
  const wasm = fs.readFileSync(path.join(packageDir, 'dist/runlog.wasm'));
  const code = `
    const { parentPort, workerData } = await import('node:worker_threads');
    for (const g of ['process', 'Buffer', 'require', 'setImmediate', 'global']) {
      try { Object.defineProperty(globalThis, g, { value: undefined, configurable: true }); } catch {}
    }
    const runlog = await import(workerData.entry);
    runlog.setWasmSource(workerData.wasm);
    const store = new runlog.MemoryStore();
    const run = await runlog.init({ mode: 'offline', store, silent: true });
    for (let i = 0; i < 100; i++) run.log({ i });
    await run.finish();
    parentPort.postMessage({ id: run.id, pending: (await runlog.pendingRuns({ store })).length });
  `;
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
    workerData: { entry: new URL(`file://${path.join(packageDir, 'src/index.js')}`).href, wasm },
  });
  const msg = await new Promise((resolve, reject) => {
    w.on('message', resolve);
    w.on('error', reject);
  });
  await w.terminate();
  assert.match(msg.id, /^[a-z0-9]{8}$/);
  assert.equal(msg.pending, 1);
});

test('package.json exports: node → src/node.js, default → src/index.js, types', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.exports['.'].node, './src/node.js');
  assert.equal(pkg.exports['.'].default, './src/index.js');
  assert.equal(pkg.exports['.'].types, './index.d.ts');
  for (const f of ['src/node.js', 'src/index.js', 'index.d.ts', 'dist/runlog.mjs', 'dist/runlog.wasm']) {
    assert.ok(fs.existsSync(path.join(packageDir, f)), f);
  }
});

test('index.d.ts declares every export of the package', async () => {
  const dts = fs.readFileSync(path.join(packageDir, 'index.d.ts'), 'utf8');
  await import(new URL(`file://${path.join(packageDir, 'src/node.js')}`).href);
  const api = await import(new URL(`file://${path.join(packageDir, 'src/node.js')}`).href);
  const missing = Object.keys(api).filter((k) => k !== 'default' && !k.startsWith('_') &&
    !new RegExp(`export declare (function|class|const) ${k}\\b`).test(dts));
  assert.deepEqual(missing, []);
});
