// End-to-end tests of the runlog command-line tool: each test runs the real
// executable (fork + exec) against run directories written by
// cli_make_journal in a fresh temporary directory, and checks its exit
// status, stdout and stderr.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#ifndef RUNLOG_CLI_PATH
#error "RUNLOG_CLI_PATH must name the runlog executable"
#endif
#ifndef MAKE_JOURNAL_PATH
#error "MAKE_JOURNAL_PATH must name the cli_make_journal executable"
#endif

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Result {
    int code = -1;       // exit status, or -1 when killed by a signal
    int signal = 0;      // the signal that killed it
    std::string out, err;
};

std::string slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(const fs::path &p, const std::string &bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

struct RunOptions {
    std::string cwd;                          // "" = the temp root
    std::map<std::string, std::string> env;   // extra variables ("" value = unset)
};

fs::path g_tmp;   // everything the tests create lives here
fs::path g_root;  // the runs written by cli_make_journal (ROOT/runlog/…)

// Runs an executable with args; stdout and stderr are captured in files.
Result run_exe(const std::string &exe, const std::vector<std::string> &args, const RunOptions &o = {}) {
    static int counter = 0;
    const fs::path out_path = g_tmp / ("out." + std::to_string(++counter));
    const fs::path err_path = g_tmp / ("err." + std::to_string(counter));
    const std::string cwd = o.cwd.empty() ? g_tmp.string() : o.cwd;
    std::vector<std::string> argv_s{exe};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    pid_t pid = ::fork();
    if (pid == 0) {
        int fo = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || ::dup2(fo, 1) < 0 || ::dup2(fe, 2) < 0 || ::chdir(cwd.c_str()) != 0) _exit(126);
        ::unsetenv("WANDB_DIR");
        ::unsetenv("WANDB_HOST");
        ::setenv("TZ", "UTC", 1);
        for (const auto &[k, v] : o.env) {
            if (v.empty()) ::unsetenv(k.c_str());
            else ::setenv(k.c_str(), v.c_str(), 1);
        }
        std::vector<char *> argv;
        for (auto &a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(exe.c_str(), argv.data());
        _exit(127);
    }
    Result r;
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) {
        ADD_FAILURE() << "cannot run " << exe;
        return r;
    }
    if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    fs::remove(out_path);
    fs::remove(err_path);
    return r;
}

Result cli(const std::vector<std::string> &args, const RunOptions &o = {}) {
    return run_exe(RUNLOG_CLI_PATH, args, o);
}

// The CLI with --dir pointing at the generated runs.
Result cli_in_root(std::vector<std::string> args) {
    args.push_back("--dir");
    args.push_back(g_root.string());
    return cli(args);
}

// Strict RFC 8259 parse (nlohmann rejects NaN and Infinity).
json parse_strict(const std::string &text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not strict JSON:\n" << text;
    return j;
}

std::string dump(const Result &r) {
    return "exit " + std::to_string(r.code) + " signal " + std::to_string(r.signal) + "\n--- stdout\n" + r.out +
           "--- stderr\n" + r.err;
}

// Each error is one line: "runlog: <what>; <how to fix>".
void expect_error_line(const Result &r) {
    EXPECT_EQ(r.err.rfind("runlog: ", 0), 0u) << dump(r);
    EXPECT_NE(r.err.find("; "), std::string::npos) << dump(r);
}

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

class CliEnv : public ::testing::Environment {
public:
    void SetUp() override {
        const char *tmpdir = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/runlog-cli-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
        g_tmp = tmpl;
        g_root = g_tmp / "root";
        Result r = run_exe(MAKE_JOURNAL_PATH, {g_root.string(), "--pid", std::to_string(::getpid())});
        ASSERT_EQ(r.code, 0) << dump(r);
    }
    void TearDown() override {
        std::error_code ec;
        if (!g_tmp.empty()) fs::remove_all(g_tmp, ec);
    }
};

const ::testing::Environment *const g_env = ::testing::AddGlobalTestEnvironment(new CliEnv);

fs::path run_dir(const std::string &name) { return g_root / "runlog" / name; }
fs::path journal_of(const std::string &dir_name, const std::string &id) {
    return run_dir(dir_name) / ("run-" + id + ".runlog");
}

