// bench_online: online-mode numbers for runlog (issue 3 item 10). Driven by
// bench/online/run.py, which starts the local W&B-protocol server(s); can be
// run by hand too. Three subcommands, all through the public C API only:
//
//   bench_online latency --scenario NAME=URL ... [--burst N] [--paced-rate R]
//                        [--paced-seconds S] [--paths json,typed]
//                        [--workloads burst,paced] [--repeat R] [--api-key K]
//       Per-call latency of runlog_log_json and of the typed path
//       (10 x runlog_stage_double + runlog_commit_row), per scenario, side by
//       side. NAME=offline runs offline (URL ignored); any other NAME logs
//       online to URL (a healthy server, a port nobody listens on, a slow
//       server...). Each (workload, path, scenario) runs in its own child
//       process, R times (default 3), the scenarios interleaved; the
//       latencies of the R runs are pooled. Prints a table and one
//       "@@ {json}" line per (workload, path, scenario).
//
//   bench_online upload --url URL --rows N [--path typed|json] [--project P]
//       Online run against URL: init, N rows of 10 metrics as fast as
//       possible, finish() with no upload time limit, so finish() returns
//       once the server acknowledged everything (or the upload failed).
//       Prints init / log / finish times and rows/s, plus "@@ {json}".
//
//   bench_online offline --rows N --dir DIR [--path typed|json]
//       Writes an offline run of N rows under DIR (for `runlog sync`);
//       prints its directory and "@@ {json}".
//
// Common flags: --api-key K (else WANDB_API_KEY), --dir DIR (where runs are
// written; default $RUNLOG_BENCH_DIR, $TMPDIR or /tmp; latency runs are removed
// afterwards unless RUNLOG_BENCH_KEEP=1), --metrics M (default 10).
// No pass/fail on speed: it prints numbers. Exit status 1 only when a runlog
// call fails or a child process dies.
#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../bench_common.h"

namespace {

double now_s() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

inline uint64_t now_ns() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

long parse_count(const char *s) {
    char *end = nullptr;
    double v = strtod(s, &end);
    if (end && (*end == 'k' || *end == 'K')) v *= 1e3;
    else if (end && (*end == 'm' || *end == 'M')) v *= 1e6;
    return long(v);
}

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    for (size_t b = 0; b <= s.size();) {
        size_t e = s.find(sep, b);
        if (e == std::string::npos) e = s.size();
        if (e > b) out.push_back(s.substr(b, e - b));
        b = e + 1;
    }
    return out;
}

std::string key_name(int k) {
    std::string key = bench::metric_keys()[k % bench::kMaxKeys];
    if (k >= bench::kMaxKeys) key += std::to_string(k / bench::kMaxKeys);
    return key;
}

// Row i as JSON text: the values the typed path stages (and the SDK clients
// of run.py log): key k = 1/(i+1) + k*0.001.
size_t format_row(char *buf, size_t cap, long i, const std::vector<std::string> &keys) {
    char *p = buf, *end = buf + cap - 2;
    *p++ = '{';
    const double base = 1.0 / double(i + 1);
    for (size_t k = 0; k < keys.size(); ++k) {
        if (k) *p++ = ',';
        *p++ = '"';
        memcpy(p, keys[k].data(), keys[k].size());
        p += keys[k].size();
        *p++ = '"';
        *p++ = ':';
        p = std::to_chars(p, end, base + double(k) * 0.001).ptr;
    }
    *p++ = '}';
    *p = '\0';
    return size_t(p - buf);
}

// Messages of the run: errors and warnings go to stderr (prefixed), the
// "Uploaded run ..." line is remembered.
struct Messages {
    std::mutex mu;
    std::string prefix;
    bool quiet_warnings = false;  // down / slow scenarios warn by design
    int warnings = 0, errors = 0;
    std::string last_warning, last_error, uploaded;
};

