/*
 * online_driver — a training loop written against runlog.h only, for the
 * online-mode integration tests (tests/online/test_online.py).
 *
 * It logs --rows rows with known values
 *     {"i": k, "x": k * 0.5, "nested": {"k": k}}      k = --start .. --start+rows-1
 * sets a config (options.config_json, then one config update), defines the
 * metric "x" with a max summary, sets the summary value "best", and finishes
 * with --exit-code. Everything else comes from the environment (WANDB_*), as
 * for any program using runlog.
 *
 * It prints one JSON object per line on stdout, so the test knows what
 * happened:
 *   {"event":"init","id":..,"name":..,"mode":..,"dir":..}
 *   {"event":"init_error","status":N,"message":..}          (then exit 3)
 *   {"event":"flushed","rows":N}                            (every --flush-every rows)
 *   {"event":"stats",...}                                   (before finish)
 *   {"event":"finish","status":N,"message":..}
 * Runlog's own messages go to stderr (the default log hook), unless
 * --log-hook: then "runlog[LEVEL]: message" lines, also to stderr.
 *
 * Options:
 *   --rows N              rows to log (default 100)
 *   --start K             value of i (and the step) of the first row (default 0)
 *   --sleep-ms MS         sleep between rows (default 0)
 *   --sleep-every N       sleep only after every N-th row (default 1)
 *   --flush-every N       runlog_flush() every N rows and report it
 *   --kill-after K        after K rows (flushed first if --flush-every divides K):
 *                         raise(SIGKILL): the process dies without finish
 *   --pause-after K       after K rows: flush, print {"event":"paused","rows":K},
 *   --gate FILE           and wait (pumping, with --manual) until FILE exists;
 *                         the run stays live meanwhile (up to 120 s, then exit 4)
 *   --mode M              options.mode (default: WANDB_MODE / runlog's default)
 *   --resume R            options.resume
 *   --run-id ID           options.run_id
 *   --project P           options.project
 *   --api-key K           options.api_key
 *   --base-url U          options.base_url
 *   --manual              RUNLOG_THREADING_MANUAL: the loop calls runlog_pump()
 *                         (always so in a build without threads)
 *   --exit-code C         runlog_finish(run, C) (default 0)
 *   --upload-timeout-ms MS options.upload_timeout_ms
 *   --no-summary          skip the summary update
 *   --log-hook            route runlog's messages through a hook with levels
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runlog.h"

static const char *kLevels[] = {"DEBUG", "INFO", "WARN", "ERROR"};

static void on_log(void *user_data, int level, const char *message) {
    (void)user_data;
    const char *name = level >= 0 && level <= 3 ? kLevels[level] : "?";
    fprintf(stderr, "runlog[%s]: %s\n", name, message);
    fflush(stderr);
}

/* JSON string literal (enough escaping for messages and paths). */
static void put_json_string(const char *s) {
    putchar('"');
    for (; s && *s; ++s) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            putchar('\\');
            putchar(c);
        } else if (c < 0x20) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void die_usage(const char *what) {
    fprintf(stderr, "online_driver: %s (see the comment at the top of online_driver.c)\n", what);
    exit(2);
}

static long num_arg(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) die_usage("an option is missing its value");
    char *end = NULL;
    long v = strtol(argv[++*i], &end, 10);
    if (!end || *end) die_usage("a numeric option has a non-numeric value");
    return v;
}

static const char *str_arg(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) die_usage("an option is missing its value");
    return argv[++*i];
}

static int check(int rc, const runlog_error *err, const char *what) {
    if (rc != RUNLOG_OK) {
        fprintf(stderr, "online_driver: %s failed: %s (%s)\n", what, err->message, runlog_status_string(rc));
    }
    return rc;
}

