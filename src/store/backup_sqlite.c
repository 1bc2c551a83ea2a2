/*
 * backup_sqlite.c — backup.h for SQLite databases.
 *
 * Copies are made with the online backup API in one step
 * (sqlite3_backup_step(-1)), which reads the source inside one read
 * transaction: the copy is the database as of the start of that transaction,
 * whatever other connections commit meanwhile (WAL: readers and the writer
 * do not block each other). A backup in steps of N pages would hold no
 * snapshot between steps: every commit by another connection — and kyodo's
 * writers are always other connections: the server's threads, or the server
 * while the CLI copies — restarts it from page 1, so a busy town might never
 * finish. VACUUM INTO also reads one snapshot, but rebuilds every table and
 * index; it was measured slower than copying pages (docs/operations.md).
 *
 * A copy is switched to rollback-journal mode before it is closed, so it is
 * one self-contained file that opens read-only anywhere.
 *
 * Install (restore) runs the backup API the other way, from the working
 * database into the live one: SQLite writes the new pages as one transaction
 * of the live database (into its WAL), so the replacement is atomic, readers
 * keep their snapshot until the commit, other processes' connections stay
 * valid, and a crash before the commit leaves the old contents. A first
 * step of 0 pages takes the live database's write lock and keeps it until
 * the end; the copy aside and the seal (the restore's audit entry, written
 * to the working database) happen under that lock, so the copy aside is
 * exactly what is replaced. Changing the working database between the steps
 * makes the backup start again from its first page, which is what we want.
 */
#include "store/backup.h"

#include "base/clock.h"
#include "store/backup_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BUSY_MS = 10000 };

const char *backup_engine(struct catalog *cat)
{
    return catalog_is_pg(cat) ? "postgresql" : "sqlite";
}

static int db_fail(sqlite3 *db, int rc, const char *path, struct kd_err *err)
{
    int base = rc & 0xFF;
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "%s stayed busy", path);
    if (base == SQLITE_FULL)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "disk full writing %s", path);
    if (base == SQLITE_NOTADB || base == SQLITE_CORRUPT)
        return kd_fail(err, KD_INVALID_VALUE, "file", "%s is not an intact database (%s)", path,
                       sqlite3_errstr(rc));
    return kd_fail(err, KD_INTERNAL, NULL, "%s: %s", path,
                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static sqlite3 *open_db(const char *path, int flags, struct kd_err *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
    if (rc != SQLITE_OK) {
        if ((rc & 0xFF) == SQLITE_CANTOPEN)
            kd_fail(err, KD_NOT_FOUND, NULL, "%s: cannot open the database", path);
        else
            db_fail(db, rc, path, err);
        sqlite3_close_v2(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    return db;
}

static int exec(sqlite3 *db, const char *sql, const char *path, struct kd_err *err)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(db, rc, path, err);
}

static void unlink_db(const char *path)
{
    static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
    char p[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, sides[i]);
        unlink(p);
    }
}

static int sync_fd_path(const char *path, int flags, struct kd_err *err)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot open %s: %s", path, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot sync %s: %s", path, strerror(e));
    return 0;
}

/* Syncs the directory holding path (after a file was created or renamed). */
static int sync_dir_of(const char *path, struct kd_err *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return sync_fd_path(dir, O_RDONLY | O_DIRECTORY, err);
}

static int create_private(const char *path, struct kd_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return kd_fail(err, KD_CONFLICT, NULL, "%s already exists", path);
        return kd_fail(err, KD_INTERNAL, NULL, "cannot create %s: %s", path, strerror(errno));
    }
    close(fd);
    return 0;
}

/* The file of the database `code` (NULL: control). */
static int db_path(struct catalog *cat, const char *code, char *buf, size_t cap, struct kd_err *err)
{
    if (catalog_is_pg(cat))
        return kd_fail(err, KD_INVALID_VALUE, "store",
                       "a PostgreSQL store has no database files to replace: kyodo restore puts"
                       " back a dropped town's schema from its pg_dump archive"
                       " (docs/operations.md)");
    if (code) {
        catalog_town_path(cat, code, buf, cap);
        return 0;
    }
    struct store *ctl = catalog_control(cat, err);
    if (!ctl)
        return -1;
    snprintf(buf, cap, "%s", store_where(ctl));
    return 0;
}

/* The folder holding the file path (without the last slash). */
static void dir_of(const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(buf, cap, ".");
}

