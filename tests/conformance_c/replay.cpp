// runlog_conformance_c: replays the language-neutral scenario files of
// tests/conformance/ (format: tests/conformance/README.md) against the C ABI.
//
//   runlog_conformance_c [--cli PATH] [--keep] SCENARIO.json...
//
// Uses only the public header runlog.h (linked against the shared library),
// nlohmann/json to read the scenarios, and the `runlog` CLI (--cli, else
// $RUNLOG_CLI) to read a finished run back:
//   runlog show <run dir> --json --rows 1000000000
// Each scenario runs in a fresh temporary directory (options.dir), removed
// when the scenario passes (kept, and printed, when it fails or with --keep).
// Exit status: 0 when every scenario passed, 1 otherwise, 2 on usage errors.
#include <runlog.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

extern char **environ;

namespace {

using json = nlohmann::json;

// ---- helpers ----------------------------------------------------------------

// "RUNLOG_E_INVALID_JSON" from runlog_status_string()'s "NAME: text".
std::string status_name(int status) {
    std::string s = runlog_status_string(status);
    const size_t colon = s.find(':');
    return colon == std::string::npos ? s : s.substr(0, colon);
}

// The library's JSON may hold the bare tokens NaN, Infinity, -Infinity; the
// scenario files (strict JSON) write them as strings. Quote them outside
// strings so nlohmann can parse the text.
std::string quote_nonfinite(const std::string &text) {
    std::string out;
    out.reserve(text.size() + 16);
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out.push_back(c);
            continue;
        }
        static const char *const kTokens[] = {"-Infinity", "Infinity", "NaN"};
        bool matched = false;
        for (const char *tok : kTokens) {
            const size_t n = std::strlen(tok);
            if (text.compare(i, n, tok) == 0) {
                out += '"';
                out += tok;
                out += '"';
                i += n - 1;
                matched = true;
                break;
            }
        }
        if (!matched) out.push_back(c);
    }
    return out;
}

std::string from_hex(const std::string &hex, bool &ok) {
    std::string out;
    ok = hex.size() % 2 == 0;
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        ok = false;
        return 0;
    };
    for (size_t i = 0; ok && i + 1 < hex.size(); i += 2)
        out.push_back(char(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

bool numbers_equal(double a, double b) {
    if (a == b) return true;
    const double scale = std::fmax(1.0, std::fmax(std::fabs(a), std::fabs(b)));
    return std::fabs(a - b) <= 1e-9 * scale;
}

// Deep comparison of an expected and an actual value: numbers by value
// (1 == 1.0), objects by key set, arrays in order. `ignore` names top-level
// keys of `actual` that are compared only when `expected` has them too.
void compare(const json &expected, const json &actual, const std::string &path,
             std::vector<std::string> &diffs, const std::set<std::string> &ignore = {}) {
    auto show = [](const json &j) {
        std::string s = j.dump();
        return s.size() > 200 ? s.substr(0, 200) + "..." : s;
    };
    if (expected.is_number() && actual.is_number()) {
        if (!numbers_equal(expected.get<double>(), actual.get<double>()))
            diffs.push_back(path + ": expected " + show(expected) + ", got " + show(actual));
        return;
    }
    if (expected.type() != actual.type()) {
        diffs.push_back(path + ": expected " + show(expected) + ", got " + show(actual));
        return;
    }
    if (expected.is_object()) {
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            auto a = actual.find(it.key());
            if (a == actual.end()) diffs.push_back(path + "." + it.key() + ": missing (expected " + show(*it) + ")");
            else compare(*it, *a, path + "." + it.key(), diffs);
        }
        for (auto it = actual.begin(); it != actual.end(); ++it)
            if (!expected.contains(it.key()) && !ignore.count(it.key()))
                diffs.push_back(path + "." + it.key() + ": unexpected key (value " + show(*it) + ")");
        return;
    }
    if (expected.is_array()) {
        if (expected.size() != actual.size()) {
            diffs.push_back(path + ": expected " + std::to_string(expected.size()) + " elements, got " +
                            std::to_string(actual.size()) + ": " + show(actual));
            return;
        }
        for (size_t i = 0; i < expected.size(); ++i)
            compare(expected[i], actual[i], path + "[" + std::to_string(i) + "]", diffs);
        return;
    }
    if (expected != actual) diffs.push_back(path + ": expected " + show(expected) + ", got " + show(actual));
}

const std::set<std::string> kRowIgnore = {"_runtime", "_timestamp"};
const std::set<std::string> kSummaryIgnore = {"_runtime", "_timestamp", "_wandb"};
const std::set<std::string> kConfigIgnore = {"_wandb"};

int remove_entry(const char *path, const struct stat *, int, struct FTW *) { return ::remove(path); }

// Runs argv, returns its stdout; exit_status gets the exit status (-1 if it
// could not be started or did not exit normally).
std::string run_capture(const std::vector<std::string> &args, int &exit_status) {
    exit_status = -1;
    int fds[2];
    if (pipe(fds) != 0) return {};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    std::vector<char *> argv;
    for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    std::string out;
    if (rc == 0) {
        char buf[65536];
        ssize_t n;
        while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0) out.append(buf, size_t(n));
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(st)) exit_status = WEXITSTATUS(st);
    }
    close(fds[0]);
    return out;
}

