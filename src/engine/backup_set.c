/*
 * backup_set.c — making, verifying and restoring backup sets
 * (backup_set.h).
 */
#include "engine/backup_set.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/tenant.h"
#include "store/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KYODO_VERSION
#define KYODO_VERSION "unknown"
#endif

/* ---- small helpers -------------------------------------------------------------- */

static int sync_path(const char *path, bool dir, struct kd_err *err)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot open %s: %s", path, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot sync %s: %s", path, strerror(e));
    return 0;
}

/* Splits path into its folder and last name (both without trailing
 * slashes). */
static void split_path(const char *path, char *dir, size_t dcap, char *base, size_t bcap)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    char *slash = strrchr(p, '/');
    if (!slash) {
        snprintf(dir, dcap, ".");
        snprintf(base, bcap, "%s", p);
    } else if (slash == p) {
        snprintf(dir, dcap, "/");
        snprintf(base, bcap, "%s", slash + 1);
    } else {
        *slash = '\0';
        snprintf(dir, dcap, "%s", p);
        snprintf(base, bcap, "%s", slash + 1);
    }
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes a folder the job made, with what is inside. */
static void remove_tree(const char *dir)
{
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

void backup_set_name(int64_t ms, char out[20])
{
    char iso[CLOCK_ISO_LEN];
    clock_format_iso(ms, iso);
    snprintf(out, 20, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14,
             iso + 17);
}

/* ---- what a copy holds ---------------------------------------------------------- */

static const char SQL_SCOPES[] =
    "SELECT scope, max(version) FROM schema_migrations GROUP BY scope ORDER BY scope";

/* The schema version of every scope in a database. */
static int read_scopes(struct store *s, struct manifest_db *d, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(s, SQL_SCOPES, err);
    if (!st)
        return -1;
    d->scope_count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t v = store_col_i64(st, 1);
        if (v < 1 || v > 1000000 ||
            manifest_add_scope(d, store_col_text(st, 0, NULL), (int)v, err) < 0) {
            store_reset(st);
            return kd_fail(err, KD_INVALID_VALUE, "schema",
                           "%s holds a schema version kyodo does not understand", d->file);
        }
    }
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

/* Fills the schema versions and, for a town, the audit head of the copy at
 * path. *broken is set when the town's chain does not verify. */
static int describe_copy(const char *path, struct manifest_db *d, bool *broken, struct kd_err *err)
{
    struct store *s = backup_open(path, err);
    if (!s)
        return -1;
    int rc = read_scopes(s, d, err);
    if (rc == 0 && d->kind == MANIFEST_TOWN) {
        struct audit_verdict v;
        rc = audit_verify(s, d->code, NULL, &v, err);
        if (rc == 0) {
            d->audit_entries = v.entries;
            memcpy(d->audit_head, v.head, MANIFEST_HASH_LEN);
            *broken = !v.ok;
        }
    }
    store_close(s);
    return rc;
}

/* ---- making a set --------------------------------------------------------------- */

struct town_list {
    struct tenant *items;
    size_t count, cap;
};

static int collect_town(void *ctx, const struct tenant *t)
{
    struct town_list *l = ctx;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct tenant *n = realloc(l->items, cap * sizeof *n);
        if (!n)
            return -1;
        l->items = n;
        l->cap = cap;
    }
    l->items[l->count++] = *t;
    return 0;
}

