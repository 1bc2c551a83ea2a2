/*
 * store_sqlite.c — the SQLite engine behind store.h.
 *
 * Every connection is opened the same way: WAL journal, foreign keys on,
 * synchronous=FULL (a committed register write survives power loss), a busy
 * timeout, and no SQLite mutex (one connection per thread).
 *
 * Prepared statements are cached per connection in a small hash table keyed
 * by SQL text. A statement is "in use" from store_prepare() to store_reset();
 * the cache never evicts a statement in use. When the slot a statement wants
 * is held by one in use (or the same SQL is prepared twice without a reset in
 * between), the caller gets a transient statement, finalized by its reset.
 */
#include "store/engine.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

enum { SQ_CACHE_SLOTS = 128 };

struct sq_stmt {
    struct store_stmt base;
    sqlite3_stmt *st;
    uint64_t hash;
    char *sql;
    bool in_use;
    bool cached;
};

struct sq_store {
    struct store base;
    sqlite3 *db;
    struct sq_stmt *cache[SQ_CACHE_SLOTS];
};

static const struct store_ops sqlite_ops;

static struct sq_store *sq(struct store *s)
{
    return (struct sq_store *)s;
}

static struct sq_stmt *sqs(struct store_stmt *st)
{
    return (struct sq_stmt *)st;
}

static int sq_fail(struct sq_store *s, int rc, struct kd_err *err)
{
    int base = rc & 0xFF;
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "database busy: %s", s->base.where);
    if (base == SQLITE_FULL)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "disk full writing %s", s->base.where);
    return kd_fail(err, KD_INTERNAL, NULL, "%s: %s", s->base.where, sqlite3_errmsg(s->db));
}

static void stmt_free(struct sq_stmt *st)
{
    if (!st)
        return;
    sqlite3_finalize(st->st);
    free(st->sql);
    free(st);
}

static void sq_close(struct store *base)
{
    struct sq_store *s = sq(base);
    for (int i = 0; i < SQ_CACHE_SLOTS; i++)
        stmt_free(s->cache[i]);
    if (s->base.tx_depth)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(s->db);
    free(s->base.where);
    free(s);
}

static int sq_exec(struct store *base, const char *sql, struct kd_err *err)
{
    struct sq_store *s = sq(base);
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(s, rc, err);
    return 0;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static struct sq_stmt *stmt_new(struct sq_store *s, const char *sql, uint64_t h, bool cached,
                                struct kd_err *err)
{
    struct sq_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    unsigned flags = cached ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, flags, &st->st, NULL);
    if (rc != SQLITE_OK) {
        sq_fail(s, rc, err);
        free(st);
        return NULL;
    }
    if (cached) {
        st->sql = strdup(sql);
        if (!st->sql) {
            sqlite3_finalize(st->st);
            free(st);
            kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            return NULL;
        }
    }
    st->base.owner = &s->base;
    st->hash = h;
    st->cached = cached;
    st->in_use = true;
    return st;
}

static struct store_stmt *sq_prepare(struct store *base, const char *sql, struct kd_err *err)
{
    struct sq_store *s = sq(base);
    uint64_t h = fnv1a(sql);
    struct sq_stmt **slot = &s->cache[h % SQ_CACHE_SLOTS];
    struct sq_stmt *old = *slot;
    if (old && old->hash == h && strcmp(old->sql, sql) == 0 && !old->in_use) {
        old->in_use = true;
        return &old->base;
    }
    if (old && old->in_use) {
        struct sq_stmt *t = stmt_new(s, sql, h, false, err);
        return t ? &t->base : NULL;
    }
    struct sq_stmt *st = stmt_new(s, sql, h, true, err);
    if (!st)
        return NULL;
    stmt_free(old);
    *slot = st;
    return &st->base;
}

static void sq_bind_i64(struct store_stmt *st, int idx, int64_t v)
{
    sqlite3_bind_int64(sqs(st)->st, idx, v);
}

