// A tiny two-layer network (2 → 16 tanh → 1 sigmoid) trained with full-batch
// gradient descent on generated data (two interleaved moons), in plain
// JavaScript, logging loss and accuracy every step through runlog. Charts are
// drawn on <canvas>. Query parameters: steps, hidden, lr, seed, baseUrl, apiKey.
import * as runlog from 'runlog';

const params = new URLSearchParams(location.search);
const STEPS = +(params.get('steps') || 400);
const HIDDEN = +(params.get('hidden') || 16);
const LR = +(params.get('lr') || 0.5);
const $ = (id) => document.getElementById(id);
$('baseUrl').value = params.get('baseUrl') || sessionStorage.getItem('runlog.baseUrl') || '';
$('apiKey').value = params.get('apiKey') || '';

// ---- data ----
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}
function moons(n, seed) {
  const r = rng(seed);
  const X = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = Math.PI * r();
    const x0 = c ? 1 - Math.cos(t) : Math.cos(t);
    const x1 = c ? 0.5 - Math.sin(t) : Math.sin(t);
    X.push([x0 + (r() - 0.5) * 0.3 - 0.5, x1 + (r() - 0.5) * 0.3 - 0.25]);
    y.push(c);
  }
  return { X, y };
}

// ---- the network ----
function makeNet(hidden, seed) {
  const r = rng(seed + 7);
  const g = () => (r() - 0.5) * 2;
  return {
    W1: Array.from({ length: hidden }, () => [g(), g()]),
    b1: new Array(hidden).fill(0),
    W2: Array.from({ length: hidden }, () => g() / Math.sqrt(hidden)),
    b2: 0,
  };
}
function forward(net, x) {
  const h = net.W1.map((w, j) => Math.tanh(w[0] * x[0] + w[1] * x[1] + net.b1[j]));
  let z = net.b2;
  for (let j = 0; j < h.length; j++) z += net.W2[j] * h[j];
  return { h, p: 1 / (1 + Math.exp(-z)) };
}
function step(net, data, lr) {
  const H = net.W1.length;
  const gW1 = Array.from({ length: H }, () => [0, 0]);
  const gb1 = new Array(H).fill(0);
  const gW2 = new Array(H).fill(0);
  let gb2 = 0;
  let loss = 0;
  let correct = 0;
  const n = data.X.length;
  for (let i = 0; i < n; i++) {
    const x = data.X[i];
    const y = data.y[i];
    const { h, p } = forward(net, x);
    loss -= y * Math.log(p + 1e-12) + (1 - y) * Math.log(1 - p + 1e-12);
    if ((p > 0.5 ? 1 : 0) === y) correct++;
    const dz = p - y;
    gb2 += dz;
    for (let j = 0; j < H; j++) {
      gW2[j] += dz * h[j];
      const dh = dz * net.W2[j] * (1 - h[j] * h[j]);
      gW1[j][0] += dh * x[0];
      gW1[j][1] += dh * x[1];
      gb1[j] += dh;
    }
  }
  for (let j = 0; j < H; j++) {
    net.W2[j] -= (lr * gW2[j]) / n;
    net.W1[j][0] -= (lr * gW1[j][0]) / n;
    net.W1[j][1] -= (lr * gW1[j][1]) / n;
    net.b1[j] -= (lr * gb1[j]) / n;
  }
  net.b2 -= (lr * gb2) / n;
  return { loss: loss / n, accuracy: correct / n };
}

// ---- charts ----
function drawLine(canvas, values, color, lo, hi) {
  const c = canvas.getContext('2d');
  const W = canvas.width;
  const Hh = canvas.height;
  c.clearRect(0, 0, W, Hh);
  c.strokeStyle = '#eee';
  for (let i = 1; i < 4; i++) {
    c.beginPath();
    c.moveTo(0, (i * Hh) / 4);
    c.lineTo(W, (i * Hh) / 4);
    c.stroke();
  }
  if (!values.length) return;
  const max = hi ?? Math.max(...values);
  const min = lo ?? Math.min(...values);
  c.strokeStyle = color;
  c.lineWidth = 2;
  c.beginPath();
  values.forEach((v, i) => {
    const x = (i / Math.max(1, STEPS - 1)) * (W - 4) + 2;
    const y = Hh - 4 - ((v - min) / (max - min || 1)) * (Hh - 8);
    i ? c.lineTo(x, y) : c.moveTo(x, y);
  });
  c.stroke();
  c.fillStyle = '#333';
  c.font = '12px system-ui';
  c.fillText(values[values.length - 1].toFixed(3), W - 44, 14);
}
function drawBoundary(canvas, net, data) {
  const c = canvas.getContext('2d');
  const N = 36;
  const s = canvas.width / N;
  const toX = (i) => (i / N) * 3 - 1.5;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const p = forward(net, [toX(i), toX(N - 1 - j)]).p;
      c.fillStyle = `rgb(${Math.round(255 - 90 * p)},${Math.round(200 + 30 * (1 - Math.abs(p - 0.5) * 2))},${Math.round(165 + 90 * p)})`;
      c.fillRect(i * s, j * s, s + 1, s + 1);
    }
  }
  data.X.forEach((x, k) => {
    c.fillStyle = data.y[k] ? '#1f5fbf' : '#c0392b';
    c.beginPath();
    c.arc(((x[0] + 1.5) / 3) * canvas.width, (1 - (x[1] + 1.5) / 3) * canvas.height, 2.2, 0, 7);
    c.fill();
  });
}

