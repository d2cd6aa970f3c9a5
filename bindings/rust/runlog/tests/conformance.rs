//! Replays every scenario of tests/conformance/ (format in its README.md)
//! through the safe API — one test per listed scenario; files not in the
//! list yet are replayed by `unlisted_scenarios`.
//!
//! Two kinds of calls cannot be made through the safe API, by design:
//! calls after `finish` (`Run::finish(self)` consumes the run) and negative
//! steps (`Step::At(u64)`). They pass when the scenario expects the status
//! the C library returns for them (`RUNLOG_E_FINISHED`,
//! `RUNLOG_E_INVALID_ARGUMENT`); the sys-level tests check those statuses.
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use runlog::{Commit, Error, MetricOptions, Mode, Options, Run, Step, SummaryOps};
use serde_json::Value;

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { replay(stringify!($name)); })*
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

scenarios!(
    calls_after_finish,
    commit_no_merges,
    config_merge,
    define_metric_step_metric,
    define_metric_step_metric_latest,
    define_metric_step_metric_paths,
    define_metric_summary,
    empty_rows_advance_step,
    errors_invalid_input,
    nan_infinity,
    nested_objects,
    step_auto_commit,
    step_equal_merges,
    step_larger_flushes_pending,
    step_smaller_refused,
    summary_explicit,
    summary_explicit_clears_statistics,
    typed_stage_commit,
);

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/conformance")
}

/// Scenario files added after this list was written are replayed here, so a
/// new scenario is never skipped (add it to the list for a test of its own).
#[test]
fn unlisted_scenarios() {
    let mut unlisted = vec![];
    for entry in std::fs::read_dir(scenario_dir()).expect("tests/conformance") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if !LISTED.contains(&stem.as_str()) {
                unlisted.push(stem);
            }
        }
    }
    unlisted.sort();
    let failed: Vec<String> = unlisted
        .iter()
        .filter(|name| std::panic::catch_unwind(|| replay(name)).is_err())
        .cloned()
        .collect();
    eprintln!("unlisted scenarios replayed: {unlisted:?}");
    assert!(
        failed.is_empty(),
        "unlisted scenarios failed (details above): {failed:?}"
    );
}

enum StepArg {
    Ok(Step),
    Negative,
}

fn step_of(call: &Value) -> StepArg {
    match call.get("step") {
        None | Some(Value::Null) => StepArg::Ok(Step::Auto),
        Some(v) => match v.as_u64() {
            Some(n) => StepArg::Ok(Step::At(n)),
            None => StepArg::Negative,
        },
    }
}

fn commit_of(call: &Value) -> Commit {
    match call.get("commit").and_then(Value::as_str).unwrap_or("default") {
        "default" => Commit::Default,
        "yes" => Commit::Yes,
        "no" => Commit::No,
        other => panic!("bad commit {other:?}"),
    }
}

fn text_of(call: &Value) -> Vec<u8> {
    if let Some(hex) = call.get("json_hex").and_then(Value::as_str) {
        assert!(hex.len() % 2 == 0, "json_hex has an odd length");
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("json_hex"))
            .collect()
    } else {
        call["json"]
            .as_str()
            .expect("a call needs json or json_hex")
            .as_bytes()
            .to_vec()
    }
}

fn double_of(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        v => v
            .as_f64()
            .expect("value must be a number, \"NaN\", \"Infinity\" or \"-Infinity\""),
    }
}

fn options_of(doc: &Value, dir: &Path) -> Options {
    let mut o = Options {
        dir: Some(dir.to_path_buf()),
        silent: Some(true),
        ..Default::default()
    };
    if let Some(opts) = doc.get("options").and_then(Value::as_object) {
        for (k, v) in opts {
            match k.as_str() {
                "project" => o.project = Some(v.as_str().unwrap().into()),
                "name" => o.name = Some(v.as_str().unwrap().into()),
                "mode" => {
                    o.mode = Some(match v.as_str().unwrap() {
                        "online" => Mode::Online,
                        "offline" | "dryrun" => Mode::Offline,
                        "disabled" => Mode::Disabled,
                        m => panic!("unknown mode {m}"),
                    })
                }
                "config" => o.config = Some(v.clone()),
                "max_payload_bytes" => o.max_payload_bytes = v.as_u64().unwrap(),
                other => panic!("unknown option {other:?}: this replayer does not support it"),
            }
        }
    }
    o
}

