/*
 * WANDB_* environment variables: init with NULL options reads them; explicit
 * options win over them.
 */
#define _XOPEN_SOURCE 700
#include <pthread.h>

#include "harness.h"

/* The run record (the journal's first record) of a finished run. */
static tj_value *run_record(const char *dir, const char *id) {
    tu_journal j;
    tj_value *v = NULL;
    tu_journal_load(h_keep(tu_journal_path(dir, id)), &j);
    if (j.count > 0 && j.records[0].kind == TU_KIND_RUN) v = h_json(j.records[0].json, j.records[0].len);
    tu_journal_free(&j);
    return v;
}

static void set_all_env(const char *root) {
    setenv("WANDB_MODE", "offline", 1);
    setenv("WANDB_PROJECT", "envproj", 1);
    setenv("WANDB_NAME", "env-name", 1);
    setenv("WANDB_RUN_ID", "envid123", 1);
    setenv("WANDB_DIR", root, 1);
    setenv("WANDB_TAGS", " a, b,a,,c ", 1);
    setenv("WANDB_RUN_GROUP", "group-1", 1);
    setenv("WANDB_JOB_TYPE", "train", 1);
    setenv("WANDB_NOTES", "some notes", 1);
    setenv("WANDB_ENTITY", "ent", 1);
}

TEST(env_vars_fill_the_settings) {
    const char *root = h_tmpdir();
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    set_all_env(root);
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_project(run), "envproj");
    CHECK_STR_EQ(runlog_run_name(run), "env-name");
    CHECK_STR_EQ(runlog_run_id(run), "envid123");
    CHECK_STR_EQ(runlog_run_entity(run), "ent");
    CHECK_STR_EQ(runlog_run_mode(run), "offline");
    char *dir = h_strdup(runlog_run_dir(run));
    char *prefix = h_fmt("%s/runlog/offline-run-", root);
    CHECK_MSG(strncmp(dir, prefix, strlen(prefix)) == 0, "run dir %s is not under WANDB_DIR", dir);
    CHECK_OK(runlog_finish(run, 0, &err));
    tj_value *rec = run_record(dir, "envid123");
    CHECK_MSG(rec, "no run record in the journal");
    CHECK(tj_is_str(tj_get(rec, "id"), "envid123"));
    CHECK(tj_is_str(tj_get(rec, "project"), "envproj"));
    CHECK(tj_is_str(tj_get(rec, "name"), "env-name"));
    CHECK(tj_is_str(tj_get(rec, "entity"), "ent"));
    CHECK(tj_is_str(tj_get(rec, "group"), "group-1"));
    CHECK(tj_is_str(tj_get(rec, "job_type"), "train"));
    CHECK(tj_is_str(tj_get(rec, "notes"), "some notes"));
    const tj_value *tags = tj_get(rec, "tags");
    CHECK(tags && tags->type == TJ_ARRAY);
    CHECK_INT_EQ(tags->count, 3);
    CHECK(tj_is_str(tj_at(tags, 0), "a"));
    CHECK(tj_is_str(tj_at(tags, 1), "b"));
    CHECK(tj_is_str(tj_at(tags, 2), "c"));
}

