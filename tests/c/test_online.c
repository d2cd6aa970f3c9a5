/*
 * Online mode through the public ABI, with an HTTP executor plug-in written
 * in C (no server needed): the executor sees runlog's requests, its answers
 * drive the upload state, failures never reach log(), the API key never
 * appears in messages, versioned structs are read only as far as their
 * version goes, and runlog_sync_* reports bad arguments. The end-to-end
 * scenarios against the W&B test server are in tests/online/.
 */
#define _XOPEN_SOURCE 700
#include <pthread.h>

#include "harness.h"

#define KEY "0123456789abcdef0123456789abcdef01234567"

typedef struct {
    pthread_mutex_t mu;
    int status;        /* answer: HTTP status, 0 = no answer */
    const char *body;
    int async;         /* complete from another thread */
    int start_fails;
    int starts;
    int destroyed;
    char url[512];
    char headers[2048];
} fake_http;

typedef struct {
    fake_http *f;
    runlog_http_call *call;
} pending_answer;

static void answer(fake_http *f, runlog_http_call *call) {
    const char *body = f->body ? f->body : "";
    runlog_http_complete(call, f->status, "Retry-After: 0\r\nContent-Type: application/json\r\n",
                         (const uint8_t *)body, strlen(body), f->status > 0 ? NULL : "fake: connection refused");
}

static void *answer_later(void *arg) {
    pending_answer *p = arg;
    h_sleep_ms(5);
    answer(p->f, p->call);
    free(p);
    return NULL;
}

static int fake_start(void *ud, const runlog_http_request *req, runlog_http_call *call, runlog_error *err) {
    fake_http *f = ud;
    pthread_mutex_lock(&f->mu);
    f->starts++;
    snprintf(f->url, sizeof f->url, "%s", req->url);
    snprintf(f->headers, sizeof f->headers, "%s", req->headers);
    int fails = f->start_fails, async = f->async;
    pthread_mutex_unlock(&f->mu);
    if (fails) {
        err->status = RUNLOG_E_IO;
        snprintf(err->message, sizeof err->message, "fake: cannot start");
        return RUNLOG_E_IO;
    }
    if (async) {
        pending_answer *p = malloc(sizeof *p);
        p->f = f;
        p->call = call;
        pthread_t t;
        pthread_create(&t, NULL, answer_later, p);
        pthread_detach(t);
    } else {
        answer(f, call);
    }
    return RUNLOG_OK;
}

static void fake_destroy(void *ud) {
    fake_http *f = ud;
    pthread_mutex_lock(&f->mu);
    f->destroyed++;
    pthread_mutex_unlock(&f->mu);
}

static int starts_of(fake_http *f) {
    pthread_mutex_lock(&f->mu);
    int n = f->starts;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static fake_http *new_fake(int status, const char *body) {
    fake_http *f = h_keep(calloc(1, sizeof *f));
    pthread_mutex_init(&f->mu, NULL);
    f->status = status;
    f->body = body;
    return f;
}

static runlog_http http_of(fake_http *f) {
    runlog_http h;
    memset(&h, 0, sizeof h);
    h.version = RUNLOG_HTTP_VERSION;
    h.user_data = f;
    h.start = fake_start;
    h.destroy = fake_destroy;
    return h;
}

/* Messages of a run, collected. */
static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_log[16384];
static void collect(void *ud, int level, const char *msg) {
    (void)ud;
    (void)level;
    pthread_mutex_lock(&g_log_mu);
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof g_log - n, "%s\n", msg);
    pthread_mutex_unlock(&g_log_mu);
}

static runlog_options online_opts(const char *dir, const runlog_http *http) {
    runlog_options o = h_opts(dir);
    o.silent = RUNLOG_NO;
    o.log_fn = collect;
    o.api_key = KEY;
    o.base_url = "http://127.0.0.1:9";  /* never contacted: the fake answers */
    o.http = http;
    o.transmit_interval_ms = 10;
    o.retry_wait_min_ms = 1;
    o.retry_wait_max_ms = 5;
    o.upload_timeout_ms = 300;
    return o;
}

