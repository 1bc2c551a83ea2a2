/*
 * store_pg.c — the PostgreSQL engine behind store.h (libpq).
 *
 * A database of the SQLite layout is a schema here: the control data in
 * `kyodo_control`, each town in `town_<code>` (catalog.c names them). A
 * connection works in one schema: its search_path is that schema alone, set
 * when it connects, so module SQL stays unqualified and one town's
 * connection cannot name another town's tables by accident.
 *
 * Statements are translated once (pg_sql.h) and prepared on the server under
 * a name, cached per connection by SQL text like the SQLite engine's cache:
 * a statement in use (from store_prepare to store_reset) is never handed out
 * twice; a second prepare of the same text while the first is in use gets a
 * transient statement, run unnamed. Rows arrive one at a time (text format;
 * bytea decoded on demand); statements of one connection can still be
 * stepped interleaved, as SQLite allows (see drain_active).
 *
 * Transactions (docs/architecture.md, "PostgreSQL engine"): a write
 * transaction is READ COMMITTED and first takes the schema's transaction-level
 * advisory lock, so the writers of one town are serialised across every
 * process, as SQLite's BEGIN IMMEDIATE serialises them, and each statement
 * after the lock sees every earlier writer's commit. A read transaction is
 * REPEATABLE READ, READ ONLY: one snapshot, like SQLite's read transaction.
 * Waiting for a lock is bounded by the busy timeout (lock_timeout) and
 * fails as "database busy" (503).
 *
 * Connections are pooled per schema (struct pg_pool, a process-wide registry
 * keyed by URL and schema): a handle, which the catalog keeps per thread,
 * holds one of its pool's connections only for a unit of work (acquire,
 * release), so a server needs about as many connections as it has
 * transactions at once, not threads × towns.
 *
 * A connection that breaks is re-established at the next use outside a
 * transaction (its statements are prepared again), so a server outlives a
 * database restart or a standby's promotion.
 */
#include "store/engine.h"
#include "store/pg_sql.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { PG_BUCKETS = 256, PG_MAX_CACHED = 2048 };

/* Idle connections a pool keeps, and for how long. */
enum { PG_IDLE_MAX = 4, PG_IDLE_MS = 60000 };

/* Type oids of pg_type.h that results are read by. */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_TEXT = 25 };

struct pg_param {
    char *buf;
    size_t cap;
    int len;
    int format; /* 0 text, 1 binary */
    bool null;
};

struct pg_blob {
    unsigned char *buf;
    size_t len, cap;
    int row; /* the row decoded into buf, -1 none */
};

struct pg_stmt {
    struct store_stmt base;
    struct pg_stmt *next; /* bucket chain */
    uint64_t hash;
    char *key;            /* the SQL as given (cache key); NULL if transient */
    char name[24];        /* server-side name */
    unsigned gen;         /* the connection generation it was prepared on; 0 never */
    struct pg_sql sql;
    Oid *types;
    struct pg_param *params;
    const char **values;
    int *lengths, *formats;
    PGresult *res;        /* the current row (a result of one row) */
    int row;              /* rows stepped so far, less one (keys the blob cache) */
    PGresult **queue;     /* rows read off the connection ahead of the steps */
    int qhead, qlen, qcap;
    bool executed, finished, in_use, cached;
    enum store_step final; /* once finished, after the rows: STORE_DONE or the error */
    struct kd_err final_err;
    struct pg_blob *blobs;
    int nblobs;
    struct pg_conn *c;    /* the connection it is prepared on (and cached in) */
};

/* One connection to one schema, with its prepared statements. */
struct pg_conn {
    PGconn *conn;
    unsigned gen;         /* bumped at every (re)connection */
    struct pg_stmt *active; /* the statement whose rows are still arriving */
    struct pg_stmt *buckets[PG_BUCKETS];
    int cached, next_name;
    bool inserted;        /* an INSERT ran on this connection (lastval() is defined) */
    struct pg_conn *next; /* in the pool's idle list */
    int64_t idle_since;   /* CLOCK_MONOTONIC ms, while idle */
};

/* The connections of the process to one schema of one database, idle ones
 * shared by every handle (struct pg_store) opened on it. */
struct pg_pool {
    struct pg_pool *next; /* in the registry */
    char *conninfo;
    char schema[64];
    int lock_timeout_ms;
    int refs;             /* handles open on it */
    pthread_mutex_t mu;   /* guards idle, nidle */
    struct pg_conn *idle; /* most recently used first */
    int nidle;
};

/* A handle (what the catalog keeps per thread and database): it holds a
 * connection of its pool from its first use to the end of that unit of work
 * (no transaction open, no statement in use), then gives it back. */
struct pg_store {
    struct store base;
    struct pg_pool *pool;
    struct pg_conn *c;    /* held, or NULL */
    int in_use;           /* statements between prepare and reset */
    bool keep;            /* an INSERT ran outside a transaction: c stays for store_last_id */
    char begin_write[160];
    int64_t changes;
    bool tx_wrote;        /* the open transaction changed something */
};

