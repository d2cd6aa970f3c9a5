// Crash safety under SIGKILL.
//
// A child process (crash_child.c, plain C against runlog.h) continues one run
// and logs rows whose "i" equals their _step, flushing every few rows and
// reporting the last flushed step on a pipe. This parent kills it with
// SIGKILL at random moments (usually after init, sometimes during it), many
// times. SIGKILL does not tear a write() on a local file system, so in some
// rounds the parent also damages the tail the way a power loss does: a
// partial record, or zero-filled space. After every round it reads the
// journal with the core's Reader and checks:
//   - it stops cleanly (End) or at a torn tail (TornTail), never Corrupt;
//   - every history row is complete and in order, _step consecutive from 0,
//     and "i" equal to _step;
//   - every row a child reported as flushed is there;
//   - the next child resumes exactly after the last complete row (the torn
//     tail is cut, nothing is duplicated).
// The seed is fixed and printed (RUNLOG_TEST_SEED replays another one).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "journal_reader.h"
#include "journal_writer.h"
#include "json_text.h"
#include "runlog.h"
#include "test_util.h"

namespace fs = std::filesystem;
using runlog::journal::Record;
using runlog::journal::RecordKind;
using runlog::journal::StopReason;
using Clock = std::chrono::steady_clock;

namespace {

int failures = 0;

#define EXPECT_THAT(cond, ...)                                                       \
    do {                                                                             \
        if (!(cond)) {                                                               \
            ++failures;                                                              \
            std::fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            std::fprintf(stderr, __VA_ARGS__);                                       \
            std::fputc('\n', stderr);                                                \
        }                                                                            \
    } while (0)

struct ChildResult {
    int status = 0;
    long long start_step = -1;    // "S n": init done, the run continues at step n
    long long last_flushed = -1;  // last "F n": rows up to n are durable
    bool done = false;            // "D n": finished cleanly
};

void parse_lines(const std::string &out, ChildResult &r) {
    size_t pos = 0;
    for (;;) {
        size_t nl = out.find('\n', pos);
        if (nl == std::string::npos) break;  // a line cut by the kill is ignored
        const std::string line = out.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.size() > 2 && line[0] == 'S') r.start_step = std::stoll(line.substr(2));
        else if (line.size() > 2 && line[0] == 'F') r.last_flushed = std::stoll(line.substr(2));
        else if (line.size() > 2 && line[0] == 'D') r.done = true;
    }
}

enum class KillAt { AfterInit, FromSpawn, Never };

// Runs the child. AfterInit: waits for its "S" line, then delay_ms, then
// SIGKILL. FromSpawn: SIGKILL delay_ms after the fork (init may be running).
// Never: waits for it to exit.
ChildResult run_child(const std::string &exe, const std::vector<std::string> &args, KillAt when, int delay_ms) {
    int fds[2];
    if (::pipe(fds) != 0) {
        std::perror("pipe");
        std::exit(2);
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<char *> argv;
        argv.push_back(const_cast<char *>(exe.c_str()));
        for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(exe.c_str(), argv.data());
        std::perror("execv");
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    bool eof = false;
    // Generous limits: they only stop a child that hangs.
    auto deadline = Clock::now() + std::chrono::milliseconds(when == KillAt::FromSpawn ? delay_ms : 60000);
    bool started = false;
    while (!eof) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        const int wait_ms = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
        pollfd p{fds[0], POLLIN, 0};
        if (::poll(&p, 1, wait_ms) <= 0) continue;
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) {
            eof = true;
            break;
        }
        out.append(buf, size_t(n));
        if (when == KillAt::AfterInit && !started && out.find('\n') != std::string::npos) {
            started = true;  // the "S" line is the first one
            deadline = Clock::now() + std::chrono::milliseconds(delay_ms);
        }
    }
    if (when != KillAt::Never) ::kill(pid, SIGKILL);
    ChildResult r;
    ::waitpid(pid, &r.status, 0);
    for (;;) {
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, size_t(n));
    }
    ::close(fds[0]);
    parse_lines(out, r);
    return r;
}

fs::path find_journal(const std::string &root, const std::string &id, int round) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(fs::path(root) / "runlog", ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_directory() && name.size() > id.size() && name.compare(name.size() - id.size(), id.size(), id) == 0)
            dirs.push_back(e.path());
    }
    EXPECT_THAT(dirs.size() <= 1, "round %d: %zu run directories for one run id (a kill during init left one behind)",
                round, dirs.size());
    if (dirs.empty()) return {};
    fs::path journal = dirs.front() / ("run-" + id + ".runlog");
    return fs::exists(journal) ? journal : fs::path();
}

// What is known about the journal from earlier rounds: the records before
// `verified_end` were checked already and never change (a resume only cuts
// what comes after the last complete record).
struct Verified {
    uint64_t end = 0;
    long long rows = 0;
};

