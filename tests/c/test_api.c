/*
 * The public C API, used the way a C host uses it: only runlog.h, the shared
 * library, and the run directory on disk (read back with the independent
 * journal reader in tests/support).
 */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

static int is_run_id(const char *id) {
    size_t i;
    if (!id || strlen(id) != 8) return 0;
    for (i = 0; i < 8; ++i)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9'))) return 0;
    return 1;
}

/* Messages captured by a log hook (the hook may run on the writer thread). */
typedef struct {
    pthread_mutex_t mu;
    int count[4];
    int multiline; /* messages holding a newline (they must be one line) */
    char text[16384];
} captured_log;

static void capture_log(void *ud, int level, const char *message) {
    captured_log *c = (captured_log *)ud;
    pthread_mutex_lock(&c->mu);
    if (level >= 0 && level < 4) c->count[level]++;
    if (strchr(message, '\n')) c->multiline++;
    size_t n = strlen(c->text);
    snprintf(c->text + n, sizeof c->text - n, "[%d] %s\n", level, message);
    pthread_mutex_unlock(&c->mu);
}

static void init_capture(captured_log *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
}

static runlog_stats get_stats(runlog_run *run) {
    runlog_stats s = RUNLOG_STATS_INIT;
    runlog_get_stats(run, &s, NULL);
    return s;
}

/* Opens a run in a fresh directory and remembers its directory and id. */
typedef struct {
    runlog_run *run;
    const char *root;
    char *dir;
    char *id;
} opened_run;

static int open_run(opened_run *r, runlog_options *o) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_options local;
    if (!o) {
        local = h_opts(h_tmpdir());
        o = &local;
    }
    r->root = o->dir;
    int rc = runlog_init(&r->run, o, &err);
    if (rc != RUNLOG_OK) {
        fprintf(stdout, "    runlog_init failed: %s\n", err.message);
        return rc;
    }
    h_track(r->run);
    r->dir = h_strdup(runlog_run_dir(r->run));
    r->id = h_strdup(runlog_run_id(r->run));
    return RUNLOG_OK;
}

#define LOG(run, json) CHECK_OK(runlog_log_json((run), (json), RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL))

/* ------------------------------------------------------------------------ */

TEST(version_and_abi) {
    CHECK_STR_EQ(runlog_version(), RUNLOG_VERSION_STRING);
    CHECK_INT_EQ(runlog_version_number(), RUNLOG_VERSION_NUMBER);
    CHECK_INT_EQ(runlog_abi_version(), RUNLOG_ABI_VERSION);
    CHECK_INT_EQ(RUNLOG_VERSION_NUMBER,
                 RUNLOG_VERSION_MAJOR * 10000 + RUNLOG_VERSION_MINOR * 100 + RUNLOG_VERSION_PATCH);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", RUNLOG_VERSION_MAJOR, RUNLOG_VERSION_MINOR, RUNLOG_VERSION_PATCH);
    CHECK_STR_EQ(runlog_version(), expect);
    CHECK(runlog_has_threads() == 0 || runlog_has_threads() == 1);
}

TEST(status_strings) {
    int s;
    for (s = RUNLOG_E_INTERNAL; s <= RUNLOG_OK; ++s) {
        const char *t = runlog_status_string(s);
        CHECK(t != NULL);
        CHECK_MSG(strncmp(t, "RUNLOG_", 7) == 0, "status %d: \"%s\"", s, t);
        CHECK_MSG(strlen(t) > 12, "status %d has no description: \"%s\"", s, t);
    }
    CHECK_CONTAINS(runlog_status_string(RUNLOG_E_STEP_ORDER), "STEP_ORDER");
    CHECK_CONTAINS(runlog_status_string(RUNLOG_E_NO_SPACE), "NO_SPACE");
    CHECK(runlog_status_string(12345) != NULL);
    CHECK(runlog_status_string(-12345) != NULL);
    /* Every code has its own text. */
    int a, b;
    for (a = RUNLOG_E_INTERNAL; a <= RUNLOG_OK; ++a)
        for (b = a + 1; b <= RUNLOG_OK; ++b) CHECK(strcmp(runlog_status_string(a), runlog_status_string(b)) != 0);
}

TEST(options_init_and_buffers) {
    runlog_options o;
    memset(&o, 0xAB, sizeof o);
    CHECK_OK(runlog_options_init(&o, RUNLOG_OPTIONS_VERSION));
    CHECK_INT_EQ(o.version, RUNLOG_OPTIONS_VERSION);
    CHECK(o.project == NULL && o.dir == NULL && o.store == NULL && o.silent == 0 && o.max_payload_bytes == 0);
    CHECK(runlog_options_init(&o, 999) == RUNLOG_E_INVALID_ARGUMENT);
    CHECK(strlen(runlog_last_error_message()) > 0);
    CHECK_CONTAINS(runlog_last_error_message(), "999");
    CHECK(runlog_options_init(NULL, RUNLOG_OPTIONS_VERSION) == RUNLOG_E_INVALID_ARGUMENT);
    runlog_options init = RUNLOG_OPTIONS_INIT;
    CHECK_INT_EQ(init.version, RUNLOG_OPTIONS_VERSION);
    runlog_buf b = RUNLOG_BUF_INIT;
    runlog_buf_free(&b);
    runlog_buf_free(NULL);
    CHECK(b.data == NULL && b.size == 0);
}

TEST(init_layout_and_files) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(open_run(&r, NULL));
    CHECK_MSG(is_run_id(r.id), "run id \"%s\" is not 8 chars of [a-z0-9]", r.id);
    CHECK(runlog_run_name(r.run) && strlen(runlog_run_name(r.run)) > 0);
    CHECK_STR_EQ(runlog_run_project(r.run), "uncategorized");
    CHECK_STR_EQ(runlog_run_entity(r.run), "");
    CHECK_STR_EQ(runlog_run_mode(r.run), "offline");

    /* <dir>/runlog/offline-run-YYYYMMDD_HHMMSS-<id> */
    char *prefix = h_fmt("%s/runlog/offline-run-", r.root);
    CHECK_MSG(strncmp(r.dir, prefix, strlen(prefix)) == 0, "run dir %s", r.dir);
    const char *stamp = r.dir + strlen(prefix);
    CHECK(strlen(stamp) == 15 + 1 + 8);
    int i;
    for (i = 0; i < 15; ++i)
        CHECK_MSG(i == 8 ? stamp[i] == '_' : isdigit((unsigned char)stamp[i]), "bad timestamp in %s", r.dir);
    CHECK(stamp[15] == '-');
    CHECK_STR_EQ(stamp + 16, r.id);
    CHECK(tu_is_dir(r.dir));
    CHECK(tu_exists(h_keep(tu_journal_path(r.dir, r.id))));
    CHECK(tu_is_dir(h_fmt("%s/files", r.dir)));

    /* latest-run points at the run directory. */
    char *link = h_fmt("%s/runlog/latest-run", r.root);
    CHECK(tu_is_symlink(link));
    char target[4096];
    ssize_t n = readlink(link, target, sizeof target - 1);
    CHECK(n > 0);
    target[n] = '\0';
    CHECK_STR_EQ(target, strrchr(r.dir, '/') + 1);

    /* wandb-metadata.json is written at init. */
    tj_value *meta = h_json_file(h_fmt("%s/files/wandb-metadata.json", r.dir));
    CHECK_MSG(meta && meta->type == TJ_OBJECT, "files/wandb-metadata.json is missing or not a JSON object");
    CHECK(tj_get(meta, "startedAt") && tj_get(meta, "startedAt")->type == TJ_STRING);
    CHECK(tj_get(meta, "host") != NULL);

    /* The run exists on disk as soon as init returns: header + run record. */
    tu_history *h0 = h_history(r.dir, r.id);
    CHECK_INT_EQ(h0->stop, TU_STOP_END);
    CHECK(h0->records >= 1);

    LOG(r.run, "{\"loss\": 0.5}");
    CHECK_OK(runlog_finish(r.run, 3, &err));
    CHECK(tu_exists(h_fmt("%s/files/wandb-summary.json", r.dir)));
    CHECK(tu_exists(h_fmt("%s/files/config.yaml", r.dir)));

    tu_journal j;
    tu_journal_load(h_keep(tu_journal_path(r.dir, r.id)), &j);
    int ok = j.stop == TU_STOP_END && j.count >= 3 && j.records[0].kind == TU_KIND_RUN &&
             j.records[j.count - 1].kind == TU_KIND_EXIT;
    tj_value *first = ok ? h_json(j.records[0].json, j.records[0].len) : NULL;
    tj_value *last = ok ? h_json(j.records[j.count - 1].json, j.records[j.count - 1].len) : NULL;
    char detail[160];
    memcpy(detail, j.detail, sizeof detail);
    tu_journal_free(&j);
    CHECK_MSG(ok, "journal: expected run record first and exit record last, ending cleanly (%s)", detail);
    CHECK(tj_is_str(tj_get(first, "id"), r.id));
    CHECK(tj_is_str(tj_get(first, "project"), "uncategorized"));
    CHECK_INT_EQ(tj_int(tj_get(last, "exit_code")), 3);
    CHECK(tj_is_num(tj_get(last, "runtime")));
    /* No temporary files are left behind. */
    CHECK(!tu_exists(h_fmt("%s/files/wandb-summary.json.tmp", r.dir)));
}

