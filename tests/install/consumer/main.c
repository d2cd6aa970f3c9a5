/* Install smoke test consumer: a C program that only knows the installed
 * runlog.h and library. Usage: consumer <dir for runs> */
#include <runlog.h>

#include <stdio.h>
#include <string.h>

static int check(int rc, const runlog_error *err, const char *what) {
    if (rc != RUNLOG_OK) {
        fprintf(stderr, "consumer: %s failed: %s (%s)\n", what, err->message, runlog_status_string(rc));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_options opts = RUNLOG_OPTIONS_INIT;
    runlog_run *run = NULL;
    char id[64];
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: consumer <dir>\n");
        return 2;
    }
    if (runlog_abi_version() != RUNLOG_ABI_VERSION) {
        fprintf(stderr, "consumer: header ABI %d but library ABI %u\n", RUNLOG_ABI_VERSION,
                (unsigned)runlog_abi_version());
        return 1;
    }
    opts.mode = "offline";
    opts.dir = argv[1];
    opts.project = "install-test";
    opts.silent = RUNLOG_YES;
    opts.config_json = "{\"consumer\": \"install-test\"}";
    if (check(runlog_init(&run, &opts, &err), &err, "runlog_init")) return 1;
    snprintf(id, sizeof id, "%s", runlog_run_id(run));
    for (i = 0; i < 10; ++i) {
        char row[64];
        snprintf(row, sizeof row, "{\"loss\": %g}", 1.0 / (i + 1));
        if (check(runlog_log_json(run, row, RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO,
                                  RUNLOG_COMMIT_DEFAULT, &err), &err, "runlog_log_json"))
            return 1;
        if (check(runlog_stage_double(run, "acc", i / 10.0, &err), &err, "runlog_stage_double") ||
            check(runlog_commit_row(run, RUNLOG_STEP_AUTO, RUNLOG_COMMIT_DEFAULT, &err), &err,
                  "runlog_commit_row"))
            return 1;
    }
    if (check(runlog_finish(run, 0, &err), &err, "runlog_finish")) return 1;
    printf("consumer ok: runlog %s (ABI %u), run %s\n", runlog_version(), (unsigned)runlog_abi_version(), id);
    return 0;
}
