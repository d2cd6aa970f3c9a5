// The uploader: reads a run's journal back and carries it to a W&B server
// through the sender (the protocol) and a runlog_http executor (the bytes).
//
// Journal first: the uploader never sees a row that is not in the journal, so
// whatever the network does, nothing logged is lost, and memory stays bounded
// (at most max_pending_bytes of history is held for the sender; the rest waits
// in the journal). Progress (what the server acknowledged) is saved beside the
// journal, so a later `runlog sync` continues where this stopped.
//
// No thread and no clock of its own: a driver calls step(now) when woken
// (new journal bytes, an answer, a deadline) — the native upload thread, the
// host's runlog_pump(), or `runlog sync`. step() is not reentrant: one driver
// at a time.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "journal_reader.h"
#include "platform.h"
#include "runlog.h"
#include "sender/sender.h"
#include "settings.h"

namespace runlog::upload {

// Where the run lives, as the uploader needs it.
struct Storage {
    journal::ByteSource read;                 // journal bytes at an offset
    std::function<uint64_t()> readable;       // bytes of whole records readable now
    // The saved progress text; false when none was saved (or it can't be read).
    std::function<bool(std::string &text)> load_progress;
    // Saves progress (atomically replaces it); false + why on failure.
    std::function<bool(const std::string &text, std::string &why)> save_progress;
};

struct Options {
    sender::Settings sender;
    uint32_t http_timeout_ms = 60000;
    // History bytes held for the sender. Above the sender's request size
    // (10 MiB) on purpose: a full request is sent at once instead of waiting
    // for the transmit interval, so a backlog (a long outage, or finish()
    // with rows still unread) drains at the server's pace.
    size_t max_pending_bytes = size_t(11) << 20;
    // The journal may still grow (the run is being written): at its end, wait.
    bool live = true;
    // Not live and the journal ends without an exit record (the process died):
    // record exit code 1, as W&B's sync does. False: leave the run running.
    bool close_unfinished = true;
    double progress_interval = 1.0;  // seconds between progress saves while streaming
    // The run exists on the server from another session and the local
    // journal is new: without saved progress, append after the server's
    // history lines (historyLineCount) instead of writing from line 0.
    bool append_to_server_run = false;
};

// The sender's settings for a run's resolved online settings (its jitter
// seeded from the platform's random source).
sender::Settings sender_settings(const Settings &s, const Platform &platform);

// One answer from the executor (runlog_http_complete).
struct Answer {
    int status = 0;
    sender::Headers headers;
    std::string body;
    std::string error;
};

// Shared by the uploader and its request in flight: the request may outlive
// the uploader (finish stopped waiting), and completing it then is harmless.
struct Mailbox {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Answer> answer;
    uint64_t waiting_for = 0;  // id of the request in flight (0: none)
    bool woken = false;        // new journal bytes / stop: step() again
    std::function<void()> notify;  // also told when an answer arrives (may be empty)
};

struct Snapshot {
    int32_t state = RUNLOG_UPLOAD_CONNECTING;
    bool finished = false;
    uint64_t rows_read = 0;       // history records read from the journal
    uint64_t rows_uploaded = 0;   // history lines the server has (its offset)
    uint64_t rows_sent = 0;       // acknowledged during this uploader's life
    uint64_t requests = 0;
    uint64_t retries = 0;
    uint64_t pending_bytes = 0;
    std::string error;            // final error (GaveUp / Failed)
};

// Loads sync progress text; false + why if it is not something this build reads.
bool parse_progress(const std::string &text, sender::Progress &out, std::string &why);

class Uploader {
public:
    using Log = std::function<void(int level, const std::string &text)>;
    // http is borrowed (its owner destroys it after the uploader).
    Uploader(Storage storage, const runlog_http &http, Options options, Log log);
    ~Uploader();
    Uploader(const Uploader &) = delete;
    Uploader &operator=(const Uploader &) = delete;

    // Does everything possible now: reads new records, takes the answer,
    // starts the next request, saves progress. Returns the monotonic time at
    // which it wants to run again (+inf: only new data or an answer).
    double step(double now);

    // Blocks up to `seconds` (or until woken: new data, an answer, wake()).
    void wait(double seconds);
    void wake();
    // The journal will not grow any more (the run finished): once the
    // sender is done, the upload is done.
    void set_final();

    bool finished() const;
    Snapshot snapshot() const;
    std::shared_ptr<Mailbox> mailbox() const { return box_; }

private:
    bool feed();
    bool take_answer(double now);
    bool start_request(double now);
    void save_progress(double now, bool force);
    void drain_messages();
    void publish();

    Storage storage_;
    runlog_http http_;
    Options opt_;
    Log log_;
    std::shared_ptr<Mailbox> box_;
    std::unique_ptr<sender::Sender> sender_;
    std::unique_ptr<journal::Reader> reader_;
    uint64_t reader_seen_ = 0;     // readable() when the reader last hit the end
    bool reader_at_end_ = false;
    bool reader_broken_ = false;   // corrupt or unreadable: no more records
    bool saw_exit_ = false;
    bool synthesized_exit_ = false;
    bool final_ = false;
    double last_record_runtime_ = 0;
    uint64_t next_id_ = 1;
    uint64_t saved_generation_ = 0;
    double last_save_ = -1e300;
    uint64_t start_lines_ = 0;
    bool progress_error_reported_ = false;
    bool transport_error_reported_ = false;
    uint64_t rows_read_ = 0;
    uint64_t requests_ = 0;

    mutable std::mutex snap_mu_;
    Snapshot snap_;
};

}  // namespace runlog::upload

// The handle an executor completes (runlog_http_complete).
struct runlog_http_call {
    std::shared_ptr<runlog::upload::Mailbox> box;
    uint64_t id = 0;
};

namespace runlog::upload {
// Delivers an answer to the call's uploader (if it still waits) and frees it.
void complete(runlog_http_call *call, Answer answer);
// One request through the executor, waiting for its answer at most
// timeout_ms (+1 s): for the query a run makes at init (RunResumeStatus).
Answer perform_blocking(const runlog_http &http, const std::string &url, const sender::Headers &headers,
                        const std::string &body, uint32_t timeout_ms);
// "Name: value\r\n" lines <-> header pairs.
std::string format_headers(const sender::Headers &headers);
sender::Headers parse_headers(const char *text);
}  // namespace runlog::upload
