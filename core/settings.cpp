#include "settings.h"

#include <algorithm>
#include <cctype>

#include "names.h"

namespace runlog {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string trim(std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

// The explicit option if set, else the variable if set and non-empty.
bool pick(const char *option, const Platform &p, const char *var, std::string &out, std::string *source) {
    if (option) {
        out = option;
        if (source) *source = "options";
        return true;
    }
    const char *v = p.getenv ? p.getenv(var) : nullptr;
    if (v && *v) {
        out = v;
        if (source) *source = var;
        return true;
    }
    return false;
}

bool truthy(const std::string &v) {
    std::string l = lower(trim(v));
    return l == "1" || l == "true" || l == "yes" || l == "on";
}

}  // namespace

const char *mode_name(Mode mode) {
    switch (mode) {
        case Mode::Online: return "online";
        case Mode::Offline: return "offline";
        case Mode::Disabled: return "disabled";
    }
    return "offline";
}

const char *resume_name(Resume r) {
    switch (r) {
        case Resume::None: return "";
        case Resume::Allow: return "allow";
        case Resume::Must: return "must";
        case Resume::Never: return "never";
        case Resume::Auto: return "auto";
    }
    return "";
}

int resolve_settings(const runlog_options *opts, const Platform &p, Settings &s, Error &err) {
    runlog_options none = RUNLOG_OPTIONS_INIT;
    if (!opts) opts = &none;
    if (opts->version == 0)
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "runlog_options.version is 0: initialise the struct with RUNLOG_OPTIONS_INIT "
                       "or runlog_options_init()");

    std::string v, source;
    if (pick(opts->mode, p, "WANDB_MODE", v, &source)) {
        std::string m = lower(trim(v));
        if (m == "offline" || m == "dryrun") s.mode = Mode::Offline;
        else if (m == "disabled") s.mode = Mode::Disabled;
        else if (m == "online" || m == "run") {
            s.mode = Mode::Online;
            s.online_requested = true;
        } else
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "mode \"" + v + "\" (from " + source +
                               ") is not a mode runlog knows: use online, offline, disabled or dryrun");
    }
    if (pick(opts->project, p, "WANDB_PROJECT", v, &source)) {
        if (std::string why = check_project(v); !why.empty())
            return err.set(RUNLOG_E_INVALID_ARGUMENT, "project from " + source + ": " + why);
        s.project = v;
    }
    pick(opts->entity, p, "WANDB_ENTITY", s.entity, nullptr);
    pick(opts->name, p, "WANDB_NAME", s.name, nullptr);
    if (!pick(opts->notes, p, "WANDB_NOTES", s.notes, nullptr))
        pick(nullptr, p, "WANDB_DESCRIPTION", s.notes, nullptr);  // W&B's old name
    pick(opts->group, p, "WANDB_RUN_GROUP", s.group, nullptr);
    pick(opts->job_type, p, "WANDB_JOB_TYPE", s.job_type, nullptr);
    if (pick(opts->tags, p, "WANDB_TAGS", v, nullptr)) {
        size_t start = 0;
        while (start <= v.size()) {
            size_t comma = v.find(',', start);
            std::string tag = trim(v.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (!tag.empty() && std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end())
                s.tags.push_back(tag);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    if (pick(opts->run_id, p, "WANDB_RUN_ID", v, &source)) {
        if (std::string why = check_run_id(v); !why.empty())
            return err.set(RUNLOG_E_INVALID_ARGUMENT, "run id from " + source + ": " + why);
        s.run_id = v;
    }
    if (pick(opts->resume, p, "WANDB_RESUME", v, &source)) {
        std::string r = lower(trim(v));
        if (r == "allow") s.resume = Resume::Allow;
        else if (r == "must") s.resume = Resume::Must;
        else if (r == "never") s.resume = Resume::Never;
        else if (r == "auto" || r == "true" || r == "1") s.resume = Resume::Auto;
        else if (r == "false" || r == "0" || r.empty()) s.resume = Resume::None;
        else
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "resume \"" + v + "\" (from " + source +
                               ") is not a resume mode: use allow, must, never or auto");
    }
    if (s.resume == Resume::Must && s.run_id.empty())
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "resume=must needs the id of the run to continue: set WANDB_RUN_ID or "
                       "runlog_options.run_id");
    if (!pick(opts->dir, p, "WANDB_DIR", s.root_dir, nullptr)) s.root_dir = ".";

    if (opts->silent == RUNLOG_YES) s.silent = true;
    else if (opts->silent == RUNLOG_NO) s.silent = false;
    else if (const char *e = p.getenv ? p.getenv("WANDB_SILENT") : nullptr) s.silent = truthy(e);

    if (opts->config_json) {
        std::string msg;
        JsonError je = parse_json_object(opts->config_json, s.config, &msg);
        if (je != JsonError::None)
            return err.set(je == JsonError::InvalidUtf8 ? RUNLOG_E_INVALID_UTF8
                           : je == JsonError::NotObject ? RUNLOG_E_NOT_OBJECT
                                                        : RUNLOG_E_INVALID_JSON,
                           "runlog_options.config_json: " + msg);
    }

    if (opts->threading < RUNLOG_THREADING_DEFAULT || opts->threading > RUNLOG_THREADING_MANUAL)
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "runlog_options.threading is " + std::to_string(opts->threading) +
                           ": use RUNLOG_THREADING_DEFAULT, _BACKGROUND or _MANUAL");
    s.threading = opts->threading;
    if (opts->queue_full != RUNLOG_QUEUE_FULL_BLOCK && opts->queue_full != RUNLOG_QUEUE_FULL_DROP)
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "runlog_options.queue_full is " + std::to_string(opts->queue_full) +
                           ": use RUNLOG_QUEUE_FULL_BLOCK or RUNLOG_QUEUE_FULL_DROP");
    s.queue_full = opts->queue_full;
    if (opts->durability < RUNLOG_DURABILITY_INTERVAL || opts->durability > RUNLOG_DURABILITY_EVERY_RECORD)
        return err.set(RUNLOG_E_INVALID_ARGUMENT,
                       "runlog_options.durability is " + std::to_string(opts->durability) +
                           ": use one of the RUNLOG_DURABILITY_* values");
    s.durability = opts->durability;
    if (opts->queue_capacity_bytes) s.queue_capacity = opts->queue_capacity_bytes;
    if (opts->max_payload_bytes) s.max_payload = opts->max_payload_bytes;
    if (opts->fsync_interval_ms) s.fsync_interval_ms = opts->fsync_interval_ms;
    if (opts->finish_timeout_ms) s.finish_timeout_ms = opts->finish_timeout_ms;
    return RUNLOG_OK;
}

}  // namespace runlog