TEST(run_ids_are_random_and_well_formed) {
    char ids[200][9];
    int i, k;
    runlog_options o = h_opts(h_tmpdir());
    o.mode = "disabled";
    o.threading = RUNLOG_THREADING_MANUAL; /* independent of the background writer */
    for (i = 0; i < 200; ++i) {
        runlog_run *run = NULL;
        CHECK_OK(runlog_init(&run, &o, NULL));
        h_track(run);
        const char *id = runlog_run_id(run);
        CHECK_MSG(is_run_id(id), "run id \"%s\"", id ? id : "(null)");
        memcpy(ids[i], id, 9);
        CHECK_OK(runlog_finish(run, 0, NULL));
    }
    for (i = 0; i < 200; ++i)
        for (k = i + 1; k < 200; ++k) CHECK_MSG(strcmp(ids[i], ids[k]) != 0, "duplicate run id %s", ids[i]);
}

TEST(two_runs_at_once) {
    opened_run a, b;
    runlog_options oa = h_opts(h_tmpdir());
    runlog_options ob = oa; /* same root directory */
    int i;
    CHECK_OK(open_run(&a, &oa));
    CHECK_OK(open_run(&b, &ob));
    CHECK(strcmp(a.id, b.id) != 0);
    CHECK(strcmp(a.dir, b.dir) != 0);
    for (i = 0; i < 50; ++i) {
        char row[64];
        snprintf(row, sizeof row, "{\"a\": %d}", i);
        LOG(a.run, row);
        snprintf(row, sizeof row, "{\"b\": %d}", i * 2);
        LOG(b.run, row);
        if (i % 2) LOG(b.run, "{\"extra\": true}");
    }
    CHECK_OK(runlog_finish(a.run, 0, NULL));
    LOG(b.run, "{\"b\": -1}");
    CHECK_OK(runlog_finish(b.run, 0, NULL));
    tu_history *ha = h_history(a.dir, a.id), *hb = h_history(b.dir, b.id);
    CHECK_INT_EQ(ha->count, 50);
    CHECK_INT_EQ(hb->count, 76);
    CHECK_INT_EQ(ha->stop, TU_STOP_END);
    CHECK_INT_EQ(hb->stop, TU_STOP_END);
    for (i = 0; i < 50; ++i) {
        CHECK_INT_EQ(h_step(ha->rows[i]), i);
        CHECK_INT_EQ(tj_int(tj_get(ha->rows[i], "a")), i);
        CHECK(tj_get(ha->rows[i], "b") == NULL);
    }
    for (i = 0; i < 76; ++i) {
        CHECK_INT_EQ(h_step(hb->rows[i]), i);
        CHECK(tj_get(hb->rows[i], "a") == NULL);
    }
}

