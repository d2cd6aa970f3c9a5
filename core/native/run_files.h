// A run on disk, opened for `runlog sync`: its journal read straight from the
// file, its upload progress in <run dir>/sync-progress.json.
#pragma once
#include <string>

#include "status.h"
#include "upload/uploader.h"

namespace runlog {

struct RunFiles {
    upload::Storage storage;
    std::string location;   // the run directory
    std::string run_id;     // from the journal's name
    bool live = false;      // a process still has the journal open for writing
};

// path: a run directory (holding run-<id>.runlog) or a journal file.
int open_run_files(const std::string &path, RunFiles &out, Error &err);

}  // namespace runlog
