// runlog_sync_open with options.path (a run directory on disk) in the wasm
// build: there is no filesystem here, so it says what to do instead. The JS
// package always syncs through options.store (IndexedDB, memory, Node disk).
#include "native/run_files.h"

namespace runlog {

int open_run_files(const std::string &path, RunFiles &, Error &err) {
    return err.set(RUNLOG_E_INVALID_ARGUMENT,
                   "cannot open " + path +
                       ": the WebAssembly build has no filesystem; pass options.store and options.run_id "
                       "(the JavaScript package's syncPending() does)");
}

}  // namespace runlog
