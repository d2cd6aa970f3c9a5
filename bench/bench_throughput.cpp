// bench_throughput: sustained metrics/s into the disk journal, and memory.
//
// For each mode, in its own child process (so peak RSS is the mode's own):
//   runlog typed   N rows of M metrics: M x runlog_stage_double + runlog_commit_row
//   runlog json    the same rows formatted as JSON text (snprintf) + runlog_log_json
//   fwrite floor   the same JSON text + '\n' written with fwrite to a plain file
// then runlog_flush (or fflush + one fsync for the floor). The clock runs from
// the first row to the end of the flush. Peak RSS (getrusage ru_maxrss) is read
// before the first row, after 100k rows and after all N rows: it should not
// grow with N (the queue is bounded; nothing per row is kept in memory).
//
//   bench_throughput [--rows 1000000] [--metrics 10] [--modes typed,json,fwrite]
//                    [--dir DIR]
// DIR defaults to $RUNLOG_BENCH_DIR, $TMPDIR or /tmp; everything written is
// removed at the end (set RUNLOG_BENCH_KEEP=1 to keep it). No pass/fail: it
// prints numbers. Targets are in bench/README.md.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

struct Config {
    long rows = 1000000;
    int metrics = 10;
    std::vector<std::string> modes = {"typed", "json", "fwrite"};
};

struct Result {  // sent from the child through a pipe: plain data only
    int ok = 0;
    double seconds = 0;
    uint64_t bytes = 0;
    long rows = 0;
    long rss_start_kb = 0, rss_mid_kb = 0, rss_end_kb = 0;
    long mid_rows = 0;
    char note[160] = {0};
};

long peak_rss_kb() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;  // kilobytes on Linux
}

double now() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::string key_name(int k) {
    std::string key = bench::metric_keys()[k % bench::kMaxKeys];
    if (k >= bench::kMaxKeys) key += std::to_string(k / bench::kMaxKeys);
    return key;
}

std::vector<std::string> key_names(int metrics) {
    std::vector<std::string> keys;
    for (int k = 0; k < metrics; ++k) keys.push_back(key_name(k));
    return keys;
}

// Formats row i as JSON text into buf (the values the typed path stages),
// with std::to_chars (shortest round-trip digits): printf's %.17g would cost
// more than everything else measured here.
size_t format_row(char *buf, size_t cap, long i, const std::vector<std::string> &keys) {
    char *p = buf, *end = buf + cap - 2;
    *p++ = '{';
    const double base = 1.0 / double(i + 1);
    for (size_t k = 0; k < keys.size(); ++k) {
        if (k) {
            *p++ = ',';
            *p++ = ' ';
        }
        *p++ = '"';
        memcpy(p, keys[k].data(), keys[k].size());
        p += keys[k].size();
        *p++ = '"';
        *p++ = ':';
        *p++ = ' ';
        p = std::to_chars(p, end, base + double(k) * 0.001).ptr;
    }
    *p++ = '}';
    *p = '\0';
    return size_t(p - buf);
}

