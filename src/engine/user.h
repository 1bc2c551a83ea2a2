/*
 * user.h — a town's staff accounts, in the control database.
 *
 * Every function takes the town code first and only ever touches that town's
 * users: a user id of another town is "not found", exactly like an id that
 * does not exist. The town code comes from the caller's session (or, for the
 * CLI, from the operator's --tenant).
 *
 * Passwords are argon2id hashes (password.h). Consecutive failed sign-ins
 * lock an account for a while (auth_policy). Changing a password or disabling
 * an account bumps the user's epoch, which ends every session made before.
 */
#ifndef KYODO_ENGINE_USER_H
#define KYODO_ENGINE_USER_H

#include "base/err.h"
#include "engine/password.h"
#include "engine/perm.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define USER_LOGIN_MAX 32
#define USER_NAME_CHARS 64

extern const struct store_schema user_schema;

/* Each field is atomic: a reload of the configuration (SIGHUP) sets them
 * one by one while requests read them (each read sees the old or the new
 * value of that field). */
struct auth_policy {
    _Atomic int64_t idle_ms;       /* a session unused this long ends */
    _Atomic int64_t lifetime_ms;   /* a session ends this long after sign-in */
    _Atomic int64_t touch_ms;      /* last-use is written at most this often */
    _Atomic int lockout_threshold; /* consecutive failures that lock an account */
    _Atomic int64_t lockout_ms;
    _Atomic int password_min_chars;
};

struct user {
    int64_t id;
    char tenant[7];
    char login[USER_LOGIN_MAX + 1];
    char name[USER_NAME_CHARS * 4 + 1];
    enum role role;
    bool disabled;
    int failed_logins;
    int64_t locked_until_ms; /* 0 when not locked */
    int64_t epoch;
    char password_changed_at[25];
    char created_at[25];
    char updated_at[25];
};

/* Field checks. login: 2..32 of [a-z0-9._-], starting with a letter or digit.
 * field names the JSON field to blame ("login" or "user"). */
int user_check_login(const char *s, size_t len, const char *field, struct kd_err *err);
int user_check_name(const char *s, size_t len, struct kd_err *err);
/* At least min_chars characters, at most PASSWORD_MAX_BYTES bytes, valid
 * UTF-8, not the login itself. field names the JSON field. */
int user_check_password(const char *pw, size_t len, int min_chars, const char *login,
                        const char *field, struct kd_err *err);

/* Creates a user; KD_CONFLICT if the login is taken in the town. */
int user_add(struct store *ctl, const char *tenant, const char *login, const char *name,
             enum role role, const char *password, int min_chars, int64_t *id_out,
             struct kd_err *err);

/* user_add in two steps, for callers that must not hash a password inside a
 * transaction: user_prepare checks the fields and hashes the password (slow,
 * no database); user_insert stores the account (joins the caller's
 * transaction if one is open). The strings must outlive the insert. */
struct user_new {
    const char *login, *name;
    enum role role;
    char hash[PASSWORD_HASH_MAX];
};
int user_prepare(struct user_new *u, const char *login, const char *name, enum role role,
                 const char *password, int min_chars, struct kd_err *err);
int user_insert(struct store *ctl, const char *tenant, struct user_new *u, int64_t *id_out,
                struct kd_err *err);

int user_get(struct store *ctl, const char *tenant, int64_t id, struct user *out,
             struct kd_err *err);
int user_find(struct store *ctl, const char *tenant, const char *login, struct user *out,
              struct kd_err *err);

typedef int (*user_each_fn)(void *ctx, const struct user *u);
int user_list(struct store *ctl, const char *tenant, user_each_fn each, void *ctx,
              struct kd_err *err);

struct user_change {
    const char *name; /* NULL: keep */
    int role;         /* enum role, or -1: keep */
    int disabled;     /* 0/1, or -1: keep */
    bool unlock;      /* clear a lock-out */
};
int user_update(struct store *ctl, const char *tenant, int64_t id, const struct user_change *c,
                struct kd_err *err);

/* Sets a new password (checked against min_chars) and ends the user's
 * sessions. */
int user_set_password(struct store *ctl, const char *tenant, int64_t id, const char *password,
                      int min_chars, struct kd_err *err);

enum auth_outcome {
    AUTH_OK,
    AUTH_NO_TENANT,       /* no such town, or the town is disabled */
    AUTH_NO_USER,
    AUTH_DISABLED,
    AUTH_LOCKED,          /* locked before this attempt; the password was not tried */
    AUTH_BAD_PASSWORD,
    AUTH_BAD_PASSWORD_NOW_LOCKED,
};

/* Checks a sign-in. Returns 0 with *outcome set (and *out filled when the
 * user exists), or -1 on a failure to decide (database, overload). Counts
 * failures and locks the account per policy. Always spends one password
 * hash, so outcomes cannot be told apart by timing. */
int user_authenticate(struct store *ctl, const struct auth_policy *policy, const char *tenant,
                      const char *login, const char *password, size_t pw_len, int64_t now_ms,
                      struct user *out, enum auth_outcome *outcome, struct kd_err *err);

#endif