static const struct store_ops pg_ops;

static struct pg_store *pgs(struct store *s)
{
    return (struct pg_store *)s;
}

static struct pg_stmt *pgst(struct store_stmt *st)
{
    return (struct pg_stmt *)st;
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The first line of libpq's message, without its trailing newline. */
static const char *pq_message(const char *m, char *buf, size_t cap)
{
    size_t n = strcspn(m, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, m, n);
    buf[n] = '\0';
    return buf;
}

/* Maps a failed result (or a connection failure when res is NULL) to err:
 * integrity violations are conflicts, lock waits, deadlocks, serialisation
 * failures, lost connections and exhausted resources are "unavailable". */
static enum kd_code fail_res(struct pg_store *s, PGresult *res, struct kd_err *err)
{
    char msg[200];
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *text = res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
                       : s->c && s->c->conn                ? PQerrorMessage(s->c->conn)
                                                            : "no connection";
    pq_message(text, msg, sizeof msg);
    /* Integrity violations, and a value that is not of its column's type
     * (what a STRICT table refuses in SQLite). */
    if (state && (strncmp(state, "23", 2) == 0 || strcmp(state, "22P02") == 0 ||
                  strcmp(state, "22003") == 0)) {
        kd_fail(err, KD_CONFLICT, NULL, "%s", msg);
        return KD_CONFLICT;
    }
    if (!state || !s->c || PQstatus(s->c->conn) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "53", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0) {
        if (state && strcmp(state, "55P03") == 0)
            kd_fail(err, KD_UNAVAILABLE, NULL, "database busy: %s", s->base.where);
        else
            kd_fail(err, KD_UNAVAILABLE, NULL, "%s: %s", s->base.where, msg);
        return KD_UNAVAILABLE;
    }
    kd_fail(err, KD_INTERNAL, NULL, "%s: %s", s->base.where, msg);
    return KD_INTERNAL;
}

/* ---- statements ---------------------------------------------------------- */

static void stmt_clear_result(struct pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    for (int i = st->qhead; i < st->qlen; i++)
        PQclear(st->queue[i]);
    st->qhead = st->qlen = 0;
    st->executed = st->finished = false;
    for (int i = 0; i < st->nblobs; i++)
        st->blobs[i].row = -1;
}

static void stmt_free(struct pg_stmt *st)
{
    if (!st)
        return;
    stmt_clear_result(st);
    for (int i = 0; i < st->sql.nparams; i++)
        free(st->params[i].buf);
    for (int i = 0; i < st->nblobs; i++)
        free(st->blobs[i].buf);
    free(st->blobs);
    free(st->queue);
    free(st->params);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->types);
    pg_sql_free(&st->sql);
    free(st->key);
    free(st);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/*
 * Rows arrive one result at a time (libpq's single-row mode), so a scan of a
 * whole audit log or register is never held in memory at once, as with
 * SQLite. The connection carries one statement's answer at a time: before
 * it is used for anything else, the rest of the active statement's answer is
 * read into that statement's queue (drain_active), and its steps go on from
 * there. Interleaved statements thus cost memory only when they interleave.
 */
static bool queue_push(struct pg_stmt *st, PGresult *r)
{
    if (st->qhead > 0 && st->qlen == st->qcap) {
        memmove(st->queue, st->queue + st->qhead, (size_t)(st->qlen - st->qhead) * sizeof *st->queue);
        st->qlen -= st->qhead;
        st->qhead = 0;
    }
    if (st->qlen == st->qcap) {
        int cap = st->qcap ? st->qcap * 2 : 64;
        PGresult **q = realloc(st->queue, (size_t)cap * sizeof *q);
        if (!q)
            return false;
        st->queue = q;
        st->qcap = cap;
    }
    st->queue[st->qlen++] = r;
    return true;
}

static void after_command(struct pg_store *s, PGresult *r);

/* The end of st's answer: its final result (or NULL if the connection
 * failed), read once the connection is idle again. */
static void stmt_finish(struct pg_store *s, struct pg_stmt *st, PGresult *last, bool oom)
{
    st->finished = true;
    ExecStatusType rs = last ? PQresultStatus(last) : PGRES_FATAL_ERROR;
    if (oom) {
        st->final = STORE_ERROR;
        kd_fail(&st->final_err, KD_INTERNAL, NULL, "out of memory reading %s", s->base.where);
    } else if (last && (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK)) {
        after_command(s, last);
        st->final = STORE_DONE;
    } else {
        enum kd_code code = fail_res(s, last, &st->final_err);
        st->final = code == KD_CONFLICT ? STORE_CONSTRAINT : STORE_ERROR;
    }
    PQclear(last);
}

/* Reads the rest of the active statement's answer: its rows into its queue
 * (keep) or away, then its end. */
static void stream_finish(struct pg_store *s, struct pg_stmt *st, PGresult *last, bool keep)
{
    PGresult *r;
    bool oom = false;
    while ((r = PQgetResult(s->c->conn)) != NULL) {
        if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
            if (!keep || oom || !queue_push(st, r)) {
                oom = oom || keep;
                PQclear(r);
            }
            continue;
        }
        PQclear(last);
        last = r;
    }
    s->c->active = NULL;
    stmt_finish(s, st, last, oom);
}

