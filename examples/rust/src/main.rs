//! train_rust — train a tiny model and track it with runlog, from Rust.
//!
//! Logistic regression on two generated Gaussian blobs, mini-batch SGD for
//! 200 steps (the Rust twin of examples/c/quickstart.c). It shows:
//!   - Run::init with a config (a Serialize struct) — offline unless
//!     WANDB_MODE says otherwise; WANDB_DIR picks where runs go;
//!   - the typed fast path per step: stage + commit_row;
//!   - a nested row every 20 steps (a Serialize struct), merged into the
//!     same step with Commit::No before the step's own values;
//!   - define_metric (val.acc's summary = its maximum), an explicit summary
//!     value, finish(0), and errors as runlog::Error.
//!
//! Run (from the repository root, after building the C library):
//!   RUNLOG_LIB_DIR=build/<dir>/core LD_LIBRARY_PATH=build/<dir>/core \
//!     cargo run --manifest-path bindings/rust/Cargo.toml -p runlog-example
//!   build/<dir>/cli/runlog show latest
use runlog::{Commit, Error, MetricOptions, Mode, Options, Run, Step, SummaryOps};
use serde::Serialize;

const N_TRAIN: usize = 800;
const N_VAL: usize = 200;
const STEPS: u64 = 200;
const BATCH: usize = 32;
const LR: f64 = 0.5;
const VAL_EVERY: u64 = 20;

/// xorshift64*: deterministic data without a rand dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 * (1.0 / 9007199254740992.0) + 1e-12
    }
    fn gaussian(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

struct Sample {
    x: [f64; 2],
    y: f64,
}

fn make_data(rng: &mut Rng, n: usize) -> Vec<Sample> {
    (0..n)
        .map(|i| {
            let y = (i % 2) as f64;
            let (cx, cy) = if y > 0.5 { (1.0, 0.5) } else { (-1.0, -0.5) };
            Sample {
                x: [cx + rng.gaussian(), cy + rng.gaussian()],
                y,
            }
        })
        .collect()
}

#[derive(Default)]
struct Model {
    w: [f64; 2],
    b: f64,
}

impl Model {
    fn predict(&self, x: &[f64; 2]) -> f64 {
        1.0 / (1.0 + (-(self.w[0] * x[0] + self.w[1] * x[1] + self.b)).exp())
    }
    /// Mean cross-entropy and accuracy over `data`.
    fn evaluate(&self, data: &[Sample]) -> (f64, f64) {
        let (mut loss, mut correct) = (0.0, 0usize);
        for s in data {
            let p = self.predict(&s.x).clamp(1e-12, 1.0 - 1e-12);
            loss -= s.y * p.ln() + (1.0 - s.y) * (1.0 - p).ln();
            correct += usize::from((p > 0.5) == (s.y > 0.5));
        }
        (loss / data.len() as f64, correct as f64 / data.len() as f64)
    }
    /// One SGD step on `batch`; returns the batch loss.
    fn step(&mut self, batch: &[&Sample], lr: f64) -> f64 {
        let (mut gw, mut gb, mut loss) = ([0.0; 2], 0.0, 0.0);
        for s in batch {
            let p = self.predict(&s.x);
            let pc = p.clamp(1e-12, 1.0 - 1e-12);
            loss -= s.y * pc.ln() + (1.0 - s.y) * (1.0 - pc).ln();
            let d = p - s.y;
            gw[0] += d * s.x[0];
            gw[1] += d * s.x[1];
            gb += d;
        }
        let n = batch.len() as f64;
        self.w[0] -= lr * gw[0] / n;
        self.w[1] -= lr * gw[1] / n;
        self.b -= lr * gb / n;
        loss / n
    }
}

#[derive(Serialize)]
struct Config {
    model: &'static str,
    lr: f64,
    batch_size: usize,
    steps: u64,
    n_train: usize,
}

#[derive(Serialize)]
struct ValMetrics {
    loss: f64,
    acc: f64,
}

#[derive(Serialize)]
struct ValRow {
    val: ValMetrics,
}

fn main() {
    if let Err(e) = train() {
        eprintln!("train_rust: {e}");
        std::process::exit(1);
    }
}

fn train() -> Result<(), Error> {
    let config = Config {
        model: "logistic-regression",
        lr: LR,
        batch_size: BATCH,
        steps: STEPS,
        n_train: N_TRAIN,
    };
    let run = Run::init(Options {
        project: Some("runlog-examples".into()),
        job_type: Some("train".into()),
        tags: vec!["rust".into(), "example".into()],
        // Offline unless the environment chose a mode.
        mode: if std::env::var_os("WANDB_MODE").is_some() {
            None
        } else {
            Some(Mode::Offline)
        },
        config: Some(serde_json::to_value(&config).expect("config serializes")),
        ..Default::default()
    })?;
    run.define_metric("val.acc", &MetricOptions::new().summary(SummaryOps::MAX))?;
    run.define_metric("val.loss", &MetricOptions::new().summary(SummaryOps::MIN))?;

    let mut rng = Rng(0x9E3779B97F4A7C15);
    let train_set = make_data(&mut rng, N_TRAIN);
    let val_set = make_data(&mut rng, N_VAL);
    let mut model = Model::default();

    for step in 0..STEPS {
        let batch: Vec<&Sample> = (0..BATCH)
            .map(|_| &train_set[(rng.uniform() * N_TRAIN as f64) as usize % N_TRAIN])
            .collect();
        let loss = model.step(&batch, LR);
        if step % VAL_EVERY == 0 || step == STEPS - 1 {
            let (val_loss, val_acc) = model.evaluate(&val_set);
            // Merged into this step's row; the commit below records both.
            run.log(
                &ValRow {
                    val: ValMetrics {
                        loss: val_loss,
                        acc: val_acc,
                    },
                },
                Step::At(step),
                Commit::No,
            )?;
        }
        run.stage("loss", loss)?;
        run.stage("w0", model.w[0])?;
        run.stage_int("epoch", (step as usize * BATCH / N_TRAIN) as i64)?;
        run.commit_row(Step::At(step), Commit::Yes)?;
    }

    let (train_loss, train_acc) = model.evaluate(&train_set);
    run.summary_update(
        &serde_json::json!({"final_train_acc": train_acc, "final_train_loss": train_loss}),
    )?;
    let best = run.summary_get("val")?;
    println!(
        "run {} ({}) — best val.acc {}",
        run.name(),
        run.id(),
        best["acc"]["max"]
    );
    println!("stored in {}", run.dir());
    println!("look at it with: runlog show {}", run.dir());
    run.finish(0)
}