// ---- one scenario -------------------------------------------------------------

class Scenario {
public:
    Scenario(std::string file, std::string cli, bool keep) : file_(std::move(file)), cli_(std::move(cli)), keep_(keep) {}

    bool run() {
        std::ifstream in(file_);
        if (!in) return setup_fail("cannot open " + file_);
        try {
            doc_ = json::parse(in);
        } catch (const std::exception &e) {
            return setup_fail(file_ + " is not valid JSON: " + e.what());
        }
        name_ = doc_.value("name", file_);
        if (!doc_.contains("calls") || !doc_["calls"].is_array()) return setup_fail("no \"calls\" array");
        expect_ = doc_.value("expect", json::object());

        const char *tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/runlog-conformance-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) return setup_fail("mkdtemp failed: " + std::string(std::strerror(errno)));
        tmpdir_ = buf.data();

        if (start()) {
            const json &calls = doc_["calls"];
            bool finished_seen = false;
            for (size_t i = 0; i < calls.size(); ++i) {
                where_ = "call " + std::to_string(i) + " (" + calls[i].value("op", "?") + ")";
                if (calls[i].value("op", "") == "finish") finished_seen = true;
                try {
                    call(calls[i]);
                } catch (const std::exception &e) {  // a malformed call (missing or mistyped field)
                    fail(std::string("malformed call: ") + e.what());
                }
            }
            if (!finished_seen) {
                where_ = "implicit finish";
                take_stats();
                runlog_error err = RUNLOG_ERROR_INIT;
                const int rc = runlog_finish(run_, 0, &err);
                if (rc != RUNLOG_OK) fail("finish(0) returned " + status_name(rc) + ": " + err.message);
            }
            where_ = "results";
            check_results();
        }
        const bool ok = failures_.empty();
        std::printf("%s %s\n", ok ? "PASS" : "FAIL", name_.c_str());
        for (const auto &f : failures_) std::printf("  %s\n", f.c_str());
        if (ok && !keep_) nftw(tmpdir_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        else std::printf("  run directory kept: %s\n", run_dir_.empty() ? tmpdir_.c_str() : run_dir_.c_str());
        std::fflush(stdout);
        return ok;
    }

private:
    bool setup_fail(const std::string &why) {
        std::printf("FAIL %s\n  %s\n", file_.c_str(), why.c_str());
        return false;
    }
    void fail(const std::string &why) { failures_.push_back(where_ + ": " + why); }