static void sq_bind_text(struct store_stmt *st, int idx, const char *v, size_t len)
{
    sqlite3_bind_text64(sqs(st)->st, idx, v, len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void sq_bind_text_ref(struct store_stmt *st, int idx, const char *v, size_t len)
{
    sqlite3_bind_text64(sqs(st)->st, idx, v, len, SQLITE_STATIC, SQLITE_UTF8);
}

static void sq_bind_blob(struct store_stmt *st, int idx, const void *v, size_t len)
{
    sqlite3_bind_blob64(sqs(st)->st, idx, v, len, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct store_stmt *st, int idx)
{
    sqlite3_bind_null(sqs(st)->st, idx);
}

static enum store_step sq_step(struct store_stmt *base, struct kd_err *err)
{
    struct sq_stmt *st = sqs(base);
    struct sq_store *s = sq(base->owner);
    int rc = sqlite3_step(st->st);
    switch (rc) {
    case SQLITE_ROW:
        return STORE_ROW;
    case SQLITE_DONE:
        return STORE_DONE;
    default:
        if ((rc & 0xFF) == SQLITE_CONSTRAINT) {
            kd_fail(err, KD_CONFLICT, NULL, "%s", sqlite3_errmsg(s->db));
            return STORE_CONSTRAINT;
        }
        sq_fail(s, rc, err);
        return STORE_ERROR;
    }
}

static void sq_reset(struct store_stmt *base)
{
    struct sq_stmt *st = sqs(base);
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
    st->in_use = false;
    if (!st->cached)
        stmt_free(st);
}

static bool sq_col_null(struct store_stmt *st, int col)
{
    return sqlite3_column_type(sqs(st)->st, col) == SQLITE_NULL;
}

static int64_t sq_col_i64(struct store_stmt *st, int col)
{
    return sqlite3_column_int64(sqs(st)->st, col);
}

static const char *sq_col_text(struct store_stmt *st, int col, size_t *len)
{
    const unsigned char *t = sqlite3_column_text(sqs(st)->st, col);
    int n = sqlite3_column_bytes(sqs(st)->st, col);
    if (len)
        *len = t ? (size_t)n : 0;
    return t ? (const char *)t : "";
}

static const void *sq_col_blob(struct store_stmt *st, int col, size_t *len)
{
    const void *b = sqlite3_column_blob(sqs(st)->st, col);
    int n = sqlite3_column_bytes(sqs(st)->st, col);
    if (len)
        *len = b ? (size_t)n : 0;
    return b;
}

static int64_t sq_last_id(struct store *s)
{
    return sqlite3_last_insert_rowid(sq(s)->db);
}

static int64_t sq_changes(struct store *s)
{
    return sqlite3_changes64(sq(s)->db);
}

/* The page cache in KiB (a negative cache_size); SQLite's default is 2 MiB. */
static int sq_cache_hint(struct store *s, int64_t bytes, struct kd_err *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%lld",
             bytes > 0 ? (long long)(bytes / 1024) : 2000LL);
    return sq_exec(s, sql, err);
}

/*
 * Called by SQLite after each commit, once the write lock is released. It
 * counts the commit, then does what SQLite's default WAL hook would have done
 * (installing a hook replaces it): checkpoint once the WAL holds 1000 pages.
 */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    _Atomic uint64_t *counter = arg;
    atomic_fetch_add(counter, 1);
    if (pages >= 1000)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_i64 = sq_bind_i64,
    .bind_text = sq_bind_text,
    .bind_text_ref = sq_bind_text_ref,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .last_id = sq_last_id,
    .changes = sq_changes,
    .cache_hint = sq_cache_hint,
    .begin_read_sql = "BEGIN DEFERRED",
    .begin_write_sql = "BEGIN IMMEDIATE",
    .commit_sql = "COMMIT",
    .rollback_sql = "ROLLBACK",
};

struct store *store_sqlite_open(const char *path, const struct store_options *opt,
                                struct kd_err *err)
{
    struct sq_store *s = calloc(1, sizeof *s);
    if (!s) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    s->base.ops = &sqlite_ops;
    s->base.where = strdup(path);
    if (!s->base.where) {
        free(s);
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (opt->read_only)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE | (opt->create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        if (!s->db) {
            kd_fail(err, KD_INTERNAL, NULL, "%s: cannot open database", path);
        } else if ((rc & 0xFF) == SQLITE_CANTOPEN) {
            kd_fail(err, KD_NOT_FOUND, NULL, "%s: cannot open database (%s)", path,
                    sqlite3_errmsg(s->db));
        } else {
            kd_fail(err, KD_INTERNAL, NULL, "%s: %s", path, sqlite3_errmsg(s->db));
        }
        sqlite3_close_v2(s->db);
        free(s->base.where);
        free(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000);
    const char *pragmas = opt->read_only ? "PRAGMA foreign_keys=ON;"
                                         : "PRAGMA journal_mode=WAL;"
                                           "PRAGMA synchronous=FULL;"
                                           "PRAGMA foreign_keys=ON;";
    if (sq_exec(&s->base, pragmas, err) < 0) {
        sq_close(&s->base);
        return NULL;
    }
    s->base.write_lock = opt->write_lock;
    s->base.busy_timeout_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
    if (opt->commit_counter) {
        s->base.commit_counter = opt->commit_counter;
        sqlite3_wal_hook(s->db, on_wal_commit, opt->commit_counter);
    }
    return &s->base;
}
