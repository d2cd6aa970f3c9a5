/*
 * runlog.h — the one public header of runlog, ABI version 1.
 *
 * runlog records experiment runs (config, history rows, summary) into a
 * crash-safe journal on local storage, the way Weights & Biases users know:
 * init → log → summary → finish. Plain C99; compiles as C++ too.
 *
 * ---------------------------------------------------------------------------
 * RULES (read these once)
 * ---------------------------------------------------------------------------
 * Errors.
 *   Every fallible call returns an int status: RUNLOG_OK (0) or a negative
 *   RUNLOG_E_* code. Every such call takes a last `runlog_error *err` that may
 *   be NULL; when non-NULL it receives the status and a message naming the
 *   cause and the fix. It is caller-owned memory, so the message is reliable
 *   across threads (Go goroutines, Rust async) — no thread affinity needed.
 *   For convenience the same message is also kept per thread
 *   (runlog_last_error_message()). No C++ exception, abort() or exit() ever
 *   crosses this API. After any error the run stays usable and nothing that
 *   was accepted before is lost.
 *
 * Ownership.
 *   - Strings passed in are UTF-8, borrowed for the duration of the call only.
 *   - runlog_init() hands out a runlog_run* owned by the caller until
 *     runlog_finish(), which ends the run and releases its resources. The
 *     handle pointer itself stays valid as a small tombstone (under 128 bytes) for the life of
 *     the process so that a late call returns RUNLOG_E_FINISHED instead of
 *     touching freed memory.
 *   - const char* returned by accessors are owned by the run and valid until
 *     runlog_finish() on it: do not finish a run while another thread still
 *     uses such a string.
 *   - runlog_buf outputs are allocated by the library and released with
 *     runlog_buf_free(). Whatever the library allocates, the library frees.
 *   - Plug-in structs (store, clock, sink, http) are copied at init; their
 *     user_data is owned by the run from then on and released through the
 *     plug-in's destroy callback when the run ends (also if init fails).
 *
 * Threading.
 *   - Every call on a runlog_run is safe from several threads at once;
 *     runlog_log_json() parses and validates outside the run's lock, so
 *     concurrent loggers scale. Rows from several threads interleave in
 *     call order.
 *   - The staging calls (runlog_stage_*) fill ONE staging row per run:
 *     stage and commit from one thread per run, or rows will mix.
 *   - By default (RUNLOG_THREADING_BACKGROUND) each run has one background
 *     writer thread; log() never touches the disk. With
 *     RUNLOG_THREADING_MANUAL no thread is started and the host calls
 *     runlog_pump() from its own loop (edge devices, WebAssembly).
 *   - Log hooks and plug-in callbacks may be called from the writer thread.
 *     Log hooks and clocks are also called from logging threads, possibly at
 *     the same time: they must be thread-safe. Store and sink calls of one
 *     run never overlap.
 *   - WANDB_SILENT / options.silent silence the banner and warnings; errors
 *     (a failing store) are still reported through the log hook.
 *
 * Stability.
 *   ABI version 1. Functions are only added, never changed. Structs that may
 *   grow carry a `version` first field: set it with the *_INIT macro; the
 *   library reads only the fields that version has.
 * ---------------------------------------------------------------------------
 */
#ifndef RUNLOG_H
#define RUNLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(RUNLOG_SHARED)
#  ifdef RUNLOG_BUILDING
#    define RUNLOG_API __declspec(dllexport)
#  else
#    define RUNLOG_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define RUNLOG_API __attribute__((visibility("default")))
#else
#  define RUNLOG_API
#endif

/* ---- Versions ---------------------------------------------------------- */

#define RUNLOG_VERSION_MAJOR 0
#define RUNLOG_VERSION_MINOR 1
#define RUNLOG_VERSION_PATCH 0
#define RUNLOG_VERSION_STRING "0.1.0"
/* MAJOR*10000 + MINOR*100 + PATCH */
#define RUNLOG_VERSION_NUMBER 100
/* Bumped only when the binary interface breaks (it also is the SONAME). */
#define RUNLOG_ABI_VERSION 1

/* Library version string at run time, e.g. "0.1.0". Static storage. */
RUNLOG_API const char *runlog_version(void);
/* RUNLOG_VERSION_NUMBER of the library actually loaded. */
RUNLOG_API uint32_t runlog_version_number(void);
/* RUNLOG_ABI_VERSION of the library actually loaded; compare it with the
 * macro to detect a header/library mismatch. */
RUNLOG_API uint32_t runlog_abi_version(void);
/* 1 when this build can run a background writer thread, 0 otherwise
 * (WebAssembly, RUNLOG_THREADS=OFF builds: use RUNLOG_THREADING_MANUAL). */
