/*
 * bare_person.c — the baseline of bench/residents-lookup: libmicrohttpd with
 * exactly the daemon flags and thread pool of bare_mhd.c (and so of kyodo),
 * answering GET /api/v1/persons/{atena} with the person's current record,
 * read with raw SQLite from the same town database kyodo serves.
 *
 * Per request it opens nothing: each worker thread opens its own connection
 * on its first request (as kyodo's catalog does) with kyodo's pragmas (WAL,
 * synchronous=FULL, foreign_keys=ON, SQLITE_OPEN_NOMUTEX) and prepares one
 * statement, which reads the person's latest snapshot by primary key
 * (resident_versions: 宛名番号 + 履歴番号, the highest 履歴番号). The answer is
 * every column of the row as a JSON object, about the size of kyodo's; a
 * 宛名番号 with no row is a 404. Nothing is audited, checked or logged.
 *
 * usage: bare_person PORT THREADS TOWN_DB
 */
#include <microhttpd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *db_path;
static const char prefix[] = "/api/v1/persons/";

static const char SQL[] = "SELECT * FROM resident_versions WHERE atena = ?"
                          " ORDER BY rireki DESC LIMIT 1";

/* This worker thread's connection and statement. */
static __thread sqlite3 *db;
static __thread sqlite3_stmt *stmt;

static int open_thread_db(void)
{
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, SQL, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "bare_person: %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    return 0;
}

struct buf {
    char *p;
    size_t len, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 2048;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

/* A JSON string: quotes, backslashes and control characters escaped (the
 * register's text is valid UTF-8, passed through). */
static int put_str(struct buf *b, const unsigned char *s, size_t n)
{
    if (put(b, "\"", 1) < 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (put(b, (const char *)s + run, i - run) < 0)
            return -1;
        char esc[8];
        int k = c == '"' || c == '\\' ? snprintf(esc, sizeof esc, "\\%c", c)
                                      : snprintf(esc, sizeof esc, "\\u%04x", c);
        if (put(b, esc, (size_t)k) < 0)
            return -1;
        run = i + 1;
    }
    if (put(b, (const char *)s + run, n - run) < 0)
        return -1;
    return put(b, "\"", 1);
}

/* The row at stmt as {"column": value, …}. */
static int row_json(struct buf *b)
{
    int cols = sqlite3_column_count(stmt);
    if (put(b, "{", 1) < 0)
        return -1;
    for (int i = 0; i < cols; i++) {
        const char *name = sqlite3_column_name(stmt, i);
        if ((i && put(b, ",", 1) < 0) || put_str(b, (const unsigned char *)name, strlen(name)) < 0 ||
            put(b, ":", 1) < 0)
            return -1;
        if (sqlite3_column_type(stmt, i) == SQLITE_INTEGER) {
            char num[24];
            int k = snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(stmt, i));
            if (put(b, num, (size_t)k) < 0)
                return -1;
        } else {
            const unsigned char *t = sqlite3_column_text(stmt, i);
            if (put_str(b, t ? t : (const unsigned char *)"",
                        (size_t)sqlite3_column_bytes(stmt, i)) < 0)
                return -1;
        }
    }
    return put(b, "}", 1);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls, (void)method, (void)version, (void)upload_data;
    static int first;
    if (*req_cls == NULL) {
        *req_cls = &first;
        return MHD_YES;
    }
    *upload_data_size = 0;
    struct buf b = {0};
    unsigned status = 500;
    if (!db && open_thread_db() < 0)
        goto done;
    if (strncmp(url, prefix, sizeof prefix - 1) != 0) {
        status = 404;
        goto done;
    }
    const char *atena = url + sizeof prefix - 1;
    sqlite3_bind_text(stmt, 1, atena, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        status = row_json(&b) < 0 ? 500 : 200;
    else if (rc == SQLITE_DONE)
        status = 404;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
done:
    if (status != 200) {
        b.len = 0;
        const char *e = status == 404 ? "{\"error\":{\"code\":\"not_found\"}}"
                                      : "{\"error\":{\"code\":\"internal\"}}";
        if (put(&b, e, strlen(e)) < 0)
            return MHD_NO;
    }
    return reply(c, status, b.p, b.len);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bare_person PORT THREADS TOWN_DB\n");
        return 2;
    }
    db_path = argv[3];
    /* The database must be there: open and close it once to say so now. */
    if (open_thread_db() < 0)
        return 1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    stmt = NULL;
    db = NULL;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, (uint16_t)atoi(argv[1]),
        NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
        MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bare_person: cannot listen on %s\n", argv[1]);
        return 1;
    }
    fprintf(stderr, "bare_person: listening on %s\n", argv[1]);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    /* The workers' connections end with the process (as kyodo's would at
     * thread end); SQLite leaves the WAL as any reader does. */
    return 0;
}
