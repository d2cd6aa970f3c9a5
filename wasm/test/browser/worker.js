// A Web Worker logging through runlog into IndexedDB (the same default store
// as the page: the run is pending for the page afterwards).
import * as runlog from '/build/wasm/wasm/package/src/index.js';
import { testRow } from './rows.js';

self.onmessage = async (e) => {
  try {
    const run = await runlog.init({ project: 'browser-worker', mode: 'offline', silent: true, id: e.data.id });
    for (let i = 0; i < e.data.n; i++) run.log(testRow(i));
    await run.finish();
    self.postMessage({ id: run.id });
  } catch (err) {
    self.postMessage({ error: `${err && err.message || err}`, code: err && err.code });
  }
};