RUNLOG_API int runlog_has_threads(void);

/* ---- Status codes ------------------------------------------------------- */

enum runlog_status {
    RUNLOG_OK = 0,
    RUNLOG_E_INVALID_ARGUMENT = -1, /* NULL pointer, bad option or name      */
    RUNLOG_E_INVALID_JSON = -2,     /* text is not valid JSON                */
    RUNLOG_E_NOT_OBJECT = -3,       /* JSON is valid but not an object       */
    RUNLOG_E_INVALID_UTF8 = -4,     /* text is not valid UTF-8               */
    RUNLOG_E_RESERVED_KEY = -5,     /* _step, _runtime or _wandb was given   */
    RUNLOG_E_TOO_LARGE = -6,        /* payload over max_payload_bytes        */
    RUNLOG_E_STEP_ORDER = -7,       /* step smaller than the current step    */
    RUNLOG_E_FINISHED = -8,         /* the run was finished already          */
    RUNLOG_E_IO = -9,               /* the store failed (disk, permissions…) */
    RUNLOG_E_NO_SPACE = -10,        /* the store is full                     */
    RUNLOG_E_PERMISSION = -11,      /* the directory is not writable         */
    RUNLOG_E_TIMEOUT = -12,         /* flush/finish did not complete in time */
    RUNLOG_E_QUEUE_FULL = -13,      /* RUNLOG_QUEUE_FULL_DROP refused a row  */
    RUNLOG_E_NOT_FOUND = -14,       /* no such key / run to resume           */
    RUNLOG_E_EXISTS = -15,          /* resume "never" but the run exists     */
    RUNLOG_E_NOMEM = -16,           /* out of memory                         */
    RUNLOG_E_CALLBACK = -17,        /* a plug-in callback reported failure   */
    RUNLOG_E_INTERNAL = -18,        /* a bug in runlog: please report it     */
    RUNLOG_E_NETWORK = -19,         /* the server could not be reached (retries spent) */
    RUNLOG_E_REFUSED = -20          /* the server refused: API key, permission, bad request */
};

/* Constant name and one-line description of a status, e.g.
 * "RUNLOG_E_INVALID_JSON: the text is not valid JSON". Never NULL. */
RUNLOG_API const char *runlog_status_string(int status);

#define RUNLOG_ERROR_VERSION 1
#define RUNLOG_ERROR_MESSAGE_SIZE 512
/* Caller-owned error report. Pass &err to any call; read it after a
 * non-zero return. message is always NUL-terminated (truncated to fit). */
typedef struct runlog_error {
    uint32_t version; /* RUNLOG_ERROR_VERSION */
    int status;       /* same value the call returned */
    char message[RUNLOG_ERROR_MESSAGE_SIZE];
} runlog_error;
#define RUNLOG_ERROR_INIT { RUNLOG_ERROR_VERSION, 0, { 0 } }

/* (A zeroed runlog_error, version 0, is treated as version 1.) */

/* Message of the last failed call made on this thread ("" if none). Valid
 * until the next runlog call on this thread. Prefer runlog_error. */
RUNLOG_API const char *runlog_last_error_message(void);

/* ---- Library-owned byte buffers ---------------------------------------- */

/* Always NUL-terminated; size excludes the NUL. */
typedef struct runlog_buf {
    char *data;
    size_t size;
} runlog_buf;
#define RUNLOG_BUF_INIT { NULL, 0 }
/* Frees data and resets the struct; accepts NULL and empty buffers. */
RUNLOG_API void runlog_buf_free(runlog_buf *buf);

/* ---- Diagnostics hook ---------------------------------------------------- */

enum runlog_level {
    RUNLOG_LEVEL_DEBUG = 0,
    RUNLOG_LEVEL_INFO = 1, /* the banner: run name, id, where it is stored */
    RUNLOG_LEVEL_WARN = 2,
    RUNLOG_LEVEL_ERROR = 3
};
/* Receives runlog's human-readable messages (one line, no newline). May be
 * called from the writer thread and from logging threads at once. Must not
 * call back into the same run. Never called for a run after runlog_finish()
 * (or a failed runlog_init()) has returned. */
typedef void (*runlog_log_fn)(void *user_data, int level, const char *message);

/* Process-wide default hook for messages not routed by a run's own
 * options.log_fn (NULL restores the default: stderr, silenced by
 * WANDB_SILENT). Runs read it when they start. */
RUNLOG_API void runlog_set_log_hook(runlog_log_fn fn, void *user_data);

