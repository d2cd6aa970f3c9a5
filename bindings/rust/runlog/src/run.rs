//! `Run`: one experiment run (runlog_run*).
use std::borrow::Cow;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::time::Duration;

use runlog_sys as sys;
use serde::Serialize;

use crate::error::{check, Error, Status};
use crate::json;
use crate::metric::MetricOptions;
use crate::options::{Durability, Level, LogHook, Options, QueueFull, Threading};

/// The step argument of `log` and `commit_row` (W&B's `step=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Step {
    /// Use the run's current step (`RUNLOG_STEP_AUTO`).
    #[default]
    Auto,
    /// This step: larger than the current one records the pending row first;
    /// equal merges; smaller is refused with `Status::StepOrder`.
    At(u64),
}

impl Step {
    fn raw(self) -> Result<i64, Error> {
        match self {
            Step::Auto => Ok(sys::RUNLOG_STEP_AUTO),
            Step::At(n) => {
                i64::try_from(n).map_err(|_| Error::new(Status::InvalidArgument, format!("step {n} is over i64::MAX")))
            }
        }
    }
}

impl From<u64> for Step {
    fn from(step: u64) -> Step {
        Step::At(step)
    }
}

impl From<Option<u64>> for Step {
    fn from(step: Option<u64>) -> Step {
        step.map_or(Step::Auto, Step::At)
    }
}

/// The commit argument of `log` and `commit_row` (W&B's `commit=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Commit {
    /// W&B: commit when no step is given.
    #[default]
    Default,
    /// Record the row now.
    Yes,
    /// Only merge into the pending row.
    No,
}

impl Commit {
    fn raw(self) -> c_int {
        match self {
            Commit::Default => sys::RUNLOG_COMMIT_DEFAULT,
            Commit::Yes => sys::RUNLOG_COMMIT_YES,
            Commit::No => sys::RUNLOG_COMMIT_NO,
        }
    }
}

/// Counters of a run (`runlog_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// The current step.
    pub step: i64,
    /// History rows recorded.
    pub rows_logged: u64,
    /// log() calls refused because the step was smaller than the current one.
    pub steps_refused: u64,
    /// Rows refused under `QueueFull::Drop`.
    pub rows_refused_queue_full: u64,
    /// Accepted, not yet written.
    pub records_queued: u64,
    pub bytes_queued: u64,
    /// Written to the store.
    pub records_written: u64,
    pub journal_bytes: u64,
    /// Failed store calls (retried).
    pub store_errors: u64,
    /// Upload (online mode; `None` when offline or disabled).
    pub upload_state: UploadState,
    /// History rows the server acknowledged.
    pub rows_uploaded: u64,
    /// HTTP requests answered.
    pub upload_requests: u64,
    /// Of which retried (5xx, 429, resets…).
    pub upload_retries: u64,
    /// History bytes read from the journal, not yet acknowledged.
    pub upload_bytes_pending: u64,
}

/// The state of a run's upload (`runlog_upload_state`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UploadState {
    /// Offline or disabled: nothing to upload.
    #[default]
    None,
    /// Checking the key, creating the run.
    Connecting,
    /// Sending history, summary, config.
    Streaming,
    /// Everything, the exit included, is uploaded.
    Done,
    /// Retries spent: the rest waits for `runlog sync`.
    GaveUp,
    /// Refused (bad key, no permission): see the log.
    Failed,
    /// A state this binding does not know (a newer library).
    Other(i32),
}

impl UploadState {
    fn from_raw(v: i32) -> UploadState {
        match v {
            sys::RUNLOG_UPLOAD_NONE => UploadState::None,
            sys::RUNLOG_UPLOAD_CONNECTING => UploadState::Connecting,
            sys::RUNLOG_UPLOAD_STREAMING => UploadState::Streaming,
            sys::RUNLOG_UPLOAD_DONE => UploadState::Done,
            sys::RUNLOG_UPLOAD_GAVE_UP => UploadState::GaveUp,
            sys::RUNLOG_UPLOAD_FAILED => UploadState::Failed,
            other => UploadState::Other(other),
        }
    }
}

