#include "run.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "names.h"
#include "upload/resume_status.h"
#include "upload/uploader.h"

namespace runlog {

namespace {

constexpr size_t kBatchItems = 4096;           // items per writer batch
constexpr size_t kMaxEncodedBeforeWrite = 4u << 20;  // stop encoding while the store lags
constexpr double kWriterLinger = 0.010;        // writer naps this long between batches

std::string rfc3339(double unix_seconds) {
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm): no
    // libc time zone state needed.
    int64_t secs = int64_t(std::floor(unix_seconds));
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y += 1;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
                  (long long)m, (long long)d, (long long)(rem / 3600), (long long)(rem % 3600 / 60),
                  (long long)(rem % 60));
    return buf;
}

int json_status(JsonError e) {
    switch (e) {
        case JsonError::InvalidUtf8: return RUNLOG_E_INVALID_UTF8;
        case JsonError::NotObject: return RUNLOG_E_NOT_OBJECT;
        default: return RUNLOG_E_INVALID_JSON;
    }
}

std::string yaml_key(const std::string &key) {
    bool plain = !key.empty();
    for (char c : key)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/'))
            plain = false;
    if (plain) return key;
    std::string quoted;
    write_json_string(key, quoted);
    return quoted;
}

bool is_reserved_key(std::string_view key) {
    return key == "_step" || key == "_runtime" || key == "_wandb";
}

std::string reserved_key_message(std::string_view key) {
    return "the key \"" + std::string(key) +
           "\" is reserved: runlog sets _step, _runtime and _timestamp on every row itself; pass "
           "the step as the step argument and rename the key";
}

}  // namespace

void Plugins::destroy() {
    if (store.destroy) store.destroy(store.user_data);
    if (clock.destroy) clock.destroy(clock.user_data);
    if (sink.destroy) sink.destroy(sink.user_data);
    if (http.destroy) http.destroy(http.user_data);
    http = {};
    store = {};
    clock = {};
    sink = {};
}

Run::Run(Settings settings, Plugins plugins, const Platform &platform)
    : settings_(std::move(settings)), plugins_(plugins), platform_(platform) {}

Run::~Run() {
    uploader_.reset();  // before the store and the executor it uses
    plugins_.destroy();
}

void Run::message(int level, const std::string &text) {
    if (settings_.silent && level < RUNLOG_LEVEL_ERROR) return;
    // Debug lines (each upload retry) only go to a hook that asked for messages.
    if (level == RUNLOG_LEVEL_DEBUG && !plugins_.log_fn) return;
    if (plugins_.log_fn) {
        plugins_.log_fn(plugins_.log_user_data, level, text.c_str());
        return;
    }
    if (platform_.default_log) platform_.default_log(level, text.c_str());
}

double Run::runtime_now() const {
    return runtime_offset_ + (plugins_.clock.monotonic_seconds(plugins_.clock.user_data) - start_monotonic_);
}

double Run::unix_now() const { return plugins_.clock.unix_seconds(plugins_.clock.user_data); }

// ---------------------------------------------------------------------------
// Start

int Run::create(Settings settings, Plugins plugins, const Platform &platform,
                std::unique_ptr<Run> &out, Error &err) {
    std::unique_ptr<Run> run(new Run(std::move(settings), plugins, platform));
    Settings &s = run->settings_;
    if (s.run_id.empty()) s.run_id = make_run_id(platform.random_bytes);
    if (s.name.empty()) {
        uint8_t b[4];
        platform.random_bytes(b, sizeof b);
        s.name = make_run_name(uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 |
                               uint32_t(b[3]) << 24);
    }
    run->start_monotonic_ = run->plugins_.clock.monotonic_seconds(run->plugins_.clock.user_data);
    if (s.mode == Mode::Disabled) {  // no store, no writer: every call returns at once
        run->disabled_ = true;
        out = std::move(run);
        return RUNLOG_OK;
    }
    if (s.mode == Mode::Online && s.resume != Resume::None)
        if (int rc = run->check_server_resume(err)) return rc;
    if (int rc = run->open_store(err)) return rc;
    run->background_ = s.threading == RUNLOG_THREADING_BACKGROUND;

    if (!s.offline_reason.empty())
        run->message(s.mode_given ? RUNLOG_LEVEL_WARN : RUNLOG_LEVEL_INFO, s.offline_reason);
    if (s.mode == Mode::Online)
        if (int rc = run->start_upload(err)) return rc;
    run->message(RUNLOG_LEVEL_INFO, "Tracking run " + s.name + " (id " + s.run_id + ") in project \"" +
                                        s.project + "\", mode " + mode_name(s.mode) +
                                        (run->step_ > 0 ? ", resumed at step " + std::to_string(run->step_) : ""));
    // The CLI hints only make sense for the disk store.
    if (s.disk_store) run->message(RUNLOG_LEVEL_INFO, "Run data is saved locally in " + run->location_);
    else run->message(RUNLOG_LEVEL_INFO, "Run data is kept by the host's store (" + run->location_ + ")");
    if (s.mode == Mode::Online)
        run->message(RUNLOG_LEVEL_INFO, "Uploading to " + s.base_url + " as it is logged (key from " +
                                            s.api_key_source + ")" +
                                            (s.disk_store ? "; inspect it locally with `runlog show " + s.run_id + "`"
                                                          : std::string()));
    else if (s.disk_store)
        run->message(RUNLOG_LEVEL_INFO, "Inspect it with `runlog show " + s.run_id +
                                            "`; it stays on disk for a later `runlog sync`");
    out = std::move(run);
    return RUNLOG_OK;
}