/* ---- Plug-ins -----------------------------------------------------------
 * Shaped like SQLite's VFS / libgit2's backends: version first, functions
 * taking the plug-in's own user_data, a destroy. One run's store and sink
 * calls never overlap; its clock may be called from several threads at once.
 * Plug-in functions return RUNLOG_OK or a negative RUNLOG_E_* code; any other
 * value is reported to the caller as RUNLOG_E_CALLBACK. A struct version
 * newer than this library knows is refused at init (RUNLOG_E_INVALID_ARGUMENT).
 */

/* Clock: wall time for _timestamp, monotonic time for _runtime and timers. */
#define RUNLOG_CLOCK_VERSION 1
typedef struct runlog_clock {
    uint32_t version; /* RUNLOG_CLOCK_VERSION */
    void *user_data;
    double (*unix_seconds)(void *user_data);      /* seconds since 1970 */
    double (*monotonic_seconds)(void *user_data); /* never goes back    */
    void (*destroy)(void *user_data);             /* may be NULL        */
} runlog_clock;

/* Store: where a run's journal and files live. One store per run.
 * Every function returns RUNLOG_OK or a RUNLOG_E_* code and may fill err.
 * Paths are relative names chosen by runlog ("files/wandb-summary.json"). */
#define RUNLOG_STORE_VERSION 2
enum runlog_store_open_mode {
    RUNLOG_STORE_CREATE = 0,        /* new run: fail with EXISTS if present  */
    RUNLOG_STORE_RESUME = 1,        /* existing run: fail with NOT_FOUND     */
    RUNLOG_STORE_RESUME_OR_CREATE = 2
};
typedef struct runlog_store {
    uint32_t version; /* RUNLOG_STORE_VERSION */
    void *user_data;
    /* Opens the run's storage. run_id identifies the run; dir_name is the
     * directory name runlog proposes for a new run. On success writes the
     * journal's current size to *journal_size (0 for a new run), the run's
     * location (a path or any label, NUL-terminated) into location[0..cap),
     * and *created = 1 if it was created, 0 if it existed. */
    int (*open)(void *user_data, const char *run_id, const char *dir_name, int mode,
                uint64_t *journal_size, int *created, char *location, size_t location_cap,
                runlog_error *err);
    /* Appends all len bytes to the journal, or nothing: on failure the
     * journal must be left at its previous size. */
    int (*append)(void *user_data, const uint8_t *data, size_t len, runlog_error *err);
    /* Makes everything appended so far durable (fsync). */
    int (*sync)(void *user_data, runlog_error *err);
    /* Reads up to cap journal bytes at offset; *n = 0 means end. */
    int (*read)(void *user_data, uint64_t offset, uint8_t *buf, size_t cap, size_t *n,
                runlog_error *err);
    /* Cuts the journal to size (drops a torn tail before resuming). */
    int (*truncate)(void *user_data, uint64_t size, runlog_error *err);
    /* Atomically replaces the run file `name` (write temp + rename). */
    int (*write_file)(void *user_data, const char *name, const uint8_t *data, size_t len,
                      runlog_error *err);
    /* Releases everything; called exactly once. */
    void (*destroy)(void *user_data);
    /* ---- version 2 ---- */
    /* Reads the run file `name` written by write_file into *out (allocate
     * out->data with malloc, NUL-terminate it, set out->size; runlog frees it
     * with free()). RUNLOG_E_NOT_FOUND when there is no such file. May be
     * NULL: upload progress (sync-progress.json) then lives only in memory,
     * and a later sync resends everything (the server overwrites, nothing
     * is duplicated). */
    int (*read_file)(void *user_data, const char *name, runlog_buf *out, runlog_error *err);
} runlog_store;

/* Record sink: receives every record as it is framed into the journal (so
 * before the store has written it), as the kind name ("run", "history",
 * "summary", "config", "metric", "exit", "resume"; more may be added) and its
 * JSON text. For hosts that ship data their own way. Return non-zero to report
 * a failure (counted and logged; the run goes on). */
#define RUNLOG_SINK_VERSION 1
typedef struct runlog_sink {
    uint32_t version; /* RUNLOG_SINK_VERSION */
    void *user_data;
    int (*record)(void *user_data, const char *kind, const char *json, size_t len);
    void (*destroy)(void *user_data); /* may be NULL */
} runlog_sink;