/// One run: init → log → summary → finish, as in W&B.
///
/// Created by [`Run::init`]; ended by [`Run::finish`], or by `Drop`, which
/// finishes with exit code 0 and ignores errors (like rusqlite's
/// `Connection`). Share it between threads with `Arc<Run>`: every method
/// takes `&self` except `finish`.
pub struct Run {
    raw: NonNull<sys::runlog_run>,
    finished: bool,
    id: String,
    name: String,
    project: String,
    entity: String,
    mode: String,
    dir: String,
    // The log hook the C side calls with a pointer to it: boxed so the address
    // is stable, dropped only after runlog_finish returned (fields drop after
    // Drop::drop).
    _hook: Option<Box<LogHook>>,
}

// SAFETY: runlog.h guarantees that "every call on a runlog_run is safe from
// several threads at once" (the run has its own lock; log() validates outside
// it), and error details come back through the caller-owned runlog_error of
// each call, never from thread-local state, so neither moving a Run to another
// thread (Send) nor calling its &self methods from several threads (Sync) can
// cause a data race. The one cross-thread caveat of the C API — the staging
// calls fill ONE staging row per run — mixes rows logically but is not memory
// unsafe. finish() consumes the Run, so no call can race with the release of
// the handle (and the handle stays a tombstone anyway). The strings the
// accessors return are Rust copies owned by the Run. The log hook is
// Send + Sync by its type.
unsafe impl Send for Run {}
unsafe impl Sync for Run {}

fn c_string(what: &str, value: &str) -> Result<CString, Error> {
    CString::new(value).map_err(|_| Error::new(Status::InvalidArgument, format!("{what} contains a NUL byte")))
}

fn path_c_string(path: &Path) -> Result<CString, Error> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| {
            Error::new(
                Status::InvalidUtf8,
                format!("dir {} is not valid UTF-8", path.display()),
            )
        })?
        .as_bytes()
        .to_vec();
    CString::new(bytes).map_err(|_| Error::new(Status::InvalidArgument, "dir contains a NUL byte"))
}

fn duration_ms_u32(d: Option<Duration>) -> u32 {
    // 0 means "default" to the C library, so an explicit zero becomes 1 ms.
    d.map_or(0, |d| d.as_millis().clamp(1, u32::MAX as u128) as u32)
}

/// Copies an accessor's string (NULL → "").
///
/// # Safety
/// `run` must be a live run handle.
unsafe fn accessor(
    f: unsafe extern "C" fn(*mut sys::runlog_run) -> *const c_char,
    run: *mut sys::runlog_run,
) -> String {
    // SAFETY: the caller passes a live run; the string is valid until finish.
    unsafe {
        let p = f(run);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

unsafe extern "C" fn log_hook_trampoline(user_data: *mut c_void, level: c_int, message: *const c_char) {
    // Never unwind into C: a panicking hook loses its message, nothing more.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: user_data is the &LogHook inside the Run's Box, alive until
        // after runlog_finish returned; message is NUL-terminated or NULL.
        let hook = unsafe { &*(user_data as *const LogHook) };
        let text = if message.is_null() {
            Cow::Borrowed("")
        } else {
            unsafe { CStr::from_ptr(message) }.to_string_lossy()
        };
        hook(Level::from_raw(level), &text);
    }));
}

/// A library-owned runlog_buf, copied into a String and freed.
fn take_buf(call: impl FnOnce(*mut sys::runlog_buf, *mut sys::runlog_error) -> c_int) -> Result<String, Error> {
    let mut buf = sys::runlog_buf::INIT;
    let result = check(|err| call(&mut buf, err));
    let text = if buf.data.is_null() {
        String::new()
    } else {
        // SAFETY: the library filled data/size; the bytes live until runlog_buf_free.
        let bytes = unsafe { std::slice::from_raw_parts(buf.data as *const u8, buf.size) };
        String::from_utf8_lossy(bytes).into_owned()
    };
    // SAFETY: whatever the library allocates, the library frees (NULL is fine).
    unsafe { sys::runlog_buf_free(&mut buf) };
    result.map(|()| text)
}

