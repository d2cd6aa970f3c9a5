/*
 * quickstart.c — train a tiny model and track it with runlog.
 *
 * Logistic regression on generated 2-D data (two Gaussian blobs), trained
 * with mini-batch SGD for 200 steps. What it shows:
 *   - runlog_init with a config; every other setting comes from the WANDB_*
 *     environment variables or runlog's defaults (mode: offline, no account);
 *   - the typed fast path per step: runlog_stage_double + runlog_commit_row;
 *   - a nested JSON row ({"val": {"loss": .., "acc": ..}}) every 20 steps,
 *     merged into the same step with RUNLOG_COMMIT_NO;
 *   - define_metric (summary of "acc" = its maximum), an explicit summary
 *     value, and finish(0);
 *   - checking every status and printing runlog_error's message.
 *
 * Build and run (from the repository root):
 *   cmake --preset release && cmake --build --preset release --target quickstart
 *   ./build/release/quickstart
 * Runs go to ./runlog/ (or $WANDB_DIR/runlog/).
 */
#include <runlog.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_TRAIN 800
#define N_VAL 200
#define STEPS 200
#define BATCH 32
#define LR 0.5
#define VAL_EVERY 20

/* ---- data: two Gaussian blobs, deterministic (own PRNG) ------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double uniform(void) { /* xorshift64*, in (0, 1) */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((rng_state * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0) + 1e-12;
}

static double gaussian(void) { /* Box-Muller */
    return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());
}

typedef struct {
    double x[2];
    int y;
} sample;

static void make_data(sample *out, int n) {
    int i;
    for (i = 0; i < n; ++i) {
        int y = i % 2;
        double cx = y ? 1.0 : -1.0, cy = y ? 0.5 : -0.5;
        out[i].x[0] = cx + gaussian();
        out[i].x[1] = cy + gaussian();
        out[i].y = y;
    }
}

/* ---- model: p(y=1|x) = sigmoid(w·x + b) ------------------------------------ */

typedef struct {
    double w[2], b;
} model;

static double predict(const model *m, const double *x) {
    double z = m->w[0] * x[0] + m->w[1] * x[1] + m->b;
    return 1.0 / (1.0 + exp(-z));
}

/* Mean cross-entropy and accuracy of m over data[0..n). */
static void evaluate(const model *m, const sample *data, int n, double *loss, double *acc) {
    double l = 0.0;
    int i, correct = 0;
    for (i = 0; i < n; ++i) {
        double p = predict(m, data[i].x);
        l -= data[i].y ? log(p + 1e-12) : log(1.0 - p + 1e-12);
        correct += (p >= 0.5) == (data[i].y == 1);
    }
    *loss = l / n;
    *acc = (double)correct / n;
}

/* One SGD step on data[0..n); returns the batch loss and accuracy before it. */
static void sgd_step(model *m, const sample *batch, int n, double lr, double *loss, double *acc) {
    double gw0 = 0, gw1 = 0, gb = 0;
    int i;
    evaluate(m, batch, n, loss, acc);
    for (i = 0; i < n; ++i) {
        double d = predict(m, batch[i].x) - batch[i].y;
        gw0 += d * batch[i].x[0];
        gw1 += d * batch[i].x[1];
        gb += d;
    }
    m->w[0] -= lr * gw0 / n;
    m->w[1] -= lr * gw1 / n;
    m->b -= lr * gb / n;
}

/* ---- runlog error handling --------------------------------------------------- */

static runlog_run *run = NULL;

/* Prints the error and ends the program (finishing the run with exit code 1,
 * so that what was logged so far is kept and marked as failed). */
static void check(int status, const runlog_error *err, const char *what) {
    if (status == RUNLOG_OK) return;
    fprintf(stderr, "quickstart: %s failed: %s\n  (%s)\n", what, err->message,
            runlog_status_string(status));
    if (run) {
        runlog_error ferr = RUNLOG_ERROR_INIT;
        if (runlog_finish(run, 1, &ferr) != RUNLOG_OK)
            fprintf(stderr, "quickstart: runlog_finish failed too: %s\n", ferr.message);
    }
    exit(1);
}

