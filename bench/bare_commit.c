/*
 * bare_commit.c — the baseline of bench/residents-idou: how many write
 * transactions per second raw SQLite commits on this file system, each one
 * single-row INSERT, with kyodo's settings (WAL, synchronous=FULL, so every
 * commit waits for the WAL to reach the disk; foreign_keys=ON; BEGIN
 * IMMEDIATE as store_begin_write does). The row carries a JSON-sized text
 * (ROW_BYTES, default 600: about an 異動 body) so a page is written per
 * commit, as it is for an event.
 *
 * usage: bare_commit DB_PATH SECONDS [ROW_BYTES]
 * prints: bare_commit: N commits in S s: R commits/s, p50 A ms, p99 B ms
 * (DB_PATH is created; the caller removes it and its -wal and -shm.)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bare_commit: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: bare_commit DB_PATH SECONDS [ROW_BYTES]\n");
        return 2;
    }
    double seconds = strtod(argv[2], NULL);
    long row_bytes = argc > 3 ? strtol(argv[3], NULL, 10) : 600;
    if (seconds <= 0 || row_bytes < 1 || row_bytes > 100000) {
        fprintf(stderr, "bare_commit: bad SECONDS or ROW_BYTES\n");
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(argv[1], &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        fprintf(stderr, "bare_commit: cannot open %s\n", argv[1]);
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                 "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
                 " body TEXT NOT NULL) STRICT;") < 0)
        return 1;
    char *body = malloc((size_t)row_bytes + 1);
    sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL;
    if (!body ||
        sqlite3_prepare_v2(db, "INSERT INTO events (at, body) VALUES (?, ?)", -1, &ins, NULL) ||
        sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL)) {
        fprintf(stderr, "bare_commit: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    double *lat = malloc(cap * sizeof *lat);
    if (!lat)
        return 1;
    double t0 = now_s(), end = t0 + seconds, t = t0;
    while (t < end) {
        /* A different body each time, like real events. */
        for (long i = 0; i < row_bytes; i++)
            body[i] = (char)('a' + (i + (long)n) % 26);
        body[row_bytes] = '\0';
        double s = t;
        if (sqlite3_step(begin) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(begin);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)n);
        sqlite3_bind_text(ins, 2, body, (int)row_bytes, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(ins);
        if (sqlite3_step(commit) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(commit);
        t = now_s();
        if (n == cap) {
            double *more = realloc(lat, 2 * cap * sizeof *lat);
            if (!more)
                return 1;
            lat = more;
            cap *= 2;
        }
        lat[n++] = t - s;
    }
    double elapsed = t - t0;
    qsort(lat, n, sizeof *lat, cmp_double);
    printf("bare_commit: %zu commits in %.1f s: %.0f commits/s, p50 %.3f ms, p99 %.3f ms\n", n,
           elapsed, (double)n / elapsed, lat[n / 2] * 1e3, lat[(size_t)((double)n * 0.99)] * 1e3);
    sqlite3_finalize(ins);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    free(lat);
    free(body);
    return 0;
fail:
    fprintf(stderr, "bare_commit: %s\n", sqlite3_errmsg(db));
    return 1;
}
