// runlog export RUN: the history rows as JSON lines (exactly as journaled) or
// CSV (one column per flattened key, `_step` first).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "cli.h"
#include "journal_reader.h"
#include "output.h"
#include "run_locator.h"

namespace runlog::cli {
namespace {

// Where the rows go: stdout, or a temporary file renamed over FILE at the
// end (so a failed export never leaves half a file behind).
class Sink {
public:
    explicit Sink(const std::optional<std::string> &path) {
        if (!path || *path == "-") {
            f_ = stdout;
            what_ = "the output";
            return;
        }
        path_ = *path;
        tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
        what_ = path_;
        f_ = std::fopen(tmp_.c_str(), "wb");
        if (!f_) {
            const int e = errno;
            throw Error("cannot create " + path_ + ": " + std::strerror(e),
                        "check that the directory exists and is writable");
        }
    }
    ~Sink() {
        if (f_ && f_ != stdout) {
            std::fclose(f_);
            std::remove(tmp_.c_str());
        }
    }
    void write(std::string_view s) {
        buf_.append(s);
        if (buf_.size() >= 1 << 16) flush_buf();
    }
    void commit() {
        flush_buf();
        if (f_ == stdout) {
            if (std::fflush(stdout) != 0) fail();
            return;
        }
        FILE *f = f_;
        f_ = nullptr;
        const bool ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
        const int e = errno;
        if (std::fclose(f) != 0 || !ok) {
            std::remove(tmp_.c_str());
            throw Error("cannot write " + path_ + ": " + std::strerror(e), "check that the disk has room");
        }
        if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
            const int e2 = errno;
            std::remove(tmp_.c_str());
            throw Error("cannot create " + path_ + ": " + std::strerror(e2), "check that the destination is writable");
        }
    }
    bool to_file() const { return !path_.empty(); }
    const std::string &path() const { return path_; }

private:
    void flush_buf() {
        if (buf_.empty()) return;
        if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) fail();
        buf_.clear();
    }
    [[noreturn]] void fail() {
        const int e = errno;
        throw Error("cannot write " + what_ + ": " + std::strerror(e),
                    "check that the disk has room and the destination is writable");
    }
    FILE *f_ = nullptr;
    std::string path_, tmp_, what_, buf_;
};

journal::ByteSource open_journal(const RunRef &ref) {
    std::error_code ec;
    if (!fs::is_regular_file(ref.journal, ec))
        throw Error(display_path(ref.journal) + " is not a regular file", "give a run's .runlog journal");
    std::string err;
    journal::ByteSource src = journal::file_source(ref.journal.string(), &err);
    if (!src) throw Error(err.empty() ? "cannot open " + display_path(ref.journal) : err, "check that the file is readable");
    return src;
}

// Calls fn(json text) for each history record, at most limit of them;
// returns how the journal stopped.
template <class Fn>
journal::ReadSummary each_row(const RunRef &ref, uint64_t limit, Fn &&fn) {
    journal::Reader reader(open_journal(ref));
    journal::Record rec;
    uint64_t n = 0;
    while (n < limit && reader.next(rec)) {
        if (rec.kind != journal::RecordKind::History) continue;
        ++n;
        fn(rec.json);
    }
    return reader.summary();
}

// "_step" first, then the other keys in byte order.
std::vector<std::string> column_order(const std::set<std::string> &keys) {
    std::vector<std::string> cols;
    if (keys.count("_step")) cols.push_back("_step");
    for (const auto &k : keys)
        if (k != "_step") cols.push_back(k);
    return cols;
}

}  // namespace

