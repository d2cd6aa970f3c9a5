//! Helpers shared by the integration tests: temporary run directories, the
//! runlog CLI (to read finished runs back), and the conformance comparison.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// A fresh directory under the system temp dir, removed on drop (kept when
/// the test failed, or when RUNLOG_KEEP_TEST_DIRS=1).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "runlog-rust-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var("RUNLOG_KEEP_TEST_DIRS").as_deref() == Ok("1") {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Options for a silent offline run stored under `dir`.
pub fn offline(dir: &TempDir) -> runlog::Options {
    runlog::Options {
        project: Some("rust-tests".into()),
        mode: Some(runlog::Mode::Offline),
        dir: Some(dir.path().to_path_buf()),
        silent: Some(true),
        ..Default::default()
    }
}

/// The runlog CLI: $RUNLOG_CLI, else next to $RUNLOG_LIB_DIR (a CMake build
/// tree's cli/runlog or an install's bin/runlog).
pub fn cli() -> PathBuf {
    if let Ok(p) = std::env::var("RUNLOG_CLI") {
        return PathBuf::from(p);
    }
    let lib = std::env::var("RUNLOG_LIB_DIR")
        .ok()
        .or_else(|| option_env!("RUNLOG_LIB_DIR").map(String::from));
    if let Some(lib) = lib {
        for candidate in ["../cli/runlog", "../bin/runlog"] {
            let p = Path::new(&lib).join(candidate);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "these tests read runs back with the runlog CLI: set RUNLOG_CLI to it \
         (build/<dir>/cli/runlog; bindings/rust/test.sh does)"
    );
}

/// `runlog show <run_dir> --json --rows 1000000000` (strict JSON: NaN and
/// Infinity are strings).
pub fn show(run_dir: &str) -> Value {
    let out = Command::new(cli())
        .args(["show", run_dir, "--json", "--rows", "1000000000"])
        .output()
        .expect("cannot run the runlog CLI");
    assert!(
        out.status.success(),
        "runlog show {run_dir} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("runlog show --json printed invalid JSON")
}

fn numbers_equal(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * 1f64.max(a.abs()).max(b.abs())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 {
        format!("{}...", &s[..s.char_indices().nth(200).map_or(s.len(), |(i, _)| i)])
    } else {
        s
    }
}

/// The conformance comparison (tests/conformance/README.md): numbers by
/// value, objects by key set, arrays in order; `ignore` lists top-level keys
/// of `actual` compared only when `expected` has them.
pub fn compare(expected: &Value, actual: &Value, path: &str, diffs: &mut Vec<String>, ignore: &[&str]) {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => {
            if !numbers_equal(e.as_f64().unwrap(), a.as_f64().unwrap()) {
                diffs.push(format!("{path}: expected {e}, got {a}"));
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    None => diffs.push(format!("{path}.{k}: missing (expected {})", short(ev))),
                    Some(av) => compare(ev, av, &format!("{path}.{k}"), diffs, &[]),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) && !ignore.contains(&k.as_str()) {
                    diffs.push(format!("{path}.{k}: unexpected key (value {})", short(av)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                diffs.push(format!(
                    "{path}: expected {} elements, got {}: {}",
                    e.len(),
                    a.len(),
                    short(actual)
                ));
            } else {
                for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                    compare(ev, av, &format!("{path}[{i}]"), diffs, &[]);
                }
            }
        }
        (e, a) => {
            if e != a {
                diffs.push(format!("{path}: expected {}, got {}", short(e), short(a)));
            }
        }
    }
}

pub const ROW_IGNORE: &[&str] = &["_runtime", "_timestamp"];
pub const SUMMARY_IGNORE: &[&str] = &["_runtime", "_timestamp", "_wandb"];
pub const CONFIG_IGNORE: &[&str] = &["_wandb"];

/// The history rows of a finished run, without `_runtime`/`_timestamp`
/// (which every row must have).
pub fn rows(run_dir: &str) -> Vec<Value> {
    let shown = show(run_dir);
    shown["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            assert!(
                o.remove("_runtime").is_some_and(|v| v.is_number()),
                "row without _runtime"
            );
            assert!(
                o.remove("_timestamp").is_some_and(|v| v.is_number()),
                "row without _timestamp"
            );
            r
        })
        .collect()
}
