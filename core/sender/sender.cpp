#include "sender.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace runlog::sender {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const char *kViewerQuery =
    "query Viewer {\n\tviewer {\n\t\tid\n\t\tentity\n\t\tusername\n\t\temail\n\t\tflags\n"
    "\t\tteams {\n\t\t\tedges {\n\t\t\t\tnode {\n\t\t\t\t\tname\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n";

// The text wandb-core sends (core/api/graphql/mutation_run.graphql).
const char *kUpsertQuery =
    "mutation UpsertBucket ($id: String, $name: String, $project: String, $entity: String, "
    "$groupName: String, $description: String, $displayName: String, $notes: String, $commit: String, "
    "$config: JSONString, $host: String, $debug: Boolean, $program: String, $repo: String, "
    "$jobType: String, $state: String, $sweep: String, $tags: [String!], $summaryMetrics: JSONString) {\n"
    "\tupsertBucket(input: {id:$id,name:$name,groupName:$groupName,modelName:$project,entityName:$entity,"
    "description:$description,displayName:$displayName,notes:$notes,config:$config,commit:$commit,"
    "host:$host,debug:$debug,jobProgram:$program,jobRepo:$repo,jobType:$jobType,state:$state,"
    "sweep:$sweep,tags:$tags,summaryMetrics:$summaryMetrics}) {\n"
    "\t\tbucket {\n\t\t\tid\n\t\t\tname\n\t\t\tdisplayName\n\t\t\tdescription\n\t\t\tconfig\n"
    "\t\t\tsweepName\n\t\t\tproject {\n\t\t\t\tid\n\t\t\t\tname\n\t\t\t\tentity {\n\t\t\t\t\tid\n"
    "\t\t\t\t\tname\n\t\t\t\t}\n\t\t\t}\n\t\t\thistoryLineCount\n\t\t}\n\t\tinserted\n\t}\n}\n";

