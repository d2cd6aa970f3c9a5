// IndexedDB store (browsers, Web Workers): runs survive reloads and offline
// periods. Database `runlog` (name configurable), version 1:
//   runs   keyPath "id"           {id, dirName, location, createdAt, project, name, entity, mode, finished}
//   chunks key [id, offset]        Uint8Array: the journal, in appended pieces
//   files  key [id, name]          Uint8Array: run files (wandb-summary.json, config.yaml,
//                                  wandb-metadata.json, sync-progress.json)
// Writes are queued in order and applied in one readwrite transaction per
// batch; the core's sync() (flush, finish, the fsync interval) starts a batch
// at once with durability "strict", appends otherwise go within `delayMs`.
import { StoreError } from '../errors.js';
import { MirrorStore, RunImage, concat } from './memory.js';

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function txDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

export class IndexedDBStore extends MirrorStore {
  /**
   * @param {{name?: string, indexedDB?: IDBFactory, delayMs?: number}} [opts]
   */
  constructor({ name = 'runlog', indexedDB = globalThis.indexedDB, delayMs = 200 } = {}) {
    super(`indexeddb://${name}`);
    if (!indexedDB) throw new StoreError('RUNLOG_E_INVALID_ARGUMENT', 'IndexedDB is not available here: use MemoryStore (or DiskStore under Node)');
    this.name = name;
    this.idb = indexedDB;
    this.delayMs = delayMs;
    this.db = null;
    this.ops = [];          // queued writes, in order
    this.strict = false;    // the queued batch holds a sync()
    this.timer = null;
    this.chain = Promise.resolve(); // the last batch's completion
    this.failure = null;    // last write error (reported by sync() and persisted())
  }

  async _db() {
    if (this.db) return this.db;
    const r = this.idb.open(this.name, 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      if (!db.objectStoreNames.contains('runs')) db.createObjectStore('runs', { keyPath: 'id' });
      if (!db.objectStoreNames.contains('chunks')) db.createObjectStore('chunks');
      if (!db.objectStoreNames.contains('files')) db.createObjectStore('files');
    };
    this.db = await req(r);
    // Another tab upgrading the database: let it, reopen on next use.
    this.db.onversionchange = () => {
      this.db.close();
      this.db = null;
    };
    return this.db;
  }

  async _listMeta() {
    const db = await this._db();
    return req(db.transaction('runs').objectStore('runs').getAll());
  }

  async _loadImage(meta) {
    const db = await this._db();
    const tx = db.transaction(['chunks', 'files']);
    const range = IDBKeyRange.bound([meta.id, 0], [meta.id, Infinity]);
    const [keys, values, fkeys, fvalues] = await Promise.all([
      req(tx.objectStore('chunks').getAllKeys(range)),
      req(tx.objectStore('chunks').getAll(range)),
      req(tx.objectStore('files').getAllKeys(IDBKeyRange.bound([meta.id, ''], [meta.id, '\uffff']))),
      req(tx.objectStore('files').getAll(IDBKeyRange.bound([meta.id, ''], [meta.id, '\uffff']))),
    ]);
    const img = new RunImage(meta.id, meta);
    for (let i = 0; i < keys.length; i++) {
      const offset = keys[i][1];
      const bytes = new Uint8Array(values[i]);
      if (offset !== img.size) break; // a gap: keep what is contiguous (the reader cuts a torn tail)
      img.append(bytes);
    }
    for (let i = 0; i < fkeys.length; i++) img.files.set(fkeys[i][1], new Uint8Array(fvalues[i]));
    img.persistedSize = img.size;
    return img;
  }

  async _readFileAsync(meta, name) {
    if (!meta) return null;
    const db = await this._db();
    const v = await req(db.transaction('files').objectStore('files').get([meta.id, name]));
    return v ? new Uint8Array(v) : null;
  }

  async _remove(meta) {
    const db = await this._db();
    const tx = db.transaction(['runs', 'chunks', 'files'], 'readwrite');
    tx.objectStore('runs').delete(meta.id);
    tx.objectStore('chunks').delete(IDBKeyRange.bound([meta.id, 0], [meta.id, Infinity]));
    tx.objectStore('files').delete(IDBKeyRange.bound([meta.id, ''], [meta.id, '\uffff']));
    await txDone(tx);
  }

  /**
   * One writer per run across tabs and workers: a Web Lock named after the run,
   * held until release() (finish, or the end of a sync). Resolves to release,
   * or to null when another tab or worker holds it. Without navigator.locks
   * (old browsers) every acquire succeeds.
   */
  async acquire(id) {
    const locks = globalThis.navigator && globalThis.navigator.locks;
    if (!locks || typeof locks.request !== 'function') return () => {};
    let release;
    const held = new Promise((r) => { release = r; });
    const got = await new Promise((resolve, reject) => {
      locks.request(`runlog:${this.name}:${id}`, { ifAvailable: true }, (lock) => {
        resolve(!!lock);
        return lock ? held : undefined;
      }).catch(reject);
    });
    return got ? release : null;
  }

  /** Forgets the in-memory copy of a run that is not open, once it is committed. */
  evict(id) {
    const img = this.images.get(id);
    if (!img || img.openCount) return;
    if (this.ops.some((op) => op.id === id)) return; // still being written: keep it
    this.images.delete(id);
  }

