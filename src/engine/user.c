/*
 * user.c — staff accounts: checks, storage, password changes, sign-in.
 */
#include "engine/user.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/password.h"

#include <stdio.h>
#include <string.h>

static const struct store_migration user_steps[] = {
    {1, "CREATE TABLE users ("
        " id INTEGER PRIMARY KEY,"
        " tenant_code TEXT NOT NULL REFERENCES tenants (code),"
        " login TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " role TEXT NOT NULL,"
        " password_hash TEXT NOT NULL,"
        " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
        " failed_logins INTEGER NOT NULL DEFAULT 0,"
        " locked_until INTEGER NOT NULL DEFAULT 0,"
        " epoch INTEGER NOT NULL DEFAULT 1,"
        " password_changed_at TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL,"
        " UNIQUE (tenant_code, login)"
        ") STRICT"},
};

const struct store_schema user_schema = {"users", user_steps,
                                         sizeof user_steps / sizeof user_steps[0]};

int user_check_login(const char *s, size_t len, const char *field, struct kd_err *err)
{
    if (len < 2 || len > USER_LOGIN_MAX)
        return kd_fail(err, len > USER_LOGIN_MAX ? KD_TOO_LONG : KD_INVALID_VALUE, field,
                       "%s must be 2 to %d characters", field, USER_LOGIN_MAX);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "%s may use only a-z, 0-9, '.', '_' and '-', and must start with a "
                           "letter or digit",
                           field);
    }
    return 0;
}

int user_check_name(const char *s, size_t len, struct kd_err *err)
{
    return text_check_line(s, len, 1, USER_NAME_CHARS, "name", err);
}

int user_check_password(const char *pw, size_t len, int min_chars, const char *login,
                        const char *field, struct kd_err *err)
{
    size_t bad_at;
    if (len > PASSWORD_MAX_BYTES)
        return kd_fail(err, KD_TOO_LONG, field, "%s is too long (at most %d bytes)", field,
                       PASSWORD_MAX_BYTES);
    if (!text_utf8_valid(pw, len, &bad_at))
        return kd_fail(err, KD_INVALID_UTF8, field, "%s is not valid UTF-8", field);
    if (text_has_control(pw, len, false))
        return kd_fail(err, KD_INVALID_VALUE, field, "%s must not contain control characters",
                       field);
    if (text_utf8_chars(pw, len) < (size_t)min_chars)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s must have at least %d characters",
                       field, min_chars);
    if (login && strlen(login) == len && memcmp(login, pw, len) == 0)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s must not be the login name", field);
    return 0;
}

#define USER_COLUMNS                                                                           \
    "id, tenant_code, login, name, role, disabled, failed_logins, locked_until, epoch,"        \
    " password_changed_at, created_at, updated_at, password_hash"

static void copy_col(struct store_stmt *st, int col, char *dst, size_t cap)
{
    size_t n;
    const char *s = store_col_text(st, col, &n);
    kd_copy_utf8(dst, cap, s, n);
}

static void read_row(struct store_stmt *st, struct user *u)
{
    u->id = store_col_i64(st, 0);
    copy_col(st, 1, u->tenant, sizeof u->tenant);
    copy_col(st, 2, u->login, sizeof u->login);
    copy_col(st, 3, u->name, sizeof u->name);
    size_t n;
    const char *role = store_col_text(st, 4, &n);
    if (!role_parse(role, n, &u->role))
        u->role = ROLE_COUNT; /* unknown role: perm_allows() denies everything */
    u->disabled = store_col_i64(st, 5) != 0;
    u->failed_logins = (int)store_col_i64(st, 6);
    u->locked_until_ms = store_col_i64(st, 7);
    u->epoch = store_col_i64(st, 8);
    copy_col(st, 9, u->password_changed_at, sizeof u->password_changed_at);
    copy_col(st, 10, u->created_at, sizeof u->created_at);
    copy_col(st, 11, u->updated_at, sizeof u->updated_at);
}

static const char SQL_INSERT[] =
    "INSERT INTO users (tenant_code, login, name, role, password_hash, password_changed_at,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

int user_prepare(struct user_new *u, const char *login, const char *name, enum role role,
                 const char *password, int min_chars, struct kd_err *err)
{
    if (user_check_login(login, strlen(login), "login", err) < 0 ||
        user_check_name(name, strlen(name), err) < 0 ||
        user_check_password(password, strlen(password), min_chars, login, "password", err) < 0)
        return -1;
    if ((unsigned)role >= ROLE_COUNT)
        return kd_fail(err, KD_INVALID_VALUE, "role", "unknown role");
    u->login = login;
    u->name = name;
    u->role = role;
    return password_hash(password, strlen(password), u->hash, err);
}

