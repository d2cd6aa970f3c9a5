// The sender: W&B wire protocol as a pure state machine (sans-I/O).
//
// It consumes a run's journal records in order (on_record), keeps a RunModel
// of the run, and produces HTTP requests when polled (next_request). A driver
// performs each request however it can (native sockets, browser fetch, a user
// callback) and reports the answer (on_response). The sender never sleeps,
// reads a clock, starts threads or touches files or sockets: time is an input
// (`now`, seconds on any monotonic scale), and next_deadline() says when to
// poll again. One request is in flight at a time.
//
// Protocol (shared/design/WANDB_PROTOCOL.md):
//   1. `Viewer` when no entity is known (learns the default entity, checks the key);
//   2. `UpsertBucket` creating the run (config in W&B's wrapped form, with
//      _wandb.value.t), reading back storage id, entity, project, display name
//      and historyLineCount;
//   3. file_stream POSTs: wandb-history.jsonl lines at absolute, continuing
//      offsets (fixed when a request is built, so a resend overwrites instead
//      of duplicating), the full summary line at offset 0, at most one data
//      post per transmit interval, heartbeats `{}` when idle, later config
//      changes as a params-less UpsertBucket update (debounced);
//   4. after the exit record: the rest of the data, then
//      `{"complete": true, "exitcode": N}` (in the same body when it fits).
// Retries follow wandb-core's RetryMostFailures (UpsertBucket also retries
// 409); backoff min(max, min*2^attempt*(1+U[0,0.25))) with jitter from a
// seeded RNG; Retry-After (seconds) replaces the wait.
//
// Progress: acked() is what the server has acknowledged, as JSON a driver can
// persist beside the journal (write temp + rename). A Sender constructed from
// it and fed the same journal from the start sends nothing twice.
#pragma once
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "journal_reader.h"
#include "json_text.h"
#include "run_model.h"

namespace runlog::sender {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Settings {
    std::string base_url = "https://api.wandb.ai";  // trailing '/' ignored
    std::string api_key;                            // never appears in messages
    // Override what the run record says (empty: take it from the run record;
    // entity empty there too: ask `Viewer`).
    std::string entity, project, run_id;
    std::string user_agent = "runlog";
    std::string client_version = "0.1.0";          // _wandb.cli_version
    double transmit_interval = 15;                  // seconds between data posts
    double heartbeat_interval = 30;                 // `{}` after this long without a post
    double config_debounce = 5;                     // later config upserts
    double retry_wait_min = 2, retry_wait_max = 60;
    int graphql_max_retries = 20;                   // attempts = retries + 1
    int file_stream_max_retries = 10085;
    size_t max_request_bytes = size_t(10) << 20;
    size_t max_line_bytes = 10383360;
    uint64_t rng_seed = 0x5eed;
    bool send_complete = true;                      // false: leave the run "running"
    Headers graphql_headers;                        // extra headers of GraphQL requests
                                                    // (X-WANDB-USERNAME, X-WANDB-USER-EMAIL)
};

struct HttpRequest {
    enum class Kind { Viewer, UpsertCreate, UpsertUpdate, FileStream, Heartbeat };
    Kind kind{};
    std::string method = "POST";
    std::string url;
    Headers headers;
    std::string body;
};

// What the server acknowledged, persisted by the driver.
struct Progress {
    uint64_t history_lines = 0;   // next wandb-history.jsonl line offset (lines the server has)
    uint64_t records_offset = 0;  // every journal record starting before this is fully sent
    uint64_t skipped_lines = 0;   // oversize lines skipped so far
    bool summary_sent = false;    // the summary as of records_offset is on the server
    bool complete = false;        // `complete` acknowledged: nothing left to do
    std::string storage_id, entity, project, run_id, display_name;

    json to_json() const;
    // False (and a message) when j is not a progress object this build reads.
    static bool from_json(const json &j, Progress &out, std::string *error);
};

enum class State {
    WaitingForRun,  // no run record yet
    Viewer,         // learning the entity
    Creating,       // UpsertBucket
    Streaming,      // file_stream
    Done,           // complete acknowledged (or nothing left with send_complete=false)
    GaveUp,         // retry budget spent: run is only local; `runlog sync` later
    Failed,         // a non-retryable error (bad key, no permission, ...)
};
const char *state_name(State s);

struct Message {
    enum class Level { Info, Warning, Error } level;
    std::string text;
};

class Sender {
public:
    explicit Sender(Settings settings);
    // Continue from persisted progress: feed the journal from its start again;
    // records already acknowledged update the model but are not resent.
    Sender(Settings settings, const Progress &progress);

