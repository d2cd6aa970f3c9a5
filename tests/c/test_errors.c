/*
 * Every error path of the C API: the status, a message that names the cause,
 * and a run that stays usable, with nothing accepted before lost.
 */
#define _XOPEN_SOURCE 700
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "mem_store.h"

static runlog_stats get_stats(runlog_run *run) {
    runlog_stats s = RUNLOG_STATS_INIT;
    runlog_get_stats(run, &s, NULL);
    return s;
}

static void unjam_store(void *p) {
    mem_store_set_block((mem_store *)p, 0);
    mem_store_set_budget((mem_store *)p, -1);
}
static void free_store(void *p) {
    mem_store_free((mem_store *)p);
    free(p);
}
/* A memory store that outlives the test's runs (the harness unblocks it,
 * finishes the runs, then frees it, also when a check failed). */
static mem_store *new_mem_store(void) {
    mem_store *s = (mem_store *)malloc(sizeof *s);
    if (!s) abort();
    mem_store_init(s);
    h_defer(0, unjam_store, s);
    h_defer(1, free_store, s);
    return s;
}

/* The message must also be the thread's last error message. */
#define CHECK_LAST_ERROR(err) CHECK_STR_EQ(runlog_last_error_message(), (err).message)

/* Loads the history rows of a memory store's journal (freed after the test). */
static tu_history *mem_history(mem_store *s) {
    size_t len;
    unsigned char *bytes = mem_store_copy(s, &len);
    tu_journal j;
    tu_journal_decode(bytes, len, &j);
    free(bytes);
    tu_history *h = (tu_history *)calloc(1, sizeof *h);
    tu_history_from_journal(&j, h);
    tu_journal_free(&j);
    if (h_nhists < H_MAX_RES) h_hists[h_nhists++] = h;
    return h;
}

/* rows[i] must be {"i": i, ...} at _step i, for i in [0, n). */
static int rows_are_sequential(const tu_history *h, long long n, char *why, size_t cap) {
    long long i;
    if ((long long)h->count != n) {
        snprintf(why, cap, "%lld rows, expected %lld", (long long)h->count, n);
        return 0;
    }
    if (h->bad) {
        snprintf(why, cap, "%zu rows do not parse", h->bad);
        return 0;
    }
    for (i = 0; i < n; ++i) {
        if (h_step(h->rows[i]) != i || tj_int(tj_get(h->rows[i], "i")) != i) {
            snprintf(why, cap, "row %lld has _step %lld and i %lld", i, h_step(h->rows[i]),
                     tj_int(tj_get(h->rows[i], "i")));
            return 0;
        }
    }
    return 1;
}

#define CHECK_SEQUENTIAL(h, n) \
    do { \
        char why_[200]; \
        CHECK_MSG(rows_are_sequential((h), (n), why_, sizeof why_), "rows: %s", why_); \
    } while (0)

/* ------------------------------------------------------------------------ */

TEST(log_errors_leave_the_run_usable) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    runlog_run *run = NULL;
    runlog_options o = h_opts(h_tmpdir());
    long long good = 0;
    char row[512];
    o.max_payload_bytes = 256;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    char *dir = h_strdup(runlog_run_dir(run));
    char *id = h_strdup(runlog_run_id(run));

#define GOOD_ROW() \
    do { \
        snprintf(row, sizeof row, "{\"i\": %lld}", good); \
        CHECK_OK(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err)); \
        CHECK_INT_EQ(err.status, RUNLOG_OK); \
        CHECK_STR_EQ(err.message, ""); \
        good++; \
    } while (0)
