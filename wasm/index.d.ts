// TypeScript declarations of the runlog package (src/index.js, src/node.js).

/** Status names of capi/runlog.h. */
export type RunlogStatusName =
  | 'RUNLOG_OK' | 'RUNLOG_E_INVALID_ARGUMENT' | 'RUNLOG_E_INVALID_JSON' | 'RUNLOG_E_NOT_OBJECT'
  | 'RUNLOG_E_INVALID_UTF8' | 'RUNLOG_E_RESERVED_KEY' | 'RUNLOG_E_TOO_LARGE' | 'RUNLOG_E_STEP_ORDER'
  | 'RUNLOG_E_FINISHED' | 'RUNLOG_E_IO' | 'RUNLOG_E_NO_SPACE' | 'RUNLOG_E_PERMISSION' | 'RUNLOG_E_TIMEOUT'
  | 'RUNLOG_E_QUEUE_FULL' | 'RUNLOG_E_NOT_FOUND' | 'RUNLOG_E_EXISTS' | 'RUNLOG_E_NOMEM' | 'RUNLOG_E_CALLBACK'
  | 'RUNLOG_E_INTERNAL' | 'RUNLOG_E_NETWORK' | 'RUNLOG_E_REFUSED';

export declare const STATUS: Readonly<Record<RunlogStatusName, number>>;

/** Every error the package throws or rejects with. message = "CODE: the core's message". */
export declare class RunlogError extends Error {
  readonly name: 'RunlogError' | 'StoreError';
  /** e.g. "RUNLOG_E_STEP_ORDER" */
  readonly code: RunlogStatusName;
  /** the negative status number of capi/runlog.h */
  readonly status: number;
  /** the core's message alone (names the cause and the fix) */
  readonly detail: string;
  constructor(status: number, message?: string);
}

/** Thrown by a store or transport written in JS to choose the status. */
export declare class StoreError extends RunlogError {
  constructor(code: RunlogStatusName | number, message?: string);
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };
export type Row = Record<string, unknown>;

// ---- transport ----

export interface HttpRequest {
  method: string;
  /** absolute URL built by the core (base URL + /graphql or /files/…/file_stream) */
  url: string;
  /** includes Authorization: Basic … with the API key given to init/syncPending */
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
  /** aborted when the core stops waiting (finish timed out) */
  signal?: AbortSignal;
}
export interface HttpResponse {
  /** HTTP status; 0 = no answer (then `error` says why; never put the API key in it) */
  status: number;
  headers?: Record<string, string> | Headers | string;
  body?: Uint8Array | ArrayBuffer | string;
  error?: string;
}
/** Carries one request of the core's W&B protocol; the default is fetchSend. */
export type SendFn = (request: HttpRequest) => Promise<HttpResponse>;
export declare function fetchSend(request: HttpRequest, fetchImpl?: typeof fetch): Promise<HttpResponse>;
export declare class HttpExecutor {
  constructor(opts?: { send?: SendFn; fetch?: typeof fetch });
  readonly inFlight: number;
  settled(): Promise<void>;
}

// ---- stores ----

export interface RunMeta {
  id: string;
  dirName: string;
  /** "indexeddb://runlog/offline-run-…", "memory/…", or a directory (Node) */
  location: string;
  createdAt: number;
  project?: string;
  name?: string;
  entity?: string;
  mode?: string;
  finished?: boolean;
  exitCode?: number;
}

/** The synchronous per-run face the core's runlog_store calls. */
export interface RunStorage {
  open(runId: string, dirName: string, mode: 0 | 1 | 2): { journalSize: number; created: boolean; location: string };
  /** must copy `bytes` (a view of wasm memory) */
  append(bytes: Uint8Array): void;
  sync(): void;
  read(offset: number, cap: number): Uint8Array;
  truncate(size: number): void;
  writeFile(name: string, bytes: Uint8Array): void;
  readFile(name: string): Uint8Array | null;
  close(): void;
}

