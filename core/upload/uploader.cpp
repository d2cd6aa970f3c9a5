#include "upload/uploader.h"

#include <chrono>
#include <cmath>
#include <limits>

namespace runlog::upload {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int level_of(sender::Message::Level l) {
    switch (l) {
        case sender::Message::Level::Info: return RUNLOG_LEVEL_DEBUG;  // retries: quiet unless asked
        case sender::Message::Level::Warning: return RUNLOG_LEVEL_WARN;
        case sender::Message::Level::Error: return RUNLOG_LEVEL_ERROR;
    }
    return RUNLOG_LEVEL_INFO;
}

int32_t state_code(sender::State s) {
    switch (s) {
        case sender::State::WaitingForRun:
        case sender::State::Viewer:
        case sender::State::Creating: return RUNLOG_UPLOAD_CONNECTING;
        case sender::State::Streaming: return RUNLOG_UPLOAD_STREAMING;
        case sender::State::Done: return RUNLOG_UPLOAD_DONE;
        case sender::State::GaveUp: return RUNLOG_UPLOAD_GAVE_UP;
        case sender::State::Failed: return RUNLOG_UPLOAD_FAILED;
    }
    return RUNLOG_UPLOAD_CONNECTING;
}

}  // namespace

sender::Settings sender_settings(const Settings &s, const Platform &platform) {
    sender::Settings ss;
    ss.base_url = s.base_url;
    ss.api_key = s.api_key;
    ss.user_agent = std::string("runlog/") + RUNLOG_VERSION_STRING;
    ss.client_version = RUNLOG_VERSION_STRING;
    ss.transmit_interval = s.transmit_interval;
    ss.retry_wait_min = s.retry_wait_min_ms / 1000.0;
    ss.retry_wait_max = s.retry_wait_max_ms / 1000.0;
    if (s.retry_max) {
        ss.file_stream_max_retries = int(s.retry_max);
        ss.graphql_max_retries = int(std::min<uint32_t>(s.retry_max, uint32_t(ss.graphql_max_retries)));
    }
    uint8_t seed[8];
    platform.random_bytes(seed, sizeof seed);
    ss.rng_seed = 0;
    for (uint8_t b : seed) ss.rng_seed = ss.rng_seed << 8 | b;
    if (!s.username.empty()) ss.graphql_headers.emplace_back("X-WANDB-USERNAME", s.username);
    if (!s.user_email.empty()) ss.graphql_headers.emplace_back("X-WANDB-USER-EMAIL", s.user_email);
    return ss;
}