struct JournalCheck {
    bool found = false;
    long long rows = 0;
    uint64_t records = 0, resumes = 0, exits = 0, size = 0, good_offset = 0;
    StopReason reason = StopReason::End;
};

JournalCheck check_journal(const fs::path &journal, Verified &v, int round) {
    JournalCheck c;
    if (journal.empty()) return c;
    c.found = true;
    c.size = fs::file_size(journal);
    std::string error;
    runlog::journal::Reader reader(runlog::journal::file_source(journal.string(), &error));
    Record rec;
    bool first = true;
    long long rows = 0;
    while (reader.next(rec)) {
        c.records++;
        if (first) {
            EXPECT_THAT(rec.kind == RecordKind::Run, "round %d: the first record is %s, not run", round,
                        std::string(runlog::journal::kind_name(rec.kind)).c_str());
            first = false;
        }
        if (rec.kind == RecordKind::Resume) c.resumes++;
        if (rec.kind == RecordKind::Exit) c.exits++;
        if (rec.kind != RecordKind::History) continue;
        if (rec.offset < v.end) {  // checked in an earlier round
            rows++;
            continue;
        }
        runlog::json row;
        if (runlog::parse_json_object(rec.json, row, nullptr) != runlog::JsonError::None) {
            EXPECT_THAT(false, "round %d: history row %lld is not a JSON object", round, rows);
            break;
        }
        const auto step = row.value("_step", int64_t(-1));
        const auto i = row.value("i", int64_t(-2));
        if (step != rows || i != rows) {
            EXPECT_THAT(false, "round %d: row %lld has _step %lld and i %lld (rows must be consecutive from 0)",
                        round, rows, (long long)step, (long long)i);
            break;
        }
        const auto pad = row.value("pad", std::string());
        EXPECT_THAT(pad.empty() || pad[0] == char('a' + rows % 26), "round %d: row %lld has a foreign pad", round,
                    rows);
        rows++;
    }
    const auto &s = reader.summary();
    c.rows = rows;
    c.reason = s.reason;
    c.good_offset = s.good_offset;
    EXPECT_THAT(s.reason == StopReason::End || s.reason == StopReason::TornTail,
                "round %d: the journal stops with %s: %s", round, runlog::journal::stop_reason_name(s.reason),
                s.detail.c_str());
    EXPECT_THAT(rows >= v.rows, "round %d: rows went from %lld to %lld", round, v.rows, rows);
    v.end = s.good_offset;
    v.rows = rows;
    return c;
}