std::string str_or_empty(const json &j, const char *key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json null_if_empty(const std::string &s) { return s.empty() ? json(nullptr) : json(s); }

const json *at(const json &j, std::initializer_list<const char *> path) {
    const json *node = &j;
    for (const char *k : path) {
        if (!node->is_object()) return nullptr;
        auto it = node->find(k);
        if (it == node->end()) return nullptr;
        node = &*it;
    }
    return node;
}

uint64_t splitmix64(uint64_t &state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::string host_of(const std::string &url) {
    size_t start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    size_t end = url.find_first_of("/?#", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The error text of a W&B answer: GraphQL errors, {"error": ...}, or the body.
std::string server_message(const std::string &body) {
    json j;
    if (parse_json_value(body, j, nullptr) == JsonError::None && j.is_object()) {
        std::string out;
        if (auto it = j.find("errors"); it != j.end() && it->is_array()) {
            for (const auto &e : *it) {
                std::string m = e.is_object() ? str_or_empty(e, "message") : (e.is_string() ? e.get<std::string>() : "");
                if (m.empty()) continue;
                if (!out.empty()) out += "; ";
                out += m;
            }
            if (!out.empty()) return out;
        }
        if (auto it = j.find("error"); it != j.end()) {
            if (it->is_string()) return it->get<std::string>();
            if (it->is_object()) return str_or_empty(*it, "message");
        }
    }
    std::string s = body.substr(0, 200);
    for (char &c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

}  // namespace

const char *state_name(State s) {
    switch (s) {
        case State::WaitingForRun: return "waiting-for-run";
        case State::Viewer: return "viewer";
        case State::Creating: return "creating";
        case State::Streaming: return "streaming";
        case State::Done: return "done";
        case State::GaveUp: return "gave-up";
        case State::Failed: return "failed";
    }
    return "unknown";
}

std::string base64(std::string_view in) {
    static const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += tbl[v & 63];
    }
    if (i + 1 == in.size()) {
        uint32_t v = uint8_t(in[i]) << 16;
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string url_path_escape(std::string_view in) {
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::optional<double> parse_retry_after(std::string_view value) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty() || value.size() > 15) return std::nullopt;
    double v = 0;
    bool dot = false, digits = false;
    double scale = 1;
    for (char c : value) {
        if (c >= '0' && c <= '9') {
            digits = true;
            if (dot) {
                scale /= 10;
                v += (c - '0') * scale;
            } else {
                v = v * 10 + (c - '0');
            }
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            return std::nullopt;  // an HTTP date: not handled (the sender has no wall clock)
        }
    }
    if (!digits) return std::nullopt;
    return v;
}

// --- Progress --------------------------------------------------------------

json Progress::to_json() const {
    return json{{"version", 1},
                {"history_lines", history_lines},
                {"records_offset", records_offset},
                {"skipped_lines", skipped_lines},
                {"summary_sent", summary_sent},
                {"complete", complete},
                {"storage_id", storage_id},
                {"entity", entity},
                {"project", project},
                {"run_id", run_id},
                {"display_name", display_name}};
}

bool Progress::from_json(const json &j, Progress &out, std::string *error) {
    auto bad = [&](const char *why) {
        if (error) *error = std::string("sync progress: ") + why;
        return false;
    };
    if (!j.is_object()) return bad("not a JSON object");
    auto v = j.find("version");
    if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != 1)
        return bad("missing or unsupported \"version\" (this build reads version 1)");
    Progress p;
    auto u64 = [&](const char *k, uint64_t &dst) {
        auto it = j.find(k);
        if (it == j.end()) return true;
        if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) return false;
        dst = it->get<uint64_t>();
        return true;
    };
    if (!u64("history_lines", p.history_lines) || !u64("records_offset", p.records_offset) ||
        !u64("skipped_lines", p.skipped_lines))
        return bad("a count is not a non-negative integer");
    if (auto it = j.find("summary_sent"); it != j.end() && it->is_boolean()) p.summary_sent = it->get<bool>();
    if (auto it = j.find("complete"); it != j.end() && it->is_boolean()) p.complete = it->get<bool>();
    p.storage_id = str_or_empty(j, "storage_id");
    p.entity = str_or_empty(j, "entity");
    p.project = str_or_empty(j, "project");
    p.run_id = str_or_empty(j, "run_id");
    p.display_name = str_or_empty(j, "display_name");
    out = std::move(p);
    return true;
}

// --- Sender ----------------------------------------------------------------

Sender::Sender(Settings settings) : s_(std::move(settings)), rng_(s_.rng_seed) {
    while (!s_.base_url.empty() && s_.base_url.back() == '/') s_.base_url.pop_back();
}

Sender::Sender(Settings settings, const Progress &progress) : Sender(std::move(settings)) {
    acked_ = progress;
    acked_.summary_sent = false;  // resend the summary once: an idempotent overwrite
    resumed_ = true;
}

std::vector<Message> Sender::take_messages() {
    std::vector<Message> out;
    out.swap(messages_);
    return out;
}

void Sender::note(Message::Level level, std::string text) {
    if (messages_.size() >= 1000) messages_.erase(messages_.begin());  // bounded if never taken
    messages_.push_back(Message{level, scrub(std::move(text))});
}

std::string redact_key(std::string text, const std::string &api_key) {
    if (api_key.size() >= 4) {
        for (size_t p; (p = text.find(api_key)) != std::string::npos;) text.replace(p, api_key.size(), "<api key>");
        const std::string b64 = base64("api:" + api_key);
        for (size_t p; (p = text.find(b64)) != std::string::npos;) text.replace(p, b64.size(), "<credentials>");
    }
    return text;
}

std::string Sender::scrub(std::string text) const { return redact_key(std::move(text), s_.api_key); }

void Sender::on_record(const journal::Record &rec) {
    using journal::RecordKind;
    const bool already_sent = resumed_ && rec.offset < acked_.records_offset;
    if (!already_sent && acked_.complete && rec.kind != RecordKind::Run) {
        // The run was continued after it was completed: reopen it (an upsert
        // of a complete run starts a new session on the server).
        acked_.complete = false;
        exited_ = false;
        if (state_ == State::Done) state_ = State::WaitingForRun;
    }
    model_.apply(rec.kind, rec.json);
    have_records_ = true;
    last_record_offset_ = rec.offset;
    next_record_offset_ = std::max(next_record_offset_, rec.offset + 1);
    switch (rec.kind) {
        case RecordKind::Run:
            start_if_ready();
            break;
        case RecordKind::History:
            summary_version_++;
            if (already_sent) break;
            if (rec.json.size() > s_.max_line_bytes) {
                acked_.skipped_lines++;
                progress_generation_++;
                note(Message::Level::Warning,
                     "history row at journal offset " + std::to_string(rec.offset) + " is " +
                         std::to_string(rec.json.size()) + " bytes, over the server's line limit of " +
                         std::to_string(s_.max_line_bytes) + " bytes: skipped (it stays in the journal)");
                break;
            }
            pending_bytes_ += rec.json.size();
            lines_.push_back(Line{rec.json, rec.offset});
            break;
        case RecordKind::Summary:
        case RecordKind::Metric:
            summary_version_++;
            break;
        case RecordKind::Config:
            if (!already_sent) config_version_++;
            break;
        case RecordKind::Exit:
            summary_version_++;
            exited_ = true;
            break;
        case RecordKind::Resume:
            exited_ = false;
            break;
        default: break;  // kinds this build does not know
    }
    if (state_ == State::WaitingForRun) start_if_ready();
}

void Sender::start_if_ready() {
    if (state_ != State::WaitingForRun || model_.run_info.empty()) return;
    if (resumed_ && acked_.complete) {
        state_ = State::Done;
        return;
    }
    const json &ri = model_.run_info;
    entity_ = !s_.entity.empty() ? s_.entity : !acked_.entity.empty() ? acked_.entity : str_or_empty(ri, "entity");
    project_ = !s_.project.empty() ? s_.project : !acked_.project.empty() ? acked_.project : str_or_empty(ri, "project");
    run_id_ = !s_.run_id.empty() ? s_.run_id : !acked_.run_id.empty() ? acked_.run_id : str_or_empty(ri, "id");
    if (project_.empty()) project_ = "uncategorized";
    state_ = entity_.empty() ? State::Viewer : State::Creating;
}

HttpRequest Sender::make_request(HttpRequest::Kind kind, std::string url, std::string body) const {
    HttpRequest r;
    r.kind = kind;
    r.url = std::move(url);
    r.body = std::move(body);
    r.headers = {{"Authorization", "Basic " + base64("api:" + s_.api_key)},
                 {"Content-Type", "application/json"},
                 {"User-Agent", s_.user_agent}};
    if (kind != HttpRequest::Kind::FileStream && kind != HttpRequest::Kind::Heartbeat)
        for (const auto &h : s_.graphql_headers) r.headers.push_back(h);
    return r;
}

HttpRequest Sender::build_viewer() const {
    json body{{"query", kViewerQuery}, {"variables", json::object()}, {"operationName", "Viewer"}};
    return make_request(HttpRequest::Kind::Viewer, s_.base_url + "/graphql", to_json_text(body));
}

json Sender::wrapped_config() const {
    json out = json::object();
    if (model_.config.is_object())
        for (auto it = model_.config.begin(); it != model_.config.end(); ++it) {
            if (it.key() == "_wandb") continue;
            out[it.key()] = json{{"value", it.value()}};
        }
    json t = json::object();
    const std::string os = str_or_empty(model_.run_info, "os");
    if (!os.empty()) t["13"] = os;
    json internal{{"cli_version", s_.client_version}, {"t", t}, {"m", json::array()}};
    if (auto it = model_.config.find("_wandb"); it != model_.config.end() && it->is_object())
        for (auto jt = it->begin(); jt != it->end(); ++jt)
            if (!internal.contains(jt.key())) internal[jt.key()] = jt.value();
    out["_wandb"] = json{{"value", internal}};
    return out;
}

HttpRequest Sender::build_upsert(bool create) const {
    const json &ri = model_.run_info;
    json vars = json::object();
    for (const char *k : {"id", "name", "project", "entity", "groupName", "description", "displayName", "notes",
                          "commit", "config", "host", "debug", "program", "repo", "jobType", "state", "sweep",
                          "tags", "summaryMetrics"})
        vars[k] = nullptr;
    vars["id"] = null_if_empty(acked_.storage_id);
    vars["name"] = null_if_empty(run_id_);
    vars["project"] = null_if_empty(project_);
    vars["entity"] = null_if_empty(entity_);
    vars["config"] = to_json_text(wrapped_config());
    if (create) {
        vars["groupName"] = null_if_empty(str_or_empty(ri, "group"));
        vars["displayName"] = null_if_empty(str_or_empty(ri, "name"));
        vars["notes"] = null_if_empty(str_or_empty(ri, "notes"));
        vars["host"] = null_if_empty(str_or_empty(ri, "host"));
        vars["program"] = null_if_empty(str_or_empty(ri, "program"));
        vars["jobType"] = null_if_empty(str_or_empty(ri, "job_type"));
        if (auto it = ri.find("tags"); it != ri.end() && it->is_array() && !it->empty()) {
            json tags = json::array();
            for (const auto &t : *it)
                if (t.is_string()) tags.push_back(t);
            vars["tags"] = tags;
        }
    }
    json body{{"query", kUpsertQuery}, {"variables", vars}, {"operationName", "UpsertBucket"}};
    return make_request(create ? HttpRequest::Kind::UpsertCreate : HttpRequest::Kind::UpsertUpdate,
                        s_.base_url + "/graphql", to_json_text(body));
}

std::string Sender::file_stream_url() const {
    return s_.base_url + "/files/" + url_path_escape(entity_) + "/" + url_path_escape(project_) + "/" +
           url_path_escape(run_id_) + "/file_stream";
}

bool Sender::data_pending() const {
    return !lines_.empty() || summary_version_ != summary_acked_version_ || !acked_.summary_sent ||
           (exited_ && s_.send_complete && !acked_.complete);
}

bool Sender::due_data(double now) const {
    if (!data_pending()) return false;
    return !posted_once_ || exited_ || pending_bytes_ >= s_.max_request_bytes ||
           now >= last_post_ + s_.transmit_interval;
}

Sender::InFlight Sender::build_file_stream(double now) {
    InFlight f;
    std::string body = "{\"files\":{";
    // The summary line first (its size is reserved out of the budget).
    std::string summary_part;
    uint64_t sv = summary_version_;
    if (sv != summary_acked_version_ || !acked_.summary_sent) {
        std::string line = to_json_text(model_.summary_file());
        if (line.size() > s_.max_line_bytes) {
            note(Message::Level::Warning, "the summary is " + std::to_string(line.size()) +
                                              " bytes, over the server's line limit: not sent");
            summary_acked_version_ = sv;
            acked_.summary_sent = true;
        } else {
            summary_part = "\"wandb-summary.json\":{\"offset\":0,\"content\":[";
            write_json_string(line, summary_part);
            summary_part += "]}";
            f.carries_summary = true;
            f.summary_version = sv;
        }
    }
    const size_t budget = s_.max_request_bytes > summary_part.size() + 128
                              ? s_.max_request_bytes - summary_part.size() - 128
                              : 0;
    size_t n = 0;
    if (!lines_.empty()) {
        body += "\"wandb-history.jsonl\":{\"offset\":";
        body += std::to_string(acked_.history_lines);
        body += ",\"content\":[";
        std::string esc;
        for (const Line &l : lines_) {
            esc.clear();
            if (n) esc += ',';
            write_json_string(l.text, esc);
            if (n > 0 && body.size() + esc.size() > budget) break;
            body += esc;
            n++;
        }
        body += "]}";
        if (f.carries_summary) body += ',';
    }
    body += summary_part;
    body += '}';
    f.lines = n;
    f.records_offset_after = n < lines_.size() ? lines_[n].record_offset : next_record_offset_;
    if (exited_ && s_.send_complete && n == lines_.size() && config_version_ == config_acked_version_) {
        body += ",\"complete\":true,\"exitcode\":";
        body += std::to_string(model_.exit_code);
        f.carries_complete = true;
    }
    body += '}';
    f.req = make_request(HttpRequest::Kind::FileStream, file_stream_url(), std::move(body));
    last_post_ = now;
    posted_once_ = true;
    return f;
}

std::optional<HttpRequest> Sender::next_request(double now) {
    if (in_flight_ || finished()) return std::nullopt;
    if (retry_) {
        if (now < retry_at_) return std::nullopt;
        in_flight_ = std::move(retry_);
        retry_.reset();
        if (in_flight_->req.kind == HttpRequest::Kind::FileStream ||
            in_flight_->req.kind == HttpRequest::Kind::Heartbeat)
            last_post_ = now;
        return in_flight_->req;
    }
    InFlight f;
    switch (state_) {
        case State::WaitingForRun: return std::nullopt;
        case State::Viewer: f.req = build_viewer(); break;
        case State::Creating:
            f.req = build_upsert(true);
            f.carries_config = true;
            f.config_version = config_version_;
            break;
        case State::Streaming:
            if (config_version_ != config_acked_version_ && (exited_ || now >= config_changed_at_ + s_.config_debounce)) {
                f.req = build_upsert(false);
                f.carries_config = true;
                f.config_version = config_version_;
                config_changed_at_ = now;
            } else if (due_data(now)) {
                f = build_file_stream(now);
            } else if (!data_pending() && exited_ && !s_.send_complete && config_version_ == config_acked_version_) {
                state_ = State::Done;
                return std::nullopt;
            } else if (now >= last_post_ + s_.heartbeat_interval && posted_once_) {
                f.req = make_request(HttpRequest::Kind::Heartbeat, file_stream_url(), "{}");
                f.records_offset_after = acked_.records_offset;
                last_post_ = now;
            } else {
                return std::nullopt;
            }
            break;
        default: return std::nullopt;
    }
    in_flight_ = std::move(f);
    return in_flight_->req;
}

double Sender::next_deadline() const {
    if (in_flight_ || finished()) return kInf;
    if (retry_) return retry_at_;
    switch (state_) {
        case State::Viewer:
        case State::Creating: return -kInf;
        case State::Streaming: {
            double d = kInf;
            if (config_version_ != config_acked_version_)
                d = std::min(d, exited_ ? -kInf : config_changed_at_ + s_.config_debounce);
            if (data_pending())
                d = std::min(d, (!posted_once_ || exited_ || pending_bytes_ >= s_.max_request_bytes)
                                    ? -kInf
                                    : last_post_ + s_.transmit_interval);
            if (exited_ && !s_.send_complete && !data_pending()) d = -kInf;
            if (posted_once_) d = std::min(d, last_post_ + s_.heartbeat_interval);
            return d;
        }
        default: return kInf;
    }
}

bool Sender::retryable(HttpRequest::Kind kind, int status) const {
    if (status == 0 || status >= 600) return true;
    if (status >= 200 && status < 300) return false;
    switch (status) {
        case 409: return kind == HttpRequest::Kind::UpsertCreate || kind == HttpRequest::Kind::UpsertUpdate;
        case 400: case 401: case 403: case 404: case 410: case 413: case 422: case 501: return false;
        default: return status >= 400;
    }
}

double Sender::backoff(int attempt) {
    const int a = std::min(attempt, 32);
    const double u = double(splitmix64(rng_) >> 11) * (1.0 / 9007199254740992.0);  // [0,1)
    const double wait = s_.retry_wait_min * std::ldexp(1.0, a) * (1 + 0.25 * u);
    return std::min(s_.retry_wait_max, wait);
}

std::string Sender::describe_failure(HttpRequest::Kind kind, int status, const std::string &body) const {
    const std::string host = host_of(s_.base_url);
    const std::string detail = body.empty() ? std::string() : " (server said: " + server_message(body) + ")";
    const bool creating = kind == HttpRequest::Kind::UpsertCreate || kind == HttpRequest::Kind::Viewer;
    std::string what;
    if (status < 0) {  // the executor says retrying cannot help (certificate, bad URL)
        return scrub("cannot send to " + s_.base_url + ": " + (body.empty() ? std::string("the request failed") : body));
    } else if (status == 401) {
        what = "the W&B server at " + s_.base_url + " rejected the API key (HTTP 401). Check WANDB_API_KEY, or the "
               "password of the 'machine " + host + "' entry in ~/.netrc, and that the key was made for this server";
    } else if ((status == 403 || status == 404) && creating) {
        what = std::string(status == 403 ? "no permission to create run '" : "could not create run '") + run_id_ +
               "' in entity '" + (entity_.empty() ? "(default)" : entity_) + "', project '" + project_ + "' on " +
               s_.base_url + " (HTTP " + std::to_string(status) + "): check that the entity (WANDB_ENTITY) and project "
               "(WANDB_PROJECT) exist and that this API key's user may write to them";
    } else if (status == 404) {
        what = "run " + entity_ + "/" + project_ + "/" + run_id_ + " is unknown to " + s_.base_url +
               " while streaming (HTTP 404)";
    } else if (status == 200) {
        what = "the W&B server at " + s_.base_url + " answered with an error";
    } else {
        what = "the W&B server at " + s_.base_url + " refused a request with HTTP " + std::to_string(status);
    }
    return scrub(what + detail);
}

void Sender::fail(State s, std::string text) {
    state_ = s;
    text += ". The run is recorded locally in its journal; upload it later with `runlog sync`.";
    error_ = scrub(std::move(text));
    messages_.push_back(Message{Message::Level::Error, error_});
}

void Sender::on_response(int status, const Headers &headers, const std::string &body, double now) {
    if (!in_flight_) return;
    InFlight f = std::move(*in_flight_);
    in_flight_.reset();
    const auto kind = f.req.kind;
    const bool graphql = kind == HttpRequest::Kind::Viewer || kind == HttpRequest::Kind::UpsertCreate ||
                         kind == HttpRequest::Kind::UpsertUpdate;
    const bool ok = graphql ? status == 200 : (status >= 200 && status < 300);
    if (ok) {
        in_flight_ = std::move(f);  // handle_success reads it
        handle_success(body, now);
        in_flight_.reset();
        return;
    }
    const std::string what = status == 0 ? std::string("connection error or timeout")
                                         : "HTTP " + std::to_string(status);
    if (retryable(kind, status)) {
        const int max_retries = graphql ? s_.graphql_max_retries : s_.file_stream_max_retries;
        if (f.attempt >= max_retries) {
            fail(State::GaveUp, "gave up sending to " + s_.base_url + " after " + std::to_string(f.attempt + 1) +
                                    " attempts (last: " + what +
                                    (body.empty() ? std::string() : ": " + server_message(body)) + ")");
            return;
        }
        double wait = backoff(f.attempt);
        for (const auto &h : headers) {
            std::string name = h.first;
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            if (name == "retry-after")
                if (auto ra = parse_retry_after(h.second)) wait = *ra;
        }
        f.attempt++;
        total_retries_++;
        retry_at_ = now + wait;
        retry_ = std::move(f);
        note(Message::Level::Info, "retrying " + what + " in " + std::to_string(wait) + " s");
        return;
    }
    fail(State::Failed, describe_failure(kind, status, body));
}

void Sender::handle_success(const std::string &body, double now) {
    InFlight &f = *in_flight_;
    json j;
    const bool parsed = parse_json_value(body, j, nullptr) == JsonError::None;
    switch (f.req.kind) {
        case HttpRequest::Kind::Viewer: {
            if (!parsed || (j.is_object() && j.contains("errors") && !j["errors"].empty())) {
                fail(State::Failed, describe_failure(f.req.kind, 200, body));
                return;
            }
            const json *viewer = at(j, {"data", "viewer"});
            if (!viewer || !viewer->is_object()) {
                fail(State::Failed, "the W&B server at " + s_.base_url + " does not accept the API key (viewer is "
                                    "null). Check WANDB_API_KEY, or the password of the 'machine " +
                                        host_of(s_.base_url) + "' entry in ~/.netrc");
                return;
            }
            entity_ = str_or_empty(*viewer, "entity");  // empty: null, the server's default
            state_ = State::Creating;
            return;
        }
        case HttpRequest::Kind::UpsertCreate:
        case HttpRequest::Kind::UpsertUpdate: {
            const json *bucket = parsed ? at(j, {"data", "upsertBucket", "bucket"}) : nullptr;
            if (!bucket || !bucket->is_object() || (j.contains("errors") && !j["errors"].empty())) {
                fail(State::Failed, describe_failure(f.req.kind, 200, body));
                return;
            }
            if (auto id = str_or_empty(*bucket, "id"); !id.empty()) acked_.storage_id = id;
            if (auto name = str_or_empty(*bucket, "name"); !name.empty()) run_id_ = name;
            if (auto dn = str_or_empty(*bucket, "displayName"); !dn.empty()) acked_.display_name = dn;
            if (const json *p = at(*bucket, {"project", "name"}); p && p->is_string()) project_ = p->get<std::string>();
            if (const json *e = at(*bucket, {"project", "entity", "name"}); e && e->is_string())
                entity_ = e->get<std::string>();
            progress_generation_++;
            acked_.entity = entity_;
            acked_.project = project_;
            acked_.run_id = run_id_;
            if (f.carries_config) config_acked_version_ = std::max(config_acked_version_, f.config_version);
            if (f.req.kind == HttpRequest::Kind::UpsertCreate) {
                // W&B core: a run that already has lines is appended to. A sender
                // continuing from its own progress keeps its own offsets (a stale
                // progress file then overwrites lines instead of duplicating them).
                if (const json *h = at(*bucket, {"historyLineCount"});
                    !resumed_ && h && h->is_number_integer() && h->get<int64_t>() > 0)
                    acked_.history_lines = h->get<uint64_t>();
                config_changed_at_ = now;
                state_ = State::Streaming;
            }
            return;
        }
        case HttpRequest::Kind::FileStream:
        case HttpRequest::Kind::Heartbeat: {
            if (parsed && j.is_object())
                if (auto it = j.find("stopped"); it != j.end() && it->is_boolean() && it->get<bool>() && !stopped_) {
                    stopped_ = true;
                    note(Message::Level::Warning, "the run was stopped from the W&B server");
                }
            if (f.req.kind == HttpRequest::Kind::Heartbeat) return;
            progress_generation_++;
            for (size_t i = 0; i < f.lines; i++) {
                pending_bytes_ -= lines_.front().text.size();
                lines_.pop_front();
            }
            acked_.history_lines += f.lines;
            acked_.records_offset = std::max(acked_.records_offset, f.records_offset_after);
            if (f.carries_summary) summary_acked_version_ = std::max(summary_acked_version_, f.summary_version);
            acked_.summary_sent = summary_acked_version_ == summary_version_;
            if (f.carries_complete) {
                acked_.complete = true;
                acked_.records_offset = std::max(acked_.records_offset, next_record_offset_);
                state_ = State::Done;
            }
            return;
        }
    }
}

}  // namespace runlog::sender