int main(int argc, char **argv) {
    long rows = 100, start = 0, sleep_between = 0, sleep_every = 1, flush_every = 0, kill_after = -1, exit_code = 0;
    long upload_timeout_ms = 0, pause_after = -1;
    const char *gate = NULL;
    int manual = 0, no_summary = 0, log_hook = 0;
    runlog_options opts = RUNLOG_OPTIONS_INIT;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (!strcmp(a, "--rows")) rows = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--start")) start = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--sleep-ms")) sleep_between = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--sleep-every")) sleep_every = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--flush-every")) flush_every = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--kill-after")) kill_after = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--exit-code")) exit_code = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--pause-after")) pause_after = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--gate")) gate = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--upload-timeout-ms")) upload_timeout_ms = num_arg(argc, argv, &i);
        else if (!strcmp(a, "--mode")) opts.mode = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--resume")) opts.resume = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--run-id")) opts.run_id = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--project")) opts.project = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--api-key")) opts.api_key = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--base-url")) opts.base_url = str_arg(argc, argv, &i);
        else if (!strcmp(a, "--manual")) manual = 1;
        else if (!strcmp(a, "--no-summary")) no_summary = 1;
        else if (!strcmp(a, "--log-hook")) log_hook = 1;
        else die_usage("unknown option");
    }
    if (rows < 0 || start < 0) die_usage("--rows and --start must not be negative");
    if (sleep_every < 1) die_usage("--sleep-every must be at least 1");
    if ((pause_after >= 0) != (gate != NULL)) die_usage("--pause-after and --gate go together");

    /* A build without threads (RUNLOG_THREADS=OFF) only has manual threading:
     * be the host that pumps. */
    if (!runlog_has_threads()) manual = 1;
    opts.config_json = "{\"lr\": 0.001, \"layers\": [64, 32], \"optimizer\": {\"name\": \"adam\", \"beta\": 0.9}}";
    if (manual) opts.threading = RUNLOG_THREADING_MANUAL;
    if (upload_timeout_ms > 0) opts.upload_timeout_ms = (uint32_t)upload_timeout_ms;
    if (log_hook) opts.log_fn = on_log;

    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    int rc = runlog_init(&run, &opts, &err);
    if (rc != RUNLOG_OK) {
        printf("{\"event\":\"init_error\",\"status\":%d,\"status_name\":", rc);
        put_json_string(runlog_status_string(rc));
        printf(",\"message\":");
        put_json_string(err.message);
        printf("}\n");
        fflush(stdout);
        return 3;
    }
    printf("{\"event\":\"init\",\"id\":");
    put_json_string(runlog_run_id(run));
    printf(",\"name\":");
    put_json_string(runlog_run_name(run));
    printf(",\"mode\":");
    put_json_string(runlog_run_mode(run));
    printf(",\"dir\":");
    put_json_string(runlog_run_dir(run));
    printf("}\n");
    fflush(stdout);

    int failures = 0;
    if (check(runlog_config_update_json(run, "{\"batch_size\": 32}", RUNLOG_NUL_TERMINATED, &err), &err,
              "config update"))
        failures++;
    runlog_metric_options mo = RUNLOG_METRIC_OPTIONS_INIT;
    mo.summary = RUNLOG_SUMMARY_MAX;
    if (check(runlog_define_metric(run, "x", &mo, &err), &err, "define_metric")) failures++;

    char row[256];
    for (long n = 0; n < rows; ++n) {
        const long k = start + n;
        snprintf(row, sizeof row, "{\"i\": %ld, \"x\": %.1f, \"nested\": {\"k\": %ld}}", k, k * 0.5, k);
        if (check(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT,
                                  &err),
                  &err, "log"))
            failures++;
        if (manual && check(runlog_pump(run, 0, &err), &err, "pump")) failures++;
        const long done = n + 1;
        if (flush_every > 0 && done % flush_every == 0) {
            if (check(runlog_flush(run, -1, &err), &err, "flush") == RUNLOG_OK) {
                printf("{\"event\":\"flushed\",\"rows\":%ld}\n", done);
                fflush(stdout);
            } else {
                failures++;
            }
        }
        if (kill_after >= 0 && done == kill_after) {
            fflush(stdout);
            fflush(stderr);
            raise(SIGKILL);
        }
        if (pause_after >= 0 && done == pause_after) {
            if (check(runlog_flush(run, -1, &err), &err, "flush")) failures++;
            printf("{\"event\":\"paused\",\"rows\":%ld}\n", done);
            fflush(stdout);
            long waited = 0;
            for (;;) {
                FILE *f = fopen(gate, "r");
                if (f) {
                    fclose(f);
                    break;
                }
                if (manual && check(runlog_pump(run, 0, &err), &err, "pump")) failures++;
                if (waited >= 120000) {
                    fprintf(stderr, "online_driver: the gate %s did not open within 120 s\n", gate);
                    return 4;
                }
                sleep_ms(5);
                waited += 5;
            }
        }
        if (sleep_between > 0 && done % sleep_every == 0) {
            if (manual) {
                /* The host's loop: keep pumping while "training". */
                for (long t = 0; t < sleep_between; t += 5) {
                    if (check(runlog_pump(run, 0, &err), &err, "pump")) failures++;
                    sleep_ms(sleep_between - t < 5 ? sleep_between - t : 5);
                }
            } else {
                sleep_ms(sleep_between);
            }
        }
    }
    if (!no_summary &&
        check(runlog_summary_update_json(run, "{\"best\": 42.5}", RUNLOG_NUL_TERMINATED, &err), &err,
              "summary update"))
        failures++;

    runlog_stats st = RUNLOG_STATS_INIT;
    if (check(runlog_get_stats(run, &st, &err), &err, "stats") == RUNLOG_OK) {
        printf("{\"event\":\"stats\",\"step\":%lld,\"rows_logged\":%llu,\"upload_state\":%d,"
               "\"rows_uploaded\":%llu,\"upload_requests\":%llu,\"upload_retries\":%llu,\"failures\":%d}\n",
               (long long)st.step, (unsigned long long)st.rows_logged, (int)st.upload_state,
               (unsigned long long)st.rows_uploaded, (unsigned long long)st.upload_requests,
               (unsigned long long)st.upload_retries, failures);
        fflush(stdout);
    }

    runlog_error ferr = RUNLOG_ERROR_INIT;
    rc = runlog_finish(run, (int)exit_code, &ferr);
    printf("{\"event\":\"finish\",\"status\":%d,\"message\":", rc);
    put_json_string(ferr.message);
    printf("}\n");
    fflush(stdout);
    return (rc == RUNLOG_OK && failures == 0) ? 0 : 1;
}
