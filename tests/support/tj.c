#include "tj.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    const char *end;
    const char *start;
    char *err;
    size_t errcap;
    int failed;
    int depth;
} tj_parser;

static void tj_fail(tj_parser *ps, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = 1;
    if (ps->err && ps->errcap) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(ps->err, ps->errcap, "%s at offset %ld", msg, (long)(ps->p - ps->start));
    }
}

static void skip_ws(tj_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static tj_value *new_value(tj_type t) {
    tj_value *v = (tj_value *)calloc(1, sizeof *v);
    if (v) v->type = t;
    return v;
}

static int match(tj_parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

/* Growable byte buffer for strings. */
typedef struct {
    char *data;
    size_t len, cap;
} tj_buf;

static int buf_put(tj_buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = (char *)realloc(b->data, cap);
        if (!d) return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 1;
}

static int put_utf8(tj_buf *b, unsigned long cp) {
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_put(b, out, n);
}

static int hex4(tj_parser *ps, unsigned long *out) {
    unsigned long v = 0;
    int i;
    if (ps->end - ps->p < 4) return 0;
    for (i = 0; i < 4; ++i) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
        else return 0;
    }
    ps->p += 4;
    *out = v;
    return 1;
}

/* ps->p is just after the opening quote. */
static char *parse_string_raw(tj_parser *ps, size_t *len_out) {
    tj_buf b = {NULL, 0, 0};
    if (!buf_put(&b, "", 0)) return NULL;
    for (;;) {
        if (ps->p >= ps->end) {
            tj_fail(ps, "unterminated string");
            free(b.data);
            return NULL;
        }
        char c = *ps->p++;
        if (c == '"') break;
        if ((unsigned char)c < 0x20) {
            tj_fail(ps, "control character in string");
            free(b.data);
            return NULL;
        }
        if (c != '\\') {
            if (!buf_put(&b, &c, 1)) goto oom;
            continue;
        }
        if (ps->p >= ps->end) {
            tj_fail(ps, "unterminated escape");
            free(b.data);
            return NULL;
        }
        c = *ps->p++;
        const char *simple = NULL;
        switch (c) {
            case '"': simple = "\""; break;
            case '\\': simple = "\\"; break;
            case '/': simple = "/"; break;
            case 'b': simple = "\b"; break;
            case 'f': simple = "\f"; break;
            case 'n': simple = "\n"; break;
            case 'r': simple = "\r"; break;
            case 't': simple = "\t"; break;
            case 'u': {
                unsigned long cp;
                if (!hex4(ps, &cp)) {
                    tj_fail(ps, "bad \\u escape");
                    free(b.data);
                    return NULL;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned long lo;
                    if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                        tj_fail(ps, "lone high surrogate");
                        free(b.data);
                        return NULL;
                    }
                    ps->p += 2;
                    if (!hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                        tj_fail(ps, "bad low surrogate");
                        free(b.data);
                        return NULL;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    tj_fail(ps, "lone low surrogate");
                    free(b.data);
                    return NULL;
                }
                if (cp == 0) {
                    if (!buf_put(&b, "\0", 1)) goto oom;
                } else if (!put_utf8(&b, cp)) goto oom;
                continue;
            }
            default:
                tj_fail(ps, "bad escape \\%c", c);
                free(b.data);
                return NULL;
        }
        if (!buf_put(&b, simple, 1)) goto oom;
    }
    *len_out = b.len;
    return b.data;
oom:
    tj_fail(ps, "out of memory");
    free(b.data);
    return NULL;
}

static tj_value *parse_value(tj_parser *ps);

static int push_item(tj_value *v, tj_value *item, char *key) {
    tj_value **items = (tj_value **)realloc(v->items, (v->count + 1) * sizeof *items);
    if (!items) return 0;
    v->items = items;
    if (v->type == TJ_OBJECT) {
        char **keys = (char **)realloc(v->keys, (v->count + 1) * sizeof *keys);
        if (!keys) return 0;
        v->keys = keys;
        v->keys[v->count] = key;
    }
    v->items[v->count++] = item;
    return 1;
}

static tj_value *parse_number(tj_parser *ps) {
    const char *s = ps->p;
    int is_int = 1;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9')) {
        tj_fail(ps, "bad number");
        return NULL;
    }
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c >= '0' && c <= '9') {
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || (c == '-' && ps->p > s)) {
            is_int = 0;
        } else {
            break;
        }
        ps->p++;
    }
    char tmp[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof tmp) {
        tj_fail(ps, "number too long");
        return NULL;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *endp = NULL;
    tj_value *v = new_value(TJ_NUMBER);
    if (!v) return NULL;
    v->number = strtod(tmp, &endp);
    if (endp != tmp + n) {
        free(v);
        tj_fail(ps, "bad number '%s'", tmp);
        return NULL;
    }
    v->is_int = is_int;
    if (is_int) v->integer = strtoll(tmp, NULL, 10);
    return v;
}

