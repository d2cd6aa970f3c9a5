// `runlog sync` as a library call (runlog_sync_*): one stored run uploaded
// by an Uploader that is not live (the journal is read to its end; a run that
// never finished is closed with exit code 1 unless it is still being written).
#pragma once
#include <memory>
#include <string>

#include "platform.h"
#include "settings.h"
#include "status.h"
#include "upload/uploader.h"

namespace runlog::upload {

struct SyncTarget {
    Storage storage;
    std::string location;
    std::string run_id;
    bool live = false;
    runlog_store store{};  // version 0: none (files); else owned, destroyed at the end
};

class SyncJob {
public:
    // Takes ownership of target.store and of opts->http whatever happens.
    static int open(const runlog_sync_options &opts, SyncTarget target, const Platform &platform,
                     std::unique_ptr<SyncJob> &out, Error &err);
    ~SyncJob();
    int run(int32_t timeout_ms, runlog_sync_status *status, Error &err);

private:
    SyncJob(const Platform &platform) : platform_(platform) {}
    void message(int level, const std::string &text);
    double now() const;

    const Platform &platform_;
    SyncTarget target_;
    runlog_http http_{};
    runlog_log_fn log_fn_ = nullptr;
    void *log_user_data_ = nullptr;
    bool silent_ = false;
    std::string base_url_;
    std::unique_ptr<Uploader> uploader_;
};

}  // namespace runlog::upload