impl Run {
    /// Starts a run (W&B's `wandb.init`). Prints a short banner through the
    /// log hook unless silent.
    pub fn init(opts: Options) -> Result<Run, Error> {
        // SAFETY: no arguments; static data.
        let abi = unsafe { sys::runlog_abi_version() };
        if abi != sys::RUNLOG_ABI_VERSION {
            return Err(Error::new(
                Status::InvalidArgument,
                format!(
                    "the loaded runlog library has ABI version {abi}, these bindings need {}: \
                     install a matching librunlog",
                    sys::RUNLOG_ABI_VERSION
                ),
            ));
        }

        let opt = |what: &str, v: &Option<String>| v.as_deref().map(|s| c_string(what, s)).transpose();
        let project = opt("project", &opts.project)?;
        let entity = opt("entity", &opts.entity)?;
        let name = opt("name", &opts.name)?;
        let notes = opt("notes", &opts.notes)?;
        let group = opt("group", &opts.group)?;
        let job_type = opt("job_type", &opts.job_type)?;
        let run_id = opt("run_id", &opts.run_id)?;
        let tags = if opts.tags.is_empty() {
            None
        } else {
            if let Some(bad) = opts.tags.iter().find(|t| t.contains(',') || t.is_empty()) {
                return Err(Error::new(
                    Status::InvalidArgument,
                    format!("tag {bad:?} is empty or holds a comma (tags travel comma-separated)"),
                ));
            }
            Some(c_string("tags", &opts.tags.join(","))?)
        };
        let mode = opts.mode.map(|m| c_string("mode", m.as_str())).transpose()?;
        let resume = opts.resume.map(|r| c_string("resume", r.as_str())).transpose()?;
        let dir = opts.dir.as_deref().map(path_c_string).transpose()?;
        let config = match &opts.config {
            Some(v) => Some(c_string("config", &json::to_text(v)?)?),
            None => None,
        };
        let hook: Option<Box<LogHook>> = opts.log_hook.clone().map(Box::new);

        let ptr = |c: &Option<CString>| c.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        let mut o = sys::runlog_options::INIT;
        o.project = ptr(&project);
        o.entity = ptr(&entity);
        o.name = ptr(&name);
        o.notes = ptr(&notes);
        o.group = ptr(&group);
        o.job_type = ptr(&job_type);
        o.tags = ptr(&tags);
        o.run_id = ptr(&run_id);
        o.mode = ptr(&mode);
        o.resume = ptr(&resume);
        o.dir = ptr(&dir);
        o.config_json = ptr(&config);
        o.silent = match opts.silent {
            None => sys::RUNLOG_DEFAULT,
            Some(true) => sys::RUNLOG_YES,
            Some(false) => sys::RUNLOG_NO,
        };
        if let Some(h) = &hook {
            o.log_fn = Some(log_hook_trampoline);
            o.log_user_data = &**h as *const LogHook as *mut c_void;
        }
        o.threading = match opts.threading {
            Threading::Default => sys::RUNLOG_THREADING_DEFAULT,
            Threading::Background => sys::RUNLOG_THREADING_BACKGROUND,
            Threading::Manual => sys::RUNLOG_THREADING_MANUAL,
        };
        o.queue_full = match opts.queue_full {
            QueueFull::Block => sys::RUNLOG_QUEUE_FULL_BLOCK,
            QueueFull::Drop => sys::RUNLOG_QUEUE_FULL_DROP,
        };
        o.queue_capacity_bytes = opts.queue_capacity_bytes;
        o.max_payload_bytes = opts.max_payload_bytes;
        o.durability = match opts.durability {
            Durability::Interval => sys::RUNLOG_DURABILITY_INTERVAL,
            Durability::FlushOnly => sys::RUNLOG_DURABILITY_FLUSH_ONLY,
            Durability::None => sys::RUNLOG_DURABILITY_NONE,
            Durability::EveryRecord => sys::RUNLOG_DURABILITY_EVERY_RECORD,
        };
        o.fsync_interval_ms = duration_ms_u32(opts.fsync_interval);
        o.finish_timeout_ms = duration_ms_u32(opts.finish_timeout);
        let base_url = opts.base_url.as_deref().map(|s| c_string("base_url", s)).transpose()?;
        let api_key = opts.api_key.as_deref().map(|s| c_string("api_key", s)).transpose()?;
        let ca_bundle = opts.ca_bundle.as_deref().map(path_c_string).transpose()?;
        o.base_url = ptr(&base_url);
        o.api_key = ptr(&api_key);
        o.ca_bundle = ptr(&ca_bundle);
        o.transmit_interval_ms = duration_ms_u32(opts.transmit_interval);
        o.http_timeout_ms = duration_ms_u32(opts.http_timeout);
        o.retry_max = opts.retry_max;
        o.retry_wait_min_ms = duration_ms_u32(opts.retry_wait_min);
        o.retry_wait_max_ms = duration_ms_u32(opts.retry_wait_max);
        o.upload_timeout_ms = duration_ms_u32(opts.upload_timeout);

        let mut raw: *mut sys::runlog_run = ptr::null_mut();
        // SAFETY: o and every string it points to outlive the call (strings are
        // borrowed for the call only); the hook box outlives the run (see Run).
        check(|err| unsafe { sys::runlog_init(&mut raw, &o, err) })?;
        let raw = NonNull::new(raw)
            .ok_or_else(|| Error::new(Status::Internal, "runlog_init returned RUNLOG_OK but no run"))?;
        // SAFETY: a live run; the strings are copied before anything can finish it.
        let (id, name, project, entity, mode, dir) = unsafe {
            let r = raw.as_ptr();
            (
                accessor(sys::runlog_run_id, r),
                accessor(sys::runlog_run_name, r),
                accessor(sys::runlog_run_project, r),
                accessor(sys::runlog_run_entity, r),
                accessor(sys::runlog_run_mode, r),
                accessor(sys::runlog_run_dir, r),
            )
        };
        Ok(Run {
            raw,
            finished: false,
            id,
            name,
            project,
            entity,
            mode,
            dir,
            _hook: hook,
        })
    }

