// Help and version text.
#include <cstdio>

#include "cli.h"
#include "journal_format.h"
#include "output.h"
#include "runlog.h"

namespace runlog::cli {
namespace {

struct CommandHelp {
    const char *name;
    const char *usage;
    const char *summary;
    const char *details;
};

const CommandHelp kHelp[] = {
    {"ls", "runlog ls [--dir DIR] [--json]", "list the local runs, newest first",
     "Columns: id, name, project, state, rows, last step, started, directory.\n"
     "States: finished (exit 0); failed (exit N); running (no exit record and the\n"
     "process that writes it is alive on this machine); crashed (no exit record and\n"
     "that process is gone); corrupt (the journal is missing, damaged or not a\n"
     "runlog journal: `runlog verify RUN` tells more).\n"},
    {"show", "runlog show RUN [--rows N] [--dir DIR] [--json]",
     "a run's metadata, state, config, summary and last history rows",
     "--rows N   how many of the last history rows to show (default 5, 0 for none)\n"},
    {"verify", "runlog verify RUN [--dir DIR] [--json]", "check a run's journal record by record",
     "Reports the records read, per kind, and where and why reading stopped:\n"
     "  end        the journal is complete\n"
     "  torn-tail  it ends inside a record: what a crash mid-write leaves (normal)\n"
     "  corrupt    a complete record fails its checksum or framing checks\n"
     "  bad-header the file is not a runlog journal (or a newer format)\n"
     "Exit status: 0 for end and torn-tail, 1 for corrupt and bad-header.\n"},
    {"export", "runlog export RUN [--format jsonl|csv] [--output FILE] [--dir DIR] [--json]",
     "write a run's history rows as JSON lines or CSV",
     "--format jsonl   one row per line, exactly as journaled (default)\n"
     "--format csv     a header of every key (nested keys joined with '.'), `_step`\n"
     "                 first and the rest sorted; strings quoted as RFC 4180 says;\n"
     "                 NaN and Infinity as in the JSON; arrays as JSON text; lines\n"
     "                 end with LF\n"
     "--output FILE    write to FILE (replaced only once the export succeeded)\n"
     "                 instead of stdout; -o FILE for short\n"
     "--json           with --output: print a JSON report of the export\n"
     "Exit status 1 when the journal is corrupt: the rows before the damage are\n"
     "still written.\n"},
    {"sync",
     "runlog sync [RUN...] [--entity E] [--project P] [--id ID] [-j N] [--include-synced] [--no-close] [--dir DIR] [--json]",
     "upload runs to a W&B server (offline runs, unfinished uploads)",
     "Without RUN: every run under DIR/runlog that is not fully uploaded yet.\n"
     "Only what the server has not acknowledged is sent (progress is kept in the\n"
     "run's sync-progress.json): a second sync sends nothing, an interrupted one\n"
     "continues, a run still being written is uploaded so far and picked up again\n"
     "by the next sync. A run that never reached finish (its process died) is\n"
     "closed with exit code 1, as W&B does (--no-close leaves it running).\n"
     "Server and key: WANDB_BASE_URL (default https://api.wandb.ai) and\n"
     "WANDB_API_KEY, else the ~/.netrc entry `wandb login` writes.\n"
     "--entity E, --project P   upload into this entity / project\n"
     "--id ID                   upload under another run id (one RUN only)\n"
     "-j N, --jobs N            upload N runs at once (default 1)\n"
     "--include-synced          also visit runs whose upload is complete\n"
     "Prints a progress line while uploading (on a terminal) and one line per run.\n"
     "Exit status: 0 when every run is uploaded, 1 when any failed (the rest are\n"
     "still uploaded), 2 on usage errors.\n"},
    {"help", "runlog help [COMMAND]", "show this help, or a command's", ""},
};

const char kRunText[] =
    "RUN is a run id (or a unique start of one), `latest` (the latest-run link, else\n"
    "the newest run), a run directory, or a run's .runlog journal file.\n"
    "Runs are looked for in DIR/runlog, where DIR is --dir, else $WANDB_DIR, else\n"
    "the current directory.\n"
    "--json prints strict JSON for scripts (NaN and Infinity become the strings\n"
    "\"NaN\", \"Infinity\", \"-Infinity\"). Errors go to stderr; the exit status is 0 on\n"
    "success, 1 on errors and corrupt journals, 2 on usage errors.\n";

const CommandHelp *find(const std::string &name) {
    for (const auto &h : kHelp)
        if (name == h.name) return &h;
    return nullptr;
}

}  // namespace

std::string usage_of(const std::string &command) {
    const CommandHelp *h = find(command);
    return h ? h->usage : "";
}

void print_help(const std::string &topic, bool json_out) {
    const CommandHelp *one = topic.empty() ? nullptr : find(topic);
    if (!topic.empty() && !one && topic != "version")
        throw usage_error("no help for '" + topic + "': there is no such command",
                          "the commands are ls, show, verify, export, sync and help");
    if (json_out) {
        json cmds = json::array();
        for (const auto &h : kHelp)
            if (!one || one == &h)
                cmds.push_back({{"name", h.name}, {"usage", h.usage}, {"summary", h.summary}, {"details", h.details}});
        json out = {{"version", RUNLOG_VERSION_STRING}, {"commands", cmds}, {"run_argument", kRunText}};
        write_out(stdout, script_json(out) + "\n", "the output");
        return;
    }
    std::string out;
    if (one) {
        out = std::string("usage: ") + one->usage + "\n\n" + one->summary + ".\n";
        if (*one->details) out += std::string("\n") + one->details;
        if (topic != "help" && topic != "ls") out += std::string("\n") + kRunText;
    } else if (topic == "version") {
        out = "usage: runlog --version [--json]\n\nprint the version of runlog and of the journal format it reads.\n";
    } else {
        out = "runlog " RUNLOG_VERSION_STRING " — look at the runs runlog recorded on this machine, and upload them\n\nusage:\n";
        for (const auto &h : kHelp) out += std::string("  ") + h.usage + "\n";
        out += "  runlog --version\n\ncommands:\n";
        for (const auto &h : kHelp) {
            std::string name = h.name;
            name.resize(8, ' ');
            out += "  " + name + h.summary + "\n";
        }
        out += std::string("\n") + kRunText + "\n`runlog help COMMAND` tells more about a command.\n";
    }
    write_out(stdout, out, "the output");
}

void print_version(bool json_out) {
    if (json_out) {
        json out = {{"version", RUNLOG_VERSION_STRING}, {"journal_format", int(journal::kFormatVersion)}};
        write_out(stdout, script_json(out) + "\n", "the output");
    } else {
        write_out(stdout,
                  "runlog " RUNLOG_VERSION_STRING " (journal format " + std::to_string(int(journal::kFormatVersion)) +
                      ")\n",
                  "the output");
    }
}

}  // namespace runlog::cli
