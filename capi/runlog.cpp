// The C boundary: every exported function lives here. Its jobs: check the
// arguments C callers can get wrong, turn handles into runs, keep exceptions
// from crossing into the host, and copy errors into runlog_error.
#include "runlog.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <vector>

#include "native/thread_driver.h"
#include "platform.h"
#include "run.h"
#include "native/run_files.h"
#include "upload/store_storage.h"
#include "upload/sync_job.h"
#include "upload/uploader.h"

using runlog::Error;

// A handle. After finish only the shell remains (the tombstone), so a late
// call finds run == nullptr instead of freed memory.
struct runlog_run {
    static constexpr uint32_t kMagic = 0x524C4F47;  // "RLOG"
    uint32_t magic = kMagic;
    std::shared_mutex gate;  // shared: calls; exclusive: finish
    std::unique_ptr<runlog::Run> run;
    std::unique_ptr<runlog::WriterThread> writer;
    std::unique_ptr<runlog::UploadThread> uploader;
};

namespace {

thread_local std::string tl_last_error;

std::mutex g_log_hook_mu;
runlog_log_fn g_log_fn = nullptr;
void *g_log_user_data = nullptr;

// Every shell ever handed out stays reachable from here: tombstones are kept
// on purpose (and leak checkers see them as reachable).
std::mutex g_shells_mu;
std::vector<runlog_run *> *g_shells = new std::vector<runlog_run *>();

void copy_message(runlog_error *err, int status, const std::string &msg) {
    if (!err) return;  // version 0 (zeroed) counts as 1: every runlog_error has v1's fields
    err->status = status;
    size_t n = std::min(msg.size(), sizeof err->message - 1);
    // Do not cut a UTF-8 sequence in half.
    while (n > 0 && n < msg.size() && (static_cast<unsigned char>(msg[n]) & 0xC0) == 0x80) --n;
    std::memcpy(err->message, msg.data(), n);
    err->message[n] = '\0';
}

int fail(runlog_error *err, int status, const std::string &msg) {
    copy_message(err, status, msg);
    tl_last_error = msg;
    return status;
}

int done(runlog_error *err, int rc, const Error &e) {
    if (rc == RUNLOG_OK) {
        if (err) {
            err->status = RUNLOG_OK;
            err->message[0] = '\0';
        }
        return RUNLOG_OK;
    }
    return fail(err, rc, e.message.empty() ? runlog_status_string(rc) : e.message);
}

int null_arg(runlog_error *err, const char *fn, const char *what) {
    return fail(err, RUNLOG_E_INVALID_ARGUMENT, std::string(fn) + ": " + what);
}

int finished(runlog_error *err, const char *fn) {
    return fail(err, RUNLOG_E_FINISHED,
                std::string(fn) + ": the run was finished already: start a new run with runlog_init()");
}

bool bad_handle(runlog_run *h) { return !h || h->magic != runlog_run::kMagic; }

int handle_error(runlog_error *err, const char *fn, runlog_run *h) {
    if (!h) return null_arg(err, fn, "run is NULL: pass the handle runlog_init() returned");
    return null_arg(err, fn, "run is not a runlog_run handle (memory corruption or a stray pointer)");
}

}  // namespace

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define API_TRY try {
#define API_CATCH(err)                                                                              \
    }                                                                                               \
    catch (const std::bad_alloc &) {                                                                \
        return fail(err, RUNLOG_E_NOMEM, "out of memory");                                          \
    }                                                                                               \
    catch (const std::exception &ex) {                                                              \
        return fail(err, RUNLOG_E_INTERNAL,                                                         \
                    std::string("internal error: ") + ex.what() + " (a runlog bug: please report it)"); \
    }                                                                                               \
    catch (...) {                                                                                   \
        return fail(err, RUNLOG_E_INTERNAL, "unknown internal error (a runlog bug: please report it)"); \
    }
#else
#define API_TRY {
#define API_CATCH(err) }
#endif

// Runs body with the run held open (shared), or reports why it can't.
#define WITH_RUN(fn, h, err, ...)                    \
    API_TRY                                           \
    if (bad_handle(h)) return handle_error(err, fn, h); \
    std::shared_lock<std::shared_mutex> gate(h->gate); \
    if (!h->run) return finished(err, fn);            \
    runlog::Run &run = *h->run;                       \
    Error e;                                          \
    int rc = [&]() -> int { __VA_ARGS__ }();                 \
    return done(err, rc, e);                          \
    API_CATCH(err)

