/*
 * The process the crash test kills. Written in C against runlog.h only.
 *
 *   runlog_crash_child <dir> <run_id> <flush_every> <max_rows> <durability> <threading> <seed> [finish]
 *
 * Continues (or creates) run <run_id> under <dir> with resume=allow and logs
 * rows {"i": <step>, "pad": "..."} without a step, so _step == i. After every
 * <flush_every> rows it calls runlog_flush() and then writes "F <step>\n" to
 * stdout: every row up to <step> is durable. After <max_rows> rows it waits
 * to be killed (or finishes the run when "finish" is given).
 */
#define _XOPEN_SOURCE 700
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runlog.h"

static void say(const char *line) {
    size_t len = strlen(line), done = 0;
    while (done < len) {
        ssize_t n = write(1, line + done, len - done);
        if (n <= 0) _exit(5);
        done += (size_t)n;
    }
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s dir run_id flush_every max_rows durability threading seed [finish]\n", argv[0]);
        return 2;
    }
    const long flush_every = atol(argv[3]);
    const long max_rows = atol(argv[4]);
    unsigned long long rng = strtoull(argv[7], NULL, 10) * 2654435761ull + 1;
    const int finish = argc > 8 && strcmp(argv[8], "finish") == 0;
    alarm(60); /* never outlive a broken parent for long */

    runlog_options o = RUNLOG_OPTIONS_INIT;
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    o.dir = argv[1];
    o.run_id = argv[2];
    o.resume = "allow";
    o.silent = RUNLOG_YES;
    o.durability = atoi(argv[5]);
    o.threading = atoi(argv[6]);
    if (runlog_init(&run, &o, &err) != RUNLOG_OK) {
        fprintf(stderr, "crash child: init failed: %s\n", err.message);
        return 3;
    }
    runlog_stats st = RUNLOG_STATS_INIT;
    runlog_get_stats(run, &st, NULL);
    long long step = st.step;
    char line[64];
    snprintf(line, sizeof line, "S %lld\n", step);
    say(line);

    static char row[70000];
    static char pad[65000];
    long n;
    for (n = 0; n < max_rows; ++n) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        size_t pad_len = (size_t)(rng >> 33) % 300;
        if ((rng >> 20) % 300 == 0) pad_len = 33000 + (size_t)(rng >> 40) % 20000; /* spans blocks */
        memset(pad, 'a' + (int)(step % 26), pad_len);
        pad[pad_len] = '\0';
        snprintf(row, sizeof row, "{\"i\": %lld, \"pad\": \"%s\"}", step, pad);
        if (runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err) !=
            RUNLOG_OK) {
            fprintf(stderr, "crash child: log failed: %s\n", err.message);
            return 4;
        }
        step++;
        if ((n + 1) % flush_every == 0) {
            if (runlog_flush(run, -1, &err) != RUNLOG_OK) {
                fprintf(stderr, "crash child: flush failed: %s\n", err.message);
                return 4;
            }
            snprintf(line, sizeof line, "F %lld\n", step - 1);
            say(line);
        }
    }
    if (finish) {
        if (runlog_finish(run, 0, &err) != RUNLOG_OK) {
            fprintf(stderr, "crash child: finish failed: %s\n", err.message);
            return 4;
        }
        snprintf(line, sizeof line, "D %lld\n", step - 1);
        say(line);
        return 0;
    }
    say("W\n");
    for (;;) pause();
}