std::string format_headers(const sender::Headers &headers) {
    std::string out;
    for (const auto &h : headers) {
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
    return out;
}

sender::Headers parse_headers(const char *text) {
    sender::Headers out;
    if (!text) return out;
    std::string_view rest(text);
    while (!rest.empty()) {
        size_t eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        out.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return out;
}

void complete(runlog_http_call *call, Answer answer) {
    std::shared_ptr<Mailbox> box = std::move(call->box);
    const uint64_t id = call->id;
    delete call;
    if (!box) return;
    std::function<void()> notify;
    {
        std::lock_guard<std::mutex> lk(box->mu);
        if (box->waiting_for != id) return;  // the uploader stopped waiting for it
        box->answer = std::move(answer);
        box->waiting_for = 0;
        notify = box->notify;
    }
    box->cv.notify_all();
    if (notify) notify();
}

Answer perform_blocking(const runlog_http &http, const std::string &url, const sender::Headers &headers,
                        const std::string &body, uint32_t timeout_ms) {
    auto box = std::make_shared<Mailbox>();
    box->waiting_for = 1;
    const std::string head = format_headers(headers);
    runlog_http_request hr{};
    hr.version = RUNLOG_HTTP_REQUEST_VERSION;
    hr.method = "POST";
    hr.url = url.c_str();
    hr.headers = head.c_str();
    hr.body = reinterpret_cast<const uint8_t *>(body.data());
    hr.body_len = body.size();
    hr.timeout_ms = timeout_ms;
    auto *call = new runlog_http_call{box, 1};
    runlog_error err = RUNLOG_ERROR_INIT;
    if (!http.start || http.start(http.user_data, &hr, call, &err) != RUNLOG_OK) {
        delete call;
        return Answer{0, {}, {}, err.message[0] ? err.message : "the HTTP executor could not start the request"};
    }
    std::unique_lock<std::mutex> lk(box->mu);
    box->cv.wait_for(lk, std::chrono::milliseconds(uint64_t(timeout_ms) + 1000), [&] { return box->answer.has_value(); });
    if (!box->answer) {
        box->waiting_for = 0;  // a late answer only frees its call
        return Answer{0, {}, {}, "no answer within " + std::to_string(timeout_ms / 1000) + " s"};
    }
    return std::move(*box->answer);
}

bool parse_progress(const std::string &text, sender::Progress &out, std::string &why) {
    json j;
    std::string msg;
    if (parse_json_value(text, j, &msg) != JsonError::None) {
        why = "not JSON: " + msg;
        return false;
    }
    return sender::Progress::from_json(j, out, &why);
}

Uploader::Uploader(Storage storage, const runlog_http &http, Options options, Log log)
    : storage_(std::move(storage)), http_(http), opt_(std::move(options)), log_(std::move(log)),
      box_(std::make_shared<Mailbox>()) {
    sender::Progress progress;
    bool have_progress = false;
    std::string text;
    if (storage_.load_progress && storage_.load_progress(text)) {
        std::string why;
        if (parse_progress(text, progress, why)) have_progress = true;
        else if (log_)
            log_(RUNLOG_LEVEL_WARN, "upload progress file is unreadable (" + why +
                                        "): uploading the whole run again (the server overwrites, nothing "
                                        "is duplicated)");
    }
    // Without saved progress the upload still starts at history line 0: a run
    // partly uploaded before is overwritten line by line, never appended twice.
    if (!have_progress && opt_.append_to_server_run) sender_ = std::make_unique<sender::Sender>(opt_.sender);
    else sender_ = std::make_unique<sender::Sender>(opt_.sender, progress);
    start_lines_ = progress.history_lines;
    saved_generation_ = sender_->progress_generation();
    reader_ = std::make_unique<journal::Reader>([this](uint64_t off, uint8_t *buf, size_t cap) -> long long {
        const uint64_t limit = storage_.readable();
        if (off >= limit) return 0;
        if (cap > limit - off) cap = size_t(limit - off);
        return storage_.read(off, buf, cap);
    });
    publish();
}

Uploader::~Uploader() {
    std::lock_guard<std::mutex> lk(box_->mu);
    box_->waiting_for = 0;  // a late answer only frees its call
    box_->notify = nullptr;
}

// Reads records while the sender has room. True if anything was fed.
bool Uploader::feed() {
    if (reader_broken_) return false;
    bool fed = false;
    if (reader_at_end_) {
        const uint64_t now_readable = storage_.readable();
        if (now_readable <= reader_seen_) return false;
        reader_->continue_after_end();
        reader_at_end_ = false;
    }
    journal::Record rec;
    while (sender_->pending_bytes() < opt_.max_pending_bytes) {
        if (!reader_->next(rec)) {
            const auto &sum = reader_->summary();
            if (sum.reason == journal::StopReason::End || sum.reason == journal::StopReason::TornTail) {
                reader_at_end_ = true;
                // What the reader actually saw, not what was readable when
                // this loop started: it may have stopped at the end of a
                // block it loaded earlier, with more bytes behind it now.
                reader_seen_ = sum.reason == journal::StopReason::End ? sum.good_offset
                                                                      : sum.stop_offset + sum.bytes_after;
                if (!opt_.live && !saw_exit_ && !synthesized_exit_ && opt_.close_unfinished &&
                    !sender_->model().run_info.empty()) {
                    // W&B's sync marks a run that never finished as failed.
                    journal::Record exit;
                    exit.kind = journal::RecordKind::Exit;
                    exit.offset = sum.good_offset;
                    json e = {{"exit_code", 1}, {"runtime", last_record_runtime_}, {"synthesized", true}};
                    exit.json = to_json_text(e);
                    sender_->on_record(exit);
                    synthesized_exit_ = true;
                    fed = true;
                    if (log_)
                        log_(RUNLOG_LEVEL_WARN, "the run never reached finish (the process stopped): "
                                                "closing it on the server with exit code 1");
                }
            } else {
                reader_broken_ = true;
                if (log_)
                    log_(RUNLOG_LEVEL_ERROR, std::string("the journal cannot be read past offset ") +
                                                 std::to_string(sum.stop_offset) + " (" + sum.detail +
                                                 "): uploading what comes before it; `runlog verify` tells more");
                if (!opt_.live && !saw_exit_ && !synthesized_exit_ && opt_.close_unfinished) {
                    journal::Record exit;
                    exit.kind = journal::RecordKind::Exit;
                    exit.offset = sum.good_offset;
                    exit.json = to_json_text(json{{"exit_code", 1}, {"runtime", last_record_runtime_}});
                    sender_->on_record(exit);
                    synthesized_exit_ = true;
                }
            }
            break;
        }
        if (rec.kind == journal::RecordKind::Exit) saw_exit_ = true;
        if (rec.kind == journal::RecordKind::Resume) saw_exit_ = false;
        if (rec.kind == journal::RecordKind::History) {
            rows_read_++;
            // _runtime of the last row, for a synthesized exit.
            size_t p = rec.json.find("\"_runtime\":");
            if (p != std::string::npos) last_record_runtime_ = std::strtod(rec.json.c_str() + p + 11, nullptr);
        }
        sender_->on_record(rec);
        fed = true;
    }
    return fed;
}

bool Uploader::take_answer(double now) {
    std::optional<Answer> a;
    {
        std::lock_guard<std::mutex> lk(box_->mu);
        if (!box_->answer) return false;
        a = std::move(box_->answer);
        box_->answer.reset();
    }
    // The executor's own words may echo request headers: the key never shows.
    a->error = sender::redact_key(std::move(a->error), opt_.sender.api_key);
    requests_++;
    if (a->status <= 0) {
        if (!transport_error_reported_ && log_) {
            log_(RUNLOG_LEVEL_WARN, "cannot reach " + opt_.sender.base_url + ": " +
                                        (a->error.empty() ? std::string("no answer") : a->error) +
                                        (a->status != 0 ? ""
                                         : opt_.live ? "; retrying in the background (training goes on, rows "
                                                       "stay in the journal)"
                                                     : "; retrying with backoff"));
            transport_error_reported_ = true;
        }
        sender_->on_response(a->status, a->headers, a->error, now);
    } else {
        if (transport_error_reported_ && a->status < 500 && log_) {
            log_(RUNLOG_LEVEL_INFO, "reached " + opt_.sender.base_url + " again");
            transport_error_reported_ = false;
        }
        sender_->on_response(a->status, a->headers, a->body, now);
    }
    return true;
}

bool Uploader::start_request(double now) {
    {
        std::lock_guard<std::mutex> lk(box_->mu);
        if (box_->waiting_for != 0 || box_->answer) return false;
    }
    if (sender_->in_flight()) return false;
    std::optional<sender::HttpRequest> req = sender_->next_request(now);
    if (!req) return false;
    const uint64_t id = next_id_++;
    {
        std::lock_guard<std::mutex> lk(box_->mu);
        box_->waiting_for = id;
    }
    const std::string headers = format_headers(req->headers);
    runlog_http_request hr{};
    hr.version = RUNLOG_HTTP_REQUEST_VERSION;
    hr.method = req->method.c_str();
    hr.url = req->url.c_str();
    hr.headers = headers.c_str();
    hr.body = reinterpret_cast<const uint8_t *>(req->body.data());
    hr.body_len = req->body.size();
    hr.timeout_ms = opt_.http_timeout_ms;
    auto *call = new runlog_http_call{box_, id};
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = http_.start ? http_.start(http_.user_data, &hr, call, &err) : RUNLOG_E_INVALID_ARGUMENT;
    if (rc != RUNLOG_OK) {
        // The executor did not take it: it must not complete the call.
        delete call;
        std::lock_guard<std::mutex> lk(box_->mu);
        box_->waiting_for = 0;
        box_->answer = Answer{0, {}, {}, err.message[0] ? err.message : "the HTTP executor could not start the request"};
    }
    return true;
}

void Uploader::save_progress(double now, bool force) {
    const uint64_t gen = sender_->progress_generation();
    if (gen == saved_generation_) return;
    if (!force && now - last_save_ < opt_.progress_interval) return;
    if (!storage_.save_progress) return;
    std::string why;
    if (storage_.save_progress(to_json_text(sender_->acked()), why)) {
        saved_generation_ = gen;
        last_save_ = now;
        progress_error_reported_ = false;
    } else {
        last_save_ = now;  // try again after the interval
        if (!progress_error_reported_ && log_)
            log_(RUNLOG_LEVEL_WARN, "cannot save upload progress (" + why +
                                        "): a later sync will resend what was uploaded (the server overwrites it)");
        progress_error_reported_ = true;
    }
}

void Uploader::drain_messages() {
    for (auto &m : sender_->take_messages())
        if (log_) log_(level_of(m.level), m.text);
}

double Uploader::step(double now) {
    for (int round = 0; round < 64; ++round) {
        bool progress = false;
        progress |= take_answer(now);
        progress |= feed();
        if (sender_->finished()) break;
        progress |= start_request(now);
        if (!progress) break;
    }
    const bool done = sender_->finished() && !(sender_->state() == sender::State::Done && !final_ && opt_.live);
    save_progress(now, done || sender_->state() != sender::State::Streaming);
    drain_messages();
    publish();
    if (sender_->finished()) return kInf;
    // More journal to read once the sender drains: poll soon.
    bool waiting_answer;
    {
        std::lock_guard<std::mutex> lk(box_->mu);
        waiting_answer = box_->waiting_for != 0 || box_->answer.has_value();
    }
    double next = waiting_answer ? kInf : sender_->next_deadline();
    if (!reader_at_end_ && !reader_broken_) next = std::min(next, now + 0.05);
    if (sender_->progress_generation() != saved_generation_) next = std::min(next, last_save_ + opt_.progress_interval);
    return next;
}

void Uploader::wait(double seconds) {
    std::unique_lock<std::mutex> lk(box_->mu);
    if (box_->woken || box_->answer) {
        box_->woken = false;
        return;
    }
    if (!(seconds > 0)) return;
    auto pred = [&] { return box_->woken || box_->answer.has_value(); };
    if (std::isinf(seconds) || seconds > 3600) box_->cv.wait_for(lk, std::chrono::seconds(3600), pred);
    else box_->cv.wait_for(lk, std::chrono::duration<double>(seconds), pred);
    box_->woken = false;
}

void Uploader::wake() {
    {
        std::lock_guard<std::mutex> lk(box_->mu);
        box_->woken = true;
    }
    box_->cv.notify_all();
}

void Uploader::set_final() {
    final_ = true;
    wake();
}

bool Uploader::finished() const {
    std::lock_guard<std::mutex> lk(snap_mu_);
    return snap_.finished;
}

Snapshot Uploader::snapshot() const {
    std::lock_guard<std::mutex> lk(snap_mu_);
    return snap_;
}

void Uploader::publish() {
    Snapshot s;
    s.state = state_code(sender_->state());
    // Done while the journal may still grow (a live run that was continued
    // after its exit) is not finished yet.
    s.finished = sender_->finished() && (sender_->state() != sender::State::Done || final_ || !opt_.live);
    // Not live, no exit record and not closing it (a run still being
    // written, or --no-close): done once everything read is acknowledged.
    if (!opt_.live && !s.finished && (reader_at_end_ || reader_broken_) && !saw_exit_ && !synthesized_exit_ &&
        sender_->caught_up()) {
        s.finished = true;
        s.state = RUNLOG_UPLOAD_STREAMING;  // uploaded so far; the run stays open on the server
    }
    // An unreadable journal ends the upload once nothing more can be sent.
    if (reader_broken_ && (final_ || !opt_.live) && !sender_->in_flight() && !sender_->finished()) {
        s.finished = true;
        s.state = RUNLOG_UPLOAD_GAVE_UP;
        s.error = "the journal cannot be read to its end: `runlog verify` shows where it is damaged";
    }
    if (s.state == RUNLOG_UPLOAD_DONE && !s.finished) s.state = RUNLOG_UPLOAD_STREAMING;
    s.rows_read = rows_read_;
    s.rows_uploaded = sender_->progress().history_lines;
    s.rows_sent = s.rows_uploaded > start_lines_ ? s.rows_uploaded - start_lines_ : 0;
    s.requests = requests_;
    s.retries = sender_->retries();
    s.pending_bytes = sender_->pending_bytes();
    s.error = sender_->error();
    std::lock_guard<std::mutex> lk(snap_mu_);
    snap_ = std::move(s);
}

}  // namespace runlog::upload