/* The destination may not exist, or be an empty folder (then replaced). */
static int check_destination(const char *out, struct kd_err *err)
{
    struct stat sb;
    if (stat(out, &sb) != 0) {
        if (errno == ENOENT)
            return 0;
        return kd_fail(err, KD_INTERNAL, "out", "cannot reach %s: %s", out, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return kd_fail(err, KD_CONFLICT, "out", "%s exists and is not a folder", out);
    DIR *d = opendir(out);
    if (!d)
        return kd_fail(err, KD_INTERNAL, "out", "cannot read %s: %s", out, strerror(errno));
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    if (!empty)
        return kd_fail(err, KD_CONFLICT, "out",
                       "%s is not empty: a backup goes into a new or empty folder", out);
    return 0;
}

/* Copies one database into the set folder and describes it. */
static int copy_one(struct catalog *cat, const char *tmp, struct manifest_db *d, const char *code,
                    int *broken, backup_progress_fn progress, void *ctx, struct kd_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tmp, d->file);
    clock_format_iso(clock_now_ms(), d->taken_at);
    int64_t t0 = clock_mono_us();
    if (backup_copy(cat, code, path, err) < 0)
        return -1;
    int64_t us = clock_mono_us() - t0;
    bool bad_chain = false;
    if (manifest_hash_file(path, d->sha256, &d->bytes, err) < 0 ||
        describe_copy(path, d, &bad_chain, err) < 0)
        return -1;
    if (bad_chain)
        (*broken)++;
    if (progress)
        progress(ctx, d, us);
    return 0;
}

static void actor_entry(struct audit_entry *e, const struct backup_actor *a, const char *action,
                        const char *detail)
{
    *e = (struct audit_entry){
        .user_login = a->login,
        .role = a->role,
        .action = action,
        .outcome = "ok",
        .purpose = a->purpose,
        .request_id = a->request_id,
        .detail = detail,
    };
}

/* "backup.create" in each town's log, before the set is complete. */
static int audit_copies(struct catalog *cat, const struct manifest *m, const char *set_name,
                        const struct backup_actor *actor, struct kd_err *err)
{
    for (size_t i = 0; i < m->count; i++) {
        const struct manifest_db *d = &m->dbs[i];
        if (d->kind != MANIFEST_TOWN)
            continue;
        char head[MANIFEST_HASH_LEN * 2 + 1], detail[400];
        text_hex(d->audit_head, MANIFEST_HASH_LEN, head);
        snprintf(detail, sizeof detail, "%s backup %s: copy of entries 1..%lld, head %lld:%s",
                 m->origin, set_name, (long long)d->audit_entries, (long long)d->audit_entries,
                 head);
        struct audit_entry e;
        actor_entry(&e, actor, "backup.create", detail);
        struct store *town = catalog_town(cat, d->code, err);
        if (!town || audit_append(town, d->code, &e, err) < 0)
            return -1;
    }
    return 0;
}

static int write_manifest(const char *tmp, const struct manifest *m, struct kd_err *err)
{
    size_t len;
    char *text = manifest_to_json(m, &len, err);
    if (!text)
        return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tmp, MANIFEST_NAME);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = 0;
    if (fd < 0) {
        rc = kd_fail(err, KD_INTERNAL, NULL, "cannot create %s: %s", path, strerror(errno));
    } else {
        size_t off = 0;
        while (rc == 0 && off < len) {
            ssize_t n = write(fd, text + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                rc = kd_fail(err, KD_INTERNAL, NULL, "cannot write %s: %s", path, strerror(errno));
            else
                off += (size_t)n;
        }
        if (rc == 0 && fsync(fd) != 0)
            rc = kd_fail(err, KD_INTERNAL, NULL, "cannot sync %s: %s", path, strerror(errno));
        close(fd);
    }
    free(text);
    return rc;
}

static int list_towns(struct catalog *cat, const struct backup_request *rq, struct town_list *l,
                      struct kd_err *err)
{
    struct store *ctl = catalog_control(cat, err);
    if (!ctl)
        return -1;
    if (rq->all) {
        if (tenant_list(ctl, collect_town, l, err) < 0)
            return -1;
        return 0;
    }
    struct tenant t;
    if (tenant_get(ctl, rq->tenant, &t, err) < 0) {
        if (err->code == KD_NOT_FOUND)
            kd_fail(err, KD_NOT_FOUND, "tenant", "town %s is not registered", rq->tenant);
        return -1;
    }
    if (collect_town(l, &t) < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return 0;
}

/* Every database of the request, copied into tmp and described in m. */
static int fill_set(struct catalog *cat, const struct backup_request *rq, const char *tmp,
                    struct manifest *m, int *broken, backup_progress_fn progress, void *ctx,
                    struct kd_err *err)
{
    struct town_list towns = {0};
    /* A pg_dump archive is not a database file: named so. */
    const char *ext = catalog_is_pg(cat) ? "dump" : "db";
    int rc = list_towns(cat, rq, &towns, err);
    if (rc == 0 && (rq->all || rq->control)) {
        struct manifest_db *d = manifest_add(m, err);
        if (!d)
            rc = -1;
        else {
            d->kind = MANIFEST_CONTROL;
            snprintf(d->file, sizeof d->file, "control.%s", ext);
            rc = copy_one(cat, tmp, d, NULL, broken, progress, ctx, err);
        }
    }
    for (size_t i = 0; rc == 0 && i < towns.count; i++) {
        const struct tenant *t = &towns.items[i];
        struct manifest_db *d = manifest_add(m, err);
        if (!d) {
            rc = -1;
            break;
        }
        d->kind = MANIFEST_TOWN;
        memcpy(d->code, t->code, sizeof d->code);
        snprintf(d->name, sizeof d->name, "%s", t->name);
        d->active = t->active;
        snprintf(d->file, sizeof d->file, "%s.%s", t->code, ext);
        rc = copy_one(cat, tmp, d, t->code, broken, progress, ctx, err);
        if (rc < 0 && err->code == KD_NOT_FOUND)
            kd_fail(err, KD_NOT_FOUND, "tenant", "town %s (%s) has no database to back up", t->code,
                    t->name);
    }
    free(towns.items);
    return rc;
}

int backup_set_make(struct catalog *cat, const struct backup_request *rq, struct manifest *out,
                    int *broken, backup_progress_fn progress, void *ctx, struct kd_err *err)
{
    manifest_init(out);
    *broken = 0;
    if (!rq->all && !rq->tenant)
        return kd_fail(err, KD_MISSING_FIELD, "tenant", "name a town, or all of them");
    if (check_destination(rq->out_dir, err) < 0)
        return -1;
    char parent[PATH_MAX], base[NAME_MAX + 1], tmp[PATH_MAX];
    split_path(rq->out_dir, parent, sizeof parent, base, sizeof base);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", parent, base);
    if (!mkdtemp(tmp)) /* mode 0700 */
        return kd_fail(err, KD_INTERNAL, "out", "cannot create a folder in %s: %s", parent,
                       strerror(errno));
    snprintf(out->kyodo_version, sizeof out->kyodo_version, "%s", KYODO_VERSION);
    snprintf(out->engine, sizeof out->engine, "%s", backup_engine(cat));
    snprintf(out->origin, sizeof out->origin, "%s", rq->origin);
    clock_format_iso(clock_now_ms(), out->created_at);
    if (fill_set(cat, rq, tmp, out, broken, progress, ctx, err) < 0 ||
        audit_copies(cat, out, base, rq->actor, err) < 0 || write_manifest(tmp, out, err) < 0 ||
        sync_path(tmp, true, err) < 0)
        goto out_remove;
    /* The set appears complete, or not at all. */
    if (rename(tmp, rq->out_dir) != 0) {
        kd_fail(err, errno == ENOTEMPTY || errno == EEXIST ? KD_CONFLICT : KD_INTERNAL, "out",
                "cannot move the backup to %s: %s", rq->out_dir, strerror(errno));
        goto out_remove;
    }
    return sync_path(parent, true, err);
out_remove:
    remove_tree(tmp);
    return -1;
}

/* ---- verifying a set -------------------------------------------------------------- */

/* Size and SHA-256 of the file of d in dir against the manifest. */
static int check_file(const char *dir, const struct manifest_db *d, char *path, size_t cap,
                      struct kd_err *err)
{
    snprintf(path, cap, "%s/%s", dir, d->file);
    unsigned char sha[MANIFEST_HASH_LEN];
    uint64_t bytes;
    if (manifest_hash_file(path, sha, &bytes, err) < 0)
        return -1;
    if (bytes != d->bytes)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s has %llu bytes, the manifest says %llu: the file was changed or "
                       "cut since the backup",
                       d->file, (unsigned long long)bytes, (unsigned long long)d->bytes);
    if (memcmp(sha, d->sha256, MANIFEST_HASH_LEN) != 0)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s does not match its checksum (SHA-256 differs from the manifest's): "
                       "the file was changed or damaged since the backup",
                       d->file);
    return 0;
}

/* Everything about one copy against its manifest entry: the file, its
 * structure, its schemas and, for a town, its audit chain. */
static int check_copy(const char *dir, const struct manifest_db *d, struct manifest_db *seen,
                      struct kd_err *err)
{
    char path[PATH_MAX];
    if (check_file(dir, d, path, sizeof path, err) < 0 || backup_check(path, err) < 0)
        return -1;
    *seen = *d;
    bool broken = false;
    if (describe_copy(path, seen, &broken, err) < 0)
        return -1;
    bool same = seen->scope_count == d->scope_count;
    for (int i = 0; same && i < d->scope_count; i++)
        same = manifest_scope_version(seen, d->scopes[i].name) == d->scopes[i].version;
    if (!same)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s: its schema versions are not the ones the manifest lists", d->file);
    if (d->kind != MANIFEST_TOWN)
        return 0;
    if (broken)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s: the audit chain does not verify for town %s after entry %lld "
                       "(a copy of another town, or altered)",
                       d->file, d->code, (long long)seen->audit_entries);
    if (seen->audit_entries != d->audit_entries ||
        memcmp(seen->audit_head, d->audit_head, MANIFEST_HASH_LEN) != 0)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s: the audit chain ends at entry %lld, not at the manifest's head "
                       "(entry %lld)",
                       d->file, (long long)seen->audit_entries, (long long)d->audit_entries);
    return 0;
}

