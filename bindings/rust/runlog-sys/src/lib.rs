//! Raw FFI declarations of runlog's C ABI, `capi/runlog.h` (ABI version 1).
//!
//! Hand-written and committed (no bindgen at build time, as rusqlite and
//! zxing-cpp ship their bindings). Every item mirrors the header one to one:
//! same names, same `#[repr(C)]` layouts (checked against the C compiler's
//! `sizeof`/`offsetof` in `tests/abi.rs`), same constants. Read the header for
//! the contract of each function; the safe API is the `runlog` crate.
//!
//! Regenerating with bindgen, for comparison only:
//! `bindgen capi/runlog.h --allowlist-item '(runlog|RUNLOG)_.*' --no-layout-tests`
//!
//! Linking: see `build.rs` (`RUNLOG_LIB_DIR` [+ `RUNLOG_STATIC=1`], else
//! pkg-config `runlog`).
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_void};

// ---- Versions ---------------------------------------------------------------

pub const RUNLOG_VERSION_MAJOR: u32 = 0;
pub const RUNLOG_VERSION_MINOR: u32 = 1;
pub const RUNLOG_VERSION_PATCH: u32 = 0;
pub const RUNLOG_VERSION_STRING: &str = "0.1.0";
/// MAJOR*10000 + MINOR*100 + PATCH of the header these declarations mirror.
pub const RUNLOG_VERSION_NUMBER: u32 = 100;
/// Compare with `runlog_abi_version()` to detect a mismatched library.
pub const RUNLOG_ABI_VERSION: u32 = 1;

// ---- Status codes (enum runlog_status) ------------------------------------------

pub const RUNLOG_OK: c_int = 0;
pub const RUNLOG_E_INVALID_ARGUMENT: c_int = -1;
pub const RUNLOG_E_INVALID_JSON: c_int = -2;
pub const RUNLOG_E_NOT_OBJECT: c_int = -3;
pub const RUNLOG_E_INVALID_UTF8: c_int = -4;
pub const RUNLOG_E_RESERVED_KEY: c_int = -5;
pub const RUNLOG_E_TOO_LARGE: c_int = -6;
pub const RUNLOG_E_STEP_ORDER: c_int = -7;
pub const RUNLOG_E_FINISHED: c_int = -8;
pub const RUNLOG_E_IO: c_int = -9;
pub const RUNLOG_E_NO_SPACE: c_int = -10;
pub const RUNLOG_E_PERMISSION: c_int = -11;
pub const RUNLOG_E_TIMEOUT: c_int = -12;
pub const RUNLOG_E_QUEUE_FULL: c_int = -13;
pub const RUNLOG_E_NOT_FOUND: c_int = -14;
pub const RUNLOG_E_EXISTS: c_int = -15;
pub const RUNLOG_E_NOMEM: c_int = -16;
pub const RUNLOG_E_CALLBACK: c_int = -17;
pub const RUNLOG_E_INTERNAL: c_int = -18;
pub const RUNLOG_E_NETWORK: c_int = -19;
pub const RUNLOG_E_REFUSED: c_int = -20;

// ---- Caller-owned error report --------------------------------------------------

pub const RUNLOG_ERROR_VERSION: u32 = 1;
pub const RUNLOG_ERROR_MESSAGE_SIZE: usize = 512;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_error {
    pub version: u32,
    pub status: c_int,
    pub message: [c_char; RUNLOG_ERROR_MESSAGE_SIZE],
}

impl runlog_error {
    /// `RUNLOG_ERROR_INIT`.
    pub const INIT: runlog_error = runlog_error {
        version: RUNLOG_ERROR_VERSION,
        status: 0,
        message: [0; RUNLOG_ERROR_MESSAGE_SIZE],
    };
}

// ---- Library-owned buffers -------------------------------------------------------

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct runlog_buf {
    pub data: *mut c_char,
    pub size: usize,
}