    bool start() {
        where_ = "init";
        const json opts = doc_.value("options", json::object());
        runlog_options o = RUNLOG_OPTIONS_INIT;
        std::string project, name, mode, config;
        for (auto it = opts.begin(); it != opts.end(); ++it) {
            const std::string &k = it.key();
            if (k == "project") project = it->get<std::string>();
            else if (k == "name") name = it->get<std::string>();
            else if (k == "mode") mode = it->get<std::string>();
            else if (k == "config") config = it->dump();
            else if (k == "max_payload_bytes") o.max_payload_bytes = it->get<uint64_t>();
            else {
                fail("unknown option \"" + k + "\": this replayer does not support it");
                return false;
            }
        }
        if (!project.empty()) o.project = project.c_str();
        if (!name.empty()) o.name = name.c_str();
        if (!mode.empty()) o.mode = mode.c_str();
        if (!config.empty()) o.config_json = config.c_str();
        o.dir = tmpdir_.c_str();
        o.silent = RUNLOG_YES;
        runlog_error err = RUNLOG_ERROR_INIT;
        const int rc = runlog_init(&run_, &o, &err);
        if (rc != RUNLOG_OK) {
            fail("runlog_init returned " + status_name(rc) + ": " + err.message);
            return false;
        }
        const char *dir = runlog_run_dir(run_);
        run_dir_ = dir ? dir : "";
        return true;
    }

