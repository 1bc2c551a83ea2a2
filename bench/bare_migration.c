/*
 * bare_migration.c — the baseline of the migration benchmark
 * (scripts/bench-migration): the rows of an export set inserted into plain
 * SQLite tables as they are, with no check at all — one table per file (its
 * items as TEXT columns, its key as the primary key), the secondary indexes
 * kyodo keeps over the same rows (住民情報: 世帯番号, 生年月日, 住民票コード;
 * 住民履歴情報: 世帯番号), one prepared statement per file, one transaction,
 * WAL and synchronous=FULL like kyodo's databases, the same page cache as
 * kyodo's import. The CSV is the kyodo profile's (UTF-8, a header row,
 * RFC 4180 quoting, LF), split with a minimal parser.
 *
 *   bare_migration SET_DIR DB_FILE [CACHE_MIB]
 *
 * Prints: "bare/migration: ROWS rows in S s: R rows/min; maxrss K KiB".
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bare_migration: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bare_migration: %s: %s\n", sql, msg);
        exit(1);
    }
}

/* Splits one CSV record (which may span lines) into fields, in place in
 * *buf (grown as needed). Returns the number of fields, 0 at the end. */
static int record(FILE *fp, char **buf, size_t *cap, char **f, int max)
{
    size_t n = 0;
    int c, fields = 0;
    bool quoted = false, any = false;
    char *start;
    f[fields++] = NULL; /* set below: offsets first */
    size_t offs[512];
    offs[0] = 0;
    while ((c = getc(fp)) != EOF) {
        any = true;
        if (n + 2 >= *cap) {
            *cap = *cap ? *cap * 2 : 4096;
            *buf = realloc(*buf, *cap);
        }
        if (quoted) {
            if (c == '"') {
                int d = getc(fp);
                if (d == '"') {
                    (*buf)[n++] = '"';
                    continue;
                }
                quoted = false;
                if (d == EOF)
                    break;
                c = d;
            } else {
                (*buf)[n++] = (char)c;
                continue;
            }
        }
        if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            (*buf)[n++] = '\0';
            if (fields < max && fields < 512)
                offs[fields++] = n;
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            (*buf)[n++] = (char)c;
        }
    }
    if (!any)
        return 0;
    if (n + 1 >= *cap) {
        *cap += 16;
        *buf = realloc(*buf, *cap);
    }
    (*buf)[n] = '\0';
    start = *buf;
    for (int i = 0; i < fields; i++)
        f[i] = start + offs[i];
    return fields;
}

struct file {
    const char *id, *key, *indexes;
};

static const struct file files[] = {
    {"JUKI03", "\"世帯番号\"", ""},
    {"JUKI01", "\"宛名番号\"",
     "CREATE INDEX JUKI01_setai ON JUKI01 (\"世帯番号\");"
     "CREATE INDEX JUKI01_birth ON JUKI01 (\"生年月日\", \"宛名番号\");"
     "CREATE INDEX JUKI01_code ON JUKI01 (\"住民票コード\") WHERE \"住民票コード\" <> '';"},
    {"JUKI02", "\"宛名番号\", \"履歴番号\"",
     "CREATE INDEX JUKI02_setai ON JUKI02 (\"世帯番号\", \"宛名番号\");"},
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bare_migration SET_DIR DB_FILE [CACHE_MIB]\n");
        return 2;
    }
    long cache_mib = argc > 3 ? atol(argv[3]) : 0;
    sqlite3 *db;
    if (sqlite3_open(argv[2], &db) != SQLITE_OK)
        die(db, "open");
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    if (cache_mib > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld", cache_mib * 1024);
        exec(db, sql);
    }
    char *buf = NULL;
    size_t cap = 0;
    char *f[512];
    long long rows = 0;
    double t0 = now();
    exec(db, "BEGIN IMMEDIATE");
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv", argv[1], files[k].id);
        FILE *fp = fopen(path, "r");
        if (!fp) {
            fprintf(stderr, "bare_migration: %s cannot be read\n", path);
            return 1;
        }
        int n = record(fp, &buf, &cap, f, 512); /* the header: the columns */
        char *sql = malloc(65536), *ins = malloc(65536);
        int len = snprintf(sql, 65536, "CREATE TABLE %s (", files[k].id);
        int il = snprintf(ins, 65536, "INSERT INTO %s VALUES (", files[k].id);
        for (int i = 0; i < n; i++) {
            len += snprintf(sql + len, 65536 - (size_t)len, "\"%s\" TEXT, ", f[i]);
            il += snprintf(ins + il, 65536 - (size_t)il, "%s?", i ? ", " : "");
        }
        snprintf(sql + len, 65536 - (size_t)len, "PRIMARY KEY (%s));%s", files[k].key,
                 files[k].indexes);
        snprintf(ins + il, 65536 - (size_t)il, ")");
        exec(db, sql);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, ins, -1, &st, NULL) != SQLITE_OK)
            die(db, "prepare");
        int got;
        while ((got = record(fp, &buf, &cap, f, 512)) > 0) {
            for (int i = 0; i < n; i++)
                sqlite3_bind_text(st, i + 1, i < got ? f[i] : "", -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                die(db, "insert");
            sqlite3_reset(st);
            rows++;
        }
        sqlite3_finalize(st);
        fclose(fp);
        free(sql);
        free(ins);
    }
    exec(db, "COMMIT");
    double s = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bare/migration: %lld rows in %.1f s: %.0f rows/min; maxrss %ld KiB\n", rows, s,
           rows / s * 60, ru.ru_maxrss);
    sqlite3_close(db);
    free(buf);
    return 0;
}