static int32_t upload_state(runlog_run *run) {
    runlog_stats st = RUNLOG_STATS_INIT;
    runlog_error err = RUNLOG_ERROR_INIT;
    if (runlog_get_stats(run, &st, &err) != RUNLOG_OK) return -1;
    return st.upload_state;
}

TEST(no_key_means_offline_with_a_hint) {
    const char *root = h_tmpdir();
    runlog_options o = h_opts(root);
    o.silent = RUNLOG_NO;
    o.log_fn = collect;
    g_log[0] = 0;
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "offline");
    CHECK_CONTAINS(g_log, "WANDB_API_KEY");
    CHECK_CONTAINS(g_log, "runlog sync");
    CHECK_INT_EQ(upload_state(run), RUNLOG_UPLOAD_NONE);
}

TEST(a_key_makes_the_default_mode_online) {
    const char *root = h_tmpdir();
    fake_http *f = new_fake(0, NULL);
    runlog_http http = http_of(f);
    runlog_options o = online_opts(root, &http);
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "online");
    /* W&B's directory names: run-<time>-<id> online, offline-run-… offline */
    CHECK_CONTAINS(runlog_run_dir(run), "/runlog/run-");
    /* an explicit offline mode wins over the key */
    o.mode = "offline";
    o.run_id = "offline1";
    runlog_run *off = NULL;
    CHECK_OK(runlog_init(&off, &o, &err));
    h_track(off);
    CHECK_STR_EQ(runlog_run_mode(off), "offline");
    CHECK_CONTAINS(runlog_run_dir(off), "/runlog/offline-run-");
}

/* An executor whose error text echoes the request's Authorization header:
 * runlog removes the key (plain and base64) before showing it. */
static int echo_start(void *ud, const runlog_http_request *req, runlog_http_call *call, runlog_error *err) {
    (void)ud;
    (void)err;
    runlog_http_complete(call, 0, NULL, NULL, 0, req->headers);
    return RUNLOG_OK;
}

TEST(executor_messages_never_show_the_key) {
    const char *root = h_tmpdir();
    runlog_http http;
    memset(&http, 0, sizeof http);
    http.version = RUNLOG_HTTP_VERSION;
    http.start = echo_start;
    runlog_options o = online_opts(root, &http);
    o.threading = RUNLOG_THREADING_MANUAL;
    g_log[0] = 0;
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_OK(runlog_pump(run, 0, &err));
    CHECK_CONTAINS(g_log, "cannot reach");
    CHECK_MSG(!strstr(g_log, KEY), "the API key appears in a message: %s", g_log);
    /* base64("api:" KEY) */
    CHECK_MSG(!strstr(g_log, "YXBpOjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc"),
              "the Basic credentials appear in a message: %s", g_log);
}

/* The server is unreachable: every row is still journaled, finish returns
 * after upload_timeout_ms, and the message says how to sync. */