static tj_value *parse_value(tj_parser *ps) {
    skip_ws(ps);
    if (ps->p >= ps->end) {
        tj_fail(ps, "unexpected end");
        return NULL;
    }
    if (++ps->depth > 200) {
        tj_fail(ps, "nesting too deep");
        return NULL;
    }
    tj_value *v = NULL;
    char c = *ps->p;
    if (c == '{' || c == '[') {
        const int is_obj = c == '{';
        const char close = is_obj ? '}' : ']';
        ps->p++;
        v = new_value(is_obj ? TJ_OBJECT : TJ_ARRAY);
        if (!v) goto out;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            goto out;
        }
        for (;;) {
            char *key = NULL;
            skip_ws(ps);
            if (is_obj) {
                size_t klen;
                if (ps->p >= ps->end || *ps->p != '"') {
                    tj_fail(ps, "expected a member name");
                    goto bad;
                }
                ps->p++;
                key = parse_string_raw(ps, &klen);
                if (!key) goto bad;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    free(key);
                    tj_fail(ps, "expected ':'");
                    goto bad;
                }
                ps->p++;
            }
            tj_value *item = parse_value(ps);
            if (!item) {
                free(key);
                goto bad;
            }
            if (!push_item(v, item, key)) {
                free(key);
                tj_free(item);
                tj_fail(ps, "out of memory");
                goto bad;
            }
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                break;
            }
            tj_fail(ps, "expected ',' or '%c'", close);
            goto bad;
        }
        goto out;
    }
    if (c == '"') {
        ps->p++;
        v = new_value(TJ_STRING);
        if (!v) goto out;
        v->string = parse_string_raw(ps, &v->string_len);
        if (!v->string) goto bad;
        goto out;
    }
    if (match(ps, "true") || match(ps, "false")) {
        v = new_value(TJ_BOOL);
        if (v) v->boolean = ps->p[-1] == 'e' && ps->p[-2] == 'u';
        goto out;
    }
    if (match(ps, "null")) {
        v = new_value(TJ_NULL);
        goto out;
    }
    if (match(ps, "NaN")) {
        v = new_value(TJ_NUMBER);
        if (v) v->number = NAN;
        goto out;
    }
    if (match(ps, "Infinity")) {
        v = new_value(TJ_NUMBER);
        if (v) v->number = INFINITY;
        goto out;
    }
    if (match(ps, "-Infinity")) {
        v = new_value(TJ_NUMBER);
        if (v) v->number = -INFINITY;
        goto out;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        v = parse_number(ps);
        goto out;
    }
    tj_fail(ps, "unexpected character '%c'", c);
    goto out;
bad:
    tj_free(v);
    v = NULL;
out:
    ps->depth--;
    return v;
}

tj_value *tj_parse(const char *text, size_t len, char *errbuf, size_t errcap) {
    tj_parser ps;
    ps.p = ps.start = text;
    ps.end = text + len;
    ps.err = errbuf;
    ps.errcap = errcap;
    ps.failed = 0;
    ps.depth = 0;
    if (errbuf && errcap) errbuf[0] = '\0';
    tj_value *v = parse_value(&ps);
    if (!v) {
        if (!ps.failed) tj_fail(&ps, "out of memory");
        return NULL;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        tj_fail(&ps, "trailing characters");
        tj_free(v);
        return NULL;
    }
    return v;
}

void tj_free(tj_value *v) {
    size_t i;
    if (!v) return;
    for (i = 0; i < v->count; ++i) {
        tj_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const tj_value *tj_get(const tj_value *v, const char *key) {
    size_t i;
    if (!v || v->type != TJ_OBJECT) return NULL;
    /* The last occurrence wins, as in most JSON readers. */
    for (i = v->count; i-- > 0;)
        if (strcmp(v->keys[i], key) == 0) return v->items[i];
    return NULL;
}

const tj_value *tj_at(const tj_value *v, size_t i) {
    if (!v || v->type != TJ_ARRAY || i >= v->count) return NULL;
    return v->items[i];
}

int tj_is_num(const tj_value *v) { return v && v->type == TJ_NUMBER; }
int tj_is_int(const tj_value *v) { return v && v->type == TJ_NUMBER && v->is_int; }
int tj_is_float(const tj_value *v) { return v && v->type == TJ_NUMBER && !v->is_int; }
int tj_is_str(const tj_value *v, const char *s) {
    return v && v->type == TJ_STRING && strlen(s) == v->string_len && memcmp(v->string, s, v->string_len) == 0;
}
double tj_num(const tj_value *v) { return tj_is_num(v) ? v->number : NAN; }
long long tj_int(const tj_value *v) { return tj_is_int(v) ? v->integer : 0; }
