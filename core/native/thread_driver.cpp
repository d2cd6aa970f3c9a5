#include "native/thread_driver.h"

#include <algorithm>

#include "run.h"

#if RUNLOG_HAVE_THREADS
#include <thread>
#endif

namespace runlog {

#if RUNLOG_HAVE_THREADS
struct WriterThread::Impl {
    std::thread thread;
};

bool WriterThread::available() { return true; }

WriterThread::WriterThread(Run &run) : impl_(new Impl) {
    impl_->thread = std::thread([&run] {
        while (run.wait_for_work()) run.pump_once(0, nullptr);
    });
}

WriterThread::~WriterThread() {
    if (impl_ && impl_->thread.joinable()) impl_->thread.join();
}

struct UploadThread::Impl {
    std::thread thread;
    Run *run = nullptr;
};

UploadThread::UploadThread(Run &run) : impl_(new Impl) {
    impl_->run = &run;
    impl_->thread = std::thread([&run] {
        while (!run.upload_stopping()) {
            double wait = run.upload_step();
            if (run.upload_stopping()) break;
            // Journal writes wake it at most 4 times a second; a last batch
            // written just after a wake-up is still picked up within 1 s.
            run.upload_wait(std::min(wait, 1.0));
        }
    });
}

UploadThread::~UploadThread() {
    if (!impl_) return;
    impl_->run->stop_upload();
    if (impl_->thread.joinable()) impl_->thread.join();
}
#else
struct WriterThread::Impl {};
bool WriterThread::available() { return false; }
WriterThread::WriterThread(Run &) {}
WriterThread::~WriterThread() = default;
struct UploadThread::Impl {};
UploadThread::UploadThread(Run &) {}
UploadThread::~UploadThread() = default;
#endif

}  // namespace runlog