/* W&B's log(data, step=, commit=) rules, step by step. */
TEST(step_semantics) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(open_run(&r, NULL));
    runlog_run *run = r.run;
    CHECK_INT_EQ(get_stats(run).step, 0);
    /* no step: commit and advance */
    CHECK_OK(runlog_log_json(run, "{\"a\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_INT_EQ(get_stats(run).step, 1);
    /* commit=NO accumulates */
    CHECK_OK(runlog_log_json(run, "{\"b\": 2}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, &err));
    CHECK_OK(runlog_log_json(run, "{\"b2\": 2}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, &err));
    CHECK_INT_EQ(get_stats(run).step, 1);
    CHECK_OK(runlog_log_json(run, "{\"c\": 3}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_INT_EQ(get_stats(run).step, 2);
    /* larger step: nothing pending, step jumps; data waits at the new step */
    CHECK_OK(runlog_log_json(run, "{\"d\": 4}", RUNLOG_NUL_TERMINATED, 5, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_INT_EQ(get_stats(run).step, 5);
    /* larger step again: {"d"} is recorded at step 5 first */
    CHECK_OK(runlog_log_json(run, "{\"e\": 5}", RUNLOG_NUL_TERMINATED, 7, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_INT_EQ(get_stats(run).step, 7);
    /* equal step merges (a later value of the same key wins) */
    CHECK_OK(runlog_log_json(run, "{\"f\": 6, \"e\": 55}", RUNLOG_NUL_TERMINATED, 7, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_INT_EQ(get_stats(run).step, 7);
    /* smaller step is refused and counted */
    CHECK_RC(runlog_log_json(run, "{\"g\": 1}", RUNLOG_NUL_TERMINATED, 3, RUNLOG_COMMIT_DEFAULT, &err),
             RUNLOG_E_STEP_ORDER, err);
    CHECK_CONTAINS(err.message, "3");
    CHECK_CONTAINS(err.message, "7");
    CHECK_INT_EQ(get_stats(run).steps_refused, 1);
    CHECK_RC(runlog_log_json(run, "{\"g\": 1}", RUNLOG_NUL_TERMINATED, 6, RUNLOG_COMMIT_YES, &err),
             RUNLOG_E_STEP_ORDER, err);
    CHECK_INT_EQ(get_stats(run).steps_refused, 2);
    CHECK_INT_EQ(get_stats(run).step, 7);
    /* commit=YES with an explicit larger step: pending at 7 first, then {h} at 8 */
    CHECK_OK(runlog_log_json(run, "{\"h\": 1}", RUNLOG_NUL_TERMINATED, 8, RUNLOG_COMMIT_YES, &err));
    CHECK_INT_EQ(get_stats(run).step, 9);
    /* commit=YES at the current step records now */
    CHECK_OK(runlog_log_json(run, "{\"i\": 1}", RUNLOG_NUL_TERMINATED, 9, RUNLOG_COMMIT_YES, &err));
    CHECK_INT_EQ(get_stats(run).step, 10);
    /* commit=NO with a larger step still records the pending row at the old step */
    CHECK_OK(runlog_log_json(run, "{\"j\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, &err));
    CHECK_OK(runlog_log_json(run, "{\"k\": 1}", RUNLOG_NUL_TERMINATED, 12, RUNLOG_COMMIT_NO, &err));
    CHECK_INT_EQ(get_stats(run).step, 12);
    /* the pending row {k} is recorded by finish */
    CHECK_INT_EQ(get_stats(run).rows_logged, 7);
    CHECK_OK(runlog_finish(run, 0, &err));

    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->stop, TU_STOP_END);
    CHECK_INT_EQ(h->bad, 0);
    static const long long steps[] = {0, 1, 5, 7, 8, 9, 10, 12};
    static const char *const keys[][3] = {{"a"}, {"b", "b2", "c"}, {"d"}, {"e", "f"}, {"h"}, {"i"}, {"j"}, {"k"}};
    CHECK_INT_EQ(h->count, 8);
    int i, k;
    for (i = 0; i < 8; ++i) {
        CHECK_MSG(h_step(h->rows[i]) == steps[i], "row %d has _step %lld, expected %lld", i, h_step(h->rows[i]),
                  steps[i]);
        int nkeys = 0;
        for (k = 0; k < 3 && keys[i][k]; ++k) {
            CHECK_MSG(tj_get(h->rows[i], keys[i][k]) != NULL, "row %d lacks \"%s\"", i, keys[i][k]);
            nkeys++;
        }
        /* nothing else but the three stamps */
        CHECK_MSG(h->rows[i]->count == (size_t)nkeys + 3, "row %d has %d keys", i, (int)h->rows[i]->count);
        CHECK(tj_get(h->rows[i], "g") == NULL);
    }
    CHECK_INT_EQ(tj_int(tj_get(h->rows[3], "e")), 55);
}

TEST(empty_rows_advance_the_step_but_are_not_recorded) {
    opened_run r;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{}");
    LOG(r.run, "{}");
    CHECK_INT_EQ(get_stats(r.run).step, 2);
    LOG(r.run, "{\"x\": 1}");
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_INT_EQ(get_stats(r.run).step, 4);
    LOG(r.run, "{\"x\": 2}");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    CHECK_INT_EQ(h_step(h->rows[0]), 2);
    CHECK_INT_EQ(h_step(h->rows[1]), 4);
}

TEST(every_row_has_step_runtime_timestamp) {
    opened_run r;
    int i;
    CHECK_OK(open_run(&r, NULL));
    const double before = (double)time(NULL);
    for (i = 0; i < 20; ++i) LOG(r.run, "{\"v\": 1}");
    CHECK_OK(runlog_log_json(r.run, "{\"v\": 2, \"_timestamp\": 1234.5}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO,
                             RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_stage_int(r.run, "v", 3, NULL));
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    const double after = (double)time(NULL) + 1;
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 22);
    double last_runtime = 0;
    for (i = 0; i < 22; ++i) {
        const tj_value *row = h->rows[i];
        CHECK_MSG(tj_is_int(tj_get(row, "_step")), "row %d: _step is not an integer", i);
        CHECK_INT_EQ(h_step(row), i);
        CHECK_MSG(tj_is_float(tj_get(row, "_runtime")), "row %d: _runtime is not a float", i);
        CHECK_MSG(tj_is_float(tj_get(row, "_timestamp")), "row %d: _timestamp is not a float", i);
        double rt = tj_num(tj_get(row, "_runtime"));
        CHECK_MSG(rt >= last_runtime, "row %d: _runtime went back", i);
        last_runtime = rt;
        double ts = tj_num(tj_get(row, "_timestamp"));
        if (i == 20)
            CHECK_MSG(ts == 1234.5, "a given _timestamp must be kept, got %f", ts);
        else
            CHECK_MSG(ts >= before - 1 && ts <= after, "row %d: _timestamp %f is not now", i, ts);
    }
}

TEST(nested_objects_stay_nested) {
    opened_run r;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"val\": {\"acc\": 0.5, \"loss\": {\"ce\": 1.25, \"l2\": 3}}, \"list\": [1, {\"a\": 2}], "
               "\"dotted.key\": 1}");
    CHECK_OK(runlog_summary_get_json(r.run, "val", &buf, NULL));
    tj_value *val = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(val && val->type == TJ_OBJECT);
    CHECK(tj_num(tj_get(val, "acc")) == 0.5);
    CHECK(tj_num(tj_get(tj_get(val, "loss"), "ce")) == 1.25);
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 1);
    const tj_value *row = h->rows[0];
    const tj_value *v = tj_get(row, "val");
    CHECK(v && v->type == TJ_OBJECT);
    CHECK(tj_get(row, "val.acc") == NULL);
    CHECK(tj_num(tj_get(v, "acc")) == 0.5);
    CHECK_INT_EQ(tj_int(tj_get(tj_get(v, "loss"), "l2")), 3);
    const tj_value *list = tj_get(row, "list");
    CHECK(list && list->type == TJ_ARRAY && list->count == 2);
    CHECK_INT_EQ(tj_int(tj_get(tj_at(list, 1), "a")), 2);
    CHECK_INT_EQ(tj_int(tj_get(row, "dotted.key")), 1);
    /* The summary file keeps the nesting too. */
    tj_value *summary = h_json_file(h_fmt("%s/files/wandb-summary.json", r.dir));
    CHECK(summary);
    CHECK(tj_num(tj_get(tj_get(tj_get(summary, "val"), "loss"), "ce")) == 1.25);
}

TEST(nan_and_infinity_are_kept) {
    opened_run r;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"n\": NaN, \"p\": Infinity, \"m\": -Infinity, \"s\": \"NaN\", \"arr\": [NaN, 1]}");
    CHECK_OK(runlog_stage_double(r.run, "typed_nan", NAN, NULL));
    CHECK_OK(runlog_stage_double(r.run, "typed_inf", -INFINITY, NULL));
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_summary_get_json(r.run, "n", &buf, NULL));
    CHECK_STR_EQ(buf.data, "NaN");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_finish(r.run, 0, NULL));

    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    CHECK(isnan(tj_num(tj_get(h->rows[0], "n"))));
    CHECK(tj_num(tj_get(h->rows[0], "p")) == INFINITY);
    CHECK(tj_num(tj_get(h->rows[0], "m")) == -INFINITY);
    CHECK(tj_is_str(tj_get(h->rows[0], "s"), "NaN"));
    CHECK(isnan(tj_num(tj_at(tj_get(h->rows[0], "arr"), 0))));
    CHECK(isnan(tj_num(tj_get(h->rows[1], "typed_nan"))));
    CHECK(tj_num(tj_get(h->rows[1], "typed_inf")) == -INFINITY);

    /* The journal holds the bare tokens. */
    size_t len;
    char *bytes = (char *)h_keep(tu_read_file(h_keep(tu_journal_path(r.dir, r.id)), &len));
    CHECK(bytes);
    CHECK(h_contains_bytes(bytes, len, "\"n\":NaN"));
    CHECK(h_contains_bytes(bytes, len, "\"m\":-Infinity"));
    CHECK(h_contains_bytes(bytes, len, "\"p\":Infinity"));

    char *summary_text = (char *)h_keep(tu_read_file(h_fmt("%s/files/wandb-summary.json", r.dir), &len));
    CHECK(summary_text);
    tj_value *summary = h_json(summary_text, len);
    CHECK_MSG(summary, "wandb-summary.json does not parse: %s", summary_text);
    CHECK(isnan(tj_num(tj_get(summary, "n"))));
    CHECK(tj_num(tj_get(summary, "p")) == INFINITY);
    CHECK(tj_num(tj_get(summary, "typed_inf")) == -INFINITY);
}

TEST(floats_stay_floats) {
    opened_run r;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"f\": 5.0, \"i\": 5, \"big\": 1e300, \"neg\": -0.0, \"tiny\": 5e-324, \"u\": 18446744073709551615}");
    CHECK_OK(runlog_stage_double(r.run, "sf", 2.0, NULL));
    CHECK_OK(runlog_stage_int(r.run, "si", -7, NULL));
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    const tj_value *row = h->rows[0];
    CHECK_MSG(tj_is_float(tj_get(row, "f")), "5.0 must read back as a float");
    CHECK(tj_num(tj_get(row, "f")) == 5.0);
    CHECK(tj_is_int(tj_get(row, "i")));
    CHECK(tj_num(tj_get(row, "big")) == 1e300);
    CHECK(tj_is_float(tj_get(row, "neg")));
    CHECK(tj_num(tj_get(row, "tiny")) == 5e-324);
    CHECK(tj_num(tj_get(row, "u")) == 18446744073709551615.0);
    CHECK(tj_is_float(tj_get(h->rows[1], "sf")));
    CHECK(tj_is_int(tj_get(h->rows[1], "si")));
    CHECK_INT_EQ(tj_int(tj_get(h->rows[1], "si")), -7);
}

TEST(typed_stage_and_commit) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(open_run(&r, NULL));
    runlog_run *run = r.run;
    /* staging the same key twice keeps the last value */
    CHECK_OK(runlog_stage_double(run, "loss", 0.5, &err));
    CHECK_OK(runlog_stage_int(run, "epoch", 3, &err));
    CHECK_OK(runlog_stage_double(run, "loss", 0.25, &err));
    CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_INT_EQ(get_stats(run).step, 1);
    /* the staging row is cleared by commit */
    CHECK_OK(runlog_stage_double(run, "acc", 0.9, &err));
    CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
    /* commit=NO merges into the pending row, which the next log records */
    CHECK_OK(runlog_stage_int(run, "a", 1, &err));
    CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, &err));
    CHECK_INT_EQ(get_stats(run).step, 2);
    LOG(run, "{\"b\": 2}");
    /* a JSON row left pending merges with a typed commit */
    CHECK_OK(runlog_log_json(run, "{\"c\": 3}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, &err));
    CHECK_OK(runlog_stage_int(run, "d", 4, &err));
    CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
    /* explicit steps follow the log rules */
    CHECK_OK(runlog_stage_int(run, "e", 5, &err));
    CHECK_OK(runlog_commit_row(run, 10, RUNLOG_COMMIT_YES, &err));
    CHECK_INT_EQ(get_stats(run).step, 11);
    CHECK_OK(runlog_stage_int(run, "old", 1, &err));
    CHECK_RC(runlog_commit_row(run, 4, RUNLOG_COMMIT_DEFAULT, &err), RUNLOG_E_STEP_ORDER, err);
    CHECK_INT_EQ(get_stats(run).steps_refused, 1);
    /* the refused staged values are dropped, not carried into the next row */
    CHECK_OK(runlog_stage_int(run, "f", 6, &err));
    CHECK_OK(runlog_commit_row(run, 11, RUNLOG_COMMIT_DEFAULT, &err)); /* pending at 11 */
    CHECK_OK(runlog_stage_int(run, "g", 7, &err));                    /* left staged: finish records it */
    CHECK_OK(runlog_finish(run, 0, &err));

    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->stop, TU_STOP_END);
    CHECK_INT_EQ(h->count, 6);
    CHECK(tj_num(tj_get(h->rows[0], "loss")) == 0.25);
    CHECK(tj_is_int(tj_get(h->rows[0], "epoch")));
    CHECK(tj_get(h->rows[1], "loss") == NULL);
    CHECK(tj_num(tj_get(h->rows[1], "acc")) == 0.9);
    CHECK_INT_EQ(h_step(h->rows[2]), 2);
    CHECK(tj_get(h->rows[2], "a") && tj_get(h->rows[2], "b"));
    CHECK_INT_EQ(h_step(h->rows[3]), 3);
    CHECK(tj_get(h->rows[3], "c") && tj_get(h->rows[3], "d"));
    CHECK_INT_EQ(h_step(h->rows[4]), 10);
    CHECK(tj_get(h->rows[4], "e") != NULL);
    CHECK_INT_EQ(h_step(h->rows[5]), 11);
    CHECK(tj_get(h->rows[5], "f") && tj_get(h->rows[5], "g"));
    CHECK(tj_get(h->rows[5], "old") == NULL);
}

TEST(config_merge) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    runlog_options o = h_opts(h_tmpdir());
    o.config_json = "{\"lr\": 0.1, \"layers\": 2, \"nested\": {\"a\": 1}}";
    CHECK_OK(open_run(&r, &o));
    CHECK_OK(runlog_config_update_json(r.run, "{\"lr\": 0.01, \"opt\": \"adam\"}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_config_update_json(r.run, "{\"batch\": 32}xyz", 13, &err)); /* explicit length */
    CHECK_OK(runlog_config_get_json(r.run, &buf, &err));
    CHECK(buf.data && buf.size == strlen(buf.data));
    tj_value *cfg = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(buf.data == NULL && buf.size == 0);
    CHECK(cfg && cfg->type == TJ_OBJECT);
    CHECK(tj_num(tj_get(cfg, "lr")) == 0.01);
    CHECK_INT_EQ(tj_int(tj_get(cfg, "layers")), 2);
    CHECK(tj_is_str(tj_get(cfg, "opt"), "adam"));
    CHECK_INT_EQ(tj_int(tj_get(cfg, "batch")), 32);
    CHECK_INT_EQ(tj_int(tj_get(tj_get(cfg, "nested"), "a")), 1);
    CHECK(tj_get(cfg, "_wandb") == NULL);
    /* merging replaces top-level keys only */
    CHECK_OK(runlog_config_update_json(r.run, "{\"nested\": {\"b\": 2}}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_finish(r.run, 0, &err));

    char *yaml = (char *)h_keep(tu_read_file(h_fmt("%s/files/config.yaml", r.dir), NULL));
    CHECK(yaml);
    CHECK_CONTAINS(yaml, "lr:\n  value: 0.01\n");
    CHECK_CONTAINS(yaml, "layers:\n  value: 2\n");
    CHECK_CONTAINS(yaml, "opt:\n  value: \"adam\"\n");
    CHECK_CONTAINS(yaml, "batch:\n  value: 32\n");
    CHECK_CONTAINS(yaml, "_wandb:\n");
    CHECK(strstr(yaml, "0.1\n") == NULL);
    CHECK(strstr(yaml, "\"a\"") == NULL);
    CHECK_CONTAINS(yaml, "\"b\"");
}

TEST(summary_set_and_get) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    runlog_run *run = r.run;
    LOG(run, "{\"loss\": 1.0, \"acc\": 0.1}");
    LOG(run, "{\"loss\": 0.5}");
    CHECK_OK(runlog_summary_get_json(run, "loss", &buf, &err));
    CHECK_STR_EQ(buf.data, "0.5");
    runlog_buf_free(&buf);
    /* an explicit value wins ... */
    CHECK_OK(runlog_summary_update_json(run, "{\"loss\": 0.125, \"best\": {\"epoch\": 7}}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_summary_get_json(run, "loss", &buf, &err));
    CHECK_STR_EQ(buf.data, "0.125");
    runlog_buf_free(&buf);
    /* ... also over later rows that do not log the key ... */
    LOG(run, "{\"acc\": 0.2}");
    CHECK_OK(runlog_summary_get_json(run, "loss", &buf, &err));
    CHECK_STR_EQ(buf.data, "0.125");
    runlog_buf_free(&buf);
    /* ... until the key is logged again */
    LOG(run, "{\"loss\": 0.25}");
    CHECK_OK(runlog_summary_get_json(run, "loss", &buf, &err));
    CHECK_STR_EQ(buf.data, "0.25");
    runlog_buf_free(&buf);
    /* the whole summary */
    CHECK_OK(runlog_summary_get_json(run, NULL, &buf, &err));
    tj_value *all = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(all && all->type == TJ_OBJECT);
    CHECK(tj_num(tj_get(all, "loss")) == 0.25);
    CHECK(tj_num(tj_get(all, "acc")) == 0.2);
    CHECK_INT_EQ(tj_int(tj_get(tj_get(all, "best"), "epoch")), 7);
    CHECK_INT_EQ(tj_int(tj_get(all, "_step")), 3);
    CHECK(tj_is_num(tj_get(all, "_runtime")));
    CHECK(tj_is_num(tj_get(all, "_timestamp")));
    /* null removes a key */
    CHECK_OK(runlog_summary_update_json(run, "{\"best\": null}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_RC(runlog_summary_get_json(run, "best", &buf, &err), RUNLOG_E_NOT_FOUND, err);
    CHECK_CONTAINS(err.message, "best");
    CHECK(buf.data == NULL);
    CHECK_RC(runlog_summary_get_json(run, "never_logged", &buf, &err), RUNLOG_E_NOT_FOUND, err);
    CHECK_CONTAINS(err.message, "never_logged");
    /* a summary-only key (never logged) */
    CHECK_OK(runlog_summary_update_json(run, "{\"final\": \"done\"}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_finish(run, 0, &err));

    tj_value *file = h_json_file(h_fmt("%s/files/wandb-summary.json", r.dir));
    CHECK_MSG(file, "wandb-summary.json is missing or does not parse");
    CHECK(tj_num(tj_get(file, "loss")) == 0.25);
    CHECK(tj_is_str(tj_get(file, "final"), "done"));
    CHECK(tj_get(file, "best") == NULL);
    CHECK_INT_EQ(tj_int(tj_get(file, "_step")), 3);
    CHECK_MSG(tj_is_int(tj_get(tj_get(file, "_wandb"), "runtime")), "_wandb.runtime must be an integer");
}

TEST(define_metric_summaries) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    runlog_run *run = r.run;
    runlog_metric_options m = RUNLOG_METRIC_OPTIONS_INIT;
    m.summary = RUNLOG_SUMMARY_MIN | RUNLOG_SUMMARY_MAX | RUNLOG_SUMMARY_MEAN;
    CHECK_OK(runlog_define_metric(run, "loss", &m, &err));
    m.summary = RUNLOG_SUMMARY_NONE;
    CHECK_OK(runlog_define_metric(run, "secret", &m, &err));
    m.summary = RUNLOG_SUMMARY_MAX;
    CHECK_OK(runlog_define_metric(run, "train/*", &m, &err));
    m.summary = RUNLOG_SUMMARY_FIRST | RUNLOG_SUMMARY_LAST;
    CHECK_OK(runlog_define_metric(run, "val", &m, &err));
    CHECK_OK(runlog_define_metric(run, "plain", NULL, &err)); /* default: last value */

    LOG(run, "{\"loss\": 3, \"secret\": 1, \"train/a\": 1, \"val\": 10, \"plain\": 1, \"other\": 1}");
    LOG(run, "{\"loss\": 1, \"secret\": 2, \"train/a\": 5, \"val\": 20, \"plain\": 2}");
    LOG(run, "{\"loss\": 2, \"secret\": 3, \"train/a\": 2, \"val\": 30, \"plain\": 3, \"train/b\": 4}");

    CHECK_OK(runlog_summary_get_json(run, "loss", &buf, &err));
    tj_value *loss = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(loss && loss->type == TJ_OBJECT);
    CHECK(tj_num(tj_get(loss, "min")) == 1);
    CHECK(tj_num(tj_get(loss, "max")) == 3);
    CHECK(tj_num(tj_get(loss, "mean")) == 2);
    CHECK_INT_EQ(loss->count, 3);
    CHECK_RC(runlog_summary_get_json(run, "secret", &buf, &err), RUNLOG_E_NOT_FOUND, err);
    CHECK_OK(runlog_summary_get_json(run, "train/a", &buf, &err));
    tj_value *ta = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(ta && tj_num(tj_get(ta, "max")) == 5 && ta->count == 1);
    CHECK_OK(runlog_summary_get_json(run, "train/b", &buf, &err));
    tj_value *tb = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(tb && tj_num(tj_get(tb, "max")) == 4);
    CHECK_OK(runlog_summary_get_json(run, "val", &buf, &err));
    tj_value *val = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(val && tj_num(tj_get(val, "first")) == 10 && tj_num(tj_get(val, "last")) == 30);
    CHECK_OK(runlog_summary_get_json(run, "plain", &buf, &err));
    CHECK_STR_EQ(buf.data, "3");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_summary_get_json(run, "other", &buf, &err));
    CHECK_STR_EQ(buf.data, "1");
    runlog_buf_free(&buf);
    /* an explicit summary value also wins over statistics */
    CHECK_OK(runlog_summary_update_json(run, "{\"secret\": \"shown\"}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_summary_get_json(run, "secret", &buf, &err));
    CHECK_STR_EQ(buf.data, "\"shown\"");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_finish(run, 0, &err));

    tj_value *file = h_json_file(h_fmt("%s/files/wandb-summary.json", r.dir));
    CHECK(file);
    CHECK(tj_num(tj_get(tj_get(file, "loss"), "mean")) == 2);
    CHECK(tj_num(tj_get(tj_get(file, "train/a"), "max")) == 5);
    /* The history rows are unaffected by define_metric. */
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 3);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[2], "secret")), 3);
    /* The metric definitions are journaled. */
    tu_journal j;
    tu_journal_load(h_keep(tu_journal_path(r.dir, r.id)), &j);
    size_t i, metrics = 0;
    for (i = 0; i < j.count; ++i) metrics += j.records[i].kind == TU_KIND_METRIC;
    tu_journal_free(&j);
    CHECK_INT_EQ(metrics, 5);
}

TEST(define_metric_step_metric) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(open_run(&r, NULL));
    runlog_metric_options m = RUNLOG_METRIC_OPTIONS_INIT;
    m.step_metric = "epoch";
    CHECK_OK(runlog_define_metric(r.run, "val_loss", &m, &err));
    m.step_sync = RUNLOG_NO;
    CHECK_OK(runlog_define_metric(r.run, "nosync", &m, &err));
    LOG(r.run, "{\"epoch\": 1}");
    LOG(r.run, "{\"val_loss\": 0.5}");
    LOG(r.run, "{\"nosync\": 0.5}");
    LOG(r.run, "{\"epoch\": 2, \"val_loss\": 0.4}");
    CHECK_OK(runlog_finish(r.run, 0, &err));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 4);
    CHECK_MSG(tj_num(tj_get(h->rows[1], "epoch")) == 1, "step_sync: the row with val_loss must get epoch's last value");
    CHECK(tj_get(h->rows[2], "epoch") == NULL);
    CHECK(tj_num(tj_get(h->rows[3], "epoch")) == 2);
}

TEST(disabled_mode_writes_nothing) {
    const char *root = h_tmpdir();
    runlog_options o = h_opts(root);
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    runlog_run *run = NULL;
    o.mode = "disabled";
    o.config_json = "{\"a\": 1}";
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "disabled");
    CHECK_STR_EQ(runlog_run_dir(run), "");
    CHECK(is_run_id(runlog_run_id(run)));
    LOG(run, "{\"x\": 1}");
    CHECK_OK(runlog_log_json(run, "{\"x\": 1}", RUNLOG_NUL_TERMINATED, 100, RUNLOG_COMMIT_YES, &err));
    CHECK_OK(runlog_stage_double(run, "y", 1.0, &err));
    CHECK_OK(runlog_stage_int(run, "z", 1, &err));
    CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
    CHECK_OK(runlog_config_update_json(run, "{\"b\": 2}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_config_get_json(run, &buf, &err));
    CHECK(buf.data != NULL);
    runlog_buf_free(&buf);
    CHECK_OK(runlog_summary_update_json(run, "{\"s\": 1}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_summary_get_json(run, NULL, &buf, &err));
    CHECK(buf.data != NULL);
    runlog_buf_free(&buf);
    CHECK_OK(runlog_define_metric(run, "x", NULL, &err));
    CHECK_OK(runlog_flush(run, 1000, &err));
    CHECK_OK(runlog_pump(run, 0, &err));
    runlog_stats st = RUNLOG_STATS_INIT;
    CHECK_OK(runlog_get_stats(run, &st, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
    CHECK_RC(runlog_log_json(run, "{}", 2, RUNLOG_STEP_AUTO, 0, &err), RUNLOG_E_FINISHED, err);
    CHECK_MSG(tu_count_entries(root) == 0, "disabled mode created files in %s", root);
}

TEST(disabled_mode_from_env) {
    const char *root = h_tmpdir();
    runlog_run *run = NULL;
    setenv("WANDB_MODE", "disabled", 1);
    setenv("WANDB_DIR", root, 1);
    CHECK_OK(runlog_init(&run, NULL, NULL));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "disabled");
    LOG(run, "{\"x\": 1}");
    CHECK_OK(runlog_finish(run, 0, NULL));
    CHECK_INT_EQ(tu_count_entries(root), 0);
}

TEST(manual_threading_with_pump) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_options o = h_opts(h_tmpdir());
    int i;
    o.threading = RUNLOG_THREADING_MANUAL;
    CHECK_OK(open_run(&r, &o));
    for (i = 0; i < 100; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %d}", i);
        LOG(r.run, row);
    }
    runlog_stats st = get_stats(r.run);
    CHECK_INT_EQ(st.records_queued, 100);
    CHECK_INT_EQ(st.records_written, 0);
    /* nothing reaches the journal without a pump */
    h_sleep_ms(50);
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 0);
    CHECK_OK(runlog_pump(r.run, 10, &err));
    st = get_stats(r.run);
    CHECK_INT_EQ(st.records_written, 10);
    CHECK_INT_EQ(st.records_queued, 90);
    h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 10);
    CHECK_OK(runlog_pump(r.run, 0, &err));
    st = get_stats(r.run);
    CHECK_INT_EQ(st.records_queued, 0);
    CHECK_INT_EQ(st.records_written, 100);
    CHECK(st.journal_bytes > 0);
    h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 100);
    for (i = 0; i < 100; ++i) CHECK_INT_EQ(tj_int(tj_get(h->rows[i], "i")), i);
    /* flush works on the calling thread too */
    LOG(r.run, "{\"i\": 100}");
    CHECK_OK(runlog_flush(r.run, 1000, &err));
    CHECK_INT_EQ(get_stats(r.run).records_queued, 0);
    LOG(r.run, "{\"i\": 101}");
    CHECK_OK(runlog_finish(r.run, 0, &err));
    h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 102);
    CHECK_INT_EQ(h->exits, 1);
}

TEST(pump_does_nothing_in_background_mode) {
    opened_run r;
    runlog_options o = h_opts(h_tmpdir());
    if (!runlog_has_threads()) SKIP("this build has no threads");
    o.threading = RUNLOG_THREADING_BACKGROUND;
    CHECK_OK(open_run(&r, &o));
    LOG(r.run, "{\"x\": 1}");
    CHECK_OK(runlog_pump(r.run, 0, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_INT_EQ(h_history(r.dir, r.id)->count, 1);
}

TEST(flush_makes_rows_readable) {
    opened_run r;
    runlog_error err = RUNLOG_ERROR_INIT;
    int i;
    CHECK_OK(open_run(&r, NULL));
    for (i = 0; i < 1000; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %d}", i);
        LOG(r.run, row);
    }
    CHECK_OK(runlog_flush(r.run, -1, &err));
    runlog_stats st = get_stats(r.run);
    CHECK_INT_EQ(st.records_queued, 0);
    CHECK_INT_EQ(st.rows_logged, 1000);
    CHECK(st.records_written >= 1000);
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->stop, TU_STOP_END);
    CHECK_INT_EQ(h->count, 1000);
    CHECK_INT_EQ(h->exits, 0);
    CHECK_OK(runlog_flush(r.run, 0, &err)); /* nothing left: returns at once */
    CHECK_OK(runlog_finish(r.run, 0, &err));
}

TEST(log_hook_receives_the_banner) {
    captured_log cap;
    opened_run r;
    runlog_options o = h_opts(h_tmpdir());
    init_capture(&cap);
    o.silent = RUNLOG_NO; /* wins over WANDB_SILENT=true */
    o.log_fn = capture_log;
    o.log_user_data = &cap;
    o.name = "banner-run";
    CHECK_OK(open_run(&r, &o));
    pthread_mutex_lock(&cap.mu);
    int infos = cap.count[RUNLOG_LEVEL_INFO];
    char text[sizeof cap.text];
    memcpy(text, cap.text, sizeof text);
    pthread_mutex_unlock(&cap.mu);
    CHECK_MSG(infos >= 1, "no INFO message (the banner) reached the hook");
    CHECK_CONTAINS(text, r.id);
    CHECK_CONTAINS(text, "banner-run");
    CHECK_CONTAINS(text, r.dir);
    CHECK_INT_EQ(cap.multiline, 0);
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    pthread_mutex_destroy(&cap.mu);
}

TEST(silent_env_silences_the_banner) {
    captured_log cap;
    opened_run r;
    runlog_options o = h_opts(h_tmpdir());
    init_capture(&cap);
    o.silent = RUNLOG_DEFAULT;
    o.log_fn = capture_log;
    o.log_user_data = &cap;
    setenv("WANDB_SILENT", "true", 1);
    CHECK_OK(open_run(&r, &o));
    LOG(r.run, "{\"x\": 1}");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_MSG(cap.count[RUNLOG_LEVEL_INFO] == 0, "WANDB_SILENT=true, yet: %s", cap.text);
    /* and without WANDB_SILENT the banner comes */
    unsetenv("WANDB_SILENT");
    CHECK_OK(open_run(&r, &o));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_MSG(cap.count[RUNLOG_LEVEL_INFO] > 0, "no banner without WANDB_SILENT");
    /* explicit silent wins over the environment */
    memset(cap.count, 0, sizeof cap.count);
    setenv("WANDB_SILENT", "false", 1);
    o.silent = RUNLOG_YES;
    CHECK_OK(open_run(&r, &o));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_INT_EQ(cap.count[RUNLOG_LEVEL_INFO], 0);
    pthread_mutex_destroy(&cap.mu);
}

TEST(global_log_hook) {
    captured_log cap;
    opened_run r;
    runlog_options o = h_opts(h_tmpdir());
    init_capture(&cap);
    o.silent = RUNLOG_NO;
    runlog_set_log_hook(capture_log, &cap);
    int rc = open_run(&r, &o);
    if (rc == RUNLOG_OK) rc = runlog_finish(r.run, 0, NULL);
    runlog_set_log_hook(NULL, NULL);
    CHECK_OK(rc);
    CHECK_MSG(cap.count[RUNLOG_LEVEL_INFO] > 0, "the process-wide hook got no banner");
    CHECK_CONTAINS(cap.text, r.id);
    pthread_mutex_destroy(&cap.mu);
}

/* Resume: a second process (here: a second init) continues a local run. */
static int make_run_to_resume(const char *root, const char *id, int rows) {
    runlog_options o = h_opts(root);
    runlog_run *run = NULL;
    int i, rc;
    o.run_id = id;
    o.config_json = "{\"first\": 1}";
    rc = runlog_init(&run, &o, NULL);
    if (rc) return rc;
    for (i = 0; i < rows; ++i) {
        char row[64];
        snprintf(row, sizeof row, "{\"i\": %d, \"loss\": %d.25}", i, i);
        rc = runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, NULL);
        if (rc) return rc;
    }
    return runlog_finish(run, 0, NULL);
}

TEST(resume_allow_continues_the_steps) {
    const char *root = h_tmpdir();
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    opened_run r;
    CHECK_OK(make_run_to_resume(root, "resume01", 5));
    runlog_options o = h_opts(root);
    o.run_id = "resume01";
    o.resume = "allow";
    CHECK_OK(open_run(&r, &o));
    CHECK_INT_EQ(get_stats(r.run).step, 5);
    /* the summary and config of the first session are back */
    CHECK_OK(runlog_summary_get_json(r.run, "loss", &buf, &err));
    CHECK_STR_EQ(buf.data, "4.25");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_config_get_json(r.run, &buf, &err));
    tj_value *cfg = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK_INT_EQ(tj_int(tj_get(cfg, "first")), 1);
    LOG(r.run, "{\"i\": 5}");
    LOG(r.run, "{\"i\": 6}");
    CHECK_OK(runlog_finish(r.run, 0, &err));
    /* same directory, one journal */
    CHECK_INT_EQ(tu_count_entries(h_fmt("%s/runlog", root)), 2); /* run dir + latest-run */
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->stop, TU_STOP_END);
    CHECK_INT_EQ(h->count, 7);
    CHECK_INT_EQ(h->resumes, 1);
    CHECK_INT_EQ(h->exits, 2);
    int i;
    for (i = 0; i < 7; ++i) {
        CHECK_INT_EQ(h_step(h->rows[i]), i);
        CHECK_INT_EQ(tj_int(tj_get(h->rows[i], "i")), i);
    }
    /* _runtime continues from the first session */
    CHECK(tj_num(tj_get(h->rows[5], "_runtime")) >= tj_num(tj_get(h->rows[4], "_runtime")));
    /* allow also creates a run that does not exist */
    o.run_id = "fresh001";
    CHECK_OK(open_run(&r, &o));
    CHECK_INT_EQ(get_stats(r.run).step, 0);
    CHECK_OK(runlog_finish(r.run, 0, &err));
}

TEST(resume_must_and_never) {
    const char *root = h_tmpdir();
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = (runlog_run *)&err; /* must be reset to NULL on failure */
    opened_run r;
    CHECK_OK(make_run_to_resume(root, "resume02", 3));
    runlog_options o = h_opts(root);
    o.run_id = "nosuch01";
    o.resume = "must";
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_NOT_FOUND, err);
    CHECK(run == NULL);
    CHECK_CONTAINS(err.message, "nosuch01");
    o.run_id = "resume02";
    o.resume = "never";
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_EXISTS, err);
    CHECK_CONTAINS(err.message, "resume02");
    CHECK_CONTAINS(err.message, "never");
    o.resume = NULL; /* no resume: an existing id is refused too */
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_EXISTS, err);
    CHECK_CONTAINS(err.message, "resume02");
    o.resume = "must";
    o.run_id = NULL;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "must");
    o.run_id = "resume02";
    CHECK_OK(open_run(&r, &o));
    CHECK_INT_EQ(get_stats(r.run).step, 3);
    LOG(r.run, "{\"i\": 3}");
    CHECK_OK(runlog_finish(r.run, 0, &err));
    tu_history *h = h_history(r.dir, "resume02");
    CHECK_INT_EQ(h->count, 4);
    CHECK_INT_EQ(h_step(h->rows[3]), 3);
    /* the refused attempts left nothing behind */
    CHECK_INT_EQ(tu_count_entries(h_fmt("%s/runlog", root)), 2);
}

