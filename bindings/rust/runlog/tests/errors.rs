//! Error statuses and messages: every failure carries the status and the
//! message of its own call (the caller-owned runlog_error), also when other
//! threads fail at the same time.
mod common;

use std::sync::Arc;

use common::*;
use runlog::{Commit, Error, Options, Run, Status, Step};
use serde_json::json;

fn assert_status(r: Result<(), Error>, status: Status) -> Error {
    let e = r.expect_err("the call should fail");
    assert_eq!(e.status, status, "{e}");
    assert!(!e.message.is_empty());
    e
}

#[test]
fn invalid_input_is_refused_with_its_status() {
    let tmp = TempDir::new("errors");
    let run = Run::init(Options {
        max_payload_bytes: 64,
        ..offline(&tmp)
    })
    .unwrap();
    assert_status(run.log_json("{", Step::Auto, Commit::Default), Status::InvalidJson);
    assert_status(
        run.log_json("{\"x\": nan}", Step::Auto, Commit::Default),
        Status::InvalidJson,
    );
    assert_status(run.log_json("[1]", Step::Auto, Commit::Default), Status::NotObject);
    assert_status(run.log(&vec![1, 2], Step::Auto, Commit::Default), Status::NotObject);
    assert_status(run.log(&3.5, Step::Auto, Commit::Default), Status::NotObject);
    for key in ["_step", "_runtime", "_wandb"] {
        let e = assert_status(
            run.log(&json!({ key: 1 }), Step::Auto, Commit::Default),
            Status::ReservedKey,
        );
        assert!(e.message.contains(key), "{e}");
    }
    assert_status(
        run.log_json(b"{\"x\":\"\xff\"}", Step::Auto, Commit::Default),
        Status::InvalidUtf8,
    );
    assert_status(
        run.log(&json!({"s": "x".repeat(100)}), Step::Auto, Commit::Default),
        Status::TooLarge,
    );
    assert_status(run.config_update_json("3"), Status::NotObject);
    assert_status(run.summary_update(&json!({"_wandb": 1})), Status::ReservedKey);
    assert_status(run.summary_get("nothing").map(|_| ()), Status::NotFound);
    run.log(&json!({"ok": 1}), Step::At(4), Commit::Yes).unwrap();
    let e = assert_status(
        run.log(&json!({"late": 1}), Step::At(2), Commit::Default),
        Status::StepOrder,
    );
    assert!(e.message.contains("step 2"), "{e}");
    // Nothing refused changed the run.
    let s = run.stats().unwrap();
    assert_eq!((s.step, s.rows_logged, s.steps_refused), (5, 1, 1));
    run.finish(0).unwrap();
}

#[test]
fn rust_side_checks_fail_before_reaching_c() {
    let tmp = TempDir::new("rustside");
    let run = Run::init(offline(&tmp)).unwrap();
    assert_status(run.stage("a\0b", 1.0), Status::InvalidArgument);
    assert_status(run.summary_get("a\0b").map(|_| ()), Status::InvalidArgument);
    assert_status(
        run.log(&json!({}), Step::At(u64::MAX), Commit::Default),
        Status::InvalidArgument,
    );
    // A map whose keys cannot be JSON keys.
    let mut m = std::collections::BTreeMap::new();
    m.insert(vec![1u8], 1);
    let e = assert_status(run.log(&m, Step::Auto, Commit::Default), Status::InvalidArgument);
    assert!(e.message.contains("map key"), "{e}");
    run.finish(0).unwrap();

    let bad_tags = Run::init(Options {
        tags: vec!["a,b".into()],
        ..offline(&tmp)
    });
    assert_eq!(bad_tags.unwrap_err().status, Status::InvalidArgument);
    let nul = Run::init(Options {
        project: Some("p\0".into()),
        ..offline(&tmp)
    });
    assert_eq!(nul.unwrap_err().status, Status::InvalidArgument);
}

