/*
 * runlog_r.c — the R binding's .Call routines over capi/runlog.h.
 *
 * A run is an external pointer (tag: the symbol `runlog_run`) whose address
 * is a small malloc'd rl_handle. The handle keeps the runlog_run* for the
 * whole life of the R object: after runlog_finish() the C library turns it
 * into a tombstone that answers RUNLOG_E_FINISHED, so calls on a finished run
 * report the library's own status and message. The C finalizer
 * (R_RegisterCFinalizerEx, onexit = TRUE) finishes a run that the R code
 * dropped without runlog_finish(), then frees the handle and clears the
 * pointer. Every routine checks the pointer first: a NULL address means the
 * object was serialized and reloaded (saveRDS/readRDS) or already finalized.
 *
 * Threading: runs use runlog's default background writer thread. That is safe
 * here because the library never calls into R from that thread: this binding
 * registers no log hook, sink, store or clock callbacks, so the writer only
 * touches runlog's own memory and files, and messages go straight to the
 * process's stderr. Every R object is created and released on R's main thread
 * (in these routines and in the finalizer). A manual mode ("threading =
 * 'manual'" + runlog_pump()) exists for builds without threads.
 *
 * Errors: a failing runlog call returns, instead of its value, a list
 * (status, message) of class "runlog_c_error"; the R wrappers turn it into a
 * condition of class c("runlog_error", "error", "condition"). Nothing here
 * longjmps past a live runlog resource: Rf_error is only used for argument
 * type errors, before anything is allocated. The message comes from the
 * call's own caller-owned runlog_error, never from the thread-local one.
 */
#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <runlog.h>

#if RUNLOG_ABI_VERSION != 1
#error "the runlog R package needs runlog ABI version 1"
#endif

typedef struct rl_handle {
    runlog_run *run; /* the live run, then its tombstone */
    int finished;    /* runlog_finish() was called */
} rl_handle;

static SEXP rl_tag_sym = NULL;

/* ---- helpers ------------------------------------------------------------ */

static SEXP rl_error_value(int status, const char *message) {
    SEXP out = PROTECT(Rf_allocVector(VECSXP, 2));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, 2));
    SET_STRING_ELT(names, 0, Rf_mkChar("status"));
    SET_STRING_ELT(names, 1, Rf_mkChar("message"));
    SET_VECTOR_ELT(out, 0, Rf_ScalarInteger(status));
    SET_VECTOR_ELT(out, 1, Rf_ScalarString(Rf_mkCharCE(message, CE_UTF8)));
    Rf_setAttrib(out, R_NamesSymbol, names);
    Rf_setAttrib(out, R_ClassSymbol, Rf_mkString("runlog_c_error"));
    UNPROTECT(2);
    return out;
}

static SEXP rl_utf8_string(const char *s, size_t n) {
    if (n > INT32_MAX) n = INT32_MAX;
    return Rf_ScalarString(Rf_mkCharLenCE(s, (int)n, CE_UTF8));
}

static SEXP rl_status(int rc, const runlog_error *err) {
    return rl_error_value(rc, err->message[0] ? err->message : runlog_status_string(rc));
}

static rl_handle *rl_handle_of(SEXP ptr) {
    if (TYPEOF(ptr) != EXTPTRSXP || R_ExternalPtrTag(ptr) != rl_tag_sym)
        Rf_error("runlog: `run` is not a run (use the value returned by runlog_init())");
    return (rl_handle *)R_ExternalPtrAddr(ptr);
}

/* The run to pass to the library, or NULL with *fail set to the error value
 * (NULL pointer: a reloaded or finalized object). */
static runlog_run *rl_run_of(SEXP ptr, SEXP *fail) {
    rl_handle *h = rl_handle_of(ptr);
    if (h == NULL || h->run == NULL) {
        *fail = rl_error_value(RUNLOG_E_INVALID_ARGUMENT,
                               "the run's pointer is NULL: runs cannot be saved and reloaded "
                               "(saveRDS/load), start a new run with runlog_init()");
        return NULL;
    }
    return h->run;
}

static const char *rl_opt_string(SEXP x, const char *what) {
    if (Rf_isNull(x)) return NULL;
    if (TYPEOF(x) != STRSXP || XLENGTH(x) != 1 || STRING_ELT(x, 0) == NA_STRING)
        Rf_error("runlog: %s must be a single string or NULL", what);
    return Rf_translateCharUTF8(STRING_ELT(x, 0));
}

