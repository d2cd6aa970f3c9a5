/*
 * A tiny test harness for the C ABI tests (C99, header-only, one include per
 * test program).
 *
 *   TEST(name) { ... CHECK(cond); EXPECT(cond); CHECK_OK(call); CHECK_RC(call, status); }
 *   int main(int argc, char **argv) { H_BEGIN(argc, argv); RUN(name); ...; return H_END(); }
 *
 * CHECK* stop the current test on failure; EXPECT* record the failure and go
 * on. Every test prints one line ("ok", "FAIL" or "skip"); the program ends
 * with the line "N passed, N failed" and exits non-zero if any test failed.
 * Resources registered with h_tmpdir(), h_keep() and h_track() are released
 * after each test, also when it failed half-way. An optional argument runs
 * only the tests whose name contains it. Each test runs in its own process
 * (see h_run); H_NOFORK=1 runs them in-process, for a debugger.
 */
#ifndef RUNLOG_TESTS_HARNESS_H
#define RUNLOG_TESTS_HARNESS_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runlog.h"
#include "tj.h"
#include "tu.h"

#if defined(__GNUC__) || defined(__clang__)
#define H_UNUSED __attribute__((unused))
#else
#define H_UNUSED
#endif

#define H_MAX_RES 256

static int h_passed, h_failed, h_skipped;
static int h_cur_failed, h_cur_skipped;
static const char *h_filter;
static char *h_dirs[H_MAX_RES];
static int h_ndirs;
static void *h_mem[H_MAX_RES * 4];
static int h_nmem;
static runlog_run *h_runs[H_MAX_RES];
static int h_nruns;
static tu_history *h_hists[H_MAX_RES];
static int h_nhists;
/* Deferred calls: phase 0 runs before the test's runs are finished (e.g.
 * unblock a store), phase 1 after (e.g. free a store plug-in's state). */
typedef struct {
    void (*fn)(void *);
    void *arg;
    int phase;
} h_deferred;
static h_deferred h_defers[H_MAX_RES];
static int h_ndefers;

static H_UNUSED void h_defer(int phase, void (*fn)(void *), void *arg) {
    if (h_ndefers < H_MAX_RES) {
        h_defers[h_ndefers].fn = fn;
        h_defers[h_ndefers].arg = arg;
        h_defers[h_ndefers].phase = phase;
        h_ndefers++;
    }
}

static H_UNUSED void h_run_defers(int phase) {
    int i;
    for (i = 0; i < h_ndefers; ++i)
        if (h_defers[i].phase == phase) h_defers[i].fn(h_defers[i].arg);
}

static H_UNUSED void h_failf(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    h_cur_failed = 1;
}

/* A fresh temporary directory, removed after the test. */
static H_UNUSED const char *h_tmpdir(void) {
    char *d = tu_mkdtemp("runlog-ctest");
    if (!d) {
        fprintf(stdout, "    cannot create a temporary directory\n");
        h_cur_failed = 1;
        return "/nonexistent-runlog-test-dir";
    }
    if (h_ndirs < H_MAX_RES) h_dirs[h_ndirs++] = d;
    return d;
}

/* Frees p after the test; returns p. */
static H_UNUSED void *h_keep(void *p) {
    if (p && h_nmem < (int)(sizeof h_mem / sizeof *h_mem)) h_mem[h_nmem++] = p;
    return p;
}

static H_UNUSED char *h_fmt(const char *fmt, ...) {
    va_list ap;
    char buf[8192];
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t n = strlen(buf);
    char *s = (char *)malloc(n + 1);
    if (s) memcpy(s, buf, n + 1);
    return (char *)h_keep(s);
}

static H_UNUSED char *h_strdup(const char *s) {
    if (!s) return NULL;
    return h_fmt("%s", s);
}

/* Finishes the run after the test if the test did not (a finished handle is
 * a tombstone, so finishing twice is harmless). */
static H_UNUSED runlog_run *h_track(runlog_run *run) {
    if (run && h_nruns < H_MAX_RES) h_runs[h_nruns++] = run;
    return run;
}

/* Options with the run directory set and silence on. */
static H_UNUSED runlog_options h_opts(const char *dir) {
    runlog_options o = RUNLOG_OPTIONS_INIT;
    o.dir = dir;
    o.silent = RUNLOG_YES;
    return o;
}

static H_UNUSED void h_cleanup(void) {
    int i;
    h_run_defers(0);
    for (i = 0; i < h_nruns; ++i) runlog_finish(h_runs[i], 0, NULL);
    h_nruns = 0;
    h_run_defers(1);
    h_ndefers = 0;
    for (i = 0; i < h_ndirs; ++i) {
        if (tu_rm_rf(h_dirs[i]) != 0) fprintf(stdout, "    warning: could not remove %s\n", h_dirs[i]);
        free(h_dirs[i]);
    }
    h_ndirs = 0;
    for (i = 0; i < h_nmem; ++i) free(h_mem[i]);
    h_nmem = 0;
    for (i = 0; i < h_nhists; ++i) {
        tu_history_free(h_hists[i]);
        free(h_hists[i]);
    }
    h_nhists = 0;
}