int Run::open_store(Error &err) {
    const Settings &s = settings_;
    std::tm tm = platform_.local_time(unix_now());
    std::string dir_name = run_dir_name(/*offline=*/s.mode != Mode::Online, tm, s.run_id);
    int mode = RUNLOG_STORE_CREATE;
    const bool on_server = server_run_ && server_run_->exists;
    if (s.resume == Resume::Must) mode = on_server ? RUNLOG_STORE_RESUME_OR_CREATE : RUNLOG_STORE_RESUME;
    else if (s.resume == Resume::Allow || s.resume == Resume::Auto) mode = RUNLOG_STORE_RESUME_OR_CREATE;

    uint64_t size = 0;
    int created = 0;
    char where[4096] = {0};
    runlog_error perr = RUNLOG_ERROR_INIT;
    int rc = plugin_status(plugins_.store.open(plugins_.store.user_data, s.run_id.c_str(), dir_name.c_str(),
                                               mode, &size, &created, where, sizeof where, &perr));
    where[sizeof where - 1] = '\0';
    if (rc == RUNLOG_E_EXISTS) {
        return err.set(rc, std::string(perr.message) +
                               (s.resume == Resume::Never
                                    ? ": resume is \"never\", so runlog will not continue it; use a new "
                                      "run id or set WANDB_RESUME=allow"
                                    : ": set WANDB_RESUME=allow (or options.resume) to continue it, or "
                                      "use another run id"));
    }
    if (rc == RUNLOG_E_NOT_FOUND && s.resume == Resume::Must)
        return err.set(rc, std::string(perr.message) +
                               ": resume is \"must\", so the run has to exist already" +
                               (s.mode == Mode::Online ? " (here or on " + s.base_url + ")" : std::string()) +
                               "; check WANDB_RUN_ID, WANDB_DIR" +
                               (s.mode == Mode::Online ? ", WANDB_ENTITY and WANDB_PROJECT" : ""));
    if (rc != RUNLOG_OK) return from_plugin(rc, perr, "cannot open the run's storage", err);
    location_ = where;
    return start_journal(created == 0, size, err);
}

int Run::start_journal(bool resumed, uint64_t journal_size, Error &err) {
    const Settings &s = settings_;
    std::lock_guard<std::mutex> pl(pump_mu_);
    const double now = unix_now();
    if (resumed && journal_size > 0) {
        journal::ByteSource src = [this](uint64_t off, uint8_t *buf, size_t cap) -> long long {
            size_t n = 0;
            runlog_error e = RUNLOG_ERROR_INIT;
            int rc = plugins_.store.read(plugins_.store.user_data, off, buf, cap, &n, &e);
            return rc ? -1 : (long long)n;
        };
        Replay r = replay(std::move(src));
        if (r.read.reason == journal::StopReason::BadHeader || r.read.reason == journal::StopReason::IoError)
            return err.set(RUNLOG_E_IO, "cannot resume run " + s.run_id + " from " + location_ + ": " +
                                            r.read.detail + "; start a new run with another id");
        model_ = std::move(r.model);
        uint64_t good = r.read.good_offset;
        if (good < journal_size) {
            runlog_error perr = RUNLOG_ERROR_INIT;
            int rc = plugins_.store.truncate(plugins_.store.user_data, good, &perr);
            if (rc) return from_plugin(rc, perr, "cannot cut the torn tail of the journal", err);
            message(RUNLOG_LEVEL_WARN, "the journal of run " + s.run_id + " ended in a torn write (" +
                                           std::to_string(journal_size - good) +
                                           " bytes, from a crash); they were dropped and the run continues "
                                           "after its last complete record");
        }
        encoder_ = journal::Encoder(good);
        step_ = model_.last_step + 1;
        runtime_offset_ = model_.runtime;
        json resume = {{"time", now},           {"starting_step", step_},
                       {"runtime", runtime_offset_}, {"pid", platform_.host.pid},
                       {"host", platform_.host.hostname}};
        encode(journal::RecordKind::Resume, to_json_text(resume));
        model_.apply(journal::RecordKind::Resume, "{}");
        if (!s.config.empty()) {
            model_.on_config(s.config);
            encode(journal::RecordKind::Config, to_json_text(json{{"update", s.config}}));
        }
    } else {
        journal_created_ = true;
        // Continuing a run that exists only on the server (online resume):
        // its config keys, tags and notes carry over, as in W&B.
        if (server_run_ && server_run_->exists) {
            Settings &ms = settings_;
            for (auto it = server_run_->config.begin(); it != server_run_->config.end(); ++it)
                if (!ms.config.contains(it.key())) ms.config[it.key()] = it.value();
            if (ms.tags.empty()) ms.tags = server_run_->tags;
            if (ms.notes.empty()) ms.notes = server_run_->notes;
        }
        encoder_ = journal::Encoder(0);
        if (journal_size > 0) {
            runlog_error perr = RUNLOG_ERROR_INIT;
            int rc = plugins_.store.truncate(plugins_.store.user_data, 0, &perr);
            if (rc) return from_plugin(rc, perr, "cannot reset the journal", err);
        }
        encoder_.encode_header(encoded_);
        json info = {{"id", s.run_id},
                     {"name", s.name},
                     {"project", s.project},
                     {"entity", s.entity},
                     {"group", s.group},
                     {"job_type", s.job_type},
                     {"tags", s.tags},
                     {"notes", s.notes},
                     {"mode", mode_name(s.mode)},
                     {"start_time", now},
                     {"host", platform_.host.hostname},
                     {"pid", platform_.host.pid},
                     {"program", platform_.host.program},
                     {"os", platform_.host.os},
                     {"runlog_version", RUNLOG_VERSION_STRING},
                     {"config", s.config}};
        if (server_run_ && server_run_->exists)
            info["resumed_from_server"] = json{{"starting_step", server_run_->starting_step},
                                               {"runtime", server_run_->runtime},
                                               {"history_lines", server_run_->history_lines}};
        model_.run_info = info;
        model_.on_config(s.config);
        encode(journal::RecordKind::Run, to_json_text(info));
        if (server_run_ && server_run_->exists) {
            step_ = server_run_->starting_step;
            runtime_offset_ = server_run_->runtime;
            if (!server_run_->summary.empty()) {  // the server's summary stays until overwritten
                json upd = {{"update", server_run_->summary}};
                model_.on_summary(upd["update"], json::array());
                encode(journal::RecordKind::Summary, to_json_text(upd));
            }
        }
    }
    // The run's start is written and made durable before init returns: a run
    // that exists for the caller exists on disk.
    if (int rc = write_locked(&err)) return rc;
    if (int rc = sync_locked(&err)) return rc;

    json meta = {{"os", platform_.host.os},       {"program", platform_.host.program},
                 {"host", platform_.host.hostname}, {"username", platform_.host.username},
                 {"root", platform_.host.cwd},      {"startedAt", rfc3339(now)},
                 {"executable", platform_.host.program}, {"runlog", RUNLOG_VERSION_STRING}};
    std::string text = meta.dump(2) + "\n";
    runlog_error perr = RUNLOG_ERROR_INIT;
    int rc = plugins_.store.write_file(plugins_.store.user_data, "files/wandb-metadata.json",
                                       reinterpret_cast<const uint8_t *>(text.data()), text.size(), &perr);
    if (rc) message(RUNLOG_LEVEL_WARN, std::string("could not write files/wandb-metadata.json: ") + perr.message);
    return RUNLOG_OK;
}