void on_message(void *user, int level, const char *text) {
    auto *m = static_cast<Messages *>(user);
    std::lock_guard<std::mutex> lk(m->mu);
    if (level >= RUNLOG_LEVEL_ERROR) {
        m->errors++;
        m->last_error = text;
        fprintf(stderr, "bench_online: [%s] runlog error: %s\n", m->prefix.c_str(), text);
    } else if (level == RUNLOG_LEVEL_WARN) {
        m->warnings++;
        m->last_warning = text;
        if (!m->quiet_warnings) fprintf(stderr, "bench_online: [%s] runlog warning: %s\n", m->prefix.c_str(), text);
    } else if (strncmp(text, "Uploaded run ", 13) == 0) {
        m->uploaded = text;
    }
}

struct RunSettings {
    std::string mode = "offline";  // offline | online
    std::string url;
    std::string api_key;
    std::string project = "bench-online";
    std::string run_id;
    std::string dir;
    uint32_t transmit_interval_ms = 0;  // 0 = runlog's default (15 s)
    uint32_t retry_wait_min_ms = 0, retry_wait_max_ms = 0;
    uint32_t http_timeout_ms = 0;
    uint32_t upload_timeout_ms = 0;  // 0 = default (120 s); UINT32_MAX = no limit
};

runlog_run *open(const RunSettings &rs, Messages *msgs) {
    runlog_options o = RUNLOG_OPTIONS_INIT;
    o.mode = rs.mode.c_str();
    o.project = rs.project.c_str();
    o.dir = rs.dir.c_str();
    if (!rs.run_id.empty()) o.run_id = rs.run_id.c_str();
    o.silent = RUNLOG_NO;  // messages go to on_message, which prints only problems
    o.log_fn = on_message;
    o.log_user_data = msgs;
    o.threading = RUNLOG_THREADING_BACKGROUND;
    if (rs.mode == "online") {
        o.base_url = rs.url.c_str();
        if (!rs.api_key.empty()) o.api_key = rs.api_key.c_str();
        o.transmit_interval_ms = rs.transmit_interval_ms;
        o.retry_wait_min_ms = rs.retry_wait_min_ms;
        o.retry_wait_max_ms = rs.retry_wait_max_ms;
        o.http_timeout_ms = rs.http_timeout_ms;
        o.upload_timeout_ms = rs.upload_timeout_ms;
    }
    runlog_run *run = nullptr;
    runlog_error err = RUNLOG_ERROR_INIT;
    bench::check(runlog_init(&run, &o, &err), err, "runlog_init");
    if (rs.mode != runlog_run_mode(run)) {  // e.g. online without an API key falls back to offline
        std::lock_guard<std::mutex> lk(msgs->mu);
        fprintf(stderr, "bench_online: asked for a %s run, runlog made it %s (%s); pass --api-key\n",
                rs.mode.c_str(), runlog_run_mode(run), msgs->last_warning.c_str());
        exit(1);
    }
    return run;
}

// One logging path: a row per call of log_row(i).
struct Logger {
    runlog_run *run;
    bool typed;
    std::vector<std::string> keys;
    std::vector<char> buf;
    runlog_error err = RUNLOG_ERROR_INIT;

