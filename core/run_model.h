// What a run's journal means: config, summary, metrics, steps, exit. The
// writer keeps one up to date as it journals records; replay() rebuilds one
// from a journal (resume, the CLI, sync). Pure computation.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "journal_reader.h"
#include "json_text.h"
#include "summary.h"

namespace runlog {

class RunModel {
public:
    json run_info = json::object();  // the first run record
    json config = json::object();
    Summary summary;
    int64_t last_step = -1;          // _step of the last history row
    uint64_t rows = 0;               // history rows
    double runtime = 0;              // latest _runtime / exit runtime, seconds
    double last_timestamp = 0;       // latest _timestamp
    bool finished = false;
    int exit_code = 0;
    uint64_t resumes = 0;
    uint64_t malformed = 0;          // records whose JSON could not be used

    // Applies one record from a journal.
    void apply(journal::RecordKind kind, std::string_view json_text);

    // Pump-side updates (the writer calls these with values it already has).
    // Fills step_metric values into the row (define_metric step_sync) and
    // updates the summary.
    void on_history(json &row);
    // The same for a row already serialized (the fast path, and replay).
    void on_history_text(std::string_view row_text);
    void on_config(const json &update);
    void on_summary(const json &update, const json &remove);
    void on_metric(const MetricDef &metric);
    void on_exit(int code, double runtime_seconds);

    bool has_step_sync() const { return step_sync_; }
    // The wandb-summary.json content: the summary plus _wandb.runtime.
    json summary_file() const;

private:
    void note_row_stamps(const json &row);
    void fill_step_metrics(json &row);
    bool step_sync_ = false;
    // W&B core's latestStep: the last value each step metric had in a row.
    std::unordered_map<std::string, double> step_latest_;
};

struct Replay {
    RunModel model;
    journal::ReadSummary read;
    std::deque<std::string> last_rows;  // JSON text of the last keep_rows rows
};

// Reads a whole journal. on_record (optional) sees every record in order.
Replay replay(journal::ByteSource source, size_t keep_rows = 0,
              const std::function<void(const journal::Record &)> &on_record = {});

}  // namespace runlog