// ---------------------------------------------------------------------------
// Caller side

int Run::check_open_locked(Error &err) const {
    if (finishing_)
        return err.set(RUNLOG_E_FINISHED, "the run " + settings_.run_id +
                                              " was finished already: start a new run with runlog_init()");
    return RUNLOG_OK;
}

int Run::admit_locked(std::unique_lock<std::mutex> &lk, size_t cost, bool is_row, Error &err) {
    for (;;) {
        if (int rc = check_open_locked(err)) return rc;
        if (queued_cost_ == 0 || queued_cost_ + cost <= settings_.queue_capacity) return RUNLOG_OK;
        if (store_status_ != RUNLOG_OK) {
            if (is_row) rows_refused_full_++;
            return err.set(store_status_,
                           "the run's storage is failing (" + store_message_ + ") and " +
                               std::to_string(queued_cost_) +
                               " bytes already wait in memory, so this call was refused; runlog "
                               "keeps retrying the write: free space or fix " + location_);
        }
        if (settings_.queue_full == RUNLOG_QUEUE_FULL_DROP && is_row) {
            rows_refused_full_++;
            return err.set(RUNLOG_E_QUEUE_FULL,
                           "the write queue is full (" + std::to_string(queued_cost_) +
                               " bytes waiting for the store), so this row was refused under "
                               "RUNLOG_QUEUE_FULL_DROP; raise queue_capacity_bytes or log less often");
        }
        if (!background_) {
            // No writer thread: make room on this thread.
            lk.unlock();
            Error ignored;
            pump_once(0, &ignored);
            lk.lock();
            continue;
        }
        work_cv_.notify_one();
        space_cv_.wait(lk);
    }
}

void Run::enqueue_locked(Item &&item) {
    item.seq = ++accepted_seq_;
    const bool was_idle = queue_.empty();
    const uint64_t before = queued_cost_;
    queued_cost_ += item.cost;
    queue_.push_back(std::move(item));
    // Waking the writer costs a system call; do it when it may be asleep with
    // nothing to do, or when the queue passes a quarter of its capacity.
    if (background_ && (was_idle || (before < settings_.queue_capacity / 4 &&
                                     queued_cost_ >= settings_.queue_capacity / 4)))
        work_cv_.notify_one();
}

void Run::flush_pending_locked() {
    if (pending_text_.empty()) return;
    if (pending_scan_.members.empty()) {  // W&B never records an empty row
        pending_text_.clear();
        return;
    }
    Item it;
    it.kind = ItemKind::Row;
    it.step = step_;
    it.runtime = runtime_now();
    it.timestamp = unix_now();
    it.has_whitespace = pending_scan_.has_whitespace;
    for (const auto &m : pending_scan_.members)
        if (m.key_escaped ? member_key(pending_text_, m) == "_timestamp"
                          : std::string_view(pending_text_).substr(m.key_off, m.key_len) == "_timestamp")
            it.has_timestamp = true;
    it.cost = pending_text_.size() + 64;
    it.text = std::move(pending_text_);
    pending_text_.clear();
    rows_logged_++;
    enqueue_locked(std::move(it));
}

void Run::merge_pending_locked(std::string_view text, ScannedObject &&scan) {
    if (pending_text_.empty()) {
        pending_text_.assign(text);
        pending_scan_ = std::move(scan);
        return;
    }
    // W&B merges top-level keys, the newer value winning. Merges are the
    // uncommon path (commit=NO, or a step given), so build new text and rescan.
    const std::string_view old_text = pending_text_;
    auto key = [](std::string_view t, const JsonMember &m) { return t.substr(m.key_off, m.key_len); };
    auto value = [](std::string_view t, const JsonMember &m) { return t.substr(m.val_off, m.val_len); };
    std::string merged = "{";
    auto add = [&](std::string_view t, const JsonMember &m) {
        if (merged.size() > 1) merged.push_back(',');
        merged.push_back('"');
        merged.append(key(t, m));
        merged.append("\":");
        append_compact(value(t, m), merged);
    };
    for (const auto &m : pending_scan_.members) {
        bool replaced = false;
        for (const auto &n : scan.members) replaced = replaced || key(text, n) == key(old_text, m);
        if (!replaced) add(old_text, m);
    }
    for (const auto &n : scan.members) add(text, n);
    merged.push_back('}');
    pending_text_ = std::move(merged);
    scan_json_object(pending_text_, pending_scan_, nullptr);
}

static int check_log_args(int64_t step, int commit, Error &err) {
    if (step < RUNLOG_STEP_AUTO)
        return err.set(RUNLOG_E_INVALID_ARGUMENT, "step " + std::to_string(step) +
                                                      " is negative: pass a step >= 0, or RUNLOG_STEP_AUTO");
    if (commit < RUNLOG_COMMIT_DEFAULT || commit > RUNLOG_COMMIT_NO)
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "commit is " + std::to_string(commit) +
                           ": use RUNLOG_COMMIT_DEFAULT, RUNLOG_COMMIT_YES or RUNLOG_COMMIT_NO");
    return RUNLOG_OK;
}

