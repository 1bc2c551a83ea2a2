/*
 * store.h — the only way kyodo reaches a database.
 *
 * A struct store is one connection to one database: the control database
 * (tenants, users, sessions) or one town's database. Modules write portable
 * SQL with `?` placeholders and call the functions below; the engine behind
 * them (today SQLite, store_sqlite.c) is chosen when the connection is opened
 * and reached through a table of operations, so a PostgreSQL engine can be
 * added beside it without touching any module. The dialect rules for module
 * SQL are in docs/architecture.md ("Store").
 *
 * Threads: a connection and its statements belong to one thread. The catalog
 * (catalog.h) hands each thread its own connections.
 *
 * Statements: store_prepare() returns a statement cached on the connection,
 * keyed by the SQL text, so hot paths prepare once. Bind, step until
 * STORE_DONE (or stop early), then store_reset() before the statement is used
 * again; store_reset() also clears the bindings.
 *
 * Transactions: store_begin_write() takes the write lock at once (SQLite
 * BEGIN IMMEDIATE) so that a busy database waits for its busy timeout instead
 * of failing late; store_begin_read() opens a read snapshot. Every function
 * that fails fills err (code KD_INTERNAL unless stated) and returns -1 or
 * NULL; it never aborts.
 */
#ifndef KYODO_STORE_STORE_H
#define KYODO_STORE_STORE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

struct store;
struct store_stmt;

enum store_step {
    STORE_ERROR = -1,
    STORE_DONE = 0, /* no (more) rows */
    STORE_ROW = 1,  /* a row is available through store_col_* */
    STORE_CONSTRAINT = 2, /* a UNIQUE, CHECK or FOREIGN KEY constraint refused the write */
};

struct store_options {
    bool create;      /* create the database if it does not exist */
    bool read_only;   /* open for reading only (verification tools) */
    int busy_timeout_ms;
    /* If not NULL, incremented after every commit this connection makes
     * (shared by all the process's connections to one database, it counts
     * the process's changes to it; see store_commits). */
    _Atomic uint64_t *commit_counter;
    /* If not NULL, held from store_begin_write() to the commit or rollback
     * (shared by all the process's connections to one database): writers of
     * one process queue on it instead of in SQLite's busy handler, which
     * sleeps for milliseconds at a time. Waits up to busy_timeout_ms. */
    pthread_mutex_t *write_lock;
    /* PostgreSQL: the schema the connection works in (its search_path);
     * ignored by SQLite. */
    const char *schema;
};

/* Opens a connection. `where` is a file path for SQLite, a libpq URL
 * (postgresql://… or postgres://…) for PostgreSQL, with opt->schema. */
struct store *store_open(const char *where, const struct store_options *opt, struct kd_err *err);
void store_close(struct store *s);

/* True if `where` names a PostgreSQL database (a postgresql:// URL). */
bool store_is_pg(const char *where);

/* Runs SQL with no parameters and no result rows (may hold several
 * statements separated by semicolons). */
int store_exec(struct store *s, const char *sql, struct kd_err *err);

int store_begin_read(struct store *s, struct kd_err *err);
int store_begin_write(struct store *s, struct kd_err *err);
int store_commit(struct store *s, struct kd_err *err);
/* Rolls back if a transaction is open; safe to call when none is. */
void store_rollback(struct store *s);
bool store_in_transaction(struct store *s);

struct store_stmt *store_prepare(struct store *s, const char *sql, struct kd_err *err);
void store_bind_i64(struct store_stmt *st, int idx, int64_t v);
void store_bind_text(struct store_stmt *st, int idx, const char *v, size_t len);
void store_bind_str(struct store_stmt *st, int idx, const char *v); /* NULL binds NULL */
/* As store_bind_str for a bulk write: the text is not copied, so v must stay
 * as it is until the statement is stepped and reset. */
void store_bind_str_ref(struct store_stmt *st, int idx, const char *v);
void store_bind_blob(struct store_stmt *st, int idx, const void *v, size_t len);
void store_bind_null(struct store_stmt *st, int idx);
enum store_step store_step(struct store_stmt *st, struct kd_err *err);
void store_reset(struct store_stmt *st);

/* Column accessors, valid after STORE_ROW until the next step or reset.
 * Text and blobs point into the statement: copy what must outlive it. */
bool store_col_null(struct store_stmt *st, int col);
int64_t store_col_i64(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col, size_t *len); /* never NULL */
const void *store_col_blob(struct store_stmt *st, int col, size_t *len);

/* The rowid / generated key of the last insert on this connection. */
int64_t store_last_id(struct store *s);
/* Rows changed by the last statement. */
int64_t store_changes(struct store *s);

/* The commit counter of the connection's database (0 when it has none). It
 * moves after every commit made by this process, never before the commit is
 * visible, so a cache filled when the counter read N is stale once it reads
 * more. Changes made by other processes are not counted. */
uint64_t store_commits(struct store *s);

/* Where the connection points (file path), for messages. */
const char *store_where(struct store *s);

/* A hint before one long write on this connection (a migration's import):
 * the engine may keep up to `bytes` of the database in memory for it
 * (SQLite: the page cache) instead of its default; 0 gives the default
 * back. An engine without such a setting ignores it. */
int store_cache_hint(struct store *s, int64_t bytes, struct kd_err *err);

/* Nanoseconds the calling thread has spent in store calls (steps of
 * statements, transactions, waits for the write lock; not the cached
 * prepares) since it started: the difference across a request is its
 * database time (metrics). */
uint64_t store_thread_ns(void);

/*
 * Schema migrations. A database carries a table of applied (scope, version)
 * pairs; store_migrate() applies, in one write transaction each, every step
 * of `scope` with a version above the highest applied one, in order. A scope
 * is a module name ("core", "audit", "residents"), so modules evolve their
 * schemas independently. Versions start at 1 and must increase by one.
 */
struct store_migration {
    int version;
    const char *sql;
};

struct store_schema {
    const char *scope;
    const struct store_migration *steps;
    size_t count;
};

int store_migrate(struct store *s, const struct store_schema *schema, struct kd_err *err);

/* The highest applied version of scope (0 if none). */
int store_schema_version(struct store *s, const char *scope, struct kd_err *err);

#endif
