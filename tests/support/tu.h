/*
 * tu — C test utilities: temporary directories, files, and an independent
 * reader of the runlog journal format (header, 32 KiB blocks, CRC-32 framed
 * chunks; see core/journal_format.h), written from the format description
 * rather than from the library, so the C tests check the bytes on disk.
 */
#ifndef RUNLOG_TESTS_TU_H
#define RUNLOG_TESTS_TU_H

#include <stddef.h>
#include <stdint.h>

#include "tj.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A fresh directory under $TMPDIR (or /tmp); malloc'd path, NULL on error. */
char *tu_mkdtemp(const char *prefix);
/* rm -rf; returns 0 on success. Refuses "", "/" and relative paths. */
int tu_rm_rf(const char *path);
/* malloc'd, NUL-terminated contents; NULL if it cannot be read. */
char *tu_read_file(const char *path, size_t *len);
int tu_write_file(const char *path, const void *data, size_t len);
int tu_exists(const char *path);
int tu_is_dir(const char *path);
int tu_is_symlink(const char *path);
/* malloc'd printf. */
char *tu_format(const char *fmt, ...);
/* Number of entries in a directory, excluding . and .. (-1 if missing). */
int tu_count_entries(const char *dir);

uint32_t tu_crc32(uint32_t crc, const void *data, size_t len);

/* ---- journal ---- */
enum { TU_KIND_RUN = 1, TU_KIND_HISTORY = 2, TU_KIND_SUMMARY = 3, TU_KIND_CONFIG = 4,
       TU_KIND_METRIC = 5, TU_KIND_EXIT = 6, TU_KIND_RESUME = 7 };
enum { TU_STOP_END = 0, TU_STOP_TORN = 1, TU_STOP_CORRUPT = 2, TU_STOP_BAD_HEADER = 3, TU_STOP_IO = 4 };

typedef struct {
    int kind;
    char *json;   /* NUL-terminated */
    size_t len;
    uint64_t offset;
} tu_record;

typedef struct {
    tu_record *records;
    size_t count;
    size_t cap;
    int stop;          /* TU_STOP_* */
    uint64_t stop_at;
    char detail[160];
} tu_journal;

/* Decodes journal bytes; always fills out (free it with tu_journal_free). */
void tu_journal_decode(const unsigned char *data, size_t len, tu_journal *out);
/* Reads and decodes a journal file (stop = TU_STOP_IO if it cannot be read). */
void tu_journal_load(const char *path, tu_journal *out);
void tu_journal_free(tu_journal *j);

/* The history rows of a journal, parsed. rows[i] is NULL if a row did not
 * parse (which the tests treat as a failure). */
typedef struct {
    tj_value **rows;
    size_t count;
    size_t cap;
    size_t bad;        /* rows that did not parse */
    size_t resumes;    /* resume records seen */
    size_t exits;      /* exit records seen */
    size_t records;    /* all records */
    int stop;
    char detail[160];
} tu_history;

/* Loads <run_dir>/run-<id>.runlog and parses its history rows. */
void tu_history_load(const char *run_dir, const char *run_id, tu_history *out);
void tu_history_from_journal(const tu_journal *j, tu_history *out);
void tu_history_free(tu_history *h);

/* Path of the journal of a run: <run_dir>/run-<id>.runlog (malloc'd). */
char *tu_journal_path(const char *run_dir, const char *run_id);

#ifdef __cplusplus
}
#endif

#endif