int backup_set_verify(const char *dir, struct manifest *m, backup_verdict_fn each, void *ctx,
                      struct kd_err *err)
{
    if (manifest_load(m, dir, err) < 0)
        return -1;
    int problems = 0;
    for (size_t i = 0; i < m->count; i++) {
        struct kd_err e;
        kd_err_clear(&e);
        struct manifest_db seen;
        int rc = check_copy(dir, &m->dbs[i], &seen, &e);
        if (rc < 0)
            problems++;
        if (each)
            each(ctx, &m->dbs[i], rc < 0 ? &e : NULL);
    }
    return problems;
}

/* ---- restoring ------------------------------------------------------------------ */

/* from: a set's folder, its manifest, or a file in it. */
static int resolve_from(const char *from, char *dir, size_t dcap, char *file, size_t fcap,
                        struct kd_err *err)
{
    struct stat sb;
    if (stat(from, &sb) != 0)
        return kd_fail(err, KD_NOT_FOUND, "from", "%s: %s", from, strerror(errno));
    file[0] = '\0';
    if (S_ISDIR(sb.st_mode)) {
        snprintf(dir, dcap, "%s", from);
        return 0;
    }
    if (!S_ISREG(sb.st_mode))
        return kd_fail(err, KD_INVALID_VALUE, "from",
                       "%s is neither a backup folder nor a file in one", from);
    split_path(from, dir, dcap, file, fcap);
    if (strcmp(file, MANIFEST_NAME) == 0)
        file[0] = '\0';
    return 0;
}