TEST(resume_from_env) {
    const char *root = h_tmpdir();
    runlog_run *run = NULL;
    CHECK_OK(make_run_to_resume(root, "resume03", 2));
    setenv("WANDB_DIR", root, 1);
    setenv("WANDB_RUN_ID", "resume03", 1);
    setenv("WANDB_RESUME", "must", 1);
    CHECK_OK(runlog_init(&run, NULL, NULL));
    h_track(run);
    char *dir = h_strdup(runlog_run_dir(run));
    CHECK_INT_EQ(get_stats(run).step, 2);
    LOG(run, "{\"i\": 2}");
    CHECK_OK(runlog_finish(run, 0, NULL));
    tu_history *h = h_history(dir, "resume03");
    CHECK_INT_EQ(h->count, 3);
    CHECK_INT_EQ(h_step(h->rows[2]), 2);
}

/* A record sink sees every record after it was journaled. */
typedef struct {
    pthread_mutex_t mu;
    int kinds[8];
    int destroyed;
    int history_ok;
} sink_state;

static int sink_record(void *ud, const char *kind, const char *json, size_t len) {
    sink_state *s = (sink_state *)ud;
    static const char *const names[] = {"", "run", "history", "summary", "config", "metric", "exit", "resume"};
    int i;
    pthread_mutex_lock(&s->mu);
    for (i = 1; i < 8; ++i)
        if (strcmp(kind, names[i]) == 0) s->kinds[i]++;
    if (strcmp(kind, "history") == 0) {
        tj_value *v = tj_parse(json, len, NULL, 0);
        if (v && tj_get(v, "_step")) s->history_ok++;
        tj_free(v);
    }
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void sink_destroy(void *ud) { ((sink_state *)ud)->destroyed++; }

TEST(record_sink_sees_every_record) {
    sink_state s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    runlog_sink sink = {RUNLOG_SINK_VERSION, &s, sink_record, sink_destroy};
    runlog_options o = h_opts(h_tmpdir());
    opened_run r;
    o.sink = &sink;
    CHECK_OK(open_run(&r, &o));
    LOG(r.run, "{\"a\": 1}");
    LOG(r.run, "{\"a\": 2}");
    CHECK_OK(runlog_config_update_json(r.run, "{\"c\": 1}", RUNLOG_NUL_TERMINATED, NULL));
    CHECK_OK(runlog_summary_update_json(r.run, "{\"s\": 1}", RUNLOG_NUL_TERMINATED, NULL));
    CHECK_OK(runlog_define_metric(r.run, "a", NULL, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_INT_EQ(s.kinds[TU_KIND_RUN], 1);
    CHECK_INT_EQ(s.kinds[TU_KIND_HISTORY], 2);
    CHECK_INT_EQ(s.history_ok, 2);
    CHECK_INT_EQ(s.kinds[TU_KIND_CONFIG], 1);
    CHECK_INT_EQ(s.kinds[TU_KIND_SUMMARY], 1);
    CHECK_INT_EQ(s.kinds[TU_KIND_METRIC], 1);
    CHECK_INT_EQ(s.kinds[TU_KIND_EXIT], 1);
    CHECK_INT_EQ(s.destroyed, 1);
    pthread_mutex_destroy(&s.mu);
}

/* A clock plug-in sets _timestamp and _runtime. */
typedef struct {
    double unix_now, mono_now;
    int destroyed;
} fake_clock;
static double fake_unix(void *ud) { return ((fake_clock *)ud)->unix_now; }
static double fake_mono(void *ud) { return ((fake_clock *)ud)->mono_now; }
static void fake_destroy(void *ud) { ((fake_clock *)ud)->destroyed++; }

TEST(clock_plugin_sets_the_stamps) {
    fake_clock fc = {1700000000.0, 100.0, 0};
    runlog_clock clock = {RUNLOG_CLOCK_VERSION, &fc, fake_unix, fake_mono, fake_destroy};
    runlog_options o = h_opts(h_tmpdir());
    opened_run r;
    o.clock = &clock;
    o.threading = RUNLOG_THREADING_MANUAL; /* the clock is read on this thread only */
    CHECK_OK(open_run(&r, &o));
    fc.unix_now += 2.5;
    fc.mono_now += 2.5;
    LOG(r.run, "{\"x\": 1}");
    fc.unix_now += 1;
    fc.mono_now += 1;
    LOG(r.run, "{\"x\": 2}");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_INT_EQ(fc.destroyed, 1);
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    CHECK(tj_num(tj_get(h->rows[0], "_timestamp")) == 1700000002.5);
    CHECK(tj_num(tj_get(h->rows[0], "_runtime")) == 2.5);
    CHECK(tj_num(tj_get(h->rows[1], "_runtime")) == 3.5);
}


/* W&B: "a later log of k updates it again" — also when k is logged nested. */
TEST(summary_explicit_value_then_nested_log) {
    opened_run r;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"a\": {\"b\": 1, \"c\": 2}}");
    CHECK_OK(runlog_summary_update_json(r.run, "{\"a\": 5}", RUNLOG_NUL_TERMINATED, NULL));
    CHECK_OK(runlog_summary_get_json(r.run, "a", &buf, NULL));
    CHECK_STR_EQ(buf.data, "5");
    runlog_buf_free(&buf);
    LOG(r.run, "{\"a\": {\"b\": 3}}");
    CHECK_OK(runlog_summary_get_json(r.run, "a", &buf, NULL));
    tj_value *a = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK_MSG(a && a->type == TJ_OBJECT, "after logging a.b the summary of a is still the explicit 5");
    CHECK_INT_EQ(tj_int(tj_get(a, "b")), 3);
    CHECK_OK(runlog_finish(r.run, 0, NULL));
}

/* Duplicate keys in one row: the last one wins, in the row and the summary. */
TEST(duplicate_keys_last_wins) {
    opened_run r;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"a\": 1, \"a\": 2}");
    CHECK_OK(runlog_log_json(r.run, "{\"b\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, NULL));
    LOG(r.run, "{\"\\u0062\": 2}"); /* the same key "b", spelled with an escape */
    CHECK_OK(runlog_summary_get_json(r.run, "a", &buf, NULL));
    CHECK_STR_EQ(buf.data, "2");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_summary_get_json(r.run, "b", &buf, NULL));
    CHECK_STR_EQ(buf.data, "2");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[0], "a")), 2); /* tj_get: the last occurrence */
    CHECK_INT_EQ(tj_int(tj_get(h->rows[1], "b")), 2);
}

