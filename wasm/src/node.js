// The package under Node (the "node" condition of package.json "exports"):
// everything of src/index.js, plus
//   - the .wasm read from disk (Node's fetch cannot load a file: URL),
//   - DiskStore as the default store (the native library's run directory,
//     under WANDB_DIR or the current directory),
//   - the WANDB_* environment variables, as W&B's clients read them,
//   - host facts for files/wandb-metadata.json.
import fs from 'node:fs';
import os from 'node:os';
import * as api from './index.js';
import { DiskStore } from './stores/disk.js';

api.setWasmSource(async () => fs.promises.readFile(new URL('../dist/runlog.wasm', import.meta.url)));

const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (k.startsWith('WANDB_') && v !== undefined) env[k] = v;
}
api._setDefaults({ store: () => new DiskStore(), env });
api._setHostFacts(() => {
  let username = '';
  try {
    username = os.userInfo().username;
  } catch {}
  return {
    hostname: process.env.WANDB_HOST || os.hostname(),
    program: process.env.WANDB_PROGRAM || process.argv[1] || 'node',
    os: `${os.type()}-${os.release()}-${os.arch()}`,
    cwd: process.cwd(),
    username,
  };
});

export * from './index.js';
export { DiskStore };
export default { ...api.default, DiskStore };
