// train.cpp — runlog from C++17: a small RAII wrapper over the C API, rows
// built with nlohmann::json.
//
// The wrapper lives in this example on purpose: the library's ABI is C, and
// a C++ program can own its wrapper (exceptions, RAII) without runlog's
// binary interface depending on any C++ standard library.
//
// Trains y = 3x - 2 + noise with a linear model and SGD, 150 steps.
//
//   ./build/release/train_cpp            # offline, into ./runlog/
//   WANDB_DIR=/tmp ./build/release/train_cpp
#include <runlog.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace example {

// A failed runlog call: the status and the message runlog wrote.
class Error : public std::runtime_error {
public:
    Error(int status, const std::string &what) : std::runtime_error(what), status_(status) {}
    int status() const noexcept { return status_; }

private:
    int status_;
};

inline void check(int status, const runlog_error &err, const char *call) {
    if (status != RUNLOG_OK)
        throw Error(status, std::string(call) + ": " + err.message + " [" + runlog_status_string(status) + "]");
}

// Owns one runlog_run. Move-only. The destructor finishes the run: exit code
// 0 normally, 1 when the scope is left by an exception. Errors during that
// implicit finish are printed, not thrown (destructors must not throw); call
// finish() yourself to see them as exceptions.
class Run {
public:
    struct Options {
        std::string project, name, mode, dir;  // empty: WANDB_* or default
        nlohmann::json config = nlohmann::json::object();
    };

    explicit Run(const Options &o) : uncaught_(std::uncaught_exceptions()) {
        runlog_options opts = RUNLOG_OPTIONS_INIT;
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        opts.project = opt(o.project);
        opts.name = opt(o.name);
        opts.mode = opt(o.mode);
        opts.dir = opt(o.dir);
        const std::string config = o.config.dump();
        opts.config_json = config.c_str();
        runlog_error err = RUNLOG_ERROR_INIT;
        check(runlog_init(&run_, &opts, &err), err, "runlog_init");
    }
    Run(const Run &) = delete;
    Run &operator=(const Run &) = delete;
    Run(Run &&other) noexcept
        : run_(std::exchange(other.run_, nullptr)), uncaught_(other.uncaught_) {}
    Run &operator=(Run &&other) noexcept {
        if (this != &other) {
            finish_quietly();
            run_ = std::exchange(other.run_, nullptr);
            uncaught_ = other.uncaught_;
        }
        return *this;
    }
    ~Run() { finish_quietly(); }

    // W&B's run.log(row): the row is committed at the next step.
    void log(const nlohmann::json &row) {
        const std::string text = row.dump();
        runlog_error err = RUNLOG_ERROR_INIT;
        check(runlog_log_json(handle(), text.data(), text.size(), RUNLOG_STEP_AUTO,
                              RUNLOG_COMMIT_DEFAULT, &err),
              err, "runlog_log_json");
    }
    void config_update(const nlohmann::json &obj) {
        const std::string text = obj.dump();
        runlog_error err = RUNLOG_ERROR_INIT;
        check(runlog_config_update_json(handle(), text.data(), text.size(), &err), err,
              "runlog_config_update_json");
    }
    void summary_update(const nlohmann::json &obj) {
        const std::string text = obj.dump();
        runlog_error err = RUNLOG_ERROR_INIT;
        check(runlog_summary_update_json(handle(), text.data(), text.size(), &err), err,
              "runlog_summary_update_json");
    }
    // The summary of one key (or all of it), parsed.
    nlohmann::json summary(const char *key = nullptr) {
        runlog_buf buf = RUNLOG_BUF_INIT;
        runlog_error err = RUNLOG_ERROR_INIT;
        check(runlog_summary_get_json(handle(), key, &buf, &err), err, "runlog_summary_get_json");
        nlohmann::json out = nlohmann::json::parse(buf.data, buf.data + buf.size, nullptr, true, false);
        runlog_buf_free(&buf);
        return out;
    }
    void define_metric(const char *name, uint32_t summary_ops, const char *step_metric = nullptr) {
        runlog_metric_options mo = RUNLOG_METRIC_OPTIONS_INIT;
        mo.summary = summary_ops;
        mo.step_metric = step_metric;
        runlog_error err = RUNLOG_ERROR_INIT;
        check(runlog_define_metric(handle(), name, &mo, &err), err, "runlog_define_metric");
    }

    std::string id() { return runlog_run_id(handle()); }
    std::string dir() { return runlog_run_dir(handle()); }

    // Ends the run; throws on failure (the run is released all the same).
    void finish(int exit_code = 0) {
        runlog_error err = RUNLOG_ERROR_INIT;
        int rc = runlog_finish(handle(), exit_code, &err);
        run_ = nullptr;
        check(rc, err, "runlog_finish");
    }

private:
    runlog_run *handle() const {
        if (!run_) throw std::logic_error("runlog run used after finish() or a move");
        return run_;
    }
    void finish_quietly() noexcept {
        if (!run_) return;
        const int code = std::uncaught_exceptions() > uncaught_ ? 1 : 0;
        runlog_error err = RUNLOG_ERROR_INIT;
        if (runlog_finish(std::exchange(run_, nullptr), code, &err) != RUNLOG_OK)
            std::fprintf(stderr, "runlog_finish: %s\n", err.message);
    }

    runlog_run *run_ = nullptr;
    int uncaught_;
};

}  // namespace example

int main() try {
    const double lr = 0.05;
    const int steps = 150, batch = 16;

    example::Run::Options o;
    o.project = "runlog-examples";  // WANDB_PROJECT is ignored when set here
    o.config = {{"model", "linear"}, {"lr", lr}, {"steps", steps}, {"batch_size", batch},
                {"target", {{"w", 3.0}, {"b", -2.0}}}};
    example::Run run(o);
    run.define_metric("loss", RUNLOG_SUMMARY_MIN | RUNLOG_SUMMARY_LAST);
    run.define_metric("params.*", RUNLOG_SUMMARY_LAST);

    std::mt19937 rng(42);
    std::uniform_real_distribution<double> ux(-1.0, 1.0);
    std::normal_distribution<double> noise(0.0, 0.1);
    double w = 0.0, b = 0.0;
    for (int step = 0; step < steps; ++step) {
        double gw = 0, gb = 0, loss = 0;
        for (int i = 0; i < batch; ++i) {
            const double x = ux(rng), y = 3.0 * x - 2.0 + noise(rng);
            const double d = (w * x + b) - y;
            loss += d * d / batch;
            gw += 2 * d * x / batch;
            gb += 2 * d / batch;
        }
        w -= lr * gw;
        b -= lr * gb;
        nlohmann::json row = {{"loss", loss}, {"params", {{"w", w}, {"b", b}}}};
        if (step % 25 == 0) row["grad_norm"] = std::sqrt(gw * gw + gb * gb);
        run.log(row);
    }
    run.summary_update({{"final", {{"w", w}, {"b", b}}}});
    std::printf("train_cpp: w=%.3f b=%.3f, loss summary %s\n", w, b, run.summary("loss").dump().c_str());

    const std::string id = run.id(), dir = run.dir();
    run.finish(0);
    std::printf("train_cpp: run %s is in %s\n  runlog show %s\n", id.c_str(), dir.c_str(), id.c_str());
    return 0;
} catch (const example::Error &e) {
    std::fprintf(stderr, "train_cpp: %s\n", e.what());
    return 1;
} catch (const std::exception &e) {
    std::fprintf(stderr, "train_cpp: %s\n", e.what());
    return 1;
}