const std::vector<std::string> kNewestFirst = {"mtimeaa1", "mtimebb2", "bad00001", "live0001",
                                               "nan00001", "corr0001", "torn0001", "crash001",
                                               "fail0001", "fin00001", "empty001", "resm0001"};

// ---- ls ------------------------------------------------------------------------

TEST(Ls, JsonListsRunsNewestFirst) {
    Result r = cli_in_root({"ls", "--json"});
    ASSERT_EQ(r.code, 0) << dump(r);
    json j = parse_strict(r.out);
    ASSERT_TRUE(j.contains("runs")) << r.out;
    std::vector<std::string> ids;
    for (const auto &run : j["runs"]) ids.push_back(run["id"]);
    EXPECT_EQ(ids, kNewestFirst);
}

TEST(Ls, States) {
    Result r = cli_in_root({"ls", "--json"});
    ASSERT_EQ(r.code, 0) << dump(r);
    json j = parse_strict(r.out);
    std::map<std::string, std::string> state;
    std::map<std::string, json> by_id;
    for (const auto &run : j["runs"]) {
        state[run["id"]] = run["state"];
        by_id[run["id"]] = run;
    }
    EXPECT_EQ(state["fin00001"], "finished");
    EXPECT_EQ(state["fail0001"], "failed");
    EXPECT_EQ(by_id["fail0001"]["exit_code"], 3);
    EXPECT_EQ(state["crash001"], "crashed");
    EXPECT_EQ(state["torn0001"], "crashed");
    EXPECT_EQ(state["corr0001"], "corrupt");
    EXPECT_EQ(state["bad00001"], "corrupt");
    EXPECT_EQ(state["empty001"], "corrupt");
    EXPECT_EQ(state["live0001"], "running");
    EXPECT_EQ(state["resm0001"], "running");  // resumed by a live process after an exit
    EXPECT_EQ(state["nan00001"], "finished");
    EXPECT_EQ(by_id["fin00001"]["rows"], 10);
    EXPECT_EQ(by_id["fin00001"]["last_step"], 9);
    EXPECT_EQ(by_id["fin00001"]["name"], "brisk-river-1");
    EXPECT_EQ(by_id["fin00001"]["project"], "alpha");
    EXPECT_TRUE(by_id["crash001"]["exit_code"].is_null());
}

TEST(Ls, HumanTable) {
    Result r = cli_in_root({"ls"});
    ASSERT_EQ(r.code, 0) << dump(r);
    auto ls = lines(r.out);
    ASSERT_EQ(ls.size(), kNewestFirst.size() + 1) << r.out;
    for (const char *col : {"ID", "NAME", "PROJECT", "STATE", "ROWS", "LAST STEP", "STARTED", "DIRECTORY"})
        EXPECT_NE(ls[0].find(col), std::string::npos) << col;
    for (size_t i = 0; i < kNewestFirst.size(); ++i)
        EXPECT_EQ(ls[i + 1].rfind(kNewestFirst[i], 0), 0u) << "line " << i + 1 << ": " << ls[i + 1];
    auto line_of = [&](const std::string &id) {
        for (const auto &l : ls)
            if (l.rfind(id, 0) == 0) return l;
        return std::string();
    };
    EXPECT_NE(line_of("fail0001").find("failed (exit 3)"), std::string::npos) << r.out;
    const std::string fin = line_of("fin00001");
    EXPECT_NE(fin.find("brisk-river-1"), std::string::npos) << fin;
    EXPECT_NE(fin.find("finished"), std::string::npos) << fin;
    EXPECT_NE(fin.find("2024-01-01 10:00:00"), std::string::npos) << fin;  // TZ=UTC
    EXPECT_NE(fin.find("offline-run-20240101_100000-fin00001"), std::string::npos) << fin;
    EXPECT_NE(line_of("live0001").find("running"), std::string::npos);
    EXPECT_NE(line_of("crash001").find("crashed"), std::string::npos);
    EXPECT_NE(line_of("corr0001").find("corrupt"), std::string::npos);
    EXPECT_EQ(r.out.find("not-a-run"), std::string::npos);
}