int Run::log_text(std::string_view text, int64_t step, int commit, Error &err) {
    if (int rc = check_log_args(step, commit, err)) return rc;
    if (text.size() > settings_.max_payload)
        return err.set(RUNLOG_E_TOO_LARGE,
                       "the row is " + std::to_string(text.size()) + " bytes, over the limit of " +
                           std::to_string(settings_.max_payload) +
                           " bytes (W&B's 10 MiB line limit): log large data as files, or raise "
                           "runlog_options.max_payload_bytes");
    ScannedObject scan;
    std::string why;
    JsonError je = scan_json_object(text, scan, &why);
    if (je != JsonError::None)
        return err.set(json_status(je), "log: " + why + "; pass one JSON object such as {\"loss\": 0.5}");
    for (const auto &m : scan.members) {
        std::string_view key = text.substr(m.key_off, m.key_len);
        std::string decoded;
        if (m.key_escaped) key = decoded = member_key(text, m);
        if (is_reserved_key(key)) return err.set(RUNLOG_E_RESERVED_KEY, reserved_key_message(key));
        if (key == "_timestamp") {
            const std::string_view v = text.substr(m.val_off, m.val_len);
            const bool finite_number = (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) && v != "-Infinity";
            if (!finite_number)
                return err.set(RUNLOG_E_INVALID_ARGUMENT,
                               "_timestamp must be a finite number of seconds since 1970 (or left out: runlog sets it)");
        }
    }
    if (disabled_) return RUNLOG_OK;
    const size_t cost = text.size() + 64;
    std::unique_lock<std::mutex> lk(mu_);
    if (int rc = admit_locked(lk, cost, true, err)) return rc;
    if (step >= 0 && step < step_) return refuse_step_locked(lk, step, err);
    apply_log_locked(text, std::move(scan), step, commit);
    return RUNLOG_OK;
}

int Run::refuse_step_locked(std::unique_lock<std::mutex> &lk, int64_t step, Error &err) {
    steps_refused_++;
    const uint64_t n = steps_refused_;
    const int64_t current = step_;
    lk.unlock();
    std::string text = "step " + std::to_string(step) + " is smaller than the current step " +
                       std::to_string(current) + ": steps must not go back, so this data was not recorded (" +
                       std::to_string(n) + " refused so far); log without a step to use runlog's counter";
    if ((n & (n - 1)) == 0) message(RUNLOG_LEVEL_WARN, text);  // 1st, 2nd, 4th, 8th…
    return err.set(RUNLOG_E_STEP_ORDER, text);
}

void Run::apply_log_locked(std::string_view text, ScannedObject &&scan, int64_t step, int commit) {
    if (step >= 0) {
        if (step > step_) {
            flush_pending_locked();
            step_ = step;
        }
        merge_pending_locked(text, std::move(scan));
        if (commit == RUNLOG_COMMIT_YES) {
            flush_pending_locked();
            step_++;
        }
    } else {
        merge_pending_locked(text, std::move(scan));
        if (commit != RUNLOG_COMMIT_NO) {
            flush_pending_locked();
            step_++;
        }
    }
}

int Run::stage(std::string_view key, double d, int64_t i, bool is_int, Error &err) {
    if (key.empty()) return err.set(RUNLOG_E_INVALID_ARGUMENT, "the key is empty: name the metric, e.g. \"loss\"");
    if (find_invalid_utf8(key) != std::string_view::npos)
        return err.set(RUNLOG_E_INVALID_UTF8, "the key is not valid UTF-8: convert it before logging");
    if (is_reserved_key(key) || key == "_timestamp")
        return err.set(RUNLOG_E_RESERVED_KEY, reserved_key_message(key));
    if (disabled_) return RUNLOG_OK;
    std::lock_guard<std::mutex> lk(mu_);
    if (int rc = check_open_locked(err)) return rc;
    for (auto &s : staging_)
        if (s.key == key) {
            s.d = d;
            s.i = i;
            s.is_int = is_int;
            return RUNLOG_OK;
        }
    staging_.push_back(Scalar{std::string(key), d, i, is_int});
    return RUNLOG_OK;
}

int Run::commit_row(int64_t step, int commit, Error &err) {
    if (int rc = check_log_args(step, commit, err)) return rc;
    if (disabled_) return RUNLOG_OK;
    std::unique_lock<std::mutex> lk(mu_);
    size_t cost = 64;
    for (const auto &s : staging_) cost += s.key.size() + 24;
    if (int rc = admit_locked(lk, cost, true, err)) {
        staging_.clear();  // the refused row is dropped whole, not merged into the next one
        return rc;
    }
    if (step >= 0 && step < step_) {
        staging_.clear();  // W&B drops data logged at an old step
        return refuse_step_locked(lk, step, err);
    }
    const bool commits_now = (step < 0 && commit != RUNLOG_COMMIT_NO) || (step >= 0 && commit == RUNLOG_COMMIT_YES);
    if (pending_text_.empty() && commits_now) {
        // Fast path: the staged values are the whole row; no JSON is built.
        if (step > step_) step_ = step;
        if (!staging_.empty()) {
            Item it;
            it.kind = ItemKind::TypedRow;
            it.step = step_;
            it.runtime = runtime_now();
            it.timestamp = unix_now();
            it.scalars.swap(staging_);
            staging_.reserve(it.scalars.size());
            it.cost = cost;
            rows_logged_++;
            enqueue_locked(std::move(it));
        }
        step_++;
        return RUNLOG_OK;
    }
    std::string text = staged_text_locked();
    ScannedObject scan;
    scan_json_object(text, scan, nullptr);
    apply_log_locked(text, std::move(scan), step, commit);
    return RUNLOG_OK;
}

std::string Run::staged_text_locked() {
    std::string text = "{";
    for (const auto &s : staging_) {
        if (text.size() > 1) text.push_back(',');
        write_json_string(s.key, text);
        text.push_back(':');
        if (s.is_int) write_json_int(s.i, text);
        else write_json_double(s.d, text);
    }
    text.push_back('}');
    staging_.clear();
    return text;
}