/* Steps b (n pages, -1 for all) until it is not busy, for up to BUSY_MS. */
static int step(sqlite3_backup *b, int n)
{
    int64_t until = clock_mono_us() + (int64_t)BUSY_MS * 1000;
    for (;;) {
        int rc = sqlite3_backup_step(b, n);
        int base = rc & 0xFF;
        if ((base != SQLITE_BUSY && base != SQLITE_LOCKED) || clock_mono_us() > until)
            return rc;
        sqlite3_sleep(10);
    }
}

/* Copies all of src into dst in one step: one read transaction of src. */
static int copy_all(sqlite3 *dst, const char *dst_path, sqlite3 *src, struct kd_err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b)
        return db_fail(dst, sqlite3_errcode(dst), dst_path, err);
    int rc = step(b, -1);
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        return db_fail(dst, rc, dst_path, err);
    if (fin != SQLITE_OK)
        return db_fail(dst, fin, dst_path, err);
    return 0;
}

/* A snapshot of the database file src written to the new file dest. */
static int copy_file_db(const char *src, const char *dest, struct kd_err *err)
{
    if (create_private(dest, err) < 0)
        return -1;
    int rc = -1;
    sqlite3 *s = open_db(src, SQLITE_OPEN_READWRITE, err);
    sqlite3 *d = s ? open_db(dest, SQLITE_OPEN_READWRITE, err) : NULL;
    if (d && copy_all(d, dest, s, err) == 0 &&
        exec(d, "PRAGMA journal_mode=DELETE", dest, err) == 0)
        rc = 0;
    sqlite3_close_v2(d);
    sqlite3_close_v2(s);
    if (rc == 0)
        rc = sync_fd_path(dest, O_RDONLY, err);
    if (rc < 0)
        unlink_db(dest);
    return rc;
}

int backup_copy(struct catalog *cat, const char *code, const char *dest, struct kd_err *err)
{
    if (catalog_is_pg(cat))
        return backup_pg_copy(cat, code, dest, err);
    char src[PATH_MAX];
    if (db_path(cat, code, src, sizeof src, err) < 0)
        return -1;
    if (access(src, F_OK) != 0)
        return kd_fail(err, KD_NOT_FOUND, NULL, "%s has no database (%s)",
                       code ? code : "the control database", src);
    return copy_file_db(src, dest, err);
}

/* The first row's first column of a PRAGMA, or "" (copied into out). */
static int pragma_first(sqlite3 *db, const char *sql, const char *path, char *out, size_t cap,
                        struct kd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, path, err);
    out[0] = '\0';
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", t ? (const char *)t : "");
    }
    int fin = sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, rc, path, err);
    return fin == SQLITE_OK ? 0 : db_fail(db, fin, path, err);
}

int backup_check(const char *path, struct kd_err *err)
{
    if (backup_pg_is_archive(path))
        return backup_pg_check(path, err);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return kd_fail(err, KD_NOT_FOUND, "file", "%s: %s", path, strerror(errno));
    sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY, err);
    if (!db)
        return -1;
    char first[200];
    int rc = pragma_first(db, "PRAGMA integrity_check", path, first, sizeof first, err);
    if (rc == 0 && strcmp(first, "ok") != 0)
        rc = kd_fail(err, KD_INVALID_VALUE, "file", "%s is damaged: %s", path, first);
    if (rc == 0 && pragma_first(db, "PRAGMA foreign_key_check", path, first, sizeof first, err) < 0)
        rc = -1;
    else if (rc == 0 && first[0])
        rc = kd_fail(err, KD_INVALID_VALUE, "file",
                     "%s is damaged: a row of table %s refers to a row that is missing", path,
                     first);
    sqlite3_close_v2(db);
    return rc;
}

struct store *backup_open(const char *path, struct kd_err *err)
{
    if (backup_pg_is_archive(path))
        return backup_pg_open(path, err);
    struct store_options opt = {.read_only = true, .busy_timeout_ms = BUSY_MS};
    return store_open(path, &opt, err);
}

