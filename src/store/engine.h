/*
 * engine.h — what a database engine provides to store.c. Private to src/store.
 *
 * An engine implements these operations over its own connection and statement
 * types, which embed struct store / struct store_stmt as their first member.
 * store.c holds everything engine-independent (the public API, statement
 * caching policy, migrations).
 */
#ifndef KYODO_STORE_ENGINE_H
#define KYODO_STORE_ENGINE_H

#include "store/store.h"

struct store_ops {
    const char *name;
    void (*close)(struct store *s);
    int (*exec)(struct store *s, const char *sql, struct kd_err *err);
    struct store_stmt *(*prepare)(struct store *s, const char *sql, struct kd_err *err);
    void (*bind_i64)(struct store_stmt *st, int idx, int64_t v);
    void (*bind_text)(struct store_stmt *st, int idx, const char *v, size_t len);
    /* store_bind_str_ref: v not copied; NULL: bind_text is used. */
    void (*bind_text_ref)(struct store_stmt *st, int idx, const char *v, size_t len);
    void (*bind_blob)(struct store_stmt *st, int idx, const void *v, size_t len);
    void (*bind_null)(struct store_stmt *st, int idx);
    enum store_step (*step)(struct store_stmt *st, struct kd_err *err);
    void (*reset)(struct store_stmt *st);
    bool (*col_null)(struct store_stmt *st, int col);
    int64_t (*col_i64)(struct store_stmt *st, int col);
    const char *(*col_text)(struct store_stmt *st, int col, size_t *len);
    const void *(*col_blob)(struct store_stmt *st, int col, size_t *len);
    int64_t (*last_id)(struct store *s);
    int64_t (*changes)(struct store *s);
    /* store_cache_hint; NULL: the engine ignores the hint. */
    int (*cache_hint)(struct store *s, int64_t bytes, struct kd_err *err);
    /* Transaction verbs in the engine's dialect, run through exec (which
     * may recognise these very pointers and do more: the PostgreSQL engine
     * takes its advisory lock and counts commits there). */
    const char *begin_read_sql, *begin_write_sql, *commit_sql, *rollback_sql;
};

struct store {
    const struct store_ops *ops;
    char *where;
    _Atomic uint64_t *commit_counter;
    pthread_mutex_t *write_lock; /* see store_options */
    int busy_timeout_ms;
    int tx_depth; /* 0 or 1: transactions do not nest */
    bool holds_write_lock;
};

struct store_stmt {
    struct store *owner;
};

struct store *store_sqlite_open(const char *path, const struct store_options *opt,
                                struct kd_err *err);

/* `conninfo` is a libpq URL (postgresql://…); opt->schema names the schema,
 * created if opt->create (and not there yet). KD_NOT_FOUND if the schema does
 * not exist, KD_UNAVAILABLE if the server cannot be reached. */
struct store *store_pg_open(const char *conninfo, const struct store_options *opt,
                            struct kd_err *err);

/* Drops a schema and everything in it (no error if there is none). */
int store_pg_drop_schema(const char *conninfo, const char *schema, struct kd_err *err);

/* Renames a schema (on a connection of its own, committed at once);
 * KD_NOT_FOUND if `from` does not exist. */
int store_pg_rename_schema(const char *conninfo, const char *from, const char *to,
                           struct kd_err *err);

#endif
