/*
 * tenant.c — the tenant registry.
 */
#include "engine/tenant.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/ident.h"
#include "store/backup.h"

#include <stdio.h>
#include <string.h>

static const struct store_migration tenant_steps[] = {
    {1, "CREATE TABLE tenants ("
        " code TEXT PRIMARY KEY CHECK (length(code) = 6),"
        " name TEXT NOT NULL,"
        " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL"
        ") STRICT"},
};

const struct store_schema tenant_schema = {"tenants", tenant_steps,
                                           sizeof tenant_steps / sizeof tenant_steps[0]};

int tenant_check_code(const char *s, size_t len, struct kd_err *err)
{
    if (len != 6 || !text_all_digits(s, len))
        return kd_fail(err, KD_INVALID_VALUE, "code",
                       "code must be the six-digit 全国地方公共団体コード");
    if (!ident_lg_code_valid(s, len))
        return kd_fail(err, KD_INVALID_VALUE, "code",
                       "code has a wrong check digit (the sixth digit should be %d)",
                       ident_lg_code_check_digit(s));
    return 0;
}

int tenant_check_name(const char *s, size_t len, struct kd_err *err)
{
    return text_check_line(s, len, 1, TENANT_NAME_CHARS, "name", err);
}

static const char SQL_INSERT[] =
    "INSERT INTO tenants (code, name, active, created_at, updated_at) VALUES (?, ?, 1, ?, ?)";

int tenant_add(struct catalog *cat, const char *code, const char *name, tenant_init_fn init,
               void *ctx, struct kd_err *err)
{
    if (tenant_check_code(code, strlen(code), err) < 0 ||
        tenant_check_name(name, strlen(name), err) < 0)
        return -1;
    struct store *ctl = catalog_control(cat, err);
    if (!ctl || store_begin_write(ctl, err) < 0)
        return -1;
    bool created = false;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), now);
    struct store_stmt *st = store_prepare(ctl, SQL_INSERT, err);
    if (!st)
        goto out_rollback;
    store_bind_str(st, 1, code);
    store_bind_str(st, 2, name);
    store_bind_str(st, 3, now);
    store_bind_str(st, 4, now);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT) {
        kd_fail(err, KD_CONFLICT, "code", "town %s is already registered", code);
        goto out_rollback;
    }
    if (rc != STORE_DONE)
        goto out_rollback;
    /* The database is created, and initialised, while the registry row is
     * still uncommitted: no session can reach the town yet, and if anything
     * fails the file is dropped with the row. A database already there
     * belongs to no registered town (the row just went in): a registration
     * killed before its commit left it (or a restore killed before it
     * registered the town). It is kept aside, and the town made anew. */
    if (catalog_town_create(cat, code, err) < 0) {
        char kept[4096];
        if (err->code != KD_CONFLICT ||
            backup_detach(cat, code, "orphans", kept, sizeof kept, err) < 0 ||
            catalog_town_create(cat, code, err) < 0)
            goto out_rollback;
    }
    created = true;
    if (init) {
        struct store *town = catalog_town(cat, code, err);
        if (!town || init(ctx, code, ctl, town, err) < 0)
            goto out_rollback;
    }
    if (store_commit(ctl, err) < 0)
        goto out_drop;
    return 0;
out_rollback:
    store_rollback(ctl);
out_drop:
    if (created)
        catalog_town_drop(cat, code);
    return -1;
}

static const char SQL_REGISTER[] =
    "INSERT INTO tenants (code, name, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)";

int tenant_register(struct store *ctl, const char *code, const char *name, bool active,
                    struct kd_err *err)
{
    if (tenant_check_code(code, strlen(code), err) < 0 ||
        tenant_check_name(name, strlen(name), err) < 0 || store_begin_write(ctl, err) < 0)
        return -1;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), now);
    struct store_stmt *st = store_prepare(ctl, SQL_REGISTER, err);
    enum store_step rc = STORE_ERROR;
    if (st) {
        store_bind_str(st, 1, code);
        store_bind_str(st, 2, name);
        store_bind_i64(st, 3, active ? 1 : 0);
        store_bind_str(st, 4, now);
        store_bind_str(st, 5, now);
        rc = store_step(st, err);
        store_reset(st);
    }
    if (rc == STORE_CONSTRAINT)
        kd_fail(err, KD_CONFLICT, "code", "town %s is already registered", code);
    if (rc != STORE_DONE) {
        store_rollback(ctl);
        return -1;
    }
    return store_commit(ctl, err);
}