#[test]
fn init_errors_come_back_as_errors() {
    let tmp = TempDir::new("initerr");
    let e = Run::init(Options {
        config: Some(json!([1, 2])),
        ..offline(&tmp)
    })
    .unwrap_err();
    assert_eq!(e.status, Status::NotObject, "{e}");
    // resume "must" of a run that does not exist
    let e = Run::init(Options {
        run_id: Some("nosuchrun".into()),
        resume: Some(runlog::Resume::Must),
        ..offline(&tmp)
    })
    .unwrap_err();
    assert_eq!(e.status, Status::NotFound, "{e}");
    // resume "never" of a run that exists
    Run::init(Options {
        run_id: Some("exists01".into()),
        ..offline(&tmp)
    })
    .unwrap()
    .finish(0)
    .unwrap();
    let e = Run::init(Options {
        run_id: Some("exists01".into()),
        resume: Some(runlog::Resume::Never),
        ..offline(&tmp)
    })
    .unwrap_err();
    assert_eq!(e.status, Status::Exists, "{e}");
}

#[test]
fn error_is_a_std_error_and_displays_status_and_message() {
    let tmp = TempDir::new("display");
    let run = Run::init(offline(&tmp)).unwrap();
    let boxed: Box<dyn std::error::Error + Send + Sync + 'static> =
        Box::new(run.log_json("{", Step::Auto, Commit::Default).unwrap_err());
    let text = boxed.to_string();
    assert!(text.contains("RUNLOG_E_INVALID_JSON"), "{text}");
    assert!(text.contains("JSON"), "{text}");
    fn uses_question_mark(run: &Run) -> Result<(), Box<dyn std::error::Error>> {
        run.log_json("[]", Step::Auto, Commit::Default)?;
        Ok(())
    }
    assert!(uses_question_mark(&run).is_err());
    run.finish(0).unwrap();
}

#[test]
fn status_codes_round_trip() {
    for code in -20..=-1 {
        let s = Status::from_code(code);
        assert!(!matches!(s, Status::Unknown(_)), "{code}");
        assert_eq!(s.code(), code);
        assert!(s.name().starts_with("RUNLOG_E_"));
        assert!(s.description().starts_with(s.name()), "{}", s.description());
        assert_eq!(s.to_string(), s.name());
    }
    assert_eq!(Status::from_code(-99), Status::Unknown(-99));
    assert_eq!(Status::Unknown(-99).code(), -99);
    assert_eq!(Status::from_code(-7), Status::StepOrder);
    assert_eq!(Status::StepOrder.name(), "RUNLOG_E_STEP_ORDER");
}

#[test]
fn each_error_keeps_its_own_message_across_threads() {
    // Many threads fail differently at the same time on one run: each Error
    // must carry its own call's status and message (no thread-local mixups).
    let tmp = TempDir::new("errthreads");
    let run = Arc::new(Run::init(offline(&tmp)).unwrap());
    run.log(&json!({"x": 1}), Step::At(1000), Commit::Yes).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let run = run.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    match (t + i) % 4 {
                        0 => {
                            let e = run.log_json("{", Step::Auto, Commit::No).unwrap_err();
                            assert_eq!(e.status, Status::InvalidJson);
                            assert!(e.message.contains("syntax"), "{e}");
                        }
                        1 => {
                            let e = run.log_json("[1]", Step::Auto, Commit::No).unwrap_err();
                            assert_eq!(e.status, Status::NotObject);
                            assert!(e.message.contains("array"), "{e}");
                        }
                        2 => {
                            let e = run.log(&json!({"k": 1}), Step::At(i as u64), Commit::No).unwrap_err();
                            assert_eq!(e.status, Status::StepOrder);
                            assert!(e.message.contains(&format!("step {i} ")), "{e}");
                        }
                        _ => {
                            let key = format!("missing{t}_{i}");
                            let e = run.summary_get(&key).unwrap_err();
                            assert_eq!(e.status, Status::NotFound);
                            assert!(e.message.contains(&key), "{e}");
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(run.stats().unwrap().steps_refused, 400);
    Arc::try_unwrap(run).unwrap().finish(0).unwrap();
}
