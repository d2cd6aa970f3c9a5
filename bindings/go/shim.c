#include "shim.h"

/* Exported from callbacks.go. */
extern void runlogGoLog(void *user_data, int level, char *message);
extern int runlogGoSinkRecord(void *user_data, char *kind, char *json, size_t len);
extern void runlogGoSinkDestroy(void *user_data);
extern int runlogGoHTTPStart(void *user_data, runlog_http_request *req, runlog_http_call *call,
                             runlog_error *err);
extern void runlogGoHTTPDestroy(void *user_data);

static void go_log(void *user_data, int level, const char *message) {
    runlogGoLog(user_data, level, (char *)message);
}

static int go_sink_record(void *user_data, const char *kind, const char *json, size_t len) {
    return runlogGoSinkRecord(user_data, (char *)kind, (char *)json, len);
}

void runlog_go_set_log_fn(runlog_options *opts, uintptr_t token) {
    opts->log_fn = go_log;
    opts->log_user_data = (void *)token;
}

void runlog_go_make_sink(runlog_sink *sink, uintptr_t token) {
    sink->version = RUNLOG_SINK_VERSION;
    sink->user_data = (void *)token;
    sink->record = go_sink_record;
    sink->destroy = runlogGoSinkDestroy;
}

static int go_http_start(void *user_data, const runlog_http_request *req, runlog_http_call *call,
                         runlog_error *err) {
    return runlogGoHTTPStart(user_data, (runlog_http_request *)req, call, err);
}

void runlog_go_make_http(runlog_http *http, uintptr_t token) {
    http->version = RUNLOG_HTTP_VERSION;
    http->user_data = (void *)token;
    http->start = go_http_start;
    http->destroy = runlogGoHTTPDestroy;
}

void runlog_go_set_sync_log_fn(runlog_sync_options *opts, uintptr_t token) {
    opts->log_fn = go_log;
    opts->log_user_data = (void *)token;
}

void runlog_go_set_error(runlog_error *err, int status, const char *message) {
    size_t n = 0;
    if (err == NULL) return;
    err->status = status;
    if (message != NULL) {
        while (message[n] != 0 && n + 1 < sizeof err->message) {
            err->message[n] = message[n];
            n++;
        }
    }
    err->message[n] = 0;
}

void runlog_go_error_init(runlog_error *err) {
    runlog_error e = RUNLOG_ERROR_INIT;
    *err = e;
}
