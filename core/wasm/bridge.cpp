// The WebAssembly bridge: plug-ins implemented in JavaScript, and a few entry
// points that spare JavaScript from building C structs or passing 64-bit
// integers (which Emscripten 3.1.6 would otherwise split into two halves).
//
// Plug-ins. runlog's store, HTTP executor and log hook are structs of C
// function pointers. The ones below are fixed C trampolines whose user_data is
// a small integer naming a JavaScript object in the package's handle table;
// each trampoline calls an imported JS function (core/wasm/library_runlog.js)
// that dispatches to Module.runlogHost. Chosen over Emscripten's addFunction()
// because: no ALLOW_TABLE_GROWTH and no table slot per run to leak; no wasm
// module generated at run time (addFunction builds one per signature when
// WebAssembly.Function is missing, which a strict Content-Security-Policy
// blocks); signatures are checked by the C compiler; and 64-bit arguments are
// turned into doubles in one reviewed place.
//
// Every JS callee catches its own exceptions and answers with a status: a JS
// exception unwinding through wasm frames would skip C++ cleanup.
#include <emscripten.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "json_text.h"
#include "runlog.h"

extern "C" {
// Imported from library_runlog.js (all return a runlog status).
int runlog_js_store_open(int id, const char *run_id, const char *dir_name, int mode, double *journal_size,
                         int *created, char *location, size_t location_cap, runlog_error *err);
int runlog_js_store_append(int id, const uint8_t *data, size_t len, runlog_error *err);
int runlog_js_store_sync(int id, runlog_error *err);
int runlog_js_store_read(int id, double offset, uint8_t *buf, size_t cap, size_t *n, runlog_error *err);
int runlog_js_store_truncate(int id, double size, runlog_error *err);
int runlog_js_store_write_file(int id, const char *name, const uint8_t *data, size_t len, runlog_error *err);
void runlog_js_store_destroy(int id);
int runlog_js_store_read_file(int id, const char *name, runlog_buf *out, runlog_error *err);
int runlog_js_http_start(int id, const char *method, const char *url, const char *headers, const uint8_t *body,
                         size_t body_len, uint32_t timeout_ms, runlog_http_call *call, runlog_error *err);
void runlog_js_http_destroy(int id);
void runlog_js_http_cancel(int id);
void runlog_js_log(int id, int level, const char *message);
}

namespace {

int id_of(void *ud) { return int(reinterpret_cast<intptr_t>(ud)); }
void *ud_of(int id) { return reinterpret_cast<void *>(intptr_t(id)); }

int t_open(void *ud, const char *run_id, const char *dir_name, int mode, uint64_t *journal_size, int *created,
           char *location, size_t location_cap, runlog_error *err) {
    double size = 0;
    int rc = runlog_js_store_open(id_of(ud), run_id, dir_name, mode, &size, created, location, location_cap, err);
    *journal_size = size > 0 ? uint64_t(size) : 0;
    return rc;
}
int t_append(void *ud, const uint8_t *data, size_t len, runlog_error *err) {
    return runlog_js_store_append(id_of(ud), data, len, err);
}
int t_sync(void *ud, runlog_error *err) { return runlog_js_store_sync(id_of(ud), err); }
int t_read(void *ud, uint64_t offset, uint8_t *buf, size_t cap, size_t *n, runlog_error *err) {
    *n = 0;
    return runlog_js_store_read(id_of(ud), double(offset), buf, cap, n, err);
}
int t_truncate(void *ud, uint64_t size, runlog_error *err) {
    return runlog_js_store_truncate(id_of(ud), double(size), err);
}
int t_write_file(void *ud, const char *name, const uint8_t *data, size_t len, runlog_error *err) {
    return runlog_js_store_write_file(id_of(ud), name, data, len, err);
}
void t_destroy(void *ud) { runlog_js_store_destroy(id_of(ud)); }
[[maybe_unused]] int t_read_file(void *ud, const char *name, runlog_buf *out, runlog_error *err) {
    return runlog_js_store_read_file(id_of(ud), name, out, err);
}

int t_http_start(void *ud, const runlog_http_request *req, runlog_http_call *call, runlog_error *err) {
    return runlog_js_http_start(id_of(ud), req->method, req->url, req->headers, req->body, req->body_len,
                                req->timeout_ms, call, err);
}
void t_http_destroy(void *ud) { runlog_js_http_destroy(id_of(ud)); }
// finish() stopped waiting: the JS executor aborts its fetch (completing the
// call with status 0) and refuses further requests of this run.
void t_http_cancel(void *ud) { runlog_js_http_cancel(id_of(ud)); }

void t_log(void *ud, int level, const char *message) { runlog_js_log(id_of(ud), level, message); }

runlog_store make_store(int id) {
    runlog_store s{};
    s.version = RUNLOG_STORE_VERSION;
    s.user_data = ud_of(id);
    s.open = t_open;
    s.append = t_append;
    s.sync = t_sync;
    s.read = t_read;
    s.truncate = t_truncate;
    s.write_file = t_write_file;
    s.destroy = t_destroy;
#if RUNLOG_STORE_VERSION >= 2
    s.read_file = t_read_file;  // sync progress survives a page reload
#endif
    return s;
}
runlog_http make_http(int id) {
    runlog_http h{};
    h.version = RUNLOG_HTTP_VERSION;
    h.user_data = ud_of(id);
    h.start = t_http_start;
    h.destroy = t_http_destroy;
    h.cancel = t_http_cancel;
    return h;
}

int fail(runlog_error *err, int status, const std::string &msg) {
    if (err) {
        err->status = status;
        std::snprintf(err->message, sizeof err->message, "%s", msg.c_str());
    }
    return status;
}

// Options arrive as one JSON object (field names as in runlog_options); the
// strings live in `j` for the duration of the call, as the ABI asks.
struct JsonOptions {
    runlog::json j;
    const char *str(const char *key) const {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get_ref<const std::string &>().c_str() : nullptr;
    }
    uint64_t num(const char *key) const {
        auto it = j.find(key);
        if (it == j.end() || !it->is_number()) return 0;
        double d = it->get<double>();
        return d > 0 ? uint64_t(d) : 0;
    }
    uint32_t u32(const char *key) const {
        uint64_t v = num(key);
        return v > UINT32_MAX ? UINT32_MAX : uint32_t(v);
    }
    int tristate(const char *key) const {
        auto it = j.find(key);
        if (it == j.end() || !it->is_boolean()) return RUNLOG_DEFAULT;
        return it->get<bool>() ? RUNLOG_YES : RUNLOG_NO;
    }
};

int parse_options(const char *opts_json, const char *fn, JsonOptions &o, runlog_error *err) {
    if (!opts_json) {
        o.j = runlog::json::object();
        return RUNLOG_OK;
    }
    o.j = runlog::json::parse(opts_json, nullptr, /*allow_exceptions=*/false);
    if (!o.j.is_object())
        return fail(err, RUNLOG_E_INVALID_ARGUMENT, std::string(fn) + ": the options are not a JSON object");
    return RUNLOG_OK;
}

}  // namespace