/* HTTP executor: carries runlog's requests to the W&B server in online mode.
 * runlog builds every request (the W&B protocol lives in the core); the
 * executor only moves bytes, which lets a host use its own HTTP stack
 * (browser fetch, Go net/http, a relay that holds the API key). NULL in the
 * options means the built-in client (native builds: HTTP/1.1 + mbedTLS).
 *
 * start() begins one request. Everything in *req is borrowed for the call
 * only: copy what you keep. The executor then reports the answer exactly
 * once with runlog_http_complete(call, ...) — from any thread, at any time,
 * even before start() returns. If start() returns an error it must not
 * complete the call; runlog treats that as a connection error and retries
 * later. One run has at most one request in flight. A run may end (finish
 * timed out) while a request is in flight: completing it later is still
 * valid and only frees the call. destroy() may be called with requests in
 * flight; they must still be completed (or never, which leaks the call). */
#define RUNLOG_HTTP_VERSION 1
typedef struct runlog_http_call runlog_http_call; /* one request in flight */
#define RUNLOG_HTTP_REQUEST_VERSION 1
typedef struct runlog_http_request {
    uint32_t version;    /* RUNLOG_HTTP_REQUEST_VERSION (set by runlog)       */
    const char *method;  /* "POST"                                            */
    const char *url;     /* absolute http:// or https:// URL                  */
    const char *headers; /* "Name: value\r\n" lines (Authorization included) */
    const uint8_t *body;
    size_t body_len;
    uint32_t timeout_ms; /* budget for the whole attempt                     */
} runlog_http_request;
typedef struct runlog_http {
    uint32_t version; /* RUNLOG_HTTP_VERSION */
    void *user_data;
    int (*start)(void *user_data, const runlog_http_request *req, runlog_http_call *call,
                 runlog_error *err);
    void (*destroy)(void *user_data); /* may be NULL */
    /* May be NULL. Called (from any thread) when runlog stops waiting: the
     * run's finish() timed out. Abort what is in flight and refuse new
     * requests; a started call must still be completed (status 0 is fine). */
    void (*cancel)(void *user_data);
} runlog_http;

/* Reports the answer to a request started through runlog_http.start().
 * status: the HTTP status code; 0 when no answer arrived and trying again
 * may help (connection refused or reset, DNS failure, timeout); -1 when no
 * answer arrived and retrying cannot help (certificate not trusted, bad URL,
 * unreadable CA bundle). With 0 or -1, error_message says what happened (it
 * is shown to the user; never put the API key in it).
 * headers: the answer's "Name: value\r\n" lines (NULL = none); runlog reads
 * Retry-After. body may be NULL when body_len is 0. Frees the call: using
 * it again is undefined. Returns RUNLOG_OK, or RUNLOG_E_INVALID_ARGUMENT for
 * a NULL call. */
RUNLOG_API int runlog_http_complete(runlog_http_call *call, int status, const char *headers,
                                    const uint8_t *body, size_t body_len,
                                    const char *error_message);

/* ---- Init ---------------------------------------------------------------- */

typedef struct runlog_run runlog_run;

enum runlog_threading {
    RUNLOG_THREADING_DEFAULT = 0,    /* background when available, else manual */
    RUNLOG_THREADING_BACKGROUND = 1, /* a writer thread per run                 */
    RUNLOG_THREADING_MANUAL = 2      /* no thread: the host calls runlog_pump() */
};
enum runlog_queue_full {
    /* Default: log() waits for the writer to make room. Nothing is lost; the
     * wait only happens when the store falls behind by queue_capacity_bytes.
     * If the store is failing, log() returns its error instead of waiting. */
    RUNLOG_QUEUE_FULL_BLOCK = 0,
    /* log() refuses the row with RUNLOG_E_QUEUE_FULL and counts it
     * (runlog_stats.rows_refused_queue_full); the caller never waits. */
    RUNLOG_QUEUE_FULL_DROP = 1
};
enum runlog_durability {
    /* Default: fsync on flush and finish, and every fsync_interval_ms. */
    RUNLOG_DURABILITY_INTERVAL = 0,
    RUNLOG_DURABILITY_FLUSH_ONLY = 1, /* fsync on flush and finish only     */
    RUNLOG_DURABILITY_NONE = 2,       /* never fsync (data survives a crash
                                         of the process, not of the OS)   */
    RUNLOG_DURABILITY_EVERY_RECORD = 3 /* fsync after each written batch    */
};
enum runlog_tristate { RUNLOG_DEFAULT = 0, RUNLOG_YES = 1, RUNLOG_NO = 2 };

#define RUNLOG_OPTIONS_VERSION 2
/* Zero/NULL fields mean "default": the matching WANDB_* environment
 * variable if set, else runlog's default. Explicit fields win over the
 * environment. */