TEST(Ls, EmptyAndMissingDirectories) {
    const fs::path empty = g_tmp / "empty-root";
    fs::create_directories(empty / "runlog");
    Result r = cli({"ls", "--dir", empty.string()});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("no runs"), std::string::npos) << dump(r);
    r = cli({"ls", "--json", "--dir", (g_tmp / "does-not-exist").string()});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_EQ(parse_strict(r.out)["runs"], json::array());
    // A file where a directory should be is an error.
    spit(g_tmp / "a-file", "x");
    r = cli({"ls", "--dir", (g_tmp / "a-file").string()});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
    EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
}

TEST(Ls, RootComesFromDirThenWandbDirThenCwd) {
    const fs::path empty = g_tmp / "empty-root2";
    fs::create_directories(empty);
    auto count = [](const Result &r) {
        json j = parse_strict(r.out);
        return j.contains("runs") ? j["runs"].size() : size_t(999);
    };
    Result r = cli({"ls", "--json"}, {"", {{"WANDB_DIR", g_root.string()}}});
    EXPECT_EQ(count(r), kNewestFirst.size()) << dump(r);
    r = cli({"ls", "--json", "--dir", g_root.string()}, {"", {{"WANDB_DIR", empty.string()}}});
    EXPECT_EQ(count(r), kNewestFirst.size()) << "--dir must win over WANDB_DIR\n" << dump(r);
    r = cli({"ls", "--json", "--dir", empty.string()}, {"", {{"WANDB_DIR", g_root.string()}}});
    EXPECT_EQ(count(r), 0u) << dump(r);
    r = cli({"ls", "--json"}, {g_root.string(), {}});
    EXPECT_EQ(count(r), kNewestFirst.size()) << "cwd\n" << dump(r);
    // --dir naming the runlog/ directory itself also works.
    r = cli({"ls", "--json", "--dir", (g_root / "runlog").string()});
    EXPECT_EQ(count(r), kNewestFirst.size()) << dump(r);
}

TEST(Ls, RejectsArgumentsAndForeignOptions) {
    Result r = cli_in_root({"ls", "extra"});
    EXPECT_EQ(r.code, 2) << dump(r);
    expect_error_line(r);
    r = cli_in_root({"ls", "--rows", "3"});
    EXPECT_EQ(r.code, 2) << dump(r);
    expect_error_line(r);
}

// ---- show ------------------------------------------------------------------------

TEST(Show, MetadataConfigSummaryAndLastRows) {
    Result r = cli_in_root({"show", "fin00001"});
    ASSERT_EQ(r.code, 0) << dump(r);
    for (const char *want : {"fin00001", "brisk-river-1", "alpha", "finished", "lr = 0.001", "batch = 32",
                             "opt.name = \"adam\"", "epochs = 5", "best_acc = 0.93", "loss = 0.1",
                             "history (last 5 of 10 rows)", "\"_step\":9", "\"_step\":5", "ok: 14 records",
                             "2024-01-01 10:00:00"})
        EXPECT_NE(r.out.find(want), std::string::npos) << "missing " << want << "\n" << r.out;
    EXPECT_EQ(r.out.find("\"_step\":4,"), std::string::npos) << r.out;
}

TEST(Show, RowsOption) {
    Result r = cli_in_root({"show", "fin00001", "--rows", "2"});
    ASSERT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("history (last 2 of 10 rows)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"_step\":8"), std::string::npos);
    EXPECT_EQ(r.out.find("\"_step\":7"), std::string::npos);
    r = cli_in_root({"show", "fin00001", "--rows=0"});
    ASSERT_EQ(r.code, 0) << dump(r);
    EXPECT_EQ(r.out.find("\"_step\""), std::string::npos) << r.out;
    r = cli_in_root({"show", "fin00001", "--rows", "50"});
    EXPECT_NE(r.out.find("history (all 10 rows)"), std::string::npos) << r.out;
    for (const char *bad : {"abc", "-1", "1.5"}) {
        r = cli_in_root({"show", "fin00001", "--rows", bad});
        EXPECT_EQ(r.code, 2) << bad << "\n" << dump(r);
        expect_error_line(r);
    }
}