static void drain_active(struct pg_store *s)
{
    if (s->c->active)
        stream_finish(s, s->c->active, NULL, true);
}

/* Prepares st on the server unless this connection already has it. */
static int stmt_ensure_prepared(struct pg_store *s, struct pg_stmt *st, struct kd_err *err)
{
    if (!st->cached || st->gen == s->c->gen)
        return 0;
    drain_active(s);
    PGresult *r = PQprepare(s->c->conn, st->name, st->sql.text, st->sql.nparams, st->types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fail_res(s, r, err);
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len, " (in: %.60s)", st->key);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    st->gen = s->c->gen;
    return 0;
}

static struct pg_stmt *stmt_new(struct pg_store *s, const char *sql, uint64_t h, bool cached,
                                struct kd_err *err)
{
    struct pg_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    st->base.owner = &s->base;
    st->c = s->c;
    st->hash = h;
    st->cached = cached;
    st->row = -1;
    if (pg_sql_translate(sql, &st->sql, err) < 0) {
        free(st);
        return NULL;
    }
    int n = st->sql.nparams;
    if (n) {
        st->params = calloc((size_t)n, sizeof *st->params);
        st->values = calloc((size_t)n, sizeof *st->values);
        st->lengths = calloc((size_t)n, sizeof *st->lengths);
        st->formats = calloc((size_t)n, sizeof *st->formats);
        st->types = calloc((size_t)n, sizeof *st->types);
        if (!st->params || !st->values || !st->lengths || !st->formats || !st->types)
            goto oom;
        /* A number the text skips (?10 without ?4) has nothing to infer a
         * type from: say text, as SQLite would not care either. */
        for (int i = 0; i < n; i++) {
            st->types[i] = st->sql.used[i] ? 0 : OID_TEXT;
            st->params[i].null = true;
        }
    }
    if (cached) {
        if (!(st->key = strdup(sql)))
            goto oom;
        snprintf(st->name, sizeof st->name, "k%d", ++s->c->next_name);
        if (stmt_ensure_prepared(s, st, err) < 0) {
            stmt_free(st);
            return NULL;
        }
    }
    st->in_use = true;
    return st;
oom:
    stmt_free(st);
    kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return NULL;
}

/* ---- the connection ------------------------------------------------------ */

/* Runs SQL with libpq's simple protocol; returns the last result or NULL
 * (err filled). */
static PGresult *run_simple(struct pg_store *s, const char *sql, struct kd_err *err)
{
    drain_active(s);
    PGresult *r = PQexec(s->c->conn, sql);
    ExecStatusType rs = PQresultStatus(r);
    if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK || rs == PGRES_EMPTY_QUERY)
        return r;
    fail_res(s, r, err);
    PQclear(r);
    return NULL;
}

/* Connects s->c (its conn NULL) to the pool's schema: search_path, lock
 * timeout. Its statements must be prepared again (the generation moves). */
static int connect_setup(struct pg_store *s, struct kd_err *err)
{
    if (s->c->active) {
        /* Its connection is gone: its answer ends in an error. */
        struct pg_stmt *st = s->c->active;
        s->c->active = NULL;
        st->finished = true;
        st->final = STORE_ERROR;
        kd_fail(&st->final_err, KD_UNAVAILABLE, NULL, "%s: connection lost", s->base.where);
    }
    const char *keys[] = {"dbname", "client_encoding", "application_name", NULL};
    const char *vals[] = {s->pool->conninfo, "UTF8", "kyodo", NULL};
    s->c->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->c->conn)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (PQstatus(s->c->conn) != CONNECTION_OK) {
        char msg[200];
        return kd_fail(err, KD_UNAVAILABLE, NULL, "cannot connect to PostgreSQL for %s: %s",
                       s->base.where, pq_message(PQerrorMessage(s->c->conn), msg, sizeof msg));
    }
    PQsetNoticeProcessor(s->c->conn, quiet_notices, NULL);
    char sql[320];
    snprintf(sql, sizeof sql,
             "SET search_path TO \"%s\"; SET lock_timeout = %d; SET TIME ZONE 'UTC'",
             s->pool->schema, s->pool->lock_timeout_ms);
    PGresult *r = run_simple(s, sql, err);
    if (!r)
        return -1;
    PQclear(r);
    s->c->gen++;
    s->c->inserted = false;
    return 0;
}