extern "C" {

// runlog_init with options as JSON ({"project": ..., "config_json": ...}),
// plug-ins named by JS handle ids (0 = none), threading always manual (the JS
// event loop pumps). store_id 0 leaves the store NULL (refused by the wasm
// platform unless mode is "disabled").
EMSCRIPTEN_KEEPALIVE int runlog_wasm_init(runlog_run **out, const char *opts_json, int store_id, int http_id,
                                          int log_id, runlog_error *err) {
    runlog_store store = make_store(store_id);
    runlog_http http = make_http(http_id);
    JsonOptions o;
    if (int rc = parse_options(opts_json, "runlog_wasm_init", o, err)) {
        // runlog_init destroys the plug-ins it was given on failure; so do we.
        if (store_id) t_destroy(store.user_data);
        if (http_id) t_http_destroy(http.user_data);
        if (out) *out = nullptr;
        return rc;
    }
    runlog_options opts = RUNLOG_OPTIONS_INIT;
    opts.project = o.str("project");
    opts.entity = o.str("entity");
    opts.name = o.str("name");
    opts.notes = o.str("notes");
    opts.group = o.str("group");
    opts.job_type = o.str("job_type");
    opts.tags = o.str("tags");
    opts.run_id = o.str("run_id");
    opts.mode = o.str("mode");
    opts.resume = o.str("resume");
    opts.dir = o.str("dir");
    opts.config_json = o.str("config_json");
    opts.silent = o.tristate("silent");
    opts.log_fn = log_id ? t_log : nullptr;
    opts.log_user_data = ud_of(log_id);
    opts.threading = RUNLOG_THREADING_MANUAL;
    if (const char *q = o.str("queue_full")) opts.queue_full = std::strcmp(q, "drop") == 0 ? RUNLOG_QUEUE_FULL_DROP : RUNLOG_QUEUE_FULL_BLOCK;
    opts.queue_capacity_bytes = o.num("queue_capacity_bytes");
    opts.max_payload_bytes = o.num("max_payload_bytes");
    opts.durability = int(o.num("durability"));
    opts.fsync_interval_ms = o.u32("fsync_interval_ms");
    opts.finish_timeout_ms = o.u32("finish_timeout_ms");
    opts.store = store_id ? &store : nullptr;
    opts.base_url = o.str("base_url");
    opts.api_key = o.str("api_key");
    opts.http = http_id ? &http : nullptr;
    opts.transmit_interval_ms = o.u32("transmit_interval_ms");
    opts.http_timeout_ms = o.u32("http_timeout_ms");
    opts.retry_max = o.u32("retry_max");
    opts.retry_wait_min_ms = o.u32("retry_wait_min_ms");
    opts.retry_wait_max_ms = o.u32("retry_wait_max_ms");
    opts.upload_timeout_ms = o.u32("upload_timeout_ms");
    return runlog_init(out, &opts, err);
}

// runlog_sync_open with options as JSON (field names as runlog_sync_options).
EMSCRIPTEN_KEEPALIVE int runlog_wasm_sync_open(runlog_sync **out, const char *opts_json, int store_id, int http_id,
                                               int log_id, runlog_error *err) {
    runlog_store store = make_store(store_id);
    runlog_http http = make_http(http_id);
    JsonOptions o;
    if (int rc = parse_options(opts_json, "runlog_wasm_sync_open", o, err)) {
        if (store_id) t_destroy(store.user_data);
        if (http_id) t_http_destroy(http.user_data);
        if (out) *out = nullptr;
        return rc;
    }
    runlog_sync_options opts = RUNLOG_SYNC_OPTIONS_INIT;
    opts.path = o.str("path");
    opts.store = store_id ? &store : nullptr;
    opts.run_id = o.str("run_id");
    opts.entity = o.str("entity");
    opts.project = o.str("project");
    opts.new_run_id = o.str("new_run_id");
    opts.base_url = o.str("base_url");
    opts.api_key = o.str("api_key");
    opts.http = http_id ? &http : nullptr;
    opts.http_timeout_ms = o.u32("http_timeout_ms");
    opts.retry_max = o.u32("retry_max");
    opts.retry_wait_min_ms = o.u32("retry_wait_min_ms");
    opts.retry_wait_max_ms = o.u32("retry_wait_max_ms");
    opts.close_unfinished = o.tristate("close_unfinished");
    opts.log_fn = log_id ? t_log : nullptr;
    opts.log_user_data = ud_of(log_id);
    opts.silent = o.tristate("silent");
    return runlog_sync_open(out, &opts, err);
}

// The int64 step arguments as doubles (exact up to 2^53; -1 = RUNLOG_STEP_AUTO).
EMSCRIPTEN_KEEPALIVE int runlog_wasm_log(runlog_run *run, const char *json, size_t len, double step, int commit,
                                         runlog_error *err) {
    return runlog_log_json(run, json, len, int64_t(step), commit, err);
}
EMSCRIPTEN_KEEPALIVE int runlog_wasm_stage_int(runlog_run *run, const char *key, double value, runlog_error *err) {
    return runlog_stage_int(run, key, int64_t(value), err);
}
EMSCRIPTEN_KEEPALIVE int runlog_wasm_commit_row(runlog_run *run, double step, int commit, runlog_error *err) {
    return runlog_commit_row(run, int64_t(step), commit, err);
}

// Struct layouts the JS package reads and writes directly. A header change
// that moves one of these fields stops the build here instead of letting JS
// read the wrong bytes (wasm32: 4-byte pointers and size_t, 8-byte aligned
// 64-bit integers).
static_assert(sizeof(void *) == 4 && sizeof(size_t) == 4, "wasm32 expected");
static_assert(offsetof(runlog_error, status) == 4 && offsetof(runlog_error, message) == 8 &&
                  sizeof(runlog_error) == 520,
              "runlog_error layout (wasm/src/core.js ERR_*)");
static_assert(offsetof(runlog_buf, data) == 0 && offsetof(runlog_buf, size) == 4, "runlog_buf layout");
static_assert(offsetof(runlog_metric_options, step_metric) == 4 && offsetof(runlog_metric_options, summary) == 8 &&
                  offsetof(runlog_metric_options, hidden) == 12 && offsetof(runlog_metric_options, step_sync) == 16 &&
                  sizeof(runlog_metric_options) == 20,
              "runlog_metric_options layout");
static_assert(offsetof(runlog_stats, step) == 8 && offsetof(runlog_stats, rows_logged) == 16 &&
                  offsetof(runlog_stats, steps_refused) == 24 && offsetof(runlog_stats, rows_refused_queue_full) == 32 &&
                  offsetof(runlog_stats, records_queued) == 40 && offsetof(runlog_stats, bytes_queued) == 48 &&
                  offsetof(runlog_stats, records_written) == 56 && offsetof(runlog_stats, journal_bytes) == 64 &&
                  offsetof(runlog_stats, store_errors) == 72 && offsetof(runlog_stats, upload_state) == 80 &&
                  offsetof(runlog_stats, rows_uploaded) == 88 && offsetof(runlog_stats, upload_requests) == 96 &&
                  offsetof(runlog_stats, upload_retries) == 104 &&
                  offsetof(runlog_stats, upload_bytes_pending) == 112 && sizeof(runlog_stats) == 120,
              "runlog_stats layout");
static_assert(offsetof(runlog_sync_status, state) == 4 && offsetof(runlog_sync_status, finished) == 8 &&
                  offsetof(runlog_sync_status, rows_total) == 16 && offsetof(runlog_sync_status, rows_uploaded) == 24 &&
                  offsetof(runlog_sync_status, rows_sent) == 32 && offsetof(runlog_sync_status, requests) == 40 &&
                  offsetof(runlog_sync_status, retries) == 48 && sizeof(runlog_sync_status) == 56,
              "runlog_sync_status layout");

}  // extern "C"