static const char *const SQL_REMOVE[] = {
    "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE tenant_code = ?)",
    "DELETE FROM users WHERE tenant_code = ?",
    "DELETE FROM tenants WHERE code = ?",
};

int tenant_remove(struct store *ctl, const char *code, struct kd_err *err)
{
    if (store_begin_write(ctl, err) < 0)
        return -1;
    size_t n = sizeof SQL_REMOVE / sizeof SQL_REMOVE[0];
    for (size_t i = 0; i < n; i++) {
        struct store_stmt *st = store_prepare(ctl, SQL_REMOVE[i], err);
        if (!st)
            goto out_rollback;
        store_bind_str(st, 1, code);
        enum store_step rc = store_step(st, err);
        store_reset(st);
        if (rc != STORE_DONE)
            goto out_rollback;
    }
    if (store_changes(ctl) == 0) {
        kd_fail(err, KD_NOT_FOUND, "code", "no such town");
        goto out_rollback;
    }
    return store_commit(ctl, err);
out_rollback:
    store_rollback(ctl);
    return -1;
}

static void read_row(struct store_stmt *st, struct tenant *t)
{
    size_t n;
    const char *s = store_col_text(st, 0, &n);
    kd_copy_utf8(t->code, sizeof t->code, s, n);
    s = store_col_text(st, 1, &n);
    kd_copy_utf8(t->name, sizeof t->name, s, n);
    t->active = store_col_i64(st, 2) != 0;
    s = store_col_text(st, 3, &n);
    kd_copy_utf8(t->created_at, sizeof t->created_at, s, n);
    s = store_col_text(st, 4, &n);
    kd_copy_utf8(t->updated_at, sizeof t->updated_at, s, n);
}

static const char SQL_GET[] =
    "SELECT code, name, active, created_at, updated_at FROM tenants WHERE code = ?";

int tenant_get(struct store *ctl, const char *code, struct tenant *out, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_GET, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, code);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        read_row(st, out);
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "code", "no such town");
    return rc == STORE_ROW ? 0 : -1;
}

static const char SQL_LIST[] =
    "SELECT code, name, active, created_at, updated_at FROM tenants ORDER BY code";

int tenant_list(struct store *ctl, tenant_each_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_LIST, err);
    if (!st)
        return -1;
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct tenant t;
        read_row(st, &t);
        if (each(ctx, &t) < 0) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory listing towns");
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

static const char SQL_UPDATE[] =
    "UPDATE tenants SET name = coalesce(?, name), active = coalesce(?, active), updated_at = ?"
    " WHERE code = ?";

int tenant_update(struct store *ctl, const char *code, const char *name, int active,
                  struct kd_err *err)
{
    if (name && tenant_check_name(name, strlen(name), err) < 0)
        return -1;
    if (store_begin_write(ctl, err) < 0)
        return -1;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), now);
    struct store_stmt *st = store_prepare(ctl, SQL_UPDATE, err);
    if (!st)
        goto out_rollback;
    store_bind_str(st, 1, name);
    if (active >= 0)
        store_bind_i64(st, 2, active);
    else
        store_bind_null(st, 2);
    store_bind_str(st, 3, now);
    store_bind_str(st, 4, code);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc != STORE_DONE)
        goto out_rollback;
    if (store_changes(ctl) == 0) {
        kd_fail(err, KD_NOT_FOUND, "code", "no such town");
        goto out_rollback;
    }
    return store_commit(ctl, err);
out_rollback:
    store_rollback(ctl);
    return -1;
}