/* At open: creates the schema (create) or checks that it exists. */
static int schema_check(struct pg_store *s, bool create, struct kd_err *err)
{
    char sql[160];
    if (create) {
        snprintf(sql, sizeof sql, "CREATE SCHEMA \"%s\"", s->pool->schema);
        PGresult *r = PQexec(s->c->conn, sql);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        bool exists = state && strcmp(state, "42P06") == 0;
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !exists) {
            fail_res(s, r, err);
            PQclear(r);
            return -1;
        }
        PQclear(r);
        return 0;
    }
    const char *param[1] = {s->pool->schema};
    PGresult *r = PQexecParams(s->c->conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1,
                               NULL, param, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail_res(s, r, err);
        PQclear(r);
        return -1;
    }
    int found = PQntuples(r);
    PQclear(r);
    if (!found)
        return kd_fail(err, KD_NOT_FOUND, NULL, "%s: no such schema", s->base.where);
    return 0;
}

/* Before a statement or transaction: a broken connection, outside a
 * transaction, is made again. */
static int ensure_conn(struct pg_store *s, struct kd_err *err)
{
    if (PQstatus(s->c->conn) == CONNECTION_OK)
        return 0;
    if (s->base.tx_depth)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "%s: connection lost in a transaction",
                       s->base.where);
    PQfinish(s->c->conn);
    s->c->conn = NULL;
    return connect_setup(s, err);
}

/* After a failure that broke the connection, outside a transaction. */
static int connect_setup_again(struct pg_store *s, struct kd_err *err)
{
    PQfinish(s->c->conn);
    s->c->conn = NULL;
    return connect_setup(s, err);
}

/* ---- connections and their pools ------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_free(struct pg_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < PG_BUCKETS; i++) {
        for (struct pg_stmt *st = c->buckets[i], *next; st; st = next) {
            next = st->next;
            stmt_free(st);
        }
    }
    PQfinish(c->conn);
    free(c);
}

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pg_pool *registry;

/* The pool of (conninfo, schema), made on first use; one more reference. */
static struct pg_pool *pool_ref(const char *conninfo, const char *schema, int lock_timeout_ms)
{
    pthread_mutex_lock(&registry_mu);
    struct pg_pool *p = registry;
    while (p && (strcmp(p->schema, schema) != 0 || strcmp(p->conninfo, conninfo) != 0))
        p = p->next;
    if (!p && (p = calloc(1, sizeof *p)) != NULL) {
        if (!(p->conninfo = strdup(conninfo))) {
            free(p);
            p = NULL;
        } else {
            snprintf(p->schema, sizeof p->schema, "%s", schema);
            p->lock_timeout_ms = lock_timeout_ms;
            pthread_mutex_init(&p->mu, NULL);
            p->next = registry;
            registry = p;
        }
    }
    if (p)
        p->refs++;
    pthread_mutex_unlock(&registry_mu);
    return p;
}

static void pool_unref(struct pg_pool *p)
{
    pthread_mutex_lock(&registry_mu);
    bool last = --p->refs == 0;
    if (last) {
        struct pg_pool **at = &registry;
        while (*at != p)
            at = &(*at)->next;
        *at = p->next;
    }
    pthread_mutex_unlock(&registry_mu);
    if (!last)
        return;
    for (struct pg_conn *c = p->idle, *next; c; c = next) {
        next = c->next;
        conn_free(c);
    }
    pthread_mutex_destroy(&p->mu);
    free(p->conninfo);
    free(p);
}

/* Gives the handle a connection: an idle one of its pool (the most recently
 * used, whose statements are likeliest prepared) or a new one. */
static int acquire(struct pg_store *s, struct kd_err *err)
{
    s->keep = false;
    if (s->c)
        return 0;
    struct pg_pool *p = s->pool;
    pthread_mutex_lock(&p->mu);
    struct pg_conn *c = p->idle;
    if (c) {
        p->idle = c->next;
        p->nidle--;
    }
    pthread_mutex_unlock(&p->mu);
    if (c) {
        c->next = NULL;
        s->c = c;
        return 0;
    }
    if (!(s->c = calloc(1, sizeof *s->c)))
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (connect_setup(s, err) < 0) {
        conn_free(s->c);
        s->c = NULL;
        return -1;
    }
    return 0;
}

/* At the end of a unit of work (no transaction, no statement in use, no
 * insert whose id may still be asked for) the connection goes back to the
 * pool; a broken one, or one past what the pool keeps, is closed. Idle
 * connections unused for PG_IDLE_MS are closed too. */
static void release(struct pg_store *s)
{
    struct pg_conn *c = s->c;
    if (!c || s->in_use || s->keep || s->base.tx_depth || c->active)
        return;
    bool broken = PQstatus(c->conn) != CONNECTION_OK;
    if (!broken && PQtransactionStatus(c->conn) != PQTRANS_IDLE)
        return; /* (BEGIN ran, store.c has not counted it yet) */
    s->c = NULL;
    struct pg_pool *p = s->pool;
    struct pg_conn *drop = NULL;
    int64_t now = now_ms();
    pthread_mutex_lock(&p->mu);
    if (broken || p->nidle >= PG_IDLE_MAX) {
        drop = c;
    } else {
        c->idle_since = now;
        c->next = p->idle;
        p->idle = c;
        p->nidle++;
        /* The oldest, last in the list, if it has been idle too long. */
        struct pg_conn **at = &p->idle;
        while ((*at)->next)
            at = &(*at)->next;
        if (*at != c && now - (*at)->idle_since > PG_IDLE_MS) {
            drop = *at;
            *at = NULL;
            p->nidle--;
        }
    }
    pthread_mutex_unlock(&p->mu);
    conn_free(drop);
}

