#define _XOPEN_SOURCE 700
#include "mem_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(runlog_error *err, int status, const char *msg) {
    if (err) {
        err->status = status;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return status;
}

static int ms_open(void *ud, const char *run_id, const char *dir_name, int mode, uint64_t *journal_size,
                   int *created, char *location, size_t location_cap, runlog_error *err) {
    mem_store *s = (mem_store *)ud;
    (void)dir_name;
    pthread_mutex_lock(&s->mu);
    s->opens++;
    int rc = RUNLOG_OK;
    if (s->open_status) rc = fail(err, s->open_status, "test store refuses to open (open_status set)");
    else if (s->exists && mode == RUNLOG_STORE_CREATE) rc = fail(err, RUNLOG_E_EXISTS, "test store: the run exists");
    else if (!s->exists && mode == RUNLOG_STORE_RESUME) rc = fail(err, RUNLOG_E_NOT_FOUND, "test store: no such run");
    else {
        *created = !s->exists;
        s->exists = 1;
        *journal_size = s->len;
        snprintf(location, location_cap, "mem://%s", run_id);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int ms_append(void *ud, const uint8_t *data, size_t len, runlog_error *err) {
    mem_store *s = (mem_store *)ud;
    pthread_mutex_lock(&s->mu);
    s->appends++;
    while (s->block) {
        s->blocked = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_cond_wait(&s->cv, &s->mu);
    }
    s->blocked = 0;
    if (s->budget >= 0 && (long long)(s->len + len) > s->budget) {
        char msg[128];
        s->failed_appends++;
        snprintf(msg, sizeof msg, "test store is full (budget %lld bytes, %zu used, %zu more asked)", s->budget,
                 s->len, len);
        pthread_mutex_unlock(&s->mu);
        return fail(err, s->fail_status, msg);
    }
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len) cap *= 2;
        unsigned char *d = (unsigned char *)realloc(s->data, cap);
        if (!d) {
            pthread_mutex_unlock(&s->mu);
            return fail(err, RUNLOG_E_NOMEM, "test store: out of memory");
        }
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    pthread_mutex_unlock(&s->mu);
    return RUNLOG_OK;
}

static int ms_sync(void *ud, runlog_error *err) {
    mem_store *s = (mem_store *)ud;
    (void)err;
    pthread_mutex_lock(&s->mu);
    s->syncs++;
    pthread_mutex_unlock(&s->mu);
    return RUNLOG_OK;
}

static int ms_read(void *ud, uint64_t offset, uint8_t *buf, size_t cap, size_t *n, runlog_error *err) {
    mem_store *s = (mem_store *)ud;
    (void)err;
    pthread_mutex_lock(&s->mu);
    size_t got = 0;
    if (offset < s->len) {
        got = s->len - (size_t)offset;
        if (got > cap) got = cap;
        memcpy(buf, s->data + offset, got);
    }
    *n = got;
    pthread_mutex_unlock(&s->mu);
    return RUNLOG_OK;
}

static int ms_truncate(void *ud, uint64_t size, runlog_error *err) {
    mem_store *s = (mem_store *)ud;
    pthread_mutex_lock(&s->mu);
    s->truncates++;
    if (size > s->len) {
        pthread_mutex_unlock(&s->mu);
        return fail(err, RUNLOG_E_IO, "test store: truncate beyond the end");
    }
    s->len = (size_t)size;
    pthread_mutex_unlock(&s->mu);
    return RUNLOG_OK;
}

static int ms_write_file(void *ud, const char *name, const uint8_t *data, size_t len, runlog_error *err) {
    mem_store *s = (mem_store *)ud;
    int i;
    pthread_mutex_lock(&s->mu);
    for (i = 0; i < s->nfiles; ++i)
        if (strcmp(s->files[i].name, name) == 0) break;
    if (i == s->nfiles) {
        if (s->nfiles == 8) {
            pthread_mutex_unlock(&s->mu);
            return fail(err, RUNLOG_E_NO_SPACE, "test store: too many files");
        }
        s->nfiles++;
        snprintf(s->files[i].name, sizeof s->files[i].name, "%s", name);
    }
    free(s->files[i].data);
    s->files[i].data = (char *)malloc(len + 1);
    memcpy(s->files[i].data, data, len);
    s->files[i].data[len] = '\0';
    s->files[i].len = len;
    pthread_mutex_unlock(&s->mu);
    return RUNLOG_OK;
}

static void ms_destroy(void *ud) {
    mem_store *s = (mem_store *)ud;
    pthread_mutex_lock(&s->mu);
    s->destroyed++;
    pthread_mutex_unlock(&s->mu);
}

void mem_store_init(mem_store *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->budget = -1;
    s->fail_status = RUNLOG_E_NO_SPACE;
}

void mem_store_free(mem_store *s) {
    int i;
    free(s->data);
    for (i = 0; i < s->nfiles; ++i) free(s->files[i].data);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

runlog_store mem_store_plugin(mem_store *s) {
    runlog_store st;
    memset(&st, 0, sizeof st);
    st.version = RUNLOG_STORE_VERSION;
    st.user_data = s;
    st.open = ms_open;
    st.append = ms_append;
    st.sync = ms_sync;
    st.read = ms_read;
    st.truncate = ms_truncate;
    st.write_file = ms_write_file;
    st.destroy = ms_destroy;
    return st;
}

void mem_store_set_budget(mem_store *s, long long budget) {
    pthread_mutex_lock(&s->mu);
    s->budget = budget;
    pthread_mutex_unlock(&s->mu);
}

void mem_store_set_block(mem_store *s, int block) {
    pthread_mutex_lock(&s->mu);
    s->block = block;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void mem_store_wait_blocked(mem_store *s) {
    pthread_mutex_lock(&s->mu);
    while (!s->blocked) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

size_t mem_store_size(mem_store *s) {
    pthread_mutex_lock(&s->mu);
    size_t n = s->len;
    pthread_mutex_unlock(&s->mu);
    return n;
}

unsigned char *mem_store_copy(mem_store *s, size_t *len) {
    pthread_mutex_lock(&s->mu);
    unsigned char *d = (unsigned char *)malloc(s->len ? s->len : 1);
    if (d) memcpy(d, s->data, s->len);
    *len = s->len;
    pthread_mutex_unlock(&s->mu);
    return d;
}

const mem_store_file *mem_store_find_file(mem_store *s, const char *name) {
    int i;
    for (i = 0; i < s->nfiles; ++i)
        if (strcmp(s->files[i].name, name) == 0) return &s->files[i];
    return NULL;
}
