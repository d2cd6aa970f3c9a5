// The native driver: one background thread per run that pumps the core.
// Builds without threads (RUNLOG_THREADS=OFF, WebAssembly) have none, and the
// host pumps with runlog_pump().
#pragma once
#include <memory>

namespace runlog {

class Run;

class WriterThread {
public:
    // Starts the thread; false if this build has no threads.
    static bool available();
    explicit WriterThread(Run &run);
    ~WriterThread();  // joins
    WriterThread(const WriterThread &) = delete;
    WriterThread &operator=(const WriterThread &) = delete;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Online mode: a second thread per run that uploads (core/upload), so a slow
// or absent network never delays the journal. Stops (and joins) when
// destroyed; a request in flight with the built-in client is waited for.
class UploadThread {
public:
    explicit UploadThread(Run &run);
    ~UploadThread();
    UploadThread(const UploadThread &) = delete;
    UploadThread &operator=(const UploadThread &) = delete;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace runlog