extern "C" {

const char *runlog_version(void) { return RUNLOG_VERSION_STRING; }
uint32_t runlog_version_number(void) { return RUNLOG_VERSION_NUMBER; }
uint32_t runlog_abi_version(void) { return RUNLOG_ABI_VERSION; }
int runlog_has_threads(void) { return runlog::WriterThread::available() ? 1 : 0; }

const char *runlog_status_string(int status) {
    switch (status) {
        case RUNLOG_OK: return "RUNLOG_OK: success";
        case RUNLOG_E_INVALID_ARGUMENT: return "RUNLOG_E_INVALID_ARGUMENT: an argument is NULL or out of range";
        case RUNLOG_E_INVALID_JSON: return "RUNLOG_E_INVALID_JSON: the text is not valid JSON";
        case RUNLOG_E_NOT_OBJECT: return "RUNLOG_E_NOT_OBJECT: the JSON is not an object";
        case RUNLOG_E_INVALID_UTF8: return "RUNLOG_E_INVALID_UTF8: the text is not valid UTF-8";
        case RUNLOG_E_RESERVED_KEY: return "RUNLOG_E_RESERVED_KEY: a key reserved by runlog was given";
        case RUNLOG_E_TOO_LARGE: return "RUNLOG_E_TOO_LARGE: the payload is over the size limit";
        case RUNLOG_E_STEP_ORDER: return "RUNLOG_E_STEP_ORDER: the step is smaller than the current step";
        case RUNLOG_E_FINISHED: return "RUNLOG_E_FINISHED: the run was finished already";
        case RUNLOG_E_IO: return "RUNLOG_E_IO: the store failed";
        case RUNLOG_E_NO_SPACE: return "RUNLOG_E_NO_SPACE: the store is full";
        case RUNLOG_E_PERMISSION: return "RUNLOG_E_PERMISSION: the directory is not writable";
        case RUNLOG_E_TIMEOUT: return "RUNLOG_E_TIMEOUT: the operation did not complete in time";
        case RUNLOG_E_QUEUE_FULL: return "RUNLOG_E_QUEUE_FULL: the write queue is full";
        case RUNLOG_E_NOT_FOUND: return "RUNLOG_E_NOT_FOUND: no such key or run";
        case RUNLOG_E_EXISTS: return "RUNLOG_E_EXISTS: the run exists already";
        case RUNLOG_E_NOMEM: return "RUNLOG_E_NOMEM: out of memory";
        case RUNLOG_E_CALLBACK: return "RUNLOG_E_CALLBACK: a plug-in callback failed";
        case RUNLOG_E_INTERNAL: return "RUNLOG_E_INTERNAL: internal error";
        case RUNLOG_E_NETWORK: return "RUNLOG_E_NETWORK: the server could not be reached";
        case RUNLOG_E_REFUSED: return "RUNLOG_E_REFUSED: the server refused the upload";
        default: return "RUNLOG_E_UNKNOWN: unknown status code";
    }
}

const char *runlog_last_error_message(void) { return tl_last_error.c_str(); }

void runlog_buf_free(runlog_buf *buf) {
    if (!buf) return;
    std::free(buf->data);
    buf->data = nullptr;
    buf->size = 0;
}

void runlog_set_log_hook(runlog_log_fn fn, void *user_data) {
    std::lock_guard<std::mutex> lk(g_log_hook_mu);
    g_log_fn = fn;
    g_log_user_data = user_data;
}

int runlog_options_init(runlog_options *opts, uint32_t version) {
    if (!opts) return fail(nullptr, RUNLOG_E_INVALID_ARGUMENT, "runlog_options_init: opts is NULL");
    if (version < 1 || version > RUNLOG_OPTIONS_VERSION)
        return fail(nullptr, RUNLOG_E_INVALID_ARGUMENT,
                    "runlog_options_init: version " + std::to_string(version) +
                        " is not supported by this library (it knows version " +
                        std::to_string(RUNLOG_OPTIONS_VERSION) + ")");
    std::memset(opts, 0, version >= 2 ? sizeof *opts : offsetof(runlog_options, base_url));
    opts->version = version;
    return RUNLOG_OK;
}

int runlog_init(runlog_run **run_out, const runlog_options *opts, runlog_error *err) {
    runlog::Plugins plugins;
    API_TRY
    if (run_out) *run_out = nullptr;
    const runlog::Platform &platform = runlog::native_platform();
    if (opts) {  // even with a bad version: the plug-ins are ours to destroy on failure
        if (opts->store)  // a version-1 store is shorter: copy only what it has
            std::memcpy(&plugins.store, opts->store,
                        opts->store->version >= 2 ? sizeof(runlog_store) : offsetof(runlog_store, read_file));
        if (opts->clock) plugins.clock = *opts->clock;
        if (opts->sink) plugins.sink = *opts->sink;
        if (opts->version >= 2 && opts->http) plugins.http = *opts->http;
        plugins.log_fn = opts->log_fn;
        plugins.log_user_data = opts->log_user_data;
    }
    auto fail_init = [&](int status, const std::string &msg) {
        plugins.destroy();
        return fail(err, status, "runlog_init: " + msg);
    };
    if (!run_out) return fail_init(RUNLOG_E_INVALID_ARGUMENT, "run_out is NULL: pass the address of a runlog_run* variable");
    if (opts && opts->version > RUNLOG_OPTIONS_VERSION)
        return fail_init(RUNLOG_E_INVALID_ARGUMENT,
                         "options.version " + std::to_string(opts->version) +
                             " is newer than this library knows (" + std::to_string(RUNLOG_OPTIONS_VERSION) +
                             "): upgrade runlog, or build against the runlog.h that matches it");
    if (opts && opts->store) {
        const runlog_store &s = *opts->store;
        if (s.version < 1 || s.version > RUNLOG_STORE_VERSION || !s.open || !s.append || !s.sync || !s.read || !s.truncate || !s.write_file || !s.destroy)
            return fail_init(RUNLOG_E_INVALID_ARGUMENT,
                             "options.store is incomplete: set version = RUNLOG_STORE_VERSION and every function");
    }
    if (opts && opts->clock) {
        const runlog_clock &c = *opts->clock;
        if (c.version < 1 || c.version > RUNLOG_CLOCK_VERSION || !c.unix_seconds || !c.monotonic_seconds)
            return fail_init(RUNLOG_E_INVALID_ARGUMENT,
                             "options.clock is incomplete: set version = RUNLOG_CLOCK_VERSION, unix_seconds "
                             "and monotonic_seconds");
    }
    if (opts && opts->sink &&
        (opts->sink->version < 1 || opts->sink->version > RUNLOG_SINK_VERSION || !opts->sink->record))
        return fail_init(RUNLOG_E_INVALID_ARGUMENT,
                         "options.sink is incomplete: set version = RUNLOG_SINK_VERSION and record");

    runlog::Settings settings;
    Error e;
    if (int rc = runlog::resolve_settings(opts, platform, settings, e)) return fail_init(rc, e.message);

    const bool threads = runlog::WriterThread::available();
    if (settings.threading == RUNLOG_THREADING_DEFAULT)
        settings.threading = threads ? RUNLOG_THREADING_BACKGROUND : RUNLOG_THREADING_MANUAL;
    if (settings.threading == RUNLOG_THREADING_BACKGROUND && !threads)
        return fail_init(RUNLOG_E_INVALID_ARGUMENT,
                         "this build of runlog has no threads: use RUNLOG_THREADING_MANUAL and call "
                         "runlog_pump() from your loop");
    if (!plugins.clock.version) plugins.clock = platform.clock;
    if (!plugins.log_fn) {
        std::lock_guard<std::mutex> lk(g_log_hook_mu);
        plugins.log_fn = g_log_fn;
        plugins.log_user_data = g_log_user_data;
    }
    const bool default_store = !plugins.store.version;
    settings.disk_store = default_store;
    if (settings.resume == runlog::Resume::Auto && settings.run_id.empty() && default_store &&
        settings.mode != runlog::Mode::Disabled)
        settings.run_id = platform.read_resume_id(settings.root_dir);
    if (default_store && settings.mode != runlog::Mode::Disabled) {
        runlog_error perr = RUNLOG_ERROR_INIT;
        if (int rc = platform.make_store(settings.root_dir, &plugins.store, &perr))
            return fail_init(rc, perr.message);
    }
    const bool remember_id = settings.resume == runlog::Resume::Auto && default_store;
    const std::string root = settings.root_dir;

    std::unique_ptr<runlog::Run> run;
    runlog::Plugins owned = plugins;
    plugins = runlog::Plugins{};  // Run::create owns them now, success or not
    if (int rc = runlog::Run::create(std::move(settings), owned, platform, run, e))
        return fail(err, rc, "runlog_init: " + e.message);
    if (remember_id) platform.write_resume_id(root, run->settings().run_id);

    auto shell = std::make_unique<runlog_run>();
    shell->run = std::move(run);
    if (shell->run->background()) {
        shell->writer = std::make_unique<runlog::WriterThread>(*shell->run);
        if (shell->run->uploading()) shell->uploader = std::make_unique<runlog::UploadThread>(*shell->run);
    }
    {
        std::lock_guard<std::mutex> lk(g_shells_mu);
        g_shells->push_back(shell.get());
    }
    *run_out = shell.release();
    return done(err, RUNLOG_OK, e);
    }
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    catch (const std::bad_alloc &) {
        plugins.destroy();
        return fail(err, RUNLOG_E_NOMEM, "runlog_init: out of memory");
    } catch (const std::exception &ex) {
        plugins.destroy();
        return fail(err, RUNLOG_E_INTERNAL, std::string("runlog_init: internal error: ") + ex.what());
    } catch (...) {
        plugins.destroy();
        return fail(err, RUNLOG_E_INTERNAL, "runlog_init: unknown internal error");
    }
#endif
}

