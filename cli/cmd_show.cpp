// runlog show RUN: metadata, config, summary, the last history rows, state
// and journal health of one run.
#include <cstdio>

#include "cli.h"
#include "output.h"
#include "run_status.h"

namespace runlog::cli {
namespace {

constexpr size_t kDefaultRows = 5;
constexpr size_t kMaxRows = 1000000000;

size_t parse_rows(const std::optional<std::string> &text) {
    if (!text) return kDefaultRows;
    const std::string &s = *text;
    bool digits = !s.empty() && s.size() <= 10;
    for (char c : s) digits = digits && c >= '0' && c <= '9';
    if (!digits || std::stoull(s) > kMaxRows)
        throw usage_error("--rows needs a whole number from 0 to " + std::to_string(kMaxRows) + " (got '" + s + "')",
                          "for example `--rows 20`");
    return size_t(std::stoull(s));
}

// "  key = value" lines of a flattened object, or "  (none)".
std::string key_values(const json &object) {
    std::vector<std::pair<std::string, const json *>> leaves;
    if (object.is_object()) flatten(object, "", leaves);
    if (leaves.empty()) return "  (none)\n";
    std::string out;
    for (const auto &[key, value] : leaves)
        out += "  " + printable(key) + " = " + printable(to_json_text(*value)) + "\n";
    return out;
}

void field(std::string &out, const char *label, const std::string &value, bool always = false) {
    if (value.empty() && !always) return;
    std::string l = label;
    l.resize(11, ' ');
    out += l + value + "\n";
}

std::string tags_text(const json &info) {
    auto it = info.find("tags");
    if (it == info.end() || !it->is_array()) return {};
    std::string out;
    for (const auto &t : *it) {
        if (!out.empty()) out += ", ";
        out += t.is_string() ? t.get<std::string>() : to_json_text(t);
    }
    return out;
}

}  // namespace

int cmd_show(const Options &opt) {
    if (opt.positionals.empty())
        throw usage_error("'show' needs a RUN: a run id, `latest`, a run directory or a .runlog file",
                          "for example `runlog show latest`");
    if (opt.positionals.size() > 1)
        throw usage_error("'show' takes one RUN (got '" + opt.positionals[1] + "' too)", "show one run at a time");
    const size_t keep = parse_rows(opt.rows);
    const RunsRoot root = find_runs_root(opt);
    const RunRef ref = resolve_run(opt.positionals.front(), root);
    require_journal(ref);
    RunStatus st = load_run(ref, keep);
    if (!st.opened)
        throw Error("cannot read the journal of run " + st.id() + ": " + st.open_error,
                    "check that the file exists and is readable");
    const RunModel &m = st.model();
    const json summary = m.summary.to_json();

    if (opt.json) {
        json history = json::array();
        for (const auto &text : st.replay.last_rows) {
            json row;
            if (parse_json_value(text, row, nullptr) == JsonError::None) history.push_back(std::move(row));
            else history.push_back(text);
        }
        json out = json::object();
        out["id"] = st.id();
        out["name"] = st.info_string("name");
        out["project"] = st.info_string("project");
        out["entity"] = st.info_string("entity");
        out["state"] = st.state_word();
        out["exit_code"] = m.finished ? json(m.exit_code) : json(nullptr);
        out["dir"] = absolute_path(ref.dir);
        out["run"] = m.run_info;
        out["config"] = m.config;
        out["summary"] = summary;
        out["rows"] = m.rows;
        out["last_step"] = m.last_step >= 0 ? json(m.last_step) : json(nullptr);
        out["runtime"] = m.runtime;
        out["start_time"] = st.start_time() > 0 ? json(st.start_time()) : json(nullptr);
        out["resumes"] = m.resumes;
        out["writer"] = {{"pid", st.writer_pid}, {"host", st.writer_host}};
        out["history"] = std::move(history);
        out["journal"] = st.health_json();
        write_out(stdout, script_json(out) + "\n", "the output");
        return kExitOk;
    }

    std::string out;
    const std::string name = st.info_string("name");
    field(out, "run", printable(st.id()) + (name.empty() ? "" : "  (" + printable(name) + ")"), true);
    field(out, "project", printable(st.info_string("project")));
    field(out, "entity", printable(st.info_string("entity")));
    field(out, "group", printable(st.info_string("group")));
    field(out, "job type", printable(st.info_string("job_type")));
    field(out, "tags", printable(tags_text(m.run_info)));
    field(out, "notes", printable(st.info_string("notes")));
    field(out, "mode", printable(st.info_string("mode")));
    field(out, "state", st.state_text(), true);
    std::string started = local_time_text(st.start_time());
    if (started.empty() && !ref.stamp.empty()) started = dir_stamp_text(ref.stamp);
    field(out, "started", started);
    field(out, "runtime", duration_text(m.runtime), true);
    field(out, "rows",
          std::to_string(m.rows) + (m.last_step >= 0 ? " (last step " + std::to_string(m.last_step) + ")" : ""),
          true);
    if (m.resumes) field(out, "resumed", std::to_string(m.resumes) + (m.resumes == 1 ? " time" : " times"));
    if (!st.writer_host.empty() || st.writer_pid > 0)
        field(out, "host", printable(st.writer_host) + (st.writer_pid > 0 ? " (pid " + std::to_string(st.writer_pid) + ")" : ""));
    field(out, "program", printable(st.info_string("program")));
    field(out, "directory", printable(display_path(ref.dir)), true);
    field(out, "journal", printable(st.health_text()), true);
    if (m.malformed)
        field(out, "warning", std::to_string(m.malformed) + " record(s) could not be used (bad JSON); "
                                                            "run `runlog verify` for details");

    out += "\nconfig\n" + key_values(m.config);
    out += "\nsummary\n" + key_values(summary);
    const size_t shown = st.replay.last_rows.size();
    if (keep > 0) {
        if (m.rows == 0) out += "\nhistory: no rows\n";
        else if (shown >= m.rows) out += "\nhistory (all " + std::to_string(m.rows) + (m.rows == 1 ? " row)\n" : " rows)\n");
        else out += "\nhistory (last " + std::to_string(shown) + " of " + std::to_string(m.rows) + " rows)\n";
        for (const auto &row : st.replay.last_rows) out += "  " + printable(row) + "\n";
    }
    write_out(stdout, out, "the output");
    return kExitOk;
}

}  // namespace runlog::cli
