#include "settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

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
        s.mode_given = true;
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

    OnlineOptions online;
    if (opts->version >= 2) {
        online.base_url = opts->base_url;
        online.api_key = opts->api_key;
        online.ca_bundle = opts->ca_bundle;
        online.transmit_interval_ms = opts->transmit_interval_ms;
        online.http_timeout_ms = opts->http_timeout_ms;
        online.retry_max = opts->retry_max;
        online.retry_wait_min_ms = opts->retry_wait_min_ms;
        online.retry_wait_max_ms = opts->retry_wait_max_ms;
        online.upload_timeout_ms = opts->upload_timeout_ms;
        s.http = opts->http;
        if (s.http && (s.http->version < 1 || s.http->version > RUNLOG_HTTP_VERSION || !s.http->start))
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "options.http is incomplete: set version = RUNLOG_HTTP_VERSION and start");
    }
    if (int rc = resolve_online(online, p, s, err)) return rc;

    // W&B: online when a key is available; otherwise offline with a hint.
    const bool can_send = s.http || p.make_http;
    if (s.mode == Mode::Online || (!s.mode_given && s.mode != Mode::Disabled)) {
        if (s.api_key.empty()) {
            s.mode = Mode::Offline;
            s.offline_reason =
                s.mode_given ? "mode is online but no W&B API key was found (options.api_key, WANDB_API_KEY or "
                               "the 'machine " + url_host(s.base_url) + "' entry of ~/.netrc): recording offline; "
                               "set the key and upload this run with `runlog sync`"
                             : "no W&B API key found, so the run is recorded offline; set WANDB_API_KEY (or run "
                               "`wandb login`) to upload while training, or upload it later with `runlog sync`";
        } else if (!can_send) {
            s.mode = Mode::Offline;
            s.offline_reason = "this build has no built-in HTTP client and no options.http executor was "
                               "given: recording offline; upload it later with `runlog sync`";
        } else {
            s.mode = Mode::Online;
        }
    }
    return RUNLOG_OK;
}

std::string url_host(const std::string &url) {
    std::string rest = url;
    size_t scheme = rest.find("://");
    if (scheme != std::string::npos) rest = rest.substr(scheme + 3);
    size_t slash = rest.find('/');
    if (slash != std::string::npos) rest = rest.substr(0, slash);
    size_t at = rest.rfind('@');
    if (at != std::string::npos) rest = rest.substr(at + 1);
    return rest;
}

int resolve_online(const OnlineOptions &o, const Platform &p, Settings &s, Error &err) {
    std::string v, source;
    if (pick(o.base_url, p, "WANDB_BASE_URL", v, &source)) {
        v = trim(v);
        while (!v.empty() && v.back() == '/') v.pop_back();
        if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
            return err.set(RUNLOG_E_INVALID_ARGUMENT,
                           "base URL \"" + v + "\" (from " + source +
                               ") must start with https:// or http://, e.g. https://api.wandb.ai");
        s.base_url = v;
    }
    if (pick(o.api_key, p, "WANDB_API_KEY", v, &source)) {
        s.api_key = trim(v);
        s.api_key_source = source;
    } else if (p.netrc_password) {
        // `wandb login` writes the host with its port (urlparse().netloc).
        const std::string host = url_host(s.base_url);
        std::string key = p.netrc_password(host);
        if (key.empty() && host.find(':') != std::string::npos) key = p.netrc_password(host.substr(0, host.rfind(':')));
        if (!key.empty()) {
            s.api_key = key;
            s.api_key_source = "~/.netrc";
        }
    }
    if (!pick(o.ca_bundle, p, "REQUESTS_CA_BUNDLE", s.ca_bundle, nullptr))
        pick(nullptr, p, "SSL_CERT_FILE", s.ca_bundle, nullptr);
    pick(nullptr, p, "WANDB_USERNAME", s.username, nullptr);
    pick(nullptr, p, "WANDB_USER_EMAIL", s.user_email, nullptr);

    auto seconds_var = [&](const char *name, double &out) -> int {
        const char *e = p.getenv ? p.getenv(name) : nullptr;
        if (!e || !*e) return RUNLOG_OK;
        char *end = nullptr;
        double d = std::strtod(e, &end);
        if (end == e || *end || !(d >= 0) || d > 1e7)
            return err.set(RUNLOG_E_INVALID_ARGUMENT, std::string(name) + "=\"" + e +
                                                          "\" is not a number of seconds (e.g. 15 or 0.5)");
        out = d;
        return RUNLOG_OK;
    };
    if (o.transmit_interval_ms) s.transmit_interval = o.transmit_interval_ms / 1000.0;
    else if (int rc = seconds_var("WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL", s.transmit_interval)) return rc;
    double d = -1;
    if (o.http_timeout_ms) s.http_timeout_ms = o.http_timeout_ms;
    else if (int rc = seconds_var("WANDB_HTTP_TIMEOUT", d)) return rc;
    else if (d > 0) s.http_timeout_ms = uint32_t(d * 1000);
    if (o.retry_max) s.retry_max = o.retry_max;
    else if (const char *e = p.getenv ? p.getenv("WANDB_X_FILE_STREAM_RETRY_MAX") : nullptr; e && *e) {
        char *end = nullptr;
        unsigned long n = std::strtoul(e, &end, 10);
        if (end == e || *end || n == 0 || n > 1000000)
            return err.set(RUNLOG_E_INVALID_ARGUMENT, std::string("WANDB_X_FILE_STREAM_RETRY_MAX=\"") + e +
                                                          "\" is not a positive number of retries");
        s.retry_max = uint32_t(n);
    }
    d = -1;
    if (o.retry_wait_min_ms) s.retry_wait_min_ms = o.retry_wait_min_ms;
    else if (int rc = seconds_var("WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS", d)) return rc;
    else if (d > 0) s.retry_wait_min_ms = uint32_t(d * 1000);
    d = -1;
    if (o.retry_wait_max_ms) s.retry_wait_max_ms = o.retry_wait_max_ms;
    else if (int rc = seconds_var("WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS", d)) return rc;
    else if (d > 0) s.retry_wait_max_ms = uint32_t(d * 1000);
    if (s.retry_wait_max_ms < s.retry_wait_min_ms) s.retry_wait_max_ms = s.retry_wait_min_ms;
    if (o.upload_timeout_ms) s.upload_timeout_ms = o.upload_timeout_ms;
    return RUNLOG_OK;
}

}  // namespace runlog
