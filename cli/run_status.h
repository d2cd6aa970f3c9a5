// Reading one run: replays its journal and works out its state
// (finished, failed, running, crashed, corrupt) and journal health.
#pragma once
#include <cstdint>
#include <string>

#include "run_locator.h"
#include "run_model.h"

namespace runlog::cli {

enum class RunState { Finished, Failed, Running, Crashed, Corrupt };

struct RunStatus {
    RunRef ref;
    bool opened = false;       // the journal could be opened
    std::string open_error;    // why not
    uint64_t journal_bytes = 0;
    Replay replay;             // model, read summary, last rows
    RunState state = RunState::Corrupt;
    // The process that last wrote the run (the run record, or the latest
    // resume record).
    int64_t writer_pid = 0;
    std::string writer_host;

    const RunModel &model() const { return replay.model; }
    // "finished", "failed (exit 3)", "running", "crashed", "corrupt".
    std::string state_text() const;
    // "finished", "failed", … (no exit code).
    std::string state_word() const;
    // The run id: the run record's, else the directory's.
    std::string id() const;
    std::string info_string(const char *key) const;  // a string field of the run record, or ""
    double start_time() const;                       // run record start_time, or 0
    // One line about the journal's health, e.g. "ok: 120 records, 5.1 KiB".
    std::string health_text() const;
    // The same as JSON for --json output.
    json health_json() const;
};

// How much of the journal load_run interprets.
enum class Depth {
    Full,   // every record: config, summary, rows (show)
    Light,  // every record is read and checked, but history rows are only
            // counted (the last one is parsed for its step and runtime), so
            // the summary stays empty; for ls over many large runs
};

// Reads the run; keeps the last keep_rows history rows as text.
RunStatus load_run(const RunRef &ref, size_t keep_rows, Depth depth = Depth::Full);

// Whether process pid is alive on this machine (kill(pid, 0)).
bool process_alive(int64_t pid);
// Whether host names this machine (gethostname, or WANDB_HOST, which the
// library records instead when it is set).
bool is_this_host(const std::string &host);

}  // namespace runlog::cli
