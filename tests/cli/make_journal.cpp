// Writes a directory of runs for the CLI tests, using journal::Encoder
// directly (no dependency on the runtime that normally writes journals).
//
//   cli_make_journal ROOT [--pid PID] [--no-latest]
//
// creates ROOT/runlog/<run dirs>, ROOT/runlog/latest-run (-> fin00001, which
// is NOT the newest run, so tests can tell the link from the fallback), and
// ROOT/expected/<id>.jsonl: the exact history row texts each run journals.
// PID is a live process on this host (the test itself): the "running" runs
// name it as their writer.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "journal_writer.h"

namespace fs = std::filesystem;
using runlog::journal::Encoder;
using runlog::journal::RecordKind;

namespace {

// Far above any pid_max: kill(pid, 0) fails with ESRCH.
constexpr long long kDeadPid = 999999999;
std::string g_host;

struct Rec {
    RecordKind kind;
    std::string json;
};

struct Journal {
    std::string bytes;
    std::vector<uint64_t> starts;  // offset before each record was encoded
    std::vector<uint64_t> ends;    // offset after it
};

Journal encode(const std::vector<Rec> &recs) {
    Journal j;
    Encoder enc(0);
    enc.encode_header(j.bytes);
    for (const auto &r : recs) {
        j.starts.push_back(enc.offset());
        enc.encode(r.kind, r.json, j.bytes);
        j.ends.push_back(enc.offset());
    }
    return j;
}

void write_file(const fs::path &p, const std::string &bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) {
        std::cerr << "cli_make_journal: cannot write " << p << "\n";
        std::exit(1);
    }
}

std::string run_record(const std::string &id, const std::string &name, const std::string &project,
                       double start, long long pid, const std::string &extra = "") {
    return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"project\":\"" + project +
           "\",\"entity\":\"team\",\"group\":\"\",\"job_type\":\"\",\"tags\":[],\"notes\":\"\",\"mode\":\"offline\","
           "\"start_time\":" + std::to_string((long long)start) + ".0,\"host\":\"" + g_host +
           "\",\"pid\":" + std::to_string(pid) + ",\"program\":\"/usr/bin/train\"" + extra + "}";
}

std::string row(int step, double start, const std::string &user) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "{\"_step\":%d,\"_runtime\":%.1f,\"_timestamp\":%.1f", step, step * 1.5,
                  start + step);
    std::string s = buf;
    if (!user.empty()) s += "," + user;
    return s + "}";
}

struct Run {
    fs::path root;
    std::string dir_name;
    std::string id;
    std::vector<Rec> recs;

    fs::path dir() const { return root / "runlog" / dir_name; }
    fs::path journal() const { return dir() / ("run-" + id + ".runlog"); }

    // Writes the run directory and the expected rows; returns the journal.
    Journal write() const {
        fs::create_directories(dir() / "files");
        Journal j = encode(recs);
        write_file(journal(), j.bytes);
        std::string rows;
        for (const auto &r : recs)
            if (r.kind == RecordKind::History) rows += r.json + "\n";
        fs::create_directories(root / "expected");
        write_file(root / "expected" / (id + ".jsonl"), rows);
        return j;
    }
};

Run simple_run(const fs::path &root, const std::string &dir_name, const std::string &id, double start,
               long long pid, int nrows) {
    Run r{root, dir_name, id, {}};
    r.recs.push_back({RecordKind::Run, run_record(id, id + "-name", "beta", start, pid)});
    for (int i = 0; i < nrows; ++i)
        r.recs.push_back({RecordKind::History, row(i, start, "\"loss\":" + std::to_string(1.0 / (i + 1)))});
    return r;
}

