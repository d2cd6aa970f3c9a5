//! `Options` (runlog_options), its enums, and the log hook.
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where a run's data goes (`WANDB_MODE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Online,
    /// Recorded locally; synced later.
    Offline,
    /// Every call is accepted and nothing is written.
    Disabled,
}

impl Mode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Online => "online",
            Mode::Offline => "offline",
            Mode::Disabled => "disabled",
        }
    }
}

/// Resuming an earlier run with the same `run_id` (`WANDB_RESUME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resume {
    /// Resume if it exists, else start it.
    Allow,
    /// Resume; fail with `Status::NotFound` if it does not exist.
    Must,
    /// Start it; fail with `Status::Exists` if it exists.
    Never,
    /// Resume the last run started in this directory, if it crashed.
    Auto,
}

impl Resume {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Resume::Allow => "allow",
            Resume::Must => "must",
            Resume::Never => "never",
            Resume::Auto => "auto",
        }
    }
}

/// Who writes the journal (`runlog_threading`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Threading {
    /// A background writer thread when the library has threads, else manual.
    #[default]
    Default,
    /// One writer thread per run: `log` never touches the disk.
    Background,
    /// No thread: call `Run::pump` from your own loop.
    Manual,
}

/// What `log` does when the queue is full (`runlog_queue_full`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QueueFull {
    /// Wait for the writer to make room; nothing is lost.
    #[default]
    Block,
    /// Refuse the row with `Status::QueueFull` (counted in `Stats`).
    Drop,
}

/// When the journal is fsynced (`runlog_durability`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Durability {
    /// On flush and finish, and every `fsync_interval`.
    #[default]
    Interval,
    /// On flush and finish only.
    FlushOnly,
    /// Never (data survives a crash of the process, not of the OS).
    None,
    /// After each written batch.
    EveryRecord,
}

/// Level of a diagnostic message (`runlog_level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Debug,
    /// The banner: run name, id, where it is stored.
    Info,
    Warn,
    Error,
}

impl Level {
    pub(crate) fn from_raw(level: std::ffi::c_int) -> Level {
        match level {
            runlog_sys::RUNLOG_LEVEL_DEBUG => Level::Debug,
            runlog_sys::RUNLOG_LEVEL_INFO => Level::Info,
            runlog_sys::RUNLOG_LEVEL_WARN => Level::Warn,
            _ => Level::Error,
        }
    }
}

/// Receives the run's human-readable messages (one line each). Called from
/// the thread that made the call or from the run's writer thread, so it must
/// be `Send + Sync`; it must not call back into the same run. A panic inside
/// it is caught at the C boundary and dropped (it never unwinds into C).
pub type LogHook = Arc<dyn Fn(Level, &str) + Send + Sync + 'static>;

/// Settings of a new run (`runlog_options`). `None`/zero fields mean
/// "default": the matching `WANDB_*` environment variable if set, else
/// runlog's default; set fields win over the environment.
///
/// ```no_run
/// let run = runlog::Run::init(runlog::Options {
///     project: Some("demo".into()),
///     mode: Some(runlog::Mode::Offline),
///     config: Some(serde_json::json!({"lr": 0.01})),
///     ..Default::default()
/// })?;
/// # Ok::<(), runlog::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Options {
    /// `WANDB_PROJECT`; default "uncategorized".
    pub project: Option<String>,
    /// `WANDB_ENTITY`.
    pub entity: Option<String>,
    /// `WANDB_NAME`; default: a readable random name.
    pub name: Option<String>,
    /// `WANDB_NOTES`.
    pub notes: Option<String>,
    /// `WANDB_RUN_GROUP`.
    pub group: Option<String>,
    /// `WANDB_JOB_TYPE`.
    pub job_type: Option<String>,
    /// `WANDB_TAGS` when empty. A tag must not contain a comma.
    pub tags: Vec<String>,
    /// `WANDB_RUN_ID`; default: 8 characters [a-z0-9].
    pub run_id: Option<String>,
    /// `WANDB_MODE`.
    pub mode: Option<Mode>,
    /// `WANDB_RESUME`.
    pub resume: Option<Resume>,
    /// `WANDB_DIR`; runs go to `<dir>/runlog/`.
    pub dir: Option<PathBuf>,
    /// The initial config: a JSON object.
    pub config: Option<serde_json::Value>,
    /// `WANDB_SILENT`: no banner, no messages.
    pub silent: Option<bool>,
    /// This run's messages; `None` = the process-wide hook (stderr).
    pub log_hook: Option<LogHook>,
    pub threading: Threading,
    pub queue_full: QueueFull,
    /// 0 = 16 MiB.
    pub queue_capacity_bytes: u64,
    /// 0 = 10 MiB (W&B's line limit).
    pub max_payload_bytes: u64,
    pub durability: Durability,
    /// `None` = 1 s.
    pub fsync_interval: Option<Duration>,
    /// How long `finish` waits for the writer; `None` = 60 s.
    pub finish_timeout: Option<Duration>,
    // ---- online mode (runlog_options version 2) ----
    /// `WANDB_BASE_URL`; default https://api.wandb.ai.
    pub base_url: Option<String>,
    /// `WANDB_API_KEY`, else the ~/.netrc entry of the base URL's host.
    /// Never written to the journal, the run files or messages.
    pub api_key: Option<String>,
    /// `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`; default: the system's bundle.
    pub ca_bundle: Option<PathBuf>,
    /// Between history posts; `None` = 15 s.
    pub transmit_interval: Option<Duration>,
    /// One request attempt; `None` = 60 s.
    pub http_timeout: Option<Duration>,
    /// Retries of one upload request; 0 = W&B's default.
    pub retry_max: u32,
    /// First backoff; `None` = 2 s.
    pub retry_wait_min: Option<Duration>,
    /// Backoff cap; `None` = 60 s.
    pub retry_wait_max: Option<Duration>,
    /// How long `finish` waits for the upload after the journal is written;
    /// `None` = 120 s, `Duration::MAX` = no limit. The rest is uploaded by
    /// `runlog sync`.
    pub upload_timeout: Option<Duration>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("project", &self.project)
            .field("entity", &self.entity)
            .field("name", &self.name)
            .field("notes", &self.notes)
            .field("group", &self.group)
            .field("job_type", &self.job_type)
            .field("tags", &self.tags)
            .field("run_id", &self.run_id)
            .field("mode", &self.mode)
            .field("resume", &self.resume)
            .field("dir", &self.dir)
            .field("config", &self.config)
            .field("silent", &self.silent)
            .field("log_hook", &self.log_hook.as_ref().map(|_| "Fn(Level, &str)"))
            .field("threading", &self.threading)
            .field("queue_full", &self.queue_full)
            .field("queue_capacity_bytes", &self.queue_capacity_bytes)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("durability", &self.durability)
            .field("fsync_interval", &self.fsync_interval)
            .field("finish_timeout", &self.finish_timeout)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<api key>"))
            .field("ca_bundle", &self.ca_bundle)
            .field("transmit_interval", &self.transmit_interval)
            .field("http_timeout", &self.http_timeout)
            .field("retry_max", &self.retry_max)
            .field("retry_wait_min", &self.retry_wait_min)
            .field("retry_wait_max", &self.retry_wait_max)
            .field("upload_timeout", &self.upload_timeout)
            .finish()
    }
}