static bool in_tx(struct pg_store *s)
{
    PGTransactionStatusType ts = PQtransactionStatus(s->c->conn);
    return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
}

/* Bookkeeping after a statement that succeeded: changes, whether it wrote,
 * and the commit counter for a write made outside a transaction. */
static void after_command(struct pg_store *s, PGresult *r)
{
    const char *cmd = PQcmdStatus(r);
    bool dml = strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
               strncmp(cmd, "DELETE", 6) == 0 || strncmp(cmd, "MERGE", 5) == 0;
    if (dml)
        s->changes = strtoll(PQcmdTuples(r), NULL, 10);
    if (strncmp(cmd, "INSERT", 6) == 0) {
        s->c->inserted = true;
        if (!in_tx(s))
            s->keep = true; /* for store_last_id, on this connection */
    }
    bool reads = strncmp(cmd, "SELECT", 6) == 0 || strncmp(cmd, "SET", 3) == 0 ||
                 strncmp(cmd, "SHOW", 4) == 0 || cmd[0] == '\0';
    if (reads)
        return;
    if (in_tx(s))
        s->tx_wrote = true;
    else if (s->base.commit_counter)
        atomic_fetch_add(s->base.commit_counter, 1);
}

static void pg_close(struct store *base)
{
    struct pg_store *s = pgs(base);
    if (s->c) {
        /* Statements still in use (never reset) are this connection's
         * only: it is not shared after them. */
        if (s->in_use) {
            conn_free(s->c);
            s->c = NULL;
        } else {
            s->keep = false;
            release(s);
            conn_free(s->c); /* (if release kept it: a transaction left open) */
        }
    }
    pool_unref(s->pool);
    free(s->base.where);
    free(s);
}

static int pg_begin(struct store *base, bool write, struct kd_err *err);
static int pg_end(struct store *base, bool commit, struct kd_err *err);
static int end_tx(struct pg_store *s, bool commit, struct kd_err *err);

static int pg_exec(struct store *base, const char *sql, struct kd_err *err)
{
    struct pg_store *s = pgs(base);
    /* store.c's transaction verbs (engine.h). */
    if (sql == pg_ops.begin_read_sql || sql == pg_ops.begin_write_sql)
        return pg_begin(base, sql == pg_ops.begin_write_sql, err);
    if (sql == pg_ops.commit_sql || sql == pg_ops.rollback_sql)
        return pg_end(base, sql == pg_ops.commit_sql, err);
    struct pg_sql t;
    if (pg_sql_translate(sql, &t, err) < 0)
        return -1;
    if (acquire(s, err) < 0 || ensure_conn(s, err) < 0) {
        pg_sql_free(&t);
        release(s);
        return -1;
    }
    PGresult *r = run_simple(s, t.text, err);
    pg_sql_free(&t);
    if (r) {
        after_command(s, r);
        PQclear(r);
    }
    release(s);
    return r ? 0 : -1;
}

static int pg_begin(struct store *base, bool write, struct kd_err *err)
{
    struct pg_store *s = pgs(base);
    if (acquire(s, err) < 0)
        return -1;
    if (ensure_conn(s, err) < 0) {
        release(s);
        return -1;
    }
    s->tx_wrote = false;
    const char *sql = write ? s->begin_write : pg_ops.begin_read_sql;
    PGresult *r = run_simple(s, sql, err);
    if (!r && PQstatus(s->c->conn) != CONNECTION_OK && connect_setup_again(s, err) == 0)
        r = run_simple(s, sql, err); /* nothing had begun: once more, connected */
    if (!r) {
        if (in_tx(s))
            PQclear(PQexec(s->c->conn, "ROLLBACK"));
        release(s);
        return -1;
    }
    PQclear(r);
    return 0;
}

static int pg_end(struct store *base, bool commit, struct kd_err *err)
{
    struct pg_store *s = pgs(base);
    int rc = s->c ? end_tx(s, commit, err) : 0;
    /* (store.c clears tx_depth after this returns: release looks at the
     * connection's own state.) */
    int depth = s->base.tx_depth;
    s->base.tx_depth = 0;
    release(s);
    s->base.tx_depth = depth;
    return rc;
}