typedef struct runlog_options {
    uint32_t version;        /* RUNLOG_OPTIONS_VERSION */
    const char *project;     /* WANDB_PROJECT; default "uncategorized"     */
    const char *entity;      /* WANDB_ENTITY                                */
    const char *name;        /* WANDB_NAME; default: a readable random name */
    const char *notes;       /* WANDB_NOTES                                 */
    const char *group;       /* WANDB_RUN_GROUP                             */
    const char *job_type;    /* WANDB_JOB_TYPE                              */
    const char *tags;        /* WANDB_TAGS; comma-separated                 */
    const char *run_id;      /* WANDB_RUN_ID; default: 8 chars [a-z0-9]     */
    const char *mode;        /* WANDB_MODE: online|offline|disabled|dryrun  */
    const char *resume;      /* WANDB_RESUME: allow|must|never|auto         */
    const char *dir;         /* WANDB_DIR; runs go to <dir>/runlog/         */
    const char *config_json; /* initial config, a JSON object               */
    int silent;              /* runlog_tristate; WANDB_SILENT              */
    runlog_log_fn log_fn;    /* this run's messages; NULL = global hook     */
    void *log_user_data;
    int threading;           /* runlog_threading                            */
    int queue_full;          /* runlog_queue_full                           */
    uint64_t queue_capacity_bytes; /* 0 = 16 MiB                            */
    uint64_t max_payload_bytes;    /* 0 = 10 MiB (W&B's line limit)        */
    int durability;                /* runlog_durability                     */
    uint32_t fsync_interval_ms;    /* 0 = 1000                              */
    uint32_t finish_timeout_ms;    /* 0 = 60000; UINT32_MAX = no limit      */
    const runlog_store *store;     /* NULL = the disk store                 */
    const runlog_clock *clock;     /* NULL = the system clock               */
    const runlog_sink *sink;       /* NULL = none                           */
    /* ---- version 2: online mode (see "Online mode" below) ---- */
    const char *base_url;          /* WANDB_BASE_URL; default https://api.wandb.ai */
    const char *api_key;           /* WANDB_API_KEY, else the ~/.netrc (NETRC)
                                      entry for base_url's host            */
    const runlog_http *http;       /* NULL = the built-in HTTP client       */
    const char *ca_bundle;         /* REQUESTS_CA_BUNDLE, SSL_CERT_FILE;
                                      default: the system's CA bundle       */
    uint32_t transmit_interval_ms; /* between history posts; 0 = 15000
                                      (WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL, s) */
    uint32_t http_timeout_ms;      /* one request attempt; 0 = 60000        */
    uint32_t retry_max;            /* retries of one upload request; 0 = W&B's
                                      default (~a week of backoff);
                                      WANDB_X_FILE_STREAM_RETRY_MAX         */
    uint32_t retry_wait_min_ms;    /* first backoff; 0 = 2000               */
    uint32_t retry_wait_max_ms;    /* backoff cap; 0 = 60000                */
    uint32_t upload_timeout_ms;    /* how long finish() waits for the upload
                                      after the journal is written; 0 = 120000;
                                      UINT32_MAX = no limit. What is left is
                                      uploaded by `runlog sync`.            */
} runlog_options;
#define RUNLOG_OPTIONS_INIT { RUNLOG_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
    NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, \
    NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 }
/* Same as RUNLOG_OPTIONS_INIT, for languages without C macros: zeroes the
 * fields that `version` (1 .. RUNLOG_OPTIONS_VERSION) has and sets version. */
RUNLOG_API int runlog_options_init(runlog_options *opts, uint32_t version);

/* Starts a run. opts may be NULL (environment and defaults only). On
 * success *run_out holds the new run; on failure it is set to NULL and the
 * plug-ins in opts have been destroyed. Prints a short banner (run name, id,
 * where it is stored, how to sync it) through the log hook unless silent.
 * Mode "disabled" returns a run that accepts every call and writes nothing. */
RUNLOG_API int runlog_init(runlog_run **run_out, const runlog_options *opts, runlog_error *err);

/* ---- Logging ----------------------------------------------------------- */

/* Pass as len to mean "json is NUL-terminated". */
#define RUNLOG_NUL_TERMINATED ((size_t)-1)
/* Pass as step to let runlog use its current step. Any other negative step
 * is refused with RUNLOG_E_INVALID_ARGUMENT. */
#define RUNLOG_STEP_AUTO ((int64_t)-1)
/* commit argument of the log calls. */
enum runlog_commit {
    RUNLOG_COMMIT_DEFAULT = 0, /* W&B: commit when no step is given       */
    RUNLOG_COMMIT_YES = 1,     /* record the row now                      */
    RUNLOG_COMMIT_NO = 2       /* only merge into the pending row         */
};

