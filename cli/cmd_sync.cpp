// runlog sync: upload runs through the public runlog_sync_* API, several at
// once with -j, with a progress line on a terminal and one line per run.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli.h"
#include "json_text.h"
#include "output.h"
#include "run_locator.h"
#include "runlog.h"
#include "upload/store_storage.h"

namespace runlog::cli {
namespace {

struct Job {
    RunRef ref;
    // results
    int rc = RUNLOG_OK;
    std::string error;
    runlog_sync_status status = RUNLOG_SYNC_STATUS_INIT;
    std::atomic<bool> started{false}, done{false};
    std::atomic<uint64_t> rows_total{0}, rows_uploaded{0};
};

std::mutex g_print_mu;

// Messages of one run's sync, prefixed with its id, to stderr.
void on_message(void *user_data, int level, const char *text) {
    if (level < RUNLOG_LEVEL_WARN) return;
    auto *job = static_cast<Job *>(user_data);
    std::lock_guard<std::mutex> lk(g_print_mu);
    std::fprintf(stderr, "\r\033[Krunlog: [%s] %s\n", job->ref.id.c_str(), text);
}

bool upload_complete(const RunRef &ref) {
    std::ifstream in(ref.dir / upload::kProgressFile);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    json j;
    if (parse_json_value(ss.str(), j, nullptr) != JsonError::None || !j.is_object()) return false;
    auto it = j.find("complete");
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

void run_job(Job &job, const Options &opt) {
    job.started = true;
    runlog_sync_options so = RUNLOG_SYNC_OPTIONS_INIT;
    const std::string path = job.ref.dir.string();
    so.path = path.c_str();
    if (opt.entity) so.entity = opt.entity->c_str();
    if (opt.project) so.project = opt.project->c_str();
    if (opt.id) so.new_run_id = opt.id->c_str();
    if (opt.keep_open) so.close_unfinished = RUNLOG_NO;
    so.log_fn = on_message;
    so.log_user_data = &job;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_sync *sync = nullptr;
    job.rc = runlog_sync_open(&sync, &so, &err);
    if (job.rc != RUNLOG_OK) {
        job.error = err.message;
        job.done = true;
        return;
    }
    for (;;) {
        runlog_sync_status st = RUNLOG_SYNC_STATUS_INIT;
        job.rc = runlog_sync_run(sync, 250, &st, &err);
        job.status = st;
        job.rows_total = st.rows_total;
        job.rows_uploaded = st.rows_uploaded;
        if (job.rc != RUNLOG_OK) {
            job.error = err.message;
            break;
        }
        if (st.finished) break;
    }
    runlog_sync_close(sync);
    job.done = true;
}

std::string result_word(const Job &j) {
    if (j.rc != RUNLOG_OK) return "failed";
    if (j.status.state == RUNLOG_UPLOAD_DONE && j.status.requests == 0) return "up-to-date";
    if (j.status.state == RUNLOG_UPLOAD_DONE) return "synced";
    return "partial";  // a live run (left running on the server)
}

}  // namespace

int cmd_sync(const Options &opt) {
    const RunsRoot root = find_runs_root(opt);
    std::vector<RunRef> refs;
    size_t skipped = 0;
    if (opt.positionals.empty()) {
        for (auto &ref : list_runs(root)) {
            if (!ref.journal_found) continue;
            if (!opt.include_synced && upload_complete(ref)) {
                skipped++;
                continue;
            }
            refs.push_back(std::move(ref));
        }
    } else {
        for (const auto &p : opt.positionals) {
            RunRef ref = resolve_run(p, root);
            require_journal(ref);
            refs.push_back(std::move(ref));
        }
    }
    if (opt.id && refs.size() != 1)
        throw usage_error("--id renames one run, but " + std::to_string(refs.size()) + " runs were selected",
                          "name the run: `runlog sync RUN --id NEW_ID`");
    int jobs = 1;
    if (opt.jobs) {
        char *end = nullptr;
        long n = std::strtol(opt.jobs->c_str(), &end, 10);
        if (!end || *end || n < 1 || n > 64)
            throw usage_error("-j/--jobs takes a number from 1 to 64 (got '" + *opt.jobs + "')", "for example -j 4");
        jobs = int(n);
    }
    if (refs.empty()) {
        if (opt.json) write_out(stdout, script_json(json{{"runs", json::array()}, {"skipped_synced", skipped}}) + "\n", "the output");
        else
            write_out(stdout,
                      "nothing to sync in " + printable(display_path(root.base)) +
                          (skipped ? " (" + std::to_string(skipped) + " runs are uploaded already; --include-synced visits them)" : "") +
                          "\n",
                      "the output");
        return kExitOk;
    }

    std::vector<std::unique_ptr<Job>> all;
    for (auto &r : refs) {
        all.push_back(std::make_unique<Job>());
        all.back()->ref = std::move(r);
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i; (i = next.fetch_add(1)) < all.size();) run_job(*all[i], opt);
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < std::min<int>(jobs, int(all.size())); ++t) threads.emplace_back(worker);