static double rl_opt_number(SEXP x, const char *what) {
    if (Rf_isNull(x)) return 0;
    if (!Rf_isNumeric(x) || XLENGTH(x) != 1) Rf_error("runlog: %s must be a single number or NULL", what);
    double v = Rf_asReal(x);
    if (!R_FINITE(v) || v < 0) Rf_error("runlog: %s must be a non-negative number", what);
    return v;
}

static SEXP rl_list_get(SEXP list, const char *name) {
    SEXP names = Rf_getAttrib(list, R_NamesSymbol);
    for (R_xlen_t i = 0; i < XLENGTH(list); ++i)
        if (strcmp(CHAR(STRING_ELT(names, i)), name) == 0) return VECTOR_ELT(list, i);
    return R_NilValue;
}

/* JSON text argument: a string (UTF-8) or a raw vector (bytes as they are). */
static void rl_text_arg(SEXP x, const char **text, size_t *len) {
    if (TYPEOF(x) == RAWSXP) {
        static const char empty[1] = {0};
        *text = XLENGTH(x) ? (const char *)RAW(x) : empty;
        *len = (size_t)XLENGTH(x);
        return;
    }
    if (TYPEOF(x) != STRSXP || XLENGTH(x) != 1 || STRING_ELT(x, 0) == NA_STRING)
        Rf_error("runlog: JSON text must be a single string or a raw vector");
    *text = Rf_translateCharUTF8(STRING_ELT(x, 0));
    *len = strlen(*text);
}

static int64_t rl_step_arg(SEXP step) {
    if (Rf_isNull(step)) return RUNLOG_STEP_AUTO;
    /* validated by the R wrapper: a whole number >= 0 */
    return (int64_t)Rf_asReal(step);
}

static SEXP rl_buf_string(runlog_buf *buf) {
    SEXP out = PROTECT(rl_utf8_string(buf->data ? buf->data : "", buf->size));
    runlog_buf_free(buf);
    UNPROTECT(1);
    return out;
}

/* ---- lifecycle ------------------------------------------------------------ */

static void rl_finalize(SEXP ptr) {
    rl_handle *h = (rl_handle *)R_ExternalPtrAddr(ptr);
    if (h == NULL) return;
    if (!h->finished && h->run != NULL) {
        runlog_error err = RUNLOG_ERROR_INIT;
        const char *id = runlog_run_id(h->run);
        REprintf("runlog: run %s was garbage-collected (or R is exiting) without runlog_finish(); "
                 "finishing it with exit code 0\n",
                 id ? id : "?");
        h->finished = 1;
        if (runlog_finish(h->run, 0, &err) != RUNLOG_OK)
            REprintf("runlog: finishing it failed: %s\n", err.message);
    }
    free(h);
    R_ClearExternalPtr(ptr);
}

/* A uint32 option (milliseconds or a count); above the range it saturates. */
static uint32_t rl_opt_ms(SEXP v, const char *what) {
    double d = rl_opt_number(v, what);
    return d > 4294967295.0 ? 4294967295u : (uint32_t)d;
}