static int end_tx(struct pg_store *s, bool commit, struct kd_err *err)
{
    if (PQstatus(s->c->conn) != CONNECTION_OK)
        return commit ? kd_fail(err, KD_UNAVAILABLE, NULL,
                                "%s: connection lost before the commit", s->base.where)
                      : 0;
    PGresult *r = run_simple(s, commit ? "COMMIT" : "ROLLBACK", err);
    if (!r)
        return -1;
    /* COMMIT of a transaction that failed rolls back and says so. */
    bool rolled_back = commit && strcmp(PQcmdStatus(r), "ROLLBACK") == 0;
    PQclear(r);
    bool wrote = s->tx_wrote;
    s->tx_wrote = false;
    if (rolled_back)
        return kd_fail(err, KD_INTERNAL, NULL,
                       "%s: the transaction had failed and was rolled back", s->base.where);
    if (commit && wrote && s->base.commit_counter)
        atomic_fetch_add(s->base.commit_counter, 1);
    return 0;
}

static struct store_stmt *pg_prepare(struct store *base, const char *sql, struct kd_err *err)
{
    struct pg_store *s = pgs(base);
    if (acquire(s, err) < 0)
        return NULL;
    if (ensure_conn(s, err) < 0) {
        release(s);
        return NULL;
    }
    uint64_t h = fnv1a(sql);
    struct pg_stmt **bucket = &s->c->buckets[h % PG_BUCKETS];
    bool busy = false;
    for (struct pg_stmt *st = *bucket; st; st = st->next) {
        if (st->hash == h && strcmp(st->key, sql) == 0) {
            if (st->in_use) {
                busy = true;
                break;
            }
            if (stmt_ensure_prepared(s, st, err) < 0) {
                release(s);
                return NULL;
            }
            st->in_use = true;
            st->base.owner = &s->base;
            s->in_use++;
            return &st->base;
        }
    }
    bool cache = !busy && s->c->cached < PG_MAX_CACHED;
    struct pg_stmt *st = stmt_new(s, sql, h, cache, err);
    if (!st) {
        release(s);
        return NULL;
    }
    if (cache) {
        st->next = *bucket;
        *bucket = st;
        s->c->cached++;
    }
    s->in_use++;
    return &st->base;
}

static struct pg_param *param(struct store_stmt *base, int idx)
{
    struct pg_stmt *st = pgst(base);
    if (idx < 1 || idx > st->sql.nparams)
        return NULL; /* as SQLite: binding past the statement's parameters does nothing */
    return &st->params[idx - 1];
}

static void param_set(struct pg_param *p, const void *v, size_t len, int format)
{
    if (p->cap < len + 1) {
        size_t cap = len + 1 < 32 ? 32 : len + 1;
        char *b = realloc(p->buf, cap);
        if (!b) {
            /* Out of memory: bind NULL, which the statement will refuse or
             * store visibly, rather than stale bytes. */
            p->null = true;
            return;
        }
        p->buf = b;
        p->cap = cap;
    }
    if (len)
        memcpy(p->buf, v, len);
    p->buf[len] = '\0';
    p->len = (int)len;
    p->format = format;
    p->null = false;
}

static void pg_bind_i64(struct store_stmt *st, int idx, int64_t v)
{
    struct pg_param *p = param(st, idx);
    if (!p)
        return;
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    param_set(p, num, (size_t)n, 0);
}

static void pg_bind_text(struct store_stmt *st, int idx, const char *v, size_t len)
{
    struct pg_param *p = param(st, idx);
    if (p)
        param_set(p, v, len, 0);
}

static void pg_bind_blob(struct store_stmt *st, int idx, const void *v, size_t len)
{
    struct pg_param *p = param(st, idx);
    if (p)
        param_set(p, v, len, 1);
}

static void pg_bind_null(struct store_stmt *st, int idx)
{
    struct pg_param *p = param(st, idx);
    if (p)
        p->null = true;
}

static int send_stmt(struct pg_store *s, struct pg_stmt *st)
{
    int n = st->sql.nparams;
    int ok = st->cached ? PQsendQueryPrepared(s->c->conn, st->name, n, st->values, st->lengths,
                                              st->formats, 0)
                        : PQsendQueryParams(s->c->conn, st->sql.text, n, st->types, st->values,
                                            st->lengths, st->formats, 0);
    if (!ok)
        return -1;
    PQsetSingleRowMode(s->c->conn);
    s->c->active = st;
    return 0;
}

/* A read outside a transaction whose connection broke since its last use
 * (a server restart, a standby's promotion) may run again on a new one: it
 * changed nothing. */
static bool may_retry(struct pg_store *s, struct pg_stmt *st)
{
    return PQstatus(s->c->conn) != CONNECTION_OK && !s->base.tx_depth &&
           strncmp(st->sql.text, "SELECT", 6) == 0;
}

static int resend(struct pg_store *s, struct pg_stmt *st)
{
    struct kd_err again;
    if (connect_setup_again(s, &again) < 0 || stmt_ensure_prepared(s, st, &again) < 0)
        return -1;
    return send_stmt(s, st);
}