TEST(Show, Json) {
    Result r = cli_in_root({"show", "fin00001", "--json"});
    ASSERT_EQ(r.code, 0) << dump(r);
    json j = parse_strict(r.out);
    EXPECT_EQ(j["id"], "fin00001");
    EXPECT_EQ(j["state"], "finished");
    EXPECT_EQ(j["exit_code"], 0);
    EXPECT_DOUBLE_EQ(j["config"]["lr"].get<double>(), 0.001);
    EXPECT_EQ(j["config"]["opt"]["name"], "adam");
    EXPECT_EQ(j["config"]["epochs"], 5);
    EXPECT_DOUBLE_EQ(j["summary"]["best_acc"].get<double>(), 0.93);
    EXPECT_EQ(j["rows"], 10);
    EXPECT_EQ(j["last_step"], 9);
    ASSERT_EQ(j["history"].size(), 5u);
    EXPECT_EQ(j["history"][4]["_step"], 9);
    EXPECT_EQ(j["journal"]["stop_reason"], "end");
    EXPECT_EQ(j["run"]["project"], "alpha");
}

TEST(Show, JsonIsStrictWithNaN) {
    Result r = cli_in_root({"show", "nan00001", "--json"});
    ASSERT_EQ(r.code, 0) << dump(r);
    json j = parse_strict(r.out);
    EXPECT_EQ(j["summary"]["best"], "NaN");
    EXPECT_EQ(j["summary"]["worst"], "-Infinity");
    EXPECT_EQ(j["config"]["limit"], "Infinity");
    ASSERT_EQ(j["history"].size(), 3u);
    EXPECT_EQ(j["history"][0]["loss"], "NaN");
    EXPECT_EQ(j["history"][0]["val"]["loss"], "Infinity");
    EXPECT_EQ(j["history"][2]["deep"]["a"]["b"]["c"], 7);
}

TEST(Show, HumanOutputOfDamagedAndFailedRuns) {
    Result r = cli_in_root({"show", "torn0001"});
    ASSERT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("crashed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("torn tail"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rows       5"), std::string::npos) << r.out;
    r = cli_in_root({"show", "corr0001"});
    ASSERT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("corrupt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("CORRUPT at offset"), std::string::npos) << r.out;
    r = cli_in_root({"show", "fail0001"});
    ASSERT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("failed (exit 3)"), std::string::npos) << r.out;
    r = cli_in_root({"show", "live0001"});
    EXPECT_NE(r.out.find("running"), std::string::npos) << r.out;
}

TEST(Show, NeedsARun) {
    Result r = cli_in_root({"show"});
    EXPECT_EQ(r.code, 2) << dump(r);
    expect_error_line(r);
    r = cli_in_root({"show", "fin00001", "fail0001"});
    EXPECT_EQ(r.code, 2) << dump(r);
}

// ---- verify ------------------------------------------------------------------------