struct Replay {
    failures: Vec<String>,
    expect: Value,
    stats_taken: bool,
}

impl Replay {
    fn take_stats(&mut self, run: &Run) {
        if self.stats_taken {
            return;
        }
        self.stats_taken = true;
        let Some(want) = self.expect.get("stats").and_then(Value::as_object) else {
            return;
        };
        let s = match run.stats() {
            Ok(s) => s,
            Err(e) => return self.failures.push(format!("stats: {e}")),
        };
        for (k, v) in want {
            let got = match k.as_str() {
                "step" => s.step as f64,
                "rows_logged" => s.rows_logged as f64,
                "steps_refused" => s.steps_refused as f64,
                "rows_refused_queue_full" => s.rows_refused_queue_full as f64,
                other => {
                    self.failures
                        .push(format!("stats.{other} is not a stats field this replayer knows"));
                    continue;
                }
            };
            if got != v.as_f64().unwrap() {
                self.failures.push(format!("stats.{k}: expected {v}, got {got}"));
            }
        }
    }

    fn check(&mut self, ctx: &str, call: &Value, result: Result<Option<Value>, Error>, ignore: &[&str]) {
        let expect = call.get("expect").and_then(Value::as_str).unwrap_or("RUNLOG_OK");
        match result {
            Ok(value) => {
                if expect != "RUNLOG_OK" {
                    self.failures.push(format!("{ctx}: expected {expect}, got RUNLOG_OK"));
                } else if let (Some(v), Some(want)) = (value, call.get("expect_json")) {
                    let mut diffs = vec![];
                    compare(want, &v, "value", &mut diffs, ignore);
                    self.failures.extend(diffs.into_iter().map(|d| format!("{ctx}: {d}")));
                }
            }
            Err(e) => {
                if e.status.name() != expect {
                    self.failures
                        .push(format!("{ctx}: expected {expect}, got {}: {}", e.status, e.message));
                }
                if e.message.is_empty() {
                    self.failures.push(format!("{ctx}: empty error message"));
                }
            }
        }
    }
}