static int pick_town(const struct manifest *m, const char *dir, const char *code, const char *file,
                     const struct manifest_db **out, struct kd_err *err)
{
    const struct manifest_db *d = NULL;
    if (file[0]) {
        for (size_t i = 0; i < m->count && !d; i++)
            if (strcmp(m->dbs[i].file, file) == 0)
                d = &m->dbs[i];
        if (!d)
            return kd_fail(err, KD_INVALID_VALUE, "from",
                           "%s is not a file of the backup in %s (its manifest does not list it)",
                           file, dir);
        if (d->kind != MANIFEST_TOWN)
            return kd_fail(err, KD_INVALID_VALUE, "from",
                           "%s is the backup of the control database, not of a town", file);
        if (strcmp(d->code, code) != 0)
            return kd_fail(err, KD_INVALID_VALUE, "tenant",
                           "%s is the backup of town %s (%s), not of %s", file, d->code, d->name,
                           code);
    } else if (!(d = manifest_town(m, code))) {
        const struct manifest_db *only = NULL;
        size_t towns = 0;
        for (size_t i = 0; i < m->count; i++)
            if (m->dbs[i].kind == MANIFEST_TOWN && ++towns == 1)
                only = &m->dbs[i];
        if (towns == 1)
            return kd_fail(err, KD_INVALID_VALUE, "tenant",
                           "the backup in %s is of town %s (%s), not of %s", dir, only->code,
                           only->name, code);
        return kd_fail(err, KD_INVALID_VALUE, "tenant", "the backup in %s holds no town %s", dir,
                       code);
    }
    *out = d;
    return 0;
}

static int check_engine(struct catalog *cat, const struct manifest *m, struct kd_err *err)
{
    if (strcmp(m->engine, backup_engine(cat)) != 0)
        return kd_fail(err, KD_INVALID_VALUE, "engine",
                       "the backup was made with the %s engine; this deployment uses %s "
                       "(move data between engines with kyodo export and import)",
                       m->engine, backup_engine(cat));
    return 0;
}

/* Every scope of the copy is known to this program at the copy's version
 * or a later one. */