/* W&B's run.log(data, step=, commit=). json is a JSON object; nested
 * objects stay nested; bare NaN, Infinity and -Infinity are accepted and
 * kept. Every recorded row gets _step, _runtime and _timestamp (a given
 * _timestamp, a finite number of seconds since 1970, is kept, as W&B does;
 * _step, _runtime and _wandb are refused with RUNLOG_E_RESERVED_KEY). Keys
 * are journaled as given: a duplicate key in one object keeps both, and
 * readers take the last. Semantics:
 *   - no step: merge into the pending row, record it at the current step
 *     and advance the step (unless commit is RUNLOG_COMMIT_NO);
 *   - step > current: the pending row is recorded at the old step first,
 *     then data is merged at the new step (recorded later, or now with
 *     RUNLOG_COMMIT_YES);
 *   - step == current: merged;
 *   - step < current: refused with RUNLOG_E_STEP_ORDER and counted in
 *     runlog_stats.steps_refused (W&B drops these with a warning).
 * Returns once the row is queued; it never waits for the disk unless the
 * queue is full under RUNLOG_QUEUE_FULL_BLOCK. */
RUNLOG_API int runlog_log_json(runlog_run *run, const char *json, size_t len, int64_t step,
                               int commit, runlog_error *err);

/* Typed fast path, no JSON: stage scalar values into the run's staging
 * row, then commit them as one log() call with runlog_commit_row(). Staging
 * the same key twice keeps the last value. Non-finite doubles are kept.
 * _timestamp cannot be staged (RUNLOG_E_RESERVED_KEY): log it as JSON. A
 * refused stage leaves the values staged before it in place; values staged
 * and never committed are recorded with the last row at finish. */
RUNLOG_API int runlog_stage_double(runlog_run *run, const char *key, double value,
                                   runlog_error *err);
RUNLOG_API int runlog_stage_int(runlog_run *run, const char *key, int64_t value,
                                runlog_error *err);
/* Same as runlog_log_json(run, <staged values>, step, commit); clears the
 * staging row, also when the row is refused (queue full, failing store). Committing an empty staging row is allowed (W&B's
 * log({}, ...)): it may record the pending row and advance the step. */
RUNLOG_API int runlog_commit_row(runlog_run *run, int64_t step, int commit, runlog_error *err);

/* ---- Config and summary ------------------------------------------------ */

/* W&B's run.config.update(obj): merges the object's top-level keys. */
RUNLOG_API int runlog_config_update_json(runlog_run *run, const char *json, size_t len,
                                         runlog_error *err);
/* Current config as a JSON object (caller frees with runlog_buf_free). */
RUNLOG_API int runlog_config_get_json(runlog_run *run, runlog_buf *out, runlog_error *err);

/* W&B's run.summary.update(obj): sets each top-level key; an explicit value
 * replaces the last-value/statistics summary of that key until the key is
 * logged again. A JSON null removes the key. */
RUNLOG_API int runlog_summary_update_json(runlog_run *run, const char *json, size_t len,
                                          runlog_error *err);
/* Summary of key (a top-level key), or the whole summary when key is NULL,
 * as JSON. RUNLOG_E_NOT_FOUND if the key has no summary. */
RUNLOG_API int runlog_summary_get_json(runlog_run *run, const char *key, runlog_buf *out,
                                       runlog_error *err);

/* ---- define_metric ------------------------------------------------------ */

enum runlog_summary_op {
    RUNLOG_SUMMARY_DEFAULT = 0, /* last value (W&B's default)      */
    RUNLOG_SUMMARY_MIN = 1 << 0,
    RUNLOG_SUMMARY_MAX = 1 << 1,
    RUNLOG_SUMMARY_MEAN = 1 << 2,
    RUNLOG_SUMMARY_FIRST = 1 << 3,
    RUNLOG_SUMMARY_LAST = 1 << 4,
    RUNLOG_SUMMARY_NONE = 1 << 5 /* no summary for this metric     */
};
#define RUNLOG_METRIC_OPTIONS_VERSION 1
typedef struct runlog_metric_options {
    uint32_t version;        /* RUNLOG_METRIC_OPTIONS_VERSION                 */
    const char *step_metric; /* x-axis metric name, or NULL                  */
    uint32_t summary;        /* OR of runlog_summary_op; 0 = last value       */
    int hidden;              /* 1 = hide from the default charts              */
    int step_sync;           /* runlog_tristate; default YES with step_metric */
} runlog_metric_options;
#define RUNLOG_METRIC_OPTIONS_INIT { RUNLOG_METRIC_OPTIONS_VERSION, NULL, 0, 0, 0 }

