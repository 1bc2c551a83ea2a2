/*
 * store.c — the engine-independent half of the store: dispatch to the engine,
 * transactions, and schema migrations.
 */
#include "store/engine.h"

#include "base/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Time spent in store calls by this thread (store_thread_ns). */
static _Thread_local uint64_t thread_ns;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t store_thread_ns(void)
{
    return thread_ns;
}

bool store_is_pg(const char *where)
{
    return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

struct store *store_open(const char *where, const struct store_options *opt, struct kd_err *err)
{
    if (store_is_pg(where))
        return store_pg_open(where, opt, err);
    return store_sqlite_open(where, opt, err);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    store_rollback(s); /* and give the write lock back */
    s->ops->close(s);
}

uint64_t store_commits(struct store *s)
{
    return s->commit_counter ? atomic_load(s->commit_counter) : 0;
}

const char *store_where(struct store *s)
{
    return s->where;
}

int store_exec(struct store *s, const char *sql, struct kd_err *err)
{
    uint64_t t0 = now_ns();
    int rc = s->ops->exec(s, sql, err);
    thread_ns += now_ns() - t0;
    return rc;
}

int store_begin_read(struct store *s, struct kd_err *err)
{
    if (s->tx_depth)
        return kd_fail(err, KD_INTERNAL, NULL, "transaction already open on %s", s->where);
    if (store_exec(s, s->ops->begin_read_sql, err) < 0)
        return -1;
    s->tx_depth = 1;
    return 0;
}

/* The process-wide write lock of the database, waited for as long as the
 * engine's busy timeout would wait. */
static int lock_for_write(struct store *s, struct kd_err *err)
{
    if (!s->write_lock)
        return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t ns = until.tv_nsec + (int64_t)s->busy_timeout_ms * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    int rc = pthread_mutex_timedlock(s->write_lock, &until);
    if (rc == ETIMEDOUT)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "database busy: %s", s->where);
    if (rc != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "write lock of %s: %s", s->where, strerror(rc));
    s->holds_write_lock = true;
    return 0;
}

static void unlock_for_write(struct store *s)
{
    if (s->holds_write_lock) {
        s->holds_write_lock = false;
        pthread_mutex_unlock(s->write_lock);
    }
}

int store_begin_write(struct store *s, struct kd_err *err)
{
    if (s->tx_depth)
        return kd_fail(err, KD_INTERNAL, NULL, "transaction already open on %s", s->where);
    uint64_t t0 = now_ns();
    int locked = lock_for_write(s, err);
    thread_ns += now_ns() - t0;
    if (locked < 0)
        return -1;
    if (store_exec(s, s->ops->begin_write_sql, err) < 0) {
        unlock_for_write(s);
        return -1;
    }
    s->tx_depth = 1;
    return 0;
}

int store_commit(struct store *s, struct kd_err *err)
{
    if (!s->tx_depth)
        return kd_fail(err, KD_INTERNAL, NULL, "commit without a transaction on %s", s->where);
    if (store_exec(s, s->ops->commit_sql, err) < 0) {
        store_rollback(s);
        return -1;
    }
    s->tx_depth = 0;
    unlock_for_write(s);
    return 0;
}

void store_rollback(struct store *s)
{
    if (!s->tx_depth)
        return;
    struct kd_err ignored;
    store_exec(s, s->ops->rollback_sql, &ignored);
    s->tx_depth = 0;
    unlock_for_write(s);
}

bool store_in_transaction(struct store *s)
{
    return s->tx_depth != 0;
}

/* Not timed: a statement is prepared once per connection and then found in
 * its cache, which costs less than reading the clock twice. */
struct store_stmt *store_prepare(struct store *s, const char *sql, struct kd_err *err)
{
    return s->ops->prepare(s, sql, err);
}

void store_bind_i64(struct store_stmt *st, int idx, int64_t v)
{
    st->owner->ops->bind_i64(st, idx, v);
}

void store_bind_text(struct store_stmt *st, int idx, const char *v, size_t len)
{
    st->owner->ops->bind_text(st, idx, v, len);
}

void store_bind_str(struct store_stmt *st, int idx, const char *v)
{
    if (v)
        st->owner->ops->bind_text(st, idx, v, strlen(v));
    else
        st->owner->ops->bind_null(st, idx);
}

