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
};

const char *mode_name(Mode mode);
const char *resume_name(Resume resume);

// Fills out from opts (may be NULL) and the environment. Errors name the
// option or variable at fault and the values it takes.
int resolve_settings(const runlog_options *opts, const Platform &platform, Settings &out, Error &err);

}  // namespace runlog
