//! W&B semantics through the safe API: steps and commits, the typed path,
//! Serialize values (NaN included), config, summary, define_metric, finish
//! and Drop, modes and threading options, the log hook.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use runlog::{Commit, Level, MetricOptions, Mode, Options, Run, Status, Step, SummaryOps, Threading};
use serde::Serialize;
use serde_json::{json, Value};

#[test]
fn log_without_step_records_and_advances() {
    let tmp = TempDir::new("auto");
    let run = Run::init(offline(&tmp)).unwrap();
    for i in 0..3 {
        run.log(&json!({"loss": 1.0 / (i + 1) as f64}), Step::Auto, Commit::Default)
            .unwrap();
    }
    let s = run.stats().unwrap();
    assert_eq!((s.step, s.rows_logged, s.steps_refused), (3, 3, 0));
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    let rows = rows(&dir);
    assert_eq!(
        rows,
        vec![
            json!({"_step": 0, "loss": 1.0}),
            json!({"_step": 1, "loss": 0.5}),
            json!({"_step": 2, "loss": 1.0 / 3.0})
        ]
    );
}

#[test]
fn steps_and_commits_follow_wandb() {
    let tmp = TempDir::new("steps");
    let run = Run::init(offline(&tmp)).unwrap();
    run.log(&json!({"a": 1}), Step::At(2), Commit::Default).unwrap(); // pending at 2
    assert_eq!(run.summary_get("a").unwrap_err().status, Status::NotFound);
    run.log(&json!({"b": 2}), 2u64.into(), Commit::No).unwrap(); // merged
    run.log(&json!({"c": 3}), Step::At(4), Commit::Default).unwrap(); // records step 2
    assert_eq!(run.summary_get("b").unwrap(), json!(2));
    run.log(&json!({"d": 4}), Step::Auto, Commit::Default).unwrap(); // records step 4, next 5
    let err = run.log(&json!({"e": 5}), Step::At(3), Commit::Yes).unwrap_err();
    assert_eq!(err.status, Status::StepOrder);
    run.log(&json!({"f": 6}), Step::At(5), Commit::Yes).unwrap(); // records step 5
    run.log(&json!({"g": 7}), Step::Auto, Commit::No).unwrap(); // pending, recorded at finish
    let s = run.stats().unwrap();
    assert_eq!((s.step, s.rows_logged, s.steps_refused), (6, 3, 1));
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    assert_eq!(
        rows(&dir),
        vec![
            json!({"_step": 2, "a": 1, "b": 2}),
            json!({"_step": 4, "c": 3, "d": 4}),
            json!({"_step": 5, "f": 6}),
            json!({"_step": 6, "g": 7}),
        ]
    );
}

#[derive(Serialize)]
struct Val {
    loss: f64,
    acc: f32,
}

#[derive(Serialize)]
struct Row<'a> {
    loss: f64,
    grad_norm: f64,
    epoch: u32,
    lr: Option<f64>,
    phase: &'a str,
    val: Val,
    hist: Vec<i64>,
}

#[test]
fn serialize_values_keep_nan_and_infinity() {
    let tmp = TempDir::new("serde");
    let run = Run::init(offline(&tmp)).unwrap();
    let row = Row {
        loss: f64::NAN,
        grad_norm: f64::INFINITY,
        epoch: 1,
        lr: None,
        phase: "train \"α\"",
        val: Val {
            loss: f64::NEG_INFINITY,
            acc: 0.5,
        },
        hist: vec![1, -2, 3],
    };
    run.log(&row, Step::Auto, Commit::Default).unwrap();
    // The library keeps the tokens; summary() shows them as strings.
    assert_eq!(run.summary_json(Some("loss")).unwrap(), "NaN");
    assert_eq!(run.summary_get("grad_norm").unwrap(), json!("Infinity"));
    assert_eq!(
        run.summary_get("val").unwrap(),
        json!({"loss": "-Infinity", "acc": 0.5})
    );
    assert_eq!(run.summary_get("lr").unwrap(), Value::Null);
    assert_eq!(run.summary_get("phase").unwrap(), json!("train \"α\""));
    // A map works too, and so does a serde_json::Value.
    let mut m = std::collections::BTreeMap::new();
    m.insert("x", 1.5);
    run.log(&m, Step::Auto, Commit::Default).unwrap();
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    let rows = rows(&dir);
    assert_eq!(
        rows[0],
        json!({"_step": 0, "loss": "NaN", "grad_norm": "Infinity", "epoch": 1, "lr": null, "phase": "train \"α\"",
               "val": {"loss": "-Infinity", "acc": 0.5}, "hist": [1, -2, 3]})
    );
    assert_eq!(rows[1], json!({"_step": 1, "x": 1.5}));
}

