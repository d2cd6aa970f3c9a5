// Stores hold runs: a journal (append-only bytes) and named run files per run.
//
// The core calls its store synchronously (runlog_store in capi/runlog.h), while
// browser storage is asynchronous. So every store here keeps the runs it
// works on in memory (MirrorStore) and writes behind: persisted() resolves
// once everything appended so far is on the backing storage. Reads come from
// memory; a run must be load()ed (awaited) before the core resumes or syncs it.
//
// A store in JS implements (see index.d.ts, RunlogStore):
//   async ready(), async load(id), async list(), async persisted(),
//   async setMeta(id, meta), and openRun() → a RunStorage with the synchronous
//   calls open/append/sync/read/truncate/writeFile/readFile/close.
import { StoreError } from '../errors.js';

const CREATE = 0;
const RESUME = 1;

export function concat(chunks, total) {
  if (chunks.length === 1 && chunks[0].length === total) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** One run in memory: journal chunks (with their offsets) and files. */
export class RunImage {
  constructor(id, meta) {
    this.id = id;
    this.meta = meta; // {id, dirName, location, createdAt, project, name, entity, ...}
    this.chunks = []; // [{offset, bytes}] contiguous, in order
    this.size = 0;
    this.files = new Map(); // name -> Uint8Array
    this.openCount = 0;
    this.floor = 0;          // bytes below this were dropped from memory (stored elsewhere)
    this.persistedSize = 0;  // bytes known to be on the backing storage
  }

  /** Drops chunks that end at or below limit (they are on the backing storage). */
  trim(limit) {
    let i = 0;
    while (i < this.chunks.length && this.chunks[i].offset + this.chunks[i].bytes.length <= limit) i++;
    if (!i) return;
    this.chunks.splice(0, i);
    this.floor = this.chunks.length ? this.chunks[0].offset : this.size;
  }

  append(bytes) {
    this.chunks.push({ offset: this.size, bytes });
    this.size += bytes.length;
  }

  read(offset, cap) {
    if (offset >= this.size) return new Uint8Array(0);
    if (offset < this.floor) {
      throw new StoreError('RUNLOG_E_IO', `journal bytes at ${offset} of run ${this.id} are no longer in memory (stored; reopen the run to read them)`);
    }
    // binary search the chunk holding offset
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid].offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const want = Math.min(cap, this.size - offset);
    const out = new Uint8Array(want);
    let done = 0;
    for (let i = lo; i < this.chunks.length && done < want; i++) {
      const c = this.chunks[i];
      const start = offset + done - c.offset;
      const n = Math.min(c.bytes.length - start, want - done);
      out.set(c.bytes.subarray(start, start + n), done);
      done += n;
    }
    return out;
  }

  truncate(size) {
    if (size >= this.size) return;
    if (this.floor > 0) throw new StoreError('RUNLOG_E_IO', `cannot cut the journal of run ${this.id} while part of it is not in memory: reopen the run`);
    while (this.chunks.length && this.chunks[this.chunks.length - 1].offset >= size) this.chunks.pop();
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.offset + last.bytes.length > size) last.bytes = last.bytes.slice(0, size - last.offset);
    this.size = size;
  }

  journal() {
    if (this.floor > 0) return null; // partly in memory only: read it from the store
    return concat(this.chunks.map((c) => c.bytes), this.size);
  }
}

/**
 * Base for stores that mirror their runs in memory. Subclasses override the
 * hooks (_persist*, _loadImage, _listMeta) to write behind to real storage.
 */
export class MirrorStore {
  constructor(label) {
    this.label = label;
    this.images = new Map(); // id -> RunImage (loaded or created here)
    this.known = new Map();  // id -> meta of every run in the store
    this.readyPromise = null;
  }

  // ---- asynchronous side ----
  ready() {
    if (!this.readyPromise) this.readyPromise = this._init();
    return this.readyPromise;
  }

  async _init() {
    for (const meta of await this._listMeta()) this.known.set(meta.id, meta);
  }

  /** Picks up runs other tabs or workers stored since ready(). */
  async refresh() {
    await this.ready();
    for (const meta of await this._listMeta()) {
      const known = this.known.get(meta.id);
      if (!known) this.known.set(meta.id, meta);
      else if (!this.images.has(meta.id)) Object.assign(known, meta);
    }
  }

  /** Loads a run into memory so that the core can resume or sync it. */
  async load(id) {
    await this.ready();
    const old = this.images.get(id);
    if (old && old.floor > 0 && !old.openCount) {
      // Trimmed while it was written: read it back whole.
      await this.persisted();
      this.images.delete(id);
    }
    if (!this.images.has(id) && !this.known.has(id)) await this.refresh();
    if (this.images.has(id) || !this.known.has(id)) return this.images.has(id);
    const img = await this._loadImage(this.known.get(id));
    if (img && !this.images.has(id)) this.images.set(id, img);
    return true;
  }