    Logger(runlog_run *r, bool t, int metrics) : run(r), typed(t) {
        for (int k = 0; k < metrics; ++k) keys.push_back(key_name(k));
        buf.resize(64 + size_t(metrics) * 80);
    }
    // One row: typed = 10 x stage + commit; json = format the row (to_chars)
    // + runlog_log_json. Latency runs use log_preformatted for json instead,
    // so that only the runlog_log_json call is timed.
    inline void log_row(long i) {
        int rc;
        if (typed) {
            const double base = 1.0 / double(i + 1);
            for (size_t k = 0; k < keys.size(); ++k) {
                rc = runlog_stage_double(run, keys[k].c_str(), base + double(k) * 0.001, &err);
                if (rc) bench::die("runlog_stage_double", rc, err);
            }
            rc = runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
            if (rc) bench::die("runlog_commit_row", rc, err);
        } else {
            size_t n = format_row(buf.data(), buf.size(), i, keys);
            rc = runlog_log_json(run, buf.data(), n, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
            if (rc) bench::die("runlog_log_json", rc, err);
        }
    }
    inline void log_preformatted(const char *json, size_t n) {
        int rc = runlog_log_json(run, json, n, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
        if (rc) bench::die("runlog_log_json", rc, err);
    }
};

runlog_stats run_stats(runlog_run *run) {
    runlog_stats st = RUNLOG_STATS_INIT;
    runlog_error err = RUNLOG_ERROR_INIT;
    bench::check(runlog_get_stats(run, &st, &err), err, "runlog_get_stats");
    return st;
}

const char *upload_state_name(int s) {
    switch (s) {
        case RUNLOG_UPLOAD_NONE: return "none";
        case RUNLOG_UPLOAD_CONNECTING: return "connecting";
        case RUNLOG_UPLOAD_STREAMING: return "streaming";
        case RUNLOG_UPLOAD_DONE: return "done";
        case RUNLOG_UPLOAD_GAVE_UP: return "gave-up";
        case RUNLOG_UPLOAD_FAILED: return "failed";
    }
    return "?";
}

std::string json_escape(const std::string &s) {
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += c;
        } else if ((unsigned char)c < 0x20) {
            char b[8];
            snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else o += c;
    }
    return o;
}

// ---------------------------------------------------------------- latency

struct LatencyConfig {
    long burst_rows = 20000;
    double paced_rate = 1000;   // rows per second
    double paced_seconds = 5;
    int metrics = 10;
    std::vector<std::string> paths = {"json", "typed"};
    std::vector<std::string> workloads = {"burst", "paced"};
    std::vector<std::pair<std::string, std::string>> scenarios;  // name, url
    int repeat = 3;
    RunSettings online;  // template for online scenarios
};

struct LatencyResult {  // plain data, sent through a pipe (then the samples)
    int ok = 0;
    long rows = 0;
    double log_seconds = 0, finish_seconds = 0, init_seconds = 0;
    uint64_t rows_uploaded = 0, upload_requests = 0, upload_retries = 0;
    int upload_state = 0;
    int upload_done = 0;  // finish() saw the whole upload acknowledged
    double cpu_seconds = 0;   // whole process (logging, writer and upload threads) while logging
    long ctx_switches = 0;    // voluntary + involuntary, whole process, while logging
    char note[200] = {0};
};

struct Usage {
    double cpu = 0;
    long csw = 0;
};
Usage usage_now() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    Usage u;
    u.cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    u.csw = ru.ru_nvcsw + ru.ru_nivcsw;
    return u;
}