/* A _timestamp given with an escaped key is still the row's _timestamp. */
TEST(escaped_timestamp_key_is_kept) {
    opened_run r;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"\\u005ftimestamp\": 1234.5, \"x\": 1}");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 1);
    const tj_value *row = h->rows[0];
    size_t k, stamps = 0;
    for (k = 0; k < row->count; ++k) stamps += strcmp(row->keys[k], "_timestamp") == 0;
    CHECK_MSG(stamps == 1, "the row has %zu _timestamp keys", stamps);
    CHECK_MSG(tj_num(tj_get(row, "_timestamp")) == 1234.5, "the given _timestamp was replaced by %f",
              tj_num(tj_get(row, "_timestamp")));
}

TEST(one_mebibyte_row) {
    opened_run r;
    const size_t n = 1u << 20;
    char *row = (char *)h_keep(malloc(n + 32));
    CHECK(row);
    memcpy(row, "{\"big\": \"", 9);
    size_t i;
    for (i = 0; i < n; ++i) row[9 + i] = (char)('a' + i % 26);
    memcpy(row + 9 + n, "\"}", 3);
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, row);
    LOG(r.run, "{\"after\": 1}");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->stop, TU_STOP_END);
    CHECK_INT_EQ(h->count, 2);
    const tj_value *big = tj_get(h->rows[0], "big");
    CHECK(big && big->type == TJ_STRING && big->string_len == n);
    CHECK(memcmp(big->string, row + 9, n) == 0);
}