  /** Metadata of every run in the store, newest first. */
  async list() {
    await this.refresh();
    return [...this.known.values()].sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0));
  }

  /** A run file's bytes (e.g. "sync-progress.json"), or null. */
  async readFile(id, name) {
    await this.ready();
    const img = this.images.get(id);
    if (img) return img.files.get(name) ?? null;
    return this._readFileAsync(this.known.get(id), name);
  }

  /** Journal bytes of a run (loads it). */
  async journal(id) {
    await this.load(id);
    const img = this.images.get(id);
    if (img && img.floor > 0) {
      await this.persisted();
      const fresh = await this._loadImage(this.known.get(id));
      return fresh ? fresh.journal() : null;
    }
    return img ? img.journal() : null;
  }

  async setMeta(id, fields) {
    const meta = this.known.get(id);
    if (!meta) return;
    Object.assign(meta, fields);
    const img = this.images.get(id);
    if (img) img.meta = meta;
    this._persistMeta(meta);
    await this.persisted();
  }

  /** Resolves once everything written so far is on the backing storage. */
  async persisted() {}

  /** Drops a run that is not open (memory and backing storage). */
  async remove(id) {
    await this.ready();
    const img = this.images.get(id);
    if (img && img.openCount) throw new StoreError('RUNLOG_E_INVALID_ARGUMENT', `run ${id} is open`);
    this.images.delete(id);
    const meta = this.known.get(id);
    this.known.delete(id);
    if (meta) await this._remove(meta);
  }

  /** Forgets the in-memory copy of a run that is not open (it stays stored). */
  evict(id) {
    const img = this.images.get(id);
    if (img && !img.openCount) this.images.delete(id);
  }

  // ---- the synchronous side the core calls (one RunStorage per run) ----
  openRun() {
    return new RunStorage(this);
  }

  _open(runId, dirName, mode) {
    if (!this.readyPromise) throw new StoreError('RUNLOG_E_INTERNAL', `${this.label}: await store.ready() first`);
    const exists = this.known.has(runId);
    if (exists && mode === CREATE) {
      throw new StoreError('RUNLOG_E_EXISTS', `a run with id ${runId} already exists in ${this.label}`);
    }
    if (!exists && mode === RESUME) {
      throw new StoreError('RUNLOG_E_NOT_FOUND', `no run with id ${runId} in ${this.label}`);
    }
    if (exists) {
      const img = this.images.get(runId);
      if (!img) {
        throw new StoreError('RUNLOG_E_INTERNAL', `${this.label}: run ${runId} was not loaded (await store.load(id) first)`);
      }
      if (img.openCount) {
        throw new StoreError('RUNLOG_E_EXISTS', `run ${runId} in ${img.meta.location} is open already (one writer per run): finish it first, or use another run id`);
      }
      img.openCount++;
      return { img, created: false };
    }
    const meta = {
      id: runId,
      dirName,
      location: this._location(dirName),
      createdAt: Date.now(),
    };
    const img = new RunImage(runId, meta);
    this.known.set(runId, meta);
    this.images.set(runId, img);
    img.openCount++;
    this._persistMeta(meta);
    return { img, created: true };
  }

  _location(dirName) {
    return `${this.label}/${dirName}`;
  }

  // hooks (memory: nothing to do)
  async _listMeta() {
    return [];
  }
  async _loadImage() {
    return null;
  }
  async _readFileAsync() {
    return null;
  }
  async _remove() {}
  _persistMeta() {}
  _persistAppend() {}
  _persistSync() {}
  _persistTruncate() {}
  _persistFile() {}
  _closed() {}
}

/** The synchronous per-run face the core's runlog_store calls. */
export class RunStorage {
  constructor(store) {
    this.store = store;
    this.img = null;
  }

  open(runId, dirName, mode) {
    const { img, created } = this.store._open(runId, dirName, mode);
    this.img = img;
    return { journalSize: img.size, created, location: img.meta.location };
  }

  append(bytes) {
    const copy = bytes.slice(); // the view points into wasm memory
    this.img.append(copy);
    this.store._persistAppend(this.img, this.img.size - copy.length, copy);
  }

  sync() {
    this.store._persistSync(this.img);
  }

  read(offset, cap) {
    return this.img.read(offset, cap);
  }

  truncate(size) {
    this.img.truncate(size);
    this.store._persistTruncate(this.img, size);
  }

  writeFile(name, bytes) {
    this.img.files.set(name, bytes);
    this.store._persistFile(this.img, name, bytes);
  }

  readFile(name) {
    return this.img ? this.img.files.get(name) ?? null : null;
  }

  close() {
    if (this.img) {
      this.img.openCount--;
      this.store._closed(this.img);
    }
    this.img = null;
  }
}

/** Runs in memory only: tests, Node scripts that upload at once, demos. */
export class MemoryStore extends MirrorStore {
  constructor({ label = 'memory' } = {}) {
    super(label);
  }

  /** Memory is the only copy here: nothing is evicted. */
  evict() {}
}