impl runlog_buf {
    /// `RUNLOG_BUF_INIT`.
    pub const INIT: runlog_buf = runlog_buf {
        data: core::ptr::null_mut(),
        size: 0,
    };
}

// ---- Diagnostics hook ------------------------------------------------------------

pub const RUNLOG_LEVEL_DEBUG: c_int = 0;
pub const RUNLOG_LEVEL_INFO: c_int = 1;
pub const RUNLOG_LEVEL_WARN: c_int = 2;
pub const RUNLOG_LEVEL_ERROR: c_int = 3;

/// `runlog_log_fn`. May be called from the run's writer thread; must not
/// unwind (wrap Rust code in `catch_unwind`).
pub type runlog_log_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, level: c_int, message: *const c_char)>;

// ---- Plug-ins --------------------------------------------------------------------

pub const RUNLOG_CLOCK_VERSION: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_clock {
    pub version: u32,
    pub user_data: *mut c_void,
    pub unix_seconds: Option<unsafe extern "C" fn(user_data: *mut c_void) -> f64>,
    pub monotonic_seconds: Option<unsafe extern "C" fn(user_data: *mut c_void) -> f64>,
    pub destroy: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

pub const RUNLOG_STORE_VERSION: u32 = 2;
pub const RUNLOG_STORE_CREATE: c_int = 0;
pub const RUNLOG_STORE_RESUME: c_int = 1;
pub const RUNLOG_STORE_RESUME_OR_CREATE: c_int = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_store {
    pub version: u32,
    pub user_data: *mut c_void,
    pub open: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            run_id: *const c_char,
            dir_name: *const c_char,
            mode: c_int,
            journal_size: *mut u64,
            created: *mut c_int,
            location: *mut c_char,
            location_cap: usize,
            err: *mut runlog_error,
        ) -> c_int,
    >,
    pub append: Option<
        unsafe extern "C" fn(user_data: *mut c_void, data: *const u8, len: usize, err: *mut runlog_error) -> c_int,
    >,
    pub sync: Option<unsafe extern "C" fn(user_data: *mut c_void, err: *mut runlog_error) -> c_int>,
    pub read: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            offset: u64,
            buf: *mut u8,
            cap: usize,
            n: *mut usize,
            err: *mut runlog_error,
        ) -> c_int,
    >,
    pub truncate: Option<unsafe extern "C" fn(user_data: *mut c_void, size: u64, err: *mut runlog_error) -> c_int>,
    pub write_file: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            name: *const c_char,
            data: *const u8,
            len: usize,
            err: *mut runlog_error,
        ) -> c_int,
    >,
    pub destroy: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    // ---- version 2 ----
    /// Reads the run file `name` into `*out` (malloc'ed, NUL-terminated;
    /// runlog frees it); `RUNLOG_E_NOT_FOUND` if absent. May be `None`.
    pub read_file: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            name: *const c_char,
            out: *mut runlog_buf,
            err: *mut runlog_error,
        ) -> c_int,
    >,
}

