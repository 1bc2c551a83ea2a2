/*
 * backup.h — copies of one database taken while kyodo runs, and putting a
 * town's copy back. The engine-level half of backups; the backup sets, their
 * manifest and the restore rules are engine/backup_set.h.
 *
 * A *copy* is one file holding one database — the control database or one
 * town's — exactly as it was at one instant: a consistent snapshot, taken
 * while other connections (the server's threads, other processes) go on
 * reading and writing. Each engine decides what the file is:
 *
 *   SQLite (backup_sqlite.c): a self-contained SQLite database file (rollback
 *   journal mode, no -wal beside it), made with the online backup API in one
 *   step, i.e. inside one read transaction.
 *   PostgreSQL (backup_pg.c): a pg_dump archive (custom format) of the
 *   town's schema `town_<code>` (or of the control schema), which pg_dump
 *   takes in one repeatable-read snapshot. backup_check() and backup_open()
 *   read it without a server (pg_restore); backup_open() gives an in-memory
 *   database of its schema_migrations and audit_log only. A restore onto
 *   PostgreSQL is backup_pg_load(), for a dropped town only (no schema to
 *   replace); backup_work_* and backup_install() refuse a PostgreSQL
 *   catalog.
 *
 *   backup_check() and backup_open() tell the engine of a file by its first
 *   bytes ("PGDMP" starts a pg_dump archive).
 *
 * Every function may be called from any thread; each opens and closes its
 * own connections (never the catalog's per-thread ones). Failures fill err
 * and return -1 or NULL, leaving nothing half-written: a copy that fails is
 * removed, an install that fails leaves the town as it was.
 */
#ifndef KYODO_STORE_BACKUP_H
#define KYODO_STORE_BACKUP_H

#include "store/catalog.h"

#include <stddef.h>

/* The engine's name, as recorded in a backup's manifest ("sqlite",
 * "postgresql"). */
const char *backup_engine(struct catalog *cat);

/* Writes the copy of the database `code` (a town code, or NULL for the
 * control database) to `dest`, a file that must not exist yet; it is made
 * with mode 0600 and synced to disk before this returns. KD_NOT_FOUND if the
 * database does not exist; KD_UNAVAILABLE if it stayed busy. */
int backup_copy(struct catalog *cat, const char *code, const char *dest, struct kd_err *err);

/* Checks the structure of a copy (SQLite: PRAGMA integrity_check and
 * foreign_key_check). A copy that is damaged or not a database at all is
 * KD_INVALID_VALUE with field "file" and the first problem found. */
int backup_check(const char *path, struct kd_err *err);

/* Opens a copy for reading (its schema versions, its audit chain). */
struct store *backup_open(const char *path, struct kd_err *err);

/* Makes a private, writable working database from the copy `path`, for the
 * town `code` (NULL: the control database), where backup_install() can take
 * it (on the same file system as the town databases). Its name is written to
 * work (cap bytes). The caller migrates it (backup_work_open) and installs
 * or discards it. */
int backup_work_make(struct catalog *cat, const char *code, const char *path, char *work,
                     size_t cap, struct kd_err *err);
/* A connection to the working database, for its migration. */
struct store *backup_work_open(const char *work, struct kd_err *err);
void backup_work_discard(const char *work);

/* Called by backup_install() once the database is held — no one else can commit
 * to it until the install ends — with the working database open for writing
 * and, when a copy of what is about to be replaced was kept aside, that copy
 * open for reading and its name (else NULL and NULL). What it writes to work
 * is installed with the rest (the restore's own audit entry). */
typedef int (*backup_seal_fn)(void *ctx, struct store *work, struct store *replaced,
                              const char *replaced_name, struct kd_err *err);

/* Makes the working database the database of the town `code` (NULL: the
 * control database, which only a restore onto a stopped deployment may
 * replace), in one step that happens entirely or not at all, also if the
 * process is killed:
 *
 *   - when the town has a database, its contents are replaced in one write
 *     transaction of that database; readers see the old contents until the
 *     commit and the new ones after it, and connections other processes hold
 *     stay valid (the running server needs no restart and keeps no stale
 *     handle). When `aside` is not NULL, the replaced contents are first
 *     copied aside, and aside (cap bytes) receives where, for the seal's
 *     record and the operator.
 *   - when it has none (the town was dropped), the working database is moved
 *     into place, never over a database that appeared meanwhile.
 *
 * The working database is consumed either way. Writers of the town wait
 * while the install runs (up to the busy timeout). */
int backup_install(struct catalog *cat, const char *code, const char *work, backup_seal_fn seal,
                   void *ctx, char *aside, size_t cap, struct kd_err *err);

/* PostgreSQL: makes the schema of the town `code`, which must have none (a
 * dropped town), from the archive at path (a copy of that schema, checked),
 * in one transaction (pg_restore --single-transaction): the schema appears
 * whole or not at all. KD_CONFLICT if the town has a schema. The caller
 * migrates it and writes the restore's audit entry. */
int backup_pg_load(struct catalog *cat, const char *code, const char *path, struct kd_err *err);

/* Takes a town's database out of the deployment, keeping it: checkpointed
 * into one file and moved to <data>/<folder>/<code>-<UTC time>.db, whose
 * name goes to kept. For kyodo tenant drop (folder "dropped", with no server
 * running on the data directory: it would keep a handle on the moved file),
 * and for the database a registration killed half-way left behind, found
 * when the town is registered again (folder "orphans"). The calling
 * thread's catalog connection to the town must be closed. */
int backup_detach(struct catalog *cat, const char *code, const char *folder, char *kept, size_t cap,
                  struct kd_err *err);

#endif
