// A run: the W&B semantics (steps, commit, pending row, summary, config,
// metrics) over a journal in a store plug-in.
//
// Two sides, two locks:
//   - the caller side (log, stage, config, summary, finish) validates input,
//     applies step logic and queues items under mu_; it never touches the
//     store;
//   - the pump side (pump_once) turns queued items into journal bytes, keeps
//     the RunModel (summary, config) current and hands the bytes to the store
//     under pump_mu_. It is driven by the native writer thread or by the host
//     (runlog_pump) — the core itself starts no thread and reads no clock of
//     its own.
// Lock order: pump_mu_ before mu_.
#pragma once
#include <atomic>
#include <limits>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "journal_writer.h"
#include "json_scan.h"
#include "platform.h"
#include "run_model.h"
#include "settings.h"
#include "status.h"

namespace runlog {
namespace upload { class Uploader; struct ServerRun; }

struct Plugins {
    runlog_store store{};   // version 0: none (disabled mode)
    runlog_clock clock{};
    runlog_sink sink{};     // version 0: none
    runlog_http http{};     // version 0: none (offline)
    runlog_log_fn log_fn = nullptr;
    void *log_user_data = nullptr;

    void destroy();         // calls each plug-in's destroy once
};

class Run {
public:
    // Opens (or resumes) the run in its store and journals its start. Takes
    // ownership of the plug-ins whether it succeeds or not.
    static int create(Settings settings, Plugins plugins, const Platform &platform,
                      std::unique_ptr<Run> &out, Error &err);
    ~Run();
    Run(const Run &) = delete;
    Run &operator=(const Run &) = delete;

    // ---- caller side (thread-safe) ----
    int log_text(std::string_view text, int64_t step, int commit, Error &err);
    int stage(std::string_view key, double d, int64_t i, bool is_int, Error &err);
    int commit_row(int64_t step, int commit, Error &err);
    int config_update_text(std::string_view text, Error &err);
    int config_get(std::string &out, Error &err);
    int summary_update_text(std::string_view text, Error &err);
    int summary_get(const char *key, std::string &out, Error &err);
    int define_metric(const std::string &name, const runlog_metric_options *opts, Error &err);
    int flush(int32_t timeout_ms, Error &err);
    int pump(uint32_t max_records, Error &err);
    // Ends the run: records the pending row and the exit, waits for the
    // writer, writes the run files, stops the writer. Call once.
    int finish(int exit_code, Error &err);
    void stats(runlog_stats &out);

    const Settings &settings() const { return settings_; }
    const std::string &location() const { return location_; }
    const char *mode_text() const { return disabled_ ? "disabled" : mode_name(settings_.mode); }
    bool background() const { return background_; }

    // ---- pump side (the writer thread's loop, core/native/thread_driver.cpp) ----
    // Processes up to max_items queued items (0 = a batch), writes them and
    // applies the durability policy. Returns the number of items processed.
    size_t pump_once(size_t max_items, Error *err);
    // Blocks until there is work for the writer or the deadline passes;
    // false once the writer should exit.
    bool wait_for_work();
    void request_stop();

    void message(int level, const std::string &text);

    // ---- upload side (online mode; core/run_upload.cpp) ----
    bool uploading() const { return uploader_ != nullptr; }
    // One round of upload work (reads new journal records, takes an answer,
    // starts the next request); returns the seconds until it wants another.
    double upload_step();
    // Blocks up to seconds, or until new journal bytes / an answer / stop.
    void upload_wait(double seconds);
    void stop_upload();
    bool upload_stopping() const { return upload_stop_.load(); }

private:
    struct Scalar {
        std::string key;
        double d = 0;
        int64_t i = 0;
        bool is_int = false;
    };
    enum class ItemKind : uint8_t { Row, TypedRow, Config, Summary, Metric, Exit };
    struct Item {
        ItemKind kind{};
        int64_t step = 0;
        double runtime = 0;
        double timestamp = 0;
        json data;                   // config, summary, metric, exit
        std::string text;            // Row: the row's JSON object text
        bool has_timestamp = false;  // Row: the caller gave _timestamp
        bool has_whitespace = false; // Row: compact the text before journaling
        std::vector<Scalar> scalars; // TypedRow
        size_t cost = 0;
        uint64_t seq = 0;
    };