static SEXP rl_init(SEXP opts) {
    if (TYPEOF(opts) != VECSXP) Rf_error("runlog: internal error: options must be a list");
    runlog_options o;
    runlog_options_init(&o, RUNLOG_OPTIONS_VERSION);
    o.project = rl_opt_string(rl_list_get(opts, "project"), "project");
    o.entity = rl_opt_string(rl_list_get(opts, "entity"), "entity");
    o.name = rl_opt_string(rl_list_get(opts, "name"), "name");
    o.notes = rl_opt_string(rl_list_get(opts, "notes"), "notes");
    o.group = rl_opt_string(rl_list_get(opts, "group"), "group");
    o.job_type = rl_opt_string(rl_list_get(opts, "job_type"), "job_type");
    o.tags = rl_opt_string(rl_list_get(opts, "tags"), "tags");
    o.run_id = rl_opt_string(rl_list_get(opts, "run_id"), "run_id");
    o.mode = rl_opt_string(rl_list_get(opts, "mode"), "mode");
    o.resume = rl_opt_string(rl_list_get(opts, "resume"), "resume");
    o.dir = rl_opt_string(rl_list_get(opts, "dir"), "dir");
    o.config_json = rl_opt_string(rl_list_get(opts, "config_json"), "config");
    o.silent = (int)rl_opt_number(rl_list_get(opts, "silent"), "silent");
    o.threading = (int)rl_opt_number(rl_list_get(opts, "threading"), "threading");
    o.queue_full = (int)rl_opt_number(rl_list_get(opts, "queue_full"), "queue_full");
    o.durability = (int)rl_opt_number(rl_list_get(opts, "durability"), "durability");
    o.queue_capacity_bytes = (uint64_t)rl_opt_number(rl_list_get(opts, "queue_capacity_bytes"), "queue_capacity_bytes");
    o.max_payload_bytes = (uint64_t)rl_opt_number(rl_list_get(opts, "max_payload_bytes"), "max_payload_bytes");
    double fsync_ms = rl_opt_number(rl_list_get(opts, "fsync_interval_ms"), "fsync_interval_ms");
    double finish_ms = rl_opt_number(rl_list_get(opts, "finish_timeout_ms"), "finish_timeout_ms");
    o.fsync_interval_ms = fsync_ms > 4294967295.0 ? 4294967295u : (uint32_t)fsync_ms;
    o.finish_timeout_ms = finish_ms > 4294967295.0 ? 4294967295u : (uint32_t)finish_ms;
    /* Online mode (runlog_options version 2). */
    o.base_url = rl_opt_string(rl_list_get(opts, "base_url"), "base_url");
    o.api_key = rl_opt_string(rl_list_get(opts, "api_key"), "api_key");
    o.ca_bundle = rl_opt_string(rl_list_get(opts, "ca_bundle"), "ca_bundle");
    o.transmit_interval_ms = rl_opt_ms(rl_list_get(opts, "transmit_interval_ms"), "transmit_interval_ms");
    o.http_timeout_ms = rl_opt_ms(rl_list_get(opts, "http_timeout_ms"), "http_timeout_ms");
    o.retry_max = rl_opt_ms(rl_list_get(opts, "retry_max"), "retry_max");
    o.retry_wait_min_ms = rl_opt_ms(rl_list_get(opts, "retry_wait_min_ms"), "retry_wait_min_ms");
    o.retry_wait_max_ms = rl_opt_ms(rl_list_get(opts, "retry_wait_max_ms"), "retry_wait_max_ms");
    o.upload_timeout_ms = rl_opt_ms(rl_list_get(opts, "upload_timeout_ms"), "upload_timeout_ms");

    /* Allocate everything R needs before the run exists, so no R error can
     * leave a started run without an owner. */
    rl_handle *h = (rl_handle *)calloc(1, sizeof *h);
    if (h == NULL) return rl_error_value(RUNLOG_E_NOMEM, "out of memory");
    SEXP ptr = PROTECT(R_MakeExternalPtr(h, rl_tag_sym, R_NilValue));
    R_RegisterCFinalizerEx(ptr, rl_finalize, TRUE);

    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_init(&h->run, &o, &err);
    if (rc != RUNLOG_OK) {
        h->run = NULL;
        h->finished = 1;
        UNPROTECT(1);
        return rl_status(rc, &err);
    }
    UNPROTECT(1);
    return ptr;
}

static SEXP rl_finish(SEXP ptr, SEXP exit_code) {
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    rl_handle *h = rl_handle_of(ptr);
    if (h->finished) return Rf_ScalarLogical(FALSE); /* idempotent */
    int code = Rf_asInteger(exit_code);
    if (code == NA_INTEGER) Rf_error("runlog: exit_code must be a whole number");
    runlog_error err = RUNLOG_ERROR_INIT;
    h->finished = 1; /* the handle is a tombstone even when finish fails */
    int rc = runlog_finish(run, code, &err);
    if (rc != RUNLOG_OK) return rl_status(rc, &err);
    return Rf_ScalarLogical(TRUE);
}

static SEXP rl_is_finished(SEXP ptr) {
    rl_handle *h = rl_handle_of(ptr);
    return Rf_ScalarLogical(h == NULL || h->run == NULL || h->finished);
}