int Run::config_update_text(std::string_view text, Error &err) {
    if (text.size() > settings_.max_payload)
        return err.set(RUNLOG_E_TOO_LARGE, "the config update is " + std::to_string(text.size()) +
                                               " bytes, over the limit of " + std::to_string(settings_.max_payload) +
                                               " bytes; raise runlog_options.max_payload_bytes");
    json update;
    std::string why;
    JsonError je = parse_json_object(text, update, &why);
    if (je != JsonError::None)
        return err.set(json_status(je), "config update: " + why + "; pass a JSON object such as {\"lr\": 0.01}");
    if (update.contains("_wandb"))
        return err.set(RUNLOG_E_RESERVED_KEY, "the config key \"_wandb\" is reserved for runlog: rename it");
    if (disabled_) return RUNLOG_OK;
    std::unique_lock<std::mutex> lk(mu_);
    const size_t cost = text.size() + 64;
    if (int rc = admit_locked(lk, cost, false, err)) return rc;
    Item it;
    it.kind = ItemKind::Config;
    it.data = std::move(update);
    it.cost = cost;
    enqueue_locked(std::move(it));
    return RUNLOG_OK;
}

int Run::summary_update_text(std::string_view text, Error &err) {
    if (text.size() > settings_.max_payload)
        return err.set(RUNLOG_E_TOO_LARGE, "the summary update is " + std::to_string(text.size()) +
                                               " bytes, over the limit of " + std::to_string(settings_.max_payload) +
                                               " bytes; raise runlog_options.max_payload_bytes");
    json update;
    std::string why;
    JsonError je = parse_json_object(text, update, &why);
    if (je != JsonError::None)
        return err.set(json_status(je),
                       "summary update: " + why + "; pass a JSON object such as {\"best_acc\": 0.97}");
    if (update.contains("_wandb"))
        return err.set(RUNLOG_E_RESERVED_KEY, "the summary key \"_wandb\" is reserved for runlog: rename it");
    if (disabled_) return RUNLOG_OK;
    std::unique_lock<std::mutex> lk(mu_);
    const size_t cost = text.size() + 64;
    if (int rc = admit_locked(lk, cost, false, err)) return rc;
    Item it;
    it.kind = ItemKind::Summary;
    it.data = json{{"update", std::move(update)}};
    it.cost = cost;
    enqueue_locked(std::move(it));
    return RUNLOG_OK;
}

int Run::define_metric(const std::string &name, const runlog_metric_options *opts, Error &err) {
    if (name.empty()) return err.set(RUNLOG_E_INVALID_ARGUMENT, "define_metric: the metric name is empty");
    if (find_invalid_utf8(name) != std::string_view::npos)
        return err.set(RUNLOG_E_INVALID_UTF8, "define_metric: the name is not valid UTF-8");
    const auto star = name.find('*');
    if (star != std::string::npos && star != name.size() - 1)
        return err.set(RUNLOG_E_INVALID_ARGUMENT, "define_metric: \"" + name +
                                                      "\" has a '*' that is not at the end; only a trailing "
                                                      "glob such as \"train/*\" is supported");
    MetricDef m;
    m.glob = star != std::string::npos;
    m.name = m.glob ? name.substr(0, name.size() - 1) : name;
    int step_sync = RUNLOG_DEFAULT;
    if (opts) {
        if (opts->version == 0 || opts->version > RUNLOG_METRIC_OPTIONS_VERSION)
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "runlog_metric_options.version is " + std::to_string(opts->version) +
                               ": initialise it with RUNLOG_METRIC_OPTIONS_INIT from the runlog.h of this library");
        if (opts->summary & ~uint32_t(kSummaryAll))
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "define_metric: summary has unknown bits; combine RUNLOG_SUMMARY_* values");
        if ((opts->summary & kSummaryNone) && (opts->summary & ~uint32_t(kSummaryNone)))
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "define_metric: RUNLOG_SUMMARY_NONE cannot be combined with other summaries");
        if (opts->step_metric) {
            m.step_metric = opts->step_metric;
            if (find_invalid_utf8(m.step_metric) != std::string_view::npos)
                return err.set(RUNLOG_E_INVALID_UTF8, "define_metric: step_metric is not valid UTF-8");
        }
        m.summary = opts->summary;
        m.hidden = opts->hidden != 0;
        step_sync = opts->step_sync;
    }
    m.step_sync = !m.step_metric.empty() && step_sync != RUNLOG_NO;
    if (disabled_) return RUNLOG_OK;
    std::unique_lock<std::mutex> lk(mu_);
    if (int rc = admit_locked(lk, 128, false, err)) return rc;
    Item it;
    it.kind = ItemKind::Metric;
    it.data = m.to_json();
    it.cost = 128;
    enqueue_locked(std::move(it));
    return RUNLOG_OK;
}

int Run::config_get(std::string &out, Error &err) {
    if (disabled_) {
        out = to_json_text(settings_.config);
        return RUNLOG_OK;
    }
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (int rc = check_open_locked(err)) return rc;
    }
    std::lock_guard<std::mutex> pl(pump_mu_);
    catch_up_locked();
    out = to_json_text(model_.config);
    return RUNLOG_OK;
}

int Run::summary_get(const char *key, std::string &out, Error &err) {
    if (disabled_) {
        if (key) return err.set(RUNLOG_E_NOT_FOUND, "the summary has no key \"" + std::string(key) + "\" (disabled run)");
        out = "{}";
        return RUNLOG_OK;
    }
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (int rc = check_open_locked(err)) return rc;
    }
    std::lock_guard<std::mutex> pl(pump_mu_);
    catch_up_locked();
    json s = model_.summary.to_json();
    if (!key) {
        out = to_json_text(s);
        return RUNLOG_OK;
    }
    auto it = s.find(key);
    if (it == s.end())
        return err.set(RUNLOG_E_NOT_FOUND, "the summary has no key \"" + std::string(key) +
                                               "\": log it or set it with runlog_summary_update_json() first");
    out = to_json_text(*it);
    return RUNLOG_OK;
}