#define BAD_LOG(text, len, step, commit, status, needle) \
    do { \
        CHECK_RC(runlog_log_json(run, (text), (len), (step), (commit), &err), (status), err); \
        CHECK_CONTAINS(err.message, (needle)); \
        CHECK_LAST_ERROR(err); \
        GOOD_ROW(); \
    } while (0)

    GOOD_ROW();
    /* syntax errors name the byte where the text went wrong */
    BAD_LOG("{\"a\": ", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_JSON, "byte 6");
    BAD_LOG("{\"a\": 1,}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_JSON, "byte 8");
    BAD_LOG("", 0, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_JSON, "JSON");
    BAD_LOG("{} {}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_JSON, "byte 3");
    BAD_LOG("{\"a\": nan}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_JSON, "byte 6");
    BAD_LOG("[1, 2]", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_NOT_OBJECT, "array");
    BAD_LOG("42", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_NOT_OBJECT, "number");
    BAD_LOG("\"s\"", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_NOT_OBJECT, "string");
    BAD_LOG("null", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_NOT_OBJECT, "null");
    BAD_LOG("NaN", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_NOT_OBJECT, "number");
    BAD_LOG("{\"a\": \"\xff\"}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_UTF8, "byte 7");
    BAD_LOG("{\"a\": \"\xc0\xaf\"}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_UTF8, "UTF-8");
    BAD_LOG("{\"a\": \"\xed\xa0\x80\"}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_UTF8, "UTF-8");
    BAD_LOG("{\"\xe2\x82\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_UTF8, "byte 2");
    BAD_LOG("{\"_step\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_RESERVED_KEY, "_step");
    BAD_LOG("{\"x\": 1, \"_runtime\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_RESERVED_KEY, "_runtime");
    BAD_LOG("{\"_wandb\": true}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_RESERVED_KEY, "_wandb");
    BAD_LOG("{\"_timestamp\": \"now\"}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_INVALID_ARGUMENT,
            "_timestamp");
    BAD_LOG("{\"x\": 1}", RUNLOG_NUL_TERMINATED, -5, 0, RUNLOG_E_INVALID_ARGUMENT, "-5");
    BAD_LOG("{\"x\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 7, RUNLOG_E_INVALID_ARGUMENT, "commit");
    BAD_LOG("{\"x\": 1}", RUNLOG_NUL_TERMINATED, 0, 0, RUNLOG_E_STEP_ORDER, "smaller");
    {
        /* over max_payload_bytes (256): refused, naming the limit */
        char big[400];
        memset(big, 'x', sizeof big);
        memcpy(big, "{\"s\": \"", 7);
        memcpy(big + sizeof big - 3, "\"}", 3);
        BAD_LOG(big, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, RUNLOG_E_TOO_LARGE, "256");
        /* exactly at the limit: accepted */
        char fits[257];
        int head = snprintf(fits, sizeof fits, "{\"i\": %lld, \"s\": \"", good);
        memset(fits + head, 'y', (size_t)(254 - head));
        memcpy(fits + 254, "\"}", 3);
        CHECK_INT_EQ(strlen(fits), 256);
        CHECK_OK(runlog_log_json(run, fits, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
        good++;
    }
    CHECK_RC(runlog_log_json(run, NULL, 5, RUNLOG_STEP_AUTO, 0, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "json is NULL");
    GOOD_ROW();

    /* A pending row survives errors in between. */
    CHECK_OK(runlog_log_json(run, "{\"kept\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_NO, &err));
    CHECK_RC(runlog_log_json(run, "{oops", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err), RUNLOG_E_INVALID_JSON, err);
    const long long kept_at = good;
    GOOD_ROW(); /* records {"kept": 1, "i": kept_at} */

    /* Config, summary, staging and define_metric errors. */
    CHECK_RC(runlog_config_update_json(run, "{bad", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_INVALID_JSON, err);
    CHECK_CONTAINS(err.message, "config");
    CHECK_RC(runlog_config_update_json(run, "[]", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_NOT_OBJECT, err);
    CHECK_RC(runlog_config_update_json(run, "{\"_wandb\": 1}", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_RESERVED_KEY, err);
    CHECK_CONTAINS(err.message, "_wandb");
    CHECK_RC(runlog_config_update_json(run, NULL, 0, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_summary_update_json(run, "{\"a\": \"\xff\"}", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_INVALID_UTF8, err);
    CHECK_RC(runlog_summary_update_json(run, "{\"_wandb\": 1}", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_RESERVED_KEY, err);
    CHECK_RC(runlog_summary_update_json(run, "1", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_NOT_OBJECT, err);
    CHECK_RC(runlog_summary_update_json(run, NULL, 0, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    GOOD_ROW();
    CHECK_RC(runlog_stage_double(run, "", 1.0, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_stage_double(run, NULL, 1.0, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "key");
    CHECK_RC(runlog_stage_int(run, "_step", 1, &err), RUNLOG_E_RESERVED_KEY, err);
    CHECK_CONTAINS(err.message, "_step");
    CHECK_RC(runlog_stage_int(run, "_timestamp", 1, &err), RUNLOG_E_RESERVED_KEY, err);
    CHECK_RC(runlog_stage_double(run, "bad\xff", 1.0, &err), RUNLOG_E_INVALID_UTF8, err);
    CHECK_RC(runlog_commit_row(run, -2, 0, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_commit_row(run, RUNLOG_STEP_AUTO, 3, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    {
        /* a typed row after all of that */
        CHECK_OK(runlog_stage_int(run, "i", good, &err));
        CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err));
        good++;
    }
    runlog_metric_options m = RUNLOG_METRIC_OPTIONS_INIT;
    CHECK_RC(runlog_define_metric(run, "a*b", NULL, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "a*b");
    CHECK_RC(runlog_define_metric(run, "", NULL, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_define_metric(run, NULL, NULL, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    m.summary = RUNLOG_SUMMARY_NONE | RUNLOG_SUMMARY_MIN;
    CHECK_RC(runlog_define_metric(run, "x", &m, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "NONE");
    m.summary = 1u << 20;
    CHECK_RC(runlog_define_metric(run, "x", &m, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    m.summary = 0;
    m.version = 0;
    CHECK_RC(runlog_define_metric(run, "x", &m, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "version");
    CHECK_RC(runlog_summary_get_json(run, "i", NULL, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_config_get_json(run, NULL, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_get_stats(run, NULL, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    {
        runlog_stats st;
        memset(&st, 0, sizeof st);
        CHECK_RC(runlog_get_stats(run, &st, &err), RUNLOG_E_INVALID_ARGUMENT, err);
        CHECK_CONTAINS(err.message, "version");
    }
    GOOD_ROW();
    CHECK_OK(runlog_summary_get_json(run, "i", &buf, &err));
    runlog_buf_free(&buf);
    CHECK_INT_EQ(get_stats(run).steps_refused, 1);
    CHECK_OK(runlog_finish(run, 0, &err));

    tu_history *h = h_history(dir, id);
    CHECK_INT_EQ(h->stop, TU_STOP_END);
    CHECK_SEQUENTIAL(h, good);
    CHECK_INT_EQ(tj_int(tj_get(h->rows[kept_at], "kept")), 1);
    int found = 0;
    size_t k;
    for (k = 0; k < h->count; ++k) found += tj_get(h->rows[k], "kept") != NULL;
    CHECK_INT_EQ(found, 1);
#undef GOOD_ROW
#undef BAD_LOG
}

TEST(null_and_stray_handles) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    runlog_stats st = RUNLOG_STATS_INIT;
    runlog_options o = h_opts(h_tmpdir());
    CHECK_RC(runlog_init(NULL, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "run_out");
    CHECK_INT_EQ(tu_count_entries(o.dir), 0);
#define NULL_RUN(call) \
    do { \
        memset(&err, 0, sizeof err); \
        err.version = RUNLOG_ERROR_VERSION; \
        CHECK_RC(call, RUNLOG_E_INVALID_ARGUMENT, err); \
        CHECK_CONTAINS(err.message, "run is NULL"); \
        CHECK_LAST_ERROR(err); \
    } while (0)
    NULL_RUN(runlog_log_json(NULL, "{}", 2, RUNLOG_STEP_AUTO, 0, &err));
    NULL_RUN(runlog_stage_double(NULL, "a", 1, &err));
    NULL_RUN(runlog_stage_int(NULL, "a", 1, &err));
    NULL_RUN(runlog_commit_row(NULL, RUNLOG_STEP_AUTO, 0, &err));
    NULL_RUN(runlog_config_update_json(NULL, "{}", 2, &err));
    NULL_RUN(runlog_config_get_json(NULL, &buf, &err));
    NULL_RUN(runlog_summary_update_json(NULL, "{}", 2, &err));
    NULL_RUN(runlog_summary_get_json(NULL, NULL, &buf, &err));
    NULL_RUN(runlog_define_metric(NULL, "a", NULL, &err));
    NULL_RUN(runlog_flush(NULL, 0, &err));
    NULL_RUN(runlog_pump(NULL, 0, &err));
    NULL_RUN(runlog_get_stats(NULL, &st, &err));
    NULL_RUN(runlog_finish(NULL, 0, &err));
#undef NULL_RUN
    CHECK(runlog_run_id(NULL) == NULL);
    CHECK(runlog_run_name(NULL) == NULL);
    CHECK(runlog_run_project(NULL) == NULL);
    CHECK(runlog_run_entity(NULL) == NULL);
    CHECK(runlog_run_mode(NULL) == NULL);
    CHECK(runlog_run_dir(NULL) == NULL);
    /* err may be NULL everywhere */
    CHECK(runlog_log_json(NULL, "{}", 2, RUNLOG_STEP_AUTO, 0, NULL) == RUNLOG_E_INVALID_ARGUMENT);
    CHECK(strlen(runlog_last_error_message()) > 0);
    /* a zeroed err (version 0, the natural default in Rust and Go) is
     * treated as version 1: it gets the status and the message */
    runlog_error zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    CHECK(runlog_log_json(NULL, "{}", 2, RUNLOG_STEP_AUTO, 0, &zeroed) == RUNLOG_E_INVALID_ARGUMENT);
    CHECK(zeroed.status == RUNLOG_E_INVALID_ARGUMENT);
    CHECK_CONTAINS(zeroed.message, "run is NULL");
    /* a pointer that is not a handle (zeroed memory) is recognised */
    static long long not_a_handle[64];
    memset(&err, 0, sizeof err);
    err.version = RUNLOG_ERROR_VERSION;
    CHECK_RC(runlog_log_json((runlog_run *)not_a_handle, "{}", 2, RUNLOG_STEP_AUTO, 0, &err),
             RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "not a runlog_run handle");
}

TEST(calls_after_finish_are_refused) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    runlog_stats st = RUNLOG_STATS_INIT;
    runlog_run *run = NULL;
    runlog_options o = h_opts(h_tmpdir());
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    char *dir = h_strdup(runlog_run_dir(run)), *id = h_strdup(runlog_run_id(run));
    CHECK_OK(runlog_log_json(run, "{\"i\": 0}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
#define AFTER(call) \
    do { \
        CHECK_RC(call, RUNLOG_E_FINISHED, err); \
        CHECK_CONTAINS(err.message, "finished"); \
    } while (0)
    AFTER(runlog_log_json(run, "{\"i\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    AFTER(runlog_stage_double(run, "a", 1, &err));
    AFTER(runlog_stage_int(run, "a", 1, &err));
    AFTER(runlog_commit_row(run, RUNLOG_STEP_AUTO, 0, &err));
    AFTER(runlog_config_update_json(run, "{}", 2, &err));
    AFTER(runlog_config_get_json(run, &buf, &err));
    AFTER(runlog_summary_update_json(run, "{}", 2, &err));
    AFTER(runlog_summary_get_json(run, NULL, &buf, &err));
    AFTER(runlog_define_metric(run, "a", NULL, &err));
    AFTER(runlog_flush(run, 0, &err));
    AFTER(runlog_pump(run, 0, &err));
    AFTER(runlog_get_stats(run, &st, &err));
    AFTER(runlog_finish(run, 0, &err)); /* a second finish */
    AFTER(runlog_finish(run, 1, &err));
#undef AFTER
    CHECK(runlog_run_id(run) == NULL);
    CHECK(runlog_run_dir(run) == NULL);
    CHECK(runlog_run_mode(run) == NULL);
    tu_history *h = h_history(dir, id);
    CHECK_INT_EQ(h->count, 1);
    CHECK_INT_EQ(h->exits, 1);
}

TEST(init_errors_name_the_cause) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    const char *root = h_tmpdir();
    runlog_options o;
#define BAD_INIT(field_setup, status, needle) \
    do { \
        o = h_opts(root); \
        field_setup; \
        run = (runlog_run *)&o; \
        CHECK_RC(runlog_init(&run, &o, &err), (status), err); \
        CHECK_MSG(run == NULL, "run_out must be NULL after a failed init"); \
        CHECK_CONTAINS(err.message, (needle)); \
        CHECK_LAST_ERROR(err); \
    } while (0)
    BAD_INIT(o.version = 0, RUNLOG_E_INVALID_ARGUMENT, "version");
    BAD_INIT(o.mode = "bogus", RUNLOG_E_INVALID_ARGUMENT, "bogus");
    BAD_INIT(o.run_id = "bad/id", RUNLOG_E_INVALID_ARGUMENT, "/");
    BAD_INIT(o.run_id = "", RUNLOG_E_INVALID_ARGUMENT, "empty");
    BAD_INIT(o.project = "a:b", RUNLOG_E_INVALID_ARGUMENT, "project");
    BAD_INIT(o.resume = "sometimes", RUNLOG_E_INVALID_ARGUMENT, "sometimes");
    BAD_INIT(o.threading = 7, RUNLOG_E_INVALID_ARGUMENT, "threading");
    BAD_INIT(o.queue_full = 9, RUNLOG_E_INVALID_ARGUMENT, "queue_full");
    BAD_INIT(o.durability = 11, RUNLOG_E_INVALID_ARGUMENT, "durability");
    BAD_INIT(o.config_json = "{\"a\":", RUNLOG_E_INVALID_JSON, "config_json");
    BAD_INIT(o.config_json = "[1]", RUNLOG_E_NOT_OBJECT, "config_json");
    BAD_INIT(o.config_json = "{\"a\": \"\xfe\"}", RUNLOG_E_INVALID_UTF8, "config_json");
    /* nothing was created by the refused inits */
    CHECK_INT_EQ(tu_count_entries(root), 0);
    setenv("WANDB_MODE", "sideways", 1);
    BAD_INIT((void)0, RUNLOG_E_INVALID_ARGUMENT, "WANDB_MODE");
    unsetenv("WANDB_MODE");
    setenv("WANDB_RUN_ID", "a#b", 1);
    BAD_INIT((void)0, RUNLOG_E_INVALID_ARGUMENT, "WANDB_RUN_ID");
    unsetenv("WANDB_RUN_ID");
    setenv("WANDB_PROJECT", "p?q", 1);
    BAD_INIT((void)0, RUNLOG_E_INVALID_ARGUMENT, "WANDB_PROJECT");
    unsetenv("WANDB_PROJECT");
    CHECK_INT_EQ(tu_count_entries(root), 0);
#undef BAD_INIT
}

/* Plug-ins passed to a failed init are destroyed exactly once. */
typedef struct {
    int destroyed;
} counter;
static void count_destroy(void *ud) { ((counter *)ud)->destroyed++; }
static double zero_clock(void *ud) {
    (void)ud;
    return 1.0;
}
static int sink_ok(void *ud, const char *kind, const char *json, size_t len) {
    (void)ud;
    (void)kind;
    (void)json;
    (void)len;
    return 0;
}

TEST(plugin_and_version_contracts) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    /* a struct version newer than the library knows is refused, naming it;
     * the plug-ins are still destroyed */
    mem_store *ms = new_mem_store();
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.version = RUNLOG_OPTIONS_VERSION + 1;
    o.store = &store;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "newer");
    CHECK_INT_EQ(ms->destroyed, 1);
    CHECK(runlog_options_init(&o, RUNLOG_OPTIONS_VERSION + 1) == RUNLOG_E_INVALID_ARGUMENT);
    CHECK(runlog_options_init(&o, 0) == RUNLOG_E_INVALID_ARGUMENT);
    CHECK(runlog_options_init(&o, RUNLOG_OPTIONS_VERSION) == RUNLOG_OK);
    CHECK_INT_EQ((int)o.version, RUNLOG_OPTIONS_VERSION);
    runlog_metric_options mo = RUNLOG_METRIC_OPTIONS_INIT;
    mo.version = RUNLOG_METRIC_OPTIONS_VERSION + 1;
    o = h_opts(h_tmpdir());
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_RC(runlog_define_metric(run, "acc", &mo, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_OK(runlog_finish(run, 0, &err));
    /* a plug-in status that is not a RUNLOG_E_* code reaches the caller as
     * RUNLOG_E_CALLBACK, never as itself */
    mem_store *odd = new_mem_store();
    odd->open_status = 7;
    store = mem_store_plugin(odd);
    o = h_opts(h_tmpdir());
    o.store = &store;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_CALLBACK, err);
    CHECK(err.status == RUNLOG_E_CALLBACK);
}

TEST(failed_init_destroys_the_plugins) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    mem_store *ms = new_mem_store();
    counter cc = {0}, sc = {0};
    runlog_store store = mem_store_plugin(ms);
    runlog_clock clock = {RUNLOG_CLOCK_VERSION, &cc, zero_clock, zero_clock, count_destroy};
    runlog_sink sink = {RUNLOG_SINK_VERSION, &sc, sink_ok, count_destroy};
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    o.clock = &clock;
    o.sink = &sink;
    o.mode = "bogus";
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    h_track(run);
    CHECK_INT_EQ(ms->destroyed, 1);
    CHECK_INT_EQ(cc.destroyed, 1);
    CHECK_INT_EQ(sc.destroyed, 1);
    CHECK_INT_EQ(ms->opens, 0);

    /* an incomplete store is refused (and its destroy still called) */
    counter dc = {0};
    runlog_store half;
    memset(&half, 0, sizeof half);
    half.version = RUNLOG_STORE_VERSION;
    half.user_data = &dc;
    half.destroy = count_destroy;
    o = h_opts(h_tmpdir());
    o.store = &half;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "store");
    CHECK_INT_EQ(dc.destroyed, 1);
    runlog_clock half_clock = {RUNLOG_CLOCK_VERSION, NULL, NULL, zero_clock, NULL};
    o = h_opts(h_tmpdir());
    o.clock = &half_clock;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "clock");
    runlog_sink half_sink = {RUNLOG_SINK_VERSION, NULL, NULL, NULL};
    o.clock = NULL;
    o.sink = &half_sink;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "sink");
}

TEST(store_that_cannot_open) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    mem_store *ms = new_mem_store();
    ms->open_status = RUNLOG_E_PERMISSION;
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_PERMISSION, err);
    h_track(run);
    CHECK(run == NULL);
    CHECK_CONTAINS(err.message, "test store refuses to open");
    CHECK_INT_EQ(ms->opens, 1);
    CHECK_INT_EQ(ms->destroyed, 1);
}

TEST(unwritable_directory_path_through_a_file) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = (runlog_run *)&err;
    const char *root = h_tmpdir();
    char *file = h_fmt("%s/file.txt", root);
    CHECK(tu_write_file(file, "x", 1) == 0);
    runlog_options o = h_opts(h_fmt("%s/sub", file));
    int rc = runlog_init(&run, &o, &err);
    CHECK_MSG(rc == RUNLOG_E_PERMISSION || rc == RUNLOG_E_IO, "init returned %s: %s", runlog_status_string(rc),
              err.message);
    CHECK(err.status == rc);
    CHECK(run == NULL);
    CHECK_CONTAINS(err.message, "file.txt");
    CHECK_LAST_ERROR(err);
    /* a good directory works right after */
    o = h_opts(root);
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_OK(runlog_finish(run, 0, &err));
}

TEST(unwritable_directory_by_permissions) {
    if (geteuid() == 0) SKIP("running as root: chmod does not stop root from writing");
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    const char *root = h_tmpdir();
    char *ro = h_fmt("%s/ro", root);
    CHECK(mkdir(ro, 0500) == 0);
    runlog_options o = h_opts(ro);
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_PERMISSION, err);
    CHECK(run == NULL);
    CHECK_CONTAINS(err.message, ro);
    CHECK_CONTAINS(err.message, "WANDB_DIR");
}

/* The store fills up (like a full disk): log keeps working, flush reports
 * the store's error, and once the store recovers every row is written once,
 * in order. */
static void failing_store_scenario(int threading) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    mem_store *ms = new_mem_store();
    long long i;
    char row[160];
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    o.threading = threading;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_dir(run), h_fmt("mem://%s", runlog_run_id(run)));
    const size_t after_init = mem_store_size(ms);
    CHECK(after_init > 8);
    mem_store_set_budget(ms, (long long)after_init + 2000);
    for (i = 0; i < 200; ++i) {
        snprintf(row, sizeof row, "{\"i\": %lld, \"pad\": \"%080d\"}", i, 0);
        CHECK_OK(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    }
    int rc = runlog_flush(run, 20000, &err);
    CHECK_MSG(rc == RUNLOG_E_NO_SPACE, "flush returned %s (%s), expected NO_SPACE", runlog_status_string(rc),
              err.message);
    CHECK_CONTAINS(err.message, "test store is full");
    CHECK_CONTAINS(err.message, "records");
    if (threading == RUNLOG_THREADING_MANUAL) {
        CHECK_RC(runlog_pump(run, 0, &err), RUNLOG_E_NO_SPACE, err);
        CHECK_CONTAINS(err.message, "test store is full");
    }
    runlog_stats st = RUNLOG_STATS_INIT;
    CHECK_OK(runlog_get_stats(run, &st, &err));
    CHECK(st.store_errors >= 1);
    CHECK(st.records_queued > 0);
    /* the run keeps accepting data */
    for (i = 200; i < 300; ++i) {
        snprintf(row, sizeof row, "{\"i\": %lld}", i);
        CHECK_OK(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    }
    runlog_buf buf = RUNLOG_BUF_INIT;
    CHECK_OK(runlog_summary_get_json(run, "i", &buf, &err));
    CHECK_STR_EQ(buf.data, "299");
    runlog_buf_free(&buf);
    /* the store recovers */
    mem_store_set_budget(ms, -1);
    int attempts = 0;
    do {
        rc = runlog_flush(run, 20000, &err);
        if (rc == RUNLOG_E_NO_SPACE) h_sleep_ms(20); /* the retry is backed off */
    } while (rc == RUNLOG_E_NO_SPACE && ++attempts < 500);
    CHECK_MSG(rc == RUNLOG_OK, "flush after recovery returned %s: %s", runlog_status_string(rc), err.message);
    CHECK_OK(runlog_get_stats(run, &st, &err));
    CHECK_INT_EQ(st.records_queued, 0);
    for (i = 300; i < 310; ++i) {
        snprintf(row, sizeof row, "{\"i\": %lld}", i);
        CHECK_OK(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    }
    CHECK_OK(runlog_finish(run, 0, &err));
    CHECK_INT_EQ(ms->destroyed, 1);
    tu_history *h = mem_history(ms);
    CHECK_MSG(h->stop == TU_STOP_END, "journal: %s", h->detail);
    CHECK_SEQUENTIAL(h, 310);
    CHECK_INT_EQ(h->exits, 1);
    CHECK(ms->failed_appends >= 1);
    CHECK(mem_store_find_file(ms, "files/wandb-summary.json") != NULL);
    CHECK(mem_store_find_file(ms, "files/config.yaml") != NULL);
}

TEST(failing_store_recovers_background) {
    if (!runlog_has_threads()) SKIP("no threads in this build");
    failing_store_scenario(RUNLOG_THREADING_BACKGROUND);
}

TEST(failing_store_recovers_manual) { failing_store_scenario(RUNLOG_THREADING_MANUAL); }

TEST(flush_timeout_on_a_slow_store) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    int i;
    if (!runlog_has_threads()) SKIP("no threads in this build");
    mem_store *ms = new_mem_store();
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    mem_store_set_block(ms, 1);
    for (i = 0; i < 50; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %d}", i);
        CHECK_OK(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    }
    mem_store_wait_blocked(ms); /* the writer is inside append */
    CHECK_RC(runlog_flush(run, 100, &err), RUNLOG_E_TIMEOUT, err);
    CHECK_CONTAINS(err.message, "100 ms");
    CHECK(get_stats(run).records_queued > 0);
    /* the run stays usable while the store is slow */
    CHECK_OK(runlog_log_json(run, "{\"i\": 50}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    mem_store_set_block(ms, 0);
    CHECK_OK(runlog_flush(run, -1, &err));
    CHECK_INT_EQ(get_stats(run).records_queued, 0);
    CHECK_OK(runlog_finish(run, 0, &err));
    tu_history *h = mem_history(ms);
    CHECK_SEQUENTIAL(h, 51);
}

TEST(queue_full_drop_refuses_and_counts) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    long long i, accepted = 0, refused = 0;
    if (!runlog_has_threads()) SKIP("no threads in this build");
    mem_store *ms = new_mem_store();
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    o.queue_full = RUNLOG_QUEUE_FULL_DROP;
    o.queue_capacity_bytes = 4096;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    mem_store_set_block(ms, 1);
    for (i = 0; i < 2000; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %lld}", accepted);
        int rc = runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err);
        if (rc == RUNLOG_OK) {
            accepted++;
            continue;
        }
        CHECK_MSG(rc == RUNLOG_E_QUEUE_FULL, "log returned %s: %s", runlog_status_string(rc), err.message);
        CHECK_CONTAINS(err.message, "queue");
        refused++;
    }
    CHECK_MSG(refused > 0, "a 4 KiB queue over a blocked store never refused a row");
    CHECK(accepted > 0);
    CHECK_INT_EQ(get_stats(run).rows_refused_queue_full, refused);
    mem_store_set_block(ms, 0);
    CHECK_OK(runlog_finish(run, 0, &err));
    tu_history *h = mem_history(ms);
    CHECK_SEQUENTIAL(h, accepted);
}

/* A typed row refused by a full queue is dropped whole: its staged values do
 * not leak into the next row. */
TEST(refused_typed_row_does_not_leak_into_the_next) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    int rc = RUNLOG_OK;
    long long i;
    if (!runlog_has_threads()) SKIP("no threads in this build");
    mem_store *ms = new_mem_store();
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    o.queue_full = RUNLOG_QUEUE_FULL_DROP;
    o.queue_capacity_bytes = 4096;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    mem_store_set_block(ms, 1);
    for (i = 0; i < 2000 && rc == RUNLOG_OK; ++i) {
        CHECK_OK(runlog_stage_int(run, "kept", i, &err));
        rc = runlog_commit_row(run, RUNLOG_STEP_AUTO, 0, &err);
    }
    CHECK_MSG(rc == RUNLOG_E_QUEUE_FULL, "commit_row over a blocked store returned %s", runlog_status_string(rc));
    CHECK_OK(runlog_stage_int(run, "dropped", 1, &err));
    rc = runlog_commit_row(run, RUNLOG_STEP_AUTO, 0, &err); /* refused too, or accepted: either way alone */
    mem_store_set_block(ms, 0);
    CHECK_OK(runlog_flush(run, -1, &err));
    CHECK_OK(runlog_stage_int(run, "after", 2, &err));
    CHECK_OK(runlog_commit_row(run, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
    tu_history *h = mem_history(ms);
    const tj_value *last = h->rows[h->count - 1];
    CHECK_MSG(tj_get(last, "after") != NULL, "the last row is not the one committed last");
    CHECK_MSG(tj_get(last, "kept") == NULL && tj_get(last, "dropped") == NULL,
              "values staged for a refused row leaked into the next row");
}

TEST(queue_full_block_returns_the_store_error) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    long long i, accepted = 0;
    int rc = RUNLOG_OK;
    if (!runlog_has_threads()) SKIP("no threads in this build");
    mem_store *ms = new_mem_store();
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    o.queue_capacity_bytes = 4096;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    mem_store_set_budget(ms, (long long)mem_store_size(ms)); /* full from now on */
    for (i = 0; i < 100000; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %lld}", accepted);
        rc = runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err);
        if (rc != RUNLOG_OK) break;
        accepted++;
    }
    CHECK_MSG(rc == RUNLOG_E_NO_SPACE, "log over a full store and a full queue returned %s",
              runlog_status_string(rc));
    CHECK_CONTAINS(err.message, "test store is full");
    CHECK(get_stats(run).rows_refused_queue_full >= 1);
    mem_store_set_budget(ms, -1);
    CHECK_OK(runlog_finish(run, 0, &err));
    tu_history *h = mem_history(ms);
    CHECK_SEQUENTIAL(h, accepted);
}

TEST(finish_reports_records_it_could_not_write) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    mem_store *ms = new_mem_store();
    runlog_store store = mem_store_plugin(ms);
    runlog_options o = h_opts(h_tmpdir());
    o.store = &store;
    o.finish_timeout_ms = 300;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_OK(runlog_log_json(run, "{\"i\": 0}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_flush(run, -1, &err));
    mem_store_set_budget(ms, (long long)mem_store_size(ms));
    CHECK_OK(runlog_log_json(run, "{\"i\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_RC(runlog_finish(run, 0, &err), RUNLOG_E_NO_SPACE, err);
    CHECK_CONTAINS(err.message, "test store is full");
    CHECK_CONTAINS(err.message, "lost");
    /* the handle is a tombstone now */
    CHECK_RC(runlog_log_json(run, "{}", 2, RUNLOG_STEP_AUTO, 0, &err), RUNLOG_E_FINISHED, err);
    CHECK_INT_EQ(ms->destroyed, 1);
    tu_history *h = mem_history(ms);
    CHECK_SEQUENTIAL(h, 1);
}


/* Reserved keys cannot be smuggled in with \u escapes. */
TEST(escaped_reserved_keys_are_refused) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    runlog_options o = h_opts(h_tmpdir());
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_RC(runlog_log_json(run, "{\"\\u005fstep\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err),
             RUNLOG_E_RESERVED_KEY, err);
    CHECK_CONTAINS(err.message, "_step");
    CHECK_RC(runlog_log_json(run, "{\"_\\u0072untime\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err),
             RUNLOG_E_RESERVED_KEY, err);
    CHECK_RC(runlog_config_update_json(run, "{\"\\u005fwandb\": 1}", RUNLOG_NUL_TERMINATED, &err),
             RUNLOG_E_RESERVED_KEY, err);
    CHECK_OK(runlog_finish(run, 0, &err));
}

/* Bare NaN/Infinity are values, never keys: config and summary updates go
 * through the other JSON parser and must refuse them too. */
TEST(bare_nonfinite_keys_are_invalid_json) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    runlog_buf buf = RUNLOG_BUF_INIT;
    runlog_options o = h_opts(h_tmpdir());
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_RC(runlog_log_json(run, "{NaN: 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err),
             RUNLOG_E_INVALID_JSON, err);
    CHECK_RC(runlog_config_update_json(run, "{NaN: 1}", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_INVALID_JSON, err);
    CHECK_RC(runlog_summary_update_json(run, "{Infinity: 1}", RUNLOG_NUL_TERMINATED, &err), RUNLOG_E_INVALID_JSON,
             err);
    /* a string that happens to look like runlog's internal NaN marker stays a string */
    CHECK_OK(runlog_config_update_json(run, "{\"s\": \"\\u0000runlog:NaN\", \"x\": NaN}", RUNLOG_NUL_TERMINATED, &err));
    CHECK_OK(runlog_config_get_json(run, &buf, &err));
    tj_value *cfg = h_json(buf.data, buf.size);
    runlog_buf_free(&buf);
    CHECK(cfg);
    CHECK_MSG(tj_get(cfg, "s") && tj_get(cfg, "s")->type == TJ_STRING, "a config string became a number");
    CHECK_OK(runlog_finish(run, 0, &err));
}

/* A process that died between creating its run directory and its journal
 * leaves a directory without a journal. The next init with that run id (in
 * the same second, so the same directory name) must still work. */
static void make_orphan_dirs(const char *root, const char *id) {
    time_t now = time(NULL);
    long d;
    mkdir(h_fmt("%s/runlog", root), 0777);
    for (d = -1; d <= 3; ++d) {
        time_t t = now + d;
        struct tm tm;
        char stamp[32];
        localtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
        mkdir(h_fmt("%s/runlog/offline-run-%s-%s", root, stamp, id), 0777);
        mkdir(h_fmt("%s/runlog/offline-run-%s-%s/files", root, stamp, id), 0777);
    }
}

TEST(init_after_a_crash_left_a_run_directory_without_journal) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    const char *root = h_tmpdir();
    static const char *const resume[] = {NULL, "allow"};
    int k;
    for (k = 0; k < 2; ++k) {
        const char *id = k ? "orphan02" : "orphan01";
        make_orphan_dirs(root, id);
        runlog_options o = h_opts(root);
        o.run_id = id;
        o.resume = resume[k];
        if (runlog_init(&run, &o, &err) != RUNLOG_OK) {
            EXPECT_MSG(0, "resume=%s: init failed: %s", resume[k] ? resume[k] : "(none)", err.message);
            continue;
        }
        h_track(run);
        char *dir = h_strdup(runlog_run_dir(run));
        CHECK_OK(runlog_log_json(run, "{\"i\": 0}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
        CHECK_OK(runlog_finish(run, 0, &err));
        CHECK_INT_EQ(h_history(dir, id)->count, 1);
    }
}

/* A given _timestamp must be a finite number of seconds. */
TEST(timestamp_must_be_a_finite_number) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    runlog_options o = h_opts(h_tmpdir());
    static const char *const bad[] = {"{\"_timestamp\": NaN}", "{\"_timestamp\": Infinity}",
                                      "{\"_timestamp\": -Infinity}", "{\"_timestamp\": \"1700000000\"}",
                                      "{\"_timestamp\": null}", "{\"_timestamp\": [1]}"};
    size_t i;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    for (i = 0; i < sizeof bad / sizeof *bad; ++i) {
        int rc = runlog_log_json(run, bad[i], RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err);
        EXPECT_MSG(rc == RUNLOG_E_INVALID_ARGUMENT, "%s was %s", bad[i],
                   rc == RUNLOG_OK ? "accepted" : runlog_status_string(rc));
    }
    CHECK_OK(runlog_log_json(run, "{\"_timestamp\": -1.5}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_log_json(run, "{\"_timestamp\": 1700000000}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
}

/* Manual threading: a full queue refuses rows under DROP until the host
 * pumps; under BLOCK, log() makes room itself on the calling thread. */
TEST(queue_full_in_manual_mode) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *drop = NULL, *block = NULL;
    long long i, accepted = 0, refused = 0;
    mem_store *ms_drop = new_mem_store(), *ms_block = new_mem_store();
    runlog_store sd = mem_store_plugin(ms_drop), sb = mem_store_plugin(ms_block);
    runlog_options o = h_opts(h_tmpdir());
    o.threading = RUNLOG_THREADING_MANUAL;
    o.queue_capacity_bytes = 4096;
    o.queue_full = RUNLOG_QUEUE_FULL_DROP;
    o.store = &sd;
    CHECK_OK(runlog_init(&drop, &o, &err));
    h_track(drop);
    o.queue_full = RUNLOG_QUEUE_FULL_BLOCK;
    o.store = &sb;
    CHECK_OK(runlog_init(&block, &o, &err));
    h_track(block);
    for (i = 0; i < 500; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %lld}", accepted);
        int rc = runlog_log_json(drop, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err);
        if (rc == RUNLOG_OK) accepted++;
        else {
            CHECK_MSG(rc == RUNLOG_E_QUEUE_FULL, "log returned %s: %s", runlog_status_string(rc), err.message);
            refused++;
        }
        if (i == 300) CHECK_OK(runlog_pump(drop, 0, &err)); /* the host catches up once */
    }
    CHECK(refused > 0 && accepted > 0);
    CHECK(accepted < 500);
    CHECK_INT_EQ(get_stats(drop).rows_refused_queue_full, refused);
    for (i = 0; i < 2000; ++i) {
        char row[48];
        snprintf(row, sizeof row, "{\"i\": %lld}", i);
        CHECK_OK(runlog_log_json(block, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    }
    runlog_stats st = get_stats(block);
    CHECK_MSG(st.records_written > 0, "under BLOCK a full queue must be written by the logging thread");
    CHECK(st.bytes_queued <= 4096 + 128);
    CHECK_INT_EQ(st.rows_refused_queue_full, 0);
    CHECK_OK(runlog_finish(drop, 0, &err));
    CHECK_OK(runlog_finish(block, 0, &err));
    CHECK_SEQUENTIAL(mem_history(ms_drop), accepted);
    CHECK_SEQUENTIAL(mem_history(ms_block), 2000);
}

int main(int argc, char **argv) {
    H_BEGIN(argc, argv);
    RUN(log_errors_leave_the_run_usable);
    RUN(null_and_stray_handles);
    RUN(calls_after_finish_are_refused);
    RUN(init_errors_name_the_cause);
    RUN(failed_init_destroys_the_plugins);
    RUN(plugin_and_version_contracts);
    RUN(store_that_cannot_open);
    RUN(unwritable_directory_path_through_a_file);
    RUN(unwritable_directory_by_permissions);
    RUN(failing_store_recovers_background);
    RUN(failing_store_recovers_manual);
    RUN(flush_timeout_on_a_slow_store);
    RUN(queue_full_drop_refuses_and_counts);
    RUN(refused_typed_row_does_not_leak_into_the_next);
    RUN(queue_full_block_returns_the_store_error);
    RUN(finish_reports_records_it_could_not_write);
    RUN(escaped_reserved_keys_are_refused);
    RUN(bare_nonfinite_keys_are_invalid_json);
    RUN(init_after_a_crash_left_a_run_directory_without_journal);
    RUN(timestamp_must_be_a_finite_number);
    RUN(queue_full_in_manual_mode);
    return H_END();
}