void store_bind_str_ref(struct store_stmt *st, int idx, const char *v)
{
    const struct store_ops *ops = st->owner->ops;
    if (!v)
        ops->bind_null(st, idx);
    else
        (ops->bind_text_ref ? ops->bind_text_ref : ops->bind_text)(st, idx, v, strlen(v));
}

void store_bind_blob(struct store_stmt *st, int idx, const void *v, size_t len)
{
    st->owner->ops->bind_blob(st, idx, v, len);
}

void store_bind_null(struct store_stmt *st, int idx)
{
    st->owner->ops->bind_null(st, idx);
}

enum store_step store_step(struct store_stmt *st, struct kd_err *err)
{
    uint64_t t0 = now_ns();
    enum store_step rc = st->owner->ops->step(st, err);
    thread_ns += now_ns() - t0;
    return rc;
}

void store_reset(struct store_stmt *st)
{
    st->owner->ops->reset(st);
}

bool store_col_null(struct store_stmt *st, int col)
{
    return st->owner->ops->col_null(st, col);
}

int64_t store_col_i64(struct store_stmt *st, int col)
{
    return st->owner->ops->col_i64(st, col);
}

const char *store_col_text(struct store_stmt *st, int col, size_t *len)
{
    return st->owner->ops->col_text(st, col, len);
}

const void *store_col_blob(struct store_stmt *st, int col, size_t *len)
{
    return st->owner->ops->col_blob(st, col, len);
}

int64_t store_last_id(struct store *s)
{
    return s->ops->last_id(s);
}

int64_t store_changes(struct store *s)
{
    return s->ops->changes(s);
}

int store_cache_hint(struct store *s, int64_t bytes, struct kd_err *err)
{
    return s->ops->cache_hint ? s->ops->cache_hint(s, bytes, err) : 0;
}

/* ---- migrations --------------------------------------------------------- */

static const char SQL_MIGRATIONS_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " scope TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (scope, version)"
    ") STRICT";

static const char SQL_MAX_VERSION[] =
    "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE scope = ?";

static const char SQL_RECORD_VERSION[] =
    "INSERT INTO schema_migrations (scope, version, applied_at) VALUES (?, ?, ?)";

static int max_version(struct store *s, const char *scope, int *out, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(s, SQL_MAX_VERSION, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, scope);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *out = (int)store_col_i64(st, 0);
    store_reset(st);
    return rc == STORE_ROW ? 0 : -1;
}

int store_schema_version(struct store *s, const char *scope, struct kd_err *err)
{
    int v = 0;
    if (store_exec(s, SQL_MIGRATIONS_TABLE, err) < 0 || max_version(s, scope, &v, err) < 0)
        return -1;
    return v;
}

int store_migrate(struct store *s, const struct store_schema *schema, struct kd_err *err)
{
    int have = store_schema_version(s, schema->scope, err);
    if (have < 0)
        return -1;
    if ((size_t)have > schema->count)
        return kd_fail(err, KD_INTERNAL, NULL,
                       "%s: schema %s is at version %d, newer than this program (%zu)",
                       s->where, schema->scope, have, schema->count);
    for (size_t i = 0; i < schema->count; i++) {
        const struct store_migration *m = &schema->steps[i];
        if (m->version != (int)i + 1)
            return kd_fail(err, KD_INTERNAL, NULL, "schema %s: step %zu has version %d",
                           schema->scope, i + 1, m->version);
        if (store_begin_write(s, err) < 0)
            return -1;
        int applied = 0;
        if (max_version(s, schema->scope, &applied, err) < 0)
            goto out_rollback;
        if (applied >= m->version) {
            store_rollback(s);
            continue;
        }
        if (store_exec(s, m->sql, err) < 0) {
            size_t len = strlen(err->message);
            snprintf(err->message + len, sizeof err->message - len, " (schema %s version %d)",
                     schema->scope, m->version);
            goto out_rollback;
        }
        struct store_stmt *st = store_prepare(s, SQL_RECORD_VERSION, err);
        if (!st)
            goto out_rollback;
        char now[CLOCK_ISO_LEN];
        clock_format_iso(clock_now_ms(), now);
        store_bind_str(st, 1, schema->scope);
        store_bind_i64(st, 2, m->version);
        store_bind_str(st, 3, now);
        enum store_step rc = store_step(st, err);
        store_reset(st);
        if (rc != STORE_DONE)
            goto out_rollback;
        if (store_commit(s, err) < 0)
            return -1;
    }
    return 0;
out_rollback:
    store_rollback(s);
    return -1;
}