int main(void) {
    static sample train[N_TRAIN], val[N_VAL];
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_options opts = RUNLOG_OPTIONS_INIT;
    runlog_metric_options acc_metric = RUNLOG_METRIC_OPTIONS_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    model m = {{0.0, 0.0}, 0.0};
    char config[256], row[256], id[64], dir[4096];
    double best_val_acc = 0.0, val_loss = 0.0, val_acc = 0.0;
    int step, epochs;

    make_data(train, N_TRAIN);
    make_data(val, N_VAL);
    epochs = (STEPS * BATCH + N_TRAIN - 1) / N_TRAIN;

    /* Everything left NULL/0 comes from WANDB_* variables or the defaults:
     * WANDB_MODE (default offline), WANDB_DIR (default .), WANDB_NAME, ...
     * The project is set here only when WANDB_PROJECT is not. */
    if (!getenv("WANDB_PROJECT")) opts.project = "runlog-quickstart";
    opts.job_type = getenv("WANDB_JOB_TYPE") ? NULL : "train";
    snprintf(config, sizeof config,
             "{\"model\": \"logistic_regression\", \"lr\": %g, \"epochs\": %d, "
             "\"batch_size\": %d, \"steps\": %d, \"n_train\": %d, \"n_val\": %d}",
             LR, epochs, BATCH, STEPS, N_TRAIN, N_VAL);
    opts.config_json = config;
    check(runlog_init(&run, &opts, &err), &err, "runlog_init");

    /* Accessors are valid until finish: copy what is printed at the end. */
    snprintf(id, sizeof id, "%s", runlog_run_id(run));
    snprintf(dir, sizeof dir, "%s", runlog_run_dir(run));

    /* The summary of "acc" is its maximum ({"max": ...}), not its last value. */
    acc_metric.summary = RUNLOG_SUMMARY_MAX;
    check(runlog_define_metric(run, "acc", &acc_metric, &err), &err, "runlog_define_metric");
    check(runlog_config_update_json(run, "{\"optimizer\": \"sgd\", \"data\": \"two_blobs\"}",
                                    RUNLOG_NUL_TERMINATED, &err),
          &err, "runlog_config_update_json");

    for (step = 0; step < STEPS; ++step) {
        double loss, acc;
        int start = (step * BATCH) % N_TRAIN;
        int n = start + BATCH <= N_TRAIN ? BATCH : N_TRAIN - start;
        sgd_step(&m, train + start, n, LR, &loss, &acc);

        if (step % VAL_EVERY == 0 || step == STEPS - 1) {
            /* Nested JSON, merged into this step's row (not committed yet). */
            evaluate(&m, val, N_VAL, &val_loss, &val_acc);
            if (val_acc > best_val_acc) best_val_acc = val_acc;
            snprintf(row, sizeof row, "{\"val\": {\"loss\": %.17g, \"acc\": %.17g}, \"epoch\": %d}",
                     val_loss, val_acc, (step * BATCH) / N_TRAIN);
            check(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO,
                                  RUNLOG_COMMIT_NO, &err),
                  &err, "runlog_log_json");
        }

        /* Typed fast path: no JSON text at all. commit_row records the row
         * (with the val values merged above) and advances the step. */
        check(runlog_stage_double(run, "loss", loss, &err), &err, "runlog_stage_double(loss)");
        check(runlog_stage_double(run, "acc", acc, &err), &err, "runlog_stage_double(acc)");
        check(runlog_stage_double(run, "lr", LR, &err), &err, "runlog_stage_double(lr)");
        check(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err), &err,
              "runlog_commit_row");

        /* Only does work with RUNLOG_THREADING_MANUAL (builds without threads);
         * with the background writer it returns at once. */
        if (step % VAL_EVERY == 0) check(runlog_pump(run, 0, &err), &err, "runlog_pump");
    }

    snprintf(row, sizeof row,
             "{\"best_val_acc\": %.17g, \"final_val_loss\": %.17g, \"weights\": [%.17g, %.17g, %.17g]}",
             best_val_acc, val_loss, m.w[0], m.w[1], m.b);
    check(runlog_summary_update_json(run, row, RUNLOG_NUL_TERMINATED, &err), &err,
          "runlog_summary_update_json");

    check(runlog_summary_get_json(run, "acc", &buf, &err), &err, "runlog_summary_get_json");
    printf("quickstart: %d steps, val acc %.3f (best %.3f), summary of acc: %s\n", STEPS, val_acc,
           best_val_acc, buf.data);
    runlog_buf_free(&buf);

    check(runlog_finish(run, 0, &err), &err, "runlog_finish");
    run = NULL;

    printf("quickstart: run %s is in %s\n", id, dir[0] ? dir : "(nowhere: mode disabled)");
    if (dir[0]) {
        printf("  runlog show %s      # config, summary, history\n", id);
        printf("  runlog verify %s    # check the journal record by record\n", id);
    }
    return 0;
}
