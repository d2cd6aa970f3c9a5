#include "run_status.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <signal.h>
#include <unistd.h>

#include "output.h"

namespace runlog::cli {

bool process_alive(int64_t pid) {
    // pid 0 and negative pids would address process groups: never alive.
    if (pid <= 0 || pid > INT_MAX) return false;
    if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
    return errno == EPERM;  // exists, owned by someone else
}

bool is_this_host(const std::string &host) {
    if (host.empty()) return false;
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0 && host == buf) return true;
    const char *env = std::getenv("WANDB_HOST");
    return env && *env && host == env;
}

namespace {

// replay() without parsing every history row.
Replay light_replay(journal::ByteSource src, const std::function<void(const journal::Record &)> &on_record) {
    Replay out;
    journal::Reader reader(std::move(src));
    journal::Record rec;
    std::string last_row;
    uint64_t rows = 0;
    while (reader.next(rec)) {
        on_record(rec);
        if (rec.kind == journal::RecordKind::History) {
            ++rows;
            last_row.swap(rec.json);
        } else {
            out.model.apply(rec.kind, rec.json);
        }
    }
    if (rows) {
        const double exit_runtime = out.model.runtime;
        out.model.apply(journal::RecordKind::History, last_row);
        if (exit_runtime > out.model.runtime) out.model.runtime = exit_runtime;
        out.model.rows = rows;
    }
    out.read = reader.summary();
    return out;
}

}  // namespace

RunStatus load_run(const RunRef &ref, size_t keep_rows, Depth depth) {
    RunStatus st;
    st.ref = ref;
    if (!ref.journal_found) {
        st.open_error = "no journal in the run directory";
        return st;
    }
    std::error_code ec;
    if (!fs::is_regular_file(ref.journal, ec)) {
        st.open_error = display_path(ref.journal) + " is not a regular file";
        return st;
    }
    const auto size = fs::file_size(ref.journal, ec);
    st.journal_bytes = ec ? 0 : uint64_t(size);
    std::string err;
    journal::ByteSource src = journal::file_source(ref.journal.string(), &err);
    if (!src) {
        st.open_error = err.empty() ? "cannot open the journal" : err;
        return st;
    }
    st.opened = true;

    auto take_writer = [&](const std::string &text) {
        json j;
        if (parse_json_value(text, j, nullptr) != JsonError::None || !j.is_object()) return;
        if (auto it = j.find("pid"); it != j.end() && it->is_number_integer()) st.writer_pid = it->get<int64_t>();
        else st.writer_pid = 0;
        if (auto it = j.find("host"); it != j.end() && it->is_string()) st.writer_host = it->get<std::string>();
        else st.writer_host.clear();
    };
    bool seen_run = false;
    auto on_record = [&](const journal::Record &rec) {
        if ((rec.kind == journal::RecordKind::Run && !seen_run) || rec.kind == journal::RecordKind::Resume) {
            seen_run = true;
            take_writer(rec.json);
        }
    };
    st.replay = depth == Depth::Light ? light_replay(std::move(src), on_record)
                                      : replay(std::move(src), keep_rows, on_record);

    const auto reason = st.replay.read.reason;
    const RunModel &m = st.replay.model;
    if (reason == journal::StopReason::Corrupt || reason == journal::StopReason::BadHeader ||
        reason == journal::StopReason::IoError)
        st.state = RunState::Corrupt;
    else if (m.finished)
        st.state = m.exit_code == 0 ? RunState::Finished : RunState::Failed;
    else if (is_this_host(st.writer_host) && process_alive(st.writer_pid))
        st.state = RunState::Running;
    else
        st.state = RunState::Crashed;
    return st;
}

std::string RunStatus::state_word() const {
    switch (state) {
        case RunState::Finished: return "finished";
        case RunState::Failed: return "failed";
        case RunState::Running: return "running";
        case RunState::Crashed: return "crashed";
        case RunState::Corrupt: return "corrupt";
    }
    return "corrupt";
}

std::string RunStatus::state_text() const {
    if (state == RunState::Failed) return "failed (exit " + std::to_string(model().exit_code) + ")";
    return state_word();
}

std::string RunStatus::info_string(const char *key) const {
    const json &info = model().run_info;
    if (!info.is_object()) return {};
    auto it = info.find(key);
    return it != info.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string RunStatus::id() const {
    std::string id = info_string("id");
    return id.empty() ? ref.id : id;
}

double RunStatus::start_time() const {
    const json &info = model().run_info;
    if (!info.is_object()) return 0;
    auto it = info.find("start_time");
    return it != info.end() && it->is_number() ? it->get<double>() : 0;
}

std::string RunStatus::health_text() const {
    if (!opened) return "unreadable: " + open_error;
    const auto &r = replay.read;
    const std::string records = std::to_string(r.records) + (r.records == 1 ? " record" : " records");
    switch (r.reason) {
        case journal::StopReason::End:
            return "ok: " + records + ", " + size_text(journal_bytes);
        case journal::StopReason::TornTail:
            return "torn tail: " + records + " intact, then " + size_text(r.bytes_after) +
                   " of an incomplete record at offset " + std::to_string(r.stop_offset) +
                   " (what a crash mid-write leaves; nothing is damaged)";
        case journal::StopReason::Corrupt:
            return "CORRUPT at offset " + std::to_string(r.stop_offset) + " (" + r.detail + "): " + records +
                   " read before it, " + size_text(r.bytes_after) + " after it unreadable; run `runlog verify`";
        case journal::StopReason::BadHeader:
            return "not readable: " + r.detail;
        case journal::StopReason::IoError:
            return "read error at offset " + std::to_string(r.stop_offset) + ": " + r.detail;
    }
    return "unknown";
}

json RunStatus::health_json() const {
    json h = json::object();
    h["path"] = absolute_path(ref.journal);
    h["bytes"] = journal_bytes;
    if (!opened) {
        h["stop_reason"] = "unreadable";
        h["detail"] = open_error;
        h["records"] = 0;
        return h;
    }
    const auto &r = replay.read;
    h["records"] = r.records;
    h["stop_reason"] = journal::stop_reason_name(r.reason);
    h["good_offset"] = r.good_offset;
    h["stop_offset"] = r.stop_offset;
    h["bytes_after"] = r.bytes_after;
    h["detail"] = r.detail;
    return h;
}

}  // namespace runlog::cli