    /// W&B's `run.log(data, step=, commit=)`: `data` must serialize to a JSON
    /// object. Non-finite `f32`/`f64` fields are logged as NaN / Infinity /
    /// -Infinity (not `null` as `serde_json::to_string` would write them).
    /// Note that a `serde_json::Value` cannot hold NaN at all (`json!` turns
    /// it into `null`): log structs, maps or [`Run::stage`] for such values.
    /// Returns once the row is queued.
    pub fn log<T: Serialize + ?Sized>(&self, data: &T, step: Step, commit: Commit) -> Result<(), Error> {
        let text = json::to_text(data)?;
        self.log_json(text, step, commit)
    }

    /// `log` with JSON text as it is (bare NaN and Infinity are accepted).
    /// Takes bytes so that invalid UTF-8 reaches the library (and is refused
    /// with `Status::InvalidUtf8`).
    pub fn log_json(&self, json: impl AsRef<[u8]>, step: Step, commit: Commit) -> Result<(), Error> {
        let bytes = json.as_ref();
        let step = step.raw()?;
        // SAFETY: (ptr, len) is valid for the call; len is never RUNLOG_NUL_TERMINATED.
        check(|err| unsafe {
            sys::runlog_log_json(
                self.raw.as_ptr(),
                bytes.as_ptr().cast(),
                bytes.len(),
                step,
                commit.raw(),
                err,
            )
        })
    }

    /// Typed fast path: stages `key = value` in the run's staging row
    /// (non-finite values are kept; staging a key again keeps the last value).
    /// Commit with [`Run::commit_row`]. There is one staging row per run:
    /// stage and commit from one thread, or rows will mix.
    pub fn stage(&self, key: &str, value: f64) -> Result<(), Error> {
        let key = c_string("key", key)?;
        // SAFETY: live run, NUL-terminated key.
        check(|err| unsafe { sys::runlog_stage_double(self.raw.as_ptr(), key.as_ptr(), value, err) })
    }

    /// `stage` for an integer value.
    pub fn stage_int(&self, key: &str, value: i64) -> Result<(), Error> {
        let key = c_string("key", key)?;
        // SAFETY: live run, NUL-terminated key.
        check(|err| unsafe { sys::runlog_stage_int(self.raw.as_ptr(), key.as_ptr(), value, err) })
    }

