//! `Error` and `Status`: the `runlog_error` out-parameter in Rust form.
use std::ffi::{c_int, CStr};
use std::fmt;

use runlog_sys as sys;

/// A runlog status code other than `RUNLOG_OK` (`enum runlog_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// NULL pointer, bad option or name (also: a string holding a NUL byte,
    /// a value serde could not serialize).
    InvalidArgument,
    /// The text is not valid JSON.
    InvalidJson,
    /// The JSON is valid but not an object.
    NotObject,
    /// The text is not valid UTF-8.
    InvalidUtf8,
    /// `_step`, `_runtime` or `_wandb` was given.
    ReservedKey,
    /// The payload is over `max_payload_bytes`.
    TooLarge,
    /// The step is smaller than the current step (the row was dropped).
    StepOrder,
    /// The run was finished already.
    Finished,
    /// The store failed (disk, permissions…).
    Io,
    /// The store is full.
    NoSpace,
    /// The directory is not writable.
    Permission,
    /// flush/finish did not complete in time (nothing is lost).
    Timeout,
    /// `QueueFull::Drop` refused a row.
    QueueFull,
    /// No such key, or no run to resume.
    NotFound,
    /// Resume "never" but the run exists.
    Exists,
    /// Out of memory.
    NoMem,
    /// A plug-in callback reported failure.
    Callback,
    /// A bug in runlog: please report it.
    Internal,
    /// The server could not be reached (upload retries spent).
    Network,
    /// The server refused the upload: API key, permission, bad request.
    Refused,
    /// A code this version of the binding does not know (a newer library).
    Unknown(i32),
}

impl Status {
    /// The status of a negative C return code (`RUNLOG_OK` is not a status).
    pub fn from_code(code: i32) -> Status {
        match code as c_int {
            sys::RUNLOG_E_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::RUNLOG_E_INVALID_JSON => Status::InvalidJson,
            sys::RUNLOG_E_NOT_OBJECT => Status::NotObject,
            sys::RUNLOG_E_INVALID_UTF8 => Status::InvalidUtf8,
            sys::RUNLOG_E_RESERVED_KEY => Status::ReservedKey,
            sys::RUNLOG_E_TOO_LARGE => Status::TooLarge,
            sys::RUNLOG_E_STEP_ORDER => Status::StepOrder,
            sys::RUNLOG_E_FINISHED => Status::Finished,
            sys::RUNLOG_E_IO => Status::Io,
            sys::RUNLOG_E_NO_SPACE => Status::NoSpace,
            sys::RUNLOG_E_PERMISSION => Status::Permission,
            sys::RUNLOG_E_TIMEOUT => Status::Timeout,
            sys::RUNLOG_E_QUEUE_FULL => Status::QueueFull,
            sys::RUNLOG_E_NOT_FOUND => Status::NotFound,
            sys::RUNLOG_E_EXISTS => Status::Exists,
            sys::RUNLOG_E_NOMEM => Status::NoMem,
            sys::RUNLOG_E_CALLBACK => Status::Callback,
            sys::RUNLOG_E_INTERNAL => Status::Internal,
            sys::RUNLOG_E_NETWORK => Status::Network,
            sys::RUNLOG_E_REFUSED => Status::Refused,
            other => Status::Unknown(other),
        }
    }

    /// The C return code (`RUNLOG_E_*`).
    pub fn code(self) -> i32 {
        match self {
            Status::InvalidArgument => sys::RUNLOG_E_INVALID_ARGUMENT,
            Status::InvalidJson => sys::RUNLOG_E_INVALID_JSON,
            Status::NotObject => sys::RUNLOG_E_NOT_OBJECT,
            Status::InvalidUtf8 => sys::RUNLOG_E_INVALID_UTF8,
            Status::ReservedKey => sys::RUNLOG_E_RESERVED_KEY,
            Status::TooLarge => sys::RUNLOG_E_TOO_LARGE,
            Status::StepOrder => sys::RUNLOG_E_STEP_ORDER,
            Status::Finished => sys::RUNLOG_E_FINISHED,
            Status::Io => sys::RUNLOG_E_IO,
            Status::NoSpace => sys::RUNLOG_E_NO_SPACE,
            Status::Permission => sys::RUNLOG_E_PERMISSION,
            Status::Timeout => sys::RUNLOG_E_TIMEOUT,
            Status::QueueFull => sys::RUNLOG_E_QUEUE_FULL,
            Status::NotFound => sys::RUNLOG_E_NOT_FOUND,
            Status::Exists => sys::RUNLOG_E_EXISTS,
            Status::NoMem => sys::RUNLOG_E_NOMEM,
            Status::Callback => sys::RUNLOG_E_CALLBACK,
            Status::Internal => sys::RUNLOG_E_INTERNAL,
            Status::Network => sys::RUNLOG_E_NETWORK,
            Status::Refused => sys::RUNLOG_E_REFUSED,
            Status::Unknown(code) => code,
        }
    }

