//! Experiment tracking in the way of Weights & Biases — init → log → summary
//! → finish — over runlog's C library (`capi/runlog.h`, through the
//! `runlog-sys` crate).
//!
//! ```no_run
//! use runlog::{Commit, MetricOptions, Options, Run, Step, SummaryOps};
//! use serde_json::json;
//!
//! let run = Run::init(Options {
//!     project: Some("demo".into()),
//!     mode: Some(runlog::Mode::Offline),
//!     config: Some(json!({"lr": 0.01, "epochs": 3})),
//!     ..Default::default()
//! })?;
//! run.define_metric("acc", &MetricOptions::new().summary(SummaryOps::MAX))?;
//! for epoch in 0..3 {
//!     run.log(&json!({"loss": 1.0 / (epoch + 1) as f64, "acc": 0.5 + 0.1 * epoch as f64}),
//!             Step::Auto, Commit::Default)?;
//! }
//! run.summary_update(&json!({"best_epoch": 2}))?;
//! println!("recorded in {}", run.dir());
//! run.finish(0)?;
//! # Ok::<(), runlog::Error>(())
//! ```
//!
//! Semantics are the C library's (see `runlog.h` and
//! `tests/conformance/README.md`): `log` without a step records the row and
//! advances the step; a larger step records the pending row first; a smaller
//! one is refused with [`Status::StepOrder`]. Every error carries the status
//! and the library's message from that very call ([`Error`]).
//!
//! Threads: [`Run`] is `Send + Sync`; share it with `Arc<Run>`. No Rust
//! panic ever unwinds into C (the only callback, the log hook, is wrapped in
//! `catch_unwind`).
#![deny(unsafe_op_in_unsafe_fn)]

mod error;
pub mod json;
mod metric;
mod options;
mod run;

pub use error::{Error, Status};
pub use metric::{MetricOptions, SummaryOps};
pub use options::{Durability, Level, LogHook, Mode, Options, QueueFull, Resume, Threading};
pub use run::{Commit, Run, Stats, Step, UploadState};
/// The raw declarations, for what this crate does not wrap.
pub use runlog_sys as sys;

use std::ffi::CStr;

/// The loaded library's version, e.g. "0.1.0".
pub fn version() -> &'static str {
    // SAFETY: static storage, NUL-terminated.
    unsafe { CStr::from_ptr(sys::runlog_version()) }.to_str().unwrap_or("?")
}

/// The loaded library's MAJOR*10000 + MINOR*100 + PATCH.
pub fn version_number() -> u32 {
    // SAFETY: no arguments.
    unsafe { sys::runlog_version_number() }
}

/// The loaded library's ABI version (these bindings need `sys::RUNLOG_ABI_VERSION`).
pub fn abi_version() -> u32 {
    // SAFETY: no arguments.
    unsafe { sys::runlog_abi_version() }
}

/// Whether the library can run a background writer thread (else use
/// `Threading::Manual` and `Run::pump`).
pub fn has_threads() -> bool {
    // SAFETY: no arguments.
    unsafe { sys::runlog_has_threads() != 0 }
}