TEST(Verify, CleanJournalExits0) {
    Result r = cli_in_root({"verify", "fin00001"});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("end:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("records    14 (run 1, history 10, summary 1, config 1, exit 1)"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.err, "");
}

TEST(Verify, TornTailExits0AndSaysItIsNormal) {
    Result r = cli_in_root({"verify", "torn0001"});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_NE(r.out.find("torn-tail"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("crash"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("normal"), std::string::npos) << r.out;
}

TEST(Verify, CorruptJournalExits1) {
    Result r = cli_in_root({"verify", "corr0001"});
    EXPECT_EQ(r.code, 1) << dump(r);
    EXPECT_NE(r.out.find("corrupt"), std::string::npos) << r.out;
    expect_error_line(r);
}

TEST(Verify, BadHeaderExits1) {
    Result r = cli_in_root({"verify", "bad00001"});
    EXPECT_EQ(r.code, 1) << dump(r);
    EXPECT_NE(r.out.find("bad-header"), std::string::npos) << r.out;
    expect_error_line(r);
}

TEST(Verify, Json) {
    Result r = cli_in_root({"verify", "fin00001", "--json"});
    ASSERT_EQ(r.code, 0) << dump(r);
    json j = parse_strict(r.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["stop_reason"], "end");
    EXPECT_EQ(j["records"], 14);
    EXPECT_EQ(j["kinds"]["history"], 10);
    EXPECT_EQ(j["kinds"]["exit"], 1);
    EXPECT_EQ(j["bytes"], fs::file_size(journal_of("offline-run-20240101_100000-fin00001", "fin00001")));
    EXPECT_EQ(j["bytes_after"], 0);

    r = cli_in_root({"verify", "torn0001", "--json"});
    EXPECT_EQ(r.code, 0) << dump(r);
    j = parse_strict(r.out);
    EXPECT_EQ(j["stop_reason"], "torn-tail");
    EXPECT_EQ(j["kinds"]["history"], 5);
    EXPECT_GT(j["bytes_after"].get<uint64_t>(), 0u);

    r = cli_in_root({"verify", "corr0001", "--json"});
    EXPECT_EQ(r.code, 1) << dump(r);
    j = parse_strict(r.out);
    EXPECT_EQ(j["ok"], false);
    EXPECT_EQ(j["stop_reason"], "corrupt");
    EXPECT_GT(j["stop_offset"].get<uint64_t>(), 32768u);
}

TEST(Verify, RunWithoutJournalIsAnError) {
    Result r = cli_in_root({"verify", "empty001"});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
    EXPECT_NE(r.err.find("no journal"), std::string::npos) << r.err;
}

// ---- export ------------------------------------------------------------------------

TEST(Export, JsonlIsTheJournaledRowsByteForByte) {
    for (const char *id : {"fin00001", "nan00001", "resm0001", "fail0001"}) {
        Result r = cli_in_root({"export", id});
        EXPECT_EQ(r.code, 0) << id << "\n" << dump(r);
        EXPECT_EQ(r.out, slurp(g_root / "expected" / (std::string(id) + ".jsonl"))) << id;
    }
}

TEST(Export, ToFileWithJsonReport) {
    const fs::path out = g_tmp / "export-out" / "rows.jsonl";
    fs::create_directories(out.parent_path());
    Result r = cli_in_root({"export", "nan00001", "--output", out.string(), "--json"});
    ASSERT_EQ(r.code, 0) << dump(r);
    EXPECT_EQ(slurp(out), slurp(g_root / "expected" / "nan00001.jsonl"));
    json j = parse_strict(r.out);
    EXPECT_EQ(j["rows"], 3);
    EXPECT_EQ(j["complete"], true);
    // No temporary files left behind.
    size_t files = 0;
    for (const auto &e : fs::directory_iterator(out.parent_path())) files += e.is_regular_file();
    EXPECT_EQ(files, 1u);
    // Exporting over the journal itself is refused.
    const fs::path journal = journal_of("offline-run-20240106_100000-nan00001", "nan00001");
    const std::string before = slurp(journal);
    r = cli_in_root({"export", "nan00001", "-o", journal.string()});
    EXPECT_EQ(r.code, 1) << dump(r);
    EXPECT_EQ(slurp(journal), before);
}

TEST(Export, CsvHeaderQuotingAndNonFinite) {
    Result r = cli_in_root({"export", "nan00001", "--format", "csv"});
    ASSERT_EQ(r.code, 0) << dump(r);
    const std::string expected =
        "_step,_runtime,_timestamp,arr,deep.a.b.c,empty,flag,loss,none,only_here,text,val.acc,val.loss\n"
        "0,0.5,1704535200.5,\"[1,2,{\"\"x\"\":NaN}]\",,,true,NaN,,,\"a,b \"\"quoted\"\"\nline2\",0.25,Infinity\n"
        "1,1.0,1704535201.0,,,{},,-Infinity,,na\xC3\xAFve,plain,0.5,\n"
        "2,1.5,1704535202.0,,7,,,0.125,,,,0.75,1e-05\n";
    EXPECT_EQ(r.out, expected);
}

TEST(Export, CsvPutsStepFirst) {
    Result r = cli_in_root({"export", "fin00001", "--format=csv"});
    ASSERT_EQ(r.code, 0) << dump(r);
    auto ls = lines(r.out);
    ASSERT_EQ(ls.size(), 11u) << r.out;
    EXPECT_EQ(ls[0], "_step,_runtime,_timestamp,acc,loss");
    EXPECT_EQ(ls[1], "0,0.0,1704103200.0,0.0,1.0");
    EXPECT_EQ(ls[10].rfind("9,13.5,1704103209.0,0.9,0.1", 0), 0u) << ls[10];
}

TEST(Export, TornTailExportsTheCompleteRows) {
    Result r = cli_in_root({"export", "torn0001"});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_EQ(r.out, slurp(g_root / "expected" / "torn0001.jsonl"));
    EXPECT_EQ(lines(r.out).size(), 5u);
    EXPECT_NE(r.err.find("torn"), std::string::npos) << r.err;
}

TEST(Export, CorruptJournalExportsRowsBeforeTheDamageAndExits1) {
    Result r = cli_in_root({"export", "corr0001"});
    EXPECT_EQ(r.code, 1) << dump(r).substr(0, 2000);
    EXPECT_EQ(r.out, slurp(g_root / "expected" / "corr0001.readable.jsonl"));
    EXPECT_GT(lines(r.out).size(), 500u);
    EXPECT_LT(lines(r.out).size(), 2000u);
    expect_error_line(r);
}

TEST(Export, UsageErrors) {
    Result r = cli_in_root({"export", "fin00001", "--format", "xml"});
    EXPECT_EQ(r.code, 2) << dump(r);
    expect_error_line(r);
    r = cli_in_root({"export", "fin00001", "--json"});
    EXPECT_EQ(r.code, 2) << dump(r);
    expect_error_line(r);
    r = cli_in_root({"export", "fin00001", "--output"});
    EXPECT_EQ(r.code, 2) << dump(r);
    r = cli_in_root({"export", "bad00001"});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
}

// ---- RUN resolution ------------------------------------------------------------------

std::string shown_id(const Result &r) {
    json j = json::parse(r.out, nullptr, false);
    return j.is_object() && j.contains("id") ? j["id"].get<std::string>() : "<" + r.err + ">";
}

TEST(Resolve, ByIdAndUniquePrefix) {
    EXPECT_EQ(shown_id(cli_in_root({"show", "fail0001", "--json"})), "fail0001");
    EXPECT_EQ(shown_id(cli_in_root({"show", "fail", "--json"})), "fail0001");
    Result r = cli_in_root({"show", "mtime"});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
    EXPECT_NE(r.err.find("several"), std::string::npos) << r.err;
}

TEST(Resolve, LatestUsesTheLinkElseTheNewestRun) {
    EXPECT_EQ(shown_id(cli_in_root({"show", "latest", "--json"})), "fin00001");
    const fs::path other = g_tmp / "no-link-root";
    Result g = run_exe(MAKE_JOURNAL_PATH, {other.string(), "--no-latest"});
    ASSERT_EQ(g.code, 0) << dump(g);
    Result r = cli({"show", "latest", "--json", "--dir", other.string()});
    EXPECT_EQ(shown_id(r), "mtimeaa1") << dump(r);
    fs::remove_all(other);
}

TEST(Resolve, ByDirectoryAndJournalPath) {
    const std::string dir = "offline-run-20240102_100000-fail0001";
    EXPECT_EQ(shown_id(cli({"show", run_dir(dir).string(), "--json"})), "fail0001");
    // Relative, with a trailing slash, from inside the runs directory.
    Result r = cli({"show", dir + "/", "--json"}, {(g_root / "runlog").string(), {}});
    EXPECT_EQ(shown_id(r), "fail0001") << dump(r);
    EXPECT_EQ(shown_id(cli({"show", journal_of(dir, "fail0001").string(), "--json"})), "fail0001");
    // A journal copied anywhere.
    const fs::path copy = g_tmp / "run-fail0001.runlog";
    fs::copy_file(journal_of(dir, "fail0001"), copy, fs::copy_options::overwrite_existing);
    r = cli({"verify", copy.string()});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_EQ(shown_id(cli({"show", copy.string(), "--json"})), "fail0001");
    fs::remove(copy);
}

TEST(Resolve, UnknownRunsAreClearErrors) {
    Result r = cli_in_root({"show", "zzzz9999"});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
    EXPECT_NE(r.err.find("no run with id 'zzzz9999'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("runlog ls"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");

    r = cli_in_root({"verify", "/no/such/dir/run-x.runlog"});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;

    r = cli_in_root({"export", "bad:id"});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);

    // A directory holding runs is not a run.
    r = cli({"show", g_root.string()});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
    EXPECT_NE(r.err.find("holds runs"), std::string::npos) << r.err;

    // No runs at all.
    const fs::path empty = g_tmp / "empty-root3";
    fs::create_directories(empty);
    r = cli({"show", "latest", "--dir", empty.string()});
    EXPECT_EQ(r.code, 1) << dump(r);
    expect_error_line(r);
}

// ---- help, version, usage -------------------------------------------------------------

TEST(Cli, VersionAndHelp) {
    Result r = cli({"--version"});
    EXPECT_EQ(r.code, 0) << dump(r);
    EXPECT_EQ(r.out.rfind("runlog 0.", 0), 0u) << r.out;
    r = cli({"--version", "--json"});
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(parse_strict(r.out).contains("version"));
    for (std::vector<std::string> args : {std::vector<std::string>{"help"}, {"-h"}, {"--help"}}) {
        r = cli(args);
        EXPECT_EQ(r.code, 0) << dump(r);
        for (const char *cmd : {"runlog ls", "runlog show", "runlog verify", "runlog export"})
            EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd << "\n" << r.out;
    }
    r = cli({"help", "export"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("--format"), std::string::npos) << r.out;
    r = cli({"export", "--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("--format"), std::string::npos) << r.out;
    r = cli({"help", "--json"});
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(parse_strict(r.out).contains("commands"));
}

TEST(Cli, UsageErrorsExit2) {
    for (std::vector<std::string> args : {std::vector<std::string>{}, {"frobnicate"}, {"ls", "--bogus"},
                                          {"show", "--rows"}, {"help", "nosuch"}, {"verify", "--dir="}}) {
        Result r = cli(args);
        std::string joined;
        for (const auto &a : args) joined += a + " ";
        EXPECT_EQ(r.code, 2) << joined << "\n" << dump(r);
        expect_error_line(r);
        EXPECT_EQ(r.out, "") << joined;
    }
}

// ---- never crash ------------------------------------------------------------------------

TEST(Robust, DamagedJournalsNeverCrashTheTool) {
    const std::string good = slurp(journal_of("offline-run-20240101_100000-fin00001", "fin00001"));
    ASSERT_GT(good.size(), 100u);
    std::mt19937 rng(1234);
    std::vector<std::string> variants = {"", std::string(good, 0, 4), std::string(good, 0, 8),
                                         std::string(100, '\0'), std::string(good, 0, 8) + std::string(7, '\xff')};
    for (size_t cut = 9; cut < good.size(); cut += good.size() / 13) variants.push_back(good.substr(0, cut));
    for (int i = 0; i < 16; ++i) {
        std::string v = good;
        for (int k = 0; k < 1 + i % 4; ++k) v[rng() % v.size()] = char(rng());
        variants.push_back(v);
    }
    std::string noise(3000, '\0');
    for (auto &c : noise) c = char(rng());
    variants.push_back(std::string(good, 0, 8) + noise);

    const fs::path root = g_tmp / "fuzz-root";
    const fs::path dir = root / "runlog" / "offline-run-20250101_000000-fuzz0001";
    fs::create_directories(dir);
    const fs::path journal = dir / "run-fuzz0001.runlog";
    for (size_t i = 0; i < variants.size(); ++i) {
        spit(journal, variants[i]);
        for (std::vector<std::string> args :
             {std::vector<std::string>{"verify", "fuzz0001"}, {"show", "fuzz0001", "--json"},
              {"export", "fuzz0001", "--format", "csv"}, {"ls"}}) {
            args.push_back("--dir");
            args.push_back(root.string());
            Result r = cli(args);
            EXPECT_EQ(r.signal, 0) << "variant " << i << " " << args[0] << " killed by signal " << r.signal;
            EXPECT_TRUE(r.code == 0 || r.code == 1) << "variant " << i << " " << args[0] << "\n" << dump(r);
            if (args[0] == "show" && r.code == 0) parse_strict(r.out);
        }
    }
    fs::remove_all(root);
}

}  // namespace