int runlog_log_json(runlog_run *h, const char *json, size_t len, int64_t step, int commit, runlog_error *err) {
    WITH_RUN("runlog_log_json", h, err, {
        if (!json) return e.set(RUNLOG_E_INVALID_ARGUMENT,
                                "runlog_log_json: json is NULL: pass a JSON object such as {\"loss\": 0.5}");
        if (len == RUNLOG_NUL_TERMINATED) len = std::strlen(json);
        return run.log_text(std::string_view(json, len), step, commit, e);
    })
}

int runlog_stage_double(runlog_run *h, const char *key, double value, runlog_error *err) {
    WITH_RUN("runlog_stage_double", h, err, {
        if (!key) return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_stage_double: key is NULL: name the metric");
        return run.stage(key, value, 0, false, e);
    })
}

int runlog_stage_int(runlog_run *h, const char *key, int64_t value, runlog_error *err) {
    WITH_RUN("runlog_stage_int", h, err, {
        if (!key) return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_stage_int: key is NULL: name the metric");
        return run.stage(key, 0, value, true, e);
    })
}

int runlog_commit_row(runlog_run *h, int64_t step, int commit, runlog_error *err) {
    WITH_RUN("runlog_commit_row", h, err, { return run.commit_row(step, commit, e); })
}