/** A store of runs. Write your own by implementing this (see MirrorStore in src/stores/memory.js). */
export interface RunlogStore {
  ready(): Promise<void>;
  /** loads a run so that the core can resume or sync it; false if the store has no such run */
  load(id: string): Promise<boolean>;
  list(): Promise<RunMeta[]>;
  readFile(id: string, name: string): Promise<Uint8Array | null>;
  journal(id: string): Promise<Uint8Array | null>;
  setMeta(id: string, fields: Partial<RunMeta>): Promise<void>;
  /** resolves once everything written so far is on the backing storage */
  persisted(): Promise<void>;
  remove(id: string): Promise<void>;
  openRun(): RunStorage;
  /** optional: one writer per run (IndexedDBStore: a Web Lock); resolves to release, or null if held elsewhere */
  acquire?(id: string): Promise<(() => void) | null>;
  /** optional: drop the in-memory copy of a run that is not open */
  evict?(id: string): void;
}

/** Runs in memory only. */
export declare class MemoryStore implements RunlogStore {
  constructor(opts?: { label?: string });
  ready(): Promise<void>;
  load(id: string): Promise<boolean>;
  list(): Promise<RunMeta[]>;
  readFile(id: string, name: string): Promise<Uint8Array | null>;
  journal(id: string): Promise<Uint8Array | null>;
  setMeta(id: string, fields: Partial<RunMeta>): Promise<void>;
  persisted(): Promise<void>;
  remove(id: string): Promise<void>;
  evict(id: string): void;
  openRun(): RunStorage;
}

/** Browsers and Web Workers: database `name` (default "runlog"). */
export declare class IndexedDBStore extends MemoryStore {
  constructor(opts?: { name?: string; indexedDB?: IDBFactory; delayMs?: number });
  acquire(id: string): Promise<(() => void) | null>;
  close(): Promise<void>;
}

/** Node only (import from "runlog" under Node): the native run directory under <dir>/runlog. */
export declare class DiskStore implements RunlogStore {
  constructor(opts?: { dir?: string });
  ready(): Promise<void>;
  load(id: string): Promise<boolean>;
  list(): Promise<RunMeta[]>;
  readFile(id: string, name: string): Promise<Uint8Array | null>;
  journal(id: string): Promise<Uint8Array | null>;
  setMeta(id: string, fields: Partial<RunMeta>): Promise<void>;
  persisted(): Promise<void>;
  remove(id: string): Promise<void>;
  openRun(): RunStorage;
}

// ---- runs ----

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface UploadOptions {
  /** W&B API key (WANDB_API_KEY under Node). In a page, prefer a relay (send) that holds it. */
  apiKey?: string;
  /** WANDB_BASE_URL; default https://api.wandb.ai */
  baseUrl?: string;
  /** carries the core's HTTP requests; default fetchSend */
  send?: SendFn;
  fetch?: typeof fetch;
  httpTimeoutMs?: number;
  retryMax?: number;
  retryWaitMinMs?: number;
  retryWaitMaxMs?: number;
  onMessage?: (level: Level, text: string) => void;
  silent?: boolean;
}

export interface InitOptions extends UploadOptions {
  project?: string;
  entity?: string;
  name?: string;
  notes?: string;
  group?: string;
  jobType?: string;
  tags?: string[] | string;
  /** run id (8 chars [a-z0-9] by default) */
  id?: string;
  /** "offline" (default without an API key), "online", "disabled" */
  mode?: 'online' | 'offline' | 'disabled' | 'dryrun';
  resume?: 'allow' | 'must' | 'never' | 'auto' | boolean;
  config?: Record<string, unknown>;
  /** default: IndexedDBStore in browsers, DiskStore under Node */
  store?: RunlogStore;
  queueFull?: 'block' | 'drop';
  queueCapacityBytes?: number;
  maxPayloadBytes?: number;
  durability?: 'interval' | 'flush' | 'none' | 'every_record';
  fsyncIntervalMs?: number;
  finishTimeoutMs?: number;
  transmitIntervalMs?: number;
  /** how long finish() waits for the upload (default 120000); the rest stays pending */
  uploadTimeoutMs?: number;
  /** how soon after log() the event loop writes to the store (default 100 ms) */
  pumpIntervalMs?: number;
}