int user_insert(struct store *ctl, const char *tenant, struct user_new *u, int64_t *id_out,
                struct kd_err *err)
{
    char now[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), now);
    struct store_stmt *st = store_prepare(ctl, SQL_INSERT, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, tenant);
    store_bind_str(st, 2, u->login);
    store_bind_str(st, 3, u->name);
    store_bind_str(st, 4, role_name(u->role));
    store_bind_str(st, 5, u->hash);
    store_bind_str(st, 6, now);
    store_bind_str(st, 7, now);
    store_bind_str(st, 8, now);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_CONFLICT, "login", "login %s is already taken in this town",
                       u->login);
    if (rc != STORE_DONE)
        return -1;
    if (id_out)
        *id_out = store_last_id(ctl);
    return 0;
}

int user_add(struct store *ctl, const char *tenant, const char *login, const char *name,
             enum role role, const char *password, int min_chars, int64_t *id_out,
             struct kd_err *err)
{
    struct user_new u;
    int rc = user_prepare(&u, login, name, role, password, min_chars, err);
    if (rc == 0)
        rc = user_insert(ctl, tenant, &u, id_out, err);
    sodium_memzero(u.hash, sizeof u.hash);
    return rc;
}

static const char SQL_GET[] =
    "SELECT " USER_COLUMNS " FROM users WHERE tenant_code = ? AND id = ?";
static const char SQL_FIND[] =
    "SELECT " USER_COLUMNS " FROM users WHERE tenant_code = ? AND login = ?";

/* Runs a one-row user query; copies the hash when hash_out is not NULL. */
static int one(struct store_stmt *st, struct user *out, char *hash_out, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        read_row(st, out);
        if (hash_out)
            copy_col(st, 12, hash_out, PASSWORD_HASH_MAX);
    }
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, NULL, "no such user");
    return rc == STORE_ROW ? 0 : -1;
}

int user_get(struct store *ctl, const char *tenant, int64_t id, struct user *out,
             struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_GET, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, tenant);
    store_bind_i64(st, 2, id);
    return one(st, out, NULL, err);
}

int user_find(struct store *ctl, const char *tenant, const char *login, struct user *out,
              struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_FIND, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, tenant);
    store_bind_str(st, 2, login);
    return one(st, out, NULL, err);
}

static const char SQL_LIST[] =
    "SELECT " USER_COLUMNS " FROM users WHERE tenant_code = ? ORDER BY login";

int user_list(struct store *ctl, const char *tenant, user_each_fn each, void *ctx,
              struct kd_err *err)
{
    struct store_stmt *st = store_prepare(ctl, SQL_LIST, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, tenant);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct user u;
        read_row(st, &u);
        if (each(ctx, &u) < 0) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory listing users");
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

/* Disabling bumps the epoch (ends sessions); enabling does not need to. */
static const char SQL_UPDATE[] =
    "UPDATE users SET name = coalesce(?1, name), role = coalesce(?2, role),"
    " disabled = coalesce(?3, disabled),"
    " epoch = epoch + CASE WHEN coalesce(?3, 0) = 1 AND disabled = 0 THEN 1 ELSE 0 END,"
    " failed_logins = CASE WHEN ?4 = 1 THEN 0 ELSE failed_logins END,"
    " locked_until = CASE WHEN ?4 = 1 THEN 0 ELSE locked_until END,"
    " updated_at = ?5"
    " WHERE tenant_code = ?6 AND id = ?7";

int user_update(struct store *ctl, const char *tenant, int64_t id, const struct user_change *c,
                struct kd_err *err)
{
    if (c->name && user_check_name(c->name, strlen(c->name), err) < 0)
        return -1;
    if (c->role >= ROLE_COUNT)
        return kd_fail(err, KD_INVALID_VALUE, "role", "unknown role");
    char now[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), now);
    struct store_stmt *st = store_prepare(ctl, SQL_UPDATE, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, c->name);
    store_bind_str(st, 2, c->role >= 0 ? role_name((enum role)c->role) : NULL);
    if (c->disabled >= 0)
        store_bind_i64(st, 3, c->disabled);
    else
        store_bind_null(st, 3);
    store_bind_i64(st, 4, c->unlock);
    store_bind_str(st, 5, now);
    store_bind_str(st, 6, tenant);
    store_bind_i64(st, 7, id);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc != STORE_DONE)
        return -1;
    if (store_changes(ctl) == 0)
        return kd_fail(err, KD_NOT_FOUND, NULL, "no such user");
    return 0;
}

static const char SQL_SET_PASSWORD[] =
    "UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ?,"
    " epoch = epoch + 1, failed_logins = 0, locked_until = 0"
    " WHERE tenant_code = ? AND id = ?";

