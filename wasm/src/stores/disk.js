// The disk store under Node: the same run directory as the native library
// writes (so `runlog ls/show/verify/export` and `runlog sync` read runs logged
// from JavaScript):
//   <dir>/runlog/offline-run-YYYYMMDD_HHMMSS-<id>/run-<id>.runlog   the journal
//   <dir>/runlog/<run dir>/files/…                                   run files
//   <dir>/runlog/latest-run -> <run dir>
// Node only (node:fs, node:path): reached through the package's "node" export.
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from '../errors.js';

const CREATE = 0;
const RESUME = 1;
const DIR_RE = /^(offline-)?run-(\d{8}_\d{6})-(.+)$/;
const META = 'runlog-js.json'; // project/name/entity recorded by the JS package

function statusOf(e) {
  switch (e && e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'RUNLOG_E_NO_SPACE';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'RUNLOG_E_PERMISSION';
    case 'ENOENT':
      return 'RUNLOG_E_NOT_FOUND';
    default:
      return 'RUNLOG_E_IO';
  }
}

function fail(what, e) {
  const code = statusOf(e);
  const fix = code === 'RUNLOG_E_NO_SPACE' ? '; free disk space or pass another dir'
    : code === 'RUNLOG_E_PERMISSION' ? '; pass a writable dir (or set WANDB_DIR)' : '';
  return new StoreError(code, `${what}: ${e && e.message || e}${fix}`);
}

function stampOf(name) {
  const m = DIR_RE.exec(name);
  if (!m) return 0;
  const t = m[2];
  return Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(9, 11), +t.slice(11, 13), +t.slice(13, 15));
}

export class DiskStore {
  /** @param {{dir?: string}} [opts] runs go to <dir>/runlog (default: WANDB_DIR or the cwd) */
  constructor({ dir } = {}) {
    const root = path.resolve(dir || process.env.WANDB_DIR || '.');
    this.base = path.join(root, 'runlog');
    this.label = this.base;
    this.openIds = new Set(); // run ids open in this process
  }

  async ready() {}

  async load(id) {
    return this._find(id) !== null;
  }

  _dirs() {
    let names;
    try {
      names = fs.readdirSync(this.base);
    } catch {
      return [];
    }
    const out = [];
    for (const name of names) {
      const m = DIR_RE.exec(name);
      if (!m) continue;
      const id = m[3];
      if (!fs.existsSync(path.join(this.base, name, `run-${id}.runlog`))) continue;
      out.push({ id, dirName: name, location: path.join(this.base, name), createdAt: stampOf(name) });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.dirName < b.dirName ? 1 : -1));
  }

  _find(id) {
    return this._dirs().find((d) => d.id === id) || null;
  }

  async list() {
    return this._dirs().map((d) => {
      let extra = {};
      try {
        extra = JSON.parse(fs.readFileSync(path.join(d.location, META), 'utf8'));
      } catch {}
      return { ...extra, ...d };
    });
  }

  async readFile(id, name) {
    const d = this._find(id);
    if (!d) return null;
    try {
      return new Uint8Array(fs.readFileSync(path.join(d.location, name)));
    } catch {
      return null;
    }
  }

  async journal(id) {
    const d = this._find(id);
    return d ? new Uint8Array(fs.readFileSync(path.join(d.location, `run-${id}.runlog`))) : null;
  }

  async setMeta(id, fields) {
    const d = this._find(id);
    if (!d) return;
    const file = path.join(d.location, META);
    let meta = {};
    try {
      meta = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {}
    Object.assign(meta, fields);
    fs.writeFileSync(file + '.tmp', JSON.stringify(meta) + '\n');
    fs.renameSync(file + '.tmp', file);
  }

  async persisted() {}

  async remove(id) {
    const d = this._find(id);
    if (d) fs.rmSync(d.location, { recursive: true, force: true });
  }

  evict() {}

  openRun() {
    return new DiskRun(this);
  }
}

class DiskRun {
  constructor(store) {
    this.store = store;
    this.fd = -1;
    this.size = 0;
    this.dir = null;
    this.id = null;
  }

  open(runId, dirName, mode) {
    const s = this.store;
    try {
      fs.mkdirSync(s.base, { recursive: true });
    } catch (e) {
      throw fail(`cannot create the directory ${s.base}`, e);
    }
    const existing = s._find(runId);
    if (existing && mode === CREATE) throw new StoreError('RUNLOG_E_EXISTS', `a run with id ${runId} already exists in ${existing.location}`);
    if (!existing && mode === RESUME) throw new StoreError('RUNLOG_E_NOT_FOUND', `no run with id ${runId} in ${s.base}`);
    if (s.openIds.has(runId)) throw new StoreError('RUNLOG_E_EXISTS', `run ${runId} is open already in this process: finish it first, or use another run id`);
    const name = existing ? existing.dirName : dirName;
    this.dir = path.join(s.base, name);
    const journal = path.join(this.dir, `run-${runId}.runlog`);
    let created = false;
    try {
      fs.mkdirSync(path.join(this.dir, 'files'), { recursive: true });
      if (existing) {
        this.fd = fs.openSync(journal, 'r+');
        this.size = fs.fstatSync(this.fd).size;
      } else {
        this.fd = fs.openSync(journal, 'wx+');
        this.size = 0;
        created = true;
      }
    } catch (e) {
      throw fail(`cannot open the journal ${journal}`, e);
    }
    try {
      const link = path.join(s.base, 'latest-run');
      const tmp = `${link}.tmp${process.pid}`;
      fs.rmSync(tmp, { force: true });
      fs.symlinkSync(name, tmp);
      fs.renameSync(tmp, link);
    } catch {}
    this.id = runId;
    s.openIds.add(runId);
    return { journalSize: this.size, created, location: this.dir };
  }

  append(bytes) {
    let done = 0;
    try {
      while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.size + done);
    } catch (e) {
      if (done) {
        try {
          fs.ftruncateSync(this.fd, this.size);
        } catch {}
      }
      throw fail(`cannot write to the journal in ${this.dir}`, e);
    }
    this.size += bytes.length;
  }

  sync() {
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      throw fail(`cannot flush the journal in ${this.dir} to disk`, e);
    }
  }

  read(offset, cap) {
    const buf = new Uint8Array(Math.max(0, Math.min(cap, this.size - offset)));
    if (!buf.length) return buf;
    let n = 0;
    try {
      while (n < buf.length) {
        const got = fs.readSync(this.fd, buf, n, buf.length - n, offset + n);
        if (!got) break;
        n += got;
      }
    } catch (e) {
      throw fail(`cannot read the journal in ${this.dir}`, e);
    }
    return buf.subarray(0, n);
  }

  truncate(size) {
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (e) {
      throw fail(`cannot truncate the journal in ${this.dir}`, e);
    }
    this.size = size;
  }

  writeFile(name, bytes) {
    const file = path.join(this.dir, name);
    const tmp = `${file}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, bytes);
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw fail(`cannot replace ${file}`, e);
    }
  }

  readFile(name) {
    try {
      return new Uint8Array(fs.readFileSync(path.join(this.dir, name)));
    } catch (e) {
      if (e.code === 'ENOENT') return null;
      throw fail(`cannot read ${path.join(this.dir, name)}`, e);
    }
  }

  close() {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {}
    }
    this.fd = -1;
    if (this.id) this.store.openIds.delete(this.id);
    this.id = null;
  }
}