static int check_not_newer(const struct manifest_db *seen, const struct store_schema *const *list,
                           size_t n, struct kd_err *err)
{
    for (int i = 0; i < seen->scope_count; i++) {
        const struct manifest_scope *sc = &seen->scopes[i];
        const struct store_schema *mine = NULL;
        for (size_t j = 0; j < n && !mine; j++)
            if (strcmp(list[j]->scope, sc->name) == 0)
                mine = list[j];
        if (!mine)
            return kd_fail(err, KD_INVALID_VALUE, "schema",
                           "the backup was made by a newer kyodo: it holds the schema %s, which "
                           "this kyodo (%s) does not know",
                           sc->name, KYODO_VERSION);
        if ((size_t)sc->version > mine->count)
            return kd_fail(err, KD_INVALID_VALUE, "schema",
                           "the backup was made by a newer kyodo: its schema %s is at version "
                           "%d, this kyodo (%s) knows versions up to %zu",
                           sc->name, sc->version, KYODO_VERSION, mine->count);
    }
    return 0;
}

/* The copy of d in dir is intact, verifies, and is not newer than this
 * program: all checked before anything changes. path receives its file. */
static int check_restorable(const char *dir, const struct manifest_db *d,
                            const struct store_schema *const *list, size_t n, char *path,
                            size_t cap, struct kd_err *err)
{
    struct manifest_db seen;
    if (check_copy(dir, d, &seen, err) < 0 || check_not_newer(&seen, list, n, err) < 0)
        return -1;
    snprintf(path, cap, "%s/%s", dir, d->file);
    return 0;
}

/* A working database from the copy at path, migrated to this program. */
static int make_work(struct catalog *cat, const char *code, const char *path,
                     backup_migrate_fn migrate, char *work, size_t cap,
                     int (*more)(struct store *, struct kd_err *), struct kd_err *err)
{
    if (backup_work_make(cat, code, path, work, cap, err) < 0)
        return -1;
    struct store *w = backup_work_open(work, err);
    int rc = w && migrate(w, err) == 0 && (!more || more(w, err) == 0) ? 0 : -1;
    store_close(w);
    if (rc < 0)
        backup_work_discard(work);
    return rc;
}

static const char SQL_AUDIT_HEAD[] = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";

/* The last entry of a town's log (seq 0 and a zero hash when empty). */
static int audit_head(struct store *s, int64_t *seq, unsigned char hash[AUDIT_HASH_LEN],
                      struct kd_err *err)
{
    struct store_stmt *st = store_prepare(s, SQL_AUDIT_HEAD, err);
    if (!st)
        return -1;
    *seq = 0;
    memset(hash, 0, AUDIT_HASH_LEN);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        size_t n;
        const void *h = store_col_blob(st, 1, &n);
        *seq = store_col_i64(st, 0);
        if (h && n == AUDIT_HASH_LEN)
            memcpy(hash, h, AUDIT_HASH_LEN);
    }
    store_reset(st);
    return rc == STORE_ERROR ? -1 : 0;
}

struct seal_ctx {
    const struct backup_actor *actor;
    const struct manifest_db *d;
    const char *set_name;
    bool registering;
    int64_t entries;
};

/* The restore's own audit entry, appended to the restored chain. */
static int seal_restore(void *p, struct store *work, struct store *replaced,
                        const char *replaced_name, struct kd_err *err)
{
    struct seal_ctx *c = p;
    char head[MANIFEST_HASH_LEN * 2 + 1], was[400], detail[900];
    text_hex(c->d->audit_head, MANIFEST_HASH_LEN, head);
    if (replaced) {
        int64_t seq;
        unsigned char h[AUDIT_HASH_LEN];
        char hex[AUDIT_HASH_LEN * 2 + 1], dir[PATH_MAX], base[NAME_MAX + 1];
        if (audit_head(replaced, &seq, h, err) < 0)
            return -1;
        text_hex(h, AUDIT_HASH_LEN, hex);
        split_path(replaced_name, dir, sizeof dir, base, sizeof base);
        snprintf(was, sizeof was,
                 "the replaced database (entries 1..%lld, head %lld:%s) is kept as replaced/%s",
                 (long long)seq, (long long)seq, hex, base);
    } else {
        snprintf(was, sizeof was, "the town had no database%s",
                 c->registering ? "; its registry entry is made again, disabled" : "");
    }
    snprintf(detail, sizeof detail,
             "restored from backup %s taken %s (entries 1..%lld, head %lld:%s); %s", c->set_name,
             c->d->taken_at, (long long)c->d->audit_entries, (long long)c->d->audit_entries, head,
             was);
    struct audit_entry e;
    actor_entry(&e, c->actor, "backup.restore", detail);
    if (audit_append(work, c->d->code, &e, err) < 0)
        return -1;
    c->entries = e.seq;
    return 0;
}