    /// Logs the staged values as one `log(values, step, commit)` and clears
    /// the staging row (committing nothing is W&B's `log({})`).
    pub fn commit_row(&self, step: Step, commit: Commit) -> Result<(), Error> {
        let step = step.raw()?;
        // SAFETY: live run.
        check(|err| unsafe { sys::runlog_commit_row(self.raw.as_ptr(), step, commit.raw(), err) })
    }

    /// W&B's `run.config.update(obj)`: merges the object's top-level keys.
    pub fn config_update<T: Serialize + ?Sized>(&self, update: &T) -> Result<(), Error> {
        self.config_update_json(json::to_text(update)?)
    }

    /// `config_update` with JSON text.
    pub fn config_update_json(&self, json: impl AsRef<[u8]>) -> Result<(), Error> {
        let bytes = json.as_ref();
        // SAFETY: (ptr, len) valid for the call.
        check(|err| unsafe {
            sys::runlog_config_update_json(self.raw.as_ptr(), bytes.as_ptr().cast(), bytes.len(), err)
        })
    }

    /// The current config. Non-finite numbers read as the strings "NaN",
    /// "Infinity", "-Infinity" (use `config_json` for the exact text).
    pub fn config(&self) -> Result<serde_json::Value, Error> {
        json::to_value(&self.config_json()?)
    }

    /// The current config as the library's JSON text.
    pub fn config_json(&self) -> Result<String, Error> {
        // SAFETY: live run; take_buf frees the buffer.
        take_buf(|out, err| unsafe { sys::runlog_config_get_json(self.raw.as_ptr(), out, err) })
    }

    /// W&B's `run.summary.update(obj)`: sets each top-level key explicitly
    /// (until the key is logged again); a JSON null removes the key.
    pub fn summary_update<T: Serialize + ?Sized>(&self, update: &T) -> Result<(), Error> {
        self.summary_update_json(json::to_text(update)?)
    }

    /// `summary_update` with JSON text.
    pub fn summary_update_json(&self, json: impl AsRef<[u8]>) -> Result<(), Error> {
        let bytes = json.as_ref();
        // SAFETY: (ptr, len) valid for the call.
        check(|err| unsafe {
            sys::runlog_summary_update_json(self.raw.as_ptr(), bytes.as_ptr().cast(), bytes.len(), err)
        })
    }

    /// The whole summary (non-finite numbers as the strings "NaN"…).
    pub fn summary(&self) -> Result<serde_json::Value, Error> {
        json::to_value(&self.summary_json(None)?)
    }

    /// The summary of one top-level key; `Status::NotFound` if it has none.
    pub fn summary_get(&self, key: &str) -> Result<serde_json::Value, Error> {
        json::to_value(&self.summary_json(Some(key))?)
    }

    /// The summary of `key` (or all of it) as the library's JSON text, where
    /// non-finite numbers are the bare tokens NaN, Infinity, -Infinity.
    pub fn summary_json(&self, key: Option<&str>) -> Result<String, Error> {
        let key = key.map(|k| c_string("key", k)).transpose()?;
        let key_ptr = key.as_ref().map_or(ptr::null(), |k| k.as_ptr());
        // SAFETY: live run; key NUL-terminated or NULL.
        take_buf(|out, err| unsafe { sys::runlog_summary_get_json(self.raw.as_ptr(), key_ptr, out, err) })
    }

    /// W&B's `run.define_metric(name, ...)`. `name` may end with `*` (a glob
    /// over the keys with that prefix).
    pub fn define_metric(&self, name: &str, opts: &MetricOptions) -> Result<(), Error> {
        let name = c_string("name", name)?;
        let step_metric = opts
            .step_metric
            .as_deref()
            .map(|s| c_string("step_metric", s))
            .transpose()?;
        let mut o = sys::runlog_metric_options::INIT;
        o.step_metric = step_metric.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        o.summary = opts.summary.bits();
        o.hidden = c_int::from(opts.hidden);
        o.step_sync = match opts.step_sync {
            None => sys::RUNLOG_DEFAULT,
            Some(true) => sys::RUNLOG_YES,
            Some(false) => sys::RUNLOG_NO,
        };
        // SAFETY: live run; o and its strings outlive the call.
        check(|err| unsafe { sys::runlog_define_metric(self.raw.as_ptr(), name.as_ptr(), &o, err) })
    }