// ---- status, sync ----
const lines = {};
function status(key, text) {
  lines[key] = text;
  $('status').textContent = Object.values(lines).join('\n');
}
function showNet() {
  const on = navigator.onLine;
  $('net').innerHTML = `<span class="dot" style="background:${on ? '#2a2' : '#c22'}"></span>${on ? 'online' : 'offline'}`;
}
function server() {
  const base = $('baseUrl').value.trim();
  if (!base) return null;
  sessionStorage.setItem('runlog.baseUrl', base);
  return { baseUrl: new URL(base, location.href).href.replace(/\/$/, ''), apiKey: $('apiKey').value || 'held-by-the-relay' };
}
async function showPending() {
  const p = await runlog.pendingRuns();
  status('pending', `pending runs (not uploaded yet): ${p.length ? p.map((r) => `${r.id} (${r.name}, ${r.finished ? 'finished' : 'unfinished'})`).join(', ') : 'none'}`);
  return p;
}
let syncing = null;
async function syncNow() {
  const s = server();
  if (!s) {
    status('sync', 'sync: no server configured (runs stay in IndexedDB)');
    return [];
  }
  if (!navigator.onLine) {
    status('sync', 'sync: offline, will sync when back online');
    return [];
  }
  if (syncing) return syncing;
  status('sync', `sync: uploading to ${s.baseUrl} …`);
  syncing = runlog.syncPending({ ...s, timeoutMs: 60000, onProgress: (p) => status('sync', `sync: ${p.id} ${p.state}, ${p.rowsUploaded}/${p.rowsTotal} rows`) })
    .then((res) => {
      status('sync', `sync: ${res.length ? res.map((r) => `${r.id} ${r.ok ? 'uploaded' : `not uploaded (${r.error && r.error.message})`}`).join('; ') : 'nothing to upload'}`);
      return res;
    })
    .catch((e) => {
      status('sync', `sync failed: ${e.message}`);
      return [];
    })
    .finally(async () => {
      syncing = null;
      await showPending();
    });
  return syncing;
}
addEventListener('online', () => {
  showNet();
  syncNow();
});
addEventListener('offline', showNet);
$('syncNow').onclick = () => syncNow();

// ---- training ----
async function train(seed) {
  const data = moons(256, seed);
  const net = makeNet(HIDDEN, seed);
  const run = await runlog.init({
    project: 'browser-demo',
    mode: 'offline', // journal first; syncPending() uploads when a server is reachable
    config: { hidden: HIDDEN, lr: LR, steps: STEPS, points: data.X.length, dataset: 'moons', seed },
    silent: true,
  });
  run.defineMetric('accuracy', { summary: 'max' });
  run.defineMetric('loss', { summary: 'min' });
  status('run', `run ${run.name} (id ${run.id}) stored in ${run.location}`);
  const losses = [];
  const accs = [];
  let i = 0;
  await new Promise((resolve) => {
    const frame = () => {
      for (let k = 0; k < 4 && i < STEPS; k++, i++) {
        const m = step(net, data, LR);
        run.log({ loss: m.loss, accuracy: m.accuracy }); // every step
        losses.push(m.loss);
        accs.push(m.accuracy);
      }
      drawLine($('loss'), losses, '#c0392b', 0);
      drawLine($('acc'), accs, '#1f5fbf', 0, 1);
      if (i % 20 === 0 || i >= STEPS) drawBoundary($('boundary'), net, data);
      status('progress', `step ${i}/${STEPS}: loss ${losses[i - 1].toFixed(4)}, accuracy ${(accs[i - 1] * 100).toFixed(1)}%`);
      if (i < STEPS) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  run.summary.final_accuracy = accs[accs.length - 1];
  await run.finish(); // persisted in IndexedDB, online or not
  await showPending();
  const synced = await syncNow();
  return { runId: run.id, name: run.name, steps: STEPS, finalAccuracy: accs[accs.length - 1], synced };
}

showNet();
let seed = +(params.get('seed') || 1);
window.exampleDone = train(seed);
$('restart').onclick = () => {
  seed += 1;
  window.exampleDone = train(seed);
};