fn replay(name: &str) {
    let file = scenario_dir().join(format!("{name}.json"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("scenario file"))
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let tmp = TempDir::new(name);
    let mut run = Some(Run::init(options_of(&doc, tmp.path())).expect("Run::init"));
    let run_dir = run.as_ref().unwrap().dir().to_string();
    let mut r = Replay {
        failures: vec![],
        expect: doc.get("expect").cloned().unwrap_or(Value::Null),
        stats_taken: false,
    };
    let calls = doc["calls"].as_array().expect("calls");
    let has_finish = calls.iter().any(|c| c["op"] == "finish");

    for (i, call) in calls.iter().enumerate() {
        let op = call["op"].as_str().expect("op");
        let ctx = format!("call {i} ({op})");
        let expect = call.get("expect").and_then(Value::as_str).unwrap_or("RUNLOG_OK");
        if op == "finish" {
            match run.take() {
                Some(live) => {
                    r.take_stats(&live);
                    let code = call.get("exit_code").and_then(Value::as_i64).unwrap_or(0) as i32;
                    r.check(&ctx, call, live.finish(code).map(|()| None), &[]);
                }
                None if expect == "RUNLOG_E_FINISHED" => {}
                None => r
                    .failures
                    .push(format!("{ctx}: a second finish cannot return {expect}")),
            }
            continue;
        }
        let Some(live) = run.as_ref() else {
            // After finish(self): the call cannot be written in safe Rust.
            if expect != "RUNLOG_E_FINISHED" {
                r.failures.push(format!("{ctx}: expects {expect} after finish"));
            }
            continue;
        };
        let mut ignore: &[&str] = &[];
        let result: Result<Option<Value>, Error> = match op {
            "log" => match step_of(call) {
                StepArg::Ok(step) => live.log_json(text_of(call), step, commit_of(call)).map(|()| None),
                StepArg::Negative => {
                    if expect != "RUNLOG_E_INVALID_ARGUMENT" {
                        r.failures
                            .push(format!("{ctx}: a negative step must be refused, not {expect}"));
                    }
                    continue;
                }
            },
            "commit_row" => match step_of(call) {
                StepArg::Ok(step) => live.commit_row(step, commit_of(call)).map(|()| None),
                StepArg::Negative => {
                    if expect != "RUNLOG_E_INVALID_ARGUMENT" {
                        r.failures
                            .push(format!("{ctx}: a negative step must be refused, not {expect}"));
                    }
                    continue;
                }
            },
            "stage_double" => live
                .stage(call["key"].as_str().unwrap(), double_of(&call["value"]))
                .map(|()| None),
            "stage_int" => live
                .stage_int(call["key"].as_str().unwrap(), call["value"].as_i64().unwrap())
                .map(|()| None),
            "config_update" => live.config_update_json(text_of(call)).map(|()| None),
            "summary_update" => live.summary_update_json(text_of(call)).map(|()| None),
            "config_get" => {
                ignore = CONFIG_IGNORE;
                live.config().map(Some)
            }
            "summary_get" => match call.get("key").and_then(Value::as_str) {
                Some(key) => live.summary_get(key).map(Some),
                None => {
                    ignore = SUMMARY_IGNORE;
                    live.summary().map(Some)
                }
            },
            "define_metric" => {
                let mut m = MetricOptions::new();
                if let Some(s) = call.get("step_metric").and_then(Value::as_str) {
                    m = m.step_metric(s);
                }
                let mut ops = SummaryOps::DEFAULT;
                for s in call.get("summary").and_then(Value::as_array).into_iter().flatten() {
                    ops |= SummaryOps::from_name(s.as_str().unwrap()).expect("summary op");
                }
                m = m
                    .summary(ops)
                    .hidden(call.get("hidden").and_then(Value::as_bool).unwrap_or(false));
                match call.get("step_sync").and_then(Value::as_str).unwrap_or("default") {
                    "default" => {}
                    "yes" => m = m.step_sync(true),
                    "no" => m = m.step_sync(false),
                    other => panic!("bad step_sync {other:?}"),
                }
                live.define_metric(call["name"].as_str().unwrap(), &m).map(|()| None)
            }
            "flush" => {
                let ms = call.get("timeout_ms").and_then(Value::as_u64).unwrap_or(10_000);
                live.flush(Duration::from_millis(ms)).map(|()| None)
            }
            other => {
                r.failures.push(format!("{ctx}: unknown op {other:?}"));
                continue;
            }
        };
        r.check(&ctx, call, result, ignore);
    }
    if let Some(live) = run.take() {
        assert!(!has_finish);
        r.take_stats(&live);
        if let Err(e) = live.finish(0) {
            r.failures.push(format!("implicit finish(0): {e}"));
        }
    }

    let expect = r.expect.clone();
    if ["rows", "summary", "config", "exit_code"]
        .iter()
        .any(|k| expect.get(k).is_some())
    {
        let shown = show(&run_dir);
        let mut diffs = vec![];
        if let Some(want) = expect.get("rows").and_then(Value::as_array) {
            let got = shown["history"].as_array().cloned().unwrap_or_default();
            if got.len() != want.len() {
                diffs.push(format!(
                    "rows: expected {} rows, got {}: {}",
                    want.len(),
                    got.len(),
                    Value::Array(got)
                ));
            } else {
                for (i, (w, g)) in want.iter().zip(&got).enumerate() {
                    for k in ROW_IGNORE {
                        if !g.get(k).is_some_and(Value::is_number) {
                            diffs.push(format!("rows[{i}].{k}: missing or not a number"));
                        }
                    }
                    compare(w, g, &format!("rows[{i}]"), &mut diffs, ROW_IGNORE);
                }
            }
        }
        if let Some(want) = expect.get("summary") {
            compare(want, &shown["summary"], "summary", &mut diffs, SUMMARY_IGNORE);
        }
        if let Some(want) = expect.get("config") {
            compare(want, &shown["config"], "config", &mut diffs, CONFIG_IGNORE);
        }
        if let Some(want) = expect.get("exit_code") {
            compare(want, &shown["exit_code"], "exit_code", &mut diffs, &[]);
        }
        r.failures.extend(diffs.into_iter().map(|d| format!("results: {d}")));
    }
    assert!(
        r.failures.is_empty(),
        "scenario {name} ({}):\n  {}\nrun directory: {run_dir}",
        file.display(),
        r.failures.join("\n  ")
    );
}
