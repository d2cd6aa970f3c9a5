// bench_log: what one log call costs the calling thread.
//
// A row of 10 scalar metrics, logged
//   - as pre-built JSON text through runlog_log_json, and
//   - through the typed path: 10 x runlog_stage_double + runlog_commit_row,
// each with the background writer (RUNLOG_THREADING_BACKGROUND, queue policy
// RUNLOG_QUEUE_FULL_BLOCK, the default) and with manual threading
// (RUNLOG_THREADING_MANUAL: the caller pumps; pumping is left out of the
// timing and is what bench_throughput measures).
//
// Two shapes: "burst" logs 20k rows per run (less than the queue holds, so
// the caller never waits: the latency a training loop sees), "sustained"
// logs for the benchmark's minimum time (with the background writer it is
// paced by the writer once the 16 MiB queue is full).
// Wall-clock time per row is the "Time" column; per metric is per_metric;
// metrics/s is items_per_second. Targets (see bench/README.md): typed
// <= 200 ns/metric, JSON <= 2 us per 10-key row.
//
// Runs go to $RUNLOG_BENCH_DIR (else $TMPDIR, else /tmp) and are removed.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_common.h"

namespace {

constexpr int kMetrics = 10;
constexpr int kPumpEvery = 4096;  // manual mode: rows between pumps (untimed)
constexpr size_t kPrebuilt = 1024;

const std::vector<std::string> &prebuilt_rows() {
    static const std::vector<std::string> rows = [] {
        std::vector<std::string> v;
        for (size_t i = 0; i < kPrebuilt; ++i) v.push_back(bench::json_row(long(i), kMetrics));
        return v;
    }();
    return rows;
}

void set_counters(benchmark::State &state, runlog_run *run) {
    const auto rows = static_cast<double>(state.iterations());
    state.SetItemsProcessed(state.iterations() * kMetrics);
    // seconds per metric (shown as e.g. "95n" = 95 ns)
    state.counters["per_metric"] = benchmark::Counter(rows * kMetrics,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    runlog_stats stats = RUNLOG_STATS_INIT;
    runlog_error err = RUNLOG_ERROR_INIT;
    bench::check(runlog_get_stats(run, &stats, &err), err, "runlog_get_stats");
    state.counters["queued_MB"] = static_cast<double>(stats.bytes_queued) / 1e6;
}

void pump(benchmark::State &state, runlog_run *run) {
    state.PauseTiming();
    runlog_error err = RUNLOG_ERROR_INIT;
    bench::check(runlog_pump(run, 0, &err), err, "runlog_pump");
    state.ResumeTiming();
}

bool skip_without_threads(benchmark::State &state, int threading) {
    if (threading == RUNLOG_THREADING_BACKGROUND && !runlog_has_threads()) {
        state.SkipWithError("this build has no threads (RUNLOG_THREADS=OFF)");
        return true;
    }
    return false;
}

void BM_LogJson(benchmark::State &state) {
    const int threading = static_cast<int>(state.range(0));
    if (skip_without_threads(state, threading)) return;
    const auto &rows = prebuilt_rows();
    bench::TempDir dir;
    runlog_run *run = bench::open_run(dir.path(), threading);
    runlog_error err = RUNLOG_ERROR_INIT;
    size_t i = 0;
    for (auto _ : state) {
        const std::string &row = rows[i % kPrebuilt];
        int rc = runlog_log_json(run, row.data(), row.size(), RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
        if (rc != RUNLOG_OK) bench::die("runlog_log_json", rc, err);
        if (++i % kPumpEvery == 0 && threading == RUNLOG_THREADING_MANUAL) pump(state, run);
    }
    set_counters(state, run);
    bench::finish(run);
}

void BM_LogTyped(benchmark::State &state) {
    const int threading = static_cast<int>(state.range(0));
    if (skip_without_threads(state, threading)) return;
    const char *const *keys = bench::metric_keys();
    bench::TempDir dir;
    runlog_run *run = bench::open_run(dir.path(), threading);
    runlog_error err = RUNLOG_ERROR_INIT;
    long i = 0;
    for (auto _ : state) {
        const double base = 1.0 / double(i + 1);
        for (int k = 0; k < kMetrics; ++k) {
            int rc = runlog_stage_double(run, keys[k], base + k * 0.001, &err);
            if (rc != RUNLOG_OK) bench::die("runlog_stage_double", rc, err);
        }
        int rc = runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err);
        if (rc != RUNLOG_OK) bench::die("runlog_commit_row", rc, err);
        if (++i % kPumpEvery == 0 && threading == RUNLOG_THREADING_MANUAL) pump(state, run);
    }
    set_counters(state, run);
    bench::finish(run);
}

// threading: 1 = background writer, 2 = manual (the caller pumps, untimed).
void sustained(benchmark::internal::Benchmark *b) {
    b->ArgName("threading");
    b->Arg(RUNLOG_THREADING_BACKGROUND);
    b->Arg(RUNLOG_THREADING_MANUAL);
    b->UseRealTime();
    b->Unit(benchmark::kNanosecond);
}

// Bursts of kBurstRows rows: fewer bytes than the default 16 MiB queue, so
// the caller never waits for the writer. This is the latency a training loop
// sees when it logs between steps; "sustained" above logs as fast as it can
// and, once the queue is full, is paced by the writer (QUEUE_FULL_BLOCK).
constexpr int kBurstRows = 20000;
void burst(benchmark::internal::Benchmark *b) {
    b->ArgName("threading");
    b->Arg(RUNLOG_THREADING_BACKGROUND);
    b->Iterations(kBurstRows);
    b->Repetitions(5);
    b->ReportAggregatesOnly(true);
    b->UseRealTime();
    b->Unit(benchmark::kNanosecond);
}

}  // namespace

BENCHMARK(BM_LogJson)->Name("BM_LogJson/burst")->Apply(burst);
BENCHMARK(BM_LogTyped)->Name("BM_LogTyped/burst")->Apply(burst);
BENCHMARK(BM_LogJson)->Name("BM_LogJson/sustained")->Apply(sustained);
BENCHMARK(BM_LogTyped)->Name("BM_LogTyped/sustained")->Apply(sustained);

BENCHMARK_MAIN();