const char *exit_record(int code) {
    static std::string s;
    s = "{\"exit_code\":" + std::to_string(code) + ",\"runtime\":15.0}";
    return s.c_str();
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::cerr << "usage: cli_make_journal ROOT [--pid PID] [--no-latest]\n";
        return 2;
    }
    const fs::path root = argv[1];
    long long live_pid = (long long)::getppid();
    bool latest = true;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--pid" && i + 1 < argc) live_pid = std::atoll(argv[++i]);
        else if (a == "--no-latest") latest = false;
        else {
            std::cerr << "cli_make_journal: unknown argument " << a << "\n";
            return 2;
        }
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    g_host = host;
    fs::create_directories(root / "runlog");

    // 1. Finished (exit 0): config, explicit summary, 10 rows.
    {
        const double start = 1704103200;  // 2024-01-01 10:00:00 UTC
        Run r{root, "offline-run-20240101_100000-fin00001", "fin00001", {}};
        r.recs.push_back({RecordKind::Run,
                          run_record("fin00001", "brisk-river-1", "alpha", start, kDeadPid,
                                     ",\"config\":{\"lr\":0.001,\"batch\":32,\"opt\":{\"name\":\"adam\",\"beta\":0.9}}")});
        r.recs.push_back({RecordKind::Config, "{\"update\":{\"epochs\":5}}"});
        for (int i = 0; i < 10; ++i) {
            char user[96];
            std::snprintf(user, sizeof user, "\"loss\":%.4f,\"acc\":%.2f", 1.0 / (i + 1), i * 0.1);
            r.recs.push_back({RecordKind::History, row(i, start, user)});
        }
        r.recs.push_back({RecordKind::Summary, "{\"update\":{\"best_acc\":0.93},\"remove\":[]}"});
        r.recs.push_back({RecordKind::Exit, exit_record(0)});
        r.write();
    }
    // 2. Failed (exit 3).
    {
        Run r = simple_run(root, "offline-run-20240102_100000-fail0001", "fail0001", 1704189600, kDeadPid, 3);
        r.recs.push_back({RecordKind::Exit, exit_record(3)});
        r.write();
    }
    // 3. Crashed: no exit record, the writer is gone.
    simple_run(root, "offline-run-20240103_100000-crash001", "crash001", 1704276000, kDeadPid, 4).write();
    // 4. Torn tail: 5 rows, then a 6th cut in the middle of its record.
    {
        Run r = simple_run(root, "offline-run-20240104_100000-torn0001", "torn0001", 1704362400, kDeadPid, 5);
        Journal j = r.write();
        Run full = r;
        full.recs.push_back({RecordKind::History, row(5, 1704362400, "\"loss\":0.1666,\"note\":\"cut here\"")});
        Journal jf = encode(full.recs);
        const uint64_t cut = jf.starts.back() + (jf.ends.back() - jf.starts.back()) / 2;
        write_file(r.journal(), jf.bytes.substr(0, size_t(cut)));
        (void)j;  // expected rows: the 5 complete ones (written by r.write())
    }
    // 5. Corrupt: 2000 rows over several 32 KiB blocks, an exit record, and
    //    one flipped byte inside a record's payload in the middle.
    {
        Run r = simple_run(root, "offline-run-20240105_100000-corr0001", "corr0001", 1704448800, kDeadPid, 2000);
        r.recs.push_back({RecordKind::Exit, exit_record(0)});
        Journal j = r.write();
        size_t k = r.recs.size() / 2;
        // A record that starts well inside a block, so the byte is in its payload.
        while (k < r.recs.size() && (j.starts[k] % 32768 > 32768 - 200)) ++k;
        const size_t at = size_t(j.starts[k] + 7 + 10);
        j.bytes[at] = char(j.bytes[at] ^ 0x20);
        write_file(r.journal(), j.bytes);
        // Expected rows: those before record k (what survives).
        std::string rows;
        for (size_t i = 0; i < k; ++i)
            if (r.recs[i].kind == RecordKind::History) rows += r.recs[i].json + "\n";
        write_file(root / "expected" / "corr0001.readable.jsonl", rows);
    }
    // 6. NaN, Infinity, nested objects, arrays, CSV-hostile strings, sparse
    //    keys; rows formatted unlike the library would (spaces) to prove the
    //    export copies them byte for byte.
    {
        const double start = 1704535200;
        Run r{root, "offline-run-20240106_100000-nan00001", "nan00001", {}};
        r.recs.push_back({RecordKind::Run,
                          run_record("nan00001", "odd-values-6", "alpha", start, kDeadPid,
                                     ",\"config\":{\"limit\":Infinity,\"model\":{\"layers\":[64,64],\"act\":\"relu\"}}")});
        r.recs.push_back({RecordKind::History,
                          "{\"_step\":0,\"_runtime\":0.5,\"_timestamp\":1704535200.5,\"loss\":NaN,"
                          "\"val\":{\"acc\":0.25,\"loss\":Infinity},\"text\":\"a,b \\\"quoted\\\"\\nline2\","
                          "\"arr\":[1,2,{\"x\":NaN}],\"flag\":true,\"none\":null}"});
        r.recs.push_back({RecordKind::History,
                          "{\"_step\": 1, \"_runtime\": 1.0, \"_timestamp\": 1704535201.0, \"loss\": -Infinity, "
                          "\"val\": {\"acc\": 0.5}, \"text\": \"plain\", \"only_here\": \"na\xC3\xAFve\", \"empty\": {}}"});
        r.recs.push_back({RecordKind::History,
                          "{\"_step\":2,\"_runtime\":1.5,\"_timestamp\":1704535202.0,\"loss\":0.125,"
                          "\"val\":{\"acc\":0.75,\"loss\":1e-05},\"deep\":{\"a\":{\"b\":{\"c\":7}}}}"});
        r.recs.push_back({RecordKind::Summary, "{\"update\":{\"best\":NaN,\"worst\":-Infinity},\"remove\":[]}"});
        r.recs.push_back({RecordKind::Exit, exit_record(0)});
        r.write();
    }
    // 7. Running: no exit record; the writer is the live pid on this host.
    simple_run(root, "offline-run-20240107_100000-live0001", "live0001", 1704621600, live_pid, 2).write();
    // 8. Not a journal at all (bad header).
    {
        Run r{root, "offline-run-20240108_100000-bad00001", "bad00001", {}};
        fs::create_directories(r.dir() / "files");
        write_file(r.journal(), "this is not a runlog journal, just some text\n");
        write_file(root / "expected" / "bad00001.jsonl", "");
    }
    // 9. Two runs with the same directory timestamp: the one whose journal
    //    was modified last comes first (name order would say the opposite).
    {
        Run a = simple_run(root, "offline-run-20240109_100000-mtimeaa1", "mtimeaa1", 1704794400, kDeadPid, 1);
        a.recs.push_back({RecordKind::Exit, exit_record(0)});
        a.write();
        Run b = simple_run(root, "run-20240109_100000-mtimebb2", "mtimebb2", 1704794400, kDeadPid, 1);
        b.recs.push_back({RecordKind::Exit, exit_record(0)});
        b.write();
        const auto now = fs::file_time_type::clock::now();
        fs::last_write_time(a.journal(), now);
        fs::last_write_time(b.journal(), now - std::chrono::hours(1));
    }
    // 10. A run directory without a journal.
    fs::create_directories(root / "runlog" / "offline-run-20231231_100000-empty001" / "files");
    // 11. Finished by a dead process, then resumed by the live one: running.
    {
        Run r = simple_run(root, "offline-run-20231230_100000-resm0001", "resm0001", 1703930400, kDeadPid, 2);
        r.recs.push_back({RecordKind::Exit, exit_record(0)});
        r.recs.push_back({RecordKind::Resume, "{\"time\":1703940000.0,\"starting_step\":2,\"runtime\":15.0,\"pid\":" +
                                                  std::to_string(live_pid) + ",\"host\":\"" + g_host + "\"}"});
        r.recs.push_back({RecordKind::History, row(2, 1703930400, "\"loss\":0.25")});
        r.write();
    }
    // Not a run: ignored by ls.
    fs::create_directories(root / "runlog" / "not-a-run");
    write_file(root / "runlog" / "wandb-resume.json", "{\"run_id\":\"fin00001\"}");

    if (latest) {
        std::error_code ec;
        fs::create_directory_symlink("offline-run-20240101_100000-fin00001", root / "runlog" / "latest-run", ec);
        if (ec) {
            std::cerr << "cli_make_journal: cannot create the latest-run link: " << ec.message() << "\n";
            return 1;
        }
    }
    return 0;
}