#[test]
fn typed_stage_and_commit_row() {
    let tmp = TempDir::new("stage");
    let run = Run::init(offline(&tmp)).unwrap();
    run.stage("loss", 0.5).unwrap();
    run.stage_int("epoch", 1).unwrap();
    run.stage("loss", 0.25).unwrap(); // last value wins
    run.commit_row(Step::Auto, Commit::Default).unwrap();
    run.stage("nan", f64::NAN).unwrap();
    run.commit_row(Step::At(1), Commit::No).unwrap();
    run.log_json(r#"{"extra": true}"#, Step::At(1), Commit::Default)
        .unwrap();
    run.commit_row(Step::Auto, Commit::Default).unwrap(); // nothing staged: records the pending row
    assert_eq!(run.stage("_step", 1.0).unwrap_err().status, Status::ReservedKey);
    assert_eq!(run.stage("", 1.0).unwrap_err().status, Status::InvalidArgument);
    assert_eq!(run.stats().unwrap().step, 2);
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    assert_eq!(
        rows(&dir),
        vec![
            json!({"_step": 0, "loss": 0.25, "epoch": 1}),
            json!({"_step": 1, "nan": "NaN", "extra": true})
        ]
    );
}

#[test]
fn config_starts_from_options_and_merges_top_level_keys() {
    #[derive(Serialize)]
    struct Hyper {
        batch: u32,
        lr: f64,
    }
    let tmp = TempDir::new("config");
    let run = Run::init(Options {
        config: Some(json!({"lr": 0.1, "model": {"depth": 3}})),
        ..offline(&tmp)
    })
    .unwrap();
    assert_eq!(run.config().unwrap(), json!({"lr": 0.1, "model": {"depth": 3}}));
    run.config_update(&Hyper { batch: 32, lr: 0.01 }).unwrap();
    // (serde_json::Value cannot hold NaN — json! turns it into null — so
    // non-finite values go through a typed value or JSON text.)
    run.config_update(&json!({"model": {"width": 2}})).unwrap();
    let mut eps = std::collections::HashMap::new();
    eps.insert("eps", f64::NAN);
    run.config_update(&eps).unwrap();
    assert_eq!(
        run.config().unwrap(),
        json!({"lr": 0.01, "batch": 32, "model": {"width": 2}, "eps": "NaN"})
    );
    assert!(run.config_json().unwrap().contains("\"eps\":NaN"));
    assert_eq!(run.config_update(&json!([1])).unwrap_err().status, Status::NotObject);
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    let shown = show(&dir);
    assert_eq!(
        shown["config"],
        json!({"lr": 0.01, "batch": 32, "model": {"width": 2}, "eps": "NaN"})
    );
}

#[test]
fn summary_explicit_values_until_logged_again() {
    let tmp = TempDir::new("summary");
    let run = Run::init(offline(&tmp)).unwrap();
    run.log(&json!({"acc": 0.5}), Step::Auto, Commit::Default).unwrap();
    run.summary_update(&json!({"acc": 0.9, "best": 1})).unwrap();
    assert_eq!(run.summary_get("acc").unwrap(), json!(0.9));
    run.log(&json!({"acc": 0.6}), Step::Auto, Commit::Default).unwrap();
    assert_eq!(run.summary_get("acc").unwrap(), json!(0.6));
    run.summary_update_json(r#"{"best": null}"#).unwrap();
    let err = run.summary_get("best").unwrap_err();
    assert_eq!(err.status, Status::NotFound);
    let all = run.summary().unwrap();
    assert_eq!(all["acc"], json!(0.6));
    assert_eq!(all["_step"], json!(1));
    assert!(all["_runtime"].is_number());
    run.finish(0).unwrap();
}

#[test]
fn define_metric_with_the_builder() {
    let tmp = TempDir::new("metric");
    let run = Run::init(offline(&tmp)).unwrap();
    run.define_metric("loss", &MetricOptions::new().summary(SummaryOps::MIN | SummaryOps::MAX))
        .unwrap();
    run.define_metric("acc", &MetricOptions::new().summary(SummaryOps::MEAN).hidden(true))
        .unwrap();
    run.define_metric("debug_*", &MetricOptions::new().summary(SummaryOps::NONE))
        .unwrap();
    run.define_metric("val_acc", &MetricOptions::new().step_metric("epoch"))
        .unwrap();
    run.define_metric("test_acc", &MetricOptions::new().step_metric("epoch").step_sync(false))
        .unwrap();
    assert_eq!(
        run.define_metric("a*b", &MetricOptions::new()).unwrap_err().status,
        Status::InvalidArgument
    );
    for (i, loss) in [3.0, 1.0, 2.0].iter().enumerate() {
        run.log(
            &json!({"loss": loss, "acc": i, "debug_x": 1, "epoch": i}),
            Step::Auto,
            Commit::Default,
        )
        .unwrap();
    }
    run.log(&json!({"val_acc": 0.7, "test_acc": 0.6}), Step::Auto, Commit::Default)
        .unwrap();
    assert_eq!(run.summary_get("loss").unwrap(), json!({"min": 1.0, "max": 3.0}));
    assert_eq!(run.summary_get("acc").unwrap(), json!({"mean": 1.0}));
    assert_eq!(run.summary_get("debug_x").unwrap_err().status, Status::NotFound);
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    let rows = rows(&dir);
    assert_eq!(
        rows[3],
        json!({"_step": 3, "val_acc": 0.7, "test_acc": 0.6, "epoch": 2.0})
    );
}

#[test]
fn accessors_return_the_run_identity() {
    let tmp = TempDir::new("accessors");
    let run = Run::init(Options {
        run_id: Some("rustacc1".into()),
        name: Some("accessor-test".into()),
        tags: vec!["a".into(), "b c".into()],
        notes: Some("notes".into()),
        group: Some("g".into()),
        job_type: Some("train".into()),
        ..offline(&tmp)
    })
    .unwrap();
    assert_eq!(run.id(), "rustacc1");
    assert_eq!(run.name(), "accessor-test");
    assert_eq!(run.project(), "rust-tests");
    assert_eq!(run.entity(), "");
    assert_eq!(run.mode(), "offline");
    assert!(run.dir_path().starts_with(tmp.path().join("runlog")), "{}", run.dir());
    assert!(run.dir_path().is_dir());
    assert!(!run.as_raw().is_null());
    assert!(format!("{run:?}").contains("rustacc1"));
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    let shown = show(&dir);
    assert_eq!(shown["id"], "rustacc1");
    assert_eq!(shown["run"]["tags"], json!(["a", "b c"]));
    assert_eq!(shown["run"]["group"], "g");
}

#[test]
fn finish_records_the_exit_code() {
    let tmp = TempDir::new("exit");
    let run = Run::init(offline(&tmp)).unwrap();
    run.log(&json!({"x": 1}), Step::Auto, Commit::No).unwrap();
    let dir = run.dir().to_string();
    run.finish(3).unwrap();
    let shown = show(&dir);
    assert_eq!(shown["exit_code"], 3);
    assert_eq!(shown["state"], "failed");
    assert_eq!(shown["rows"], 1); // the pending row was recorded at finish
}

#[test]
fn drop_finishes_with_exit_code_zero() {
    let tmp = TempDir::new("drop");
    let dir = {
        let run = Run::init(offline(&tmp)).unwrap();
        run.log(&json!({"x": 1}), Step::Auto, Commit::Default).unwrap();
        run.log(&json!({"y": 2}), Step::Auto, Commit::No).unwrap();
        run.dir().to_string()
    };
    let shown = show(&dir);
    assert_eq!(shown["exit_code"], 0);
    assert_eq!(shown["state"], "finished");
    assert_eq!(shown["rows"], 2);
    assert!(Path::new(&dir).join("files/wandb-summary.json").is_file());
}

use std::path::Path;

#[test]
fn disabled_mode_accepts_everything_and_writes_nothing() {
    let tmp = TempDir::new("disabled");
    let run = Run::init(Options {
        mode: Some(Mode::Disabled),
        ..offline(&tmp)
    })
    .unwrap();
    assert_eq!(run.mode(), "disabled");
    assert_eq!(run.dir(), "");
    run.log(&json!({"x": 1}), Step::Auto, Commit::Default).unwrap();
    run.define_metric("x", &MetricOptions::new().summary(SummaryOps::MAX))
        .unwrap();
    run.flush(Duration::from_secs(1)).unwrap();
    run.finish(0).unwrap();
    assert!(
        !tmp.path().join("runlog").exists() || std::fs::read_dir(tmp.path().join("runlog")).unwrap().next().is_none()
    );
}

#[test]
fn manual_threading_writes_on_pump() {
    let tmp = TempDir::new("manual");
    let run = Run::init(Options {
        threading: Threading::Manual,
        ..offline(&tmp)
    })
    .unwrap();
    for i in 0..10 {
        run.log(&json!({"i": i}), Step::Auto, Commit::Default).unwrap();
    }
    run.pump(0).unwrap();
    let s = run.stats().unwrap();
    assert_eq!(s.records_queued, 0);
    assert!(s.records_written >= 10, "{s:?}");
    run.flush(Duration::MAX).unwrap();
    let dir = run.dir().to_string();
    run.finish(0).unwrap();
    assert_eq!(rows(&dir).len(), 10);
}

#[test]
fn flush_waits_for_the_writer() {
    let tmp = TempDir::new("flush");
    let run = Run::init(offline(&tmp)).unwrap();
    for i in 0..100 {
        run.log(&json!({"i": i}), Step::Auto, Commit::Default).unwrap();
    }
    run.flush(Duration::from_secs(30)).unwrap();
    let s = run.stats().unwrap();
    assert_eq!(s.records_queued, 0);
    assert!(s.journal_bytes > 0);
    run.flush(Duration::MAX).unwrap(); // no limit
    run.finish(0).unwrap();
}

#[test]
fn log_hook_gets_the_banner_and_a_panicking_hook_is_contained() {
    let tmp = TempDir::new("hook");
    let seen: Arc<Mutex<Vec<(Level, String)>>> = Arc::default();
    let sink = seen.clone();
    let run = Run::init(Options {
        silent: Some(false),
        log_hook: Some(Arc::new(move |level, msg: &str| {
            sink.lock().unwrap().push((level, msg.to_string()))
        })),
        ..offline(&tmp)
    })
    .unwrap();
    let id = run.id().to_string();
    // A refused step warns through the hook too.
    run.log(&json!({"x": 1}), Step::At(5), Commit::Yes).unwrap();
    let _ = run.log(&json!({"x": 1}), Step::At(1), Commit::Default);
    run.finish(0).unwrap();
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|(l, m)| *l == Level::Info && m.contains(&id)),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|(l, m)| *l == Level::Warn && m.contains("step 1")),
        "{seen:?}"
    );

    // A hook that panics: the panic is caught at the C boundary.
    let run = Run::init(Options {
        silent: Some(false),
        log_hook: Some(Arc::new(|_, _: &str| panic!("hook panics on purpose"))),
        ..offline(&tmp)
    })
    .unwrap();
    run.log(&json!({"x": 1}), Step::At(5), Commit::Yes).unwrap();
    let _ = run.log(&json!({"x": 1}), Step::At(1), Commit::Default);
    run.log(&json!({"y": 2}), Step::Auto, Commit::Default).unwrap();
    run.finish(0).unwrap();
}

#[test]
fn version_functions() {
    assert_eq!(runlog::abi_version(), runlog::sys::RUNLOG_ABI_VERSION);
    assert_eq!(runlog::version(), runlog::sys::RUNLOG_VERSION_STRING);
    assert_eq!(runlog::version_number(), runlog::sys::RUNLOG_VERSION_NUMBER);
    assert!(runlog::has_threads());
}