int Run::flush(int32_t timeout_ms, Error &err) {
    if (disabled_) return RUNLOG_OK;
    std::unique_lock<std::mutex> lk(mu_);
    if (int rc = check_open_locked(err)) return rc;
    const uint64_t target = accepted_seq_;
    if (!background_) {
        retry_at_ = 0;  // an explicit flush tries the store now, whatever the backoff says
        lk.unlock();
        Error e;
        for (;;) {
            size_t n = pump_once(0, &e);
            std::lock_guard<std::mutex> g(mu_);
            if (store_status_ != RUNLOG_OK || (n == 0 && queue_.empty())) break;
        }
        {
            std::lock_guard<std::mutex> pl(pump_mu_);
            if (write_locked(&e) == RUNLOG_OK && dirty_ && settings_.durability != RUNLOG_DURABILITY_NONE)
                sync_locked(&e);
        }
        lk.lock();
        if (store_status_ == RUNLOG_OK) return RUNLOG_OK;
        return err.set(store_status_, store_failing_message_locked("flush"));
    }
    flush_target_ = std::max(flush_target_, target);
    const uint64_t failures_before = store_failures_;
    work_cv_.notify_one();
    auto done = [&] { return durable_seq_ >= target || store_failures_ > failures_before; };
    if (timeout_ms < 0) progress_cv_.wait(lk, done);
    else if (!progress_cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), done))
        return err.set(RUNLOG_E_TIMEOUT,
                       "flush did not finish within " + std::to_string(timeout_ms) + " ms: " +
                           std::to_string(accepted_seq_ - written_seq_) +
                           " records are still being written; nothing is lost, writing goes on");
    if (durable_seq_ >= target) return RUNLOG_OK;
    return err.set(store_status_, store_failing_message_locked("flush"));
}

std::string Run::store_failing_message_locked(const char *what) const {
    return std::string(what) + ": the run's storage is failing (" + store_message_ + "); " +
           std::to_string(accepted_seq_ - written_seq_) +
           " records are held in memory and retried; free space or fix " + location_;
}

int Run::pump(uint32_t max_records, Error &err) {
    if (disabled_ || background_) return RUNLOG_OK;
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (int rc = check_open_locked(err)) return rc;
        retry_at_ = 0;  // the host asked: try the store now
    }
    size_t left = max_records ? max_records : SIZE_MAX;
    for (;;) {
        size_t n = pump_once(std::min<size_t>(left, kBatchItems), &err);
        left -= std::min(left, n);
        {
            std::lock_guard<std::mutex> g(mu_);
            if (store_status_ != RUNLOG_OK) return err.set(store_status_, store_failing_message_locked("pump"));
            if (!(n == 0 || left == 0 || queue_.empty())) continue;
        }
        if (uploader_) upload_step();  // manual threading: the host's pump uploads too
        return RUNLOG_OK;
    }
}

int Run::finish(int exit_code, Error &err) {
    if (disabled_) return RUNLOG_OK;
    uint64_t target;
    {
        std::unique_lock<std::mutex> lk(mu_);
        if (int rc = check_open_locked(err)) return rc;
        // Values staged but never committed belong to the last row.
        if (!staging_.empty()) {
            std::string text = staged_text_locked();
            ScannedObject scan;
            scan_json_object(text, scan, nullptr);
            merge_pending_locked(text, std::move(scan));
        }
        flush_pending_locked();
        Item exit;
        exit.kind = ItemKind::Exit;
        exit.runtime = runtime_now();
        exit.data = json{{"exit_code", exit_code}, {"runtime", exit.runtime}};
        exit.cost = 64;
        enqueue_locked(std::move(exit));
        finishing_ = true;
        target = accepted_seq_;
        flush_target_ = std::max(flush_target_, target);
        work_cv_.notify_one();
        if (background_) {
            auto done = [&] { return durable_seq_ >= target; };
            if (settings_.finish_timeout_ms == UINT32_MAX) progress_cv_.wait(lk, done);
            else progress_cv_.wait_for(lk, std::chrono::milliseconds(settings_.finish_timeout_ms), done);
        }
    }
    if (!background_) {
        // No thread to wait for: a few attempts on this thread.
        for (int attempt = 0; attempt < 3; ++attempt) {
            Error e;
            while (pump_once(0, &e) > 0) {}
            std::lock_guard<std::mutex> pl(pump_mu_);
            write_locked(&e);
            if (dirty_) sync_locked(&e);
            std::lock_guard<std::mutex> g(mu_);
            if (written_seq_ >= target) break;
            retry_at_ = 0;
        }
    }
    int rc = RUNLOG_OK;
    uint64_t lost = 0;
    std::string store_msg;
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (written_seq_ < target) {
            lost = target - written_seq_;
            rc = store_status_ != RUNLOG_OK ? store_status_ : RUNLOG_E_TIMEOUT;
            store_msg = store_status_ != RUNLOG_OK ? store_message_ : "the store did not keep up";
        }
    }
    {
        std::lock_guard<std::mutex> pl(pump_mu_);
        catch_up_locked();
        Error ferr;
        write_run_files(&ferr);
        if (rc == RUNLOG_OK && ferr.status) rc = err.set(ferr.status, ferr.message);
    }
    if (lost) {
        err.set(rc, "finish: " + std::to_string(lost) + " records could not be written within " +
                        std::to_string(settings_.finish_timeout_ms) + " ms (" + store_msg +
                        "); they are lost, everything before them is in " + location_);
        message(RUNLOG_LEVEL_ERROR, err.message);
    }
    message(RUNLOG_LEVEL_INFO, "Run " + settings_.name + " (id " + settings_.run_id + ") finished with exit code " +
                                   std::to_string(exit_code) + ": " + std::to_string(model_.rows) +
                                   " rows in " + location_);
    request_stop();
    if (uploader_) finish_upload();
    return rc;
}

void Run::write_run_files(Error *err) {
    std::string summary = to_json_text(model_.summary_file()) + "\n";
    std::string config = "_wandb:\n  value:\n    runlog_version: " RUNLOG_VERSION_STRING "\n";
    for (auto it = model_.config.begin(); it != model_.config.end(); ++it) {
        config += yaml_key(it.key()) + ":\n  value: ";
        write_json(it.value(), config);
        config += "\n";
    }
    const std::pair<const char *, const std::string *> files[] = {
        {"files/wandb-summary.json", &summary}, {"files/config.yaml", &config}};
    for (const auto &[name, text] : files) {
        runlog_error perr = RUNLOG_ERROR_INIT;
        int rc = plugins_.store.write_file(plugins_.store.user_data, name,
                                           reinterpret_cast<const uint8_t *>(text->data()), text->size(), &perr);
        if (rc && err && !err->status) from_plugin(rc, perr, std::string("cannot write ") + name, *err);
    }
}