TEST(unicode_and_escaped_keys) {
    opened_run r;
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(open_run(&r, NULL));
    LOG(r.run, "{\"\xC3\xA9t\xC3\xA9\": 1, \"a\\\"b\": 2, \"tab\\tkey\": 3, \"\\u00fc\": 4, \"\": 5}");
    CHECK_OK(runlog_summary_get_json(r.run, "\xC3\xA9t\xC3\xA9", &buf, NULL));
    CHECK_STR_EQ(buf.data, "1");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_summary_get_json(r.run, "a\"b", &buf, NULL));
    CHECK_STR_EQ(buf.data, "2");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_summary_get_json(r.run, "\xC3\xBC", &buf, NULL)); /* \u00fc */
    CHECK_STR_EQ(buf.data, "4");
    runlog_buf_free(&buf);
    CHECK_OK(runlog_stage_int(r.run, "\xE2\x82\xAC", 6, NULL));
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[0], "\xC3\xA9t\xC3\xA9")), 1);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[0], "a\"b")), 2);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[0], "tab\tkey")), 3);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[0], "\xC3\xBC")), 4);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[0], "")), 5);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[1], "\xE2\x82\xAC")), 6);
    tj_value *summary = h_json_file(h_fmt("%s/files/wandb-summary.json", r.dir));
    CHECK(summary);
    CHECK_INT_EQ(tj_int(tj_get(summary, "a\"b")), 2);
}

