// runlog ls: the local runs, newest first.
#include <cstdio>

#include "cli.h"
#include "output.h"
#include "run_status.h"

namespace runlog::cli {

int cmd_ls(const Options &opt) {
    if (!opt.positionals.empty())
        throw usage_error("'ls' takes no arguments (got '" + opt.positionals.front() + "')",
                          "use `runlog ls --dir DIR` to list runs elsewhere");
    const RunsRoot root = find_runs_root(opt);
    const auto refs = list_runs(root);

    if (opt.json) {
        json runs = json::array();
        for (const auto &ref : refs) {
            RunStatus st = load_run(ref, 0, Depth::Light);
            const RunModel &m = st.model();
            json r = json::object();
            r["id"] = st.id();
            r["name"] = st.info_string("name");
            r["project"] = st.info_string("project");
            r["entity"] = st.info_string("entity");
            r["state"] = st.state_word();
            r["exit_code"] = st.state == RunState::Finished || st.state == RunState::Failed ? json(m.exit_code)
                                                                                              : json(nullptr);
            r["rows"] = m.rows;
            r["last_step"] = m.last_step >= 0 ? json(m.last_step) : json(nullptr);
            r["runtime"] = m.runtime;
            const double start = st.start_time();
            r["start_time"] = start > 0 ? json(start) : json(nullptr);
            r["dir"] = absolute_path(ref.dir);
            r["dir_name"] = ref.dir_name;
            r["offline"] = ref.offline;
            r["journal"] = st.health_json();
            runs.push_back(std::move(r));
        }
        json out = {{"runs_dir", absolute_path(root.base)}, {"runs", std::move(runs)}};
        write_out(stdout, script_json(out) + "\n", "the output");
        return kExitOk;
    }

    if (refs.empty()) {
        write_out(stdout,
                  "no runs in " + printable(display_path(root.base)) + " (from " + root.how +
                      "); use --dir DIR or WANDB_DIR to look in the directory that holds runlog/\n",
                  "the output");
        return kExitOk;
    }
    Table table({"ID", "NAME", "PROJECT", "STATE", "ROWS", "LAST STEP", "STARTED", "DIRECTORY"});
    for (const auto &ref : refs) {
        RunStatus st = load_run(ref, 0, Depth::Light);
        const RunModel &m = st.model();
        std::string started = local_time_text(st.start_time());
        if (started.empty()) started = ref.stamp.empty() ? "-" : dir_stamp_text(ref.stamp);
        auto or_dash = [](std::string s) { return s.empty() ? std::string("-") : s; };
        table.add({printable(or_dash(st.id()), 24), printable(or_dash(st.info_string("name")), 32),
                   printable(or_dash(st.info_string("project")), 32), st.state_text(), std::to_string(m.rows),
                   m.last_step >= 0 ? std::to_string(m.last_step) : "-", started, printable(ref.dir_name)});
    }
    write_out(stdout, table.render(), "the output");
    return kExitOk;
}

}  // namespace runlog::cli
