#include "shim.h"

/* Exported from callbacks.go. */
extern void runlogGoLog(void *user_data, int level, char *message);
extern int runlogGoSinkRecord(void *user_data, char *kind, char *json, size_t len);
extern void runlogGoSinkDestroy(void *user_data);

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

void runlog_go_error_init(runlog_error *err) {
    runlog_error e = RUNLOG_ERROR_INIT;
    *err = e;
}