TEST(unreachable_server_loses_nothing) {
    const char *root = h_tmpdir();
    fake_http *f = new_fake(0, NULL);
    runlog_http http = http_of(f);
    runlog_options o = online_opts(root, &http);
    o.run_id = "unreach1";
    g_log[0] = 0;
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    int i;
    for (i = 0; i < 2000; ++i) {
        char row[64];
        snprintf(row, sizeof row, "{\"i\": %d}", i);
        CHECK_OK(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    }
    char *dir = h_strdup(runlog_run_dir(run));
    CHECK_OK(runlog_finish(run, 0, &err));
    CHECK_MSG(starts_of(f) >= 1, "the executor was never asked to send anything");
    CHECK_CONTAINS(f->url, "http://127.0.0.1:9/graphql");
    CHECK_CONTAINS(f->headers, "Authorization: Basic ");
    CHECK_INT_EQ(f->destroyed, 1);
    tu_history *h = h_history(dir, "unreach1");
    CHECK_INT_EQ(h->count, 2000);
    CHECK_CONTAINS(g_log, "runlog sync");
    CHECK_MSG(!strstr(g_log, KEY), "the API key appears in a message: %s", g_log);
}

/* A 401 stops the upload with a message that says what to fix, not the key. */
TEST(rejected_key_fails_the_upload_with_an_actionable_message) {
    const char *root = h_tmpdir();
    fake_http *f = new_fake(401, "{\"errors\":[{\"message\":\"bad key " KEY "\"}]}");
    runlog_http http = http_of(f);
    runlog_options o = online_opts(root, &http);
    o.threading = RUNLOG_THREADING_MANUAL;
    g_log[0] = 0;
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_OK(runlog_log_json(run, "{\"a\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    int i;
    for (i = 0; i < 50 && upload_state(run) != RUNLOG_UPLOAD_FAILED; ++i) CHECK_OK(runlog_pump(run, 0, &err));
    CHECK_INT_EQ(upload_state(run), RUNLOG_UPLOAD_FAILED);
    CHECK_CONTAINS(g_log, "401");
    CHECK_CONTAINS(g_log, "WANDB_API_KEY");
    CHECK_MSG(!strstr(g_log, KEY), "the API key appears in a message: %s", g_log);
    /* logging goes on */
    CHECK_OK(runlog_log_json(run, "{\"a\": 2}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
}

/* An executor that completes from its own thread (Go, a JS event loop). */
TEST(asynchronous_completion_from_another_thread) {
    const char *root = h_tmpdir();
    fake_http *f = new_fake(403, "{}");
    f->async = 1;
    runlog_http http = http_of(f);
    runlog_options o = online_opts(root, &http);
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    int i;
    for (i = 0; i < 400 && upload_state(run) != RUNLOG_UPLOAD_FAILED; ++i) {
        runlog_pump(run, 0, NULL);  /* builds without threads upload from the pump */
        h_sleep_ms(5);
    }
    CHECK_INT_EQ(upload_state(run), RUNLOG_UPLOAD_FAILED);
}

/* start() refusing is a connection error: retried, never fatal to the run. */
TEST(executor_that_cannot_start_is_retried) {
    const char *root = h_tmpdir();
    fake_http *f = new_fake(200, "{}");
    f->start_fails = 1;
    runlog_http http = http_of(f);
    runlog_options o = online_opts(root, &http);
    o.threading = RUNLOG_THREADING_MANUAL;
    o.retry_wait_min_ms = 20;  /* 20 attempts take >= 400 ms: no give-up within this test */
    o.retry_wait_max_ms = 20;
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    int i;
    for (i = 0; i < 20; ++i) {
        CHECK_OK(runlog_pump(run, 0, &err));
        h_sleep_ms(3);
    }
    CHECK_MSG(starts_of(f) >= 2, "start() was tried %d times, expected retries", starts_of(f));
    CHECK_INT_EQ(upload_state(run), RUNLOG_UPLOAD_CONNECTING);
    CHECK_OK(runlog_finish(run, 0, &err));
}

TEST(incomplete_http_plugin_is_refused_and_destroyed) {
    const char *root = h_tmpdir();
    fake_http *f = new_fake(200, "{}");
    runlog_http http = http_of(f);
    http.start = NULL;
    runlog_options o = online_opts(root, &http);
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_RC(runlog_init(&run, &o, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "options.http");
    CHECK(run == NULL);
    CHECK_INT_EQ(f->destroyed, 1);
}

/* A caller built against ABI version 1 options: the version-2 fields are
 * never read (here they hold garbage). */
TEST(version_1_options_ignore_the_newer_fields) {
    const char *root = h_tmpdir();
    runlog_options o;
    memset(&o, 0xA5, sizeof o);
    CHECK_OK(runlog_options_init(&o, 1));
    CHECK_MSG(o.base_url == (const char *)(uintptr_t)0xA5A5A5A5A5A5A5A5ull || sizeof(void *) != 8,
              "runlog_options_init(1) wrote past the version-1 fields");
    o.dir = root;
    o.silent = RUNLOG_YES;
    o.mode = "offline";
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "offline");
}

TEST(version_1_stats_are_filled_only_as_far_as_version_1) {
    const char *root = h_tmpdir();
    runlog_options o = h_opts(root);
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    runlog_stats st;
    memset(&st, 0x5A, sizeof st);
    st.version = 1;
    CHECK_OK(runlog_get_stats(run, &st, &err));
    CHECK_INT_EQ(st.version, 1);
    CHECK_INT_EQ(st.upload_state, (int32_t)0x5A5A5A5A);
    CHECK_MSG(st.rows_uploaded == 0x5A5A5A5A5A5A5A5Aull, "version-2 stats fields were written for a v1 caller");
}

TEST(http_complete_rejects_null) {
    CHECK_INT_EQ(runlog_http_complete(NULL, 200, NULL, NULL, 0, NULL), RUNLOG_E_INVALID_ARGUMENT);
}

TEST(sync_open_reports_bad_arguments) {
    const char *root = h_tmpdir();
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_sync *s = (runlog_sync *)1;
    runlog_sync_options so = RUNLOG_SYNC_OPTIONS_INIT;
    CHECK_RC(runlog_sync_open(NULL, &so, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_RC(runlog_sync_open(&s, &so, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK(s == NULL);
    CHECK_CONTAINS(err.message, "path");
    so.path = h_fmt("%s/no-such-run", root);
    so.api_key = KEY;
    CHECK_RC(runlog_sync_open(&s, &so, &err), RUNLOG_E_NOT_FOUND, err);
    CHECK_CONTAINS(err.message, "no-such-run");

    /* an offline run, then a sync without any key */
    runlog_options o = h_opts(root);
    o.run_id = "tosync01";
    runlog_run *run = NULL;
    CHECK_OK(runlog_init(&run, &o, &err));
    char *dir = h_strdup(runlog_run_dir(run));
    CHECK_OK(runlog_finish(run, 0, &err));
    so.path = dir;
    so.api_key = NULL;
    CHECK_RC(runlog_sync_open(&s, &so, &err), RUNLOG_E_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(err.message, "WANDB_API_KEY");

    /* with a key and an executor that answers 401: the sync ends REFUSED */
    fake_http *f = new_fake(401, "{}");
    runlog_http http = http_of(f);
    so.api_key = KEY;
    so.base_url = "http://127.0.0.1:9";
    so.http = &http;
    so.silent = RUNLOG_YES;
    CHECK_OK(runlog_sync_open(&s, &so, &err));
    runlog_sync_status st = RUNLOG_SYNC_STATUS_INIT;
    CHECK_RC(runlog_sync_run(s, 10000, &st, &err), RUNLOG_E_REFUSED, err);
    CHECK_INT_EQ(st.finished, 1);
    CHECK_INT_EQ(st.state, RUNLOG_UPLOAD_FAILED);
    CHECK_CONTAINS(err.message, "401");
    runlog_sync_close(s);
    CHECK_INT_EQ(f->destroyed, 1);
    runlog_sync_close(NULL);
}

int main(int argc, char **argv) {
    H_BEGIN(argc, argv);
    RUN(no_key_means_offline_with_a_hint);
    RUN(a_key_makes_the_default_mode_online);
    RUN(executor_messages_never_show_the_key);
    RUN(unreachable_server_loses_nothing);
    RUN(rejected_key_fails_the_upload_with_an_actionable_message);
    RUN(asynchronous_completion_from_another_thread);
    RUN(executor_that_cannot_start_is_retried);
    RUN(incomplete_http_plugin_is_refused_and_destroyed);
    RUN(version_1_options_ignore_the_newer_fields);
    RUN(version_1_stats_are_filled_only_as_far_as_version_1);
    RUN(http_complete_rejects_null);
    RUN(sync_open_reports_bad_arguments);
    return H_END();
}