int runlog_config_update_json(runlog_run *h, const char *json, size_t len, runlog_error *err) {
    WITH_RUN("runlog_config_update_json", h, err, {
        if (!json) return e.set(RUNLOG_E_INVALID_ARGUMENT,
                                "runlog_config_update_json: json is NULL: pass a JSON object such as {\"lr\": 0.01}");
        if (len == RUNLOG_NUL_TERMINATED) len = std::strlen(json);
        return run.config_update_text(std::string_view(json, len), e);
    })
}

static int to_buf(const std::string &text, runlog_buf *out, Error &e) {
    char *data = static_cast<char *>(std::malloc(text.size() + 1));
    if (!data) return e.set(RUNLOG_E_NOMEM, "out of memory");
    std::memcpy(data, text.data(), text.size());
    data[text.size()] = '\0';
    out->data = data;
    out->size = text.size();
    return RUNLOG_OK;
}

int runlog_config_get_json(runlog_run *h, runlog_buf *out, runlog_error *err) {
    WITH_RUN("runlog_config_get_json", h, err, {
        if (!out) return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_config_get_json: out is NULL");
        *out = runlog_buf{nullptr, 0};
        std::string text;
        if (int r = run.config_get(text, e)) return r;
        return to_buf(text, out, e);
    })
}

int runlog_summary_update_json(runlog_run *h, const char *json, size_t len, runlog_error *err) {
    WITH_RUN("runlog_summary_update_json", h, err, {
        if (!json) return e.set(RUNLOG_E_INVALID_ARGUMENT,
                                "runlog_summary_update_json: json is NULL: pass a JSON object such as {\"best\": 1}");
        if (len == RUNLOG_NUL_TERMINATED) len = std::strlen(json);
        return run.summary_update_text(std::string_view(json, len), e);
    })
}

int runlog_summary_get_json(runlog_run *h, const char *key, runlog_buf *out, runlog_error *err) {
    WITH_RUN("runlog_summary_get_json", h, err, {
        if (!out) return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_summary_get_json: out is NULL");
        *out = runlog_buf{nullptr, 0};
        std::string text;
        if (int r = run.summary_get(key, text, e)) return r;
        return to_buf(text, out, e);
    })
}

