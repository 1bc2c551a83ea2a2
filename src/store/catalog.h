/*
 * catalog.h — where the databases are, and each thread's connections to them.
 *
 * A deployment has one control database (tenants, users, sessions) and one
 * database per town. For SQLite they are files under the data directory:
 *
 *     <data>/control.db
 *     <data>/towns/<town code>.db
 *
 * With PostgreSQL (catalog_open given a postgresql:// URL instead of a
 * directory) the databases are schemas of one PostgreSQL database: the
 * control data in `kyodo_control`, each town in `town_<code>` (the layout
 * Citus schema-based sharding distributes; docs/operations.md).
 *
 * Each thread that asks for a database gets its own connection, opened on
 * first use and kept until the thread ends (or catalog_thread_done()), as
 * SQLite connections must not be shared between threads.
 *
 * The catalog is given the schemas of both kinds of database when it is
 * created; it migrates the control database at once and a town database when
 * the town is created or when catalog_town_migrate() is called (at start-up,
 * for every town). Town codes reaching the catalog must already be checked
 * (six digits); it asserts so.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef KYODO_STORE_CATALOG_H
#define KYODO_STORE_CATALOG_H

#include "store/store.h"

struct catalog;

struct catalog_schemas {
    const struct store_schema *const *control;
    size_t control_count;
    const struct store_schema *const *town;
    size_t town_count;
};

/* Creates the data directory if needed, opens and migrates the control
 * database. data_dir may instead be a postgresql:// URL (store_is_pg). */
struct catalog *catalog_open(const char *data_dir, const struct catalog_schemas *schemas,
                             struct kd_err *err);

/* Closes the calling thread's connections and frees the catalog. Every other
 * thread that used it must have ended or called catalog_thread_done(). */
void catalog_close(struct catalog *cat);

/* This thread's connection to the control database. */
struct store *catalog_control(struct catalog *cat, struct kd_err *err);

/* This thread's connection to a town's database; KD_NOT_FOUND if the town has
 * no database. */
struct store *catalog_town(struct catalog *cat, const char *code, struct kd_err *err);

/* Creates a town's database (it must not exist) and applies the town schemas. */
int catalog_town_create(struct catalog *cat, const char *code, struct kd_err *err);

/* Deletes a town's database files, closing the calling thread's connection to
 * it first. Only for undoing catalog_town_create() of a town that no other
 * thread can know yet (its registration failed). */
void catalog_town_drop(struct catalog *cat, const char *code);

/* PostgreSQL: takes a town's schema out of the deployment, keeping it, as
 * town_<code>_<folder>_<UTC time> (folder: a-z, e.g. "dropped", "orphans");
 * kept receives "postgresql:<that name>". The counterpart of moving a town's
 * file aside (backup_detach), with the same rule: the calling thread's
 * connection is closed, and no other process may be using the town. */
int catalog_town_set_aside(struct catalog *cat, const char *code, const char *folder, char *kept,
                           size_t cap, struct kd_err *err);

/* Applies pending town schema steps to an existing town database. */
int catalog_town_migrate(struct catalog *cat, const char *code, struct kd_err *err);

/* True if the town's database exists. */
bool catalog_town_exists(struct catalog *cat, const char *code);

/* The file of a town's database (for tools): writes into buf, returns buf. */
const char *catalog_town_path(struct catalog *cat, const char *code, char *buf, size_t cap);

/* True if the databases are PostgreSQL schemas. */
bool catalog_is_pg(struct catalog *cat);

/* PostgreSQL: the libpq URL of the database (NULL for SQLite), and the
 * schema of the database `code` (NULL: the control data) into buf. */
const char *catalog_pg_url(struct catalog *cat);
const char *catalog_pg_schema(const char *code, char buf[16]);

/* Closes the calling thread's connections now. */
void catalog_thread_done(struct catalog *cat);

#endif
