// The disk store: a run directory shaped like W&B's under <root>/runlog/.
//   <root>/runlog/offline-run-YYYYMMDD_HHMMSS-<id>/run-<id>.runlog   the journal
//   <root>/runlog/offline-run-…/files/                                run files
//   <root>/runlog/latest-run -> offline-run-…                          newest run
#pragma once
#include <string>

#include "runlog.h"

namespace runlog {

// Fills *out with a disk store for runs under root_dir/runlog.
int make_disk_store(const std::string &root_dir, runlog_store *out, runlog_error *err);

// W&B's resume="auto": <root>/runlog/wandb-resume.json remembers the last run id.
std::string read_resume_id(const std::string &root_dir);
void write_resume_id(const std::string &root_dir, const std::string &id);

}  // namespace runlog
