// Finding runs on disk: the runs directory (<root>/runlog), the runs in it,
// and what a RUN argument (id, id prefix, `latest`, directory, .runlog file)
// refers to.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "cli.h"

namespace runlog::cli {

namespace fs = std::filesystem;

// Where runs are looked for.
struct RunsRoot {
    fs::path base;    // the directory holding the run directories (<root>/runlog)
    std::string how;  // how base was chosen, for messages ("--dir", "WANDB_DIR", …)
};

// One run on disk (the journal may be missing or unreadable).
struct RunRef {
    fs::path dir;            // the run directory
    std::string dir_name;    // its last path component
    fs::path journal;        // the journal file (exists only if journal_found)
    bool journal_found = false;
    std::string id;          // from the directory or journal name ("" if unknown)
    std::string stamp;       // YYYYMMDD_HHMMSS from the directory name ("" if none)
    bool offline = false;
    fs::file_time_type mtime{};  // the journal's (else the directory's) modification time
};

// <--dir | $WANDB_DIR | .>/runlog. When that directory does not exist but
// the given directory itself holds run directories, that directory is used.
RunsRoot find_runs_root(const Options &opt);

// The runs under root.base, newest first (directory-name timestamp, then
// modification time). Empty when the directory does not exist; throws when
// it exists but cannot be read.
std::vector<RunRef> list_runs(const RunsRoot &root);

// What RUN names; throws cli::Error (exit 1) with a fix when nothing matches.
RunRef resolve_run(const std::string &run, const RunsRoot &root);

// The journal a resolved run must have; throws when it has none.
void require_journal(const RunRef &ref);

// The run's directory (or journal) path as given back to the user.
std::string display_path(const fs::path &p);
// The absolute form of p (for --json output).
std::string absolute_path(const fs::path &p);

}  // namespace runlog::cli
