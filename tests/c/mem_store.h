/*
 * A store plug-in for the C tests: the journal lives in memory, and the test
 * can make it fail (a byte budget, like a full disk), block (a slow disk) or
 * refuse to open. It only uses runlog.h, like a host's own plug-in would.
 *
 * The test owns the mem_store: destroy() only counts the call, so the test
 * can read the journal after the run ended.
 */
#ifndef RUNLOG_TESTS_MEM_STORE_H
#define RUNLOG_TESTS_MEM_STORE_H

#include <pthread.h>
#include <stddef.h>

#include "runlog.h"

typedef struct mem_store_file {
    char name[96];
    char *data;
    size_t len;
} mem_store_file;

typedef struct mem_store {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *data;
    size_t len, cap;
    long long budget;   /* < 0: unlimited; else the journal never grows past it */
    int fail_status;    /* what append returns over budget (RUNLOG_E_NO_SPACE) */
    int block;          /* append waits while set */
    int blocked;        /* an append is waiting now */
    int open_status;    /* non-zero: open fails with it */
    int exists;
    int opens, appends, failed_appends, syncs, truncates, destroyed;
    mem_store_file files[8];
    int nfiles;
} mem_store;

void mem_store_init(mem_store *s);
void mem_store_free(mem_store *s);
runlog_store mem_store_plugin(mem_store *s);
void mem_store_set_budget(mem_store *s, long long budget);
void mem_store_set_block(mem_store *s, int block);
/* Waits until an append is blocked (the writer holds a batch). */
void mem_store_wait_blocked(mem_store *s);
size_t mem_store_size(mem_store *s);
/* Copies the journal bytes (malloc'd). */
unsigned char *mem_store_copy(mem_store *s, size_t *len);
const mem_store_file *mem_store_find_file(mem_store *s, const char *name);

#endif