    // Records in journal order (offsets strictly increasing).
    void on_record(const journal::Record &rec);

    // The next request to perform now, or nothing (in flight, waiting, done).
    std::optional<HttpRequest> next_request(double now);
    // The answer to the request in flight. status 0 = connection error/timeout.
    void on_response(int status, const Headers &headers, const std::string &body, double now);
    // When next_request may next return something (+inf: only new records or
    // a response can change that; <= now: poll now).
    double next_deadline() const;

    State state() const { return state_; }
    bool finished() const { return state_ == State::Done || state_ == State::GaveUp || state_ == State::Failed; }
    bool in_flight() const { return in_flight_.has_value(); }
    // Streaming, nothing in flight or waiting for a retry, and everything
    // read so far acknowledged (the run stays open without an exit record).
    bool caught_up() const {
        return state_ == State::Streaming && !in_flight_ && !retry_ && !data_pending() &&
               config_version_ == config_acked_version_;
    }
    bool stopped_by_server() const { return stopped_; }   // file_stream answered "stopped": true
    const std::string &error() const { return error_; }   // the GaveUp/Failed reason, actionable
    const Progress &progress() const { return acked_; }
    json acked() const { return acked_.to_json(); }
    // Changes whenever progress() does: persist acked() when it moved.
    uint64_t progress_generation() const { return progress_generation_; }
    // Bytes of history lines queued and not yet acknowledged (for back-pressure:
    // a driver may stop feeding records above some bound).
    size_t pending_bytes() const { return pending_bytes_; }
    uint64_t retries() const { return total_retries_; }
    const RunModel &model() const { return model_; }
    // Messages since the last call (warnings: skipped lines, retries; errors).
    std::vector<Message> take_messages();

private:
    struct Line {
        std::string text;
        uint64_t record_offset;
    };
    struct InFlight {
        HttpRequest req;
        int attempt = 0;
        // FileStream: what success acknowledges.
        size_t lines = 0;
        uint64_t records_offset_after = 0;
        bool carries_summary = false;
        uint64_t summary_version = 0;
        bool carries_complete = false;
        bool carries_config = false;
        uint64_t config_version = 0;
    };

    void start_if_ready();
    HttpRequest make_request(HttpRequest::Kind kind, std::string url, std::string body) const;
    HttpRequest build_viewer() const;
    HttpRequest build_upsert(bool create) const;
    InFlight build_file_stream(double now);
    json wrapped_config() const;
    std::string file_stream_url() const;
    bool data_pending() const;
    bool due_data(double now) const;
    bool retryable(HttpRequest::Kind kind, int status) const;
    void handle_success(const std::string &body, double now);
    void fail(State s, std::string text);
    std::string describe_failure(HttpRequest::Kind kind, int status, const std::string &body) const;
    std::string scrub(std::string text) const;
    double backoff(int attempt);
    void note(Message::Level level, std::string text);

    Settings s_;
    State state_ = State::WaitingForRun;
    RunModel model_;
    Progress acked_;
    bool resumed_ = false;        // constructed from progress
    std::string entity_, project_, run_id_;

    std::deque<Line> lines_;      // history lines not yet acknowledged
    size_t pending_bytes_ = 0;
    uint64_t next_record_offset_ = 0;  // one past the last fed record
    uint64_t last_record_offset_ = 0;
    bool have_records_ = false;
    uint64_t summary_version_ = 0, summary_acked_version_ = 0;
    uint64_t config_version_ = 0, config_acked_version_ = 0;
    double config_changed_at_ = 0;
    bool exited_ = false;
    bool stopped_ = false;

    std::optional<InFlight> in_flight_;
    std::optional<InFlight> retry_;   // to resend unchanged at retry_at_
    double retry_at_ = 0;
    double last_post_ = -std::numeric_limits<double>::infinity();
    bool posted_once_ = false;
    uint64_t rng_;
    uint64_t total_retries_ = 0;
    uint64_t progress_generation_ = 0;
    std::string error_;
    std::vector<Message> messages_;
};

// Helpers, exposed for tests.
std::string base64(std::string_view in);
std::string url_path_escape(std::string_view in);
// text with the API key and its Basic credentials (base64 "api:<key>")
// replaced: for every message that may echo a request.
std::string redact_key(std::string text, const std::string &api_key);
// Retry-After as seconds (delta-seconds only; an HTTP date gives nullopt).
std::optional<double> parse_retry_after(std::string_view value);

}  // namespace runlog::sender
