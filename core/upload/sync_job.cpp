#include "upload/sync_job.h"

#include <cmath>
#include <cstring>

namespace runlog::upload {

int SyncJob::open(const runlog_sync_options &o, SyncTarget target, const Platform &platform,
                  std::unique_ptr<SyncJob> &out, Error &err) {
    std::unique_ptr<SyncJob> job(new SyncJob(platform));
    job->target_ = std::move(target);
    if (o.http) job->http_ = *o.http;
    job->log_fn_ = o.log_fn;
    job->log_user_data_ = o.log_user_data;
    if (o.silent == RUNLOG_YES) job->silent_ = true;
    else if (o.silent == RUNLOG_NO) job->silent_ = false;
    else if (const char *e = platform.getenv ? platform.getenv("WANDB_SILENT") : nullptr)
        job->silent_ = *e && std::strcmp(e, "0") != 0 && std::strcmp(e, "false") != 0;

    Settings s;
    OnlineOptions online;
    online.base_url = o.base_url;
    online.api_key = o.api_key;
    online.ca_bundle = o.ca_bundle;
    online.http_timeout_ms = o.http_timeout_ms;
    online.retry_max = o.retry_max;
    online.retry_wait_min_ms = o.retry_wait_min_ms;
    online.retry_wait_max_ms = o.retry_wait_max_ms;
    if (int rc = resolve_online(online, platform, s, err)) return rc;
    if (s.api_key.empty())
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "no W&B API key to sync with: set WANDB_API_KEY, pass the key, or add a 'machine " +
                           url_host(s.base_url) + "' entry to ~/.netrc (`wandb login` writes it)");
    job->base_url_ = s.base_url;
    if (!job->http_.start) {
        if (!platform.make_http)
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "this build has no built-in HTTP client: pass runlog_sync_options.http");
        platform.make_http(s.ca_bundle, std::string("runlog/") + RUNLOG_VERSION_STRING,
                           [j = job.get()](const std::string &w) { j->message(RUNLOG_LEVEL_WARN, w); }, &job->http_);
    }

    Options uo;
    s.transmit_interval = 0;  // nothing to wait for: send as fast as the server takes it
    uo.sender = sender_settings(s, platform);
    if (o.entity && *o.entity) uo.sender.entity = o.entity;
    if (o.project && *o.project) uo.sender.project = o.project;
    if (o.new_run_id && *o.new_run_id) uo.sender.run_id = o.new_run_id;
    uo.http_timeout_ms = s.http_timeout_ms;
    uo.live = false;
    uo.close_unfinished = o.close_unfinished != RUNLOG_NO && !job->target_.live;
    if (job->target_.live)
        job->message(RUNLOG_LEVEL_INFO, "run " + job->target_.run_id + " is still being written: uploading what "
                                        "is there now; sync again later for the rest");
    SyncJob *self = job.get();
    job->uploader_ = std::make_unique<Uploader>(job->target_.storage, job->http_, std::move(uo),
                                                [self](int level, const std::string &t) { self->message(level, t); });
    out = std::move(job);
    return RUNLOG_OK;
}

SyncJob::~SyncJob() {
    uploader_.reset();
    if (http_.destroy) http_.destroy(http_.user_data);
    if (target_.store.destroy) target_.store.destroy(target_.store.user_data);
}

void SyncJob::message(int level, const std::string &text) {
    if (silent_ && level < RUNLOG_LEVEL_ERROR) return;
    if (level == RUNLOG_LEVEL_DEBUG) return;
    if (log_fn_) log_fn_(log_user_data_, level, text.c_str());
    else if (platform_.default_log) platform_.default_log(level, text.c_str());
}

double SyncJob::now() const {
    const runlog_clock &c = platform_.clock;
    return c.monotonic_seconds(c.user_data);
}

int SyncJob::run(int32_t timeout_ms, runlog_sync_status *status, Error &err) {
    const double start = now();
    const double limit = timeout_ms < 0 ? INFINITY : timeout_ms / 1000.0;
    for (;;) {
        const double t = now();
        const double next = uploader_->step(t);
        if (uploader_->finished()) break;
        const double elapsed = now() - start;
        if (elapsed >= limit) break;
        double wait = std::min(next - now(), limit - elapsed);
        uploader_->wait(std::max(0.0, std::min(wait, 1.0)));
    }
    const Snapshot s = uploader_->snapshot();
    if (status) {
        runlog_sync_status st = RUNLOG_SYNC_STATUS_INIT;
        st.state = s.state;
        st.finished = s.finished ? 1 : 0;
        st.rows_total = s.rows_read;
        st.rows_uploaded = s.rows_uploaded;
        st.rows_sent = s.rows_sent;
        st.requests = s.requests;
        st.retries = s.retries;
        st.version = status->version ? std::min<uint32_t>(status->version, RUNLOG_SYNC_STATUS_VERSION) : 1;
        *status = st;
    }
    if (s.finished && s.state == RUNLOG_UPLOAD_FAILED)
        return err.set(RUNLOG_E_REFUSED, s.error.empty() ? "the server refused the upload" : s.error);
    if (s.finished && s.state == RUNLOG_UPLOAD_GAVE_UP)
        return err.set(RUNLOG_E_NETWORK, s.error.empty() ? "the upload gave up" : s.error);
    return RUNLOG_OK;
}

}  // namespace runlog::upload