/* PostgreSQL: a dropped town's schema made from its archive, migrated and
 * sealed with the restore's entry; if either fails, the schema is set aside
 * (as a half-made registration's) so that nothing half-restored is served. */
static int install_pg(struct catalog *cat, const struct backup_program *prog, const char *path,
                      struct seal_ctx *sc, struct kd_err *err)
{
    const char *code = sc->d->code;
    if (backup_pg_load(cat, code, path, err) < 0)
        return -1;
    struct store *town = catalog_town(cat, code, err);
    if (town && prog->migrate_town(town, err) == 0 && seal_restore(sc, town, NULL, NULL, err) == 0)
        return 0;
    char kept[128];
    struct kd_err e2;
    catalog_town_set_aside(cat, code, "orphans", kept, sizeof kept, &e2);
    return -1;
}

/* Restores the town of entry d from the set in dir (its copy checked first,
 * unless the caller has just done so). */
static int restore_town_from(struct catalog *cat, const struct backup_program *prog,
                             const char *dir, const struct manifest_db *d,
                             const struct backup_actor *actor, bool checked,
                             struct backup_restore_result *res, struct kd_err *err)
{
    char path[PATH_MAX], work[PATH_MAX], dummy[PATH_MAX], set_name[NAME_MAX + 1];
    split_path(dir, dummy, sizeof dummy, set_name, sizeof set_name);
    const struct catalog_schemas *sch = prog->schemas;
    snprintf(path, sizeof path, "%s/%s", dir, d->file);
    if (!checked &&
        check_restorable(dir, d, sch->town, sch->town_count, path, sizeof path, err) < 0)
        return -1;
    struct store *ctl = catalog_control(cat, err);
    if (!ctl)
        return -1;
    struct tenant t;
    bool registered = tenant_get(ctl, d->code, &t, err) == 0;
    if (!registered && err->code != KD_NOT_FOUND)
        return -1;
    struct seal_ctx sc = {actor, d, set_name, !registered, 0};
    if (catalog_is_pg(cat)) {
        if (install_pg(cat, prog, path, &sc, err) < 0)
            return -1;
    } else if (make_work(cat, d->code, path, prog->migrate_town, work, sizeof work, NULL, err) <
                   0 ||
               backup_install(cat, d->code, work, seal_restore, &sc, res->aside, sizeof res->aside,
                              err) < 0) {
        return -1;
    }
    res->db = *d;
    res->entries = sc.entries;
    res->active = registered ? t.active : false;
    if (!registered) {
        if (tenant_register(ctl, d->code, d->name, false, err) < 0)
            return -1;
        res->registered = true;
    }
    return 0;
}

int backup_restore_town(struct catalog *cat, const struct backup_program *prog, const char *from,
                        const char *code, const struct backup_actor *actor,
                        struct backup_restore_result *res, struct kd_err *err)
{
    memset(res, 0, sizeof *res);
    char file[NAME_MAX + 1];
    if (resolve_from(from, res->set_dir, sizeof res->set_dir, file, sizeof file, err) < 0)
        return -1;
    struct manifest m;
    const struct manifest_db *d = NULL;
    int rc = -1;
    if (manifest_load(&m, res->set_dir, err) == 0 && check_engine(cat, &m, err) == 0 &&
        pick_town(&m, res->set_dir, code, file, &d, err) == 0)
        rc = restore_town_from(cat, prog, res->set_dir, d, actor, false, res, err);
    manifest_free(&m);
    return rc;
}

/* Sessions are not carried to a standby: a session that ended after the
 * backup must not come back. */
static int drop_sessions(struct store *ctl, struct kd_err *err)
{
    return store_exec(ctl, "DELETE FROM sessions", err);
}