    /// Waits until everything accepted so far is written and durable, at most
    /// `timeout` (over `i32::MAX` ms, e.g. `Duration::MAX`: no limit).
    /// `Status::Timeout` if time ran out (nothing is lost: writing goes on).
    pub fn flush(&self, timeout: Duration) -> Result<(), Error> {
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(-1);
        // SAFETY: live run.
        check(|err| unsafe { sys::runlog_flush(self.raw.as_ptr(), ms, err) })
    }

    /// `Threading::Manual`: writes up to `max_records` queued records (0 =
    /// all) on this thread. Does nothing in background mode.
    pub fn pump(&self, max_records: u32) -> Result<(), Error> {
        // SAFETY: live run.
        check(|err| unsafe { sys::runlog_pump(self.raw.as_ptr(), max_records, err) })
    }

    /// The run's counters.
    pub fn stats(&self) -> Result<Stats, Error> {
        let mut s = sys::runlog_stats::INIT;
        // SAFETY: live run; s has RUNLOG_STATS_VERSION set.
        check(|err| unsafe { sys::runlog_get_stats(self.raw.as_ptr(), &mut s, err) })?;
        Ok(Stats {
            step: s.step,
            rows_logged: s.rows_logged,
            steps_refused: s.steps_refused,
            rows_refused_queue_full: s.rows_refused_queue_full,
            records_queued: s.records_queued,
            bytes_queued: s.bytes_queued,
            records_written: s.records_written,
            journal_bytes: s.journal_bytes,
            store_errors: s.store_errors,
            upload_state: UploadState::from_raw(s.upload_state),
            rows_uploaded: s.rows_uploaded,
            upload_requests: s.upload_requests,
            upload_retries: s.upload_retries,
            upload_bytes_pending: s.upload_bytes_pending,
        })
    }

    /// W&B's `run.finish(exit_code)`: records the pending row, the exit code,
    /// the summary and config files, waits for the writer (up to
    /// `Options::finish_timeout`) and releases the run.
    ///
    /// Unlike rusqlite's `close(self) -> Result<(), (Self, Error)>`, the run is
    /// not handed back on error: the C library releases the run even when
    /// finish fails (e.g. `Status::Timeout`), so there is nothing to retry.
    pub fn finish(mut self, exit_code: i32) -> Result<(), Error> {
        self.finished = true;
        // SAFETY: live run, finished exactly once (Drop skips it now).
        check(|err| unsafe { sys::runlog_finish(self.raw.as_ptr(), exit_code, err) })
    }

    /// The run id (8 characters [a-z0-9] unless given).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn project(&self) -> &str {
        &self.project
    }
    /// "" when unset.
    pub fn entity(&self) -> &str {
        &self.entity
    }
    /// "online", "offline" or "disabled".
    pub fn mode(&self) -> &str {
        &self.mode
    }
    /// Where the run is stored (its directory); "" when disabled.
    pub fn dir(&self) -> &str {
        &self.dir
    }
    /// `dir()` as a path.
    pub fn dir_path(&self) -> &Path {
        Path::new(&self.dir)
    }

    /// The C handle, for calls this crate does not wrap. It stays owned by
    /// the Run; do not finish it yourself (a finished handle is a tombstone:
    /// later calls return `RUNLOG_E_FINISHED`, so this is not memory unsafe).
    pub fn as_raw(&self) -> *mut sys::runlog_run {
        self.raw.as_ptr()
    }
}

impl Drop for Run {
    /// Finishes with exit code 0 if `finish` was not called; errors are
    /// ignored (call `finish` to see them).
    fn drop(&mut self) {
        if !self.finished {
            self.finished = true;
            let mut err = sys::runlog_error::INIT;
            // SAFETY: live run, finished exactly once.
            let _ = unsafe { sys::runlog_finish(self.raw.as_ptr(), 0, &mut err) };
        }
    }
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("project", &self.project)
            .field("mode", &self.mode)
            .field("dir", &self.dir)
            .finish()
    }
}