    const bool tty = ::isatty(STDERR_FILENO) && !opt.json;
    std::vector<bool> reported(all.size(), false);
    auto report_done = [&](bool final_pass) {
        for (size_t i = 0; i < all.size(); ++i) {
            Job &j = *all[i];
            if (reported[i] || !j.done) continue;
            if (!final_pass && opt.json) continue;
            reported[i] = true;
            if (opt.json) continue;
            std::string line = result_word(j) + "  " + j.ref.id + "  ";
            if (j.rc != RUNLOG_OK) line += j.error;
            else
                line += std::to_string(j.status.rows_uploaded) + " rows on the server (" +
                        std::to_string(j.status.rows_sent) + " sent now)  " + display_path(j.ref.dir);
            std::lock_guard<std::mutex> lk(g_print_mu);
            if (tty) std::fprintf(stderr, "\r\033[K");
            std::fprintf(stdout, "%s\n", printable(line).c_str());
            std::fflush(stdout);
        }
    };
    for (;;) {
        bool all_done = true;
        uint64_t total = 0, uploaded = 0;
        size_t finished = 0;
        for (auto &j : all) {
            all_done = all_done && j->done;
            total += j->rows_total;
            uploaded += j->rows_uploaded;
            finished += j->done ? 1 : 0;
        }
        report_done(false);
        if (all_done) break;
        if (tty) {
            std::lock_guard<std::mutex> lk(g_print_mu);
            std::fprintf(stderr, "\r\033[Ksyncing: %zu/%zu runs done, %llu/%llu rows uploaded", finished, all.size(),
                         (unsigned long long)uploaded, (unsigned long long)total);
            std::fflush(stderr);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (auto &t : threads) t.join();
    report_done(true);
    if (tty) std::fprintf(stderr, "\r\033[K");

    int failed = 0;
    json out = json::array();
    for (auto &jp : all) {
        Job &j = *jp;
        if (j.rc != RUNLOG_OK) failed++;
        if (opt.json)
            out.push_back({{"id", j.ref.id},
                           {"dir", absolute_path(j.ref.dir)},
                           {"result", result_word(j)},
                           {"error", j.rc != RUNLOG_OK ? json(j.error) : json(nullptr)},
                           {"rows_read", j.status.rows_total},
                           {"rows_on_server", j.status.rows_uploaded},
                           {"rows_sent", j.status.rows_sent},
                           {"requests", j.status.requests},
                           {"retries", j.status.retries}});
    }
    if (opt.json) write_out(stdout, script_json(json{{"runs", out}, {"skipped_synced", skipped}}) + "\n", "the output");
    else if (all.size() > 1 || skipped)
        write_out(stdout,
                  std::to_string(all.size() - size_t(failed)) + " of " + std::to_string(all.size()) + " runs synced" +
                      (skipped ? ", " + std::to_string(skipped) + " already up to date" : "") + "\n",
                  "the output");
    return failed ? kExitError : kExitOk;
}

}  // namespace runlog::cli
