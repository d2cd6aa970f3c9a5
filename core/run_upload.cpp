// Online mode for a Run: the uploader reads the run's own journal back through
// the store (journal first: the network never sees a row the disk has not)
// and sends it with the run's HTTP executor.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "run.h"
#include "upload/uploader.h"

namespace runlog {

namespace {
constexpr const char *kProgressFile = "sync-progress.json";
}

sender::Settings sender_settings(const Settings &s, uint64_t seed) {
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
    ss.rng_seed = seed;
    return ss;
}

int Run::start_upload(Error &err) {
    Settings &s = settings_;
    s.http = nullptr;  // plugins_.http holds the copy made at init
    if (!plugins_.http.start && platform_.make_http) {
        platform_.make_http(s.ca_bundle, std::string("runlog/") + RUNLOG_VERSION_STRING,
                            [this](const std::string &w) { message(RUNLOG_LEVEL_WARN, w); }, &plugins_.http);
    }
    if (!plugins_.http.start)
        return err.set(RUNLOG_E_INVALID_ARGUMENT, "online mode needs an HTTP executor: pass options.http");

    upload::Storage st;
    st.read = [this](uint64_t off, uint8_t *buf, size_t cap) -> long long {
        std::lock_guard<std::mutex> pl(pump_mu_);
        size_t n = 0;
        runlog_error e = RUNLOG_ERROR_INIT;
        int rc = plugins_.store.read(plugins_.store.user_data, off, buf, cap, &n, &e);
        return rc ? -1 : (long long)n;
    };
    st.readable = [this] { return readable_bytes_.load(); };
    st.load_progress = [this](std::string &text) {
        if (plugins_.store.version < 2 || !plugins_.store.read_file) return false;
        std::lock_guard<std::mutex> pl(pump_mu_);
        runlog_buf buf{nullptr, 0};
        runlog_error e = RUNLOG_ERROR_INIT;
        int rc = plugins_.store.read_file(plugins_.store.user_data, kProgressFile, &buf, &e);
        if (rc == RUNLOG_OK && buf.data) text.assign(buf.data, buf.size);
        std::free(buf.data);
        return rc == RUNLOG_OK;
    };
    st.save_progress = [this](const std::string &text, std::string &why) {
        std::lock_guard<std::mutex> pl(pump_mu_);
        runlog_error e = RUNLOG_ERROR_INIT;
        int rc = plugins_.store.write_file(plugins_.store.user_data, kProgressFile,
                                           reinterpret_cast<const uint8_t *>(text.data()), text.size(), &e);
        if (rc) why = e.message[0] ? e.message : runlog_status_string(rc);
        return rc == RUNLOG_OK;
    };

    upload::Options o;
    uint8_t seed[8];
    platform_.random_bytes(seed, sizeof seed);
    uint64_t seed64 = 0;
    std::memcpy(&seed64, seed, sizeof seed64);
    o.sender = sender_settings(s, seed64);
    o.http_timeout_ms = s.http_timeout_ms;
    o.live = true;
    uploader_ = std::make_unique<upload::Uploader>(std::move(st), plugins_.http, std::move(o),
                                                   [this](int level, const std::string &text) { message(level, text); });
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