Result run_runlog(const Config &c, bool typed, const std::string &dir) {
    Result r;
    r.rows = c.rows;
    r.mid_rows = c.rows < 100000 ? c.rows : 100000;
    const std::vector<std::string> keys = key_names(c.metrics);
    const bool manual = !runlog_has_threads();
    runlog_run *run = bench::open_run(dir, manual ? RUNLOG_THREADING_MANUAL : RUNLOG_THREADING_BACKGROUND);
    runlog_error err = RUNLOG_ERROR_INIT;
    std::vector<char> buf(64 + size_t(c.metrics) * 80);
    r.rss_start_kb = peak_rss_kb();

    const double t0 = now();
    for (long i = 0; i < c.rows; ++i) {
        int rc;
        if (typed) {
            const double base = 1.0 / double(i + 1);
            for (int k = 0; k < c.metrics; ++k) {
                rc = runlog_stage_double(run, keys[size_t(k)].c_str(), base + k * 0.001, &err);
                if (rc) bench::die("runlog_stage_double", rc, err);
            }
            rc = runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
            if (rc) bench::die("runlog_commit_row", rc, err);
        } else {
            size_t n = format_row(buf.data(), buf.size(), i, keys);
            rc = runlog_log_json(run, buf.data(), n, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
            if (rc) bench::die("runlog_log_json", rc, err);
        }
        if (manual && (i + 1) % 1024 == 0) {
            rc = runlog_pump(run, 0, &err);
            if (rc) bench::die("runlog_pump", rc, err);
        }
        if (i + 1 == r.mid_rows) r.rss_mid_kb = peak_rss_kb();
    }
    int rc = runlog_flush(run, -1, &err);
    if (rc) bench::die("runlog_flush", rc, err);
    r.seconds = now() - t0;
    r.rss_end_kb = peak_rss_kb();

    runlog_stats st = RUNLOG_STATS_INIT;
    rc = runlog_get_stats(run, &st, &err);
    if (rc) bench::die("runlog_get_stats", rc, err);
    r.bytes = st.journal_bytes;
    if (st.rows_logged != uint64_t(c.rows))
        snprintf(r.note, sizeof r.note, "rows_logged %llu != %ld", (unsigned long long)st.rows_logged, c.rows);
    else
        snprintf(r.note, sizeof r.note, "%s writer", manual ? "manual" : "background");
    bench::finish(run);
    r.ok = 1;
    return r;
}

Result run_fwrite(const Config &c, const std::string &dir) {
    Result r;
    r.rows = c.rows;
    r.mid_rows = c.rows < 100000 ? c.rows : 100000;
    const std::string path = dir + "/rows.jsonl";
    FILE *f = fopen(path.c_str(), "wb");
    if (!f) {
        perror(("bench_throughput: " + path).c_str());
        exit(1);
    }
    const std::vector<std::string> keys = key_names(c.metrics);
    std::vector<char> buf(64 + size_t(c.metrics) * 80);
    r.rss_start_kb = peak_rss_kb();
    const double t0 = now();
    for (long i = 0; i < c.rows; ++i) {
        size_t n = format_row(buf.data(), buf.size(), i, keys);
        buf[n++] = '\n';
        if (fwrite(buf.data(), 1, n, f) != n) {
            perror("bench_throughput: fwrite");
            exit(1);
        }
        r.bytes += n;
        if (i + 1 == r.mid_rows) r.rss_mid_kb = peak_rss_kb();
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        perror("bench_throughput: fflush/fsync");
        exit(1);
    }
    r.seconds = now() - t0;
    r.rss_end_kb = peak_rss_kb();
    fclose(f);
    snprintf(r.note, sizeof r.note, "fflush + 1 fsync");
    r.ok = 1;
    return r;
}

// Runs one mode in a child process and returns what it measured.
Result measure(const Config &c, const std::string &mode) {
    int fds[2];
    if (pipe(fds) != 0) {
        perror("bench_throughput: pipe");
        exit(1);
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_throughput: fork");
        exit(1);
    }
    if (pid == 0) {
        close(fds[0]);
        Result r;
        {
            bench::TempDir dir;
            if (mode == "typed") r = run_runlog(c, true, dir.path());
            else if (mode == "json") r = run_runlog(c, false, dir.path());
            else r = run_fwrite(c, dir.path());
        }
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == ssize_t(sizeof r) ? 0 : 1);
    }
    close(fds[1]);
    Result r;
    ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != ssize_t(sizeof r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        Result bad;
        snprintf(bad.note, sizeof bad.note, "FAILED (child status %d)", status);
        return bad;
    }
    return r;
}

std::string human(double v) {
    char s[32];
    if (v >= 1e9) snprintf(s, sizeof s, "%.2fG", v / 1e9);
    else if (v >= 1e6) snprintf(s, sizeof s, "%.2fM", v / 1e6);
    else if (v >= 1e3) snprintf(s, sizeof s, "%.1fk", v / 1e3);
    else snprintf(s, sizeof s, "%.0f", v);
    return s;
}

