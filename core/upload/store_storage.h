// The uploader's Storage over a store plug-in: journal bytes through read(),
// upload progress as the run file sync-progress.json through read_file()
// (store version 2; without it progress lives in memory) and write_file().
#pragma once
#include <functional>
#include <mutex>

#include "runlog.h"
#include "upload/uploader.h"

namespace runlog::upload {

extern const char *const kProgressFile;  // "sync-progress.json"

// store is copied (not owned). mu, when given, is held around every store
// call: a live run shares its store with the writer, and a store's calls
// must never overlap.
Storage store_storage(const runlog_store &store, std::mutex *mu, std::function<uint64_t()> readable);

}  // namespace runlog::upload