// One run in this (child) process; the per-call latencies (ns) go to *lat.
LatencyResult measure_latency_child(const LatencyConfig &c, const std::string &workload, bool typed,
                                    const std::string &scenario, const std::string &url,
                                    std::vector<uint32_t> &lat) {
    LatencyResult r;
    bench::TempDir dir;
    RunSettings rs = c.online;
    rs.dir = dir.path();
    if (scenario == "offline") rs.mode = "offline";
    else {
        rs.mode = "online";
        rs.url = url;
    }
    Messages msgs;
    msgs.prefix = scenario + "/" + workload + "/" + (typed ? "typed" : "json");
    msgs.quiet_warnings = true;
    const bool paced = workload == "paced";
    const long rows = paced ? long(c.paced_rate * c.paced_seconds) : c.burst_rows;
    lat.assign(size_t(rows), 0);

    // JSON rows are formatted before the clock starts (the latency is the
    // runlog_log_json call alone); the typed path has nothing to prepare.
    std::vector<std::string> pre;
    Logger fmt(nullptr, typed, c.metrics);  // keys and buffer only
    if (!typed) {
        const long distinct = std::min<long>(rows, 1024);
        for (long i = 0; i < distinct; ++i) {
            size_t n = format_row(fmt.buf.data(), fmt.buf.size(), i, fmt.keys);
            pre.emplace_back(fmt.buf.data(), n);
        }
    }

    double t0 = now_s();
    runlog_run *run = open(rs, &msgs);
    r.init_seconds = now_s() - t0;
    Logger lg(run, typed, c.metrics);
    const uint64_t period_ns = paced ? uint64_t(1e9 / c.paced_rate) : 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    const Usage u0 = usage_now();
    const double tl0 = now_s();
    for (long i = 0; i < rows; ++i) {
        if (paced) {
            next.tv_nsec += long(period_ns);
            while (next.tv_nsec >= 1000000000L) {
                next.tv_nsec -= 1000000000L;
                next.tv_sec++;
            }
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) == EINTR) {
            }
        }
        uint64_t a, b;
        if (typed) {
            a = now_ns();
            lg.log_row(i);
            b = now_ns();
        } else {
            const std::string &s = pre[size_t(i) % pre.size()];
            a = now_ns();
            lg.log_preformatted(s.data(), s.size());
            b = now_ns();
        }
        const uint64_t d = b - a;
        lat[size_t(i)] = d > UINT32_MAX ? UINT32_MAX : uint32_t(d);
    }
    r.log_seconds = now_s() - tl0;
    const Usage u1 = usage_now();
    r.cpu_seconds = u1.cpu - u0.cpu;
    r.ctx_switches = u1.csw - u0.csw;
    runlog_stats st = run_stats(run);
    r.rows_uploaded = st.rows_uploaded;
    r.upload_requests = st.upload_requests;
    r.upload_retries = st.upload_retries;
    r.upload_state = st.upload_state;
    const uint64_t logged = st.rows_logged;
    double tf = now_s();
    bench::finish(run);
    r.finish_seconds = now_s() - tf;
    {
        std::lock_guard<std::mutex> lk(msgs.mu);
        r.upload_done = !msgs.uploaded.empty();
    }

    r.rows = rows;
    if (logged != uint64_t(rows))
        snprintf(r.note, sizeof r.note, "rows_logged %llu != %ld", (unsigned long long)logged, rows);
    else if (msgs.errors)
        snprintf(r.note, sizeof r.note, "%d errors: %.150s", msgs.errors, msgs.last_error.c_str());
    r.ok = 1;
    return r;
}

bool write_all(int fd, const void *p, size_t n) {
    const char *c = static_cast<const char *>(p);
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        c += w;
        n -= size_t(w);
    }
    return true;
}

bool read_all(int fd, void *p, size_t n) {
    char *c = static_cast<char *>(p);
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        c += r;
        n -= size_t(r);
    }
    return true;
}