  _location(dirName) {
    return `indexeddb://${this.name}/${dirName}`;
  }

  // ---- write-behind ----
  _queue(op, now) {
    const last = this.ops[this.ops.length - 1];
    // Coalesce consecutive appends of one run into one chunk.
    if (op.kind === 'append' && last && last.kind === 'append' && last.id === op.id &&
        last.offset + last.size === op.offset) {
      last.parts.push(op.bytes);
      last.size += op.bytes.length;
    } else if (op.kind === 'append') {
      this.ops.push({ kind: 'append', id: op.id, offset: op.offset, parts: [op.bytes], size: op.bytes.length });
    } else {
      this.ops.push(op);
    }
    if (now) this._kick(0);
    else if (!this.timer) this._kick(this.delayMs);
  }

  _kick(delay) {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this._flushOps();
    }, delay);
  }

  _flushOps() {
    if (!this.ops.length) return this.chain;
    const ops = this.ops;
    const strict = this.strict;
    this.ops = [];
    this.strict = false;
    this.chain = this.chain.then(async () => {
      try {
        const db = await this._db();
        const tx = db.transaction(['runs', 'chunks', 'files'], 'readwrite', { durability: strict ? 'strict' : 'default' });
        const runs = tx.objectStore('runs');
        const chunks = tx.objectStore('chunks');
        const files = tx.objectStore('files');
        for (const op of ops) {
          switch (op.kind) {
            case 'meta':
              runs.put({ ...op.meta });
              break;
            case 'append':
              chunks.put(concat(op.parts, op.size), [op.id, op.offset]);
              break;
            case 'truncate':
              chunks.delete(IDBKeyRange.bound([op.id, 0], [op.id, Infinity]));
              if (op.bytes.length) chunks.put(op.bytes, [op.id, 0]);
              break;
            case 'file':
              files.put(op.bytes, [op.id, op.name]);
              break;
            default:
              break;
          }
        }
        await txDone(tx);
        this.failure = null;
        this._committed(ops);
      } catch (e) {
        // Keep the data: the next batch retries it (order kept), and sync()
        // reports the failure to the core, which retries and tells the user.
        this.failure = e;
        this.ops = ops.concat(this.ops);
        this._kick(1000);
      }
    });
    return this.chain;
  }

  // Memory stays bounded while a run is open: what IndexedDB has committed
  // leaves the in-memory copy once the core cannot need it any more — at once
  // for an offline run (the core reads its journal only when it opens it), and
  // below the acknowledged upload offset (sync-progress.json) for an online one.
  _committed(ops) {
    const touched = new Set();
    for (const op of ops) {
      const img = this.images.get(op.id);
      if (!img) continue;
      if (op.kind === 'append') img.persistedSize = Math.max(img.persistedSize, op.offset + op.size);
      if (op.kind === 'truncate') img.persistedSize = op.bytes.length;
      touched.add(img);
    }
    for (const img of touched) {
      if (!img.openCount || !img.meta || !img.meta.mode) continue;
      let limit = 0;
      if (img.meta.mode === 'offline') limit = img.persistedSize;
      else if (img.meta.mode === 'online') {
        const progress = img.files.get('sync-progress.json');
        if (progress) {
          try {
            limit = Math.min(img.persistedSize, JSON.parse(new TextDecoder().decode(progress)).records_offset || 0);
          } catch (_) {
            limit = 0;
          }
        }
      }
      if (limit > 0) img.trim(limit);
    }
  }

  _persistMeta(meta) {
    this._queue({ kind: 'meta', id: meta.id, meta }, false);
  }

  _persistAppend(img, offset, bytes) {
    this._queue({ kind: 'append', id: img.id, offset, bytes }, false);
  }

  _persistSync() {
    if (this.failure) {
      const e = this.failure;
      const quota = e && e.name === 'QuotaExceededError';
      throw new StoreError(quota ? 'RUNLOG_E_NO_SPACE' : 'RUNLOG_E_IO',
        `IndexedDB ${this.name}: ${e && e.message || e}${quota ? ': the origin is out of storage quota; free space or call navigator.storage.persist()' : ''}`);
    }
    this.strict = true;
    this._kick(0);
  }

  _persistTruncate(img) {
    // Rare (a torn tail cut before resuming): rewrite the run's journal as
    // one chunk, dropping its queued appends (they are in the mirror).
    this.ops = this.ops.filter((op) => !(op.kind === 'append' && op.id === img.id));
    this._queue({ kind: 'truncate', id: img.id, bytes: img.journal() }, true);
  }

  _persistFile(img, name, bytes) {
    this._queue({ kind: 'file', id: img.id, name, bytes }, false);
  }

  async persisted() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this._flushOps();
    while (this.ops.length) await this._flushOps(); // queued while we waited
    if (this.failure) {
      throw new StoreError(this.failure.name === 'QuotaExceededError' ? 'RUNLOG_E_NO_SPACE' : 'RUNLOG_E_IO',
        `IndexedDB ${this.name}: ${this.failure.message || this.failure}`);
    }
  }

  /** Closes the database connection (pending writes are finished first). */
  async close() {
    await this.persisted();
    if (this.db) this.db.close();
    this.db = null;
  }
}