/* W&B's run.define_metric(name, step_metric=, summary=, hidden=). name may
 * end with "*" (a glob over keys with that prefix). opts may be NULL. With
 * step_sync, a row holding name but not step_metric gets step_metric's
 * last value. The summary of a metric with statistics is an object such as
 * {"min": 0.1, "max": 0.9}. */
RUNLOG_API int runlog_define_metric(runlog_run *run, const char *name,
                                    const runlog_metric_options *opts, runlog_error *err);

/* ---- Flush, pump, finish ----------------------------------------------- */

/* Waits until everything accepted so far is written and made durable, at
 * most timeout_ms (negative: no limit). RUNLOG_E_TIMEOUT if time ran out
 * (nothing is lost: writing goes on). Returns the store's error if it is
 * failing (disk full…), with the number of records held in memory. */
RUNLOG_API int runlog_flush(runlog_run *run, int32_t timeout_ms, runlog_error *err);

/* Manual threading: writes up to max_records queued records (0 = all) to
 * the store on the calling thread and applies the durability policy. In
 * background mode it does nothing and returns RUNLOG_OK. */
RUNLOG_API int runlog_pump(runlog_run *run, uint32_t max_records, runlog_error *err);

/* W&B's run.finish(exit_code): records the pending row, the exit record,
 * files/wandb-summary.json, files/config.yaml; waits up to
 * options.finish_timeout_ms for the writer; releases the run. The handle
 * becomes a tombstone even when an error is returned. */
RUNLOG_API int runlog_finish(runlog_run *run, int exit_code, runlog_error *err);

/* ---- Accessors ------------------------------------------------------------
 * Owned by the run, valid until runlog_finish(); NULL for a NULL or finished
 * run. */
RUNLOG_API const char *runlog_run_id(runlog_run *run);
RUNLOG_API const char *runlog_run_name(runlog_run *run);
RUNLOG_API const char *runlog_run_project(runlog_run *run);
RUNLOG_API const char *runlog_run_entity(runlog_run *run); /* "" when unset */
/* "online", "offline" or "disabled" ("dryrun" reads as "offline"). */
RUNLOG_API const char *runlog_run_mode(runlog_run *run);
/* Where the run is stored: its directory for the disk store, "" when
 * disabled. */
RUNLOG_API const char *runlog_run_dir(runlog_run *run);

enum runlog_upload_state {
    RUNLOG_UPLOAD_NONE = 0,      /* offline or disabled: nothing to upload      */
    RUNLOG_UPLOAD_CONNECTING = 1,/* checking the key, creating the run          */
    RUNLOG_UPLOAD_STREAMING = 2, /* sending history, summary, config            */
    RUNLOG_UPLOAD_DONE = 3,      /* everything, including the exit, is uploaded */
    RUNLOG_UPLOAD_GAVE_UP = 4,   /* retries spent: the rest waits for runlog sync */
    RUNLOG_UPLOAD_FAILED = 5     /* refused (bad key, no permission): see the log */
};
#define RUNLOG_STATS_VERSION 2
typedef struct runlog_stats {
    uint32_t version;              /* caller sets RUNLOG_STATS_VERSION */
    int64_t step;                  /* current step                     */
    uint64_t rows_logged;          /* history rows recorded            */
    uint64_t steps_refused;        /* log() calls refused: step < current */
    uint64_t rows_refused_queue_full; /* refused under QUEUE_FULL_DROP */
    uint64_t records_queued;       /* accepted, not yet written        */
    uint64_t bytes_queued;
    uint64_t records_written;      /* written to the store             */
    uint64_t journal_bytes;        /* journal size                     */
    uint64_t store_errors;         /* failed store calls (retried)     */
    /* ---- version 2: upload (online mode; zero otherwise) ---- */
    int32_t upload_state;          /* runlog_upload_state              */
    uint64_t rows_uploaded;        /* history rows the server acknowledged */
    uint64_t upload_requests;      /* HTTP requests answered            */
    uint64_t upload_retries;       /* of which retried (5xx, 429, resets…) */
    uint64_t upload_bytes_pending; /* history bytes read, not yet acknowledged */
} runlog_stats;
#define RUNLOG_STATS_INIT { RUNLOG_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
RUNLOG_API int runlog_get_stats(runlog_run *run, runlog_stats *out, runlog_error *err);