    /// The constant's name, e.g. `"RUNLOG_E_STEP_ORDER"` (as the conformance
    /// scenarios write it).
    pub fn name(self) -> &'static str {
        match self {
            Status::InvalidArgument => "RUNLOG_E_INVALID_ARGUMENT",
            Status::InvalidJson => "RUNLOG_E_INVALID_JSON",
            Status::NotObject => "RUNLOG_E_NOT_OBJECT",
            Status::InvalidUtf8 => "RUNLOG_E_INVALID_UTF8",
            Status::ReservedKey => "RUNLOG_E_RESERVED_KEY",
            Status::TooLarge => "RUNLOG_E_TOO_LARGE",
            Status::StepOrder => "RUNLOG_E_STEP_ORDER",
            Status::Finished => "RUNLOG_E_FINISHED",
            Status::Io => "RUNLOG_E_IO",
            Status::NoSpace => "RUNLOG_E_NO_SPACE",
            Status::Permission => "RUNLOG_E_PERMISSION",
            Status::Timeout => "RUNLOG_E_TIMEOUT",
            Status::QueueFull => "RUNLOG_E_QUEUE_FULL",
            Status::NotFound => "RUNLOG_E_NOT_FOUND",
            Status::Exists => "RUNLOG_E_EXISTS",
            Status::NoMem => "RUNLOG_E_NOMEM",
            Status::Callback => "RUNLOG_E_CALLBACK",
            Status::Internal => "RUNLOG_E_INTERNAL",
            Status::Network => "RUNLOG_E_NETWORK",
            Status::Refused => "RUNLOG_E_REFUSED",
            Status::Unknown(_) => "RUNLOG_E_UNKNOWN",
        }
    }

    /// The library's one-line description ("RUNLOG_E_INVALID_JSON: the text
    /// is not valid JSON").
    pub fn description(self) -> String {
        // SAFETY: runlog_status_string never returns NULL and points to static storage.
        unsafe { CStr::from_ptr(sys::runlog_status_string(self.code())) }
            .to_string_lossy()
            .into_owned()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Unknown(code) => write!(f, "RUNLOG_E_UNKNOWN({code})"),
            s => f.write_str(s.name()),
        }
    }
}

/// A failed runlog call: the status and the library's message naming the
/// cause and the fix. Built from the caller-owned `runlog_error` out-parameter
/// of that very call, so it is exact whatever thread the call ran on (the
/// per-thread `runlog_last_error_message()` is never used).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub message: String,
}

impl Error {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// From a C return code and the `runlog_error` the call filled in.
    pub(crate) fn from_raw(code: c_int, err: &sys::runlog_error) -> Error {
        let status = Status::from_code(code);
        // The message is NUL-terminated inside the array; stay inside it anyway.
        let bytes: Vec<u8> = err.message.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
        let mut message = String::from_utf8_lossy(&bytes).into_owned();
        if message.is_empty() {
            message = status.description();
        }
        Error { status, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for Error {}

/// Runs a C call with a fresh `runlog_error` and turns a non-zero status into
/// an `Error`.
pub(crate) fn check(call: impl FnOnce(*mut sys::runlog_error) -> c_int) -> Result<(), Error> {
    let mut err = sys::runlog_error::INIT;
    let rc = call(&mut err);
    if rc == sys::RUNLOG_OK {
        Ok(())
    } else {
        Err(Error::from_raw(rc, &err))
    }
}