/* The parsed history of a run's journal, freed after the test. */
static H_UNUSED tu_history *h_history(const char *run_dir, const char *run_id) {
    tu_history *h = (tu_history *)calloc(1, sizeof *h);
    if (!h) abort();
    tu_history_load(run_dir, run_id, h);
    if (h_nhists < H_MAX_RES) h_hists[h_nhists++] = h;
    return h;
}

/* A parsed JSON value, freed after the test. */
static H_UNUSED tj_value *h_json(const char *text, size_t len) {
    tj_value *v = tj_parse(text, len, NULL, 0);
    if (!v) return NULL;
    /* tj_free is needed, not free: wrap it in a tiny history holder. */
    tu_history *h = (tu_history *)calloc(1, sizeof *h);
    if (!h) abort();
    h->rows = (tj_value **)malloc(sizeof *h->rows);
    if (!h->rows) abort();
    h->rows[0] = v;
    h->count = 1;
    if (h_nhists < H_MAX_RES) h_hists[h_nhists++] = h;
    return v;
}

/* Reads a file of the run directory and parses it as JSON (freed after the test). */
static H_UNUSED tj_value *h_json_file(const char *path) {
    size_t len = 0;
    char *text = (char *)h_keep(tu_read_file(path, &len));
    return text ? h_json(text, len) : NULL;
}

static H_UNUSED long long h_step(const tj_value *row) { return tj_int(tj_get(row, "_step")); }

/* Binary-safe substring search. */
static H_UNUSED int h_contains_bytes(const char *data, size_t len, const char *needle) {
    size_t n = strlen(needle), i;
    if (!data || n == 0 || n > len) return 0;
    for (i = 0; i + n <= len; ++i)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

static H_UNUSED void h_sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Every WANDB_* variable runlog reads: cleared before each test so that the
 * environment of the machine cannot change a result. */
static const char *const h_wandb_vars[] = {
    "WANDB_MODE", "WANDB_PROJECT", "WANDB_ENTITY", "WANDB_NAME", "WANDB_NOTES", "WANDB_DESCRIPTION",
    "WANDB_RUN_GROUP", "WANDB_JOB_TYPE", "WANDB_TAGS", "WANDB_RUN_ID", "WANDB_RESUME", "WANDB_DIR",
    "WANDB_SILENT", "WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL",
    "WANDB_X_FILE_STREAM_RETRY_MAX", "WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS",
    "WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS", "WANDB_HTTP_TIMEOUT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", NULL};

static H_UNUSED void h_reset_env(void) {
    int i;
    for (i = 0; h_wandb_vars[i]; ++i) unsetenv(h_wandb_vars[i]);
    setenv("WANDB_SILENT", "true", 1);
    /* No key from the machine's ~/.netrc either: a test never goes online by
     * accident (and never to the internet). */
    setenv("NETRC", "/nonexistent/runlog-test-netrc", 1);
}

/* Runs one test in a forked child (unless H_NOFORK=1): a crash or a hang in
 * one test cannot take the others down, and environment changes stay in the
 * child. The parent has no runlog threads, so fork is safe. Each child gets
 * its own scratch TMPDIR, removed afterwards even if the child was killed.
 * A test still running after H_TEST_TIMEOUT seconds (default 120) is killed
 * and reported as hung: that is a deadlock detector, not a speed check. */
static H_UNUSED void h_run_in_process(void (*fn)(void)) {
    h_cur_failed = 0;
    h_cur_skipped = 0;
    h_reset_env();
    fn();
    h_cleanup();
}

static H_UNUSED void h_run(const char *name, void (*fn)(void)) {
    if (h_filter && !strstr(name, h_filter)) return;
    const char *nofork = getenv("H_NOFORK");
    int hung = 0, crashed = 0;
    if (nofork && *nofork == '1') {
        h_run_in_process(fn);
    } else {
        const char *base = getenv("TMPDIR");
        char *saved_tmp = base ? h_fmt("%s", base) : NULL;
        char *scratch = tu_mkdtemp("runlog-ctest-case");
        const char *limit = getenv("H_TEST_TIMEOUT");
        const long timeout_ms = (limit && atol(limit) > 0 ? atol(limit) : 120) * 1000L;
        long waited = 0;
        int status = 0;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            if (scratch) setenv("TMPDIR", scratch, 1);
            h_run_in_process(fn);
            fflush(stdout);
            fflush(stderr);
            /* exit, not _exit: LeakSanitizer checks each test at exit */
            exit(h_cur_failed ? 1 : h_cur_skipped ? 77 : 0);
        }
        if (pid < 0) {
            fprintf(stdout, "    fork failed\n");
            status = 1 << 8;
        } else {
            for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid) break;
                if (waited >= timeout_ms) {
                    kill(pid, SIGKILL);
                    waitpid(pid, &status, 0);
                    hung = 1;
                    break;
                }
                h_sleep_ms(5);
                waited += 5;
            }
        }
        h_cur_failed = hung || !WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 77);
        h_cur_skipped = !h_cur_failed && WEXITSTATUS(status) == 77;
        crashed = !hung && WIFSIGNALED(status);
        if (hung) fprintf(stdout, "    hung: still running after %ld s, killed (a deadlock?)\n", timeout_ms / 1000);
        if (crashed) fprintf(stdout, "    crashed with signal %d\n", WTERMSIG(status));
        if (scratch) {
            tu_rm_rf(scratch);
            free(scratch);
        }
        if (saved_tmp) setenv("TMPDIR", saved_tmp, 1);
        h_cleanup();
    }
    if (h_cur_failed) {
        h_failed++;
        fprintf(stdout, "FAIL %s\n", name);
    } else if (h_cur_skipped) {
        h_skipped++;
        h_passed++;
        fprintf(stdout, "skip %s\n", name);
    } else {
        h_passed++;
        fprintf(stdout, "ok   %s\n", name);
    }
    fflush(stdout);
}