int runlog_define_metric(runlog_run *h, const char *name, const runlog_metric_options *opts, runlog_error *err) {
    WITH_RUN("runlog_define_metric", h, err, {
        if (!name) return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_define_metric: name is NULL");
        return run.define_metric(name, opts, e);
    })
}

int runlog_flush(runlog_run *h, int32_t timeout_ms, runlog_error *err) {
    WITH_RUN("runlog_flush", h, err, { return run.flush(timeout_ms, e); })
}

int runlog_pump(runlog_run *h, uint32_t max_records, runlog_error *err) {
    WITH_RUN("runlog_pump", h, err, { return run.pump(max_records, e); })
}

int runlog_get_stats(runlog_run *h, runlog_stats *out, runlog_error *err) {
    WITH_RUN("runlog_get_stats", h, err, {
        if (!out) return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_get_stats: out is NULL");
        if (out->version < 1)
            return e.set(RUNLOG_E_INVALID_ARGUMENT,
                         "runlog_get_stats: out->version is 0: initialise it with RUNLOG_STATS_INIT");
        runlog_stats s = RUNLOG_STATS_INIT;
        run.stats(s);
        s.version = std::min<uint32_t>(out->version, RUNLOG_STATS_VERSION);
        std::memcpy(out, &s, s.version >= 2 ? sizeof s : offsetof(runlog_stats, upload_state));
        return RUNLOG_OK;
    })
}

int runlog_finish(runlog_run *h, int exit_code, runlog_error *err) {
    API_TRY
    if (bad_handle(h)) return handle_error(err, "runlog_finish", h);
    std::unique_lock<std::shared_mutex> gate(h->gate);
    if (!h->run) return finished(err, "runlog_finish");
    Error e;
    int rc = h->run->finish(exit_code, e);
    h->uploader.reset();  // stops and joins the upload thread
    h->writer.reset();  // joins the writer thread
    h->run.reset();     // releases the store and plug-ins
    return done(err, rc, e);
    API_CATCH(err)
}

int runlog_http_complete(runlog_http_call *call, int status, const char *headers, const uint8_t *body,
                         size_t body_len, const char *error_message) {
    API_TRY
    if (!call)
        return fail(nullptr, RUNLOG_E_INVALID_ARGUMENT,
                    "runlog_http_complete: call is NULL: pass the call runlog_http.start() received");
    runlog::upload::Answer a;
    a.status = status < 0 ? -1 : status;
    a.headers = runlog::upload::parse_headers(headers);
    if (body && body_len) a.body.assign(reinterpret_cast<const char *>(body), body_len);
    if (error_message) a.error = error_message;
    if (status <= 0 && a.error.empty()) a.error = "the HTTP executor reported no answer";
    runlog::upload::complete(call, std::move(a));
    return RUNLOG_OK;
    API_CATCH(nullptr)
}

}  // extern "C"

// A sync handle: the job, behind a magic number like runlog_run.
struct runlog_sync {
    static constexpr uint32_t kMagic = 0x53594E43;  // "SYNC"
    uint32_t magic = kMagic;
    std::mutex mu;  // runlog_sync_run is not reentrant
    std::unique_ptr<runlog::upload::SyncJob> job;
};

namespace {

// A store plug-in holding the run to sync (wasm's IndexedDB, a host's own).
int store_target(const runlog_sync_options &o, runlog::upload::SyncTarget &t, Error &e) {
    runlog_store &st = t.store;
    if (!o.run_id || !*o.run_id)
        return e.set(RUNLOG_E_INVALID_ARGUMENT, "runlog_sync_open: with a store, name the run: set run_id");
    uint64_t size = 0;
    int created = 0;
    char where[4096] = {0};
    runlog_error perr = RUNLOG_ERROR_INIT;
    int rc = runlog::plugin_status(st.open(st.user_data, o.run_id, o.run_id, RUNLOG_STORE_RESUME, &size, &created,
                                           where, sizeof where, &perr));
    if (rc) return e.set(rc, std::string("cannot open run ") + o.run_id + " in the store: " + perr.message);
    where[sizeof where - 1] = 0;
    t.location = where;
    t.run_id = o.run_id;
    t.storage = runlog::upload::store_storage(st, nullptr, [size] { return size; });
    return RUNLOG_OK;
}

}  // namespace