/* Copies the bytes of src to the new file dest (0600) and syncs it. */
static int copy_bytes(const char *src, const char *dest, struct kd_err *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return kd_fail(err, KD_NOT_FOUND, "file", "cannot read %s: %s", src, strerror(errno));
    int out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int e = errno;
        close(in);
        return kd_fail(err, KD_INTERNAL, NULL, "cannot create %s: %s", dest, strerror(e));
    }
    static _Thread_local char buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kd_fail(err, KD_INTERNAL, NULL, "cannot read %s: %s", src, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < n && rc == 0;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                rc = kd_fail(err, errno == ENOSPC ? KD_UNAVAILABLE : KD_INTERNAL, NULL,
                             "cannot write %s: %s", dest, strerror(errno));
            else
                off += w;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && fsync(out) != 0)
        rc = kd_fail(err, KD_INTERNAL, NULL, "cannot sync %s: %s", dest, strerror(errno));
    close(in);
    close(out);
    if (rc < 0)
        unlink(dest);
    return rc;
}

int backup_work_make(struct catalog *cat, const char *code, const char *path, char *work,
                     size_t cap, struct kd_err *err)
{
    char live[PATH_MAX], dir[PATH_MAX];
    if (db_path(cat, code, live, sizeof live, err) < 0)
        return -1;
    dir_of(live, dir, sizeof dir);
    snprintf(work, cap, "%s/.%s.restore.db", dir, code ? code : "control");
    unlink_db(work); /* left by a restore that was killed */
    return copy_bytes(path, work, err);
}

struct store *backup_work_open(const char *work, struct kd_err *err)
{
    struct store_options opt = {.busy_timeout_ms = BUSY_MS};
    return store_open(work, &opt, err);
}

void backup_work_discard(const char *work)
{
    unlink_db(work);
}

/* Opens work, lets the seal write to it, closes it. */
static int seal_work(const char *work, backup_seal_fn seal, void *ctx, struct store *replaced,
                     const char *replaced_name, struct kd_err *err)
{
    if (!seal)
        return 0;
    struct store *w = backup_work_open(work, err);
    if (!w)
        return -1;
    int rc = seal(ctx, w, replaced, replaced_name, err);
    store_close(w);
    return rc;
}

/* The town had no database: the sealed working database becomes it. */
static int create_from_work(const char *live, const char *work, backup_seal_fn seal, void *ctx,
                            struct kd_err *err)
{
    if (seal_work(work, seal, ctx, NULL, NULL, err) < 0)
        return -1;
    /* One file again (no -wal beside it), synced, then moved into place. */
    sqlite3 *db = open_db(work, SQLITE_OPEN_READWRITE, err);
    if (!db)
        return -1;
    int rc = exec(db, "PRAGMA journal_mode=DELETE", work, err);
    sqlite3_close_v2(db);
    if (rc < 0 || sync_fd_path(work, O_RDONLY, err) < 0)
        return -1;
    if (renameat2(AT_FDCWD, work, AT_FDCWD, live, RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST)
            return kd_fail(err, KD_CONFLICT, NULL,
                           "%s appeared while the restore ran; nothing was changed", live);
        return kd_fail(err, KD_INTERNAL, NULL, "cannot move %s to %s: %s", work, live,
                       strerror(errno));
    }
    return sync_dir_of(live, err);
}

/* <data>/<folder>/<code>-<UTC time>.db: where replaced or dropped
 * databases are kept. */
static int kept_path(const char *live, const char *code, const char *where, char *buf, size_t cap,
                     struct kd_err *err)
{
    char dir[PATH_MAX], data[PATH_MAX];
    dir_of(live, dir, sizeof dir);
    if (code)
        dir_of(dir, data, sizeof data); /* live is <data>/towns/<code>.db */
    else
        snprintf(data, sizeof data, "%s", dir);
    char folder[PATH_MAX];
    snprintf(folder, sizeof folder, "%s/%s", data, where);
    if (mkdir(folder, 0700) != 0 && errno != EEXIST)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot create %s: %s", folder, strerror(errno));
    char iso[CLOCK_ISO_LEN], stamp[20];
    clock_format_iso(clock_now_ms(), iso);
    /* 2026-11-27T03:04:05.678Z -> 20261127T030405Z */
    snprintf(stamp, sizeof stamp, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11,
             iso + 14, iso + 17);
    for (int n = 1; n < 100; n++) {
        if (n == 1)
            snprintf(buf, cap, "%s/%s-%s.db", folder, code ? code : "control", stamp);
        else
            snprintf(buf, cap, "%s/%s-%s-%d.db", folder, code ? code : "control", stamp, n);
        if (access(buf, F_OK) != 0)
            return 0;
    }
    return kd_fail(err, KD_CONFLICT, NULL, "too many %s copies of %s at %s", where,
                   code ? code : "control", stamp);
}