#define TEST(name) static void name(void)
#define RUN(name) h_run(#name, name)
#define H_BEGIN(argc, argv) \
    do { \
        setvbuf(stdout, NULL, _IOLBF, 0); \
        h_filter = (argc) > 1 ? (argv)[1] : NULL; \
    } while (0)
#define H_END() \
    (fprintf(stdout, "%d passed, %d failed\n", h_passed, h_failed), fflush(stdout), h_failed ? 1 : 0)

#define SKIP(why) \
    do { \
        fprintf(stdout, "    skipped: %s\n", why); \
        h_cur_skipped = 1; \
        return; \
    } while (0)

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            h_failf(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
            return; \
        } \
    } while (0)
#define EXPECT(cond) \
    do { \
        if (!(cond)) h_failf(__FILE__, __LINE__, "EXPECT(%s) failed", #cond); \
    } while (0)
#define CHECK_MSG(cond, ...) \
    do { \
        if (!(cond)) { \
            h_failf(__FILE__, __LINE__, __VA_ARGS__); \
            return; \
        } \
    } while (0)
#define EXPECT_MSG(cond, ...) \
    do { \
        if (!(cond)) h_failf(__FILE__, __LINE__, __VA_ARGS__); \
    } while (0)
#define CHECK_INT_EQ(a, b) \
    do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) { \
            h_failf(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", #a, #b, a_, b_); \
            return; \
        } \
    } while (0)
#define EXPECT_INT_EQ(a, b) \
    do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) h_failf(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", #a, #b, a_, b_); \
    } while (0)
#define CHECK_STR_EQ(a, b) \
    do { \
        const char *a_ = (a), *b_ = (b); \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
            h_failf(__FILE__, __LINE__, "%s == %s failed: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                    b_ ? b_ : "(null)"); \
            return; \
        } \
    } while (0)
#define CHECK_CONTAINS(haystack, needle) \
    do { \
        const char *h_ = (haystack), *n_ = (needle); \
        if (!h_ || !strstr(h_, n_)) { \
            h_failf(__FILE__, __LINE__, "\"%s\" does not contain \"%s\" (%s)", h_ ? h_ : "(null)", n_, #haystack); \
            return; \
        } \
    } while (0)
#define EXPECT_CONTAINS(haystack, needle) \
    do { \
        const char *h_ = (haystack), *n_ = (needle); \
        if (!h_ || !strstr(h_, n_)) \
            h_failf(__FILE__, __LINE__, "\"%s\" does not contain \"%s\" (%s)", h_ ? h_ : "(null)", n_, #haystack); \
    } while (0)
/* The call must succeed; on failure prints the status and message. */
#define CHECK_OK(call) \
    do { \
        int rc_ = (call); \
        if (rc_ != RUNLOG_OK) { \
            h_failf(__FILE__, __LINE__, "%s returned %s: %s", #call, runlog_status_string(rc_), \
                    runlog_last_error_message()); \
            return; \
        } \
    } while (0)
/* The call must fail with this status and a non-empty message in err
 * (err must be the runlog_error the call filled). */
#define CHECK_RC(call, want, err) \
    do { \
        int rc_ = (call); \
        if (rc_ != (want)) { \
            h_failf(__FILE__, __LINE__, "%s returned %s, expected %s (%s)", #call, runlog_status_string(rc_), \
                    runlog_status_string(want), (err).message); \
            return; \
        } \
        if ((err).status != (want)) { \
            h_failf(__FILE__, __LINE__, "%s: err.status is %d, expected %d", #call, (err).status, (want)); \
            return; \
        } \
        if ((want) != RUNLOG_OK && (err).message[0] == '\0') { \
            h_failf(__FILE__, __LINE__, "%s: the error message is empty", #call); \
            return; \
        } \
    } while (0)

#endif