int backup_restore_all(struct catalog *cat, const struct backup_program *prog, const char *from,
                       const struct backup_actor *actor, backup_progress_fn progress, void *ctx,
                       struct kd_err *err)
{
    char dir[PATH_MAX], file[NAME_MAX + 1], path[PATH_MAX], work[PATH_MAX];
    if (resolve_from(from, dir, sizeof dir, file, sizeof file, err) < 0)
        return -1;
    if (file[0])
        return kd_fail(err, KD_INVALID_VALUE, "from",
                       "restore --all takes the backup's folder (or its manifest), not one file");
    if (catalog_is_pg(cat))
        return kd_fail(err, KD_INVALID_VALUE, "store",
                       "kyodo restore --all onto a PostgreSQL store is not built yet: a standby "
                       "site on PostgreSQL is a streaming replica (docs/operations.md)");
    struct manifest m;
    int rc = -1;
    const struct manifest_db *ctl = NULL;
    const struct catalog_schemas *sch = prog->schemas;
    if (manifest_load(&m, dir, err) < 0 || check_engine(cat, &m, err) < 0)
        goto out;
    if (!(ctl = manifest_control(&m))) {
        kd_fail(err, KD_INVALID_VALUE, "from",
                "the backup in %s holds no control database: a whole deployment is restored "
                "from a backup made with --all",
                dir);
        goto out;
    }
    /* Every copy is checked before the first one is put in place. */
    for (size_t i = 0; i < m.count; i++) {
        const struct manifest_db *d = &m.dbs[i];
        bool town = d->kind == MANIFEST_TOWN;
        if (check_restorable(dir, d, town ? sch->town : sch->control,
                             town ? sch->town_count : sch->control_count, path, sizeof path,
                             err) < 0)
            goto out;
    }
    int64_t t0 = clock_mono_us();
    snprintf(path, sizeof path, "%s/%s", dir, ctl->file);
    if (make_work(cat, NULL, path, prog->migrate_control, work, sizeof work, drop_sessions, err) <
            0 ||
        backup_install(cat, NULL, work, NULL, NULL, NULL, 0, err) < 0)
        goto out;
    if (progress)
        progress(ctx, ctl, clock_mono_us() - t0);
    for (size_t i = 0; i < m.count; i++) {
        if (m.dbs[i].kind != MANIFEST_TOWN)
            continue;
        t0 = clock_mono_us();
        struct backup_restore_result res;
        memset(&res, 0, sizeof res);
        if (restore_town_from(cat, prog, dir, &m.dbs[i], actor, true, &res, err) < 0)
            goto out;
        if (progress)
            progress(ctx, &m.dbs[i], clock_mono_us() - t0);
    }
    rc = 0;
out:
    manifest_free(&m);
    return rc;
}

/* ---- pruning -------------------------------------------------------------------- */

/* "20261127T030405Z", optionally followed by "-N". */
static bool is_set_name(const char *s)
{
    static const char shape[] = "ddddddddTddddddZ";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (!s[i])
            return false;
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return false;
    }
    const char *rest = s + sizeof shape - 1;
    if (!*rest)
        return true;
    if (*rest++ != '-' || !*rest)
        return false;
    for (; *rest; rest++)
        if (*rest < '0' || *rest > '9')
            return false;
    return true;
}

static int cmp_desc(const void *a, const void *b)
{
    return -strcmp(*(char *const *)a, *(char *const *)b);
}

int backup_set_prune(const char *dir, int keep, struct kd_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot read %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t count = 0, cap = 0;
    int removed = 0;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        /* A scheduled set a killed job left unfinished: ".<name>.tmp-XXXXXX". */
        const char *tmp = strstr(e->d_name, ".tmp-");
        if (e->d_name[0] == '.' && tmp) {
            char name[NAME_MAX + 1];
            snprintf(name, sizeof name, "%.*s", (int)(tmp - e->d_name - 1), e->d_name + 1);
            if (is_set_name(name)) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                remove_tree(path);
                removed++;
            }
            continue;
        }
        if (!is_set_name(e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s/%s", dir, e->d_name, MANIFEST_NAME);
        if (access(path, F_OK) != 0)
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **n = realloc(names, ncap * sizeof *n);
            if (!n)
                break;
            names = n;
            cap = ncap;
        }
        if (!(names[count] = strdup(e->d_name)))
            break;
        count++;
    }
    closedir(d);
    if (count > 1)
        qsort(names, count, sizeof *names, cmp_desc);
    for (size_t i = 0; i < count; i++) {
        if (i >= (size_t)keep) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            remove_tree(path);
            removed++;
        }
        free(names[i]);
    }
    free(names);
    return removed;
}