TEST(config_yaml_quotes_odd_keys) {
    opened_run r;
    CHECK_OK(open_run(&r, NULL));
    CHECK_OK(runlog_config_update_json(r.run, "{\"a b\": 1, \"x:y\": 2, \"plain_key-1.0/x\": 3, \"q\\\"\": 4}",
                                       RUNLOG_NUL_TERMINATED, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    char *yaml = (char *)h_keep(tu_read_file(h_fmt("%s/files/config.yaml", r.dir), NULL));
    CHECK(yaml);
    CHECK_CONTAINS(yaml, "\"a b\":\n  value: 1\n");
    CHECK_CONTAINS(yaml, "\"x:y\":\n  value: 2\n");
    CHECK_CONTAINS(yaml, "plain_key-1.0/x:\n  value: 3\n");
    CHECK_CONTAINS(yaml, "\"q\\\"\":\n  value: 4\n");
}

TEST(step_metric_on_the_typed_path) {
    opened_run r;
    runlog_metric_options m = RUNLOG_METRIC_OPTIONS_INIT;
    CHECK_OK(open_run(&r, NULL));
    m.step_metric = "epoch";
    CHECK_OK(runlog_define_metric(r.run, "val", &m, NULL));
    CHECK_OK(runlog_stage_int(r.run, "epoch", 4, NULL));
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_stage_double(r.run, "val", 0.5, NULL));
    CHECK_OK(runlog_commit_row(r.run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    tu_history *h = h_history(r.dir, r.id);
    CHECK_INT_EQ(h->count, 2);
    CHECK(tj_num(tj_get(h->rows[1], "val")) == 0.5);
    CHECK_MSG(tj_num(tj_get(h->rows[1], "epoch")) == 4, "step_sync did not fill epoch into a typed row");
    CHECK_INT_EQ(h_step(h->rows[1]), 1);
}

TEST(stats_journal_bytes_match_the_file) {
    opened_run r;
    int i;
    CHECK_OK(open_run(&r, NULL));
    for (i = 0; i < 100; ++i) LOG(r.run, "{\"x\": 1.5}");
    CHECK_OK(runlog_flush(r.run, -1, NULL));
    runlog_stats st = get_stats(r.run);
    size_t len = 0;
    char *bytes = (char *)h_keep(tu_read_file(h_keep(tu_journal_path(r.dir, r.id)), &len));
    CHECK(bytes);
    CHECK_INT_EQ(st.journal_bytes, len);
    CHECK_INT_EQ(st.rows_logged, 100);
    CHECK_INT_EQ(st.step, 100);
    CHECK_INT_EQ(st.records_queued, 0);
    CHECK_INT_EQ(st.bytes_queued, 0);
    CHECK_INT_EQ(st.store_errors, 0);
    CHECK_OK(runlog_finish(r.run, 0, NULL));
}

TEST(nested_dir_is_created) {
    opened_run r;
    const char *root = h_tmpdir();
    runlog_options o = h_opts(h_fmt("%s/a/b/c", root));
    CHECK_OK(open_run(&r, &o));
    CHECK(tu_is_dir(h_fmt("%s/a/b/c/runlog", root)));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
}

TEST(metric_definitions_survive_resume) {
    const char *root = h_tmpdir();
    runlog_options o = h_opts(root);
    runlog_metric_options m = RUNLOG_METRIC_OPTIONS_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    opened_run r;
    o.run_id = "metric01";
    o.resume = "allow";
    CHECK_OK(open_run(&r, &o));
    m.summary = RUNLOG_SUMMARY_MIN;
    CHECK_OK(runlog_define_metric(r.run, "loss", &m, NULL));
    LOG(r.run, "{\"loss\": 3}");
    LOG(r.run, "{\"loss\": 1}");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK_OK(open_run(&r, &o));
    LOG(r.run, "{\"loss\": 2}");
    CHECK_OK(runlog_summary_get_json(r.run, "loss", &buf, NULL));
    tj_value *loss = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK_MSG(loss && tj_num(tj_get(loss, "min")) == 1, "the min over both sessions should be 1");
    CHECK_OK(runlog_finish(r.run, 0, NULL));
}

static int failing_sink(void *ud, const char *kind, const char *json, size_t len) {
    (void)kind;
    (void)json;
    (void)len;
    ++*(int *)ud;
    return 1;
}

TEST(failing_sink_does_not_stop_the_run) {
    int calls = 0;
    runlog_sink sink = {RUNLOG_SINK_VERSION, &calls, failing_sink, NULL};
    runlog_options o = h_opts(h_tmpdir());
    opened_run r;
    o.sink = &sink;
    CHECK_OK(open_run(&r, &o));
    LOG(r.run, "{\"a\": 1}");
    LOG(r.run, "{\"a\": 2}");
    CHECK_OK(runlog_flush(r.run, -1, NULL));
    CHECK_OK(runlog_finish(r.run, 0, NULL));
    CHECK(calls >= 4); /* run, 2 rows, exit */
    CHECK_INT_EQ(h_history(r.dir, r.id)->count, 2);
}

int main(int argc, char **argv) {
    H_BEGIN(argc, argv);
    RUN(version_and_abi);
    RUN(status_strings);
    RUN(options_init_and_buffers);
    RUN(init_layout_and_files);
    RUN(run_ids_are_random_and_well_formed);
    RUN(two_runs_at_once);
    RUN(step_semantics);
    RUN(empty_rows_advance_the_step_but_are_not_recorded);
    RUN(every_row_has_step_runtime_timestamp);
    RUN(nested_objects_stay_nested);
    RUN(nan_and_infinity_are_kept);
    RUN(floats_stay_floats);
    RUN(typed_stage_and_commit);
    RUN(config_merge);
    RUN(summary_set_and_get);
    RUN(define_metric_summaries);
    RUN(define_metric_step_metric);
    RUN(disabled_mode_writes_nothing);
    RUN(disabled_mode_from_env);
    RUN(manual_threading_with_pump);
    RUN(pump_does_nothing_in_background_mode);
    RUN(flush_makes_rows_readable);
    RUN(log_hook_receives_the_banner);
    RUN(silent_env_silences_the_banner);
    RUN(global_log_hook);
    RUN(resume_allow_continues_the_steps);
    RUN(resume_must_and_never);
    RUN(resume_from_env);
    RUN(record_sink_sees_every_record);
    RUN(clock_plugin_sets_the_stamps);
    RUN(summary_explicit_value_then_nested_log);
    RUN(duplicate_keys_last_wins);
    RUN(escaped_timestamp_key_is_kept);
    RUN(one_mebibyte_row);
    RUN(unicode_and_escaped_keys);
    RUN(config_yaml_quotes_odd_keys);
    RUN(step_metric_on_the_typed_path);
    RUN(stats_journal_bytes_match_the_file);
    RUN(nested_dir_is_created);
    RUN(metric_definitions_survive_resume);
    RUN(failing_sink_does_not_stop_the_run);
    return H_END();
}