static SEXP rl_info(SEXP ptr) {
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    const char *keys[] = {"id", "name", "project", "entity", "mode", "dir"};
    const char *vals[6];
    vals[0] = runlog_run_id(run);
    vals[1] = runlog_run_name(run);
    vals[2] = runlog_run_project(run);
    vals[3] = runlog_run_entity(run);
    vals[4] = runlog_run_mode(run);
    vals[5] = runlog_run_dir(run);
    if (vals[0] == NULL) /* finished: the strings are gone */
        return rl_error_value(RUNLOG_E_FINISHED, "the run was finished already: its details were "
                                                 "recorded at runlog_init() (see attr(run, \"info\"))");
    SEXP out = PROTECT(Rf_allocVector(VECSXP, 6));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, 6));
    for (int i = 0; i < 6; ++i) {
        SET_STRING_ELT(names, i, Rf_mkChar(keys[i]));
        SET_VECTOR_ELT(out, i, Rf_ScalarString(Rf_mkCharCE(vals[i] ? vals[i] : "", CE_UTF8)));
    }
    Rf_setAttrib(out, R_NamesSymbol, names);
    UNPROTECT(2);
    return out;
}

/* ---- logging ---------------------------------------------------------------- */

static SEXP rl_log_json(SEXP ptr, SEXP json, SEXP step, SEXP commit) {
    const char *text;
    size_t len;
    rl_text_arg(json, &text, &len);
    int64_t s = rl_step_arg(step);
    int c = Rf_asInteger(commit);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_log_json(run, text, len, s, c, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

/* The typed path: a named numeric vector staged key by key (doubles with
 * runlog_stage_double, integers with runlog_stage_int; no JSON, exact values,
 * NaN/Inf kept). R calls this on its one thread, as the staging row requires. */
static SEXP rl_stage_values_impl(runlog_run *run, SEXP values) {
    SEXP names = Rf_getAttrib(values, R_NamesSymbol);
    R_xlen_t n = XLENGTH(values);
    runlog_error err = RUNLOG_ERROR_INIT;
    for (R_xlen_t i = 0; i < n; ++i) {
        const char *key = Rf_translateCharUTF8(STRING_ELT(names, i));
        int rc = TYPEOF(values) == REALSXP ? runlog_stage_double(run, key, REAL(values)[i], &err)
                                           : runlog_stage_int(run, key, INTEGER(values)[i], &err);
        /* runlog has no call to drop a staging row, so a key refused here
         * leaves the keys before it staged for the next commit. runlog_log()
         * checks the keys first (non-empty, valid UTF-8, not reserved) and
         * takes the JSON path otherwise, which leaves only errors such as a
         * finished run, where the staging row no longer matters. */
        if (rc != RUNLOG_OK) return rl_status(rc, &err);
    }
    return R_NilValue;
}

static void rl_check_values(SEXP values) {
    SEXP names = Rf_getAttrib(values, R_NamesSymbol);
    if ((TYPEOF(values) != REALSXP && TYPEOF(values) != INTSXP) || TYPEOF(names) != STRSXP)
        Rf_error("runlog: values must be a named numeric vector");
}

static SEXP rl_stage_values(SEXP ptr, SEXP values) {
    rl_check_values(values);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    return rl_stage_values_impl(run, values);
}

static SEXP rl_commit_row(SEXP ptr, SEXP step, SEXP commit) {
    int64_t s = rl_step_arg(step);
    int c = Rf_asInteger(commit);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_commit_row(run, s, c, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

/* stage + commit in one call: runlog_log() with a named numeric vector. */
static SEXP rl_log_values(SEXP ptr, SEXP values, SEXP step, SEXP commit) {
    rl_check_values(values);
    int64_t s = rl_step_arg(step);
    int c = Rf_asInteger(commit);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    SEXP staged = rl_stage_values_impl(run, values);
    if (staged != R_NilValue) return staged;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_commit_row(run, s, c, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

/* ---- config and summary ------------------------------------------------------ */

/* config and summary updates take the same arguments and give the same result */
typedef int (*rl_update_fn)(runlog_run *, const char *, size_t, runlog_error *);

static SEXP rl_update_json(SEXP ptr, SEXP json, rl_update_fn update) {
    const char *text;
    size_t len;
    rl_text_arg(json, &text, &len);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = update(run, text, len, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

static SEXP rl_config_update(SEXP ptr, SEXP json) {
    return rl_update_json(ptr, json, runlog_config_update_json);
}

static SEXP rl_config_get(SEXP ptr) {
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    int rc = runlog_config_get_json(run, &buf, &err);
    if (rc != RUNLOG_OK) {
        runlog_buf_free(&buf);
        return rl_status(rc, &err);
    }
    return rl_buf_string(&buf);
}

static SEXP rl_summary_update(SEXP ptr, SEXP json) {
    return rl_update_json(ptr, json, runlog_summary_update_json);
}

static SEXP rl_summary_get(SEXP ptr, SEXP key) {
    const char *k = rl_opt_string(key, "key");
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_buf buf = RUNLOG_BUF_INIT;
    int rc = runlog_summary_get_json(run, k, &buf, &err);
    if (rc != RUNLOG_OK) {
        runlog_buf_free(&buf);
        return rl_status(rc, &err);
    }
    return rl_buf_string(&buf);
}

static SEXP rl_define_metric(SEXP ptr, SEXP name, SEXP step_metric, SEXP summary, SEXP hidden,
                             SEXP step_sync) {
    const char *n = rl_opt_string(name, "name");
    if (n == NULL) Rf_error("runlog: name must be a single string");
    runlog_metric_options mo = RUNLOG_METRIC_OPTIONS_INIT;
    mo.step_metric = rl_opt_string(step_metric, "step_metric");
    mo.summary = (uint32_t)Rf_asInteger(summary);
    mo.hidden = Rf_asLogical(hidden) == TRUE;
    mo.step_sync = Rf_asInteger(step_sync);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_define_metric(run, n, &mo, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

/* ---- flush, pump, stats ------------------------------------------------------ */

static SEXP rl_flush(SEXP ptr, SEXP timeout_ms) {
    int ms = Rf_asInteger(timeout_ms);
    if (ms == NA_INTEGER) ms = -1;
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_flush(run, ms, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

static SEXP rl_pump(SEXP ptr, SEXP max_records) {
    double m = Rf_asReal(max_records);
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_pump(run, m > 4294967295.0 ? 4294967295u : (uint32_t)m, &err);
    return rc == RUNLOG_OK ? R_NilValue : rl_status(rc, &err);
}

static SEXP rl_stats(SEXP ptr) {
    SEXP fail;
    runlog_run *run = rl_run_of(ptr, &fail);
    if (run == NULL) return fail;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_stats st = RUNLOG_STATS_INIT;
    int rc = runlog_get_stats(run, &st, &err);
    if (rc != RUNLOG_OK) return rl_status(rc, &err);
    const char *keys[] = {"step", "rows_logged", "steps_refused", "rows_refused_queue_full", "records_queued",
                          "bytes_queued", "records_written", "journal_bytes", "store_errors",
                          "upload_state", "rows_uploaded", "upload_requests", "upload_retries",
                          "upload_bytes_pending"};
    double vals[] = {(double)st.step, (double)st.rows_logged, (double)st.steps_refused,
                     (double)st.rows_refused_queue_full, (double)st.records_queued, (double)st.bytes_queued,
                     (double)st.records_written, (double)st.journal_bytes, (double)st.store_errors,
                     (double)st.upload_state, (double)st.rows_uploaded, (double)st.upload_requests,
                     (double)st.upload_retries, (double)st.upload_bytes_pending};
    enum { n_stats = sizeof keys / sizeof keys[0] };
    SEXP out = PROTECT(Rf_allocVector(REALSXP, n_stats));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, n_stats));
    for (int i = 0; i < n_stats; ++i) {
        REAL(out)[i] = vals[i];
        SET_STRING_ELT(names, i, Rf_mkChar(keys[i]));
    }
    Rf_setAttrib(out, R_NamesSymbol, names);
    UNPROTECT(2);
    return out;
}

/* ---- library-wide ---------------------------------------------------------- */

static SEXP rl_version(void) {
    SEXP out = PROTECT(Rf_allocVector(VECSXP, 5));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, 5));
    const char *keys[] = {"version", "version_number", "abi", "header_abi", "threads"};
    SET_VECTOR_ELT(out, 0, Rf_mkString(runlog_version()));
    SET_VECTOR_ELT(out, 1, Rf_ScalarInteger((int)runlog_version_number()));
    SET_VECTOR_ELT(out, 2, Rf_ScalarInteger((int)runlog_abi_version()));
    SET_VECTOR_ELT(out, 3, Rf_ScalarInteger(RUNLOG_ABI_VERSION));
    SET_VECTOR_ELT(out, 4, Rf_ScalarLogical(runlog_has_threads() != 0));
    for (int i = 0; i < 5; ++i) SET_STRING_ELT(names, i, Rf_mkChar(keys[i]));
    Rf_setAttrib(out, R_NamesSymbol, names);
    UNPROTECT(2);
    return out;
}

static SEXP rl_status_string(SEXP status) {
    return Rf_mkString(runlog_status_string(Rf_asInteger(status)));
}

/* A marker unlikely to appear in data: process address, time and a counter.
 * (R's RNG is not used, so logging never changes a user's random stream.) */
static SEXP rl_nonce(void) {
    static unsigned long counter = 0;
    char buf[96];
    snprintf(buf, sizeof buf, "runlog%lx%lxn%lxNF", (unsigned long)(uintptr_t)&counter,
             (unsigned long)time(NULL), ++counter);
    return Rf_mkString(buf);
}

/* Replaces the bare tokens NaN, Infinity and -Infinity outside strings with
 * the strings "<nonce>NaN", "<nonce>Infinity", "<nonce>-Infinity", so that
 * jsonlite (strict JSON) can parse runlog's output. */
static SEXP rl_json_mark_nonfinite(SEXP json, SEXP nonce) {
    const char *in = Rf_translateCharUTF8(STRING_ELT(json, 0));
    const char *mark = CHAR(STRING_ELT(nonce, 0));
    size_t n = strlen(in), m = strlen(mark), count = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; ++i) {
        char ch = in[i];
        if (in_str) {
            if (ch == '\\') ++i;
            else if (ch == '"') in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == 'N' || ch == 'I') {
            ++count;
        }
    }
    if (count == 0) return json;
    char *out = R_alloc(n + count * (m + 4) + 1, 1);
    size_t o = 0;
    in_str = 0;
    for (size_t i = 0; i < n;) {
        char ch = in[i];
        if (in_str) {
            out[o++] = ch;
            if (ch == '\\' && i + 1 < n) out[o++] = in[++i];
            else if (ch == '"') in_str = 0;
            ++i;
            continue;
        }
        if (ch == '"') {
            in_str = 1;
            out[o++] = ch;
            ++i;
            continue;
        }
        const char *tok = NULL;
        if (strncmp(in + i, "NaN", 3) == 0) tok = "NaN";
        else if (strncmp(in + i, "Infinity", 8) == 0) tok = "Infinity";
        else if (strncmp(in + i, "-Infinity", 9) == 0) tok = "-Infinity";
        if (tok != NULL) {
            size_t t = strlen(tok);
            out[o++] = '"';
            memcpy(out + o, mark, m);
            o += m;
            memcpy(out + o, tok, t);
            o += t;
            out[o++] = '"';
            i += t;
            continue;
        }
        out[o++] = ch;
        ++i;
    }
    return rl_utf8_string(out, o);
}

/* ---- registration ---------------------------------------------------------- */

#define CALLDEF(name, n) {#name, (DL_FUNC)&name, n}
static const R_CallMethodDef call_methods[] = {
    CALLDEF(rl_init, 1),
    CALLDEF(rl_finish, 2),
    CALLDEF(rl_is_finished, 1),
    CALLDEF(rl_info, 1),
    CALLDEF(rl_log_json, 4),
    CALLDEF(rl_log_values, 4),
    CALLDEF(rl_stage_values, 2),
    CALLDEF(rl_commit_row, 3),
    CALLDEF(rl_config_update, 2),
    CALLDEF(rl_config_get, 1),
    CALLDEF(rl_summary_update, 2),
    CALLDEF(rl_summary_get, 2),
    CALLDEF(rl_define_metric, 6),
    CALLDEF(rl_flush, 2),
    CALLDEF(rl_pump, 2),
    CALLDEF(rl_stats, 1),
    CALLDEF(rl_version, 0),
    CALLDEF(rl_status_string, 1),
    CALLDEF(rl_nonce, 0),
    CALLDEF(rl_json_mark_nonfinite, 2),
    {NULL, NULL, 0}};

void R_init_runlog(DllInfo *dll) {
    R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
    R_forceSymbols(dll, TRUE);
    rl_tag_sym = Rf_install("runlog_run");
}