static enum store_step pg_step(struct store_stmt *base, struct kd_err *err)
{
    struct pg_stmt *st = pgst(base);
    struct pg_store *s = pgs(base->owner);
    if (!st->executed) {
        drain_active(s);
        if (ensure_conn(s, err) < 0 || stmt_ensure_prepared(s, st, err) < 0)
            return STORE_ERROR;
        int n = st->sql.nparams;
        for (int i = 0; i < n; i++) {
            struct pg_param *p = &st->params[i];
            st->values[i] = p->null ? NULL : p->buf;
            st->lengths[i] = p->len;
            st->formats[i] = p->format;
        }
        if (send_stmt(s, st) < 0 && (!may_retry(s, st) || resend(s, st) < 0)) {
            enum kd_code code = fail_res(s, NULL, err);
            return code == KD_CONFLICT ? STORE_CONSTRAINT : STORE_ERROR;
        }
        st->executed = true;
        st->finished = false;
    }
    PQclear(st->res);
    st->res = NULL;
    if (st->qhead < st->qlen) {
        st->res = st->queue[st->qhead];
        st->queue[st->qhead++] = NULL;
        st->row++;
        return STORE_ROW;
    }
    if (!st->finished && s->c->active == st) {
        PGresult *r = PQgetResult(s->c->conn);
        if (r && PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
            st->res = r;
            st->row++;
            return STORE_ROW;
        }
        if (st->row < 0 && (!r || PQresultStatus(r) == PGRES_FATAL_ERROR) && may_retry(s, st)) {
            PQclear(r);
            s->c->active = NULL;
            if (resend(s, st) == 0)
                return pg_step(base, err);
            enum kd_code code = fail_res(s, NULL, err);
            st->finished = true;
            st->final = code == KD_CONFLICT ? STORE_CONSTRAINT : STORE_ERROR;
            st->final_err = *err;
            return st->final;
        }
        stream_finish(s, st, r, false);
    }
    if (!st->finished) {
        /* (Cannot happen: a statement is finished or active.) */
        kd_fail(err, KD_INTERNAL, NULL, "%s: statement lost its answer", s->base.where);
        return STORE_ERROR;
    }
    if (st->final != STORE_DONE && err)
        *err = st->final_err;
    return st->final;
}

static void pg_reset(struct store_stmt *base)
{
    struct pg_stmt *st = pgst(base);
    struct pg_store *s = pgs(base->owner);
    /* The rest of its answer is read and dropped (its final result still
     * counts: changes, commits). */
    if (s->c->active == st)
        stream_finish(s, st, NULL, false);
    stmt_clear_result(st);
    for (int i = 0; i < st->sql.nparams; i++)
        st->params[i].null = true;
    st->in_use = false;
    if (!st->cached)
        stmt_free(st);
    s->in_use--;
    release(s);
}

static bool has_value(struct pg_stmt *st, int col)
{
    return st->res && col >= 0 && col < PQnfields(st->res);
}

static bool pg_col_null(struct store_stmt *base, int col)
{
    struct pg_stmt *st = pgst(base);
    return !has_value(st, col) || PQgetisnull(st->res, 0, col);
}

static int64_t pg_col_i64(struct store_stmt *base, int col)
{
    struct pg_stmt *st = pgst(base);
    if (pg_col_null(base, col))
        return 0;
    const char *v = PQgetvalue(st->res, 0, col);
    if (PQftype(st->res, col) == OID_BOOL)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A bytea column's bytes (decoded from "\x…" once per row), or the text of
 * any other column. */
static const void *col_bytes(struct pg_stmt *st, int col, size_t *len)
{
    const char *v = PQgetvalue(st->res, 0, col);
    size_t n = (size_t)PQgetlength(st->res, 0, col);
    if (PQftype(st->res, col) != OID_BYTEA || n < 2 || v[0] != '\\' || v[1] != 'x') {
        *len = n;
        return v;
    }
    if (col >= st->nblobs) {
        int want = PQnfields(st->res);
        struct pg_blob *b = realloc(st->blobs, (size_t)want * sizeof *b);
        if (!b)
            goto oom;
        for (int i = st->nblobs; i < want; i++)
            b[i] = (struct pg_blob){.row = -1};
        st->blobs = b;
        st->nblobs = want;
    }
    struct pg_blob *b = &st->blobs[col];
    if (b->row != st->row) {
        size_t bytes = (n - 2) / 2;
        if (b->cap < bytes + 1) {
            unsigned char *g = realloc(b->buf, bytes + 1);
            if (!g)
                goto oom;
            b->buf = g;
            b->cap = bytes + 1;
        }
        for (size_t i = 0; i < bytes; i++) {
            int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);
            b->buf[i] = (unsigned char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
        }
        b->buf[bytes] = 0;
        b->len = bytes;
        b->row = st->row;
    }
    *len = b->len;
    return b->buf;
oom:
    *len = 0;
    return NULL;
}

static const char *pg_col_text(struct store_stmt *base, int col, size_t *len)
{
    struct pg_stmt *st = pgst(base);
    size_t n = 0;
    const char *v = NULL;
    if (!pg_col_null(base, col))
        v = col_bytes(st, col, &n);
    if (len)
        *len = v ? n : 0;
    return v ? v : "";
}

static const void *pg_col_blob(struct store_stmt *base, int col, size_t *len)
{
    struct pg_stmt *st = pgst(base);
    size_t n = 0;
    const void *v = NULL;
    if (!pg_col_null(base, col))
        v = col_bytes(st, col, &n);
    if (len)
        *len = v ? n : 0;
    /* As SQLite: a zero-length blob reads as NULL. */
    return n ? v : NULL;
}

static int64_t pg_last_id(struct store *base)
{
    struct pg_store *s = pgs(base);
    /* The connection of the insert: held (a transaction, a statement in
     * use) or kept for this (an insert outside a transaction). */
    if (!s->c || !s->c->inserted || PQstatus(s->c->conn) != CONNECTION_OK)
        return 0;
    drain_active(s);
    PGresult *r = PQexec(s->c->conn, "SELECT lastval()");
    int64_t id = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    s->keep = false;
    release(s);
    return id;
}

static int64_t pg_changes(struct store *base)
{
    return pgs(base)->changes;
}

static const struct store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_i64 = pg_bind_i64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .col_null = pg_col_null,
    .col_i64 = pg_col_i64,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .last_id = pg_last_id,
    .changes = pg_changes,
    /* Recognised by pg_exec, which runs the real verbs. */
    .begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    .begin_write_sql = "BEGIN (write)",
    .commit_sql = "COMMIT",
    .rollback_sql = "ROLLBACK",
};

