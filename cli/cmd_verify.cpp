// runlog verify RUN: reads every record of a journal and reports where and
// why it stops. Exit 0 for a clean journal or a torn tail (the normal result
// of a crash), 1 for a corrupt journal or one that is not a runlog journal.
#include <cstdio>
#include <map>

#include "cli.h"
#include "journal_reader.h"
#include "output.h"
#include "run_locator.h"

namespace runlog::cli {
namespace {

std::string kind_label(uint8_t kind) {
    std::string_view name = journal::kind_name(journal::RecordKind(kind));
    if (name == "unknown") return "unknown_" + std::to_string(kind);
    return std::string(name);
}

std::string plural(uint64_t n, const char *one, const char *many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int cmd_verify(const Options &opt) {
    if (opt.positionals.empty())
        throw usage_error("'verify' needs a RUN: a run id, `latest`, a run directory or a .runlog file",
                          "for example `runlog verify latest`");
    if (opt.positionals.size() > 1)
        throw usage_error("'verify' takes one RUN (got '" + opt.positionals[1] + "' too)",
                          "verify one run at a time");
    const RunsRoot root = find_runs_root(opt);
    const RunRef ref = resolve_run(opt.positionals.front(), root);
    require_journal(ref);

    std::error_code ec;
    if (!fs::is_regular_file(ref.journal, ec))
        throw Error(display_path(ref.journal) + " is not a regular file", "give a run's .runlog journal");
    const auto size_or_error = fs::file_size(ref.journal, ec);
    const uint64_t bytes = ec ? 0 : uint64_t(size_or_error);
    std::string err;
    journal::ByteSource src = journal::file_source(ref.journal.string(), &err);
    if (!src) throw Error(err.empty() ? "cannot open " + display_path(ref.journal) : err, "check that the file is readable");

    journal::Reader reader(std::move(src));
    journal::Record rec;
    std::map<uint8_t, uint64_t> kinds;
    uint64_t malformed = 0, first_malformed = 0;
    bool first_is_run = false;
    while (reader.next(rec)) {
        if (reader.summary().records == 1) first_is_run = rec.kind == journal::RecordKind::Run;
        kinds[uint8_t(rec.kind)]++;
        json j;
        if (parse_json_value(rec.json, j, nullptr) != JsonError::None || !j.is_object()) {
            if (!malformed) first_malformed = rec.offset;
            malformed++;
        }
    }
    const journal::ReadSummary &sum = reader.summary();
    const bool ok = sum.reason == journal::StopReason::End || sum.reason == journal::StopReason::TornTail;

    std::vector<std::string> warnings;
    if (malformed)
        warnings.push_back(plural(malformed, "record holds", "records hold") +
                           " JSON that is not an object or cannot be parsed (first at offset " +
                           std::to_string(first_malformed) + "); readers skip them");
    if (sum.records > 0 && !first_is_run)
        warnings.push_back("the first record is not a run record; the run's metadata is missing");

    std::string message;
    switch (sum.reason) {
        case journal::StopReason::End:
            message = "the journal is complete: every record checks out";
            break;
        case journal::StopReason::TornTail:
            message = "the journal ends in a torn write at offset " + std::to_string(sum.stop_offset) + ": " +
                      plural(sum.bytes_after, "byte", "bytes") +
                      " of an incomplete record. This is what a crash or kill mid-write leaves and is normal; "
                      "the records before it are intact, and resuming the run drops the tail";
            break;
        case journal::StopReason::Corrupt:
            message = "the journal is CORRUPT at offset " + std::to_string(sum.stop_offset) + " (" + sum.detail +
                      "); " + plural(sum.bytes_after, "byte", "bytes") +
                      " from there on cannot be read. The records before it are intact; anything after is "
                      "lost (disk or copy damage, or the file was edited)";
            break;
        case journal::StopReason::BadHeader:
            message = sum.detail;
            break;
        case journal::StopReason::IoError:
            message = "reading failed at offset " + std::to_string(sum.stop_offset) + ": " + sum.detail;
            break;
    }

    if (opt.json) {
        json k = json::object();
        for (const auto &[kind, n] : kinds) k[kind_label(kind)] = n;
        json out = {{"journal", absolute_path(ref.journal)},
                    {"ok", ok},
                    {"bytes", bytes},
                    {"records", sum.records},
                    {"kinds", k},
                    {"stop_reason", journal::stop_reason_name(sum.reason)},
                    {"good_offset", sum.good_offset},
                    {"stop_offset", sum.stop_offset},
                    {"bytes_after", sum.bytes_after},
                    {"detail", sum.detail},
                    {"malformed_records", malformed},
                    {"message", message},
                    {"warnings", warnings}};
        write_out(stdout, script_json(out) + "\n", "the output");
        return ok ? kExitOk : kExitError;
    }

    std::string kinds_text;
    for (const auto &[kind, n] : kinds) kinds_text += (kinds_text.empty() ? "" : ", ") + kind_label(kind) + " " + std::to_string(n);
    std::string out;
    out += "journal    " + printable(display_path(ref.journal)) + "\n";
    out += "size       " + size_text(bytes) + "\n";
    out += "records    " + std::to_string(sum.records) + (kinds_text.empty() ? "" : " (" + kinds_text + ")") + "\n";
    if (sum.reason != journal::StopReason::BadHeader)
        out += "intact     up to offset " + std::to_string(sum.good_offset) + "\n";
    out += "result     " + std::string(journal::stop_reason_name(sum.reason)) + ": " + printable(message) + "\n";
    for (const auto &w : warnings) out += "warning    " + w + "\n";
    write_out(stdout, out, "the output");
    if (!ok)
        std::fprintf(stderr, "runlog: the journal %s is %s; %s\n", printable(display_path(ref.journal)).c_str(),
                     sum.reason == journal::StopReason::Corrupt ? "corrupt" : "not readable",
                     sum.reason == journal::StopReason::Corrupt
                         ? "the records before the damage can still be read (`runlog export`); restore the file "
                           "from a copy to recover the rest"
                         : "check that this is a run's .runlog file and that runlog is up to date");
    return ok ? kExitOk : kExitError;
}

}  // namespace runlog::cli
