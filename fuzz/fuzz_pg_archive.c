/*
 * fuzz_pg_archive.c — what kyodo reads out of a PostgreSQL backup archive
 * (store/backup_pg.c): pg_restore's table of contents and its COPY text
 * data (a header naming the table and columns, rows of tab-separated
 * escaped fields, bytea in hex), loaded into an in-memory SQLite database,
 * on arbitrary text. A backup arrives from elsewhere: a damaged or forged
 * archive must be an error value, never a crash or a write out of bounds.
 *
 * Checks beyond the sanitizers: on failure the error has a code and a
 * NUL-terminated message; on success every table made holds only rows of
 * the declared width (SELECT * works), and a second load of the same text
 * into a fresh database loads the same rows.
 */
#include "base/err.h"
#include "store/backup_pg.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_pg_archive: check failed: %s (line %d)\n", #cond, __LINE__);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows of every table the load made (sqlite_master), -1 on error. */
static long long count_rows(struct store *s)
{
    struct kd_err err;
    struct store_stmt *st =
        store_prepare(s, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", &err);
    if (!st)
        return -1;
    char names[8][64];
    int n = 0;
    while (n < 8 && store_step(st, &err) == STORE_ROW)
        snprintf(names[n++], sizeof names[0], "%s", store_col_text(st, 0, NULL));
    store_reset(st);
    long long total = 0;
    for (int i = 0; i < n; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", names[i]);
        struct store_stmt *c = store_prepare(s, sql, &err);
        CHECK(c != NULL);
        CHECK(store_step(c, &err) == STORE_ROW);
        total += store_col_i64(c, 0);
        store_reset(c);
    }
    return total;
}

static int load(const uint8_t *data, size_t size, long long *rows)
{
    struct store_options opt = {.create = true};
    struct kd_err err;
    kd_err_clear(&err);
    struct store *s = store_open(":memory:", &opt, &err);
    CHECK(s != NULL);
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    int rc = backup_pg_read_text(s, text, size, &err);
    if (rc < 0) {
        CHECK(err.code != KD_OK);
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
    } else {
        *rows = count_rows(s);
        CHECK(*rows >= 0);
    }
    free(text);
    store_close(s);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    long long a = 0, b = 0;
    int ra = load(data, size, &a);
    int rb = load(data, size, &b);
    CHECK(ra == rb);
    CHECK(a == b);
    return 0;
}