void Run::stats(runlog_stats &out) {
    std::lock_guard<std::mutex> lk(mu_);
    out.step = step_;
    out.rows_logged = rows_logged_;
    out.steps_refused = steps_refused_;
    out.rows_refused_queue_full = rows_refused_full_;
    out.records_queued = accepted_seq_ - written_seq_;
    out.bytes_queued = queued_cost_;
    out.records_written = records_written_;
    out.journal_bytes = journal_bytes_;
    out.store_errors = store_failures_;
    if (out.version >= 2 && uploader_) {
        upload::Snapshot u = uploader_->snapshot();
        out.upload_state = u.state;
        out.rows_uploaded = u.rows_uploaded;
        out.upload_requests = u.requests;
        out.upload_retries = u.retries;
        out.upload_bytes_pending = u.pending_bytes;
    }
}

// ---------------------------------------------------------------------------
// Pump side

void Run::encode(journal::RecordKind kind, const std::string &text) {
    encoder_.encode(kind, text, encoded_);
    if (plugins_.sink.version && plugins_.sink.record) {
        const std::string name(journal::kind_name(kind));
        if (plugins_.sink.record(plugins_.sink.user_data, name.c_str(), text.data(), text.size()) != 0 &&
            sink_failures_++ == 0)
            message(RUNLOG_LEVEL_WARN, "the record sink reported a failure for a " + name +
                                           " record; the run goes on (the journal has it)");
    }
}

void Run::process_item(Item &item) {
    using journal::RecordKind;
    switch (item.kind) {
        case ItemKind::Row: {
            // The caller's own text, compacted, with the stamps spliced in.
            scratch_.clear();
            if (item.has_whitespace) append_compact(item.text, scratch_);
            else scratch_.append(item.text);
            scratch_.pop_back();  // '}'
            if (scratch_.size() > 1) scratch_.push_back(',');
            scratch_.append("\"_runtime\":");
            write_json_double(item.runtime, scratch_);
            scratch_.append(",\"_step\":");
            write_json_int(item.step, scratch_);
            if (!item.has_timestamp) {
                scratch_.append(",\"_timestamp\":");
                write_json_double(item.timestamp, scratch_);
            }
            scratch_.push_back('}');
            if (model_.has_step_sync()) {
                // Rare: define_metric(step_sync) may add keys to the row.
                json row;
                parse_json_object(scratch_, row, nullptr);
                model_.on_history(row);
                scratch_.clear();
                write_json(row, scratch_);
            } else {
                model_.on_history_text(scratch_);
            }
            encode(RecordKind::History, scratch_);
            break;
        }
        case ItemKind::TypedRow: {
            if (model_.has_step_sync()) {
                // Rare: rows that need step_metric filled in take the JSON path.
                item.text = "{";
                for (const auto &s : item.scalars) {
                    if (item.text.size() > 1) item.text.push_back(',');
                    write_json_string(s.key, item.text);
                    item.text.push_back(':');
                    if (s.is_int) write_json_int(s.i, item.text);
                    else write_json_double(s.d, item.text);
                }
                item.text.push_back('}');
                item.kind = ItemKind::Row;
                process_item(item);
                return;
            }
            scratch_.clear();
            scratch_.push_back('{');
            for (const auto &s : item.scalars) {
                write_json_string(s.key, scratch_);
                scratch_.push_back(':');
                if (s.is_int) {
                    write_json_int(s.i, scratch_);
                    model_.summary.observe(s.key, json(s.i));
                } else {
                    write_json_double(s.d, scratch_);
                    model_.summary.observe_number(s.key, s.d);
                }
                scratch_.push_back(',');
            }
            scratch_.append("\"_runtime\":");
            write_json_double(item.runtime, scratch_);
            scratch_.append(",\"_step\":");
            write_json_int(item.step, scratch_);
            scratch_.append(",\"_timestamp\":");
            write_json_double(item.timestamp, scratch_);
            scratch_.push_back('}');
            static const std::string kStep = "_step", kRuntime = "_runtime", kTimestamp = "_timestamp";
            model_.summary.observe(kStep, json(item.step));
            model_.summary.observe_number(kRuntime, item.runtime);
            model_.summary.observe_number(kTimestamp, item.timestamp);
            model_.rows++;
            model_.last_step = item.step;
            model_.runtime = item.runtime;
            model_.last_timestamp = item.timestamp;
            encode(RecordKind::History, scratch_);
            break;
        }
        case ItemKind::Config:
            model_.on_config(item.data);
            encode(RecordKind::Config, to_json_text(json{{"update", item.data}}));
            break;
        case ItemKind::Summary:
            model_.on_summary(item.data["update"], json::array());
            encode(RecordKind::Summary, to_json_text(item.data));
            break;
        case ItemKind::Metric: {
            MetricDef m;
            MetricDef::from_json(item.data, m);
            model_.on_metric(m);
            encode(RecordKind::Metric, to_json_text(item.data));
            break;
        }
        case ItemKind::Exit:
            model_.on_exit(item.data.value("exit_code", 0), item.runtime);
            encode(RecordKind::Exit, to_json_text(item.data));
            break;
    }
    encoded_cost_ += item.cost;
    encoded_seq_ = item.seq;
}

void Run::catch_up_locked() {
    std::deque<Item> batch;
    {
        std::lock_guard<std::mutex> lk(mu_);
        batch.swap(queue_);
    }
    for (auto &item : batch) process_item(item);
}

