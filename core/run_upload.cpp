// Online mode for a Run: the uploader reads the run's own journal back through
// the store (journal first: the network never sees a row the disk has not)
// and sends it with the run's HTTP executor.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "run.h"
#include "upload/resume_status.h"
#include "upload/store_storage.h"
#include "upload/uploader.h"

namespace runlog {

int Run::prepare_http(Error &err) {
    Settings &s = settings_;
    s.http = nullptr;  // plugins_.http holds the copy made at init
    if (!plugins_.http.start && platform_.make_http) {
        platform_.make_http(s.ca_bundle, std::string("runlog/") + RUNLOG_VERSION_STRING,
                            [this](const std::string &w) { message(RUNLOG_LEVEL_WARN, w); }, &plugins_.http);
    }
    if (!plugins_.http.start)
        return err.set(RUNLOG_E_INVALID_ARGUMENT, "online mode needs an HTTP executor: pass options.http");
    return RUNLOG_OK;
}

int Run::check_server_resume(Error &err) {
    if (int rc = prepare_http(err)) return rc;
    const Settings &s = settings_;
    const sender::Headers headers = {{"Authorization", "Basic " + sender::base64("api:" + s.api_key)},
                                     {"Content-Type", "application/json"},
                                     {"User-Agent", std::string("runlog/") + RUNLOG_VERSION_STRING}};
    const std::string body = upload::resume_status_body(s.entity, s.project, s.run_id);
    std::string why;
    upload::Answer a;
    for (int attempt = 0; attempt < 3; ++attempt) {  // transient failures: a short retry, init must not hang
        a = upload::perform_blocking(plugins_.http, s.base_url + "/graphql", headers, body,
                                     std::min<uint32_t>(s.http_timeout_ms, 30000));
        if (a.status > 0 && a.status != 429 && a.status < 500) break;
        if (a.status < 0) break;
        if (attempt < 2) std::this_thread::sleep_for(std::chrono::milliseconds(500 << attempt));
    }
    auto server_run = std::make_unique<upload::ServerRun>();
    bool known = false;
    if (a.status == 200) {
        known = upload::parse_resume_status(a.body, *server_run, why);
    } else if (a.status <= 0) {
        why = "cannot reach " + s.base_url + ": " + sender::redact_key(a.error, s.api_key);
    } else if (a.status == 401) {
        why = "the server rejected the API key (HTTP 401); check WANDB_API_KEY or the 'machine " + url_host(s.base_url) +
              "' entry of ~/.netrc";
    } else {
        why = "HTTP " + std::to_string(a.status);
    }
    if (!known) {
        why = "cannot ask " + s.base_url + " whether run " + s.run_id + " exists (" + why + ")";
        if (s.resume == Resume::Must)
            return err.set(a.status == 401 ? RUNLOG_E_REFUSED : RUNLOG_E_NETWORK,
                           why + ": resume is \"must\", so runlog will not start without knowing; fix the "
                                 "connection, or use resume \"allow\"");
        message(RUNLOG_LEVEL_WARN, why + ": going by the local runs only");
        return RUNLOG_OK;
    }
    if (s.resume == Resume::Never && server_run->exists)
        return err.set(RUNLOG_E_EXISTS, "run " + s.run_id + " already exists on " + s.base_url +
                                            " and resume is \"never\": use a new run id, or set WANDB_RESUME=allow "
                                            "to continue it");
    server_run_ = std::move(server_run);
    return RUNLOG_OK;
}

int Run::start_upload(Error &err) {
    Settings &s = settings_;
    if (int rc = prepare_http(err)) return rc;

    upload::Storage st = upload::store_storage(plugins_.store, &pump_mu_, [this] { return readable_bytes_.load(); });

    upload::Options o;
    o.sender = upload::sender_settings(s, platform_);
    o.http_timeout_ms = s.http_timeout_ms;
    o.live = true;
    o.append_to_server_run = journal_created_ && server_run_ && server_run_->exists;
    uploader_ = std::make_unique<upload::Uploader>(std::move(st), plugins_.http, std::move(o),
                                                   [this](int level, const std::string &text) {
                                                       // After finish stopped waiting, the request it
                                                       // cancelled is not news.
                                                       if (upload_stop_.load() && level < RUNLOG_LEVEL_ERROR) return;
                                                       message(level, text);
                                                   });
    return RUNLOG_OK;
}

double Run::upload_step() {
    std::lock_guard<std::mutex> lk(upload_mu_);
    if (!uploader_) return INFINITY;
    const double now = plugins_.clock.monotonic_seconds(plugins_.clock.user_data);
    const double next = uploader_->step(now);
    return next - now;
}

void Run::upload_wait(double seconds) {
    if (uploader_ && !upload_stop_.load()) uploader_->wait(seconds);
}

void Run::stop_upload() {
    upload_stop_.store(true);
    if (plugins_.http.cancel) plugins_.http.cancel(plugins_.http.user_data);  // a request in flight ends now
    if (uploader_) uploader_->wake();
}

void Run::finish_upload() {
    uploader_->set_final();
    const double start = plugins_.clock.monotonic_seconds(plugins_.clock.user_data);
    const bool forever = settings_.upload_timeout_ms == UINT32_MAX;
    const double limit = settings_.upload_timeout_ms / 1000.0;
    for (;;) {
        double wait;
        if (background_) {
            wait = 0.02;  // the upload thread does the work; check on it
        } else {
            wait = upload_step();
        }
        if (uploader_->finished()) break;
        const double elapsed = plugins_.clock.monotonic_seconds(plugins_.clock.user_data) - start;
        if (!forever && elapsed >= limit) break;
        if (!forever) wait = std::min(wait, limit - elapsed);
        wait = std::max(0.001, std::min(wait, background_ ? 0.02 : 1.0));
        if (background_) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
        else uploader_->wait(wait);
    }
    const upload::Snapshot u = uploader_->snapshot();
    if (!u.finished) {
        upload_stop_.store(true);
        if (plugins_.http.cancel) plugins_.http.cancel(plugins_.http.user_data);
        uploader_->wake();
    }
    if (u.state == RUNLOG_UPLOAD_DONE) {
        message(RUNLOG_LEVEL_INFO, "Uploaded run " + settings_.run_id + " to " + settings_.base_url + ": " +
                                       std::to_string(u.rows_uploaded) + " rows, summary, config and exit code");
    } else if (!u.finished) {
        message(RUNLOG_LEVEL_WARN,
                "the upload did not finish within " + std::to_string(settings_.upload_timeout_ms / 1000) +
                    " s (" + std::to_string(u.rows_uploaded) + " of " + std::to_string(model_.rows) +
                    " rows on the server): the run is complete in " + location_ +
                    "; upload the rest with `runlog sync " + location_ + "`");
    }
    // GaveUp / Failed: the uploader already said why and how to sync.
}

}  // namespace runlog
