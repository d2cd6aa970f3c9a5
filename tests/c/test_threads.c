/*
 * Concurrent loggers: 4 threads x 10,000 rows into one run. Every row must be
 * in the journal exactly once, each thread's rows in its call order, and the
 * steps consecutive.
 */
#define _XOPEN_SOURCE 700
#include <pthread.h>

#include "harness.h"

#define THREADS 4
#define ROWS 10000

typedef struct {
    runlog_run *run;
    int id;
    int failures;
    char first_error[RUNLOG_ERROR_MESSAGE_SIZE];
} worker;

static void *log_rows(void *arg) {
    worker *w = (worker *)arg;
    runlog_error err = RUNLOG_ERROR_INIT;
    int i;
    for (i = 0; i < ROWS; ++i) {
        char row[96];
        snprintf(row, sizeof row, "{\"t\": %d, \"i\": %d, \"v\": %d.5}", w->id, i, w->id * ROWS + i);
        if (runlog_log_json(w->run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err) !=
            RUNLOG_OK) {
            if (w->failures++ == 0) memcpy(w->first_error, err.message, sizeof err.message);
        }
    }
    return NULL;
}

static void *stage_rows(void *arg) {
    /* A second run, one thread per run on the staging path. */
    worker *w = (worker *)arg;
    runlog_error err = RUNLOG_ERROR_INIT;
    int i;
    for (i = 0; i < ROWS; ++i) {
        if (runlog_stage_int(w->run, "i", i, &err) || runlog_stage_double(w->run, "x", i * 0.5, &err) ||
            runlog_commit_row(w->run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err)) {
            if (w->failures++ == 0) memcpy(w->first_error, err.message, sizeof err.message);
        }
    }
    return NULL;
}

static void run_concurrent(int threading) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL, *typed = NULL;
    runlog_options o = h_opts(h_tmpdir());
    pthread_t th[THREADS + 1];
    worker w[THREADS + 1];
    int t;
    size_t k;
    o.threading = threading;
    o.queue_capacity_bytes = 64 * 1024; /* small: loggers wait for the writer now and then */
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_OK(runlog_init(&typed, &o, &err));
    h_track(typed);
    char *dir = h_strdup(runlog_run_dir(run)), *id = h_strdup(runlog_run_id(run));
    char *tdir = h_strdup(runlog_run_dir(typed)), *tid = h_strdup(runlog_run_id(typed));
    memset(w, 0, sizeof w);
    for (t = 0; t < THREADS; ++t) {
        w[t].run = run;
        w[t].id = t;
        CHECK(pthread_create(&th[t], NULL, log_rows, &w[t]) == 0);
    }
    w[THREADS].run = typed;
    w[THREADS].id = THREADS;
    CHECK(pthread_create(&th[THREADS], NULL, stage_rows, &w[THREADS]) == 0);
    if (threading == RUNLOG_THREADING_MANUAL) {
        /* the host's loop pumps while the loggers run */
        int live = 1;
        while (live) {
            runlog_pump(run, 1000, NULL);
            runlog_pump(typed, 1000, NULL);
            runlog_stats st = RUNLOG_STATS_INIT;
            runlog_get_stats(run, &st, NULL);
            live = st.rows_logged < (uint64_t)THREADS * ROWS;
            runlog_get_stats(typed, &st, NULL);
            live = live || st.rows_logged < (uint64_t)ROWS;
        }
    }
    for (t = 0; t <= THREADS; ++t) pthread_join(th[t], NULL);
    for (t = 0; t <= THREADS; ++t)
        CHECK_MSG(w[t].failures == 0, "thread %d: %d calls failed, first: %s", t, w[t].failures, w[t].first_error);
    runlog_stats st = RUNLOG_STATS_INIT;
    CHECK_OK(runlog_get_stats(run, &st, &err));
    CHECK_INT_EQ(st.rows_logged, THREADS * ROWS);
    CHECK_INT_EQ(st.step, THREADS * ROWS);
    CHECK_OK(runlog_finish(run, 0, &err));
    CHECK_OK(runlog_finish(typed, 0, &err));

    tu_history *h = h_history(dir, id);
    CHECK_MSG(h->stop == TU_STOP_END, "journal: %s", h->detail);
    CHECK_INT_EQ(h->bad, 0);
    CHECK_INT_EQ(h->count, THREADS * ROWS);
    char *seen = (char *)h_keep(calloc(THREADS * ROWS, 1));
    int next[THREADS] = {0};
    for (k = 0; k < h->count; ++k) {
        const tj_value *row = h->rows[k];
        long long tt = tj_int(tj_get(row, "t")), i = tj_int(tj_get(row, "i"));
        CHECK_MSG(h_step(row) == (long long)k, "row %zu has _step %lld", k, h_step(row));
        CHECK_MSG(tt >= 0 && tt < THREADS && i >= 0 && i < ROWS, "row %zu: t=%lld i=%lld", k, tt, i);
        CHECK_MSG(tj_num(tj_get(row, "v")) == tt * ROWS + i + 0.5, "row %zu: v does not match t and i", k);
        long long u = tt * ROWS + i;
        CHECK_MSG(!seen[u], "row t=%lld i=%lld is in the journal twice", tt, i);
        seen[u] = 1;
        CHECK_MSG(i == next[tt], "thread %lld: row %lld came after row %d (call order broken)", tt, i, next[tt] - 1);
        next[tt]++;
    }
    for (t = 0; t < THREADS; ++t) CHECK_INT_EQ(next[t], ROWS);

    tu_history *th2 = h_history(tdir, tid);
    CHECK_INT_EQ(th2->count, ROWS);
    for (k = 0; k < th2->count; ++k) {
        CHECK_INT_EQ(tj_int(tj_get(th2->rows[k], "i")), (long long)k);
        CHECK(tj_num(tj_get(th2->rows[k], "x")) == k * 0.5);
    }
}

TEST(four_threads_background) {
    if (!runlog_has_threads()) SKIP("no threads in this build");
    run_concurrent(RUNLOG_THREADING_BACKGROUND);
}

TEST(four_threads_manual_pump) { run_concurrent(RUNLOG_THREADING_MANUAL); }

int main(int argc, char **argv) {
    H_BEGIN(argc, argv);
    RUN(four_threads_background);
    RUN(four_threads_manual_pump);
    return H_END();
}