extern "C" {

int runlog_sync_open(runlog_sync **out, const runlog_sync_options *opts, runlog_error *err) {
    runlog::upload::SyncTarget target;
    runlog_http http{};
    API_TRY
    if (out) *out = nullptr;
    if (opts && opts->store)
        std::memcpy(&target.store, opts->store,
                    opts->store->version >= 2 ? sizeof(runlog_store) : offsetof(runlog_store, read_file));
    if (opts && opts->version >= 1 && opts->http) http = *opts->http;
    auto fail_open = [&](int status, const std::string &msg) {
        if (target.store.destroy) target.store.destroy(target.store.user_data);
        if (http.destroy) http.destroy(http.user_data);
        return fail(err, status, "runlog_sync_open: " + msg);
    };
    if (!out) return fail_open(RUNLOG_E_INVALID_ARGUMENT, "out is NULL: pass the address of a runlog_sync* variable");
    if (!opts || opts->version < 1 || opts->version > RUNLOG_SYNC_OPTIONS_VERSION)
        return fail_open(RUNLOG_E_INVALID_ARGUMENT,
                         "options missing or of an unknown version: initialise them with RUNLOG_SYNC_OPTIONS_INIT");
    if (!!opts->path == !!opts->store)
        return fail_open(RUNLOG_E_INVALID_ARGUMENT, "give either path (a run directory) or store, not both or none");
    if (opts->http && (opts->http->version < 1 || opts->http->version > RUNLOG_HTTP_VERSION || !opts->http->start))
        return fail_open(RUNLOG_E_INVALID_ARGUMENT,
                         "options.http is incomplete: set version = RUNLOG_HTTP_VERSION and start");
    Error e;
    if (opts->store) {
        const runlog_store &s = target.store;
        if (s.version < 1 || s.version > RUNLOG_STORE_VERSION || !s.open || !s.read || !s.write_file || !s.destroy)
            return fail_open(RUNLOG_E_INVALID_ARGUMENT, "options.store is incomplete: set version and every function");
        if (int rc = store_target(*opts, target, e)) return fail_open(rc, e.message);
    } else {
        runlog::RunFiles files;
        if (int rc = runlog::open_run_files(opts->path, files, e)) return fail_open(rc, e.message);
        target.storage = std::move(files.storage);
        target.location = files.location;
        target.run_id = files.run_id;
        target.live = files.live;
    }
    runlog_sync_options o = *opts;
    o.http = http.start ? &http : nullptr;
    std::unique_ptr<runlog::upload::SyncJob> job;
    // SyncJob owns the store and the executor from here, success or not.
    runlog::upload::SyncTarget owned = std::move(target);
    target = runlog::upload::SyncTarget{};
    runlog_http owned_http = http;
    http = runlog_http{};
    o.http = owned_http.start ? &owned_http : nullptr;
    if (int rc = runlog::upload::SyncJob::open(o, std::move(owned), runlog::native_platform(), job, e))
        return fail(err, rc, "runlog_sync_open: " + e.message);
    auto h = std::make_unique<runlog_sync>();
    h->job = std::move(job);
    *out = h.release();
    return done(err, RUNLOG_OK, e);
    API_CATCH(err)
}

int runlog_sync_run(runlog_sync *sync, int32_t timeout_ms, runlog_sync_status *status, runlog_error *err) {
    API_TRY
    if (!sync || sync->magic != runlog_sync::kMagic)
        return fail(err, RUNLOG_E_INVALID_ARGUMENT, "runlog_sync_run: sync is not a handle from runlog_sync_open");
    std::lock_guard<std::mutex> lk(sync->mu);
    Error e;
    int rc = sync->job->run(timeout_ms, status, e);
    return done(err, rc, e);
    API_CATCH(err)
}

void runlog_sync_close(runlog_sync *sync) {
    if (!sync || sync->magic != runlog_sync::kMagic) return;
    sync->magic = 0;
    delete sync;
}

#define ACCESSOR(fn, expr)                                       \
    const char *fn(runlog_run *h) {                              \
        if (bad_handle(h)) return nullptr;                       \
        std::shared_lock<std::shared_mutex> gate(h->gate);       \
        if (!h->run) return nullptr;                             \
        const runlog::Run &run = *h->run;                        \
        return (expr);                                           \
    }

ACCESSOR(runlog_run_id, run.settings().run_id.c_str())
ACCESSOR(runlog_run_name, run.settings().name.c_str())
ACCESSOR(runlog_run_project, run.settings().project.c_str())
ACCESSOR(runlog_run_entity, run.settings().entity.c_str())
ACCESSOR(runlog_run_mode, run.mode_text())
ACCESSOR(runlog_run_dir, run.location().c_str())

}  // extern "C"