static bool schema_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* The advisory lock of a schema: (a class for kyodo, FNV-1a of the name). */
static void lock_key(const char *schema, int32_t *k1, int32_t *k2)
{
    uint32_t h = 2166136261u;
    for (const char *p = schema; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    *k1 = 0x6b796f64; /* "kyod" */
    *k2 = (int32_t)(h & 0x7fffffff);
}

struct store *store_pg_open(const char *conninfo, const struct store_options *opt,
                            struct kd_err *err)
{
    const char *schema = opt->schema ? opt->schema : "public";
    if (!schema_ok(schema)) {
        kd_fail(err, KD_INTERNAL, NULL, "bad schema name for PostgreSQL");
        return NULL;
    }
    int timeout = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
    struct pg_store *s = calloc(1, sizeof *s);
    char where[96];
    snprintf(where, sizeof where, "postgresql:%s", schema);
    if (!s || !(s->base.where = strdup(where)) ||
        !(s->pool = pool_ref(conninfo, schema, timeout))) {
        if (s) {
            free(s->base.where);
            free(s);
        }
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    s->base.ops = &pg_ops;
    s->base.busy_timeout_ms = timeout;
    s->base.write_lock = opt->write_lock;
    s->base.commit_counter = opt->commit_counter;
    int32_t k1, k2;
    lock_key(schema, &k1, &k2);
    snprintf(s->begin_write, sizeof s->begin_write,
             "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d, %d)",
             (int)k1, (int)k2);
    /* The server is reached, and the schema made or found, now. */
    if (acquire(s, err) < 0 || ensure_conn(s, err) < 0 || schema_check(s, opt->create, err) < 0) {
        pg_close(&s->base);
        return NULL;
    }
    release(s);
    return &s->base;
}

/* Runs one statement of DDL on a connection of its own to `schema`. */
static int schema_ddl(const char *conninfo, const char *schema, const char *sql,
                      struct kd_err *err)
{
    struct store_options opt = {.schema = schema, .busy_timeout_ms = 10000};
    struct store *base = store_pg_open(conninfo, &opt, err);
    if (!base)
        return -1;
    struct pg_store *s = pgs(base);
    int rc = -1;
    if (acquire(s, err) == 0) {
        PGresult *r = run_simple(s, sql, err);
        rc = r ? 0 : -1;
        PQclear(r);
    }
    pg_close(base);
    return rc;
}

int store_pg_drop_schema(const char *conninfo, const char *schema, struct kd_err *err)
{
    if (!schema_ok(schema))
        return kd_fail(err, KD_INTERNAL, NULL, "bad schema name for PostgreSQL");
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA \"%s\" CASCADE", schema);
    if (schema_ddl(conninfo, schema, sql, err) < 0)
        return err->code == KD_NOT_FOUND ? 0 : -1;
    return 0;
}

int store_pg_rename_schema(const char *conninfo, const char *from, const char *to,
                           struct kd_err *err)
{
    if (!schema_ok(from) || !schema_ok(to))
        return kd_fail(err, KD_INTERNAL, NULL, "bad schema name for PostgreSQL");
    char sql[192];
    snprintf(sql, sizeof sql, "ALTER SCHEMA \"%s\" RENAME TO \"%s\"", from, to);
    return schema_ddl(conninfo, from, sql, err);
}