// Runs one measurement in a child process; appends its samples to *samples.
LatencyResult measure_latency(const LatencyConfig &c, const std::string &workload, bool typed,
                              const std::string &scenario, const std::string &url,
                              std::vector<uint32_t> &samples) {
    int fds[2];
    if (pipe(fds) != 0) {
        perror("bench_online: pipe");
        exit(1);
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_online: fork");
        exit(1);
    }
    if (pid == 0) {
        close(fds[0]);
        std::vector<uint32_t> lat;
        LatencyResult r = measure_latency_child(c, workload, typed, scenario, url, lat);
        bool ok = write_all(fds[1], &r, sizeof r) && write_all(fds[1], lat.data(), lat.size() * sizeof(uint32_t));
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    LatencyResult r;
    bool ok = read_all(fds[0], &r, sizeof r);
    if (ok && r.ok && r.rows > 0) {
        const size_t at = samples.size();
        samples.resize(at + size_t(r.rows));
        ok = read_all(fds[0], samples.data() + at, size_t(r.rows) * sizeof(uint32_t));
        if (!ok) samples.resize(at);
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        LatencyResult bad;
        snprintf(bad.note, sizeof bad.note, "FAILED (child status %d)", status);
        return bad;
    }
    return r;
}

struct Pooled {  // one (workload, path, scenario) over every repetition
    std::vector<uint32_t> samples;
    std::vector<double> medians;  // per repetition
    LatencyResult last;
    double finish_max = 0, cpu_seconds = 0;
    long rows = 0, ctx_switches = 0;
    int runs = 0, uploads_done = 0;
    bool failed = false;
    std::string note;
};

struct Stats {
    double median = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
    long over_1ms = 0;
};

Stats stats_of(std::vector<uint32_t> s) {
    Stats st;
    if (s.empty()) return st;
    std::sort(s.begin(), s.end());
    auto pct = [&](double p) {
        size_t idx = size_t(std::ceil(p * double(s.size())));
        idx = idx ? idx - 1 : 0;
        if (idx >= s.size()) idx = s.size() - 1;
        return s[idx] / 1000.0;
    };
    double sum = 0;
    for (uint32_t v : s) {
        sum += v;
        if (v > 1000000) st.over_1ms++;
    }
    st.median = pct(0.5);
    st.p90 = pct(0.9);
    st.p99 = pct(0.99);
    st.p999 = pct(0.999);
    st.max = s.back() / 1000.0;
    st.mean = sum / double(s.size()) / 1000.0;
    return st;
}

int cmd_latency(LatencyConfig &c) {
    if (c.scenarios.empty()) c.scenarios.push_back({"offline", ""});
    printf("bench_online latency: runlog %s, %d metrics per row; burst = %ld rows back to back, "
           "paced = %.0f rows/s for %.1f s; %d repetitions, scenarios interleaved, samples pooled\n",
           runlog_version(), c.metrics, c.burst_rows, c.paced_rate, c.paced_seconds, c.repeat);
    printf("online runs: transmit interval %u ms, retry wait %u..%u ms, finish waits <= %u ms for the upload\n",
           c.online.transmit_interval_ms, c.online.retry_wait_min_ms, c.online.retry_wait_max_ms,
           c.online.upload_timeout_ms);
    bool failed = false;
    for (const auto &wl : c.workloads) {
        for (const auto &path : c.paths) {
            const bool typed = path == "typed";
            std::vector<Pooled> pooled(c.scenarios.size());
            for (int rep = 0; rep < c.repeat; ++rep) {
                for (size_t si = 0; si < c.scenarios.size(); ++si) {
                    Pooled &p = pooled[si];
                    const size_t before = p.samples.size();
                    LatencyResult r = measure_latency(c, wl, typed, c.scenarios[si].first, c.scenarios[si].second,
                                                      p.samples);
                    if (!r.ok) {
                        p.failed = true;
                        p.note = r.note;
                        continue;
                    }
                    p.medians.push_back(
                        stats_of(std::vector<uint32_t>(p.samples.begin() + long(before), p.samples.end())).median);
                    p.last = r;
                    p.rows += r.rows;
                    p.runs++;
                    p.uploads_done += r.upload_done;
                    p.cpu_seconds += r.cpu_seconds;
                    p.ctx_switches += r.ctx_switches;
                    p.finish_max = std::max(p.finish_max, r.finish_seconds);
                    if (r.note[0]) p.note = r.note;
                }
            }
            printf("\n%-6s %-5s %-8s %7s %9s %8s %8s %9s %9s %8s %5s %7s %7s %7s %6s  %-15s %s\n", "work",
                   "path", "scenario", "calls", "median us", "p90 us", "p99 us", "p99.9 us", "max us", "mean us",
                   ">1ms", "med/off", "p99/off", "cpu us", "csw", "runs' medians",
                   "upload: state rows/requests/retries when logging ended (last run); finish");
            Stats off;
            bool have_off = false;
            for (size_t si = 0; si < c.scenarios.size(); ++si) {
                const std::string &name = c.scenarios[si].first;
                Pooled &p = pooled[si];
                if (p.failed && p.runs == 0) {
                    printf("%-6s %-5s %-8s %s\n", wl.c_str(), path.c_str(), name.c_str(), p.note.c_str());
                    failed = true;
                    continue;
                }
                if (p.failed) failed = true;
                Stats st = stats_of(p.samples);
                if (name == "offline") {
                    off = st;
                    have_off = true;
                }
                char rmed[16] = "-", rp99[16] = "-";
                if (have_off && name != "offline" && off.median > 0) {
                    snprintf(rmed, sizeof rmed, "%.2fx", st.median / off.median);
                    snprintf(rp99, sizeof rp99, "%.2fx", st.p99 / off.p99);
                }
                std::sort(p.medians.begin(), p.medians.end());
                char range[40];
                snprintf(range, sizeof range, "%.2f..%.2f", p.medians.front(), p.medians.back());
                char up[120];
                const LatencyResult &r = p.last;
                if (name == "offline") snprintf(up, sizeof up, "-; finish <= %.3f s", p.finish_max);
                else
                    snprintf(up, sizeof up, "%s %llu/%llu/%llu; finish <= %.3f s, upload done in %d/%d runs",
                             upload_state_name(r.upload_state), (unsigned long long)r.rows_uploaded,
                             (unsigned long long)r.upload_requests, (unsigned long long)r.upload_retries,
                             p.finish_max, p.uploads_done, p.runs);
                const double cpu_row = p.rows ? p.cpu_seconds / double(p.rows) * 1e6 : 0;
                const double csw_row = p.rows ? double(p.ctx_switches) / double(p.rows) : 0;
                printf("%-6s %-5s %-8s %7ld %9.2f %8.2f %8.2f %9.1f %9.1f %8.2f %5ld %7s %7s %7.2f %6.2f  %-15s %s%s%s\n",
                       wl.c_str(), path.c_str(), name.c_str(), p.rows, st.median, st.p90, st.p99, st.p999, st.max,
                       st.mean, st.over_1ms, rmed, rp99, cpu_row, csw_row, range, up, p.note.empty() ? "" : "  ",
                       p.note.c_str());
                printf("@@ {\"kind\":\"latency\",\"workload\":\"%s\",\"path\":\"%s\",\"scenario\":\"%s\","
                       "\"calls\":%ld,\"runs\":%d,\"median_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,"
                       "\"p999_us\":%.3f,\"max_us\":%.3f,\"mean_us\":%.3f,\"over_1ms\":%ld,"
                       "\"run_median_min_us\":%.3f,\"run_median_max_us\":%.3f,\"finish_max_s\":%.6f,\"uploads_done\":%d,"
                       "\"cpu_us_per_row\":%.3f,\"ctx_switches_per_row\":%.3f,"
                       "\"upload_state\":\"%s\",\"rows_uploaded\":%llu,\"upload_requests\":%llu,"
                       "\"upload_retries\":%llu,\"note\":\"%s\"}\n",
                       wl.c_str(), path.c_str(), name.c_str(), p.rows, p.runs, st.median, st.p90, st.p99, st.p999,
                       st.max, st.mean, st.over_1ms, p.medians.front(), p.medians.back(), p.finish_max, p.uploads_done, cpu_row, csw_row,
                       name == "offline" ? "none" : upload_state_name(r.upload_state),
                       (unsigned long long)r.rows_uploaded, (unsigned long long)r.upload_requests,
                       (unsigned long long)r.upload_retries, json_escape(p.note).c_str());
                fflush(stdout);
            }
        }
    }
    return failed ? 1 : 0;
}

// ------------------------------------------------------- upload / offline

int cmd_run(const RunSettings &rs_in, long rows, int metrics, bool typed) {
    RunSettings rs = rs_in;
    if (rs.dir.empty()) rs.dir = bench::base_dir();
    Messages msgs;
    msgs.prefix = rs.mode;
    const double t0 = now_s();
    runlog_run *run = open(rs, &msgs);
    const double t1 = now_s();
    const std::string run_id = runlog_run_id(run);
    const std::string run_dir = runlog_run_dir(run);
    Logger lg(run, typed, metrics);
    for (long i = 0; i < rows; ++i) lg.log_row(i);
    const double t2 = now_s();
    runlog_stats st = run_stats(run);
    const uint64_t logged = st.rows_logged;
    const uint64_t uploaded_before_finish = st.rows_uploaded;
    runlog_error err = RUNLOG_ERROR_INIT;
    int rc = runlog_finish(run, 0, &err);
    const double t3 = now_s();
    if (rc) fprintf(stderr, "bench_online: runlog_finish: %s (%s)\n", err.message, runlog_status_string(rc));
    // "Uploaded run ID to URL: N rows, ..." is said only when the upload is done.
    long uploaded = -1;
    if (!msgs.uploaded.empty()) {
        const char *p = strstr(msgs.uploaded.c_str(), ": ");
        if (p) uploaded = strtol(p + 2, nullptr, 10);
    }
    const bool online = rs.mode == "online";
    printf("bench_online %s: runlog %s, %s path, %ld rows x %d metrics, run %s in %s\n", rs.mode.c_str(),
           runlog_version(), typed ? "typed" : "json", rows, metrics, run_id.c_str(), run_dir.c_str());
    printf("  init %.3f s, log %.3f s (%.2f us/row), finish %.3f s, first log -> finish returned %.3f s\n",
           t1 - t0, t2 - t1, (t2 - t1) / double(rows) * 1e6, t3 - t2, t3 - t1);
    if (online)
        printf("  upload: %s (%ld rows acknowledged; %llu before finish), %.0f rows/s first log -> finish\n",
               uploaded >= 0 ? "done" : "NOT DONE", uploaded, (unsigned long long)uploaded_before_finish,
               double(rows) / (t3 - t1));
    printf("@@ {\"kind\":\"%s\",\"path\":\"%s\",\"rows\":%ld,\"metrics\":%d,\"run_id\":\"%s\",\"run_dir\":\"%s\","
           "\"project\":\"%s\",\"init_s\":%.6f,\"log_s\":%.6f,\"finish_s\":%.6f,\"total_s\":%.6f,"
           "\"rows_logged\":%llu,\"rows_acknowledged\":%ld,\"rows_uploaded_before_finish\":%llu,"
           "\"finish_rc\":%d,\"warnings\":%d,\"errors\":%d,\"last_problem\":\"%s\"}\n",
           online ? "upload" : "offline", typed ? "typed" : "json", rows, metrics, json_escape(run_id).c_str(),
           json_escape(run_dir).c_str(), json_escape(rs.project).c_str(), t1 - t0, t2 - t1, t3 - t2, t3 - t1,
           (unsigned long long)logged, uploaded, (unsigned long long)uploaded_before_finish, rc, msgs.warnings,
           msgs.errors,
           json_escape(!msgs.last_error.empty() ? msgs.last_error : msgs.last_warning).c_str());
    return rc == RUNLOG_OK && logged == uint64_t(rows) ? 0 : 1;
}

void usage() {
    fprintf(stderr,
            "usage: bench_online latency [--scenario NAME=URL]... [--burst N] [--paced-rate R] [--paced-seconds S]\n"
            "                            [--paths json,typed] [--workloads burst,paced] [--repeat R]\n"
            "       bench_online upload --url URL --rows N [--path typed|json] [--project P] [--id ID]\n"
            "       bench_online offline --rows N [--path typed|json] [--project P] [--id ID]\n"
            "common: [--api-key K] [--dir DIR] [--metrics M] [--transmit-ms T] [--retry-min-ms A]\n"
            "        [--retry-max-ms B] [--upload-timeout-ms U] [--http-timeout-ms H]\n"
            "NAME=offline runs offline; other names run online against URL. N accepts k/M.\n");
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        usage();
        return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h") {
        usage();
        return 0;
    }
    LatencyConfig lc;
    RunSettings rs;
    long rows = 100000;
    bool typed = true;
    bool upload_timeout_given = false;
    if (const char *k = getenv("WANDB_API_KEY")) rs.api_key = k;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char * {
            if (i + 1 >= argc) {
                usage();
                exit(2);
            }
            return argv[++i];
        };
        if (a == "--scenario") {
            std::string v = value();
            size_t eq = v.find('=');
            lc.scenarios.push_back(eq == std::string::npos ? std::make_pair(v, std::string())
                                                           : std::make_pair(v.substr(0, eq), v.substr(eq + 1)));
        } else if (a == "--burst") lc.burst_rows = parse_count(value());
        else if (a == "--paced-rate") lc.paced_rate = atof(value());
        else if (a == "--paced-seconds") lc.paced_seconds = atof(value());
        else if (a == "--paths") lc.paths = split(value(), ',');
        else if (a == "--workloads") lc.workloads = split(value(), ',');
        else if (a == "--repeat") lc.repeat = atoi(value());
        else if (a == "--rows") rows = parse_count(value());
        else if (a == "--metrics") lc.metrics = atoi(value());
        else if (a == "--path") typed = std::string(value()) != "json";
        else if (a == "--url") rs.url = value();
        else if (a == "--api-key") rs.api_key = value();
        else if (a == "--project") rs.project = value();
        else if (a == "--id") rs.run_id = value();
        else if (a == "--dir") setenv("RUNLOG_BENCH_DIR", value(), 1);
        else if (a == "--transmit-ms") rs.transmit_interval_ms = uint32_t(atol(value()));
        else if (a == "--retry-min-ms") rs.retry_wait_min_ms = uint32_t(atol(value()));
        else if (a == "--retry-max-ms") rs.retry_wait_max_ms = uint32_t(atol(value()));
        else if (a == "--http-timeout-ms") rs.http_timeout_ms = uint32_t(atol(value()));
        else if (a == "--upload-timeout-ms") {
            rs.upload_timeout_ms = uint32_t(strtoul(value(), nullptr, 10));
            upload_timeout_given = true;
        } else {
            usage();
            return 2;
        }
    }
    if (lc.metrics <= 0 || lc.metrics > 1000 || rows <= 0) {
        usage();
        return 2;
    }
    setvbuf(stdout, nullptr, _IOLBF, 0);
    if (cmd == "latency") {
        for (const auto &p : lc.paths)
            if (p != "json" && p != "typed") {
                fprintf(stderr, "bench_online: unknown path %s\n", p.c_str());
                return 2;
            }
        for (const auto &w : lc.workloads)
            if (w != "burst" && w != "paced") {
                fprintf(stderr, "bench_online: unknown workload %s\n", w.c_str());
                return 2;
            }
        if (lc.burst_rows <= 0 || lc.paced_rate <= 0 || lc.paced_seconds <= 0 || lc.repeat <= 0) {
            usage();
            return 2;
        }
        // Latency runs: uploads active while logging, retries frequent, and
        // finish() does not wait long for a server that is down or slow.
        if (!rs.transmit_interval_ms) rs.transmit_interval_ms = 250;
        if (!rs.retry_wait_min_ms) rs.retry_wait_min_ms = 200;
        if (!rs.retry_wait_max_ms) rs.retry_wait_max_ms = 1000;
        if (!upload_timeout_given) rs.upload_timeout_ms = 2000;
        lc.online = rs;
        return cmd_latency(lc);
    }
    if (cmd == "upload") {
        if (rs.url.empty()) {
            fprintf(stderr, "bench_online upload: --url is required\n");
            return 2;
        }
        rs.mode = "online";
        if (!upload_timeout_given) rs.upload_timeout_ms = UINT32_MAX;  // until everything is acknowledged
        return cmd_run(rs, rows, lc.metrics, typed);
    }
    if (cmd == "offline") {
        rs.mode = "offline";
        return cmd_run(rs, rows, lc.metrics, typed);
    }
    usage();
    return 2;
}