    std::string text_of(const json &c) {
        if (c.contains("json_hex")) {
            bool ok = true;
            std::string bytes = from_hex(c["json_hex"].get<std::string>(), ok);
            if (!ok) fail("json_hex is not an even number of hex digits");
            return bytes;
        }
        if (c.contains("json")) return c["json"].get<std::string>();
        fail("needs \"json\" or \"json_hex\"");
        return "{}";
    }
    int64_t step_of(const json &c) {
        auto it = c.find("step");
        if (it == c.end() || it->is_null()) return RUNLOG_STEP_AUTO;
        return it->get<int64_t>();
    }
    int tristate(const json &c, const char *field, int dflt, int yes, int no) {
        auto it = c.find(field);
        if (it == c.end() || it->is_null()) return dflt;
        const std::string v = it->get<std::string>();
        if (v == "default") return dflt;
        if (v == "yes") return yes;
        if (v == "no") return no;
        fail(std::string("bad ") + field + " \"" + v + "\" (default, yes or no)");
        return dflt;
    }
    double double_of(const json &v) {
        if (v.is_string()) {
            const std::string s = v.get<std::string>();
            if (s == "NaN") return std::nan("");
            if (s == "Infinity") return HUGE_VAL;
            if (s == "-Infinity") return -HUGE_VAL;
            fail("value \"" + s + "\" is not a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
            return 0;
        }
        return v.get<double>();
    }

    void take_stats() {
        if (stats_taken_) return;
        stats_taken_ = true;
        if (!expect_.contains("stats")) return;
        runlog_stats s = RUNLOG_STATS_INIT;
        runlog_error err = RUNLOG_ERROR_INIT;
        const int rc = runlog_get_stats(run_, &s, &err);
        if (rc != RUNLOG_OK) {
            fail("runlog_get_stats returned " + status_name(rc) + ": " + err.message);
            return;
        }
        const json actual = {{"step", s.step},
                             {"rows_logged", s.rows_logged},
                             {"steps_refused", s.steps_refused},
                             {"rows_refused_queue_full", s.rows_refused_queue_full}};
        for (auto it = expect_["stats"].begin(); it != expect_["stats"].end(); ++it) {
            if (!actual.contains(it.key())) fail("stats." + it.key() + " is not a stats field this replayer knows");
            else if (actual[it.key()].get<double>() != it->get<double>())
                fail("stats." + it.key() + ": expected " + it->dump() + ", got " + actual[it.key()].dump());
        }
    }

    // Checks the status of a call, and the error report's consistency.
    bool check_status(const json &c, int rc, const runlog_error &err) {
        const std::string want = c.value("expect", std::string("RUNLOG_OK"));
        const std::string got = status_name(rc);
        if (got != want) {
            fail("expected " + want + ", got " + got + (rc ? std::string(": ") + err.message : std::string()));
            return false;
        }
        if (rc != RUNLOG_OK) {
            if (err.status != rc) fail("runlog_error.status is " + std::to_string(err.status) + ", the call returned " + std::to_string(rc));
            if (err.message[0] == '\0') fail("runlog_error.message is empty on " + got);
        }
        return true;
    }

    void check_buf(const json &c, const runlog_buf &buf, const std::set<std::string> &ignore) {
        if (!c.contains("expect_json")) return;
        json actual;
        try {
            actual = json::parse(quote_nonfinite(std::string(buf.data ? buf.data : "", buf.size)));
        } catch (const std::exception &e) {
            fail(std::string("the library returned JSON nlohmann cannot read: ") + e.what());
            return;
        }
        std::vector<std::string> diffs;
        compare(c["expect_json"], actual, "value", diffs, ignore);
        for (const auto &d : diffs) fail(d);
    }

    void call(const json &c) {
        const std::string op = c.value("op", "");
        runlog_error err = RUNLOG_ERROR_INIT;
        int rc = 0;
        if (op == "log") {
            const std::string text = text_of(c);
            rc = runlog_log_json(run_, text.data(), text.size(), step_of(c),
                                 tristate(c, "commit", RUNLOG_COMMIT_DEFAULT, RUNLOG_COMMIT_YES, RUNLOG_COMMIT_NO), &err);
        } else if (op == "stage_double") {
            rc = runlog_stage_double(run_, c.at("key").get<std::string>().c_str(), double_of(c.at("value")), &err);
        } else if (op == "stage_int") {
            rc = runlog_stage_int(run_, c.at("key").get<std::string>().c_str(), c.at("value").get<int64_t>(), &err);
        } else if (op == "commit_row") {
            rc = runlog_commit_row(run_, step_of(c),
                                   tristate(c, "commit", RUNLOG_COMMIT_DEFAULT, RUNLOG_COMMIT_YES, RUNLOG_COMMIT_NO), &err);
        } else if (op == "config_update") {
            const std::string text = text_of(c);
            rc = runlog_config_update_json(run_, text.data(), text.size(), &err);
        } else if (op == "summary_update") {
            const std::string text = text_of(c);
            rc = runlog_summary_update_json(run_, text.data(), text.size(), &err);
        } else if (op == "config_get") {
            runlog_buf buf = RUNLOG_BUF_INIT;
            rc = runlog_config_get_json(run_, &buf, &err);
            if (check_status(c, rc, err) && rc == RUNLOG_OK) check_buf(c, buf, kConfigIgnore);
            runlog_buf_free(&buf);
            return;
        } else if (op == "summary_get") {
            runlog_buf buf = RUNLOG_BUF_INIT;
            std::string key;
            const bool whole = !c.contains("key") || c["key"].is_null();
            if (!whole) key = c["key"].get<std::string>();
            rc = runlog_summary_get_json(run_, whole ? nullptr : key.c_str(), &buf, &err);
            if (check_status(c, rc, err) && rc == RUNLOG_OK)
                check_buf(c, buf, whole ? kSummaryIgnore : std::set<std::string>{});
            runlog_buf_free(&buf);
            return;
        } else if (op == "define_metric") {
            runlog_metric_options mo = RUNLOG_METRIC_OPTIONS_INIT;
            std::string step_metric;
            if (c.contains("step_metric") && !c["step_metric"].is_null()) {
                step_metric = c["step_metric"].get<std::string>();
                mo.step_metric = step_metric.c_str();
            }
            for (const auto &s : c.value("summary", json::array())) {
                const std::string v = s.get<std::string>();
                if (v == "min") mo.summary |= RUNLOG_SUMMARY_MIN;
                else if (v == "max") mo.summary |= RUNLOG_SUMMARY_MAX;
                else if (v == "mean") mo.summary |= RUNLOG_SUMMARY_MEAN;
                else if (v == "first") mo.summary |= RUNLOG_SUMMARY_FIRST;
                else if (v == "last") mo.summary |= RUNLOG_SUMMARY_LAST;
                else if (v == "none") mo.summary |= RUNLOG_SUMMARY_NONE;
                else fail("unknown summary op \"" + v + "\"");
            }
            mo.hidden = c.value("hidden", false) ? 1 : 0;
            mo.step_sync = tristate(c, "step_sync", RUNLOG_DEFAULT, RUNLOG_YES, RUNLOG_NO);
            rc = runlog_define_metric(run_, c.at("name").get<std::string>().c_str(), &mo, &err);
        } else if (op == "flush") {
            rc = runlog_flush(run_, c.value("timeout_ms", int32_t(10000)), &err);
        } else if (op == "finish") {
            take_stats();
            rc = runlog_finish(run_, c.value("exit_code", 0), &err);
        } else {
            fail("unknown op \"" + op + "\"");
            return;
        }
        check_status(c, rc, err);
    }

    void check_results() {
        if (!expect_.contains("rows") && !expect_.contains("summary") && !expect_.contains("config") &&
            !expect_.contains("exit_code"))
            return;
        if (cli_.empty()) {
            fail("no runlog CLI: pass --cli PATH or set RUNLOG_CLI");
            return;
        }
        int status = -1;
        const std::string out = run_capture({cli_, "show", run_dir_, "--json", "--rows", "1000000000"}, status);
        if (status != 0) {
            fail("`" + cli_ + " show " + run_dir_ + " --json` exited with " + std::to_string(status));
            return;
        }
        json shown;
        try {
            shown = json::parse(out);
        } catch (const std::exception &e) {
            fail(std::string("runlog show --json printed invalid JSON: ") + e.what());
            return;
        }
        std::vector<std::string> diffs;
        if (expect_.contains("rows")) {
            const json &want = expect_["rows"];
            const json &got = shown["history"];
            if (!got.is_array() || got.size() != want.size()) {
                diffs.push_back("rows: expected " + std::to_string(want.size()) + " rows, got " +
                                (got.is_array() ? std::to_string(got.size()) : "none") + ": " + got.dump());
            } else {
                for (size_t i = 0; i < want.size(); ++i) {
                    const std::string path = "rows[" + std::to_string(i) + "]";
                    for (const char *k : {"_runtime", "_timestamp"})
                        if (!got[i].contains(k) || !got[i][k].is_number())
                            diffs.push_back(path + "." + k + ": missing or not a number");
                    compare(want[i], got[i], path, diffs, kRowIgnore);
                }
            }
        }
        if (expect_.contains("summary")) compare(expect_["summary"], shown["summary"], "summary", diffs, kSummaryIgnore);
        if (expect_.contains("config")) compare(expect_["config"], shown["config"], "config", diffs, kConfigIgnore);
        if (expect_.contains("exit_code")) compare(expect_["exit_code"], shown["exit_code"], "exit_code", diffs);
        for (const auto &d : diffs) fail(d);
    }

    std::string file_, cli_;
    bool keep_;
    json doc_, expect_;
    std::string name_, tmpdir_, run_dir_, where_;
    runlog_run *run_ = nullptr;
    bool stats_taken_ = false;
    std::vector<std::string> failures_;
};

}  // namespace

