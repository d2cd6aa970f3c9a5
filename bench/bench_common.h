// Helpers shared by the benchmarks: a temporary directory and a run opened
// in it (offline, silent), failing loudly on any runlog error.
#pragma once
#include <runlog.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

namespace bench {

// Where benchmark runs are written: $RUNLOG_BENCH_DIR, else $TMPDIR, else /tmp.
// Put it on the disk you care about: a tmpfs makes fsync free.
inline std::string base_dir() {
    if (const char *d = getenv("RUNLOG_BENCH_DIR"); d && *d) return d;
    if (const char *d = getenv("TMPDIR"); d && *d) return d;
    return "/tmp";
}

[[noreturn]] inline void die(const char *what, int status, const runlog_error &err) {
    fprintf(stderr, "bench: %s failed: %s (%s)\n", what, err.message, runlog_status_string(status));
    exit(1);
}

inline void check(int status, const runlog_error &err, const char *what) {
    if (status != RUNLOG_OK) die(what, status, err);
}

// A fresh directory under base_dir(), removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string tmpl = base_dir() + "/runlog-bench-XXXXXX";
        if (!mkdtemp(tmpl.data())) {
            perror(("bench: mkdtemp " + tmpl).c_str());
            exit(1);
        }
        path_ = tmpl;
    }
    ~TempDir() {
        if (getenv("RUNLOG_BENCH_KEEP")) return;
        nftw(path_.c_str(), [](const char *p, const struct stat *, int, struct FTW *) { return ::remove(p); },
             16, FTW_DEPTH | FTW_PHYS);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

// An offline, silent run in dir. threading: RUNLOG_THREADING_*.
inline runlog_run *open_run(const std::string &dir, int threading,
                            int queue_full = RUNLOG_QUEUE_FULL_BLOCK) {
    runlog_options opts = RUNLOG_OPTIONS_INIT;
    opts.mode = "offline";
    opts.project = "bench";
    opts.dir = dir.c_str();
    opts.silent = RUNLOG_YES;
    opts.threading = threading;
    opts.queue_full = queue_full;
    runlog_run *run = nullptr;
    runlog_error err = RUNLOG_ERROR_INIT;
    check(runlog_init(&run, &opts, &err), err, "runlog_init");
    return run;
}

inline void finish(runlog_run *run) {
    runlog_error err = RUNLOG_ERROR_INIT;
    check(runlog_finish(run, 0, &err), err, "runlog_finish");
}

// The metric names the benchmarks log: "metric_0" … "metric_9" style.
inline const char *const *metric_keys() {
    static const char *const keys[] = {"train/loss", "train/acc",  "train/lr",   "val/loss",   "val/acc",
                                       "grad_norm",  "throughput", "gpu_util",   "epoch_frac", "tokens"};
    return keys;
}
constexpr int kMaxKeys = 10;

// One row of `metrics` values as JSON text, full double precision.
inline std::string json_row(long row, int metrics) {
    std::string s = "{";
    char num[40];
    for (int k = 0; k < metrics; ++k) {
        if (k) s += ", ";
        s += '"';
        s += metric_keys()[k % kMaxKeys];
        if (k >= kMaxKeys) s += std::to_string(k / kMaxKeys);
        s += "\": ";
        snprintf(num, sizeof num, "%.17g", 1.0 / (row + 1) + k * 0.001);
        s += num;
    }
    s += "}";
    return s;
}

}  // namespace bench