int Run::write_locked(Error *err) {
    if (encoded_.empty()) return RUNLOG_OK;
    const double now = plugins_.clock.monotonic_seconds(plugins_.clock.user_data);
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (store_status_ != RUNLOG_OK && now < retry_at_) {
            if (err) err->set(store_status_, store_message_);
            return store_status_;
        }
    }
    runlog_error perr = RUNLOG_ERROR_INIT;
    int rc = plugin_status(plugins_.store.append(plugins_.store.user_data,
                                                 reinterpret_cast<const uint8_t *>(encoded_.data()),
                                                 encoded_.size(), &perr));
    std::string note;
    int note_level = RUNLOG_LEVEL_INFO;
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (rc == RUNLOG_OK) {
            journal_bytes_ = encoder_.offset();
            readable_bytes_.store(journal_bytes_);
            queued_cost_ -= std::min<uint64_t>(queued_cost_, encoded_cost_);
            written_seq_ = encoded_seq_;
            records_written_ = written_seq_;
            if (settings_.durability == RUNLOG_DURABILITY_NONE) durable_seq_ = written_seq_;
            if (store_status_ != RUNLOG_OK)
                note = "the run's storage works again; " + std::to_string(encoded_.size()) +
                       " bytes held in memory were written";
            store_status_ = RUNLOG_OK;
            store_message_.clear();
            retry_delay_ = 0.05;
        } else {
            if (store_status_ == RUNLOG_OK) {
                note = std::string("cannot write the journal in ") + location_ + ": " + perr.message +
                       "; runlog keeps the records in memory and retries (free space or fix the "
                       "directory; nothing is lost unless the process ends first)";
                note_level = RUNLOG_LEVEL_ERROR;
            }
            store_failures_++;
            store_status_ = rc;
            store_message_ = perr.message[0] ? perr.message : runlog_status_string(rc);
            retry_at_ = now + retry_delay_;
            retry_delay_ = std::min(2.0, retry_delay_ * 2);
        }
    }
    space_cv_.notify_all();
    progress_cv_.notify_all();
    // New journal bytes for the upload thread: at most 4 wake-ups a second,
    // or one per transmit interval when that is shorter (it reads what
    // accumulated in one go; its own deadlines wake it too), so steady
    // logging does not pay a context switch per batch.
    if (rc == RUNLOG_OK && uploader_ && now - last_upload_wake_ >= std::min(0.25, settings_.transmit_interval)) {
        last_upload_wake_ = now;
        uploader_->wake();
    }
    if (!note.empty()) message(note_level, note);
    if (rc != RUNLOG_OK) {
        if (err) err->set(rc, std::string("cannot write the journal: ") + perr.message);
        return rc;
    }
    encoded_.clear();
    if (encoded_.capacity() > (8u << 20)) encoded_.shrink_to_fit();
    encoded_cost_ = 0;
    dirty_ = true;
    return RUNLOG_OK;
}

int Run::sync_locked(Error *err) {
    runlog_error perr = RUNLOG_ERROR_INIT;
    int rc = plugin_status(plugins_.store.sync(plugins_.store.user_data, &perr));
    const double now = plugins_.clock.monotonic_seconds(plugins_.clock.user_data);
    {
        std::lock_guard<std::mutex> lk(mu_);
        last_sync_ = now;
        if (rc == RUNLOG_OK) durable_seq_ = written_seq_;
        else {
            store_failures_++;
            store_status_ = rc;
            store_message_ = perr.message[0] ? perr.message : runlog_status_string(rc);
            retry_at_ = now + retry_delay_;
        }
    }
    progress_cv_.notify_all();
    if (rc != RUNLOG_OK) {
        if (err) err->set(rc, std::string("cannot make the journal durable: ") + perr.message);
        return rc;
    }
    dirty_ = false;
    return RUNLOG_OK;
}

void Run::apply_durability_locked() {
    if (!dirty_) return;
    bool want = false;
    double last_sync;
    {
        std::lock_guard<std::mutex> lk(mu_);
        want = flush_target_ > durable_seq_ && written_seq_ >= std::min(flush_target_, accepted_seq_);
        last_sync = last_sync_;
    }
    const double now = plugins_.clock.monotonic_seconds(plugins_.clock.user_data);
    switch (settings_.durability) {
        case RUNLOG_DURABILITY_EVERY_RECORD: want = true; break;
        case RUNLOG_DURABILITY_INTERVAL:
            want = want || now - last_sync >= settings_.fsync_interval_ms / 1000.0;
            break;
        case RUNLOG_DURABILITY_NONE: want = false; break;
        default: break;
    }
    if (want) sync_locked(nullptr);
}

size_t Run::pump_once(size_t max_items, Error *err) {
    std::lock_guard<std::mutex> pl(pump_mu_);
    std::deque<Item> batch;
    if (encoded_.size() < kMaxEncodedBeforeWrite) {
        std::lock_guard<std::mutex> lk(mu_);
        const size_t limit = max_items ? max_items : kBatchItems;
        if (queue_.size() <= limit) batch.swap(queue_);
        else
            for (size_t i = 0; i < limit; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
    }
    for (auto &item : batch) process_item(item);
    write_locked(err);
    apply_durability_locked();
    return batch.size();
}

bool Run::wait_for_work() {
    std::unique_lock<std::mutex> lk(mu_);
    bool lingered = false;
    for (;;) {
        if (stop_) return false;
        const double now = plugins_.clock.monotonic_seconds(plugins_.clock.user_data);
        const bool store_ok = store_status_ == RUNLOG_OK || now >= retry_at_;
        const bool has_items = !queue_.empty() || queued_cost_ > 0;
        const bool flush_wanted = flush_target_ > durable_seq_;
        if (store_ok && (flush_wanted || (has_items && lingered))) return true;
        if (store_ok && has_items && queued_cost_ >= settings_.queue_capacity / 4) return true;
        // Interval fsync of written data.
        const bool sync_due = settings_.durability == RUNLOG_DURABILITY_INTERVAL && written_seq_ > durable_seq_;
        double wait = -1;
        if (has_items) wait = store_ok ? kWriterLinger : retry_at_ - now;
        if (sync_due) {
            double due = last_sync_ + settings_.fsync_interval_ms / 1000.0 - now;
            if (due <= 0) return true;
            wait = wait < 0 ? due : std::min(wait, due);
        }
        if (wait < 0) {
            work_cv_.wait(lk);
        } else {
            work_cv_.wait_for(lk, std::chrono::duration<double>(std::max(wait, 0.0005)));
            lingered = true;
        }
    }
}

void Run::request_stop() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stop_ = true;
    }
    work_cv_.notify_all();
}

}  // namespace runlog