int main(int argc, char **argv) {
    std::string cli;
    if (const char *env = std::getenv("RUNLOG_CLI")) cli = env;
    bool keep = false;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--cli" && i + 1 < argc) cli = argv[++i];
        else if (a == "--keep") keep = true;
        else if (a.size() > 1 && a[0] == '-') {
            std::fprintf(stderr, "usage: %s [--cli PATH] [--keep] SCENARIO.json...\n", argv[0]);
            return 2;
        } else files.push_back(a);
    }
    if (files.empty()) {
        std::fprintf(stderr, "usage: %s [--cli PATH] [--keep] SCENARIO.json...\n", argv[0]);
        return 2;
    }
    // The scenarios choose every setting: drop the caller's WANDB_* variables.
    std::vector<std::string> wandb_vars;
    for (char **e = environ; *e; ++e)
        if (std::strncmp(*e, "WANDB_", 6) == 0) wandb_vars.emplace_back(*e, std::strcspn(*e, "="));
    for (const auto &v : wandb_vars) unsetenv(v.c_str());
    setenv("WANDB_SILENT", "true", 1);
    int failed = 0;
    for (const auto &f : files) failed += Scenario(f, cli, keep).run() ? 0 : 1;
    if (files.size() > 1) std::printf("%zu scenario(s), %d failed\n", files.size(), failed);
    return failed ? 1 : 0;
}