/* ---- Online mode -----------------------------------------------------------
 * mode "online" (the default when an API key is found: options.api_key,
 * WANDB_API_KEY, or ~/.netrc for the base URL's host) uploads the run to a
 * W&B server while it is recorded. The journal always comes first: rows are
 * written locally, then read back and sent, so log() never waits for the
 * network and a failing or absent server loses nothing. Retries follow
 * W&B (408, 429, 5xx and connection errors back off exponentially with
 * jitter and honour Retry-After; 400/401/403/404/410/413/422/501 stop the
 * upload with a message saying what to fix). When retries are spent or
 * finish() stops waiting (upload_timeout_ms), the run stays complete on disk
 * and `runlog sync` (or runlog_sync_*) uploads the rest; nothing is sent twice.
 * The API key is never written to the journal, the run files or messages.
 * Background threading uploads from a second thread per run; manual
 * threading uploads from runlog_pump() (with the built-in client a pump may
 * then block for one request, at most http_timeout_ms). In manual threading
 * finish() waits for the upload on the calling thread: an executor whose
 * answers arrive on that same thread's event loop (JavaScript) can never
 * answer then — pass upload_timeout_ms = 1 and upload the rest with
 * runlog_sync_run(…, 0, …) from the event loop, as the wasm package does.
 */

/* ---- Sync: upload a stored run later (W&B's `wandb sync`) ----------------
 * Uploads what the server has not acknowledged yet of a run recorded offline,
 * or of an online run whose upload did not finish. Progress is kept beside
 * the journal (sync-progress.json through the store's write_file), so a
 * second sync sends nothing and an interrupted one continues. A run that
 * never reached finish() (crashed, killed) is closed with exit code 1, as W&B
 * does, unless it is still being written. */
#define RUNLOG_SYNC_OPTIONS_VERSION 1
typedef struct runlog_sync_options {
    uint32_t version;          /* RUNLOG_SYNC_OPTIONS_VERSION                  */
    const char *path;          /* run directory or journal file (disk store)   */
    const runlog_store *store; /* instead of path: a store holding the run,
                                  opened with run_id and RUNLOG_STORE_RESUME  */
    const char *run_id;        /* with store: which run                        */
    const char *entity;        /* override the run's entity  (--entity)        */
    const char *project;       /* override the run's project (--project)       */
    const char *new_run_id;    /* upload under another run id (--id)           */
    const char *base_url;      /* as runlog_options: WANDB_BASE_URL …          */
    const char *api_key;       /* WANDB_API_KEY, ~/.netrc                      */
    const runlog_http *http;   /* NULL = the built-in client                   */
    const char *ca_bundle;
    uint32_t http_timeout_ms;
    uint32_t retry_max;
    uint32_t retry_wait_min_ms;
    uint32_t retry_wait_max_ms;
    int close_unfinished;      /* runlog_tristate; default YES: a run without an
                                  exit record gets exit code 1 (NO: leave it
                                  running, to sync more of it later)          */
    runlog_log_fn log_fn;      /* messages; NULL = the global hook            */
    void *log_user_data;
    int silent;                /* runlog_tristate; WANDB_SILENT               */
} runlog_sync_options;
#define RUNLOG_SYNC_OPTIONS_INIT { RUNLOG_SYNC_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, \
    NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, 0 }

#define RUNLOG_SYNC_STATUS_VERSION 1
typedef struct runlog_sync_status {
    uint32_t version;          /* caller sets RUNLOG_SYNC_STATUS_VERSION */
    int32_t state;             /* runlog_upload_state                    */
    int finished;              /* 1: done, gave up or failed             */
    uint64_t rows_total;       /* history rows read from the journal so far */
    uint64_t rows_uploaded;    /* history rows the server has            */
    uint64_t rows_sent;        /* acknowledged by this sync (not before) */
    uint64_t requests;
    uint64_t retries;
} runlog_sync_status;
#define RUNLOG_SYNC_STATUS_INIT { RUNLOG_SYNC_STATUS_VERSION, 0, 0, 0, 0, 0, 0, 0 }

typedef struct runlog_sync runlog_sync;
/* Opens a stored run for upload. The store in opts is copied and owned from
 * then on (destroyed by runlog_sync_close, or here on failure). */
RUNLOG_API int runlog_sync_open(runlog_sync **out, const runlog_sync_options *opts,
                                runlog_error *err);
/* Works on the upload for up to timeout_ms (negative: until it is finished;
 * 0: only what is ready now, never waits — for event loops with an
 * asynchronous runlog_http). Fills *status (may be NULL). Returns RUNLOG_OK
 * while making progress or when done; the upload's final error (the server
 * refused, retries spent) once finished without success. */
RUNLOG_API int runlog_sync_run(runlog_sync *sync, int32_t timeout_ms, runlog_sync_status *status,
                               runlog_error *err);
/* Releases the sync (progress so far is kept). Accepts NULL. */
RUNLOG_API void runlog_sync_close(runlog_sync *sync);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RUNLOG_H */