int user_set_password(struct store *ctl, const char *tenant, int64_t id, const char *password,
                      int min_chars, struct kd_err *err)
{
    struct user u;
    if (user_get(ctl, tenant, id, &u, err) < 0)
        return -1;
    if (user_check_password(password, strlen(password), min_chars, u.login, "password", err) <
        0)
        return -1;
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(password, strlen(password), hash, err) < 0)
        return -1;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(clock_now_ms(), now);
    struct store_stmt *st = store_prepare(ctl, SQL_SET_PASSWORD, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, hash);
    store_bind_str(st, 2, now);
    store_bind_str(st, 3, now);
    store_bind_str(st, 4, tenant);
    store_bind_i64(st, 5, id);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    sodium_memzero(hash, sizeof hash);
    if (rc != STORE_DONE)
        return -1;
    if (store_changes(ctl) == 0)
        return kd_fail(err, KD_NOT_FOUND, NULL, "no such user");
    return 0;
}

static const char SQL_AUTH_FIND[] =
    "SELECT " USER_COLUMNS " FROM users WHERE tenant_code = ? AND login = ?"
    " AND EXISTS (SELECT 1 FROM tenants WHERE code = users.tenant_code AND active = 1)";

/* One failure more; locks the account when the threshold is reached. */
static const char SQL_FAILED[] =
    "UPDATE users SET"
    " locked_until = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 ELSE locked_until END,"
    " failed_logins = CASE WHEN failed_logins + 1 >= ?1 THEN 0 ELSE failed_logins + 1 END"
    " WHERE id = ?3 RETURNING locked_until";

static const char SQL_SUCCEEDED[] =
    "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?";

static const char SQL_REHASH[] = "UPDATE users SET password_hash = ? WHERE id = ?";

int user_authenticate(struct store *ctl, const struct auth_policy *policy, const char *tenant,
                      const char *login, const char *password, size_t pw_len, int64_t now_ms,
                      struct user *out, enum auth_outcome *outcome, struct kd_err *err)
{
    char hash[PASSWORD_HASH_MAX];
    struct store_stmt *st = store_prepare(ctl, SQL_AUTH_FIND, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, tenant);
    store_bind_str(st, 2, login);
    struct kd_err find_err;
    if (one(st, out, hash, &find_err) < 0) {
        if (find_err.code != KD_NOT_FOUND) {
            *err = find_err;
            return -1;
        }
        password_burn(password, pw_len);
        /* Tell a missing town from a missing user for the audit log. */
        struct store_stmt *t = store_prepare(ctl, "SELECT 1 FROM tenants WHERE code = ? AND"
                                                  " active = 1", err);
        if (!t)
            return -1;
        store_bind_str(t, 1, tenant);
        enum store_step rc = store_step(t, err);
        store_reset(t);
        if (rc == STORE_ERROR)
            return -1;
        *outcome = rc == STORE_ROW ? AUTH_NO_USER : AUTH_NO_TENANT;
        return 0;
    }
    if (out->disabled) {
        password_burn(password, pw_len);
        *outcome = AUTH_DISABLED;
        return 0;
    }
    if (out->locked_until_ms > now_ms) {
        password_burn(password, pw_len);
        *outcome = AUTH_LOCKED;
        return 0;
    }
    int ok = password_verify(hash, password, pw_len, err);
    if (ok < 0)
        return -1;
    if (store_begin_write(ctl, err) < 0)
        return -1;
    if (ok) {
        st = store_prepare(ctl, SQL_SUCCEEDED, err);
        if (!st)
            goto out_rollback;
        store_bind_i64(st, 1, out->id);
        enum store_step rc = store_step(st, err);
        store_reset(st);
        if (rc != STORE_DONE)
            goto out_rollback;
        if (password_needs_rehash(hash)) {
            char fresh[PASSWORD_HASH_MAX];
            if (password_hash(password, pw_len, fresh, err) == 0) {
                st = store_prepare(ctl, SQL_REHASH, err);
                if (!st)
                    goto out_rollback;
                store_bind_str(st, 1, fresh);
                store_bind_i64(st, 2, out->id);
                rc = store_step(st, err);
                store_reset(st);
                if (rc != STORE_DONE)
                    goto out_rollback;
            }
        }
        out->failed_logins = 0;
        out->locked_until_ms = 0;
        *outcome = AUTH_OK;
    } else {
        st = store_prepare(ctl, SQL_FAILED, err);
        if (!st)
            goto out_rollback;
        store_bind_i64(st, 1, policy->lockout_threshold);
        store_bind_i64(st, 2, now_ms + policy->lockout_ms);
        store_bind_i64(st, 3, out->id);
        enum store_step rc = store_step(st, err);
        int64_t locked = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
        store_reset(st);
        if (rc != STORE_ROW)
            goto out_rollback;
        out->locked_until_ms = locked;
        *outcome = locked > now_ms ? AUTH_BAD_PASSWORD_NOW_LOCKED : AUTH_BAD_PASSWORD;
    }
    sodium_memzero(hash, sizeof hash);
    return store_commit(ctl, err);
out_rollback:
    sodium_memzero(hash, sizeof hash);
    store_rollback(ctl);
    return -1;
}