    Run(Settings settings, Plugins plugins, const Platform &platform);
    int open_store(Error &err);
    int start_journal(bool resumed, uint64_t journal_size, Error &err);
    void write_run_files(Error *err);
    int start_upload(Error &err);
    int prepare_http(Error &err);
    int check_server_resume(Error &err);  // RunResumeStatus (online resume)
    void finish_upload();   // waits for the upload after the exit is written

    // caller side, mu_ held
    int admit_locked(std::unique_lock<std::mutex> &lk, size_t cost, bool is_row, Error &err);
    void enqueue_locked(Item &&item);
    void flush_pending_locked();
    void merge_pending_locked(std::string_view text, ScannedObject &&scan);
    // log() after validation: W&B's step/commit rules, under mu_.
    void apply_log_locked(std::string_view text, ScannedObject &&scan, int64_t step, int commit);
    int refuse_step_locked(std::unique_lock<std::mutex> &lk, int64_t step, Error &err);
    std::string staged_text_locked();  // the staging row as JSON text; clears it
    double runtime_now() const;
    double unix_now() const;
    int check_open_locked(Error &err) const;
    std::string store_failing_message_locked(const char *what) const;

    // pump side, pump_mu_ held
    void process_item(Item &item);
    void encode(journal::RecordKind kind, const std::string &text);
    void catch_up_locked();
    int write_locked(Error *err);
    int sync_locked(Error *err);
    void apply_durability_locked();

    Settings settings_;
    Plugins plugins_;
    const Platform &platform_;
    std::string location_;
    bool disabled_ = false;
    bool background_ = false;
    double start_monotonic_ = 0;
    double runtime_offset_ = 0;  // runtime of earlier sessions (resume)

    // caller side (mu_)
    mutable std::mutex mu_;
    std::condition_variable space_cv_;     // queue room, store state
    std::condition_variable progress_cv_;  // written / durable progress
    std::condition_variable work_cv_;      // wakes the writer
    int64_t step_ = 0;
    std::string pending_text_;       // the row being accumulated ("" = none)
    ScannedObject pending_scan_;
    std::vector<Scalar> staging_;
    std::deque<Item> queue_;
    uint64_t queued_cost_ = 0;       // queued + encoded-but-unwritten
    uint64_t accepted_seq_ = 0;
    uint64_t written_seq_ = 0;
    uint64_t durable_seq_ = 0;
    uint64_t flush_target_ = 0;
    bool finishing_ = false;
    bool stop_ = false;
    int store_status_ = RUNLOG_OK;   // sticky while the store is failing
    std::string store_message_;
    uint64_t store_failures_ = 0;    // failed attempts so far
    uint64_t steps_refused_ = 0;
    uint64_t rows_refused_full_ = 0;
    uint64_t rows_logged_ = 0;
    uint64_t records_written_ = 0;
    uint64_t journal_bytes_ = 0;
    double retry_at_ = 0;            // monotonic time of the next store retry
    double retry_delay_ = 0.05;

    // pump side (pump_mu_)
    std::mutex pump_mu_;
    RunModel model_;
    journal::Encoder encoder_;
    std::string encoded_;            // journal bytes not yet in the store
    uint64_t encoded_cost_ = 0;
    uint64_t encoded_seq_ = 0;
    std::string scratch_;
    bool dirty_ = false;             // written but not synced
    double last_sync_ = 0;
    uint64_t sink_failures_ = 0;

    // upload side (upload_mu_ serializes the uploader; store calls it makes
    // take pump_mu_, so upload_mu_ is never held while pump_mu_ is wanted by
    // the same thread first)
    std::unique_ptr<upload::Uploader> uploader_;
    std::unique_ptr<upload::ServerRun> server_run_;  // what RunResumeStatus said (online resume)
    bool journal_created_ = false;                  // the local journal is new
    std::mutex upload_mu_;
    std::atomic<uint64_t> readable_bytes_{0};  // journal bytes appended to the store
    std::atomic<bool> upload_stop_{false};
    double last_upload_wake_ = -1e300;  // pump side: when write_locked last woke the uploader
};

}  // namespace runlog