TEST(explicit_options_win_over_env) {
    const char *env_root = h_tmpdir();
    const char *opt_root = h_tmpdir();
    runlog_error err = RUNLOG_ERROR_INIT;
    runlog_run *run = NULL;
    set_all_env(env_root);
    setenv("WANDB_MODE", "disabled", 1);
    runlog_options o = RUNLOG_OPTIONS_INIT;
    o.mode = "offline";
    o.project = "optproj";
    o.name = "opt-name";
    o.run_id = "optid456";
    o.dir = opt_root;
    o.tags = "x";
    o.group = "g2";
    o.job_type = "eval";
    o.notes = "opt notes";
    o.entity = "optent";
    CHECK_OK(runlog_init(&run, &o, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "offline");
    CHECK_STR_EQ(runlog_run_project(run), "optproj");
    CHECK_STR_EQ(runlog_run_name(run), "opt-name");
    CHECK_STR_EQ(runlog_run_id(run), "optid456");
    CHECK_STR_EQ(runlog_run_entity(run), "optent");
    char *dir = h_strdup(runlog_run_dir(run));
    CHECK_MSG(strncmp(dir, opt_root, strlen(opt_root)) == 0, "run dir %s is not under options.dir", dir);
    CHECK_OK(runlog_finish(run, 0, &err));
    CHECK_INT_EQ(tu_count_entries(env_root), 0);
    tj_value *rec = run_record(dir, "optid456");
    CHECK(rec);
    CHECK(tj_is_str(tj_get(rec, "group"), "g2"));
    CHECK(tj_is_str(tj_get(rec, "job_type"), "eval"));
    CHECK(tj_is_str(tj_get(rec, "notes"), "opt notes"));
    CHECK_INT_EQ(tj_get(rec, "tags")->count, 1);
    CHECK(tj_is_str(tj_at(tj_get(rec, "tags"), 0), "x"));
    /* options fill only what they set: the rest still comes from the env */
    runlog_options partial = RUNLOG_OPTIONS_INIT;
    partial.project = "only-project";
    partial.run_id = "partial1";
    setenv("WANDB_MODE", "offline", 1);
    CHECK_OK(runlog_init(&run, &partial, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_project(run), "only-project");
    CHECK_STR_EQ(runlog_run_name(run), "env-name");
    CHECK_MSG(strncmp(runlog_run_dir(run), env_root, strlen(env_root)) == 0, "WANDB_DIR not used");
    CHECK_OK(runlog_finish(run, 0, &err));
}

TEST(mode_names) {
    const char *root = h_tmpdir();
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    setenv("WANDB_DIR", root, 1);
    setenv("WANDB_MODE", "dryrun", 1);
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "offline");
    CHECK_OK(runlog_finish(run, 0, &err));
    setenv("WANDB_MODE", "  OFFLINE ", 1);
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_mode(run), "offline");
    CHECK_OK(runlog_finish(run, 0, &err));
    /* online is accepted; this build stores the run locally */
    setenv("WANDB_MODE", "online", 1);
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    const char *mode = runlog_run_mode(run);
    CHECK(mode && (strcmp(mode, "online") == 0 || strcmp(mode, "offline") == 0));
    char *dir = h_strdup(runlog_run_dir(run));
    char *id = h_strdup(runlog_run_id(run));
    CHECK_OK(runlog_log_json(run, "{\"x\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
    CHECK_INT_EQ(h_history(dir, id)->count, 1);
    /* empty variables count as unset */
    unsetenv("WANDB_MODE");
    setenv("WANDB_PROJECT", "", 1);
    setenv("WANDB_NAME", "", 1);
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_project(run), "uncategorized");
    CHECK(strlen(runlog_run_name(run)) > 0);
    CHECK_OK(runlog_finish(run, 0, &err));
}

typedef struct {
    pthread_mutex_t mu;
    int infos;
} counter_log;

static void count_log(void *ud, int level, const char *message) {
    counter_log *c = (counter_log *)ud;
    (void)message;
    pthread_mutex_lock(&c->mu);
    if (level == RUNLOG_LEVEL_INFO) c->infos++;
    pthread_mutex_unlock(&c->mu);
}

TEST(silent_values) {
    static const char *const silent[] = {"true", "TRUE", "1", "yes", " on "};
    static const char *const loud[] = {"false", "0", "no", ""};
    counter_log c;
    size_t i;
    pthread_mutex_init(&c.mu, NULL);
    runlog_options o = h_opts(h_tmpdir());
    o.silent = RUNLOG_DEFAULT;
    o.log_fn = count_log;
    o.log_user_data = &c;
    for (i = 0; i < sizeof silent / sizeof *silent; ++i) {
        runlog_run *run = NULL;
        c.infos = 0;
        setenv("WANDB_SILENT", silent[i], 1);
        CHECK_OK(runlog_init(&run, &o, NULL));
        h_track(run);
        CHECK_OK(runlog_finish(run, 0, NULL));
        CHECK_MSG(c.infos == 0, "WANDB_SILENT=\"%s\" should silence the banner", silent[i]);
    }
    for (i = 0; i < sizeof loud / sizeof *loud; ++i) {
        runlog_run *run = NULL;
        c.infos = 0;
        setenv("WANDB_SILENT", loud[i], 1);
        CHECK_OK(runlog_init(&run, &o, NULL));
        h_track(run);
        CHECK_OK(runlog_finish(run, 0, NULL));
        CHECK_MSG(c.infos > 0, "WANDB_SILENT=\"%s\" should not silence the banner", loud[i]);
    }
    pthread_mutex_destroy(&c.mu);
}

TEST(resume_auto_remembers_the_run) {
    const char *root = h_tmpdir();
    runlog_run *run = NULL;
    runlog_error err = RUNLOG_ERROR_INIT;
    setenv("WANDB_DIR", root, 1);
    setenv("WANDB_RESUME", "auto", 1);
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    char *id = h_strdup(runlog_run_id(run));
    char *dir = h_strdup(runlog_run_dir(run));
    CHECK_OK(runlog_log_json(run, "{\"i\": 0}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
    tj_value *remembered = h_json_file(h_fmt("%s/runlog/wandb-resume.json", root));
    CHECK_MSG(remembered, "runlog/wandb-resume.json is missing");
    CHECK(tj_is_str(tj_get(remembered, "run_id"), id));
    /* the next init with resume=auto continues the same run */
    CHECK_OK(runlog_init(&run, NULL, &err));
    h_track(run);
    CHECK_STR_EQ(runlog_run_id(run), id);
    CHECK_STR_EQ(runlog_run_dir(run), dir);
    runlog_stats st = RUNLOG_STATS_INIT;
    CHECK_OK(runlog_get_stats(run, &st, &err));
    CHECK_INT_EQ(st.step, 1);
    CHECK_OK(runlog_log_json(run, "{\"i\": 1}", RUNLOG_NUL_TERMINATED, RUNLOG_STEP_AUTO, 0, &err));
    CHECK_OK(runlog_finish(run, 0, &err));
    tu_history *h = h_history(dir, id);
    CHECK_INT_EQ(h->count, 2);
    CHECK_INT_EQ(h_step(h->rows[1]), 1);
    CHECK_INT_EQ(h->resumes, 1);
}

int main(int argc, char **argv) {
    H_BEGIN(argc, argv);
    RUN(env_vars_fill_the_settings);
    RUN(explicit_options_win_over_env);
    RUN(mode_names);
    RUN(silent_values);
    RUN(resume_auto_remembers_the_run);
    return H_END();
}
