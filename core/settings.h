// Resolving a run's settings: explicit options first, then WANDB_* variables,
// then runlog's defaults — W&B's precedence.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "json_text.h"
#include "platform.h"
#include "status.h"

namespace runlog {

enum class Mode { Online, Offline, Disabled };
enum class Resume { None, Allow, Must, Never, Auto };

struct Settings {
    std::string project = "uncategorized";
    std::string entity, name, notes, group, job_type, run_id;
    std::vector<std::string> tags;
    std::string root_dir;          // runs go to <root_dir>/runlog/
    Mode mode = Mode::Offline;
    bool online_requested = false; // asked for online; this build stores locally
    Resume resume = Resume::None;
    bool silent = false;
    json config = json::object();
    int threading = RUNLOG_THREADING_DEFAULT;
    int queue_full = RUNLOG_QUEUE_FULL_BLOCK;
    uint64_t queue_capacity = 16u << 20;
    uint64_t max_payload = 10u << 20;
    int durability = RUNLOG_DURABILITY_INTERVAL;
    uint32_t fsync_interval_ms = 1000;
    uint32_t finish_timeout_ms = 60000;

    // Online mode (options version 2).
    std::string base_url = "https://api.wandb.ai";
    std::string api_key;           // never logged, never journaled
    std::string api_key_source;    // "options", "WANDB_API_KEY", "~/.netrc" (for messages)
    std::string ca_bundle;
    std::string username;          // WANDB_USERNAME (sent as a header)
    std::string user_email;        // WANDB_USER_EMAIL (sent as a header)
    const runlog_http *http = nullptr;  // borrowed from the options until init copies it
    double transmit_interval = 15;
    uint32_t http_timeout_ms = 60000;
    uint32_t retry_max = 0;        // 0: the sender's default
    uint32_t retry_wait_min_ms = 2000;
    uint32_t retry_wait_max_ms = 60000;
    uint32_t upload_timeout_ms = 120000;
    bool mode_given = false;       // mode came from options or WANDB_MODE
    bool disk_store = true;        // runlog's own disk store (false: a host's store plug-in)
    std::string offline_reason;    // why a run that could be online is not (a hint)
};

// W&B's "host" of a base URL (scheme and path removed), as ~/.netrc names it.
std::string url_host(const std::string &url);
// Resolves the online-mode fields shared by runs and `runlog sync`: base URL,
// API key (option, WANDB_API_KEY, then the netrc entry of the host), CA
// bundle, timeouts, retries. Fields are read only when version >= 2.
struct OnlineOptions {
    const char *base_url = nullptr, *api_key = nullptr, *ca_bundle = nullptr;
    uint32_t transmit_interval_ms = 0, http_timeout_ms = 0, retry_max = 0, retry_wait_min_ms = 0,
             retry_wait_max_ms = 0, upload_timeout_ms = 0;
};
int resolve_online(const OnlineOptions &o, const Platform &p, Settings &s, Error &err);

const char *mode_name(Mode mode);
const char *resume_name(Resume resume);

// Fills out from opts (may be NULL) and the environment. Errors name the
// option or variable at fault and the values it takes.
int resolve_settings(const runlog_options *opts, const Platform &platform, Settings &out, Error &err);

}  // namespace runlog
