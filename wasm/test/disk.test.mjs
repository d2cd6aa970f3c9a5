// Node: the disk store writes the native library's run directory, and the
// FinalizationRegistry finishes a run that was dropped without finish().
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadRunlog, packageDir, sourceDir, tmpDir } from './helpers.mjs';
import { readJournal } from './journal.mjs';

const runlog = await loadRunlog();

test('DiskStore: the native run directory (journal, files/, latest-run), readable by the native CLI when built', async () => {
  const dir = tmpDir();
  const store = new runlog.DiskStore({ dir });
  const run = await runlog.init({ project: 'disk', mode: 'offline', store, silent: true, config: { k: 1 } });
  for (let i = 0; i < 200; i++) run.log({ loss: 1 / (i + 1) });
  await run.finish();
  const base = path.join(dir, 'runlog');
  const dirs = fs.readdirSync(base).filter((n) => n.startsWith('offline-run-'));
  assert.equal(dirs.length, 1);
  assert.match(dirs[0], new RegExp(`^offline-run-\\d{8}_\\d{6}-${run.id}$`));
  assert.equal(run.location, path.join(base, dirs[0]));
  assert.equal(fs.readlinkSync(path.join(base, 'latest-run')), dirs[0]);
  const runDir = path.join(base, dirs[0]);
  for (const f of ['files/wandb-summary.json', 'files/config.yaml', 'files/wandb-metadata.json']) {
    assert.ok(fs.existsSync(path.join(runDir, f)), f);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(runDir, 'files/wandb-metadata.json'), 'utf8'));
  assert.equal(meta.os.split('-')[0], 'Linux');
  const j = readJournal(new Uint8Array(fs.readFileSync(path.join(runDir, `run-${run.id}.runlog`))));
  assert.equal(j.stop, 'end');
  assert.equal(j.records.filter((r) => r.kind === 'history').length, 200);
  const pending = await runlog.pendingRuns({ store });
  assert.deepEqual(pending.map((p) => [p.id, p.project, p.finished]), [[run.id, 'disk', true]]);

  const cli = ['build/dev/cli/runlog', 'build/release/cli/runlog', 'build/asan/cli/runlog'].map((p) => path.join(sourceDir, p)).find((p) => fs.existsSync(p));
  if (cli) {
    const out = execFileSync(cli, ['verify', run.id, '--dir', dir], { encoding: 'utf8' });
    assert.match(out, /ok|records|verified/i);
    const csv = execFileSync(cli, ['export', run.id, '--dir', dir, '--format', 'csv'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(csv.length, 201);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('DiskStore: a run resumes from a new process (a new store object) and continues its steps', async () => {
  const dir = tmpDir();
  const a = await runlog.init({ id: 'diskres1', mode: 'offline', store: new runlog.DiskStore({ dir }), silent: true });
  a.log({ x: 1 });
  await a.finish();
  const b = await runlog.init({ id: 'diskres1', mode: 'offline', resume: 'must', store: new runlog.DiskStore({ dir }), silent: true });
  b.log({ x: 2 });
  await b.finish();
  const store = new runlog.DiskStore({ dir });
  const j = readJournal(await store.journal('diskres1'));
  assert.deepEqual(j.records.filter((r) => r.kind === 'history').map((r) => [r.data._step, r.data.x]), [[0, 1], [1, 2]]);
  assert.ok(j.records.some((r) => r.kind === 'resume'));
  await assert.rejects(runlog.init({ id: 'nosuchrun', mode: 'offline', resume: 'must', store, silent: true }), (e) => e.code === 'RUNLOG_E_NOT_FOUND');
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const mode of ['offline', 'online']) {
  test(`FinalizationRegistry: a ${mode} run dropped without finish() is finished when collected`, () => {
    const dir = tmpDir();
    // online: against a closed port (nothing listens on 127.0.0.1:9), so its
    // upload machinery (executor, poll timers) is live while it is dropped.
    const extra = mode === 'online' ? "apiKey: 'k'.repeat(40), baseUrl: 'http://127.0.0.1:9', retryWaitMinMs: 50," : '';
    const script = `
      const runlog = await import(${JSON.stringify(pathToFileURL(path.join(packageDir, 'src/node.js')).href)});
      const store = new runlog.DiskStore({ dir: ${JSON.stringify(dir)} });
      await (async () => {
        const run = await runlog.init({ id: 'gcdropped', mode: '${mode}', ${extra} store, silent: true });
        for (let i = 0; i < 10; i++) run.log({ i });
        await run.flush();
      })();
      for (let i = 0; i < 30; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 30)); }
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    const store = new runlog.DiskStore({ dir });
    return store.journal('gcdropped').then((bytes) => {
      const j = readJournal(bytes);
      assert.equal(j.records.filter((x) => x.kind === 'history').length, 10);
      assert.equal(j.records.at(-1).kind, 'exit', 'the collected run was finished');
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
}