pub const RUNLOG_SINK_VERSION: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_sink {
    pub version: u32,
    pub user_data: *mut c_void,
    pub record: Option<
        unsafe extern "C" fn(user_data: *mut c_void, kind: *const c_char, json: *const c_char, len: usize) -> c_int,
    >,
    pub destroy: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

// ---- HTTP executor (online mode) ------------------------------------------------------

pub const RUNLOG_HTTP_VERSION: u32 = 1;
pub const RUNLOG_HTTP_REQUEST_VERSION: u32 = 1;

/// Opaque handle of one request in flight (`runlog_http_call`), completed
/// exactly once with [`runlog_http_complete`].
#[repr(C)]
pub struct runlog_http_call {
    _private: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// One request (`runlog_http_request`); everything is borrowed for the
/// `start` call only.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_http_request {
    pub version: u32,
    pub method: *const c_char,
    pub url: *const c_char,
    /// `"Name: value\r\n"` lines (Authorization included).
    pub headers: *const c_char,
    pub body: *const u8,
    pub body_len: usize,
    /// Budget for the whole attempt.
    pub timeout_ms: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_http {
    pub version: u32,
    pub user_data: *mut c_void,
    pub start: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            req: *const runlog_http_request,
            call: *mut runlog_http_call,
            err: *mut runlog_error,
        ) -> c_int,
    >,
    pub destroy: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

// ---- Init ---------------------------------------------------------------------------

/// Opaque run handle (`runlog_run`).
#[repr(C)]
pub struct runlog_run {
    _private: [u8; 0],
    // Not Send/Sync/Unpin by itself: the safe crate decides.
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

pub const RUNLOG_THREADING_DEFAULT: c_int = 0;
pub const RUNLOG_THREADING_BACKGROUND: c_int = 1;
pub const RUNLOG_THREADING_MANUAL: c_int = 2;

pub const RUNLOG_QUEUE_FULL_BLOCK: c_int = 0;
pub const RUNLOG_QUEUE_FULL_DROP: c_int = 1;

pub const RUNLOG_DURABILITY_INTERVAL: c_int = 0;
pub const RUNLOG_DURABILITY_FLUSH_ONLY: c_int = 1;
pub const RUNLOG_DURABILITY_NONE: c_int = 2;
pub const RUNLOG_DURABILITY_EVERY_RECORD: c_int = 3;

pub const RUNLOG_DEFAULT: c_int = 0;
pub const RUNLOG_YES: c_int = 1;
pub const RUNLOG_NO: c_int = 2;

pub const RUNLOG_OPTIONS_VERSION: u32 = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_options {
    pub version: u32,
    pub project: *const c_char,
    pub entity: *const c_char,
    pub name: *const c_char,
    pub notes: *const c_char,
    pub group: *const c_char,
    pub job_type: *const c_char,
    pub tags: *const c_char,
    pub run_id: *const c_char,
    pub mode: *const c_char,
    pub resume: *const c_char,
    pub dir: *const c_char,
    pub config_json: *const c_char,
    pub silent: c_int,
    pub log_fn: runlog_log_fn,
    pub log_user_data: *mut c_void,
    pub threading: c_int,
    pub queue_full: c_int,
    pub queue_capacity_bytes: u64,
    pub max_payload_bytes: u64,
    pub durability: c_int,
    pub fsync_interval_ms: u32,
    pub finish_timeout_ms: u32,
    pub store: *const runlog_store,
    pub clock: *const runlog_clock,
    pub sink: *const runlog_sink,
    // ---- version 2: online mode ----
    /// `WANDB_BASE_URL`; default https://api.wandb.ai.
    pub base_url: *const c_char,
    /// `WANDB_API_KEY`, else the ~/.netrc entry of base_url's host.
    pub api_key: *const c_char,
    /// NULL = the built-in HTTP client.
    pub http: *const runlog_http,
    /// `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`; default: the system's bundle.
    pub ca_bundle: *const c_char,
    /// Between history posts; 0 = 15000.
    pub transmit_interval_ms: u32,
    /// One request attempt; 0 = 60000.
    pub http_timeout_ms: u32,
    /// Retries of one upload request; 0 = W&B's default.
    pub retry_max: u32,
    /// First backoff; 0 = 2000.
    pub retry_wait_min_ms: u32,
    /// Backoff cap; 0 = 60000.
    pub retry_wait_max_ms: u32,
    /// How long finish() waits for the upload; 0 = 120000; u32::MAX = no limit.
    pub upload_timeout_ms: u32,
}

impl runlog_options {
    /// `RUNLOG_OPTIONS_INIT`: version set, everything else zero/NULL.
    pub const INIT: runlog_options = runlog_options {
        version: RUNLOG_OPTIONS_VERSION,
        project: core::ptr::null(),
        entity: core::ptr::null(),
        name: core::ptr::null(),
        notes: core::ptr::null(),
        group: core::ptr::null(),
        job_type: core::ptr::null(),
        tags: core::ptr::null(),
        run_id: core::ptr::null(),
        mode: core::ptr::null(),
        resume: core::ptr::null(),
        dir: core::ptr::null(),
        config_json: core::ptr::null(),
        silent: 0,
        log_fn: None,
        log_user_data: core::ptr::null_mut(),
        threading: 0,
        queue_full: 0,
        queue_capacity_bytes: 0,
        max_payload_bytes: 0,
        durability: 0,
        fsync_interval_ms: 0,
        finish_timeout_ms: 0,
        store: core::ptr::null(),
        clock: core::ptr::null(),
        sink: core::ptr::null(),
        base_url: core::ptr::null(),
        api_key: core::ptr::null(),
        http: core::ptr::null(),
        ca_bundle: core::ptr::null(),
        transmit_interval_ms: 0,
        http_timeout_ms: 0,
        retry_max: 0,
        retry_wait_min_ms: 0,
        retry_wait_max_ms: 0,
        upload_timeout_ms: 0,
    };
}

// ---- Logging ------------------------------------------------------------------------

/// `RUNLOG_NUL_TERMINATED`: pass as `len` for NUL-terminated text.
pub const RUNLOG_NUL_TERMINATED: usize = usize::MAX;
/// `RUNLOG_STEP_AUTO`: pass as `step` to use the run's current step.
pub const RUNLOG_STEP_AUTO: i64 = -1;

pub const RUNLOG_COMMIT_DEFAULT: c_int = 0;
pub const RUNLOG_COMMIT_YES: c_int = 1;
pub const RUNLOG_COMMIT_NO: c_int = 2;

// ---- define_metric ------------------------------------------------------------------

pub const RUNLOG_SUMMARY_DEFAULT: u32 = 0;
pub const RUNLOG_SUMMARY_MIN: u32 = 1 << 0;
pub const RUNLOG_SUMMARY_MAX: u32 = 1 << 1;
pub const RUNLOG_SUMMARY_MEAN: u32 = 1 << 2;
pub const RUNLOG_SUMMARY_FIRST: u32 = 1 << 3;
pub const RUNLOG_SUMMARY_LAST: u32 = 1 << 4;
pub const RUNLOG_SUMMARY_NONE: u32 = 1 << 5;

pub const RUNLOG_METRIC_OPTIONS_VERSION: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_metric_options {
    pub version: u32,
    pub step_metric: *const c_char,
    pub summary: u32,
    pub hidden: c_int,
    pub step_sync: c_int,
}

impl runlog_metric_options {
    /// `RUNLOG_METRIC_OPTIONS_INIT`.
    pub const INIT: runlog_metric_options = runlog_metric_options {
        version: RUNLOG_METRIC_OPTIONS_VERSION,
        step_metric: core::ptr::null(),
        summary: 0,
        hidden: 0,
        step_sync: 0,
    };
}

// ---- Stats --------------------------------------------------------------------------

pub const RUNLOG_UPLOAD_NONE: i32 = 0;
pub const RUNLOG_UPLOAD_CONNECTING: i32 = 1;
pub const RUNLOG_UPLOAD_STREAMING: i32 = 2;
pub const RUNLOG_UPLOAD_DONE: i32 = 3;
pub const RUNLOG_UPLOAD_GAVE_UP: i32 = 4;
pub const RUNLOG_UPLOAD_FAILED: i32 = 5;

pub const RUNLOG_STATS_VERSION: u32 = 2;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct runlog_stats {
    pub version: u32,
    pub step: i64,
    pub rows_logged: u64,
    pub steps_refused: u64,
    pub rows_refused_queue_full: u64,
    pub records_queued: u64,
    pub bytes_queued: u64,
    pub records_written: u64,
    pub journal_bytes: u64,
    pub store_errors: u64,
    // ---- version 2: upload (online mode; zero otherwise) ----
    /// `RUNLOG_UPLOAD_*`.
    pub upload_state: i32,
    pub rows_uploaded: u64,
    pub upload_requests: u64,
    pub upload_retries: u64,
    pub upload_bytes_pending: u64,
}

impl runlog_stats {
    /// `RUNLOG_STATS_INIT`.
    pub const INIT: runlog_stats = runlog_stats {
        version: RUNLOG_STATS_VERSION,
        step: 0,
        rows_logged: 0,
        steps_refused: 0,
        rows_refused_queue_full: 0,
        records_queued: 0,
        bytes_queued: 0,
        records_written: 0,
        journal_bytes: 0,
        store_errors: 0,
        upload_state: 0,
        rows_uploaded: 0,
        upload_requests: 0,
        upload_retries: 0,
        upload_bytes_pending: 0,
    };
}

// ---- Sync ---------------------------------------------------------------------------

pub const RUNLOG_SYNC_OPTIONS_VERSION: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct runlog_sync_options {
    pub version: u32,
    /// Run directory or journal file (disk store).
    pub path: *const c_char,
    /// Instead of path: a store holding the run (copied and owned).
    pub store: *const runlog_store,
    pub run_id: *const c_char,
    pub entity: *const c_char,
    pub project: *const c_char,
    pub new_run_id: *const c_char,
    pub base_url: *const c_char,
    pub api_key: *const c_char,
    pub http: *const runlog_http,
    pub ca_bundle: *const c_char,
    pub http_timeout_ms: u32,
    pub retry_max: u32,
    pub retry_wait_min_ms: u32,
    pub retry_wait_max_ms: u32,
    /// `RUNLOG_DEFAULT`/`YES`/`NO`.
    pub close_unfinished: c_int,
    pub log_fn: runlog_log_fn,
    pub log_user_data: *mut c_void,
    pub silent: c_int,
}

impl runlog_sync_options {
    /// `RUNLOG_SYNC_OPTIONS_INIT`.
    pub const INIT: runlog_sync_options = runlog_sync_options {
        version: RUNLOG_SYNC_OPTIONS_VERSION,
        path: core::ptr::null(),
        store: core::ptr::null(),
        run_id: core::ptr::null(),
        entity: core::ptr::null(),
        project: core::ptr::null(),
        new_run_id: core::ptr::null(),
        base_url: core::ptr::null(),
        api_key: core::ptr::null(),
        http: core::ptr::null(),
        ca_bundle: core::ptr::null(),
        http_timeout_ms: 0,
        retry_max: 0,
        retry_wait_min_ms: 0,
        retry_wait_max_ms: 0,
        close_unfinished: 0,
        log_fn: None,
        log_user_data: core::ptr::null_mut(),
        silent: 0,
    };
}

pub const RUNLOG_SYNC_STATUS_VERSION: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct runlog_sync_status {
    pub version: u32,
    /// `RUNLOG_UPLOAD_*`.
    pub state: i32,
    /// 1: done, gave up or failed.
    pub finished: c_int,
    pub rows_total: u64,
    pub rows_uploaded: u64,
    pub rows_sent: u64,
    pub requests: u64,
    pub retries: u64,
}

impl runlog_sync_status {
    /// `RUNLOG_SYNC_STATUS_INIT`.
    pub const INIT: runlog_sync_status = runlog_sync_status {
        version: RUNLOG_SYNC_STATUS_VERSION,
        state: 0,
        finished: 0,
        rows_total: 0,
        rows_uploaded: 0,
        rows_sent: 0,
        requests: 0,
        retries: 0,
    };
}

/// Opaque sync handle (`runlog_sync`).
#[repr(C)]
pub struct runlog_sync {
    _private: [u8; 0],
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

// ---- Functions ----------------------------------------------------------------------

extern "C" {
    pub fn runlog_version() -> *const c_char;
    pub fn runlog_version_number() -> u32;
    pub fn runlog_abi_version() -> u32;
    pub fn runlog_has_threads() -> c_int;

    pub fn runlog_status_string(status: c_int) -> *const c_char;
    pub fn runlog_last_error_message() -> *const c_char;

    pub fn runlog_buf_free(buf: *mut runlog_buf);

    pub fn runlog_set_log_hook(f: runlog_log_fn, user_data: *mut c_void);

    pub fn runlog_options_init(opts: *mut runlog_options, version: u32) -> c_int;
    pub fn runlog_init(run_out: *mut *mut runlog_run, opts: *const runlog_options, err: *mut runlog_error) -> c_int;

    pub fn runlog_log_json(
        run: *mut runlog_run,
        json: *const c_char,
        len: usize,
        step: i64,
        commit: c_int,
        err: *mut runlog_error,
    ) -> c_int;
    pub fn runlog_stage_double(run: *mut runlog_run, key: *const c_char, value: f64, err: *mut runlog_error) -> c_int;
    pub fn runlog_stage_int(run: *mut runlog_run, key: *const c_char, value: i64, err: *mut runlog_error) -> c_int;
    pub fn runlog_commit_row(run: *mut runlog_run, step: i64, commit: c_int, err: *mut runlog_error) -> c_int;

    pub fn runlog_config_update_json(
        run: *mut runlog_run,
        json: *const c_char,
        len: usize,
        err: *mut runlog_error,
    ) -> c_int;
    pub fn runlog_config_get_json(run: *mut runlog_run, out: *mut runlog_buf, err: *mut runlog_error) -> c_int;
    pub fn runlog_summary_update_json(
        run: *mut runlog_run,
        json: *const c_char,
        len: usize,
        err: *mut runlog_error,
    ) -> c_int;
    pub fn runlog_summary_get_json(
        run: *mut runlog_run,
        key: *const c_char,
        out: *mut runlog_buf,
        err: *mut runlog_error,
    ) -> c_int;

    pub fn runlog_define_metric(
        run: *mut runlog_run,
        name: *const c_char,
        opts: *const runlog_metric_options,
        err: *mut runlog_error,
    ) -> c_int;

    pub fn runlog_flush(run: *mut runlog_run, timeout_ms: i32, err: *mut runlog_error) -> c_int;
    pub fn runlog_pump(run: *mut runlog_run, max_records: u32, err: *mut runlog_error) -> c_int;
    pub fn runlog_finish(run: *mut runlog_run, exit_code: c_int, err: *mut runlog_error) -> c_int;

    pub fn runlog_run_id(run: *mut runlog_run) -> *const c_char;
    pub fn runlog_run_name(run: *mut runlog_run) -> *const c_char;
    pub fn runlog_run_project(run: *mut runlog_run) -> *const c_char;
    pub fn runlog_run_entity(run: *mut runlog_run) -> *const c_char;
    pub fn runlog_run_mode(run: *mut runlog_run) -> *const c_char;
    pub fn runlog_run_dir(run: *mut runlog_run) -> *const c_char;

    pub fn runlog_get_stats(run: *mut runlog_run, out: *mut runlog_stats, err: *mut runlog_error) -> c_int;

    pub fn runlog_http_complete(
        call: *mut runlog_http_call,
        status: c_int,
        headers: *const c_char,
        body: *const u8,
        body_len: usize,
        error_message: *const c_char,
    ) -> c_int;

    pub fn runlog_sync_open(
        out: *mut *mut runlog_sync,
        opts: *const runlog_sync_options,
        err: *mut runlog_error,
    ) -> c_int;
    pub fn runlog_sync_run(
        sync: *mut runlog_sync,
        timeout_ms: i32,
        status: *mut runlog_sync_status,
        err: *mut runlog_error,
    ) -> c_int;
    pub fn runlog_sync_close(sync: *mut runlog_sync);
}