export interface Stats {
  step: number;
  rowsLogged: number;
  stepsRefused: number;
  rowsRefusedQueueFull: number;
  recordsQueued: number;
  bytesQueued: number;
  recordsWritten: number;
  journalBytes: number;
  storeErrors: number;
  uploadState: 'none' | 'connecting' | 'streaming' | 'done' | 'gave_up' | 'failed';
  rowsUploaded: number;
  uploadRequests: number;
  uploadRetries: number;
  uploadBytesPending: number;
}

/** run.summary: methods, plus property access (run.summary.best = 1). */
export interface Summary {
  update(values: Record<string, unknown>): void;
  set(key: string, value: unknown): void;
  get(key?: string): any;
  toJSON(): Record<string, any>;
  [key: string]: any;
}
/** run.config: methods, plus property access (run.config.lr). */
export interface Config {
  update(values: Record<string, unknown>): void;
  set(key: string, value: unknown): void;
  get(key?: string): any;
  toJSON(): Record<string, any>;
  [key: string]: any;
}

export interface MetricOptions {
  stepMetric?: string;
  summary?: 'min' | 'max' | 'mean' | 'first' | 'last' | 'none' | Array<'min' | 'max' | 'mean' | 'first' | 'last' | 'none'>;
  hidden?: boolean;
  stepSync?: boolean;
}

export interface SyncResult {
  id: string;
  ok: boolean;
  state: Stats['uploadState'];
  finished: boolean;
  rowsTotal: number;
  rowsUploaded: number;
  rowsSent: number;
  requests: number;
  retries: number;
  error?: RunlogError;
  messages: { level: Level; text: string }[];
}

export declare class Run {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  readonly entity: string;
  readonly mode: 'online' | 'offline' | 'disabled';
  /** where the store keeps it */
  readonly location: string;
  readonly summary: Summary;
  readonly config: Config;
  /** online runs, after finish(): how the upload ended */
  upload?: SyncResult;
  /** W&B's run.log(data, step=, commit=): synchronous and cheap; NaN/±Infinity kept. */
  log(data: Row, opts?: { step?: number; commit?: boolean }): void;
  defineMetric(name: string, opts?: MetricOptions): void;
  stats(): Stats;
  /** writes what was logged to the store; resolves once it is persisted */
  flush(): Promise<void>;
  /** ends the run; resolves once persisted (offline too), online after the upload or uploadTimeoutMs */
  finish(exitCode?: number): Promise<void>;
}

export interface PendingRun {
  id: string;
  name: string | null;
  project: string | null;
  entity: string | null;
  location: string;
  createdAt: Date | null;
  finished: boolean;
  /** open in this page/process (syncPending skips it) */
  open: boolean;
  rowsUploaded: number;
}

export declare function init(options?: InitOptions): Promise<Run>;
export declare function pendingRuns(options?: { store?: RunlogStore }): Promise<PendingRun[]>;
export declare function syncPending(options?: UploadOptions & {
  store?: RunlogStore;
  entity?: string;
  project?: string;
  ids?: string[];
  /** per run; default: no limit (the core's retry budget) */
  timeoutMs?: number;
  closeUnfinished?: boolean;
  onProgress?: (p: Omit<SyncResult, 'ok' | 'error' | 'messages'>) => void;
}): Promise<SyncResult[]>;
export declare function defaultStore(): RunlogStore;
/** where runlog.wasm comes from (URL, bytes, a compiled module, or an async function); before the first init() */
export declare function setWasmSource(source: string | URL | BufferSource | WebAssembly.Module | (() => Promise<string | URL | BufferSource | WebAssembly.Module>)): void;
/** ms the first load took (fetch + compile + instantiate), null before */
export declare function loadTimeMs(): number | null;
export declare function version(): Promise<string>;

declare const runlog: {
  init: typeof init;
  pendingRuns: typeof pendingRuns;
  syncPending: typeof syncPending;
  version: typeof version;
  defaultStore: typeof defaultStore;
  MemoryStore: typeof MemoryStore;
  IndexedDBStore: typeof IndexedDBStore;
  HttpExecutor: typeof HttpExecutor;
  fetchSend: typeof fetchSend;
  RunlogError: typeof RunlogError;
  StoreError: typeof StoreError;
  STATUS: typeof STATUS;
  setWasmSource: typeof setWasmSource;
  loadTimeMs: typeof loadTimeMs;
};
export default runlog;
