/*
 * fuzz_pg_sql.c — the translation of module SQL for PostgreSQL
 * (src/store/pg_sql.c) on arbitrary text.
 *
 * The input, cut at its first NUL, is translated. A refusal must be
 * KD_INTERNAL with a message. A translation must:
 *   - give the same text and parameters when done again;
 *   - hold no '?' and no '$' outside string literals, quoted names and
 *     comments, but the $n it made, each 1 <= n <= nparams, each marked
 *     used, and every used number must appear;
 *   - keep every string literal and quoted name of the input, in order.
 */
#include "store/pg_sql.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_pg_sql: check failed: %s (line %d)\n", #cond, __LINE__);     \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* The end of the quoted run starting at s (a ' or "), or of a comment;
 * NULL if s starts none of them. */
static const char *skip_quoted(const char *s)
{
    if (*s == '\'' || *s == '"') {
        char q = *s;
        for (s++; *s; s++) {
            if (*s == q && s[1] == q) {
                s++;
                continue;
            }
            if (*s == q)
                return s + 1;
        }
        return s;
    }
    if (s[0] == '-' && s[1] == '-') {
        while (*s && *s != '\n')
            s++;
        return s;
    }
    if (s[0] == '/' && s[1] == '*') {
        const char *e = strstr(s + 2, "*/");
        return e ? e + 2 : s + strlen(s);
    }
    return NULL;
}

/* Appends the quoted runs (literals and names, not comments) of s to out,
 * leaving out the "C" of a COLLATE "C" (which the translation adds). */
static size_t quoted_runs(const char *base, char *out)
{
    size_t n = 0;
    const char *s = base;
    while (*s) {
        const char *e = skip_quoted(s);
        if (e) {
            bool collate = strncmp(s, "\"C\"", 3) == 0 && s - base >= 8 &&
                           strncmp(s - 8, "COLLATE ", 8) == 0;
            if ((*s == '\'' || *s == '"') && !collate) {
                memcpy(out + n, s, (size_t)(e - s));
                n += (size_t)(e - s);
            }
            s = e;
        } else {
            s++;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    struct pg_sql t, again;
    struct kd_err err;
    if (pg_sql_translate(in, &t, &err) < 0) {
        CHECK(err.code == KD_INTERNAL);
        CHECK(err.message[0] != '\0');
        free(in);
        return 0;
    }
    CHECK(t.text != NULL);
    CHECK(t.nparams >= 0 && t.nparams <= 32767);
    CHECK((t.nparams == 0) == (t.used == NULL));
    CHECK(pg_sql_translate(in, &again, &err) == 0);
    CHECK(strcmp(t.text, again.text) == 0);
    CHECK(t.nparams == again.nparams);
    pg_sql_free(&again);

    bool *seen = t.nparams ? calloc((size_t)t.nparams, sizeof *seen) : NULL;
    CHECK(t.nparams == 0 || seen);
    for (const char *s = t.text; *s;) {
        const char *e = skip_quoted(s);
        if (e) {
            s = e;
            continue;
        }
        CHECK(*s != '?');
        if (*s == '$') {
            long v = 0;
            const char *d = s + 1;
            CHECK(*d >= '1' && *d <= '9');
            while (*d >= '0' && *d <= '9' && v <= 32767)
                v = v * 10 + (*d++ - '0');
            CHECK(v >= 1 && v <= t.nparams);
            CHECK(t.used[v - 1]);
            seen[v - 1] = true;
            s = d;
            continue;
        }
        s++;
    }
    for (int i = 0; i < t.nparams; i++)
        CHECK(seen[i] == t.used[i]);
    free(seen);

    /* Literals and quoted names pass unchanged, in order. */
    char *qa = malloc(size + 1), *qb = malloc(strlen(t.text) + 1);
    CHECK(qa && qb);
    size_t na = quoted_runs(in, qa), nb = quoted_runs(t.text, qb);
    CHECK(na == nb && memcmp(qa, qb, na) == 0);
    free(qa);
    free(qb);
    pg_sql_free(&t);
    free(in);
    return 0;
}