/* The town has a database: its contents are replaced in one transaction. */
static int replace_with_work(const char *live, const char *code, const char *work,
                             backup_seal_fn seal, void *ctx, char *aside, size_t cap,
                             struct kd_err *err)
{
    int rc = -1;
    bool aside_made = false;
    struct store *replaced = NULL;
    sqlite3_backup *b = NULL;
    sqlite3 *d = open_db(live, SQLITE_OPEN_READWRITE, err);
    sqlite3 *s = d ? open_db(work, SQLITE_OPEN_READWRITE, err) : NULL;
    if (!s)
        goto out;
    if (!(b = sqlite3_backup_init(d, "main", s, "main"))) {
        db_fail(d, sqlite3_errcode(d), live, err);
        goto out;
    }
    /* No page yet: this takes the live database's write lock, held to the
     * end. Readers go on with the old contents. */
    int r = step(b, 0);
    if (r != SQLITE_OK && r != SQLITE_DONE) {
        db_fail(d, r, live, err);
        goto out;
    }
    if (aside) {
        if (kept_path(live, code, "replaced", aside, cap, err) < 0 ||
            copy_file_db(live, aside, err) < 0)
            goto out;
        aside_made = true;
        if (!(replaced = backup_open(aside, err)))
            goto out;
    }
    if (seal_work(work, seal, ctx, replaced, aside, err) < 0)
        goto out;
    store_close(replaced);
    replaced = NULL;
    r = step(b, -1);
    if (r != SQLITE_DONE) {
        db_fail(d, r, live, err);
        goto out;
    }
    r = sqlite3_backup_finish(b);
    b = NULL;
    if (r != SQLITE_OK) {
        db_fail(d, r, live, err);
        goto out;
    }
    /* Fold the new pages into the database file now rather than leave a WAL
     * as large as the database to every reader (as far as readers allow). */
    sqlite3_wal_checkpoint_v2(d, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    rc = 0;
out:
    store_close(replaced);
    if (b)
        sqlite3_backup_finish(b); /* not done: rolls back, the lock goes */
    sqlite3_close_v2(s);
    sqlite3_close_v2(d);
    if (rc < 0 && aside_made)
        unlink_db(aside);
    return rc;
}

int backup_install(struct catalog *cat, const char *code, const char *work, backup_seal_fn seal,
                   void *ctx, char *aside, size_t cap, struct kd_err *err)
{
    char live[PATH_MAX];
    int rc = db_path(cat, code, live, sizeof live, err);
    if (rc == 0) {
        if (access(live, F_OK) == 0)
            rc = replace_with_work(live, code, work, seal, ctx, aside, cap, err);
        else if (errno != ENOENT || !code)
            rc = kd_fail(err, KD_INTERNAL, NULL, "cannot reach %s: %s", live, strerror(errno));
        else {
            if (aside && cap)
                aside[0] = '\0';
            rc = create_from_work(live, work, seal, ctx, err);
        }
    }
    backup_work_discard(work);
    return rc;
}

int backup_detach(struct catalog *cat, const char *code, const char *folder, char *kept, size_t cap,
                  struct kd_err *err)
{
    char live[PATH_MAX];
    if (catalog_is_pg(cat)) /* the schema is renamed, kept in its database */
        return catalog_town_set_aside(cat, code, folder, kept, cap, err);
    catalog_town_path(cat, code, live, sizeof live);
    if (access(live, F_OK) != 0)
        return kd_fail(err, KD_NOT_FOUND, NULL, "town %s has no database (%s)", code, live);
    /* Everything in the WAL goes into the file, which then stands alone. */
    sqlite3 *db = open_db(live, SQLITE_OPEN_READWRITE, err);
    if (!db)
        return -1;
    int rc = exec(db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", live, err);
    sqlite3_close_v2(db);
    if (rc < 0 || sync_fd_path(live, O_RDONLY, err) < 0 ||
        kept_path(live, code, folder, kept, cap, err) < 0)
        return -1;
    if (renameat2(AT_FDCWD, live, AT_FDCWD, kept, RENAME_NOREPLACE) != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot move %s to %s: %s", live, kept,
                       strerror(errno));
    return sync_dir_of(live, err) < 0 || sync_dir_of(kept, err) < 0 ? -1 : 0;
}