std::string count_label(long n) {  // 100000 -> "100k", 1000000 -> "1M"
    if (n >= 1000000 && n % 1000000 == 0) return std::to_string(n / 1000000) + "M";
    if (n >= 1000 && n % 1000 == 0) return std::to_string(n / 1000) + "k";
    return std::to_string(n);
}

long parse_count(const char *s) {
    char *end = nullptr;
    double v = strtod(s, &end);
    if (end && (*end == 'k' || *end == 'K')) v *= 1e3;
    else if (end && (*end == 'm' || *end == 'M')) v *= 1e6;
    return long(v);
}

void usage() {
    fprintf(stderr,
            "usage: bench_throughput [--rows N] [--metrics M] [--modes typed,json,fwrite] [--dir DIR]\n"
            "  N accepts k/M suffixes (default 1M); DIR defaults to $RUNLOG_BENCH_DIR, $TMPDIR or /tmp\n");
}

}  // namespace

int main(int argc, char **argv) {
    Config c;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char * {
            if (i + 1 >= argc) {
                usage();
                exit(2);
            }
            return argv[++i];
        };
        if (a == "--rows") c.rows = parse_count(value());
        else if (a == "--metrics") c.metrics = atoi(value());
        else if (a == "--dir") setenv("RUNLOG_BENCH_DIR", value(), 1);
        else if (a == "--modes") {
            c.modes.clear();
            std::string m = value();
            for (size_t s = 0; s <= m.size();) {
                size_t e = m.find(',', s);
                if (e == std::string::npos) e = m.size();
                if (e > s) c.modes.push_back(m.substr(s, e - s));
                s = e + 1;
            }
        } else {
            usage();
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    if (c.rows <= 0 || c.metrics <= 0 || c.metrics > 1000) {
        usage();
        return 2;
    }
    for (const auto &m : c.modes)
        if (m != "typed" && m != "json" && m != "fwrite") {
            fprintf(stderr, "bench_throughput: unknown mode %s\n", m.c_str());
            return 2;
        }

    printf("bench_throughput: runlog %s, %ld rows x %d metrics, into %s\n", runlog_version(), c.rows,
           c.metrics, bench::base_dir().c_str());
    const long mid = c.rows < 100000 ? c.rows : 100000;
    char mid_label[16], end_label[16];
    snprintf(mid_label, sizeof mid_label, "RSS@%s", count_label(mid).c_str());
    snprintf(end_label, sizeof end_label, "RSS@%s", count_label(c.rows).c_str());
    printf("\n%-14s %8s %9s %10s %8s %9s %9s %10s %10s  %s\n", "mode", "time s", "rows/s", "metrics/s",
           "MB/s", "bytes/row", "RSS start", mid_label, end_label, "note");
    bool failed = false;
    for (const auto &mode : c.modes) {
        Result r = measure(c, mode);
        const char *label = mode == "typed" ? "runlog typed" : mode == "json" ? "runlog json" : "fwrite floor";
        if (!r.ok) {
            printf("%-14s %s\n", label, r.note);
            failed = true;
            continue;
        }
        const double rows_s = r.rows / r.seconds;
        printf("%-14s %8.2f %9s %10s %8.1f %9.0f %8.1fM %9.1fM %9.1fM  %s\n", label, r.seconds,
               human(rows_s).c_str(), human(rows_s * c.metrics).c_str(), r.bytes / r.seconds / 1e6,
               double(r.bytes) / r.rows, r.rss_start_kb / 1024.0, r.rss_mid_kb / 1024.0,
               r.rss_end_kb / 1024.0, r.note);
        fflush(stdout);
    }
    printf("\ntargets: >= 1M metrics/s sustained (runlog rows); RSS flat (%s ~ %s)\n", end_label, mid_label);
    return failed ? 1 : 0;
}