// Damages the tail like a power loss would: the start of a record that was
// never completely written, or space the file system extended with zeros.
const char *tear_tail(const fs::path &journal, std::mt19937_64 &rng) {
    const uint64_t size = fs::file_size(journal);
    std::string bytes;
    const char *what;
    if (rng() % 3) {
        runlog::journal::Encoder enc(size);
        std::string row = "{\"i\":999999999,\"pad\":\"" + std::string(size_t(rng() % 70000), 'z') + "\"}";
        enc.encode(RecordKind::History, row, bytes);
        bytes.resize(size_t(rng() % bytes.size()));  // never the whole record
        if (bytes.empty()) bytes.push_back('\0');
        what = "partial record";
    } else {
        bytes.assign(size_t(1 + rng() % 40000), '\0');
        what = "zero-filled tail";
    }
    std::ofstream f(journal, std::ios::binary | std::ios::app);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    return what;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <path of runlog_crash_child>\n", argv[0]);
        return 2;
    }
    const std::string child = argv[1];
    const uint64_t seed = runlog_test::test_seed(20251123);
    int rounds = 60;
    if (const char *r = std::getenv("RUNLOG_CRASH_ROUNDS"); r && *r) rounds = std::atoi(r);
    std::printf("crash test: seed %llu (set RUNLOG_TEST_SEED to replay), %d rounds\n", (unsigned long long)seed,
                rounds);
    std::fflush(stdout);
    std::mt19937_64 rng(seed);
    runlog_test::TempDir dir("runlog-crash");
    const char *keep = std::getenv("RUNLOG_CRASH_KEEP");  // keep the journal for a post-mortem
    if (keep && *keep == '1') std::printf("crash test: working in %s\n", dir.path().c_str());
    const std::string id = "crash001";
    const bool threads = runlog_has_threads() != 0;

    long long max_flushed = -1;    // highest step any child reported flushed
    long long expected_start = 0;  // complete rows in the journal after the last check
    Verified verified;
    int killed_in_init = 0, resumes_checked = 0, tears = 0, torn_seen = 0;
    const auto t0 = Clock::now();
    for (int round = 0; round < rounds && failures == 0; ++round) {
        const int flush_every = 1 + int(rng() % 40);
        const int max_rows = 50 + int(rng() % 600);
        const int durability = int(rng() % 4);
        const int threading = threads && rng() % 3 ? RUNLOG_THREADING_BACKGROUND : RUNLOG_THREADING_MANUAL;
        const KillAt when = rng() % 5 == 0 ? KillAt::FromSpawn : KillAt::AfterInit;
        const int delay_ms = when == KillAt::FromSpawn ? int(rng() % 15) : int(rng() % 60);
        const ChildResult r = run_child(child,
                                        {dir.path(), id, std::to_string(flush_every), std::to_string(max_rows),
                                         std::to_string(durability), std::to_string(threading), std::to_string(rng())},
                                        when, delay_ms);
        if (WIFEXITED(r.status)) {
            EXPECT_THAT(false, "round %d: the child exited with status %d instead of being killed (see its stderr)",
                        round, WEXITSTATUS(r.status));
            break;
        }
        EXPECT_THAT(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL, "round %d: unexpected child status %d",
                    round, r.status);
        if (r.start_step < 0) killed_in_init++;
        else {
            EXPECT_THAT(r.start_step == expected_start,
                        "round %d: the resumed run starts at step %lld, but the journal held %lld complete rows",
                        round, r.start_step, expected_start);
            resumes_checked++;
        }
        if (r.last_flushed > max_flushed) max_flushed = r.last_flushed;
        const fs::path journal = find_journal(dir.path(), id, round);
        JournalCheck c = check_journal(journal, verified, round);
        if (!c.found) {
            EXPECT_THAT(max_flushed < 0, "round %d: the journal is gone", round);
            continue;
        }
        EXPECT_THAT(c.rows >= max_flushed + 1,
                    "round %d: the child flushed up to step %lld but the journal has only %lld rows", round,
                    max_flushed, c.rows);
        EXPECT_THAT(c.exits == 0, "round %d: an exit record in a run that never finished", round);
        if (c.reason == StopReason::TornTail) torn_seen++;
        expected_start = c.rows;
        const bool verbose = keep && *keep == '1';
        if (verbose)
            std::printf("round %d: %s %d ms, start %lld, flushed %lld, rows %lld, %s, size %llu, good %llu\n", round,
                        when == KillAt::FromSpawn ? "spawn+" : "init+", delay_ms, r.start_step, r.last_flushed,
                        c.rows, runlog::journal::stop_reason_name(c.reason), (unsigned long long)c.size,
                        (unsigned long long)c.good_offset);
        // A real writer cuts a torn tail before it appends, so a new tear only
        // goes on a journal that ends cleanly.
        if (rng() % 3 == 0 && c.reason == StopReason::End) {
            const char *what = tear_tail(journal, rng);
            if (verbose) std::printf("round %d: appended a %s\n", round, what);
            tears++;
            Verified probe = verified;
            JournalCheck t = check_journal(journal, probe, round);
            EXPECT_THAT(t.reason == StopReason::TornTail, "round %d: a %s is not read as a torn tail (%s)", round,
                        what, runlog::journal::stop_reason_name(t.reason));
            EXPECT_THAT(t.rows == c.rows, "round %d: the %s changed the row count", round, what);
        }
    }

    // One last, clean session: resume, log, finish.
    if (failures == 0) {
        const ChildResult r =
            run_child(child,
                      {dir.path(), id, "7", "50", "0",
                       std::to_string(threads ? RUNLOG_THREADING_BACKGROUND : RUNLOG_THREADING_MANUAL), "1", "finish"},
                      KillAt::Never, 0);
        EXPECT_THAT(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && r.done,
                    "the final session did not finish cleanly (status %d)", r.status);
        EXPECT_THAT(r.start_step == expected_start, "the final session starts at %lld, expected %lld", r.start_step,
                    expected_start);
        const JournalCheck c = check_journal(find_journal(dir.path(), id, rounds), verified, rounds);
        EXPECT_THAT(c.found && c.reason == StopReason::End, "the finished journal does not end cleanly");
        EXPECT_THAT(c.rows == expected_start + 50, "the finished journal has %lld rows, expected %lld", c.rows,
                    expected_start + 50);
        EXPECT_THAT(c.exits == 1, "the finished journal has %llu exit records", (unsigned long long)c.exits);
        EXPECT_THAT(c.good_offset == c.size, "the finished journal has %llu bytes after its last record",
                    (unsigned long long)(c.size - c.good_offset));
        std::printf("crash test: final journal: %lld rows, %llu records, %llu resumes, %llu bytes\n", c.rows,
                    (unsigned long long)c.records, (unsigned long long)c.resumes, (unsigned long long)c.size);
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("crash test: %d rounds, %d kills during init, %d resumes checked, %d tails torn by the test, "
                "%d torn tails found after a kill, highest flushed step %lld, %.1f s\n",
                rounds, killed_in_init, resumes_checked, tears, torn_seen, max_flushed, secs);
    std::printf("%s\n", failures ? "FAILED" : "PASSED");
    if (keep && *keep == '1') {
        const std::string kept = dir.path() + ".kept";
        fs::rename(dir.path(), kept);
        std::printf("crash test: kept %s\n", kept.c_str());
    }
    return failures ? 1 : 0;
}
