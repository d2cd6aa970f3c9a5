#if !defined(_XOPEN_SOURCE) || _XOPEN_SOURCE < 700
#undef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include "tu.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tu_format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *s = (char *)malloc((size_t)n + 1);
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *tu_mkdtemp(const char *prefix) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char *tmpl = tu_format("%s/%s-XXXXXX", base, prefix ? prefix : "runlog-test");
    if (!tmpl) return NULL;
    if (!mkdtemp(tmpl)) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D) {
        if (rmdir(path) != 0) {
            /* A test may have made a directory read-only. */
            chmod(path, 0700);
            return rmdir(path) == 0 ? 0 : -1;
        }
        return 0;
    }
    return unlink(path) == 0 ? 0 : -1;
}

static int chmod_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)ftw;
    if (flag == FTW_D || flag == FTW_DP) chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

int tu_rm_rf(const char *path) {
    if (!path || path[0] != '/' || strcmp(path, "/") == 0) return -1;
    if (!tu_exists(path) && !tu_is_symlink(path)) return 0;
    nftw(path, chmod_one, 16, FTW_PHYS);
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = (char *)malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap *= 2;
            char *nb = (char *)realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (w == len && rc == 0) ? 0 : -1;
}

int tu_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int tu_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tu_is_symlink(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

int tu_count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

uint32_t tu_crc32(uint32_t crc, const void *data, size_t len) {
    static uint32_t table[256];
    static int ready = 0;
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    if (!ready) {
        uint32_t k, c;
        int b;
        for (k = 0; k < 256; ++k) {
            c = k;
            for (b = 0; b < 8; ++b) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[k] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    for (i = 0; i < len; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* ---- journal ---- */

#define TU_BLOCK 32768u
#define TU_HDR 7u

static const unsigned char kMagic[8] = {0x89, 'R', 'L', 'G', '\r', '\n', 0x1A, 1};

static void stop(tu_journal *j, int why, uint64_t at, const char *detail) {
    j->stop = why;
    j->stop_at = at;
    snprintf(j->detail, sizeof j->detail, "%s (offset %llu)", detail, (unsigned long long)at);
}

static int add_record(tu_journal *j, const unsigned char *payload, size_t len, uint64_t offset) {
    tu_record *r;
    if (j->count == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        r = (tu_record *)realloc(j->records, cap * sizeof *r);
        if (!r) return 0;
        j->records = r;
        j->cap = cap;
    }
    r = &j->records[j->count];
    r->kind = payload[0];
    r->len = len - 1;
    r->json = (char *)malloc(len);
    if (!r->json) return 0;
    memcpy(r->json, payload + 1, len - 1);
    r->json[len - 1] = '\0';
    r->offset = offset;
    j->count++;
    return 1;
}

void tu_journal_decode(const unsigned char *data, size_t len, tu_journal *j) {
    memset(j, 0, sizeof *j);
    if (len < sizeof kMagic) {
        if (len > 0 && memcmp(data, kMagic, len) == 0) stop(j, TU_STOP_TORN, 0, "incomplete header");
        else stop(j, TU_STOP_BAD_HEADER, 0, len ? "bad magic" : "empty journal");
        return;
    }
    if (memcmp(data, kMagic, sizeof kMagic) != 0) {
        stop(j, TU_STOP_BAD_HEADER, 0, "bad magic or version");
        return;
    }
    size_t pos = sizeof kMagic;
    unsigned char *rec = NULL;
    size_t rec_len = 0, rec_cap = 0;
    int in_record = 0;
    uint64_t rec_start = 0;
    for (;;) {
        size_t left_in_block = TU_BLOCK - pos % TU_BLOCK;
        if (pos >= len) {
            if (in_record) stop(j, TU_STOP_TORN, rec_start, "ends inside a record");
            else stop(j, TU_STOP_END, pos, "end");
            break;
        }
        if (left_in_block < TU_HDR) {
            size_t k;
            for (k = pos; k < pos + left_in_block && k < len; ++k)
                if (data[k] != 0) break;
            if (k < pos + left_in_block && k < len) {
                stop(j, TU_STOP_CORRUPT, pos, "non-zero block trailer");
                break;
            }
            pos += left_in_block;
            continue;
        }
        if (len - pos < TU_HDR) {
            stop(j, TU_STOP_TORN, in_record ? rec_start : pos, "ends inside a chunk header");
            break;
        }
        const unsigned char *h = data + pos;
        uint32_t crc = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        size_t clen = (size_t)h[4] | (size_t)h[5] << 8;
        int type = h[6];
        if (type < 1 || type > 4) {
            stop(j, TU_STOP_CORRUPT, pos, "bad chunk type");
            break;
        }
        if (clen > left_in_block - TU_HDR) {
            stop(j, TU_STOP_CORRUPT, pos, "chunk crosses a block");
            break;
        }
        if (clen > len - pos - TU_HDR) {
            stop(j, TU_STOP_TORN, in_record ? rec_start : pos, "ends inside a chunk");
            break;
        }
        unsigned char tb = (unsigned char)type;
        uint32_t actual = tu_crc32(tu_crc32(0, &tb, 1), h + TU_HDR, clen);
        if (actual != crc) {
            stop(j, TU_STOP_CORRUPT, pos, "checksum mismatch");
            break;
        }
        if ((type == 1 || type == 2) && in_record) {
            stop(j, TU_STOP_CORRUPT, pos, "record starts inside another");
            break;
        }
        if ((type == 3 || type == 4) && !in_record) {
            stop(j, TU_STOP_CORRUPT, pos, "record continues without a start");
            break;
        }
        if (type == 1 || type == 2) {
            rec_len = 0;
            rec_start = pos;
        }
        if (rec_len + clen > rec_cap) {
            size_t cap = rec_cap ? rec_cap : 1024;
            while (cap < rec_len + clen) cap *= 2;
            unsigned char *nr = (unsigned char *)realloc(rec, cap);
            if (!nr) {
                stop(j, TU_STOP_IO, pos, "out of memory");
                break;
            }
            rec = nr;
            rec_cap = cap;
        }
        if (clen) memcpy(rec + rec_len, h + TU_HDR, clen);
        rec_len += clen;
        pos += TU_HDR + clen;
        in_record = type == 2 || type == 3;
        if (!in_record) {
            if (rec_len == 0) {
                stop(j, TU_STOP_CORRUPT, rec_start, "empty record");
                break;
            }
            if (!add_record(j, rec, rec_len, rec_start)) {
                stop(j, TU_STOP_IO, pos, "out of memory");
                break;
            }
        }
    }
    free(rec);
}

void tu_journal_load(const char *path, tu_journal *out) {
    size_t len = 0;
    char *data = tu_read_file(path, &len);
    if (!data) {
        memset(out, 0, sizeof *out);
        out->stop = TU_STOP_IO;
        snprintf(out->detail, sizeof out->detail, "cannot read %s: %s", path, strerror(errno));
        return;
    }
    tu_journal_decode((const unsigned char *)data, len, out);
    free(data);
}

void tu_journal_free(tu_journal *j) {
    size_t i;
    for (i = 0; i < j->count; ++i) free(j->records[i].json);
    free(j->records);
    memset(j, 0, sizeof *j);
}

char *tu_journal_path(const char *run_dir, const char *run_id) {
    return tu_format("%s/run-%s.runlog", run_dir, run_id);
}

void tu_history_from_journal(const tu_journal *j, tu_history *h) {
    size_t i;
    memset(h, 0, sizeof *h);
    h->stop = j->stop;
    h->records = j->count;
    memcpy(h->detail, j->detail, sizeof h->detail);
    for (i = 0; i < j->count; ++i) {
        const tu_record *r = &j->records[i];
        if (r->kind == TU_KIND_RESUME) h->resumes++;
        if (r->kind == TU_KIND_EXIT) h->exits++;
        if (r->kind != TU_KIND_HISTORY) continue;
        if (h->count == h->cap) {
            size_t cap = h->cap ? h->cap * 2 : 64;
            tj_value **rows = (tj_value **)realloc(h->rows, cap * sizeof *rows);
            if (!rows) break;
            h->rows = rows;
            h->cap = cap;
        }
        h->rows[h->count] = tj_parse(r->json, r->len, NULL, 0);
        if (!h->rows[h->count] || h->rows[h->count]->type != TJ_OBJECT) h->bad++;
        h->count++;
    }
}

void tu_history_load(const char *run_dir, const char *run_id, tu_history *out) {
    tu_journal j;
    char *path = tu_journal_path(run_dir, run_id);
    tu_journal_load(path, &j);
    free(path);
    tu_history_from_journal(&j, out);
    tu_journal_free(&j);
}

void tu_history_free(tu_history *h) {
    size_t i;
    for (i = 0; i < h->count; ++i) tj_free(h->rows[i]);
    free(h->rows);
    memset(h, 0, sizeof *h);
}