int cmd_export(const Options &opt) {
    if (opt.positionals.empty())
        throw usage_error("'export' needs a RUN: a run id, `latest`, a run directory or a .runlog file",
                          "for example `runlog export latest --format csv --output rows.csv`");
    if (opt.positionals.size() > 1)
        throw usage_error("'export' takes one RUN (got '" + opt.positionals[1] + "' too)", "export one run at a time");
    const std::string format = opt.format.value_or("jsonl");
    if (format != "jsonl" && format != "csv")
        throw usage_error("unknown export format '" + format + "'", "use --format jsonl or --format csv");
    const bool to_stdout = !opt.output || *opt.output == "-";
    if (opt.json && to_stdout)
        throw usage_error("--json with 'export' needs --output FILE (the rows themselves go to stdout)",
                          "add --output FILE to get a JSON report of the export on stdout");

    const RunsRoot root = find_runs_root(opt);
    const RunRef ref = resolve_run(opt.positionals.front(), root);
    require_journal(ref);
    if (!to_stdout) {
        std::error_code ec;
        if (fs::equivalent(*opt.output, ref.journal, ec))
            throw Error("--output " + *opt.output + " is the run's journal itself", "write the rows to another file");
    }

    uint64_t rows = 0;
    uint64_t bad_rows = 0;
    std::vector<std::string> columns;
    journal::ReadSummary read;
    Sink sink(opt.output);
    if (format == "jsonl") {
        read = each_row(ref, UINT64_MAX, [&](const std::string &text) {
            sink.write(text);
            sink.write("\n");
            ++rows;
        });
    } else {
        // Pass 1: the columns. Pass 2 (the same number of rows, in case the
        // run is still being written): the cells.
        std::set<std::string> keys;
        uint64_t seen = 0;
        read = each_row(ref, UINT64_MAX, [&](const std::string &text) {
            ++seen;
            json row;
            if (parse_json_value(text, row, nullptr) != JsonError::None || !row.is_object()) return;
            std::vector<std::pair<std::string, const json *>> leaves;
            flatten(row, "", leaves);
            for (const auto &leaf : leaves) keys.insert(leaf.first);
        });
        columns = column_order(keys);
        std::map<std::string, size_t> index;
        for (size_t i = 0; i < columns.size(); ++i) index[columns[i]] = i;
        std::string line;
        for (size_t i = 0; i < columns.size(); ++i) line += (i ? "," : "") + csv_field(columns[i]);
        if (!columns.empty()) sink.write(line + "\n");
        std::vector<std::string> cells(columns.size());
        each_row(ref, seen, [&](const std::string &text) {
            json row;
            if (parse_json_value(text, row, nullptr) != JsonError::None || !row.is_object()) {
                ++bad_rows;
                return;
            }
            std::fill(cells.begin(), cells.end(), std::string());
            std::vector<std::pair<std::string, const json *>> leaves;
            flatten(row, "", leaves);
            for (const auto &[key, value] : leaves)
                if (auto it = index.find(key); it != index.end()) cells[it->second] = csv_cell_text(*value);
            line.clear();
            for (size_t i = 0; i < cells.size(); ++i) {
                if (i) line += ',';
                line += csv_field(cells[i]);
            }
            line += '\n';
            sink.write(line);
            ++rows;
        });
    }

    const bool damaged = read.reason == journal::StopReason::Corrupt || read.reason == journal::StopReason::BadHeader ||
                         read.reason == journal::StopReason::IoError;
    if (read.reason == journal::StopReason::BadHeader || read.reason == journal::StopReason::IoError)
        throw Error("cannot read the journal " + display_path(ref.journal) + ": " + read.detail,
                    "check that this is a run's .runlog file (`runlog verify` tells more)");
    sink.commit();

    if (bad_rows)
        std::fprintf(stderr, "runlog: warning: %llu history row(s) hold JSON that cannot be parsed and were left out "
                             "of the CSV; `--format jsonl` exports them as they are\n",
                     (unsigned long long)bad_rows);
    if (read.reason == journal::StopReason::TornTail)
        std::fprintf(stderr,
                     "runlog: note: the journal ends in a torn write (normal after a crash); the %llu complete "
                     "rows were exported\n",
                     (unsigned long long)rows);
    if (damaged)
        std::fprintf(stderr,
                     "runlog: the journal is corrupt at offset %llu (%s); only the %llu rows before it were "
                     "exported; `runlog verify %s` tells more\n",
                     (unsigned long long)read.stop_offset, read.detail.c_str(), (unsigned long long)rows,
                     opt.positionals.front().c_str());

    if (opt.json) {
        json out = {{"output", sink.path()},
                    {"format", format},
                    {"rows", rows},
                    {"columns", columns},
                    {"complete", !damaged},
                    {"stop_reason", journal::stop_reason_name(read.reason)},
                    {"journal", absolute_path(ref.journal)}};
        if (format != "csv") out.erase("columns");
        write_out(stdout, script_json(out) + "\n", "the report");
    } else if (sink.to_file()) {
        std::fprintf(stderr, "wrote %llu rows to %s\n", (unsigned long long)rows, sink.path().c_str());
    }
    return damaged ? kExitError : kExitOk;
}

}  // namespace runlog::cli
