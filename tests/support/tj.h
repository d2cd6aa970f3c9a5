/*
 * tj — a tiny JSON reader for the C tests (C99, no dependencies).
 *
 * It reads what runlog writes: objects, arrays, strings with escapes, numbers
 * (remembering whether the token was an integer), true/false/null, and the
 * bare NaN / Infinity / -Infinity tokens W&B clients emit. It is deliberately
 * independent of the library under test so that the C tests check runlog's
 * output with a second implementation.
 */
#ifndef RUNLOG_TESTS_TJ_H
#define RUNLOG_TESTS_TJ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { TJ_NULL, TJ_BOOL, TJ_NUMBER, TJ_STRING, TJ_ARRAY, TJ_OBJECT } tj_type;

typedef struct tj_value tj_value;
struct tj_value {
    tj_type type;
    int boolean;
    double number;
    int is_int;          /* the number token had no '.', 'e', NaN or Infinity */
    long long integer;   /* valid when is_int */
    char *string;        /* NUL-terminated (may contain NULs: see string_len) */
    size_t string_len;
    size_t count;        /* array items / object members */
    tj_value **items;
    char **keys;         /* object member names, NUL-terminated */
};

/* Parses exactly one JSON value (surrounding white space allowed). Returns
 * NULL on error, with a message in errbuf when errbuf is not NULL. */
tj_value *tj_parse(const char *text, size_t len, char *errbuf, size_t errcap);
void tj_free(tj_value *v);

/* Member of an object (NULL if v is not an object or lacks key). */
const tj_value *tj_get(const tj_value *v, const char *key);
/* Item of an array (NULL when out of range or not an array). */
const tj_value *tj_at(const tj_value *v, size_t i);

int tj_is_num(const tj_value *v);
int tj_is_int(const tj_value *v);     /* a number written as an integer */
int tj_is_float(const tj_value *v);   /* a number written with '.', 'e', NaN, Infinity */
int tj_is_str(const tj_value *v, const char *s); /* a string equal to s */
double tj_num(const tj_value *v);     /* NaN when not a number */
long long tj_int(const tj_value *v);  /* 0 when not an integer */

#ifdef __cplusplus
}
#endif

#endif
