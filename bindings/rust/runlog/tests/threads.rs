//! Run is Send + Sync: many threads log into one run, read it, and the run
//! can move between threads.
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use runlog::{Commit, Run, Step};
use serde_json::json;

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn run_and_error_are_send_and_sync() {
    assert_send_sync::<Run>();
    assert_send_sync::<runlog::Error>();
    assert_send_sync::<runlog::Options>();
}

#[test]
fn concurrent_logging_keeps_every_row() {
    const THREADS: u64 = 8;
    const ROWS: u64 = 250;
    let tmp = TempDir::new("threads");
    let run = Arc::new(Run::init(offline(&tmp)).unwrap());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let run = run.clone();
            std::thread::spawn(move || {
                for i in 0..ROWS {
                    run.log(
                        &json!({"t": t, "i": i, "v": (t * 1000 + i) as f64 / 7.0}),
                        Step::Auto,
                        Commit::Default,
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    // Readers at the same time.
    let reader = {
        let run = run.clone();
        std::thread::spawn(move || {
            for _ in 0..50 {
                let s = run.stats().unwrap();
                assert!(s.rows_logged <= THREADS * ROWS);
                let _ = run.summary().unwrap();
                run.config_update(&json!({"probe": s.rows_logged})).unwrap();
                run.flush(Duration::from_secs(10)).unwrap();
            }
        })
    };
    for h in handles {
        h.join().unwrap();
    }
    reader.join().unwrap();
    let s = run.stats().unwrap();
    assert_eq!(s.rows_logged, THREADS * ROWS);
    assert_eq!(s.step, (THREADS * ROWS) as i64);
    let dir = run.dir().to_string();
    Arc::try_unwrap(run)
        .expect("every clone was dropped")
        .finish(0)
        .unwrap();

    let rows = rows(&dir);
    assert_eq!(rows.len() as u64, THREADS * ROWS);
    let mut seen = HashSet::new();
    let mut last_i = vec![-1i64; THREADS as usize];
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row["_step"], json!(n), "steps are dense and in order");
        let t = row["t"].as_u64().unwrap();
        let i = row["i"].as_i64().unwrap();
        assert!(seen.insert((t, i)), "row {t}/{i} twice");
        // Rows of one thread keep that thread's call order.
        assert!(i > last_i[t as usize]);
        last_i[t as usize] = i;
    }
}

#[test]
fn a_run_moves_to_another_thread_and_finishes_there() {
    let tmp = TempDir::new("move");
    let run = Run::init(offline(&tmp)).unwrap();
    run.log(&json!({"where": "main"}), Step::Auto, Commit::Default).unwrap();
    let dir = std::thread::spawn(move || {
        run.log(&json!({"where": "worker"}), Step::Auto, Commit::Default)
            .unwrap();
        let dir = run.dir().to_string();
        run.finish(0).unwrap();
        dir
    })
    .join()
    .unwrap();
    let rows = rows(&dir);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["where"], "worker");
}

#[test]
fn independent_runs_in_parallel() {
    let tmp = Arc::new(TempDir::new("parallel"));
    let handles: Vec<_> = (0..4)
        .map(|k| {
            let tmp = tmp.clone();
            std::thread::spawn(move || {
                let run = Run::init(offline(&tmp)).unwrap();
                for i in 0..100 {
                    run.stage("k", k as f64).unwrap();
                    run.stage_int("i", i).unwrap();
                    run.commit_row(Step::Auto, Commit::Default).unwrap();
                }
                let dir = run.dir().to_string();
                run.finish(0).unwrap();
                (k, dir)
            })
        })
        .collect();
    for h in handles {
        let (k, dir) = h.join().unwrap();
        let rows = rows(&dir);
        assert_eq!(rows.len(), 100);
        assert!(rows.iter().all(|r| r["k"] == json!(k as f64)));
    }
}
